"""The whole loop against Bluesky's reference servers (PLC, PDS, AppView) run locally.

Ripple is driven through its own code paths: channels_app.services to connect, the content
services to write and schedule, the dispatcher (`dispatch_due_all_workspaces`, in this process,
as beat would run it) and a real Celery worker subprocess to publish, the Bluesky adapter to
read metrics and the inbox and to reply. Hand-written XRPC (network.Account) is used only for
what the second account does (like, repost, reply, mention) and to check on the network what
exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from channels_app.adapters.base import AuthExpired
from channels_app.models import Channel
from channels_app.services import (
    channel_adapter,
    channel_connect_app_password,
    channel_credentials,
)
from content.models import Post, PostTarget, PublishAttempt
from content.services.checks import MediaChoice, PostInput
from content.services.media import media_upload
from content.services.planning import post_schedule, schedule_targets
from content.services.posts import check, post_save
from content.services.publishing import dispatch_due_all_workspaces
from smm.models import Membership, Role, User, Workspace
from tests.content.media_files import png_bytes, upload
from tests.e2e.bluesky.conftest import People
from tests.e2e.bluesky.network import RunningNetwork, expired_access_token
from tests.e2e.bluesky.proxy import delay_proxy
from tests.factories import WorkspaceFactory, member
from tests.workers import Broker, CeleryProcess, celery_worker, isolated_broker, wait_for

S = PostTarget.Status
REQUEUE_AFTER = 2  # seconds
STALE_AFTER = 3  # seconds
WORKER_ENV = {
    "SMM_PUBLISH_REQUEUE_AFTER": str(REQUEUE_AFTER),
    "SMM_PUBLISH_STALE_AFTER": str(STALE_AFTER),
}


# Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def engine_settings(settings: Any) -> None:
    settings.SMM_PUBLISH_REQUEUE_AFTER = REQUEUE_AFTER
    settings.SMM_PUBLISH_STALE_AFTER = STALE_AFTER


@pytest.fixture
def space(transactional_db: None) -> Workspace:
    return WorkspaceFactory(name="Tulip Coffee", slug="tulip-coffee")


@pytest.fixture
def owner(space: Workspace) -> User:
    return member(space, Role.OWNER, email="alice@example.com", name="Alice Owner")


@pytest.fixture
def membership(space: Workspace, owner: User) -> Membership:
    return Membership.objects.get(workspace=space, user=owner)


@pytest.fixture
def channel(
    space: Workspace, owner: User, people: People, bluesky_network: RunningNetwork
) -> Channel:
    """The brand's account connected as a person would: handle + app password, the local PDS as
    the service to sign in at."""
    return channel_connect_app_password(
        workspace=space,
        by=owner,
        identifier=f"@{people.brand.handle}",
        password=people.app_password,
        service_url=bluesky_network.pds,
    )


@pytest.fixture
def broker(tmp_path: Path, transactional_db: None) -> Iterator[Broker]:
    with isolated_broker("filesystem", tmp_path) as broker:
        yield broker


@pytest.fixture
def worker(broker: Broker, tmp_path: Path, engine_settings: None) -> Iterator[CeleryProcess]:
    with celery_worker(broker, log_dir=tmp_path, env=WORKER_ENV) as process:
        yield process


# Helpers ----------------------------------------------------------------------------------


def schedule(
    space: Workspace,
    membership: Membership,
    channel: Channel,
    text: str,
    *,
    link: str = "",
    media: list[int] = (),  # type: ignore[assignment]
) -> PostTarget:
    """Write a post as the composer does and schedule it a moment from now."""
    post = post_save(
        workspace=space,
        membership=membership,
        data=PostInput(
            text=text,
            link=link,
            channel_ids=[channel.pk],
            media=[MediaChoice(asset_id) for asset_id in media],
        ),
    )
    post_schedule(post=post, membership=membership, at=timezone.now() + timedelta(seconds=1))
    return post.targets.get()


def dispatch_until(
    condition: Callable[[], Any], *, timeout: float, what: str, processes: list[CeleryProcess]
) -> Any:
    """Run the dispatcher (as beat does, every 0.3 s here) until `condition` holds."""

    def step() -> Any:
        dispatch_due_all_workspaces()
        return condition()

    return wait_for(step, timeout=timeout, what=what, interval=0.3, processes=processes)


def status_is(target_id: int, *statuses: str) -> Callable[[], PostTarget | None]:
    def check() -> PostTarget | None:
        target = PostTarget.objects.get(pk=target_id)
        return target if target.status in statuses else None

    return check


def eventually(condition: Callable[[], Any], *, what: str, timeout: float = 15) -> Any:
    return wait_for(condition, timeout=timeout, what=what, interval=0.25)


def outcomes(target_id: int) -> list[str]:
    return list(
        PublishAttempt.objects.filter(target_id=target_id)
        .order_by("pk")
        .values_list("outcome", flat=True)
    )


def records_with_text(people: People, text: str) -> list[dict[str, Any]]:
    """The brand's post records on the PDS (its repository, not the AppView) with `text`."""
    return [r for r in people.brand.records(people.brand.did) if r["value"]["text"] == text]


