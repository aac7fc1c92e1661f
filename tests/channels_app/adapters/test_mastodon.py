"""MastodonAdapter against recorded responses shaped like Mastodon's documented entities.

Requests we send and the recorded success bodies are checked against the (community) OpenAPI
contract of Mastodon's documented API.
"""

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
from responses import matchers

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
    code_challenge_s256,
)
from channels_app.adapters.mastodon import MastodonAdapter, normalize_instance_url
from tests.channels_app.adapters import contract_openapi

FIXTURES = Path(__file__).parent / "fixtures" / "mastodon"
SPEC = "mastodon.openapi.json"
HOST = "https://social.example"
API = f"{HOST}/api"
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
def adapter() -> MastodonAdapter:
    config = PlatformConfig(
        client_id="masto-client-id",
        client_secret="masto-client-secret",
        redirect_uri="https://ripple.example/channels/callback/mastodon",
    )
    adapter = MastodonAdapter(config)
    adapter._sleep = lambda _seconds: None
    return adapter


@pytest.fixture
def creds() -> Credentials:
    return Credentials(account_id="109384", access_token="masto-token", instance_url=HOST)


@pytest.fixture
def post() -> OutgoingPost:
    return OutgoingPost(
        text="Fresh beans are in!", idempotency_key="target-42", link="https://tulip.example/beans"
    )


def check_contract() -> None:
    """Every recorded call: our request and each success response match the contract."""
    for call in responses.calls:
        if urlsplit(call.request.url).path == "/oauth/token":
            continue  # we send RFC 6749 form encoding; the generated spec only lists JSON
        contract_openapi.validate_call(SPEC, call)


def test_adapter_satisfies_protocol(adapter: MastodonAdapter) -> None:
    assert isinstance(adapter, PlatformAdapter)
    assert adapter.kind == "mastodon" and adapter.connect_method == "instance_oauth"
    assert adapter.uses_pkce


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mastodon.social", "https://mastodon.social"),
        ("https://Mastodon.Social/", "https://mastodon.social"),
        ("@user@mastodon.social", "https://mastodon.social"),
        ("user@fosstodon.org", "https://fosstodon.org"),
        ("https://social.example/@tulip", "https://social.example"),
    ],
)
def test_normalize_instance_url(text: str, expected: str) -> None:
    assert normalize_instance_url(text) == expected


@pytest.mark.parametrize("text", ["", "http://mastodon.social", "not a host", "localhost", "a@b@"])
def test_normalize_instance_url_rejects_nonsense(text: str) -> None:
    with pytest.raises(Rejected):
        normalize_instance_url(text)


@responses.activate
def test_register_app_posts_redirect_and_scopes(adapter: MastodonAdapter) -> None:
    responses.post(f"{API}/v1/apps", json=fixture("app"))
    client_id, secret = adapter.register_app(
        HOST, client_name="Ripple", website="https://ripple.example"
    )
    assert (client_id, secret) == ("masto-client-id", "masto-client-secret")
    sent = json.loads(responses.calls[0].request.body)
    assert sent["redirect_uris"] == ["https://ripple.example/channels/callback/mastodon"]
    assert sent["scopes"] == " ".join(MastodonAdapter.scopes)
    check_contract()


@responses.activate
def test_fetch_instance_returns_configuration(adapter: MastodonAdapter) -> None:
    responses.get(f"{API}/v2/instance", json=fixture("instance"))
    config = adapter.fetch_instance(HOST)
    assert config["statuses"]["max_characters"] == 500
    assert config["media_attachments"]["description_limit"] == 1500
    check_contract()


