"""InstagramAdapter (Instagram Login) against recorded answers of documented shapes, no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
import time_machine

from channels_app.adapters.base import (
    AuthExpired,
    Credentials,
    InboxAuthor,
    InboxItem,
    MediaFile,
    NotSupported,
    OutgoingPost,
    PlatformAdapter,
    PlatformConfig,
    RateLimited,
    Rejected,
    TransientError,
)
from channels_app.adapters.instagram import InstagramAdapter
from tests.channels_app.adapters import contract_meta as contract

FIXTURES = Path(__file__).parent / "fixtures" / "instagram"
G = "https://graph.instagram.com/v26.0"
G0 = "https://graph.instagram.com"
TOKEN_URL = "https://api.instagram.com/oauth/access_token"
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
ME = "IGUserForIGOnlyAPI"
MEDIA = "IGMediaForIGOnlyAPI"
IMAGE = MediaFile(content_type="image/jpeg", url="https://cdn.example/a.jpg", alt_text="A cup")
VIDEO = MediaFile(content_type="video/mp4", url="https://cdn.example/v.mp4")


def fx(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def adapter() -> InstagramAdapter:
    config = PlatformConfig(
        client_id="ig-app",
        client_secret="ig-secret",
        redirect_uri="https://ripple.example/oauth/instagram/callback",
        options={"graph_version": "v26.0"},
    )
    return InstagramAdapter(config, poll_interval=0)


@pytest.fixture
def creds() -> Credentials:
    return Credentials(
        account_id="17841400000000001",
        access_token="IGQlong",
        expires_at=NOW + timedelta(days=30),
        extra={"username": "tulipcoffee", "app_scoped_id": "9001"},
    )


def form(call: Any) -> dict[str, list[str]]:
    body = call.request.body
    if isinstance(body, bytes):
        body = body.decode()
    return parse_qs(body or "")


def query_of(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def test_conforms_to_protocol(adapter: InstagramAdapter) -> None:
    assert isinstance(adapter, PlatformAdapter)
    assert set(adapter.required_scopes) <= set(adapter.scopes)


def test_poll_interval_option() -> None:
    adapter = InstagramAdapter(PlatformConfig(options={"poll_interval_seconds": "0"}))
    assert adapter.poll_interval == 0


def test_authorization_request(adapter: InstagramAdapter) -> None:
    req = adapter.authorization_request(state="st-9")
    parts = urlsplit(req.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://api.instagram.com/oauth/authorize"
    )
    q = parse_qs(parts.query)
    assert q["state"] == ["st-9"]
    assert q["client_id"] == ["ig-app"]
    assert q["response_type"] == ["code"]
    assert q["scope"] == [",".join(InstagramAdapter.scopes)]


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_exchange_code(adapter: InstagramAdapter) -> None:
    responses.post(TOKEN_URL, json=fx("oauth_short"))
    responses.get(f"{G0}/access_token", json=fx("oauth_long"))
    responses.get(f"{G}/me", json=fx("me"))

    [account] = adapter.exchange_code(code="c-1")

    token_call, long_call, me_call = responses.calls
    assert form(token_call) == {
        "client_id": ["ig-app"],
        "client_secret": ["ig-secret"],
        "grant_type": ["authorization_code"],
        "redirect_uri": ["https://ripple.example/oauth/instagram/callback"],
        "code": ["c-1"],
    }
    assert query_of(long_call) == {
        "grant_type": ["ig_exchange_token"],
        "client_secret": ["ig-secret"],
        "access_token": ["IGQshort"],
    }
    contract.check_request(long_call.request, "IGAccessTokenForIGOnlyAPI")
    contract.check_response("IGAccessTokenForIGOnlyAPI", fx("oauth_long"))
    assert me_call.request.headers["Authorization"] == "Bearer IGQlong"
    contract.check_request(me_call.request, ME)
    contract.check_response(ME, fx("me"))
    c = account.credentials
    assert c.account_id == "17841400000000001"
    assert c.access_token == "IGQlong"
    assert c.expires_at == NOW + timedelta(seconds=5183944)
    assert "instagram_business_content_publish" in c.scopes
    assert c.extra == {"username": "tulipcoffee", "app_scoped_id": "9001"}
    assert account.profile.handle == "@tulipcoffee"
    assert account.profile.url == "https://www.instagram.com/tulipcoffee/"
    assert account.profile.followers == 3400


@responses.activate
def test_exchange_code_refused(adapter: InstagramAdapter) -> None:
    responses.post(TOKEN_URL, status=400, json=fx("error_oauth_code"))
    with pytest.raises(Rejected, match="authorization code has been used"):
        adapter.exchange_code(code="used")


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_refresh_token(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.get(f"{G0}/refresh_access_token", json=fx("oauth_refreshed"))
    new = adapter.refresh_token(creds)
    call = responses.calls[0]
    assert query_of(call) == {"grant_type": ["ig_refresh_token"], "access_token": ["IGQlong"]}
    contract.check_request(call.request, "IGRefreshAccessTokenForIGOnlyAPI")
    contract.check_response("IGRefreshAccessTokenForIGOnlyAPI", fx("oauth_refreshed"))
    assert new.access_token == "IGQrefreshed"
    assert new.expires_at == NOW + timedelta(seconds=5184000)
    assert new.extra == creds.extra


@responses.activate
def test_refresh_token_refused(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.get(f"{G0}/refresh_access_token", status=400, json=fx("error_token_expired"))
    with pytest.raises(AuthExpired) as err:
        adapter.refresh_token(creds)
    assert "IGQlong" not in str(err.value)


@time_machine.travel(NOW, tick=False)
def test_refresh_of_expired_token_needs_reconnect(adapter: InstagramAdapter) -> None:
    old = Credentials(account_id="1", access_token="t", expires_at=NOW - timedelta(seconds=1))
    with pytest.raises(AuthExpired):
        adapter.refresh_token(old)


@responses.activate
def test_fetch_profile(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/me", json=fx("me"))
    assert adapter.fetch_profile(creds).name == "Tulip Coffee"


# --- publish ------------------------------------------------------------------------------------


@responses.activate
def test_publish_image_with_first_comment(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/me/media", json=fx("container_1"))
    responses.get(f"{G}/18000000000000001", json=fx("status_finished"))
    responses.post(f"{G}/me/media_publish", json=fx("published"))
    responses.get(f"{G}/17900000000000010", json=fx("media_permalink"))
    responses.post(f"{G}/17900000000000010/comments", json=fx("comment_created"))
    post = OutgoingPost(text="Beans!", idempotency_key="k", media=(IMAGE,), first_comment="#coffee")

    result = adapter.publish(creds, post)

    create, status, publish, permalink, comment = responses.calls
    assert create.request.headers["Authorization"] == "Bearer IGQlong"
    assert form(create) == {
        "image_url": ["https://cdn.example/a.jpg"],
        "alt_text": ["A cup"],
        "caption": ["Beans!"],
    }
    contract.check_request(create.request, ME, "media")
    assert query_of(status) == {"fields": ["status_code,status"]}
    assert form(publish) == {"creation_id": ["18000000000000001"]}
    contract.check_request(publish.request, ME, "media_publish")
    contract.check_request(permalink.request, MEDIA)
    contract.check_response(MEDIA, fx("media_permalink"))
    contract.check_request(comment.request, MEDIA, "comments")
    for name in ("container_1", "published", "comment_created"):
        contract.check_created(fx(name))
    assert result.external_id == "17900000000000010"
    assert result.url == "https://www.instagram.com/p/DAbCdEf/"
    assert result.first_comment_id == "17950000000000020"


@responses.activate
def test_publish_reel_polls_until_finished(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/me/media", json=fx("container_1"))
    responses.get(f"{G}/18000000000000001", json=fx("status_in_progress"))
    responses.get(f"{G}/18000000000000001", json=fx("status_finished"))
    responses.post(f"{G}/me/media_publish", json=fx("published"))
    responses.get(f"{G}/17900000000000010", status=500)
    result = adapter.publish(creds, OutgoingPost(text="Pour", idempotency_key="k", media=(VIDEO,)))
    assert form(responses.calls[0]) == {
        "media_type": ["REELS"],
        "video_url": ["https://cdn.example/v.mp4"],
        "caption": ["Pour"],
    }
    contract.check_request(responses.calls[0].request, ME, "media")
    assert len([c for c in responses.calls if "18000000000000001" in c.request.url]) == 2
    assert result.external_id == "17900000000000010"
    assert result.url == ""


@responses.activate
def test_publish_carousel(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/me/media", json=fx("container_1"))
    responses.post(f"{G}/me/media", json=fx("container_2"))
    responses.post(f"{G}/me/media", json=fx("container_carousel"))
    responses.get(f"{G}/18000000000000002", json=fx("status_finished"))
    responses.get(f"{G}/18000000000000003", json=fx("status_finished"))
    responses.post(f"{G}/me/media_publish", json=fx("published"))
    responses.get(f"{G}/17900000000000010", json=fx("media_permalink"))
    post = OutgoingPost(text="Two", idempotency_key="k", media=(IMAGE, VIDEO))

    adapter.publish(creds, post)

    child_image, child_video, _poll_video, parent = responses.calls[:4]
    assert form(child_image)["is_carousel_item"] == ["true"]
    assert form(child_video) == {
        "media_type": ["VIDEO"],
        "video_url": ["https://cdn.example/v.mp4"],
        "is_carousel_item": ["true"],
    }
    assert form(parent) == {
        "media_type": ["CAROUSEL"],
        "children": ["18000000000000001,18000000000000002"],
        "caption": ["Two"],
    }
    for call in (child_image, child_video, parent):
        contract.check_request(call.request, ME, "media")
    assert form(responses.calls[5]) == {"creation_id": ["18000000000000003"]}


@responses.activate
def test_container_error_is_rejected(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/me/media", json=fx("container_1"))
    responses.get(f"{G}/18000000000000001", json=fx("status_error"))
    with pytest.raises(Rejected, match="format that we don't support"):
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k", media=(VIDEO,)))
    assert not any("media_publish" in c.request.url for c in responses.calls)


@responses.activate
def test_polling_is_bounded(creds: Credentials) -> None:
    adapter = InstagramAdapter(PlatformConfig(options={"poll_attempts": "3"}), poll_interval=0)
    responses.post(f"{G}/me/media", json=fx("container_1"))
    responses.get(f"{G}/18000000000000001", json=fx("status_in_progress"))
    with pytest.raises(TransientError, match="still processing"):
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k", media=(VIDEO,)))
    assert len(responses.calls) == 4


@pytest.mark.parametrize(
    ("post", "reason"),
    [
        (OutgoingPost(text="Just words", idempotency_key="k"), "need an image or a video"),
        (
            OutgoingPost(
                text="x",
                idempotency_key="k",
                media=(MediaFile(content_type="image/jpeg", path="/tmp/a.jpg"),),  # noqa: S108
            ),
            "public URL",
        ),
        (OutgoingPost(text="x", idempotency_key="k", media=(IMAGE,) * 11), "at most 10"),
    ],
)
def test_publish_refuses_what_instagram_cannot_take(
    adapter: InstagramAdapter, creds: Credentials, post: OutgoingPost, reason: str
) -> None:
    with pytest.raises(Rejected, match=reason):
        adapter.publish(creds, post)


@responses.activate
def test_publish_reply_to_comment(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/17950000000000031/replies", json=fx("comment_created"))
    result = adapter.publish(
        creds, OutgoingPost(text="Yes!", idempotency_key="k", reply_to_id="17950000000000031")
    )
    contract.check_request(responses.calls[0].request, "IGComment", "replies")
    assert result.external_id == "17950000000000020"


@responses.activate
@pytest.mark.parametrize(
    ("status", "fixture", "error", "attrs"),
    [
        (400, "error_token_expired", AuthExpired, {"code": "190/463"}),
        (400, "error_publish_limit", RateLimited, {"retry_after": 300}),
        (
            400,
            "error_bad_media",
            Rejected,
            {"reason": "The media could not be fetched from this URI."},
        ),
        (500, "error_unknown", TransientError, {"code": "1"}),
    ],
)
def test_publish_error_mapping(
    adapter: InstagramAdapter,
    creds: Credentials,
    status: int,
    fixture: str,
    error: type[Exception],
    attrs: dict[str, Any],
) -> None:
    responses.post(f"{G}/me/media", status=status, json=fx(fixture))
    with pytest.raises(error) as err:
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k", media=(IMAGE,)))
    for key, value in attrs.items():
        assert getattr(err.value, key) == value


@responses.activate
def test_rate_limit_header(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.post(
        f"{G}/me/media",
        status=400,
        json=fx("error_publish_limit"),
        headers={
            "X-App-Usage": json.dumps({"call_count": 100, "estimated_time_to_regain_access": 2})
        },
    )
    with pytest.raises(RateLimited) as err:
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k", media=(IMAGE,)))
    assert err.value.retry_after == 120


@responses.activate
@pytest.mark.parametrize("failure", [requests.ConnectionError("down"), requests.Timeout("slow")])
def test_network_failures(
    adapter: InstagramAdapter, creds: Credentials, failure: Exception
) -> None:
    responses.get(f"{G}/me", body=failure)
    with pytest.raises(TransientError):
        adapter.fetch_profile(creds)


@responses.activate
def test_malformed_body(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/me", body="not json")
    with pytest.raises(TransientError):
        adapter.fetch_profile(creds)
    responses.replace(responses.GET, f"{G}/me", json={"data": "odd"})
    with pytest.raises(TransientError):
        adapter.fetch_profile(creds)


# --- reconcile ----------------------------------------------------------------------------------


@responses.activate
def test_get_post(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/17900000000000010", json=fx("media"))
    responses.get(f"{G}/404", status=400, json=fx("error_not_found"))
    post = adapter.get_post(creds, "17900000000000010")
    contract.check_request(responses.calls[0].request, MEDIA)
    contract.check_response(MEDIA, fx("media"))
    assert post is not None
    assert post.text == "Fresh beans today!"
    assert adapter.get_post(creds, "404") is None


@responses.activate
def test_find_recent_post(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/me/media", json=fx("media_list"))
    since = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    found = adapter.find_recent_post(
        creds, OutgoingPost(text="Fresh beans today!", idempotency_key="k"), since=since
    )
    contract.check_request(responses.calls[0].request, ME, "media")
    contract.check_response(MEDIA, fx("media_list"))
    assert found is not None
    assert found.external_id == "17900000000000010"
    assert (
        adapter.find_recent_post(creds, OutgoingPost(text="Old", idempotency_key="k"), since=since)
        is None
    )


# --- measure ------------------------------------------------------------------------------------


@responses.activate
def test_fetch_post_metrics(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/17900000000000010", json=fx("media_counts"))
    responses.get(f"{G}/17900000000000010/insights", json=fx("media_insights"))
    [m] = adapter.fetch_post_metrics(creds, ["17900000000000010"])
    counts, insights = responses.calls
    contract.check_request(counts.request, MEDIA)
    contract.check_request(insights.request, MEDIA, "insights")
    contract.check_response(MEDIA, fx("media_counts"))
    contract.check_response("InstagramInsightsResult", fx("media_insights"))
    assert query_of(insights)["metric"] == [
        "views,reach,likes,comments,shares,saved,total_interactions"
    ]
    assert m.values == {
        "likes": 41,
        "comments": 6,
        "views": 2100,
        "reach": 1500,
        "shares": 9,
        "saves": 12,
        "engagements": 68,
    }


@responses.activate
def test_post_metrics_not_enough_viewers(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/17900000000000010", json=fx("media_counts"))
    responses.get(
        f"{G}/17900000000000010/insights", status=400, json=fx("error_not_enough_viewers")
    )
    [m] = adapter.fetch_post_metrics(creds, ["17900000000000010"])
    assert m.values == {"likes": 40, "comments": 6}


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_fetch_account_metrics(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/me", json=fx("me_counts"))
    responses.get(f"{G}/me/insights", json=fx("account_insights"))
    m = adapter.fetch_account_metrics(creds)
    profile, insights = responses.calls
    contract.check_request(profile.request, ME)
    contract.check_request(insights.request, ME, "insights")
    contract.check_response("InstagramInsightsResult", fx("account_insights"))
    q = query_of(insights)
    assert q["metric_type"] == ["total_value"]
    assert q["until"] == [str(int(NOW.timestamp()))]
    assert m.values == {
        "followers": 3400,
        "following": 120,
        "posts": 88,
        "views": 52000,
        "reach": 21000,
        "engagements": 1900,
    }


# --- webcare ------------------------------------------------------------------------------------


@responses.activate
def test_fetch_inbox(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/me/media", json=fx("inbox_media"))
    responses.get(f"{G}/17900000000000010/comments", json=fx("media_comments"))
    responses.get(f"{G}/me/conversations", json=fx("conversations"))

    page = adapter.fetch_inbox(creds, cursor=None)

    media, comments, convs = responses.calls
    contract.check_request(media.request, ME, "media")
    contract.check_request(comments.request, MEDIA, "comments")
    contract.check_request(convs.request, ME, "conversations")
    assert query_of(convs)["platform"] == ["instagram"]
    for c in fx("media_comments")["data"]:
        contract.check_object("IGComment", c)
        contract.check_response("IGComment", c["replies"])
    assert [i.external_id for i in page.items] == [
        "17950000000000031",
        "17950000000000033",
        "aWdfZAG1faXRlbTox",
    ]
    top, reply, dm = page.items
    assert (top.kind, top.reply_to, top.author.handle) == ("comment", "17950000000000031", "ada")
    assert (reply.kind, reply.reply_to) == ("reply", "17950000000000031")
    assert (dm.kind, dm.reply_to, dm.author.handle) == ("message", "6543210987654321", "grace")

    responses.replace(
        responses.GET, f"{G}/17900000000000010/comments", json=fx("media_comments_empty")
    )
    again = adapter.fetch_inbox(creds, cursor=page.cursor)
    assert again.items == ()
    assert json.loads(again.cursor or "") == json.loads(page.cursor or "")


@responses.activate
def test_reply(adapter: InstagramAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/17950000000000031/replies", json=fx("comment_created"))
    responses.post(f"{G}/me/messages", json=fx("message_sent"))
    comment = InboxItem(
        external_id="17950000000000033",
        kind="reply",
        author=InboxAuthor(external_id="1"),
        text="Thanks",
        created_at=NOW,
        reply_to="17950000000000031",
    )
    dm = InboxItem(
        external_id="m",
        kind="message",
        author=InboxAuthor(external_id="6543210987654321"),
        text="Ship?",
        created_at=NOW,
        reply_to="6543210987654321",
    )
    assert adapter.reply(creds, comment, "You're welcome").external_id == "17950000000000020"
    assert adapter.reply(creds, dm, "Yes").external_id == "aWdfZAG1faXRlbToz"
    c_call, m_call = responses.calls
    assert form(c_call) == {"message": ["You're welcome"]}
    contract.check_request(c_call.request, "IGComment", "replies")
    assert json.loads(m_call.request.body) == {
        "recipient": {"id": "6543210987654321"},
        "message": {"text": "Yes"},
    }
    contract.check_request(m_call.request, ME, "messages")


def test_contract_check_fails_on_unknown_ig_field() -> None:
    with pytest.raises(AssertionError, match="'impressions_total'"):
        contract.check_fields(MEDIA, "id,caption,impressions_total")
    with pytest.raises(AssertionError, match="no field"):
        contract.check_object(ME, {"id": "1", "fans": 2})


# --- resumable publishing (OutgoingPost.steps / record_step) ------------------------------------


def _calls() -> list[tuple[str, str]]:
    return [(c.request.method, urlsplit(c.request.url).path) for c in responses.calls]


@responses.activate
def test_carousel_records_each_container_in_order(
    adapter: InstagramAdapter, creds: Credentials
) -> None:
    responses.post(f"{G}/me/media", json=fx("container_1"))
    responses.post(f"{G}/me/media", json=fx("container_2"))
    responses.post(f"{G}/me/media", json=fx("container_carousel"))
    responses.get(f"{G}/18000000000000002", json=fx("status_finished"))
    responses.get(f"{G}/18000000000000003", json=fx("status_finished"))
    responses.post(f"{G}/me/media_publish", json=fx("published"))
    responses.get(f"{G}/17900000000000010", json=fx("media_permalink"))
    responses.post(f"{G}/17900000000000010/comments", json=fx("comment_created"))
    recorded: list[tuple[str, str]] = []
    post = OutgoingPost(
        text="Two",
        idempotency_key="k",
        media=(IMAGE, VIDEO),
        first_comment="#coffee",
        record_step=lambda key, value: recorded.append((key, value)),
    )
    adapter.publish(creds, post)
    assert recorded == [
        ("container:0", "18000000000000001"),
        ("container:1", "18000000000000002"),
        ("carousel", "18000000000000003"),
        ("post", "17900000000000010"),
        ("first_comment", "17950000000000020"),
    ]


@responses.activate
def test_resume_polls_a_recorded_carousel_without_making_containers(
    adapter: InstagramAdapter, creds: Credentials
) -> None:
    responses.get(f"{G}/18000000000000003", json=fx("status_in_progress"))
    responses.get(f"{G}/18000000000000003", json=fx("status_finished"))
    responses.post(f"{G}/me/media_publish", json=fx("published"))
    responses.get(f"{G}/17900000000000010", json=fx("media_permalink"))
    recorded: list[tuple[str, str]] = []
    post = OutgoingPost(
        text="Two",
        idempotency_key="k",
        media=(IMAGE, VIDEO),
        steps={
            "container:0": "18000000000000001",
            "container:1": "18000000000000002",
            "carousel": "18000000000000003",
        },
        record_step=lambda key, value: recorded.append((key, value)),
    )
    result = adapter.publish(creds, post)
    assert _calls() == [
        ("GET", "/v26.0/18000000000000003"),
        ("GET", "/v26.0/18000000000000003"),
        ("POST", "/v26.0/me/media_publish"),
        ("GET", "/v26.0/17900000000000010"),
    ]
    assert form(responses.calls[2]) == {"creation_id": ["18000000000000003"]}
    assert result.external_id == "17900000000000010"
    assert recorded == [("post", "17900000000000010")]


@responses.activate
def test_resume_remakes_an_expired_container_and_keeps_finished_children(
    adapter: InstagramAdapter, creds: Credentials
) -> None:
    # The image child finished; the video child expired (containers live 24 hours).
    responses.get(f"{G}/18000000000000001", json=fx("status_finished"))
    responses.get(f"{G}/18000000000000009", json=fx("status_expired"))
    responses.post(f"{G}/me/media", json=fx("container_2"))
    responses.get(f"{G}/18000000000000002", json=fx("status_finished"))
    responses.post(f"{G}/me/media", json=fx("container_carousel"))
    responses.get(f"{G}/18000000000000003", json=fx("status_finished"))
    responses.post(f"{G}/me/media_publish", json=fx("published"))
    responses.get(f"{G}/17900000000000010", json=fx("media_permalink"))
    recorded: list[tuple[str, str]] = []
    post = OutgoingPost(
        text="Two",
        idempotency_key="k",
        media=(IMAGE, VIDEO),
        steps={"container:0": "18000000000000001", "container:1": "18000000000000009"},
        record_step=lambda key, value: recorded.append((key, value)),
    )
    adapter.publish(creds, post)
    creates = [c for c in responses.calls if c.request.url.endswith("/me/media")]
    assert [form(c).get("media_type") for c in creates] == [["VIDEO"], ["CAROUSEL"]]
    assert form(creates[1])["children"] == ["18000000000000001,18000000000000002"]
    for call in creates:
        contract.check_request(call.request, ME, "media")
    assert recorded == [
        ("container:1", "18000000000000002"),
        ("carousel", "18000000000000003"),
        ("post", "17900000000000010"),
    ]


@responses.activate
def test_resume_remakes_a_container_that_ended_in_error(
    adapter: InstagramAdapter, creds: Credentials
) -> None:
    responses.get(f"{G}/18000000000000009", json=fx("status_error"))
    responses.post(f"{G}/me/media", json=fx("container_1"))
    responses.get(f"{G}/18000000000000001", json=fx("status_finished"))
    responses.post(f"{G}/me/media_publish", json=fx("published"))
    responses.get(f"{G}/17900000000000010", json=fx("media_permalink"))
    post = OutgoingPost(
        text="Pour", idempotency_key="k", media=(VIDEO,), steps={"container:0": "18000000000000009"}
    )
    adapter.publish(creds, post)
    assert form(responses.calls[3]) == {"creation_id": ["18000000000000001"]}


@responses.activate
def test_resume_of_a_published_container_asks_for_reconciliation(
    adapter: InstagramAdapter, creds: Credentials
) -> None:
    responses.get(f"{G}/18000000000000003", json=fx("status_published"))
    post = OutgoingPost(
        text="Two",
        idempotency_key="k",
        media=(IMAGE, VIDEO),
        steps={"carousel": "18000000000000003"},
    )
    with pytest.raises(Rejected) as err:
        adapter.publish(creds, post)
    assert err.value.duplicate
    assert not any("media_publish" in c.request.url for c in responses.calls)


@responses.activate
def test_resume_after_publish_only_posts_the_first_comment(
    adapter: InstagramAdapter, creds: Credentials
) -> None:
    responses.get(f"{G}/17900000000000010", json=fx("media_permalink"))
    responses.post(f"{G}/17900000000000010/comments", json=fx("comment_created"))
    recorded: list[tuple[str, str]] = []
    post = OutgoingPost(
        text="Beans!",
        idempotency_key="k",
        media=(IMAGE,),
        first_comment="#coffee",
        steps={"container:0": "18000000000000001", "post": "17900000000000010"},
        record_step=lambda key, value: recorded.append((key, value)),
    )
    result = adapter.publish(creds, post)
    assert _calls() == [
        ("GET", "/v26.0/17900000000000010"),
        ("POST", "/v26.0/17900000000000010/comments"),
    ]
    assert result.url == "https://www.instagram.com/p/DAbCdEf/"
    assert result.first_comment_id == "17950000000000020"
    assert recorded == [("first_comment", "17950000000000020")]

    responses.reset()
    responses.get(f"{G}/17900000000000010", json=fx("media_permalink"))
    done = adapter.publish(
        creds,
        OutgoingPost(
            text="Beans!",
            idempotency_key="k",
            media=(IMAGE,),
            first_comment="#coffee",
            steps={"post": "17900000000000010", "first_comment": "17950000000000020"},
        ),
    )
    assert _calls() == [("GET", "/v26.0/17900000000000010")]
    assert done.first_comment_id == "17950000000000020"


@responses.activate
def test_processing_timeout_is_retryable_and_recorded(creds: Credentials) -> None:
    adapter = InstagramAdapter(PlatformConfig(options={"poll_attempts": "2"}), poll_interval=0)
    responses.post(f"{G}/me/media", json=fx("container_1"))
    responses.get(f"{G}/18000000000000001", json=fx("status_in_progress"))
    recorded: list[tuple[str, str]] = []
    with pytest.raises(TransientError) as err:
        adapter.publish(
            creds,
            OutgoingPost(
                text="x",
                idempotency_key="k",
                media=(VIDEO,),
                record_step=lambda key, value: recorded.append((key, value)),
            ),
        )
    assert err.value.sent is False  # nothing published: the engine retries and resumes
    assert recorded == [("container:0", "18000000000000001")]


@responses.activate
def test_find_recent_post_uses_the_recorded_media(
    adapter: InstagramAdapter, creds: Credentials
) -> None:
    responses.get(f"{G}/17900000000000010", json=fx("media"))
    post = OutgoingPost(text="x", idempotency_key="k", steps={"post": "17900000000000010"})
    found = adapter.find_recent_post(creds, post, since=NOW)
    assert found is not None and found.external_id == "17900000000000010"
    assert len(responses.calls) == 1


# --- deleting a post ----------------------------------------------------------------------------


@responses.activate
def test_delete_post_is_not_supported_and_says_what_to_do(
    adapter: InstagramAdapter, creds: Credentials
) -> None:
    with pytest.raises(NotSupported) as err:
        adapter.delete_post(creds, "17920000000000001")
    assert "delete it in the Instagram app" in err.value.message
    assert err.value.permanent and not responses.calls


def test_meta_spec_offers_no_media_delete_with_instagram_login() -> None:
    # Why delete_post is NotSupported: the Instagram Login API's media node has no DELETE in
    # Meta's specs; only the Facebook Login variant (graph.facebook.com) has one.
    assert ("DELETE", "") not in contract.node("IGMediaForIGOnlyAPI").edges
    assert ("DELETE", "") in contract.node("IGMedia").edges
