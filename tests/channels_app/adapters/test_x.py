"""XAdapter against recorded responses shaped like X API v2's documented bodies.

Requests and success bodies are checked against the 2.159 contract (strict; it uses the
`tweet.fields`/`retweet_count` naming the documentation and live API use), media upload bodies
against 2.167 (2.159 wrongly requires a `meta` member there). Error bodies are not checked: X's
real problem bodies do not match the spec's error schema.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
import time_machine
from responses import matchers

from channels_app.adapters.base import (
    AuthExpired,
    Credentials,
    MediaFile,
    OutgoingPost,
    PlatformAdapter,
    PlatformConfig,
    RateLimited,
    Rejected,
    TransientError,
    code_challenge_s256,
)
from channels_app.adapters.x import XAdapter
from tests.channels_app.adapters import contract_openapi

FIXTURES = Path(__file__).parent / "fixtures" / "x"
SPEC = "x-api-v2.159.openapi.json"
MEDIA_SPEC = "x-api-v2.openapi.json"
API = "https://api.x.com/2"
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def check_contract() -> None:
    for call in responses.calls:
        path = urlsplit(call.request.url).path
        if path == "/2/oauth2/token":
            continue  # not in the API spec
        if path.endswith("/append"):
            # openapi-core cannot check this multipart request: 2.167 types segment_index as an
            # integer (form values are strings), 2.159's anyOf makes it read every part as
            # bytes. The test asserts the fields itself; 2.167 describes the response.
            contract_openapi.validate_response(MEDIA_SPEC, call.request, call.response)
            continue
        spec = MEDIA_SPEC if path.startswith("/2/media") else SPEC
        contract_openapi.validate_call(spec, call)


@pytest.fixture
def adapter() -> XAdapter:
    adapter = XAdapter(
        PlatformConfig(
            client_id="x-client",
            client_secret="x-secret",
            redirect_uri="https://ripple.example/channels/callback/x",
        )
    )
    adapter._sleep = lambda _seconds: None
    return adapter


@pytest.fixture
def creds() -> Credentials:
    return Credentials(
        account_id="2244994945",
        access_token="x-token",
        refresh_token="x-refresh-1",
        extra={"username": "tulipcoffee"},
    )


@pytest.fixture
def post() -> OutgoingPost:
    return OutgoingPost(
        text="Fresh beans are in!", idempotency_key="t-1", link="https://tulip.example/beans"
    )


def test_adapter_satisfies_protocol(adapter: XAdapter) -> None:
    assert isinstance(adapter, PlatformAdapter)
    assert (adapter.kind, adapter.connect_method, adapter.uses_pkce) == ("x", "oauth", True)


def test_authorization_request(adapter: XAdapter) -> None:
    request = adapter.authorization_request(state="st", code_verifier="v" * 60)
    parts = urlsplit(request.url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://x.com/i/oauth2/authorize"
    assert query["scope"] == [
        "tweet.read tweet.write users.read media.write offline.access dm.read dm.write"
    ]
    assert query["code_challenge"] == [code_challenge_s256("v" * 60)]
    assert query["code_challenge_method"] == ["S256"]
    with pytest.raises(Rejected):
        adapter.authorization_request(state="st")


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_exchange_code(adapter: XAdapter) -> None:
    basic = base64.b64encode(b"x-client:x-secret").decode()
    responses.post(
        f"{API}/oauth2/token",
        json=fixture("token"),
        match=[
            matchers.header_matcher({"Authorization": f"Basic {basic}"}),
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "c0de",
                    "redirect_uri": "https://ripple.example/channels/callback/x",
                    "code_verifier": "verifier",
                }
            ),
        ],
    )
    responses.get(f"{API}/users/me", json=fixture("users_me"))
    [account] = adapter.exchange_code(code="c0de", code_verifier="verifier")
    assert account.credentials.account_id == "2244994945"
    assert account.credentials.expires_at == NOW + timedelta(hours=2)
    assert account.credentials.refresh_token == "x-refresh-1"
    assert "dm.read" in account.credentials.scopes
    assert account.credentials.extra["username"] == "tulipcoffee"
    assert account.profile.handle == "@tulipcoffee" and account.profile.followers == 5120
    assert responses.calls[1].request.headers["Authorization"] == "Bearer x-access-1"
    check_contract()


@responses.activate
def test_exchange_code_refused_is_rejected(adapter: XAdapter) -> None:
    responses.post(f"{API}/oauth2/token", status=400, json=fixture("token_invalid"))
    with pytest.raises(Rejected) as err:
        adapter.exchange_code(code="old", code_verifier="v")
    assert err.value.reason == "Value passed for the token was invalid."


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_refresh_token_rotates(adapter: XAdapter, creds: Credentials) -> None:
    responses.post(
        f"{API}/oauth2/token",
        json=fixture("token_refreshed"),
        match=[
            matchers.urlencoded_params_matcher(
                {"grant_type": "refresh_token", "refresh_token": "x-refresh-1"}
            )
        ],
    )
    new = adapter.refresh_token(creds)
    assert (new.access_token, new.refresh_token) == ("x-access-2", "x-refresh-2")
    assert new.expires_at == NOW + timedelta(hours=2)
    assert new.account_id == creds.account_id and new.extra == creds.extra


@responses.activate
def test_refresh_refused_is_auth_expired(adapter: XAdapter, creds: Credentials) -> None:
    responses.post(f"{API}/oauth2/token", status=400, json=fixture("token_invalid"))
    with pytest.raises(AuthExpired):
        adapter.refresh_token(creds)
    with pytest.raises(AuthExpired):
        adapter.refresh_token(Credentials(account_id="1", access_token="t"))


@responses.activate
def test_fetch_profile_and_account_metrics(adapter: XAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/users/me", json=fixture("users_me"))
    assert adapter.fetch_profile(creds).url == "https://x.com/tulipcoffee"
    metrics = adapter.fetch_account_metrics(creds)
    assert metrics.values == {"followers": 5120, "following": 310, "posts": 1288}
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert "public_metrics" in query["user.fields"][0].split(",")
    check_contract()


@responses.activate
def test_publish_text_with_link(adapter: XAdapter, creds: Credentials, post: OutgoingPost) -> None:
    responses.post(f"{API}/tweets", status=201, json=fixture("tweet_created"))
    result = adapter.publish(creds, post)
    assert result.external_id == "1861234567890123456"
    assert result.url == "https://x.com/tulipcoffee/status/1861234567890123456"
    request = responses.calls[0].request
    assert request.headers["Authorization"] == "Bearer x-token"
    assert json.loads(request.body) == {"text": "Fresh beans are in! https://tulip.example/beans"}
    check_contract()


@responses.activate
def test_publish_image_video_reply_and_first_comment(
    adapter: XAdapter, creds: Credentials, tmp_path: Path
) -> None:
    image = tmp_path / "beans.png"
    image.write_bytes(b"png bytes")
    video = tmp_path / "roast.mp4"
    video.write_bytes(b"mp4 data")
    responses.post(f"{API}/media/upload", json=fixture("media_upload_image"))
    responses.post(f"{API}/media/metadata", json=fixture("media_metadata"))
    responses.post(f"{API}/media/upload/initialize", json=fixture("media_initialize"))
    responses.post(f"{API}/media/upload/1861500000000000002/append", json=fixture("media_append"))
    responses.post(
        f"{API}/media/upload/1861500000000000002/finalize", json=fixture("media_finalize")
    )
    responses.get(f"{API}/media/upload", json=fixture("media_status_done"))
    responses.post(f"{API}/tweets", status=201, json=fixture("tweet_created"))
    responses.post(f"{API}/tweets", status=201, json=fixture("reply_created"))
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Beans",
            idempotency_key="k",
            reply_to_id="1861234567890000001",
            first_comment="Shop link in bio",
            media=(
                MediaFile(content_type="image/png", path=str(image), alt_text="A bag of beans"),
                MediaFile(content_type="video/mp4", path=str(video)),
            ),
        ),
    )
    assert result.first_comment_id == "1861234567890123457"
    calls = responses.calls
    assert b'name="media_category"\r\n\r\ntweet_image' in calls[0].request.body
    assert json.loads(calls[1].request.body) == {
        "id": "1861500000000000001",
        "metadata": {"alt_text": {"text": "A bag of beans"}},
    }
    assert json.loads(calls[2].request.body) == {
        "media_type": "video/mp4",
        "total_bytes": 8,
        "media_category": "tweet_video",
    }
    assert b'name="segment_index"\r\n\r\n0' in calls[3].request.body
    status_query = parse_qs(urlsplit(calls[5].request.url).query)
    assert status_query == {"media_id": ["1861500000000000002"], "command": ["STATUS"]}
    assert json.loads(calls[6].request.body) == {
        "text": "Beans",
        "media": {"media_ids": ["1861500000000000001", "1861500000000000002"]},
        "reply": {"in_reply_to_tweet_id": "1861234567890000001"},
    }
    assert json.loads(calls[7].request.body) == {
        "text": "Shop link in bio",
        "reply": {"in_reply_to_tweet_id": "1861234567890123456"},
    }
    check_contract()


@responses.activate
def test_video_processing_failure_is_rejected(
    adapter: XAdapter, creds: Credentials, tmp_path: Path
) -> None:
    video = tmp_path / "long.mp4"
    video.write_bytes(b"mp4 data")
    responses.post(f"{API}/media/upload/initialize", json=fixture("media_initialize"))
    responses.post(f"{API}/media/upload/1861500000000000002/append", json=fixture("media_append"))
    responses.post(
        f"{API}/media/upload/1861500000000000002/finalize", json=fixture("media_finalize")
    )
    responses.get(f"{API}/media/upload", json=fixture("media_status_failed"))
    with pytest.raises(Rejected) as err:
        adapter.publish(
            creds,
            OutgoingPost(
                text="v", idempotency_key="k", media=(MediaFile("video/mp4", path=str(video)),)
            ),
        )
    assert err.value.reason == "Video duration is too long"


@responses.activate
def test_first_comment_failure_keeps_post(
    adapter: XAdapter, creds: Credentials, post: OutgoingPost
) -> None:
    responses.post(f"{API}/tweets", status=201, json=fixture("tweet_created"))
    responses.post(
        f"{API}/tweets", status=429, json=fixture("error_rate_limit"), headers={"Retry-After": "5"}
    )
    result = adapter.publish(
        creds, OutgoingPost(text="Hi", idempotency_key="k", first_comment="More")
    )
    assert result.external_id == "1861234567890123456"
    assert result.first_comment_id is None and result.first_comment_error


@responses.activate
def test_get_post_and_deleted(adapter: XAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/tweets/1861234567890123456", json=fixture("tweet_lookup"))
    responses.get(f"{API}/tweets/1861234567890000000", json=fixture("tweet_not_found"))
    found = adapter.get_post(creds, "1861234567890123456")
    assert found is not None and found.created_at == datetime(2026, 11, 29, 10, 0, 1, tzinfo=UTC)
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert "tweet.fields" in query and "post.fields" not in query
    contract_openapi.validate_call(SPEC, responses.calls[0])
    assert adapter.get_post(creds, "1861234567890000000") is None


@responses.activate
def test_find_recent_post_ignores_tco_rewrite(
    adapter: XAdapter, creds: Credentials, post: OutgoingPost
) -> None:
    responses.get(f"{API}/users/2244994945/tweets", json=fixture("user_tweets"))
    found = adapter.find_recent_post(creds, post, since=NOW)
    assert found is not None and found.external_id == "1861234567890123456"
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert query["start_time"] == ["2026-11-29T10:00:00Z"]
    check_contract()
    other = OutgoingPost(text="Not posted", idempotency_key="k")
    assert adapter.find_recent_post(creds, other, since=NOW) is None


@responses.activate
def test_fetch_post_metrics(adapter: XAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/tweets", json=fixture("tweets_metrics"))
    [metrics] = adapter.fetch_post_metrics(creds, ["1861234567890123456"])
    assert metrics.values == {
        "impressions": 1520,
        "likes": 31,
        "comments": 2,
        "shares": 4,
        "quotes": 1,
        "saves": 3,
    }
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert query == {"ids": ["1861234567890123456"], "tweet.fields": ["public_metrics"]}
    check_contract()


@responses.activate
def test_fetch_inbox_packs_both_cursors(adapter: XAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/users/2244994945/mentions", json=fixture("mentions"))
    responses.get(f"{API}/dm_events", json=fixture("dm_events"))
    page = adapter.fetch_inbox(creds, cursor=None)
    assert [(i.kind, i.external_id) for i in page.items] == [
        ("mention", "1861300000000000001"),
        ("comment", "1861300000000000002"),
        ("message", "1861400000000000002"),
    ]
    comment, dm = page.items[1], page.items[2]
    assert comment.post_external_id == "1861234567890123456"
    assert comment.text == "@tulipcoffee love these & more"
    assert comment.author.handle == "@maria_b"
    assert (dm.reply_to, dm.thread_id) == ("783214", "783214-2244994945")
    assert json.loads(page.cursor or "") == {
        "mentions": "1861300000000000002",
        "dm": "1861400000000000003",
    }
    check_contract()

    responses.reset()
    responses.get(f"{API}/users/2244994945/mentions", json=fixture("mentions_empty"))
    responses.get(f"{API}/dm_events", json=fixture("dm_events"))
    newer = adapter.fetch_inbox(creds, cursor=page.cursor)
    assert newer.items == () and newer.cursor == page.cursor
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert query["since_id"] == ["1861300000000000002"]


@responses.activate
def test_reply_to_mention_and_dm(adapter: XAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/users/2244994945/mentions", json=fixture("mentions"))
    responses.get(f"{API}/dm_events", json=fixture("dm_events"))
    items = adapter.fetch_inbox(creds, cursor=None).items
    responses.post(f"{API}/tweets", status=201, json=fixture("reply_created"))
    responses.post(
        f"{API}/dm_conversations/with/783214/messages", status=201, json=fixture("dm_created")
    )
    assert adapter.reply(creds, items[0], "Yes we do!").external_id == "1861234567890123457"
    assert json.loads(responses.calls[2].request.body) == {
        "text": "Yes we do!",
        "reply": {"in_reply_to_tweet_id": "1861300000000000001"},
    }
    assert adapter.reply(creds, items[2], "Sorry!").external_id == "1861400000000000009"
    assert json.loads(responses.calls[3].request.body) == {"text": "Sorry!"}
    check_contract()


# --- errors ---------------------------------------------------------------------------------


@responses.activate
def test_duplicate_is_rejected_duplicate(
    adapter: XAdapter, creds: Credentials, post: OutgoingPost
) -> None:
    responses.post(f"{API}/tweets", status=403, json=fixture("error_duplicate"))
    with pytest.raises(Rejected) as err:
        adapter.publish(creds, post)
    assert err.value.duplicate
    assert err.value.reason == "You are not allowed to create a Tweet with duplicate content."


@responses.activate
def test_invalid_is_rejected_with_reason(
    adapter: XAdapter, creds: Credentials, post: OutgoingPost
) -> None:
    responses.post(f"{API}/tweets", status=400, json=fixture("error_invalid"))
    with pytest.raises(Rejected) as err:
        adapter.publish(creds, post)
    assert not err.value.duplicate
    assert err.value.reason == "One or more parameters to your request was invalid."


@responses.activate
def test_401_is_auth_expired(adapter: XAdapter, creds: Credentials, post: OutgoingPost) -> None:
    responses.post(f"{API}/tweets", status=401, json=fixture("error_unauthorized"))
    with pytest.raises(AuthExpired) as err:
        adapter.publish(creds, post)
    assert "x-token" not in str(err.value)


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_429_uses_reset_header(adapter: XAdapter, creds: Credentials, post: OutgoingPost) -> None:
    reset = int((NOW + timedelta(seconds=420)).timestamp())
    responses.post(
        f"{API}/tweets",
        status=429,
        json=fixture("error_rate_limit"),
        headers={"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"},
    )
    with pytest.raises(RateLimited) as err:
        adapter.publish(creds, post)
    assert err.value.retry_after == 420


@responses.activate
def test_5xx_is_transient(adapter: XAdapter, creds: Credentials, post: OutgoingPost) -> None:
    responses.post(f"{API}/tweets", status=503, body="Service Unavailable")
    with pytest.raises(TransientError):
        adapter.publish(creds, post)


@pytest.mark.parametrize("exc", [requests.ConnectionError("down"), requests.Timeout("slow")])
@responses.activate
def test_network_errors_are_transient(
    adapter: XAdapter, creds: Credentials, post: OutgoingPost, exc: Exception
) -> None:
    responses.post(f"{API}/tweets", body=exc)
    with pytest.raises(TransientError):
        adapter.publish(creds, post)


@pytest.mark.parametrize("body", ["<html>", "[]", '{"data": {"text": "no id"}}'])
@responses.activate
def test_malformed_body_is_transient(
    adapter: XAdapter, creds: Credentials, post: OutgoingPost, body: str
) -> None:
    responses.post(f"{API}/tweets", status=201, body=body, content_type="application/json")
    with pytest.raises(TransientError):
        adapter.publish(creds, post)


@responses.activate
def test_malformed_inbox_is_transient(adapter: XAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/users/2244994945/mentions", json={"data": "nope"})
    with pytest.raises(TransientError):
        adapter.fetch_inbox(creds, cursor=None)


def test_urls_can_be_overridden() -> None:
    adapter = XAdapter(PlatformConfig(urls={"authorize": "http://localhost:9000/authorize"}))
    request = adapter.authorization_request(state="s", code_verifier="v" * 50)
    assert request.url.startswith("http://localhost:9000/authorize?")


# --- resumable publishing (OutgoingPost.steps / record_step) ------------------------------------


def _image_and_video(tmp_path: Path) -> tuple[MediaFile, MediaFile]:
    image = tmp_path / "beans.png"
    image.write_bytes(b"png bytes")
    video = tmp_path / "roast.mp4"
    video.write_bytes(b"mp4 data")
    return (
        MediaFile(content_type="image/png", path=str(image), alt_text="A bag of beans"),
        MediaFile(content_type="video/mp4", path=str(video)),
    )


def _calls() -> list[tuple[str, str]]:
    return [(c.request.method, urlsplit(c.request.url).path) for c in responses.calls]


@responses.activate
def test_publish_records_each_step_in_order(
    adapter: XAdapter, creds: Credentials, tmp_path: Path
) -> None:
    responses.post(f"{API}/media/upload", json=fixture("media_upload_image"))
    responses.post(f"{API}/media/metadata", json=fixture("media_metadata"))
    responses.post(f"{API}/media/upload/initialize", json=fixture("media_initialize"))
    responses.post(f"{API}/media/upload/1861500000000000002/append", json=fixture("media_append"))
    responses.post(
        f"{API}/media/upload/1861500000000000002/finalize", json=fixture("media_finalize")
    )
    responses.get(f"{API}/media/upload", json=fixture("media_status_done"))
    responses.post(f"{API}/tweets", status=201, json=fixture("tweet_created"))
    responses.post(f"{API}/tweets", status=201, json=fixture("reply_created"))
    recorded: list[tuple[str, str]] = []
    adapter.publish(
        creds,
        OutgoingPost(
            text="Beans",
            idempotency_key="k",
            first_comment="Shop link in bio",
            media=_image_and_video(tmp_path),
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert recorded == [
        ("media:0", "1861500000000000001"),
        ("upload:1", "1861500000000000002"),
        ("media:1", "1861500000000000002"),
        ("post", "1861234567890123456"),
        ("first_comment", "1861234567890123457"),
    ]
    check_contract()


@responses.activate
def test_resume_polls_a_finalized_video_instead_of_uploading_it_again(
    adapter: XAdapter, creds: Credentials, tmp_path: Path
) -> None:
    responses.get(f"{API}/media/upload", json=fixture("media_status_done"))
    responses.post(f"{API}/tweets", status=201, json=fixture("tweet_created"))
    recorded: list[tuple[str, str]] = []
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Beans",
            idempotency_key="k",
            media=_image_and_video(tmp_path),
            steps={"media:0": "1861500000000000001", "upload:1": "1861500000000000002"},
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert result.external_id == "1861234567890123456"
    assert _calls() == [("GET", "/2/media/upload"), ("POST", "/2/tweets")]
    assert parse_qs(urlsplit(responses.calls[0].request.url).query) == {
        "media_id": ["1861500000000000002"],
        "command": ["STATUS"],
    }
    assert json.loads(responses.calls[1].request.body)["media"] == {
        "media_ids": ["1861500000000000001", "1861500000000000002"]
    }
    assert recorded == [("media:1", "1861500000000000002"), ("post", "1861234567890123456")]
    check_contract()


@responses.activate
def test_resume_after_post_only_posts_the_first_comment(
    adapter: XAdapter, creds: Credentials, tmp_path: Path
) -> None:
    responses.post(f"{API}/tweets", status=201, json=fixture("reply_created"))
    recorded: list[tuple[str, str]] = []
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Beans",
            idempotency_key="k",
            first_comment="Shop link in bio",
            media=_image_and_video(tmp_path),
            steps={
                "media:0": "1861500000000000001",
                "media:1": "1861500000000000002",
                "post": "1861234567890123456",
            },
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert _calls() == [("POST", "/2/tweets")]
    assert json.loads(responses.calls[0].request.body) == {
        "text": "Shop link in bio",
        "reply": {"in_reply_to_tweet_id": "1861234567890123456"},
    }
    assert result.external_id == "1861234567890123456"
    assert result.url == "https://x.com/tulipcoffee/status/1861234567890123456"
    assert result.first_comment_id == "1861234567890123457"
    assert recorded == [("first_comment", "1861234567890123457")]

    responses.reset()
    done = adapter.publish(
        creds,
        OutgoingPost(
            text="Beans",
            idempotency_key="k",
            first_comment="Shop link in bio",
            steps={"post": "1861234567890123456", "first_comment": "1861234567890123457"},
        ),
    )
    assert not responses.calls  # nothing is posted twice
    assert done.first_comment_id == "1861234567890123457"


@responses.activate
def test_media_failure_is_retryable_before_the_post(
    adapter: XAdapter, creds: Credentials, tmp_path: Path
) -> None:
    responses.post(f"{API}/media/upload", json=fixture("media_upload_image"))
    responses.post(f"{API}/media/metadata", json=fixture("media_metadata"))
    responses.post(f"{API}/media/upload/initialize", status=503, body="upstream")
    recorded: list[tuple[str, str]] = []
    with pytest.raises(TransientError) as err:
        adapter.publish(
            creds,
            OutgoingPost(
                text="Beans",
                idempotency_key="k",
                media=_image_and_video(tmp_path),
                record_step=lambda key, value: recorded.append((key, value)),
            ),
        )
    assert err.value.sent is False
    assert recorded == [("media:0", "1861500000000000001")]


@responses.activate
def test_duplicate_then_reconcile_finds_the_post_with_media(
    adapter: XAdapter, creds: Credentials, tmp_path: Path
) -> None:
    """X's duplicate refusal is the signal; find_recent_post then finds the post even though X
    appended the media's t.co link to its text."""
    responses.post(f"{API}/media/upload", json=fixture("media_upload_image"))
    responses.post(f"{API}/media/metadata", json=fixture("media_metadata"))
    responses.post(f"{API}/tweets", status=403, json=fixture("error_duplicate"))
    image, _video = _image_and_video(tmp_path)
    post = OutgoingPost(text="Fresh beans are in!", idempotency_key="k", media=(image,))
    with pytest.raises(Rejected) as err:
        adapter.publish(creds, post)
    assert err.value.duplicate and err.value.status == 403
    timeline = {
        "data": [
            {
                "id": "1861234567890123456",
                "text": "Fresh beans are in! https://t.co/PhOtO12345",
                "edit_history_tweet_ids": ["1861234567890123456"],
                "created_at": "2026-11-29T10:00:01.000Z",
            }
        ],
        "meta": {
            "result_count": 1,
            "newest_id": "1861234567890123456",
            "oldest_id": "1861234567890123456",
        },
    }
    responses.reset()
    responses.get(f"{API}/users/2244994945/tweets", json=timeline)
    found = adapter.find_recent_post(creds, post, since=NOW)
    assert found is not None and found.external_id == "1861234567890123456"
    check_contract()
    text_only = OutgoingPost(text="Fresh beans are in!", idempotency_key="k")
    assert adapter.find_recent_post(creds, text_only, since=NOW) is None


