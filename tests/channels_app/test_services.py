"""The token vault, refresh at half-life, health, reconnect, disconnect, guidelines and slots."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from channels_app import selectors, services
from channels_app.adapters.base import AccountProfile, ConnectableAccount, Credentials
from channels_app.models import Channel, ChannelGuidelines, PendingConnection, PostingSlot
from smm.models import ActivityEvent, Notification, Role
from tests.factories import ChannelFactory, member

NOW = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)
X_TOKEN_URL = "https://api.x.com/2/oauth2/token"


def _account(account_id: str = "2244994945", **creds: object) -> ConnectableAccount:
    values = {
        "account_id": account_id,
        "access_token": "ACCESS-plain-secret-123",
        "refresh_token": "REFRESH-plain-secret-456",
        "expires_at": NOW + dt.timedelta(hours=2),
        "scopes": ("tweet.read", "tweet.write", "users.read", "offline.access"),
    }
    values.update(creds)
    return ConnectableAccount(
        credentials=Credentials(**values),  # type: ignore[arg-type]
        profile=AccountProfile(
            account_id=account_id,
            handle="@tulipcoffee",
            name="Tulip Coffee",
            avatar_url="https://pbs.twimg.com/profile_images/1/tulip.jpg",
            url="https://x.com/tulipcoffee",
            followers=1234,
        ),
    )


@time_machine.travel(NOW, tick=False)
def test_tokens_are_encrypted_at_rest(workspace, alice) -> None:
    channel = services.channel_store_account(
        workspace=workspace, platform="x", account=_account(), by=alice
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM channels_app_channel WHERE id = %s",
            [channel.pk],
        )
        access, refresh = cursor.fetchone()
    assert "ACCESS-plain-secret-123" not in access and access.startswith("fernet:")
    assert "REFRESH-plain-secret-456" not in refresh and refresh.startswith("fernet:")
    # ... and the services read them back.
    creds = services.channel_credentials(Channel.objects.get(pk=channel.pk))
    assert creds.access_token == "ACCESS-plain-secret-123"
    assert "ACCESS" not in repr(creds)


@time_machine.travel(NOW, tick=False)
def test_connecting_stores_profile_health_and_half_life(workspace, alice) -> None:
    channel = services.channel_store_account(
        workspace=workspace, platform="x", account=_account(), by=alice
    )
    assert channel.handle == "@tulipcoffee" and channel.followers_count == 1234
    assert channel.status == Channel.Status.ACTIVE
    assert channel.refresh_due_at == NOW + dt.timedelta(hours=1)  # half of two hours
    assert channel.last_success_at == NOW
    assert ChannelGuidelines.objects.filter(channel=channel).exists()
    assert ActivityEvent.objects.filter(workspace=workspace, verb="channel.connected").count() == 1


@time_machine.travel(NOW, tick=False)
def test_reconnecting_the_same_account_reuses_the_channel(workspace, alice) -> None:
    first = services.channel_store_account(
        workspace=workspace, platform="x", account=_account(), by=alice
    )
    services.channel_mark_needs_reconnect(channel=first, reason="token revoked")
    again = services.channel_store_account(
        workspace=workspace,
        platform="x",
        account=_account(access_token="NEW-ACCESS"),
        by=alice,
    )
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.status == Channel.Status.ACTIVE and again.last_error == ""
    assert again.access_token == "NEW-ACCESS"
    assert ActivityEvent.objects.filter(verb="channel.reconnected").count() == 1


def test_the_same_account_in_two_workspaces_is_two_channels(workspace, other_workspace, alice):
    a = services.channel_store_account(
        workspace=workspace, platform="x", account=_account(), by=alice
    )
    b = services.channel_store_account(
        workspace=other_workspace, platform="x", account=_account(), by=None
    )
    assert a.pk != b.pk


def test_claim_due_leases_each_channel_once(workspace) -> None:
    due = ChannelFactory(workspace=workspace, refresh_due_at=NOW - dt.timedelta(minutes=1))
    ChannelFactory(workspace=workspace, refresh_due_at=NOW + dt.timedelta(minutes=30))
    ChannelFactory(
        workspace=workspace,
        refresh_due_at=NOW - dt.timedelta(minutes=1),
        status=Channel.Status.NEEDS_RECONNECT,
    )
    assert services.channel_tokens_claim_due(now=NOW) == [due.pk]
    assert services.channel_tokens_claim_due(now=NOW) == []  # leased
    later = NOW + services.REFRESH_LEASE + dt.timedelta(seconds=1)
    assert services.channel_tokens_claim_due(now=later) == [due.pk]  # the worker died


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_refresh_stores_the_rotated_tokens(workspace, platform_keys, x_channel) -> None:
    responses.post(
        X_TOKEN_URL,
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": "NEW-ACCESS-TOKEN",
            "scope": "tweet.read tweet.write users.read media.write offline.access",
            "refresh_token": "NEW-REFRESH-TOKEN",
        },
    )
    assert services.channel_token_refresh(channel_id=x_channel.pk) == "refreshed"
    x_channel.refresh_from_db()
    assert x_channel.access_token == "NEW-ACCESS-TOKEN"
    assert x_channel.refresh_token == "NEW-REFRESH-TOKEN"
    assert x_channel.token_expires_at == NOW + dt.timedelta(hours=2)
    assert x_channel.refresh_due_at == NOW + dt.timedelta(hours=1)
    assert x_channel.last_success_at == NOW
    sent = responses.calls[0].request
    assert "grant_type=refresh_token" in sent.body
    assert "refresh_token=refresh-token-" in sent.body


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_refused_refresh_marks_needs_reconnect_and_tells_the_admins(
    workspace, alice, bob, platform_keys, x_channel, django_capture_on_commit_callbacks
) -> None:
    admin = member(workspace, Role.ADMIN, email="admin@example.com")
    responses.post(
        X_TOKEN_URL,
        status=400,
        json={
            "error": "invalid_request",
            "error_description": "Value passed for the token was invalid.",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.channel_token_refresh(channel_id=x_channel.pk) == "needs_reconnect"
    x_channel.refresh_from_db()
    assert x_channel.status == Channel.Status.NEEDS_RECONNECT
    assert x_channel.last_error
    assert x_channel.refresh_due_at is None
    # A notification to each admin, e-mailed to each in their own language.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([alice.email, admin.email])  # not bob
    for sent in mail.outbox:
        assert "needs reconnecting" in sent.subject
        assert f"/channels/{x_channel.pk}/" in sent.body
        assert "refresh-token-" not in sent.body
    assert Notification.objects.filter(kind="channel.needs_reconnect").count() == 2
    event = ActivityEvent.objects.get(verb="channel.needs_reconnect")
    assert event.target_id == str(x_channel.pk)
    # A second failure does not mail again.
    assert services.channel_mark_needs_reconnect(channel=x_channel, reason="again") is False
    assert len(mail.outbox) == 2


@responses.activate
def test_a_transient_refresh_failure_retries_later_then_gives_up(
    workspace, platform_keys, x_channel, django_capture_on_commit_callbacks
) -> None:
    responses.post(X_TOKEN_URL, status=503, body="Service Unavailable")
    with time_machine.travel(NOW, tick=False):
        assert services.channel_token_refresh(channel_id=x_channel.pk) == "retry"
        x_channel.refresh_from_db()
        assert x_channel.status == Channel.Status.ACTIVE
        assert x_channel.refresh_failures == 1
        assert x_channel.refresh_due_at == NOW + dt.timedelta(minutes=5)
        assert x_channel.last_error
    # The token has expired meanwhile and every retry failed: now a person must act.
    Channel.objects.filter(pk=x_channel.pk).update(
        token_expires_at=NOW, refresh_failures=len(services.REFRESH_RETRY_DELAYS)
    )
    with (
        time_machine.travel(NOW + dt.timedelta(hours=3), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.channel_token_refresh(channel_id=x_channel.pk) == "needs_reconnect"
    x_channel.refresh_from_db()
    assert x_channel.status == Channel.Status.NEEDS_RECONNECT


@responses.activate
def test_rate_limited_refresh_waits_as_long_as_asked(workspace, platform_keys, x_channel) -> None:
    responses.post(
        X_TOKEN_URL,
        status=429,
        headers={"x-rate-limit-reset": str(int((NOW + dt.timedelta(hours=1)).timestamp()))},
        json={"title": "Too Many Requests", "status": 429},
    )
    with time_machine.travel(NOW, tick=False):
        assert services.channel_token_refresh(channel_id=x_channel.pk) == "retry"
    x_channel.refresh_from_db()
    assert x_channel.refresh_due_at >= NOW + dt.timedelta(minutes=59)


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_a_token_without_refresh_is_checked_and_the_admins_warned(workspace) -> None:
    channel = ChannelFactory(
        workspace=workspace,
        platform="mastodon",
        external_id="109",
        instance_url="https://social.example",
        refresh_token="",
        token_expires_at=None,
    )
    responses.get(
        "https://social.example/api/v1/accounts/verify_credentials",
        json={
            "id": "109",
            "username": "tulip",
            "acct": "tulip",
            "display_name": "Tulip",
            "url": "https://social.example/@tulip",
            "avatar": "https://social.example/a.png",
            "followers_count": 3,
            "following_count": 1,
            "statuses_count": 7,
            "created_at": "2024-01-01T00:00:00.000Z",
            "note": "",
            "locked": False,
            "bot": False,
        },
    )
    assert services.channel_token_refresh(channel_id=channel.pk) == "checked"
    channel.refresh_from_db()
    assert channel.last_success_at == NOW


def test_refresh_skips_channels_that_are_not_active(workspace) -> None:
    channel = ChannelFactory(workspace=workspace, status=Channel.Status.DISCONNECTED)
    assert services.channel_token_refresh(channel_id=channel.pk) == "skipped"


@time_machine.travel(NOW, tick=False)
def test_disconnect_forgets_tokens_and_keeps_the_row(workspace, alice, x_channel) -> None:
    PostingSlot.objects.create(workspace=workspace, channel=x_channel, weekday=0, time=dt.time(9))
    services.channel_disconnect(channel=x_channel, by=alice)
    x_channel.refresh_from_db()
    assert x_channel.status == Channel.Status.DISCONNECTED
    assert x_channel.access_token == "" and x_channel.refresh_token == ""
    assert x_channel.disconnected_at == NOW
    assert x_channel.posting_slots.count() == 1  # kept for a reconnect
    assert selectors.channel_health(x_channel).level == "off"


@time_machine.travel(NOW, tick=False)
def test_health_levels(workspace) -> None:
    ok = ChannelFactory(workspace=workspace, token_expires_at=NOW + dt.timedelta(hours=1))
    assert selectors.channel_health(ok).level == "ok"
    assert selectors.channel_health(ok).auto_renews is True
    missing = ChannelFactory(workspace=workspace, scopes=["tweet.read"])
    health = selectors.channel_health(missing)
    assert health.level == "warning" and "tweet.write" in health.missing_scopes
    expiring = ChannelFactory(
        workspace=workspace,
        refresh_token="",
        token_renews=False,
        token_expires_at=NOW + dt.timedelta(days=3),
    )
    assert selectors.channel_health(expiring).level == "warning"
    failing = ChannelFactory(
        workspace=workspace, last_error="HTTP 503", last_error_at=NOW, last_success_at=None
    )
    assert selectors.channel_health(failing).level == "warning"
    broken = ChannelFactory(workspace=workspace, status=Channel.Status.NEEDS_RECONNECT)
    assert selectors.channel_health(broken).level == "error"


@time_machine.travel(NOW, tick=False)
def test_pending_connection_connects_only_the_chosen_accounts(workspace, alice) -> None:
    accounts = [_account("page-1"), _account("page-2"), _account("page-3")]
    pending = PendingConnection.objects.create(
        workspace=workspace,
        user=alice,
        platform="facebook",
        payload=services._encode_accounts(accounts),
        expires_at=NOW + dt.timedelta(minutes=15),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM channels_app_pendingconnection")
        assert "ACCESS-plain-secret" not in cursor.fetchone()[0]
    assert services.pending_accounts(pending)[1].credentials.expires_at == NOW + dt.timedelta(
        hours=2
    )
    with pytest.raises(ValidationError):
        services.channel_connect_pending(pending=pending, account_ids=[], by=alice)
    channels = services.channel_connect_pending(
        pending=pending, account_ids=["page-1", "page-3"], by=alice
    )
    assert sorted(c.external_id for c in channels) == ["page-1", "page-3"]
    assert not PendingConnection.objects.exists()


def test_an_expired_pending_connection_is_refused(workspace, alice) -> None:
    pending = PendingConnection.objects.create(
        workspace=workspace,
        user=alice,
        platform="facebook",
        payload=services._encode_accounts([_account("p")]),
        expires_at=timezone.now() - dt.timedelta(seconds=1),
    )
    with pytest.raises(ValidationError, match="too long"):
        services.channel_connect_pending(pending=pending, account_ids=["p"], by=alice)
    assert services.pending_connections_purge() == 1
    assert not PendingConnection.objects.exists()


def test_guidelines_normalise_hashtags_and_refuse_conflicts(workspace, alice, x_channel) -> None:
    guidelines = services.channel_guidelines_update(
        channel=x_channel,
        by=alice,
        role="engagement",
        tone_of_voice="Warm, informal.",
        default_hashtags="#coffee, tulip #Coffee",
        banned_hashtags=["#cheap"],
    )
    assert guidelines.default_hashtags == ["coffee", "tulip"]
    assert guidelines.banned_hashtags == ["cheap"]
    with pytest.raises(ValidationError) as err:
        services.channel_guidelines_update(channel=x_channel, by=alice, banned_hashtags="#TULIP")
    assert "banned_hashtags" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.channel_guidelines_update(
            channel=x_channel, by=alice, default_hashtags="two words#"
        )
    assert "default_hashtags" in err.value.message_dict
    guidelines.refresh_from_db()
    assert guidelines.banned_hashtags == ["cheap"]  # nothing half-saved


def test_posting_slots_refuse_duplicates(workspace, alice, x_channel) -> None:
    slot = services.posting_slot_add(channel=x_channel, by=alice, weekday=2, at=dt.time(9, 30, 15))
    assert slot.time == dt.time(9, 30)
    with pytest.raises(ValidationError):
        services.posting_slot_add(channel=x_channel, by=alice, weekday=2, at=dt.time(9, 30))
    with pytest.raises(ValidationError):
        services.posting_slot_add(channel=x_channel, by=alice, weekday=9, at=dt.time(9, 30))
    services.posting_slot_remove(slot=slot, by=alice)
    assert not PostingSlot.objects.exists()
    verbs = set(ActivityEvent.objects.values_list("verb", flat=True))
    assert {"channel.slot_added", "channel.slot_removed"} <= verbs


def test_key_rotation_reencrypts_channel_tokens(settings, workspace) -> None:
    from django.core.management import call_command

    from tests.smm.test_crypto import NEW, OLD

    settings.SMM_ENCRYPTION_KEYS = [OLD]
    channel = ChannelFactory(workspace=workspace, access_token="rotate-me")
    settings.SMM_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_encryption_keys")
    settings.SMM_ENCRYPTION_KEYS = [NEW]  # the old key is gone
    assert Channel.objects.get(pk=channel.pk).access_token == "rotate-me"


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_instagram_tokens_renew_without_a_refresh_token(workspace, platform_keys) -> None:
    channel = services.channel_store_account(
        workspace=workspace,
        platform="instagram",
        account=_account(
            "17841400000000001", refresh_token=None, expires_at=NOW + dt.timedelta(days=60)
        ),
        by=None,
    )
    assert channel.token_renews and channel.refresh_due_at == NOW + dt.timedelta(days=30)
    assert selectors.channel_health(channel).auto_renews
    responses.get(
        "https://graph.instagram.com/refresh_access_token",
        json={"access_token": "IGQ-NEW", "token_type": "bearer", "expires_in": 5184000},
    )
    later = NOW + dt.timedelta(days=30)
    with time_machine.travel(later, tick=False):
        assert services.channel_token_refresh(channel_id=channel.pk) == "refreshed"
    channel.refresh_from_db()
    assert channel.access_token == "IGQ-NEW"
    assert channel.token_expires_at == later + dt.timedelta(seconds=5184000)
    assert "grant_type=ig_refresh_token" in responses.calls[0].request.url


@responses.activate
def test_a_token_that_cannot_be_renewed_is_watched_until_it_expires(
    workspace, platform_keys, django_capture_on_commit_callbacks
) -> None:
    member_urn = "urn:li:person:782bbtaQ"
    with time_machine.travel(NOW, tick=False):
        channel = services.channel_store_account(
            workspace=workspace,
            platform="linkedin",
            account=_account(
                member_urn, refresh_token=None, expires_at=NOW + dt.timedelta(days=60)
            ),
            by=None,
        )
    assert not channel.token_renews
    responses.get(
        "https://api.linkedin.com/v2/userinfo",
        json={
            "sub": "782bbtaQ",
            "name": "Tulip Coffee",
            "given_name": "Tulip",
            "family_name": "Coffee",
            "picture": "https://media.licdn.com/p.jpg",
        },
    )
    with time_machine.travel(NOW + dt.timedelta(days=30), tick=False):
        assert services.channel_token_refresh(channel_id=channel.pk) == "checked"
    channel.refresh_from_db()
    assert channel.last_error == ""  # weeks left: nothing to say yet
    assert channel.refresh_due_at == NOW + dt.timedelta(days=31)
    with time_machine.travel(NOW + dt.timedelta(days=55), tick=False):
        assert services.channel_token_refresh(channel_id=channel.pk) == "checked"
    channel.refresh_from_db()
    assert "cannot be renewed automatically" in channel.last_error
    assert selectors.channel_health(channel, now=NOW + dt.timedelta(days=55)).level == "warning"
    with (
        time_machine.travel(NOW + dt.timedelta(days=61), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.channel_token_refresh(channel_id=channel.pk) == "needs_reconnect"
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT


@responses.activate
def test_a_mastodon_servers_own_limits_apply_to_its_channels(
    workspace, alice, django_capture_on_commit_callbacks
) -> None:
    responses.get(
        "https://social.example/api/v2/instance",
        json={
            "domain": "social.example",
            "title": "Social Example",
            "version": "4.5.0",
            "configuration": {
                "statuses": {
                    "max_characters": 1000,
                    "max_media_attachments": 8,
                    "characters_reserved_per_url": 23,
                },
                "media_attachments": {
                    "supported_mime_types": ["image/jpeg", "image/png", "video/mp4"],
                    "image_size_limit": 16777216,
                    "image_matrix_limit": 33177600,
                    "video_size_limit": 103809024,
                    "video_frame_rate_limit": 120,
                    "video_matrix_limit": 8294400,
                    "description_limit": 1500,
                },
            },
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        channel = services.channel_store_account(
            workspace=workspace,
            platform="mastodon",
            account=_account(
                "109", refresh_token=None, expires_at=None, instance_url="https://social.example"
            ),
            by=alice,
        )
    channel.refresh_from_db()
    assert channel.platform_limits["statuses"]["max_characters"] == 1000
    spec = selectors.channel_spec(channel)
    assert spec.text.limit == 1000 and spec.media.max_items == 8
    assert responses.calls[0].request.headers.get("Authorization") in (None, "")  # public


def test_platforms_without_server_limits_keep_the_registry(workspace, x_channel) -> None:
    services._refresh_platform_limits(x_channel)  # X reports none: no call, nothing stored
    x_channel.refresh_from_db()
    assert x_channel.platform_limits == {}
    assert selectors.channel_spec(x_channel).text.limit == 280
