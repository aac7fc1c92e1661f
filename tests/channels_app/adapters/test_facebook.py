"""FacebookAdapter against recorded Graph API answers (documented shapes), no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
import time_machine

from channels_app.adapters import meta
from channels_app.adapters.base import (
    AuthExpired,
    Credentials,
    InboxAuthor,
    InboxItem,
    MediaFile,
    OutgoingPost,
    PlatformAdapter,
    PlatformConfig,
    RateLimited,
    Rejected,
    TransientError,
)
from channels_app.adapters.facebook import FacebookAdapter
from tests.channels_app.adapters import contract_meta as contract

FIXTURES = Path(__file__).parent / "fixtures" / "facebook"
G = "https://graph.facebook.com/v26.0"
GV = "https://graph-video.facebook.com/v26.0"
NOW = datetime(2026, 11, 29, 14, 0, tzinfo=UTC)
PAGE_TOKEN = "EAApage101"


def fx(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def adapter() -> FacebookAdapter:
    config = PlatformConfig(
        client_id="app-1",
        client_secret="app-secret",
        redirect_uri="https://ripple.example/oauth/facebook/callback",
        options={"graph_version": "v26.0"},
    )
    return FacebookAdapter(config)


@pytest.fixture
def creds() -> Credentials:
    return Credentials(account_id="101", access_token="EAApage101")


def body_of(call: Any) -> dict[str, list[str]]:
    body = call.request.body
    if isinstance(body, bytes):
        body = body.decode()
    return parse_qs(body or "")


def query_of(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def assert_bearer(call: Any, token: str = PAGE_TOKEN) -> None:
    assert call.request.headers["Authorization"] == f"Bearer {token}"


def test_conforms_to_protocol(adapter: FacebookAdapter) -> None:
    assert isinstance(adapter, PlatformAdapter)
    assert set(adapter.required_scopes) <= set(adapter.scopes)


def test_graph_version_option() -> None:
    assert meta.graph_version(PlatformConfig(options={"graph_version": "25.0"})) == "v25.0"
    assert meta.graph_version(PlatformConfig()) == meta.DEFAULT_GRAPH_VERSION


def test_authorization_request(adapter: FacebookAdapter) -> None:
    req = adapter.authorization_request(state="st-1")
    parts = urlsplit(req.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://www.facebook.com/v26.0/dialog/oauth"
    )
    q = parse_qs(parts.query)
    assert q["state"] == ["st-1"]
    assert q["client_id"] == ["app-1"]
    assert q["response_type"] == ["code"]
    assert q["redirect_uri"] == ["https://ripple.example/oauth/facebook/callback"]
    assert set(q["scope"][0].split(",")) == set(FacebookAdapter.scopes)
    assert req.code_verifier is None


def test_urls_can_be_overridden() -> None:
    config = PlatformConfig(
        client_id="a", urls={"authorize": "http://stand-in/dialog", "graph": "http://stand-in"}
    )
    fb = FacebookAdapter(config)
    assert fb.authorization_request(state="s").url.startswith("http://stand-in/dialog?")
    assert fb.graph.url("me") == f"http://stand-in/{meta.DEFAULT_GRAPH_VERSION}/me"


@responses.activate
def test_exchange_code_returns_every_page(adapter: FacebookAdapter) -> None:
    responses.get(f"{G}/oauth/access_token", json=fx("oauth_short"))
    responses.get(f"{G}/oauth/access_token", json=fx("oauth_long"))
    responses.get(f"{G}/me/permissions", json=fx("me_permissions"))
    responses.get(f"{G}/me/accounts", json=fx("me_accounts"))

    accounts = adapter.exchange_code(code="code-1")

    first, long_call, perms, pages = responses.calls
    assert query_of(first) == {
        "client_id": ["app-1"],
        "client_secret": ["app-secret"],
        "redirect_uri": ["https://ripple.example/oauth/facebook/callback"],
        "code": ["code-1"],
    }
    assert query_of(long_call)["grant_type"] == ["fb_exchange_token"]
    assert query_of(long_call)["fb_exchange_token"] == ["EAAshort"]
    assert_bearer(perms, "EAAlong")
    assert_bearer(pages, "EAAlong")
    contract.check_fields_request(pages.request, "Page")
    contract.check_response("Page", fx("me_accounts"))

    assert [a.credentials.account_id for a in accounts] == ["101", "202"]
    tulip = accounts[0]
    assert tulip.credentials.access_token == "EAApage101"
    assert tulip.credentials.expires_at is None
    assert "read_insights" not in tulip.credentials.scopes
    assert "pages_manage_posts" in tulip.credentials.scopes
    assert tulip.profile.handle == "Tulip Coffee"
    assert tulip.profile.followers == 1520
    assert tulip.profile.avatar_url == "https://scontent.example/tulip.jpg"
    assert "access_token" not in tulip.profile.raw


@responses.activate
def test_exchange_code_rejected_code(adapter: FacebookAdapter) -> None:
    responses.get(
        f"{G}/oauth/access_token",
        status=400,
        json={
            "error": {
                "message": "This authorization code has been used.",
                "type": "OAuthException",
                "code": 100,
                "fbtrace_id": "x",
            }
        },
    )
    with pytest.raises(Rejected, match="authorization code has been used"):
        adapter.exchange_code(code="used")


@responses.activate
def test_refresh_token_checks_and_returns_creds(
    adapter: FacebookAdapter, creds: Credentials
) -> None:
    responses.get(f"{G}/me", json=fx("me_id"))
    assert adapter.refresh_token(creds) is creds
    assert_bearer(responses.calls[0])


@responses.activate
def test_refresh_token_expired_page_token(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/me", status=400, json=fx("error_password_changed"))
    with pytest.raises(AuthExpired) as err:
        adapter.refresh_token(creds)
    assert err.value.code == "190/460"
    assert "EAApage101" not in str(err.value)


@responses.activate
def test_fetch_profile(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/101", json=fx("page"))
    profile = adapter.fetch_profile(creds)
    contract.check_request(responses.calls[0].request, "Page")
    contract.check_response("Page", fx("page"))
    assert profile.url == "https://www.facebook.com/tulipcoffee"
    assert profile.account_id == "101"


# --- publish ------------------------------------------------------------------------------------


@responses.activate
def test_publish_text_with_link_and_first_comment(
    adapter: FacebookAdapter, creds: Credentials
) -> None:
    responses.post(f"{G}/101/feed", json=fx("feed_created"))
    responses.get(f"{G}/101_2002", json=fx("post_permalink"))
    responses.post(f"{G}/101_2002/comments", json=fx("comment_created"))
    post = OutgoingPost(
        text="Fresh beans today!",
        idempotency_key="k1",
        link="https://tulip.example/beans",
        first_comment="Order online",
    )

    result = adapter.publish(creds, post)

    feed, permalink, comment = responses.calls
    assert_bearer(feed)
    assert body_of(feed) == {
        "message": ["Fresh beans today!"],
        "link": ["https://tulip.example/beans"],
    }
    contract.check_request(feed.request, "Page", "feed")
    contract.check_request(permalink.request, "PagePost")
    contract.check_request(comment.request, "PagePost", "comments")
    contract.check_created(fx("feed_created"))
    contract.check_response("PagePost", fx("post_permalink"))
    assert body_of(comment) == {"message": ["Order online"]}
    assert result.external_id == "101_2002"
    assert result.url == "https://www.facebook.com/tulipcoffee/posts/2002"
    assert result.first_comment_id == "2002_9009"
    assert result.first_comment_error == ""


@responses.activate
def test_failed_first_comment_does_not_fail_publish(
    adapter: FacebookAdapter, creds: Credentials
) -> None:
    responses.post(f"{G}/101/feed", json=fx("feed_created"))
    responses.get(f"{G}/101_2002", status=500, body="oops")
    responses.post(f"{G}/101_2002/comments", status=403, json=fx("error_permission"))
    result = adapter.publish(creds, OutgoingPost(text="Hi", idempotency_key="k", first_comment="x"))
    assert result.external_id == "101_2002"
    assert result.url == ""
    assert result.first_comment_id is None
    assert "hasn't authorized" in result.first_comment_error


@responses.activate
def test_publish_one_photo_by_url(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/101/photos", json=fx("photo_created"))
    responses.get(f"{G}/101_3004", json={"id": "101_3004", "permalink_url": "https://fb/p/3004"})
    image = MediaFile(content_type="image/jpeg", url="https://cdn.example/a.jpg", alt_text="Cup")
    result = adapter.publish(creds, OutgoingPost(text="Look", idempotency_key="k", media=(image,)))
    photos = responses.calls[0]
    assert body_of(photos) == {
        "message": ["Look"],
        "url": ["https://cdn.example/a.jpg"],
        "alt_text_custom": ["Cup"],
    }
    contract.check_request(photos.request, "Page", "photos")
    contract.check_created(fx("photo_created"))
    assert result.external_id == "101_3004"


@responses.activate
def test_publish_one_photo_upload(
    adapter: FacebookAdapter, creds: Credentials, tmp_path: Path
) -> None:
    path = tmp_path / "a.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0jpeg")
    responses.post(f"{G}/101/photos", json=fx("photo_created"))
    responses.get(f"{G}/101_3004", json={"id": "101_3004", "permalink_url": "https://fb/p/3004"})
    image = MediaFile(content_type="image/jpeg", path=str(path))
    adapter.publish(creds, OutgoingPost(text="Look", idempotency_key="k", media=(image,)))
    upload = responses.calls[0].request
    assert upload.headers["Content-Type"].startswith("multipart/form-data")
    assert b"\xff\xd8\xff\xe0jpeg" in upload.body
    assert contract.request_params(upload) == {"message": "", "source": "<file>"}
    contract.check_request(upload, "Page", "photos")


@responses.activate
def test_publish_several_photos(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/101/photos", json=fx("photo_unpublished_1"))
    responses.post(f"{G}/101/photos", json=fx("photo_unpublished_2"))
    responses.post(f"{G}/101/feed", json=fx("feed_created"))
    responses.get(f"{G}/101_2002", json=fx("post_permalink"))
    media = tuple(
        MediaFile(content_type="image/png", url=f"https://cdn.example/{i}.png") for i in (1, 2)
    )
    result = adapter.publish(creds, OutgoingPost(text="Two", idempotency_key="k", media=media))
    first, _second, feed, _ = responses.calls
    assert body_of(first)["published"] == ["false"]
    contract.check_request(first.request, "Page", "photos")
    assert body_of(feed) == {
        "message": ["Two"],
        "attached_media[0]": ['{"media_fbid": "5001"}'],
        "attached_media[1]": ['{"media_fbid": "5002"}'],
    }
    contract.check_request(feed.request, "Page", "feed")
    assert result.external_id == "101_2002"


@responses.activate
def test_publish_video_on_video_host(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.post(f"{GV}/101/videos", json=fx("video_created"))
    responses.get(f"{G}/6006", json=fx("video_info"))
    video = MediaFile(content_type="video/mp4", url="https://cdn.example/v.mp4")
    result = adapter.publish(
        creds, OutgoingPost(text="Watch", title="Brew", idempotency_key="k", media=(video,))
    )
    upload, info = responses.calls
    assert body_of(upload) == {
        "description": ["Watch"],
        "title": ["Brew"],
        "file_url": ["https://cdn.example/v.mp4"],
    }
    assert_bearer(upload)
    contract.check_request(upload.request, "Page", "videos")
    contract.check_request(info.request, "AdVideo")
    contract.check_response("AdVideo", fx("video_info"))
    assert result.external_id == "101_6007"
    assert result.url == "https://www.facebook.com/tulipcoffee/videos/6006/"


@responses.activate
def test_publish_reply_comments_on_the_post(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/101_2002/comments", json=fx("comment_created"))
    result = adapter.publish(
        creds, OutgoingPost(text="More", idempotency_key="k", reply_to_id="101_2002")
    )
    assert body_of(responses.calls[0]) == {"message": ["More"]}
    contract.check_request(responses.calls[0].request, "PagePost", "comments")
    assert result.external_id == "2002_9009"


def test_publish_rejects_mixed_media(adapter: FacebookAdapter, creds: Credentials) -> None:
    media = (
        MediaFile(content_type="image/png", url="https://cdn.example/1.png"),
        MediaFile(content_type="video/mp4", url="https://cdn.example/v.mp4"),
    )
    with pytest.raises(Rejected, match="either photos or one video"):
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k", media=media))


@responses.activate
@pytest.mark.parametrize(
    ("status", "fixture", "error", "attrs"),
    [
        (400, "error_token_expired", AuthExpired, {"code": "190/463"}),
        (403, "error_page_throttle", RateLimited, {"retry_after": 300}),
        (400, "error_duplicate", Rejected, {"duplicate": True}),
        (403, "error_permission", Rejected, {"duplicate": False}),
        (
            400,
            "error_policy",
            Rejected,
            {"reason": "You can't post this because it has a blocked link."},
        ),
        (500, "error_transient", TransientError, {"code": "2"}),
    ],
)
def test_publish_error_mapping(
    adapter: FacebookAdapter,
    creds: Credentials,
    status: int,
    fixture: str,
    error: type[Exception],
    attrs: dict[str, Any],
) -> None:
    responses.post(f"{G}/101/feed", status=status, json=fx(fixture))
    with pytest.raises(error) as err:
        adapter.publish(creds, OutgoingPost(text="Same again", idempotency_key="k"))
    for key, value in attrs.items():
        assert getattr(err.value, key) == value
    assert "EAApage101" not in str(err.value)


@responses.activate
def test_throttle_uses_business_use_case_header(
    adapter: FacebookAdapter, creds: Credentials
) -> None:
    usage = {"101": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 7}]}
    responses.post(
        f"{G}/101/feed",
        status=403,
        json=fx("error_app_throttle"),
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    with pytest.raises(RateLimited) as err:
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k"))
    assert err.value.retry_after == 420


@responses.activate
def test_plain_429_and_retry_after(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/101/feed", status=429, body="", headers={"Retry-After": "30"})
    with pytest.raises(RateLimited) as err:
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k"))
    assert err.value.retry_after == 30


@responses.activate
@pytest.mark.parametrize(
    "failure",
    [requests.ConnectionError("down"), requests.Timeout("slow")],
)
def test_network_failures_are_transient(
    adapter: FacebookAdapter, creds: Credentials, failure: Exception
) -> None:
    responses.post(f"{G}/101/feed", body=failure)
    with pytest.raises(TransientError):
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k"))


@responses.activate
def test_malformed_success_body_is_transient(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/101/feed", body="<html>not json</html>")
    with pytest.raises(TransientError):
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k"))
    responses.replace(responses.POST, f"{G}/101/feed", json={"unexpected": True})
    with pytest.raises(TransientError):
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k"))


# --- reconcile ----------------------------------------------------------------------------------


@responses.activate
def test_get_post_and_gone(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/101_2002", json=fx("post"))
    responses.get(f"{G}/101_404", status=400, json=fx("error_not_found"))
    post = adapter.get_post(creds, "101_2002")
    contract.check_request(responses.calls[0].request, "PagePost")
    contract.check_response("PagePost", fx("post"))
    assert post is not None
    assert post.text == "Fresh beans today!"
    assert post.created_at == datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    assert adapter.get_post(creds, "101_404") is None


@responses.activate
def test_find_recent_post(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/101/published_posts", json=fx("published_posts"))
    since = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    found = adapter.find_recent_post(
        creds, OutgoingPost(text="Fresh beans today!", idempotency_key="k"), since=since
    )
    contract.check_request(responses.calls[0].request, "Page", "published_posts")
    contract.check_response("PagePost", fx("published_posts"))
    assert found is not None
    assert found.external_id == "101_2002"
    missing = adapter.find_recent_post(
        creds, OutgoingPost(text="Old post", idempotency_key="k"), since=since
    )
    assert missing is None


# --- measure ------------------------------------------------------------------------------------


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_fetch_post_metrics(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/101_2002", json=fx("post_counts"))
    responses.get(f"{G}/101_2002/insights", json=fx("post_insights"))
    [metrics] = adapter.fetch_post_metrics(creds, ["101_2002"])
    counts, insights = responses.calls
    contract.check_request(counts.request, "PagePost")
    contract.check_request(insights.request, "PagePost", "insights")
    contract.check_response("PagePost", fx("post_counts"))
    contract.check_response("InsightsResult", fx("post_insights"))
    assert query_of(insights)["metric"] == [
        "post_media_view,post_total_media_view_unique,post_clicks"
    ]
    assert metrics.values == {
        "likes": 42,
        "comments": 7,
        "shares": 3,
        "views": 1234,
        "reach": 800,
        "clicks": 55,
    }
    assert metrics.fetched_at == NOW


@responses.activate
def test_post_metrics_without_insights(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/101_2002", json=fx("post_counts"))
    responses.get(f"{G}/101_2002/insights", status=400, json=fx("error_invalid_param"))
    [metrics] = adapter.fetch_post_metrics(creds, ["101_2002"])
    assert metrics.values == {"likes": 42, "comments": 7, "shares": 3}


@responses.activate
def test_fetch_account_metrics(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/101", json=fx("page_counts"))
    responses.get(f"{G}/101/insights", json=fx("page_insights"))
    metrics = adapter.fetch_account_metrics(creds)
    page, insights = responses.calls
    contract.check_request(page.request, "Page")
    contract.check_request(insights.request, "Page", "insights")
    contract.check_response("InsightsResult", fx("page_insights"))
    assert query_of(insights)["period"] == ["days_28"]
    assert metrics.values == {"followers": 1520, "views": 9100, "reach": 4000, "engagements": 310}


# --- webcare ------------------------------------------------------------------------------------


@responses.activate
def test_fetch_inbox_first_then_cursor(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/101/published_posts", json=fx("inbox_posts"))
    responses.get(f"{G}/101_2002/comments", json=fx("post_comments"))
    responses.get(f"{G}/101/conversations", json=fx("conversations"))

    page = adapter.fetch_inbox(creds, cursor=None)

    posts, comments, convs = responses.calls
    contract.check_request(posts.request, "Page", "published_posts")
    contract.check_request(comments.request, "PagePost", "comments")
    contract.check_request(convs.request, "Page", "conversations")
    contract.check_response("Comment", fx("post_comments"))
    assert query_of(convs)["platform"] == ["messenger"]
    assert [i.external_id for i in page.items] == ["2002_9100", "2002_9102", "m_1"]
    first, reply, message = page.items
    assert (first.kind, first.reply_to, first.post_external_id) == (
        "comment",
        "2002_9100",
        "101_2002",
    )
    assert (reply.kind, reply.parent_external_id) == ("reply", "2002_9101")
    assert (message.kind, message.reply_to, message.thread_id) == ("message", "7002", "t_1001")
    assert page.cursor is not None

    responses.replace(responses.GET, f"{G}/101_2002/comments", json=fx("post_comments_empty"))
    again = adapter.fetch_inbox(creds, cursor=page.cursor)
    assert again.items == ()
    since = query_of(responses.calls[-2])["since"]
    assert since == [str(int(datetime(2026, 11, 29, 12, 30, tzinfo=UTC).timestamp()))]
    assert json.loads(again.cursor or "{}") == json.loads(page.cursor)


@responses.activate
def test_reply_to_comment_and_message(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/2002_9100/comments", json=fx("comment_created"))
    responses.post(f"{G}/101/messages", json=fx("message_sent"))
    comment = InboxItem(
        external_id="2002_9100",
        kind="comment",
        author=InboxAuthor(external_id="7001"),
        text="When?",
        created_at=NOW,
        reply_to="2002_9100",
    )
    dm = InboxItem(
        external_id="m_1",
        kind="message",
        author=InboxAuthor(external_id="7002"),
        text="Table?",
        created_at=NOW,
        reply_to="7002",
    )
    assert adapter.reply(creds, comment, "At 8").external_id == "2002_9009"
    assert adapter.reply(creds, dm, "Yes").external_id == "m_3"
    c_call, m_call = responses.calls
    assert body_of(c_call) == {"message": ["At 8"]}
    contract.check_request(c_call.request, "Comment", "comments")
    assert json.loads(m_call.request.body) == {
        "recipient": {"id": "7002"},
        "messaging_type": "RESPONSE",
        "message": {"text": "Yes"},
    }
    contract.check_request(m_call.request, "Page", "messages")
    contract.check_created(fx("message_sent"))


# --- the contract check itself ------------------------------------------------------------------


def test_contract_check_fails_on_unknown_field_and_param() -> None:
    with pytest.raises(AssertionError, match="no field or edge 'impressions_bogus'"):
        contract.check_fields("PagePost", "id,message,impressions_bogus")
    with pytest.raises(AssertionError, match="no field"):
        contract.check_object("Page", {"id": "1", "fans_total": 3})
    request = requests.Request(
        "POST", f"{G}/101/feed", data={"message": "x", "bogus_param": "1"}
    ).prepare()
    with pytest.raises(AssertionError, match="no parameter 'bogus_param'"):
        contract.check_request(request, "Page", "feed")


# --- resumable publishing (OutgoingPost.steps / record_step) ------------------------------------

TWO_PHOTOS = tuple(
    MediaFile(content_type="image/png", url=f"https://cdn.example/{i}.png") for i in (1, 2)
)


def _calls() -> list[tuple[str, str]]:
    return [(c.request.method, c.request.url.split("?")[0]) for c in responses.calls]


@responses.activate
def test_several_photos_record_each_step_in_order(
    adapter: FacebookAdapter, creds: Credentials
) -> None:
    responses.post(f"{G}/101/photos", json=fx("photo_unpublished_1"))
    responses.post(f"{G}/101/photos", json=fx("photo_unpublished_2"))
    responses.post(f"{G}/101/feed", json=fx("feed_created"))
    responses.get(f"{G}/101_2002", json=fx("post_permalink"))
    responses.post(f"{G}/101_2002/comments", json=fx("comment_created"))
    recorded: list[tuple[str, str]] = []
    adapter.publish(
        creds,
        OutgoingPost(
            text="Two",
            idempotency_key="k",
            media=TWO_PHOTOS,
            first_comment="Order online",
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert recorded == [
        ("media:0", "5001"),
        ("media:1", "5002"),
        ("post", "101_2002"),
        ("first_comment", "2002_9009"),
    ]


@responses.activate
def test_resume_does_not_upload_recorded_photos_again(
    adapter: FacebookAdapter, creds: Credentials
) -> None:
    responses.post(f"{G}/101/photos", json=fx("photo_unpublished_2"))
    responses.post(f"{G}/101/feed", json=fx("feed_created"))
    responses.get(f"{G}/101_2002", json=fx("post_permalink"))
    recorded: list[tuple[str, str]] = []
    adapter.publish(
        creds,
        OutgoingPost(
            text="Two",
            idempotency_key="k",
            media=TWO_PHOTOS,
            steps={"media:0": "5001"},
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert _calls() == [
        ("POST", f"{G}/101/photos"),
        ("POST", f"{G}/101/feed"),
        ("GET", f"{G}/101_2002"),
    ]
    assert body_of(responses.calls[0])["url"] == ["https://cdn.example/2.png"]
    assert body_of(responses.calls[1]) == {
        "message": ["Two"],
        "attached_media[0]": ['{"media_fbid": "5001"}'],
        "attached_media[1]": ['{"media_fbid": "5002"}'],
    }
    assert recorded == [("media:1", "5002"), ("post", "101_2002")]


@responses.activate
def test_resume_after_post_only_comments_once(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.get(f"{G}/101_2002", json=fx("post_permalink"))
    responses.post(f"{G}/101_2002/comments", json=fx("comment_created"))
    recorded: list[tuple[str, str]] = []
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Two",
            idempotency_key="k",
            media=TWO_PHOTOS,
            first_comment="Order online",
            steps={"media:0": "5001", "media:1": "5002", "post": "101_2002"},
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert _calls() == [("GET", f"{G}/101_2002"), ("POST", f"{G}/101_2002/comments")]
    assert result.external_id == "101_2002"
    assert result.url == "https://www.facebook.com/tulipcoffee/posts/2002"
    assert recorded == [("first_comment", "2002_9009")]

    responses.calls.reset()
    again = adapter.publish(
        creds,
        OutgoingPost(
            text="Two",
            idempotency_key="k",
            first_comment="Order online",
            steps={"post": "101_2002", "first_comment": "2002_9009"},
        ),
    )
    assert _calls() == [("GET", f"{G}/101_2002")]
    assert again.first_comment_id == "2002_9009"


@responses.activate
def test_resume_of_a_recorded_video_does_not_upload_it_again(
    adapter: FacebookAdapter, creds: Credentials
) -> None:
    responses.get(f"{G}/6006", json=fx("video_info"))
    video = MediaFile(content_type="video/mp4", url="https://cdn.example/v.mp4")
    result = adapter.publish(
        creds,
        OutgoingPost(text="Watch", idempotency_key="k", media=(video,), steps={"post": "6006"}),
    )
    assert _calls() == [("GET", f"{G}/6006")]
    assert result.external_id == "101_6007"


@responses.activate
def test_photo_upload_failure_is_retryable(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.post(f"{G}/101/photos", json=fx("photo_unpublished_1"))
    responses.post(f"{G}/101/photos", body=requests.ReadTimeout("slow"))
    recorded: list[tuple[str, str]] = []
    with pytest.raises(TransientError) as err:
        adapter.publish(
            creds,
            OutgoingPost(
                text="Two",
                idempotency_key="k",
                media=TWO_PHOTOS,
                record_step=lambda key, value: recorded.append((key, value)),
            ),
        )
    assert err.value.sent is False
    assert recorded == [("media:0", "5001")]


@responses.activate
def test_find_recent_post_uses_the_recorded_post(
    adapter: FacebookAdapter, creds: Credentials
) -> None:
    responses.get(f"{G}/101_2002", json=fx("post"))
    post = OutgoingPost(text="other", idempotency_key="k", steps={"post": "101_2002"})
    found = adapter.find_recent_post(creds, post, since=NOW)
    assert found is not None and found.external_id == "101_2002"
    assert len(responses.calls) == 1


# --- deleting a post ----------------------------------------------------------------------------


@responses.activate
def test_delete_post_deletes_the_page_post(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.delete(f"{G}/101_2002", json=fx("deleted"))
    assert adapter.delete_post(creds, "101_2002") is None
    [call] = responses.calls
    assert call.request.method == "DELETE"
    assert urlsplit(call.request.url).path == "/v26.0/101_2002"
    assert not urlsplit(call.request.url).query and not call.request.body
    assert_bearer(call)
    contract.check_request(call.request, "PagePost")
    contract.check_created(fx("deleted"))


@responses.activate
def test_delete_post_already_gone_is_quiet(adapter: FacebookAdapter, creds: Credentials) -> None:
    responses.delete(f"{G}/101_404", status=400, json=fx("error_not_found"))
    assert adapter.delete_post(creds, "101_404") is None
    for status in (404, 410):
        responses.delete(f"{G}/101_{status}", status=status, body="")
        assert adapter.delete_post(creds, f"101_{status}") is None


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, fx("error_token_expired"), AuthExpired),
        (401, None, AuthExpired),
        (403, fx("error_permission"), Rejected),
        (403, fx("error_page_throttle"), RateLimited),
        (429, None, RateLimited),
        (500, fx("error_transient"), TransientError),
        (503, None, TransientError),
        (200, {"success": False}, Rejected),
    ],
)
def test_delete_post_errors(
    adapter: FacebookAdapter,
    creds: Credentials,
    status: int,
    body: dict[str, Any] | None,
    error: type[Exception],
) -> None:
    kwargs: dict[str, Any] = {"json": body} if body is not None else {"body": ""}
    headers = {"Retry-After": "30"} if status == 429 else {}
    responses.delete(f"{G}/101_2002", status=status, headers=headers, **kwargs)
    with pytest.raises(error) as err:
        adapter.delete_post(creds, "101_2002")
    assert PAGE_TOKEN not in str(err.value)
    if isinstance(err.value, RateLimited):
        assert err.value.retry_after == (30 if status == 429 else meta.DEFAULT_THROTTLE_SECONDS)


@responses.activate
def test_delete_post_never_deletes_without_an_id(
    adapter: FacebookAdapter, creds: Credentials
) -> None:
    with pytest.raises(Rejected):
        adapter.delete_post(creds, "")
    assert not responses.calls