@responses.activate
def test_find_recent_post_uses_the_recorded_post(adapter: XAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/tweets/1861234567890123456", json=fixture("tweet_lookup"))
    post = OutgoingPost(text="Edited", idempotency_key="k", steps={"post": "1861234567890123456"})
    found = adapter.find_recent_post(creds, post, since=NOW)
    assert found is not None and found.external_id == "1861234567890123456"
    assert _calls() == [("GET", "/2/tweets/1861234567890123456")]


# --- deleting a post ------------------------------------------------------------------------


@responses.activate
def test_delete_post_deletes_our_post(adapter: XAdapter, creds: Credentials) -> None:
    responses.delete(f"{API}/tweets/1861234567890000000", json=fixture("tweet_deleted"))
    assert adapter.delete_post(creds, "1861234567890000000") is None
    [call] = responses.calls
    assert call.request.method == "DELETE"
    assert call.request.url == f"{API}/tweets/1861234567890000000"
    assert call.request.headers["Authorization"] == "Bearer x-token"
    assert not call.request.body
    check_contract()


@responses.activate
def test_delete_post_already_gone_is_quiet(adapter: XAdapter, creds: Credentials) -> None:
    responses.delete(f"{API}/tweets/1861234567890000000", status=404, json=fixture("error_invalid"))
    assert adapter.delete_post(creds, "1861234567890000000") is None
    responses.delete(f"{API}/tweets/1861234567890000001", json=fixture("tweet_not_found"))
    assert adapter.delete_post(creds, "1861234567890000001") is None
    check_contract()


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, fixture("error_unauthorized"), AuthExpired),
        (403, fixture("error_delete_forbidden"), Rejected),
        (429, fixture("error_rate_limit"), RateLimited),
        (500, {"title": "Internal Server Error", "status": 500}, TransientError),
        (503, {"title": "Service Unavailable", "status": 503}, TransientError),
        (200, {"data": {"deleted": False}}, Rejected),
        (200, {}, TransientError),
    ],
)
@responses.activate
@time_machine.travel(NOW, tick=False)
def test_delete_post_errors(
    adapter: XAdapter, creds: Credentials, status: int, body: dict[str, Any], error: type[Exception]
) -> None:
    reset = str(int(NOW.timestamp()) + 900)
    responses.delete(
        f"{API}/tweets/1", status=status, json=body, headers={"x-rate-limit-reset": reset}
    )
    with pytest.raises(error) as err:
        adapter.delete_post(creds, "1")
    assert "x-token" not in str(err.value)
    if isinstance(err.value, RateLimited):
        assert err.value.retry_after == 900
    if status == 403:
        assert str(err.value) == "You are not allowed to delete this Tweet."


@responses.activate
def test_delete_post_needs_the_write_scope(adapter: XAdapter, creds: Credentials) -> None:
    read_only = Credentials(
        account_id=creds.account_id,
        access_token=creds.access_token,
        scopes=("tweet.read", "users.read", "offline.access"),
    )
    with pytest.raises(Rejected) as err:
        adapter.delete_post(read_only, "1")
    assert "reconnect" in str(err.value) and not responses.calls
    granted = Credentials(
        account_id=creds.account_id, access_token="x-token", scopes=XAdapter.scopes
    )
    responses.delete(f"{API}/tweets/1", json=fixture("tweet_deleted"))
    adapter.delete_post(granted, "1")
    with pytest.raises(Rejected):
        adapter.delete_post(creds, "")
    assert len(responses.calls) == 1