def test_authorization_request_uses_pkce(adapter: MastodonAdapter) -> None:
    request = adapter.authorization_request(state="st", code_verifier="v" * 50, instance_url=HOST)
    parts = urlsplit(request.url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{HOST}/oauth/authorize"
    assert query["code_challenge"] == [code_challenge_s256("v" * 50)]
    assert query["code_challenge_method"] == ["S256"]
    assert query["client_id"] == ["masto-client-id"] and query["state"] == ["st"]
    assert query["scope"] == [" ".join(MastodonAdapter.scopes)]


def test_authorization_request_needs_instance(adapter: MastodonAdapter) -> None:
    with pytest.raises(Rejected):
        adapter.authorization_request(state="st")


@responses.activate
def test_exchange_code_returns_account(adapter: MastodonAdapter) -> None:
    responses.post(
        f"{HOST}/oauth/token",
        json=fixture("token"),
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "grant_type": "authorization_code",
                    "code": "abc",
                    "redirect_uri": "https://ripple.example/channels/callback/mastodon",
                    "client_id": "masto-client-id",
                    "client_secret": "masto-client-secret",
                    "code_verifier": "verifier",
                }
            )
        ],
    )
    responses.get(f"{API}/v1/accounts/verify_credentials", json=fixture("verify_credentials"))
    [account] = adapter.exchange_code(code="abc", code_verifier="verifier", instance_url=HOST)
    assert account.credentials.account_id == "109384"
    assert account.credentials.expires_at is None and account.credentials.refresh_token is None
    assert account.credentials.instance_url == HOST
    assert "write:statuses" in account.credentials.scopes
    assert account.profile.handle == "@tulip@social.example"
    assert account.profile.followers == 1520
    assert responses.calls[1].request.headers["Authorization"] == "Bearer masto-access-token-1"
    check_contract()


@responses.activate
def test_exchange_code_bad_code_is_rejected(adapter: MastodonAdapter) -> None:
    responses.post(f"{HOST}/oauth/token", status=400, json=fixture("error_token_400"))
    with pytest.raises(Rejected) as err:
        adapter.exchange_code(code="bad", instance_url=HOST)
    assert "authorization grant is invalid" in err.value.reason


@responses.activate
def test_refresh_token_returns_creds_when_valid(
    adapter: MastodonAdapter, creds: Credentials
) -> None:
    responses.get(f"{API}/v1/accounts/verify_credentials", json=fixture("verify_credentials"))
    assert adapter.refresh_token(creds) is creds
    check_contract()


@responses.activate
def test_refresh_token_revoked_is_auth_expired(
    adapter: MastodonAdapter, creds: Credentials
) -> None:
    responses.get(f"{API}/v1/accounts/verify_credentials", status=401, json=fixture("error_401"))
    with pytest.raises(AuthExpired):
        adapter.refresh_token(creds)


@responses.activate
def test_fetch_profile(adapter: MastodonAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/v1/accounts/verify_credentials", json=fixture("verify_credentials"))
    profile = adapter.fetch_profile(creds)
    assert profile.account_id == "109384" and profile.name == "Tulip Coffee"
    assert responses.calls[0].request.headers["Authorization"] == "Bearer masto-token"


@responses.activate
def test_publish_text_link_and_idempotency(
    adapter: MastodonAdapter, creds: Credentials, post: OutgoingPost
) -> None:
    responses.post(f"{API}/v1/statuses", json=fixture("status_created"))
    result = adapter.publish(creds, post)
    assert result.external_id == "113555000000000001"
    assert result.url == "https://social.example/@tulip/113555000000000001"
    request = responses.calls[0].request
    assert request.headers["Idempotency-Key"] == "target-42"
    assert json.loads(request.body) == {
        "status": "Fresh beans are in!\n\nhttps://tulip.example/beans"
    }
    check_contract()


@responses.activate
def test_publish_does_not_repeat_link_and_passes_reply_and_language(
    adapter: MastodonAdapter, creds: Credentials
) -> None:
    responses.post(f"{API}/v1/statuses", json=fixture("status_created"))
    adapter.publish(
        creds,
        OutgoingPost(
            text="See https://tulip.example/beans",
            idempotency_key="k",
            link="https://tulip.example/beans",
            reply_to_id="113554000000000000",
            language="nl",
        ),
    )
    assert json.loads(responses.calls[0].request.body) == {
        "status": "See https://tulip.example/beans",
        "in_reply_to_id": "113554000000000000",
        "language": "nl",
    }
    check_contract()


@responses.activate
def test_publish_with_image_and_video_polls_processing(
    adapter: MastodonAdapter, creds: Credentials, tmp_path: Path
) -> None:
    image = tmp_path / "beans.png"
    image.write_bytes(b"\x89PNG fake")
    video = tmp_path / "roast.mp4"
    video.write_bytes(b"fake mp4")
    responses.post(f"{API}/v2/media", json=fixture("media_200"))
    responses.post(f"{API}/v2/media", status=202, json=fixture("media_202"))
    responses.get(f"{API}/v1/media/22348642", status=206)
    responses.get(f"{API}/v1/media/22348642", json=fixture("media_ready"))
    responses.post(f"{API}/v1/statuses", json=fixture("status_created"))
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Beans",
            idempotency_key="k",
            media=(
                MediaFile(content_type="image/png", path=str(image), alt_text="A bag of beans"),
                MediaFile(content_type="video/mp4", path=str(video), alt_text="Roasting video"),
            ),
        ),
    )
    assert result.external_id == "113555000000000001"
    upload = responses.calls[0].request
    assert upload.headers["Authorization"] == "Bearer masto-token"
    assert b'name="description"\r\n\r\nA bag of beans' in upload.body
    assert b'filename="beans.png"' in upload.body
    assert json.loads(responses.calls[4].request.body)["media_ids"] == ["22348641", "22348642"]
    for call in responses.calls:
        if call.request.method == "GET" and call.response.status_code == 206:
            continue  # 206 has no body in the contract either
        contract_openapi.validate_call(SPEC, call)


