"""The channels pages: list and connect, the OAuth round trip, Bluesky, detail, disconnect."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.urls import reverse

from channels_app.adapters.base import code_challenge_s256
from channels_app.models import Channel, PostingSlot
from channels_app.views import OAUTH_SESSION_KEY
from tests.factories import ChannelFactory, member

X_AUTHORIZE = "https://x.com/i/oauth2/authorize"
X_TOKEN = "https://api.x.com/2/oauth2/token"
X_ME = "https://api.x.com/2/users/me"


def _list_url(workspace) -> str:
    return reverse("channels_app:channel_list", args=[workspace.slug])


def test_platforms_without_keys_are_not_set_up_with_instructions(client, alice, workspace):
    client.force_login(alice)
    page = client.get(_list_url(workspace)).content.decode()
    assert "not set up" in page
    assert "SMM_X_CLIENT_ID" in page and "SMM_FACEBOOK_APP_SECRET" in page
    assert "http://testserver/channels/oauth/x/callback/" in page
    # Platforms whose adapter comes later are named as such, never offered.
    assert 'id="platform-tiktok"' in page
    assert reverse("channels_app:channel_connect", args=[workspace.slug, "tiktok"]) not in page
    # No keys needed: Mastodon and Bluesky can be connected.
    assert reverse("channels_app:channel_connect", args=[workspace.slug, "bluesky"]) in page


def test_connect_buttons_appear_when_keys_are_set(client, alice, workspace, platform_keys):
    client.force_login(alice)
    page = client.get(_list_url(workspace)).content.decode()
    for kind in ("x", "linkedin", "facebook", "instagram", "mastodon"):
        assert reverse("channels_app:channel_connect", args=[workspace.slug, kind]) in page
    assert "not set up" not in page


def test_editors_see_channels_but_not_the_connect_buttons(client, bob, workspace, x_channel):
    client.force_login(bob)
    page = client.get(_list_url(workspace)).content.decode()
    assert "@tulipcoffee" in page
    assert "Owners and admins of this workspace connect channels." in page
    response = client.post(reverse("channels_app:channel_connect", args=[workspace.slug, "x"]))
    assert response.status_code == 403


def test_channel_list_query_count(client, alice, workspace, django_assert_num_queries):
    for _ in range(10):
        ChannelFactory(workspace=workspace)
    client.force_login(alice)
    # session, user, usersession read + its user + last-seen update (2 savepoints),
    # membership+workspace, channels (+guidelines join), posting slots prefetch, heartbeat,
    # workspace switcher, channels needing a reconnect (admins): 13, the same for 2 or 200.
    client.get(_list_url(workspace))  # the first request of a session records it (usersessions)
    with django_assert_num_queries(13):
        response = client.get(_list_url(workspace))
    assert response.content.decode().count('class="channel-row') == 10


@responses.activate
def test_oauth_round_trip_connects_an_x_account(client, alice, workspace, platform_keys):
    client.force_login(alice)
    response = client.post(reverse("channels_app:channel_connect", args=[workspace.slug, "x"]))
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == X_AUTHORIZE
    query = parse_qs(location.query)
    assert query["client_id"] == ["x-client-id"]
    assert query["redirect_uri"] == ["http://testserver/channels/oauth/x/callback/"]
    assert query["code_challenge_method"] == ["S256"]
    state = query["state"][0]
    flow = client.session[OAUTH_SESSION_KEY][state]
    assert query["code_challenge"] == [code_challenge_s256(flow["verifier"])]

    responses.post(
        X_TOKEN,
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": "X-ACCESS",
            "scope": "tweet.read tweet.write users.read media.write offline.access dm.read",
            "refresh_token": "X-REFRESH",
        },
    )
    responses.get(
        X_ME,
        json={
            "data": {
                "id": "2244994945",
                "name": "Tulip Coffee",
                "username": "tulipcoffee",
                "profile_image_url": "https://pbs.twimg.com/profile_images/1/t_normal.jpg",
                "public_metrics": {
                    "followers_count": 321,
                    "following_count": 12,
                    "tweet_count": 99,
                    "listed_count": 1,
                },
            }
        },
    )
    callback = reverse("channels_app:oauth_callback", args=["x"])
    response = client.get(callback, {"state": state, "code": "the-code"})
    channel = Channel.objects.get(workspace=workspace, platform="x")
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "channels_app:channel_detail", args=[workspace.slug, channel.pk]
    )
    assert channel.external_id == "2244994945" and channel.followers_count == 321
    assert channel.access_token == "X-ACCESS" and channel.refresh_token == "X-REFRESH"
    token_request = responses.calls[0].request
    assert f"code_verifier={flow['verifier']}" in token_request.body
    # The state is used up: replaying the callback connects nothing and says so.
    response = client.get(callback, {"state": state, "code": "the-code"}, follow=True)
    assert "unknown or was already used" in response.content.decode()
    assert len(responses.calls) == 2


def test_callback_with_another_users_state_is_404(client, alice, workspace, platform_keys):
    eve = member(workspace, "admin", email="eve@example.com")
    client.force_login(alice)
    response = client.post(reverse("channels_app:channel_connect", args=[workspace.slug, "x"]))
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    flows = client.session[OAUTH_SESSION_KEY]
    client.force_login(eve)
    session = client.session
    session[OAUTH_SESSION_KEY] = flows  # eve somehow holds alice's flow
    session.save()
    response = client.get(
        reverse("channels_app:oauth_callback", args=["x"]), {"state": state, "code": "c"}
    )
    assert response.status_code == 404


def test_a_refused_authorization_is_reported(client, alice, workspace, platform_keys):
    client.force_login(alice)
    response = client.post(reverse("channels_app:channel_connect", args=[workspace.slug, "x"]))
    state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
    response = client.get(
        reverse("channels_app:oauth_callback", args=["x"]),
        {"state": state, "error": "access_denied"},
        follow=True,
    )
    assert "did not connect the account: access_denied" in response.content.decode()
    assert not Channel.objects.exists()


@responses.activate
def test_mastodon_registers_on_the_instance_and_redirects_there(client, alice, workspace):
    responses.post(
        "https://social.example/api/v1/apps",
        json={
            "id": "563419",
            "name": "Ripple",
            "website": "http://testserver",
            "scopes": ["read", "write"],
            "redirect_uri": "http://testserver/channels/oauth/mastodon/callback/",
            "redirect_uris": ["http://testserver/channels/oauth/mastodon/callback/"],
            "client_id": "mastodon-client-id",
            "client_secret": "mastodon-client-secret",
            "client_secret_expires_at": 0,
        },
    )
    client.force_login(alice)
    url = reverse("channels_app:channel_connect", args=[workspace.slug, "mastodon"])
    response = client.post(url, {"instance": "social.example"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.netloc == "social.example" and location.path == "/oauth/authorize"
    assert parse_qs(location.query)["client_id"] == ["mastodon-client-id"]
    # The registration is reused for the next connection.
    client.post(url, {"instance": "https://social.example/"})
    assert len(responses.calls) == 1


def test_mastodon_without_a_server_keeps_the_form(client, alice, workspace):
    client.force_login(alice)
    url = reverse("channels_app:channel_connect", args=[workspace.slug, "mastodon"])
    response = client.post(url, {"instance": ""})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


@responses.activate
def test_bluesky_wrong_password_keeps_the_handle_and_says_why(client, alice, workspace):
    responses.post(
        "https://bsky.social/xrpc/com.atproto.server.createSession",
        status=401,
        json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
    )
    client.force_login(alice)
    url = reverse("channels_app:channel_connect", args=[workspace.slug, "bluesky"])
    response = client.post(url, {"identifier": "tulip.bsky.social", "password": "wrong-one"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Bluesky refused the sign-in: Invalid identifier or password" in page
    assert 'value="tulip.bsky.social"' in page  # nothing typed is lost (but the password)
    assert "wrong-one" not in page
    assert not Channel.objects.exists()


def test_detail_page_shows_health_and_saves_guidelines(client, alice, workspace, x_channel):
    client.force_login(alice)
    url = reverse("channels_app:channel_detail", args=[workspace.slug, x_channel.pk])
    page = client.get(url).content.decode()
    assert "Renews automatically" in page and "Healthy" in page
    assert "access-token" not in page and "refresh-token" not in page
    response = client.post(
        url,
        {
            "role": "engagement",
            "tone_of_voice": "Warm and direct.",
            "default_hashtags": "#coffee #amsterdam",
            "banned_hashtags": "",
            "audience": "Coffee lovers in Amsterdam",
            "notes": "",
        },
    )
    assert response.status_code == 302
    x_channel.guidelines.refresh_from_db()
    assert x_channel.guidelines.default_hashtags == ["coffee", "amsterdam"]
    page = client.get(url).content.decode()
    assert "#coffee #amsterdam" in page


def test_guideline_errors_keep_what_was_typed(client, alice, workspace, x_channel):
    client.force_login(alice)
    url = reverse("channels_app:channel_detail", args=[workspace.slug, x_channel.pk])
    response = client.post(
        url,
        {"tone_of_voice": "Keep me", "default_hashtags": "#tulip", "banned_hashtags": "#tulip"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "cannot be both default and banned" in page
    assert "Keep me" in page


def test_slots_are_added_and_removed(client, bob, workspace, x_channel):
    client.force_login(bob)
    client.post(
        reverse("channels_app:slot_add", args=[workspace.slug, x_channel.pk]),
        {"weekday": "4", "time": "16:45"},
    )
    slot = PostingSlot.objects.get(channel=x_channel)
    assert (slot.weekday, slot.time) == (4, dt.time(16, 45))
    page = client.get(
        reverse("channels_app:channel_detail", args=[workspace.slug, x_channel.pk])
    ).content.decode()
    assert "Friday 16:45" in page
    client.post(reverse("channels_app:slot_remove", args=[workspace.slug, x_channel.pk, slot.pk]))
    assert not PostingSlot.objects.exists()


def test_disconnect_asks_and_says_what_happens_to_scheduled_posts(
    client, alice, workspace, x_channel
):
    client.force_login(alice)
    url = reverse("channels_app:channel_disconnect", args=[workspace.slug, x_channel.pk])
    page = client.get(url).content.decode()
    assert "held" in page and "not deleted" in page
    x_channel.refresh_from_db()
    assert x_channel.status == Channel.Status.ACTIVE  # asking changes nothing
    response = client.post(url)
    assert response.status_code == 302
    x_channel.refresh_from_db()
    assert x_channel.status == Channel.Status.DISCONNECTED


def test_needs_reconnect_is_explained_with_a_reconnect_button(
    client, alice, workspace, platform_keys
):
    channel = ChannelFactory(
        workspace=workspace,
        status=Channel.Status.NEEDS_RECONNECT,
        last_error="The platform rejected the access token.",
    )
    client.force_login(alice)
    page = client.get(
        reverse("channels_app:channel_detail", args=[workspace.slug, channel.pk])
    ).content.decode()
    assert "held, not lost" in page
    assert "The platform rejected the access token." in page
    assert reverse("channels_app:channel_connect", args=[workspace.slug, "x"]) in page


@pytest.mark.parametrize("path", ["/w/{slug}/channels/", "/w/{slug}/channels/{pk}/"])
def test_viewers_see_no_tokens(client, workspace, x_channel, path):
    viewer = member(workspace, "viewer", email="v@example.com")
    client.force_login(viewer)
    page = client.get(path.format(slug=workspace.slug, pk=x_channel.pk)).content.decode()
    assert "@tulipcoffee" in page
    assert "SECRET" not in page


def test_admins_see_channels_that_need_reconnecting_on_every_page(client, alice, bob, workspace):
    broken = ChannelFactory(
        workspace=workspace, status=Channel.Status.NEEDS_RECONNECT, handle="@broken"
    )
    client.force_login(alice)
    page = client.get(reverse("smm:member_list", args=[workspace.slug])).content.decode()
    assert 'id="channels-need-reconnect"' in page and "X @broken" in page
    assert reverse("channels_app:channel_detail", args=[workspace.slug, broken.pk]) in page
    client.force_login(bob)  # an editor cannot reconnect: no banner
    page = client.get(reverse("smm:member_list", args=[workspace.slug])).content.decode()
    assert 'id="channels-need-reconnect"' not in page