def byte_span(text: str, part: str) -> dict[str, int]:
    start = text.encode().index(part.encode())
    return {"byteStart": start, "byteEnd": start + len(part.encode())}


# (1) Connect ------------------------------------------------------------------------------


def test_connect_with_handle_and_app_password(
    channel: Channel, people: People, bluesky_network: RunningNetwork
) -> None:
    assert channel.status == Channel.Status.ACTIVE
    assert channel.platform == "bluesky"
    assert channel.external_id == people.brand.did
    assert channel.handle.lstrip("@") == people.brand.handle
    # The account's own PDS, from its DID document; the session tokens are stored, the app
    # password is not.
    assert channel.instance_url == bluesky_network.pds
    assert channel.access_token and channel.refresh_token
    assert people.app_password not in str(Channel.objects.filter(pk=channel.pk).values().get())
    assert channel.token_expires_at and channel.token_expires_at > timezone.now()


# (2)-(4) Publish, react, measure, inbox, reply ---------------------------------------------


TEXT = (
    "Verse bonen bij Café Zoë ☕️🇳🇱 — proef ze met @{fan} en vertel het ons! "
    "#KoffieLiefde https://tulip.example/bonen?soort=ö"
)


def test_publish_react_measure_inbox_and_reply(
    space: Workspace,
    owner: User,
    membership: Membership,
    channel: Channel,
    people: People,
    worker: CeleryProcess,
) -> None:
    asset = media_upload(
        workspace=space, by=owner, uploaded_file=upload("bonen.png", png_bytes(640, 480))
    )
    text = TEXT.format(fan=people.fan.handle)
    link = "https://tulip.example/bonen?soort=ö"
    target = schedule(space, membership, channel, text, link=link, media=[asset.pk])

    published = dispatch_until(
        status_is(target.pk, S.PUBLISHED, S.FAILED, S.NEEDS_ATTENTION),
        timeout=40,
        what="the post to be published",
        processes=[worker],
    )
    assert published.status == S.PUBLISHED, published.last_error
    assert outcomes(target.pk) == [PublishAttempt.Outcome.PUBLISHED]
    assert Post.objects.get(pk=target.post_id).status == Post.Status.PUBLISHED

    # On the network: exactly one record, the one Ripple recorded.
    (record,) = records_with_text(people, text)
    assert record["uri"] == published.external_id
    assert published.external_url.endswith("/post/" + record["uri"].rsplit("/", 1)[-1])
    value = record["value"]
    # Facets: UTF-8 byte offsets of the mention, the tag and the link.
    facets = {f["features"][0]["$type"].rsplit("#", 1)[-1]: f for f in value["facets"]}
    assert facets["mention"]["index"] == byte_span(text, f"@{people.fan.handle}")
    assert facets["mention"]["features"][0]["did"] == people.fan.did
    assert facets["tag"]["index"] == byte_span(text, "#KoffieLiefde")
    assert facets["tag"]["features"][0]["tag"] == "KoffieLiefde"
    assert facets["link"]["index"] == byte_span(text, link)
    assert facets["link"]["features"][0]["uri"] == link
    # The image: an images embed whose blob the PDS holds.
    embed = value["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    (image,) = embed["images"]
    assert image["image"]["mimeType"].startswith("image/")
    assert image["aspectRatio"]["width"] * 3 == image["aspectRatio"]["height"] * 4
    # The AppView shows the post with its image and the facets it resolved.
    (view,) = eventually(
        lambda: people.fan.posts([record["uri"]]), what="the AppView to index the post"
    )
    assert view["embed"]["$type"] == "app.bsky.embed.images#view"
    assert view["record"]["text"] == text

    # (3) The fan likes, reposts, replies, and mentions the brand in a post of their own.
    uri, cid = view["uri"], view["cid"]
    people.fan.like(uri, cid)
    people.fan.repost(uri, cid)
    ref = {"uri": uri, "cid": cid}
    reply = people.fan.post("Lekker! Welke branding is dit? 🤔", reply={"root": ref, "parent": ref})
    mention_text = f"Net de nieuwe bonen van @{people.brand.handle} geproefd, aanrader 👌"
    mention = people.fan.post(
        mention_text,
        facets=[
            {
                "index": byte_span(mention_text, f"@{people.brand.handle}"),
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": people.brand.did}],
            }
        ],
    )

    channel.refresh_from_db()
    adapter, creds = channel_adapter(channel), channel_credentials(channel)
    metrics = eventually(
        lambda: [
            m
            for m in adapter.fetch_post_metrics(creds, [published.external_id])
            if (m.values.get("likes"), m.values.get("shares"), m.values.get("comments"))
            == (1, 1, 1)
        ],
        what="likes, reposts and replies to be counted",
    )
    assert metrics[0].external_id == published.external_id

    page = eventually(
        lambda: (p := adapter.fetch_inbox(creds, cursor=None)) and len(p.items) >= 2 and p,
        what="the reply and the mention in the inbox",
    )
    by_id = {item.external_id: item for item in page.items}
    assert set(by_id) == {reply["uri"], mention["uri"]}, page.items
    comment = by_id[reply["uri"]]
    assert comment.kind == "comment"
    assert comment.post_external_id == published.external_id
    assert comment.author.external_id == people.fan.did
    assert comment.author.handle == people.fan.handle
    assert by_id[mention["uri"]].kind == "mention"
    assert by_id[mention["uri"]].text == mention_text
    # The cursor: nothing is repeated; only what is new comes next.
    assert adapter.fetch_inbox(creds, cursor=page.cursor).items == ()
    again = people.fan.post(
        f"Nog een keer @{people.brand.handle}!",
        facets=[
            {
                "index": byte_span(
                    f"Nog een keer @{people.brand.handle}!", f"@{people.brand.handle}"
                ),
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": people.brand.did}],
            }
        ],
    )
    newer = eventually(
        lambda: (p := adapter.fetch_inbox(creds, cursor=page.cursor)) and p.items and p,
        what="the new mention",
    )
    assert [item.external_id for item in newer.items] == [again["uri"]]
    assert adapter.fetch_inbox(creds, cursor=newer.cursor).items == ()

    # (4) Ripple answers the reply; it appears in the thread, under the fan's reply.
    answer = adapter.reply(creds, comment, "Een lichte branding uit Huila 🇨🇴, veel plezier!")
    thread = eventually(
        lambda: (
            (t := people.fan.get("app.bsky.feed.getPostThread", uri=published.external_id))
            and _replies_of(t["thread"], reply["uri"])
            and t
        ),
        what="Ripple's answer in the thread",
    )
    (ours,) = _replies_of(thread["thread"], reply["uri"])
    assert ours["post"]["uri"] == answer.external_id
    assert ours["post"]["author"]["did"] == people.brand.did
    assert ours["post"]["record"]["reply"]["root"]["uri"] == published.external_id


def _replies_of(node: dict[str, Any], uri: str) -> list[dict[str, Any]]:
    """The replies under the post `uri` somewhere in a getPostThread tree."""
    if node.get("post", {}).get("uri") == uri:
        return list(node.get("replies") or [])
    for child in node.get("replies") or []:
        if found := _replies_of(child, uri):
            return found
    return []


# (5) Session expiry, and an app password revoked ----------------------------------------------


def expire_session(channel: Channel) -> None:
    """Store an access token the PDS itself issued, but expired an hour ago (see network.py)."""
    channel.access_token = expired_access_token(channel.access_token)
    channel.save(update_fields=["access_token"])


def test_expired_session_is_refreshed_and_the_post_goes_out(
    space: Workspace,
    membership: Membership,
    channel: Channel,
    people: People,
    worker: CeleryProcess,
) -> None:
    old_refresh = channel.refresh_token
    expire_session(channel)
    with pytest.raises(AuthExpired):  # the platform does refuse it
        channel_adapter(channel).fetch_profile(channel_credentials(channel))
    text = "Vandaag open tot 18:00 — tot straks! ☕"
    target = schedule(space, membership, channel, text)
    done = dispatch_until(
        status_is(target.pk, S.PUBLISHED, S.FAILED, S.NEEDS_ATTENTION),
        timeout=40,
        what="the post to be published after a refresh",
        processes=[worker],
    )
    assert done.status == S.PUBLISHED, done.last_error
    assert outcomes(target.pk) == [
        PublishAttempt.Outcome.AUTH_EXPIRED,
        PublishAttempt.Outcome.PUBLISHED,
    ]
    channel.refresh_from_db()
    assert channel.status == Channel.Status.ACTIVE
    assert channel.refresh_token != old_refresh  # rotated by refreshSession
    assert channel_adapter(channel).fetch_profile(channel_credentials(channel)).account_id
    assert len(records_with_text(people, text)) == 1


def test_revoked_app_password_holds_the_post_until_reconnected(
    space: Workspace,
    owner: User,
    membership: Membership,
    channel: Channel,
    people: People,
    bluesky_network: RunningNetwork,
    worker: CeleryProcess,
) -> None:
    # A wrong password never connects, with the platform's reason.
    with pytest.raises(ValidationError, match="Bluesky refused the sign-in"):
        channel_connect_app_password(
            workspace=space,
            by=owner,
            identifier=people.brand.handle,
            password="wrong-password",
            service_url=bluesky_network.pds,
        )
    # The owner revokes the app password Ripple signed in with; the session runs out.
    people.brand.revoke_app_password(people.app_password_name)
    expire_session(channel)
    text = "Nieuwe bonen uit Ethiopië — morgen in de winkel 🇪🇹"
    target = schedule(space, membership, channel, text)
    held = dispatch_until(
        status_is(target.pk, S.NEEDS_ATTENTION, S.PUBLISHED, S.FAILED),
        timeout=40,
        what="the post to be held",
        processes=[worker],
    )
    assert (held.status, held.hold_reason) == (S.NEEDS_ATTENTION, "channel")
    channel.refresh_from_db()
    assert channel.status == Channel.Status.NEEDS_RECONNECT
    assert records_with_text(people, text) == []
    # Not lost: reconnected with a new app password, the dispatcher releases it and it goes out.
    _, new_password = people.brand.app_password()
    channel_connect_app_password(
        workspace=space,
        by=owner,
        identifier=people.brand.handle,
        password=new_password,
        service_url=bluesky_network.pds,
    )
    done = dispatch_until(
        status_is(target.pk, S.PUBLISHED, S.FAILED),
        timeout=40,
        what="the held post to go out after reconnecting",
        processes=[worker],
    )
    assert done.status == S.PUBLISHED, done.last_error
    assert len(records_with_text(people, text)) == 1


# (6) Too long: caught before scheduling; forced, the platform's refusal ---------------------

# 301 graphemes of two code points each (e + combining acute accent): 602 code points.
TOO_LONG = "e\u0301" * 301
JUST_FITS = "e\u0301" * 299 + "☕"


def test_301_graphemes_caught_before_scheduling_and_refused_by_the_platform(
    space: Workspace,
    membership: Membership,
    channel: Channel,
    people: People,
    worker: CeleryProcess,
) -> None:
    result = check(workspace=space, data=PostInput(text=TOO_LONG, channel_ids=[channel.pk]))
    assert not result.ok
    assert any("300" in line for line in result.as_messages()), result.as_messages()
    # 300 graphemes (600+ code points) are fine for both Ripple and Bluesky.
    assert check(workspace=space, data=PostInput(text=JUST_FITS, channel_ids=[channel.pk])).ok

    # Forced past the composer (saved as a draft, its target put on the schedule directly):
    # the platform refuses, and the target fails with the platform's reason.
    post = post_save(
        workspace=space,
        membership=membership,
        data=PostInput(text=TOO_LONG, channel_ids=[channel.pk]),
    )
    with pytest.raises(ValidationError):
        post_schedule(post=post, membership=membership, at=timezone.now() + timedelta(seconds=1))
    schedule_targets(post, timezone.now())
    fits = schedule(space, membership, channel, JUST_FITS)
    (target,) = post.targets.all()
    failed = dispatch_until(
        status_is(target.pk, S.FAILED, S.PUBLISHED, S.NEEDS_ATTENTION),
        timeout=40,
        what="the platform's refusal",
        processes=[worker],
    )
    assert failed.status == S.FAILED
    assert "grapheme too big (maximum 300, got 301)" in failed.last_error
    assert outcomes(target.pk) == [PublishAttempt.Outcome.REJECTED]
    assert records_with_text(people, TOO_LONG) == []
    ok = dispatch_until(
        status_is(fits.pk, S.PUBLISHED, S.FAILED), timeout=40, what="300", processes=[worker]
    )
    assert ok.status == S.PUBLISHED, ok.last_error


# (7) A worker killed mid-publish: reconciled, not posted twice ------------------------------


def test_worker_killed_mid_publish_is_reconciled_not_posted_twice(
    space: Workspace,
    membership: Membership,
    channel: Channel,
    people: People,
    bluesky_network: RunningNetwork,
    broker: Broker,
    engine_settings: None,
    tmp_path: Path,
) -> None:
    with delay_proxy(bluesky_network.pds) as proxy:
        # The channel reaches its PDS through a link that holds back createRecord's answer.
        Channel.objects.filter(pk=channel.pk).update(instance_url=proxy.url)
        hold = proxy.hold_next("com.atproto.repo.createRecord", 120)
        text = "Proefavond vrijdag: zes bonen, één winnaar 🏆 #cupping"
        target = schedule(space, membership, channel, text)
        with celery_worker(broker, log_dir=tmp_path, env=WORKER_ENV) as first:
            dispatch_until(
                hold.forwarded.is_set, timeout=40, what="the createRecord call", processes=[first]
            )
            assert PostTarget.objects.get(pk=target.pk).status == S.PUBLISHING
            first.kill()
        hold.release.set()
        # It did go out, once.
        (record,) = eventually(
            lambda: records_with_text(people, text), what="the record on the PDS"
        )

        with celery_worker(broker, log_dir=tmp_path, env=WORKER_ENV) as second:
            done = dispatch_until(
                status_is(target.pk, S.PUBLISHED),
                timeout=60,
                what="the target to be reconciled as published",
                processes=[second],
            )
    assert done.external_id == record["uri"]
    assert done.attempts == 1  # never sent again
    assert outcomes(target.pk) == [PublishAttempt.Outcome.UNKNOWN, PublishAttempt.Outcome.FOUND]
    assert len(records_with_text(people, text)) == 1