@responses.activate
def test_publish_first_comment_and_its_failure(
    adapter: MastodonAdapter, creds: Credentials, post: OutgoingPost
) -> None:
    responses.post(f"{API}/v1/statuses", json=fixture("status_created"))
    responses.post(f"{API}/v1/statuses", json=fixture("status_first_comment"))
    with_comment = OutgoingPost(text="Fresh", idempotency_key="k", first_comment="Shop link in bio")
    result = adapter.publish(creds, with_comment)
    assert result.first_comment_id == "113555000000000002" and not result.first_comment_error
    comment_request = responses.calls[1].request
    assert json.loads(comment_request.body) == {
        "status": "Shop link in bio",
        "in_reply_to_id": "113555000000000001",
    }
    assert comment_request.headers["Idempotency-Key"] == "k:first-comment"
    check_contract()

    responses.reset()
    responses.post(f"{API}/v1/statuses", json=fixture("status_created"))
    responses.post(f"{API}/v1/statuses", status=422, json=fixture("error_422"))
    result = adapter.publish(creds, with_comment)
    assert result.external_id == "113555000000000001"
    assert result.first_comment_id is None
    assert result.first_comment_error == "Validation failed: Text character limit of 500 exceeded"


@responses.activate
def test_get_post(adapter: MastodonAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/v1/statuses/113555000000000001", json=fixture("status_created"))
    found = adapter.get_post(creds, "113555000000000001")
    assert found is not None
    assert found.text == "Fresh beans are in!\n\nhttps://tulip.example/beans"
    assert found.created_at == datetime(2026, 11, 29, 10, 0, 1, tzinfo=UTC)
    check_contract()


@responses.activate
def test_get_post_deleted_is_none(adapter: MastodonAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/v1/statuses/1", status=404, json=fixture("error_404"))
    assert adapter.get_post(creds, "1") is None


@responses.activate
def test_find_recent_post_matches_own_status(
    adapter: MastodonAdapter, creds: Credentials, post: OutgoingPost
) -> None:
    responses.get(f"{API}/v1/accounts/109384/statuses", json=fixture("account_statuses"))
    found = adapter.find_recent_post(creds, post, since=NOW)
    assert found is not None and found.external_id == "113555000000000001"
    assert parse_qs(urlsplit(responses.calls[0].request.url).query)["exclude_reblogs"] == ["true"]
    check_contract()


@responses.activate
def test_find_recent_post_stops_at_since(adapter: MastodonAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/v1/accounts/109384/statuses", json=fixture("account_statuses"))
    missing = OutgoingPost(text="Yesterday's post", idempotency_key="k")
    assert adapter.find_recent_post(creds, missing, since=NOW) is None


@responses.activate
def test_fetch_post_metrics(adapter: MastodonAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/v1/statuses/113555000000000001", json=fixture("status_created"))
    responses.get(f"{API}/v1/statuses/404", status=404, json=fixture("error_404"))
    [metrics] = adapter.fetch_post_metrics(creds, ["113555000000000001", "404"])
    assert metrics.values == {"likes": 12, "shares": 3, "comments": 2, "quotes": 1}
    assert metrics.raw["favourites_count"] == 12


@responses.activate
def test_fetch_account_metrics(adapter: MastodonAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/v1/accounts/verify_credentials", json=fixture("verify_credentials"))
    metrics = adapter.fetch_account_metrics(creds)
    assert metrics.values == {"followers": 1520, "following": 210, "posts": 342}


@responses.activate
def test_fetch_inbox_first_poll_and_cursor(adapter: MastodonAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/v1/notifications", json=fixture("notifications"))
    page = adapter.fetch_inbox(creds, cursor=None)
    assert [i.external_id for i in page.items] == [
        "113556000000000010",
        "113556000000000011",
        "113556000000000012",
    ]
    assert [i.kind for i in page.items] == ["mention", "comment", "message"]
    comment = page.items[1]
    assert comment.post_external_id == "113555000000000001"
    assert comment.text == "@tulip love these & more"
    assert comment.author.handle == "@maria@other.example"
    assert page.cursor == "34975903"
    query = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert query["types[]"] == ["mention"] and "min_id" not in query
    check_contract()

    responses.reset()
    responses.get(f"{API}/v1/notifications", json=fixture("notifications_newer"))
    newer = adapter.fetch_inbox(creds, cursor=page.cursor)
    assert [i.external_id for i in newer.items] == ["113556000000000013"]
    assert newer.cursor == "34975904"
    assert parse_qs(urlsplit(responses.calls[0].request.url).query)["min_id"] == ["34975903"]
    check_contract()

    responses.reset()
    responses.get(f"{API}/v1/notifications", json=[])
    assert adapter.fetch_inbox(creds, cursor="34975904") == type(newer)(items=(), cursor="34975904")


@responses.activate
def test_reply_to_dm_stays_direct(adapter: MastodonAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/v1/notifications", json=fixture("notifications"))
    dm = adapter.fetch_inbox(creds, cursor=None).items[2]
    responses.post(f"{API}/v1/statuses", json=fixture("reply_status"))
    result = adapter.reply(creds, dm, "Sorry! We will resend it.")
    assert result.external_id == "113556000000000020"
    request = responses.calls[1].request
    assert json.loads(request.body) == {
        "status": "@maria@other.example Sorry! We will resend it.",
        "in_reply_to_id": "113556000000000012",
        "visibility": "direct",
    }
    assert request.headers["Idempotency-Key"].startswith("reply-")
    check_contract()


@responses.activate
def test_reply_to_mention(adapter: MastodonAdapter, creds: Credentials) -> None:
    responses.post(f"{API}/v1/statuses", json=fixture("reply_status"))
    item = InboxItem(
        external_id="113556000000000010",
        kind="mention",
        author=InboxAuthor(external_id="110001", handle="@maria@other.example"),
        text="do you ship to Ghent?",
        created_at=NOW,
        reply_to="113556000000000010",
    )
    adapter.reply(creds, item, "@maria@other.example we do!")
    assert json.loads(responses.calls[0].request.body) == {
        "status": "@maria@other.example we do!",
        "in_reply_to_id": "113556000000000010",
    }


# --- errors ---------------------------------------------------------------------------------


@responses.activate
def test_401_is_auth_expired(
    adapter: MastodonAdapter, creds: Credentials, post: OutgoingPost
) -> None:
    responses.post(f"{API}/v1/statuses", status=401, json=fixture("error_401"))
    with pytest.raises(AuthExpired) as err:
        adapter.publish(creds, post)
    assert "masto-token" not in str(err.value)


@responses.activate
@time_machine.travel(NOW, tick=False)
def test_429_uses_rate_limit_reset(
    adapter: MastodonAdapter, creds: Credentials, post: OutgoingPost
) -> None:
    responses.post(
        f"{API}/v1/statuses",
        status=429,
        json=fixture("error_429"),
        headers={"X-RateLimit-Reset": "2026-11-29T10:05:00.000Z", "X-RateLimit-Remaining": "0"},
    )
    with pytest.raises(RateLimited) as err:
        adapter.publish(creds, post)
    assert err.value.retry_after == 300


@responses.activate
def test_422_is_rejected_with_reason(
    adapter: MastodonAdapter, creds: Credentials, post: OutgoingPost
) -> None:
    responses.post(f"{API}/v1/statuses", status=422, json=fixture("error_422"))
    with pytest.raises(Rejected) as err:
        adapter.publish(creds, post)
    assert err.value.reason == "Validation failed: Text character limit of 500 exceeded"
    assert not err.value.duplicate


@responses.activate
def test_5xx_is_transient(adapter: MastodonAdapter, creds: Credentials, post: OutgoingPost) -> None:
    responses.post(f"{API}/v1/statuses", status=503, body="<html>Bad gateway</html>")
    with pytest.raises(TransientError):
        adapter.publish(creds, post)


@pytest.mark.parametrize("exc", [requests.ConnectionError("down"), requests.Timeout("slow")])
@responses.activate
def test_network_errors_are_transient(
    adapter: MastodonAdapter, creds: Credentials, post: OutgoingPost, exc: Exception
) -> None:
    responses.post(f"{API}/v1/statuses", body=exc)
    with pytest.raises(TransientError):
        adapter.publish(creds, post)


@pytest.mark.parametrize("body", ["not json", "[]", '{"uri": "x"}'])
@responses.activate
def test_malformed_body_is_transient(
    adapter: MastodonAdapter, creds: Credentials, post: OutgoingPost, body: str
) -> None:
    responses.post(f"{API}/v1/statuses", body=body, content_type="application/json")
    with pytest.raises(TransientError):
        adapter.publish(creds, post)


@responses.activate
def test_malformed_inbox_is_transient(adapter: MastodonAdapter, creds: Credentials) -> None:
    responses.get(f"{API}/v1/notifications", json={"error": "oops"}, status=200)
    with pytest.raises(TransientError):
        adapter.fetch_inbox(creds, cursor=None)


def test_urls_can_be_overridden() -> None:
    adapter = MastodonAdapter(
        PlatformConfig(urls={"authorize": "http://localhost:9000/oauth/authorize"})
    )
    request = adapter.authorization_request(state="s", instance_url=HOST)
    assert request.url.startswith("http://localhost:9000/oauth/authorize?")


# --- resumable publishing (OutgoingPost.steps / record_step) ------------------------------------


def _media(tmp_path: Path) -> tuple[MediaFile, MediaFile]:
    image = tmp_path / "beans.png"
    image.write_bytes(b"\x89PNG fake")
    video = tmp_path / "roast.mp4"
    video.write_bytes(b"fake mp4")
    return (
        MediaFile(content_type="image/png", path=str(image), alt_text="A bag of beans"),
        MediaFile(content_type="video/mp4", path=str(video)),
    )


@responses.activate
def test_publish_records_each_step_in_order(
    adapter: MastodonAdapter, creds: Credentials, tmp_path: Path
) -> None:
    responses.post(f"{API}/v2/media", json=fixture("media_200"))
    responses.post(f"{API}/v2/media", status=202, json=fixture("media_202"))
    responses.get(f"{API}/v1/media/22348642", json=fixture("media_ready"))
    responses.post(f"{API}/v1/statuses", json=fixture("status_created"))
    responses.post(f"{API}/v1/statuses", json=fixture("status_first_comment"))
    recorded: list[tuple[str, str]] = []
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Beans",
            idempotency_key="k",
            media=_media(tmp_path),
            first_comment="Shop link in bio",
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert recorded == [
        ("media:0", "22348641"),
        ("upload:1", "22348642"),
        ("media:1", "22348642"),
        ("post", "113555000000000001"),
        ("first_comment", "113555000000000002"),
    ]
    assert result.first_comment_id == "113555000000000002"
    check_contract()


@responses.activate
def test_resume_does_not_upload_recorded_media_again(
    adapter: MastodonAdapter, creds: Credentials, tmp_path: Path
) -> None:
    # The video was accepted (202) by an earlier attempt that then stopped: poll, don't upload.
    responses.get(f"{API}/v1/media/22348642", status=206)
    responses.get(f"{API}/v1/media/22348642", json=fixture("media_ready"))
    responses.post(f"{API}/v1/statuses", json=fixture("status_created"))
    recorded: list[tuple[str, str]] = []
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Beans",
            idempotency_key="k",
            media=_media(tmp_path),
            steps={"media:0": "22348641", "upload:1": "22348642"},
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert result.external_id == "113555000000000001"
    assert [(c.request.method, urlsplit(c.request.url).path) for c in responses.calls] == [
        ("GET", "/api/v1/media/22348642"),
        ("GET", "/api/v1/media/22348642"),
        ("POST", "/api/v1/statuses"),
    ]
    assert json.loads(responses.calls[2].request.body)["media_ids"] == ["22348641", "22348642"]
    assert recorded == [("media:1", "22348642"), ("post", "113555000000000001")]


@responses.activate
def test_resume_uploads_again_when_the_instance_lost_the_media(
    adapter: MastodonAdapter, creds: Credentials, tmp_path: Path
) -> None:
    responses.get(f"{API}/v1/media/22348642", status=404, json=fixture("error_404"))
    responses.post(f"{API}/v2/media", json=fixture("media_200"))
    responses.post(f"{API}/v1/statuses", json=fixture("status_created"))
    image, _video = _media(tmp_path)
    adapter.publish(
        creds,
        OutgoingPost(
            text="Beans", idempotency_key="k", media=(image,), steps={"upload:0": "22348642"}
        ),
    )
    assert [c.request.method for c in responses.calls] == ["GET", "POST", "POST"]
    assert json.loads(responses.calls[2].request.body)["media_ids"] == ["22348641"]


@responses.activate
def test_resume_after_post_only_posts_the_first_comment(
    adapter: MastodonAdapter, creds: Credentials, tmp_path: Path
) -> None:
    responses.get(f"{API}/v1/statuses/113555000000000001", json=fixture("status_created"))
    responses.post(f"{API}/v1/statuses", json=fixture("status_first_comment"))
    recorded: list[tuple[str, str]] = []
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Beans",
            idempotency_key="k",
            media=_media(tmp_path),
            first_comment="Shop link in bio",
            steps={"media:0": "22348641", "media:1": "22348642", "post": "113555000000000001"},
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert result.external_id == "113555000000000001"
    assert result.url == "https://social.example/@tulip/113555000000000001"
    assert result.first_comment_id == "113555000000000002"
    assert [(c.request.method, urlsplit(c.request.url).path) for c in responses.calls] == [
        ("GET", "/api/v1/statuses/113555000000000001"),
        ("POST", "/api/v1/statuses"),
    ]
    assert json.loads(responses.calls[1].request.body)["in_reply_to_id"] == "113555000000000001"
    assert responses.calls[1].request.headers["Idempotency-Key"] == "k:first-comment"
    assert recorded == [("first_comment", "113555000000000002")]
    check_contract()


@responses.activate
def test_resume_with_everything_done_calls_nothing_that_writes(
    adapter: MastodonAdapter, creds: Credentials
) -> None:
    responses.get(f"{API}/v1/statuses/113555000000000001", status=503)
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Beans",
            idempotency_key="k",
            first_comment="Shop link in bio",
            steps={"post": "113555000000000001", "first_comment": "113555000000000002"},
        ),
    )
    assert (result.external_id, result.first_comment_id) == (
        "113555000000000001",
        "113555000000000002",
    )
    assert result.url == ""
    assert all(c.request.method == "GET" for c in responses.calls)


@responses.activate
def test_upload_failure_is_retryable_and_keeps_finished_steps(
    adapter: MastodonAdapter, creds: Credentials, tmp_path: Path
) -> None:
    responses.post(f"{API}/v2/media", json=fixture("media_200"))
    responses.post(f"{API}/v2/media", body=requests.ReadTimeout("slow"))
    recorded: list[tuple[str, str]] = []
    with pytest.raises(TransientError) as err:
        adapter.publish(
            creds,
            OutgoingPost(
                text="Beans",
                idempotency_key="k",
                media=_media(tmp_path),
                record_step=lambda key, value: recorded.append((key, value)),
            ),
        )
    assert err.value.sent is False  # no status was sent: the engine may retry and resume
    assert recorded == [("media:0", "22348641")]
    assert not any(urlsplit(c.request.url).path == "/api/v1/statuses" for c in responses.calls)


@responses.activate
def test_find_recent_post_uses_the_recorded_status(
    adapter: MastodonAdapter, creds: Credentials, post: OutgoingPost
) -> None:
    responses.get(f"{API}/v1/statuses/113555000000000001", json=fixture("status_created"))
    resumed = OutgoingPost(
        text=post.text, idempotency_key="k", steps={"post": "113555000000000001"}
    )
    found = adapter.find_recent_post(creds, resumed, since=NOW)
    assert found is not None and found.external_id == "113555000000000001"
    assert len(responses.calls) == 1


# --- deleting a status ----------------------------------------------------------------------


@responses.activate
def test_delete_post_deletes_the_status_and_its_media(
    adapter: MastodonAdapter, creds: Credentials
) -> None:
    responses.delete(f"{API}/v1/statuses/113555000000000001", json=fixture("status_deleted"))
    assert adapter.delete_post(creds, "113555000000000001") is None
    [call] = responses.calls
    assert call.request.method == "DELETE"
    assert urlsplit(call.request.url).path == "/api/v1/statuses/113555000000000001"
    assert parse_qs(urlsplit(call.request.url).query) == {"delete_media": ["true"]}
    assert call.request.headers["Authorization"] == "Bearer masto-token"
    assert not call.request.body
    check_contract()


@pytest.mark.parametrize("status", [404, 410])
@responses.activate
def test_delete_post_already_gone_is_quiet(
    adapter: MastodonAdapter, creds: Credentials, status: int
) -> None:
    responses.delete(f"{API}/v1/statuses/1", status=status, json=fixture("error_404"))
    assert adapter.delete_post(creds, "1") is None


@pytest.mark.parametrize(
    ("status", "body", "headers", "error"),
    [
        (401, fixture("error_401"), {}, AuthExpired),
        (403, {"error": "This action is outside the authorized scopes"}, {}, Rejected),
        (429, fixture("error_429"), {"X-RateLimit-Reset": "2026-11-29T10:30:00.000Z"}, RateLimited),
        (500, {"error": "Internal server error"}, {}, TransientError),
        (503, {"error": "Service unavailable"}, {}, TransientError),
    ],
)
@responses.activate
@time_machine.travel(NOW, tick=False)
def test_delete_post_errors(
    adapter: MastodonAdapter,
    creds: Credentials,
    status: int,
    body: dict[str, str],
    headers: dict[str, str],
    error: type[Exception],
) -> None:
    responses.delete(f"{API}/v1/statuses/1", status=status, json=body, headers=headers)
    with pytest.raises(error) as err:
        adapter.delete_post(creds, "1")
    assert "masto-token" not in str(err.value)
    if isinstance(err.value, RateLimited):
        assert err.value.retry_after == 30 * 60


@responses.activate
def test_delete_post_never_sends_a_delete_without_a_single_id(
    adapter: MastodonAdapter, creds: Credentials
) -> None:
    with pytest.raises(Rejected):
        adapter.delete_post(creds, "")
    responses.delete(f"{API}/v1/statuses/1%2F..%2F2", status=404, json=fixture("error_404"))
    adapter.delete_post(creds, "1/../2")
    assert urlsplit(responses.calls[0].request.url).path == "/api/v1/statuses/1%2F..%2F2"
