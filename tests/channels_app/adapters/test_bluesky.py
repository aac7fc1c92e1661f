"""BlueskyAdapter against recorded XRPC responses, checked against the AT Protocol lexicons.

Every request we send is validated against its lexicon (query params, JSON input, and the
app.bsky.feed.post record inside createRecord), and every recorded 2xx JSON body against the
method's output schema (see `contract_lexicon`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
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
    PlatformConfig,
    RateLimited,
    Rejected,
    TransientError,
)
from channels_app.adapters.bluesky import CHAT_PROXY, BlueskyAdapter
from tests.channels_app.adapters import contract_lexicon as lex

FIXTURES = Path(__file__).parent / "fixtures" / "bluesky"
PDS = "https://morel.us-east.host.bsky.network"
VIDEO = "https://video.bsky.app"
DID = "did:plc:tulipcoffee4kq7xwz3n2m5a"
POST_URI = f"at://{DID}/app.bsky.feed.post/3md4kqk2ais2b"
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
# The lexicon declares no parameters for uploadVideo, but the video tutorial (docs.bsky.app
# /docs/tutorials/video) sends ?did=...&name=...: documented extras, allowed by name only.
DOCUMENTED_EXTRA_PARAMS = {"app.bsky.video.uploadVideo": {"did", "name"}}


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def xrpc(nsid: str, base: str = PDS) -> str:
    return f"{base}/xrpc/{nsid}"


def _check_call(call: Any) -> None:
    """Validate one recorded exchange against the lexicons."""
    parts = urlsplit(call.request.url)
    if "/xrpc/" not in parts.path:
        return
    nsid = parts.path.rsplit("/xrpc/", 1)[1]
    expected_method = "GET" if lex.method_type(nsid) == "query" else "POST"
    assert call.request.method == expected_method, nsid
    extras = DOCUMENTED_EXTRA_PARAMS.get(nsid, set())
    params = {k: v for k, v in parse_qs(parts.query).items() if k not in extras}
    lex.validate_params(nsid, params)
    if expected_method == "POST" and lex.input_encoding(nsid) == "application/json":
        body = json.loads(call.request.body)
        lex.validate_input(nsid, body)
        if nsid == "com.atproto.repo.createRecord":
            lex.validate_record(body["record"], nsid=body["collection"])
    if not isinstance(call.response, requests.Response):
        return  # a simulated network error
    status = call.response.status_code
    if 200 <= status < 300 and "json" in call.response.headers.get("Content-Type", ""):
        body = call.response.json()
        if isinstance(body, dict) and "jobStatus" not in body and nsid.startswith("app.bsky.video"):
            return  # the bare-jobStatus variant the video service has been seen to send
        if isinstance(body, dict):
            lex.validate_output(nsid, body)


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
        for call in mock.calls:
            _check_call(call)


@pytest.fixture
def raw_rsps() -> Iterator[responses.RequestsMock]:
    """For deliberately malformed responses: no output check."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def adapter() -> BlueskyAdapter:
    a = BlueskyAdapter(PlatformConfig())
    a._sleep = lambda _seconds: None
    return a


@pytest.fixture
def creds() -> Credentials:
    return Credentials(
        account_id=DID,
        access_token="access-jwt",
        refresh_token="refresh-jwt",
        instance_url=PDS,
        extra={"handle": "tulip.coffee"},
    )


def body_of(call: Any) -> Any:
    return json.loads(call.request.body)


# --- the contract check itself ------------------------------------------------------------------


def test_lexicon_check_fails_on_wrong_fields() -> None:
    good = {"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2026-11-29T10:00:00.000Z"}
    lex.validate_record(good)
    bad_cases = [
        {**good, "txt": "typo"},
        {**good, "text": "x" * 301},
        {**good, "createdAt": "yesterday"},
        {**good, "langs": ["en", "nl", "fr", "de"]},
        {**good, "facets": [{"index": {"byteStart": 0}, "features": []}]},
        {
            **good,
            "facets": [
                {
                    "index": {"byteStart": 0, "byteEnd": 2},
                    "features": [{"$type": "app.bsky.richtext.facet#bogus"}],
                }
            ],
        },
        {**good, "embed": {"$type": "app.bsky.embed.images", "images": [{"image": {}}]}},
        {
            **good,
            "embed": {
                "$type": "app.bsky.embed.images",
                "images": [
                    {
                        "alt": "",
                        "image": {
                            "$type": "blob",
                            "ref": {"$link": "bafkreibabalobzn6cd366ukcs"},
                            "mimeType": "video/mp4",
                            "size": 3,
                        },
                    }
                ],
            },
        },
        {**good, "reply": {"root": {"uri": "https://x", "cid": "bafyreie5737gdxl"}}},
    ]
    for bad in bad_cases:
        with pytest.raises(lex.LexiconError):
            lex.validate_record(bad)
    with pytest.raises(lex.LexiconError):
        lex.validate_params("app.bsky.feed.getPosts", {"uri": ["at://x"]})
    with pytest.raises(lex.LexiconError):
        lex.validate_params("app.bsky.feed.getPosts", {"uris": [POST_URI] * 26})
    with pytest.raises(lex.LexiconError):
        lex.validate_output("app.bsky.actor.getProfile", {"did": DID, "followersCount": "3"})


# --- connect ------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_login_takes_pds_from_did_doc_and_expiry_from_jwt(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter
) -> None:
    rsps.post(
        xrpc("com.atproto.server.createSession", "https://bsky.social"), json=load("create_session")
    )
    rsps.get(xrpc("app.bsky.actor.getProfile"), json=load("get_profile"))

    account = adapter.login("tulip.coffee", "abcd-efgh-ijkl-mnop")

    assert body_of(rsps.calls[0]) == {
        "identifier": "tulip.coffee",
        "password": "abcd-efgh-ijkl-mnop",
    }
    c = account.credentials
    assert c.account_id == DID
    assert c.instance_url == PDS
    assert c.access_token == load("create_session")["accessJwt"]
    assert c.expires_at == datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert c.refresh_expires_at == datetime(2027, 2, 27, 10, 0, tzinfo=UTC)
    assert c.scopes == ("com.atproto.appPassPrivileged",)
    assert c.extra["handle"] == "tulip.coffee"
    profile_call = rsps.calls[1]
    assert profile_call.request.headers["Authorization"] == f"Bearer {c.access_token}"
    assert parse_qs(urlsplit(profile_call.request.url).query) == {"actor": [DID]}
    assert account.profile.handle == "tulip.coffee"
    assert account.profile.followers == 1289
    assert account.profile.url == "https://bsky.app/profile/tulip.coffee"
    assert "abcd" not in repr(account)


def test_login_without_did_doc_uses_the_service_url(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter
) -> None:
    session = load("create_session")
    del session["didDoc"]
    rsps.post(xrpc("com.atproto.server.createSession", "https://pds.example"), json=session)
    rsps.get(xrpc("app.bsky.actor.getProfile", "https://pds.example"), json=load("get_profile"))
    account = adapter.login("tulip.coffee", "pw", service_url="https://pds.example/")
    assert account.credentials.instance_url == "https://pds.example"


def test_login_of_an_account_the_appview_does_not_know_yet(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter
) -> None:
    """Seen against Bluesky's reference servers: right after an account is made, getProfile
    answers 400 "Profile not found" until the AppView has indexed it. The session is valid, so
    the account connects with the handle from the session."""
    rsps.post(
        xrpc("com.atproto.server.createSession", "https://bsky.social"), json=load("create_session")
    )
    rsps.get(
        xrpc("app.bsky.actor.getProfile"),
        json={"error": "InvalidRequest", "message": "Profile not found"},
        status=400,
    )
    account = adapter.login("tulip.coffee", "abcd-efgh-ijkl-mnop")
    assert account.credentials.account_id == DID
    assert (account.profile.account_id, account.profile.handle) == (DID, "tulip.coffee")
    assert account.profile.url == "https://bsky.app/profile/tulip.coffee"


@pytest.mark.parametrize(
    ("fixture", "status", "expected"),
    [
        ("error_bad_password", 401, "Invalid identifier or password"),
        ("error_auth_factor", 401, "app password"),
    ],
)
def test_login_refusals_are_rejected_with_a_reason(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, fixture: str, status: int, expected: str
) -> None:
    rsps.post(
        xrpc("com.atproto.server.createSession", "https://bsky.social"),
        json=load(fixture),
        status=status,
    )
    with pytest.raises(Rejected) as err:
        adapter.login("tulip.coffee", "secret-pass")
    assert expected in err.value.reason
    assert "secret-pass" not in str(err.value)


def test_oauth_is_not_supported(adapter: BlueskyAdapter) -> None:
    with pytest.raises(NotSupported, match="DPoP"):
        adapter.authorization_request(state="s")
    with pytest.raises(NotSupported):
        adapter.exchange_code(code="c")


@time_machine.travel(NOW, tick=False)
def test_refresh_rotates_both_tokens(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.post(xrpc("com.atproto.server.refreshSession"), json=load("refresh_session"))
    new = adapter.refresh_token(creds)
    assert rsps.calls[0].request.headers["Authorization"] == "Bearer refresh-jwt"
    assert new.access_token == load("refresh_session")["accessJwt"]
    assert new.refresh_token == load("refresh_session")["refreshJwt"]
    assert new.expires_at == datetime(2026, 11, 29, 13, 0, tzinfo=UTC)
    assert new.instance_url == PDS


def test_refresh_refused_is_auth_expired(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.post(
        xrpc("com.atproto.server.refreshSession"), json=load("error_expired_token"), status=400
    )
    with pytest.raises(AuthExpired) as err:
        adapter.refresh_token(creds)
    assert err.value.code == "ExpiredToken"
    with pytest.raises(AuthExpired):
        adapter.refresh_token(Credentials(account_id=DID, access_token="a", instance_url=PDS))


def test_fetch_profile(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(xrpc("app.bsky.actor.getProfile"), json=load("get_profile"))
    profile = adapter.fetch_profile(creds)
    assert (profile.account_id, profile.name) == (DID, "Tulip Coffee")
    assert profile.avatar_url.startswith("https://cdn.bsky.app/")


# --- publish ------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_publish_text_with_facets_in_utf8_bytes(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(xrpc("com.atproto.identity.resolveHandle"), json=load("resolve_handle"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record"))
    text = "☕ Café with @beans.example.com! Menu: https://tulip.coffee/menu. #coffee #2026"
    result = adapter.publish(creds, OutgoingPost(text=text, idempotency_key="k1", language="nl"))

    assert parse_qs(urlsplit(rsps.calls[0].request.url).query) == {"handle": ["beans.example.com"]}
    body = body_of(rsps.calls[1])
    assert rsps.calls[1].request.headers["Authorization"] == "Bearer access-jwt"
    assert body["repo"] == DID and body["collection"] == "app.bsky.feed.post"
    record = body["record"]
    assert record["createdAt"] == "2026-11-29T10:00:00.000Z"
    assert record["langs"] == ["nl"]
    raw = text.encode("utf-8")
    spans = {
        f["features"][0]["$type"].rsplit("#", 1)[1]: raw[
            f["index"]["byteStart"] : f["index"]["byteEnd"]
        ]
        for f in record["facets"]
    }
    assert spans == {
        "mention": b"@beans.example.com",
        "link": b"https://tulip.coffee/menu",
        "tag": b"#coffee",
    }
    features = [f["features"][0] for f in record["facets"]]
    assert {
        "$type": "app.bsky.richtext.facet#mention",
        "did": "did:plc:roasterfriendq2w3e4r5t6y7",
    } in features
    assert {"$type": "app.bsky.richtext.facet#tag", "tag": "coffee"} in features
    assert result.external_id == POST_URI
    assert result.url == "https://bsky.app/profile/tulip.coffee/post/3md4kqk2ais2b"


def test_unknown_mention_stays_plain_text(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(
        xrpc("com.atproto.identity.resolveHandle"),
        status=400,
        json={"error": "InvalidRequest", "message": "Unable to resolve handle"},
    )
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record"))
    adapter.publish(creds, OutgoingPost(text="hi @nobody.example", idempotency_key="k"))
    assert "facets" not in body_of(rsps.calls[1])["record"]


def test_publish_images_uploads_blobs(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials, tmp_path: Path
) -> None:
    media = []
    for i in range(2):
        path = tmp_path / f"img{i}.jpg"
        path.write_bytes(b"\xff\xd8\xff")
        media.append(
            MediaFile(
                content_type="image/jpeg",
                path=str(path),
                size=3,
                width=1200,
                height=800,
                alt_text=f"Latte {i}",
            )
        )
        rsps.post(xrpc("com.atproto.repo.uploadBlob"), json=load("upload_blob"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record"))
    adapter.publish(
        creds,
        OutgoingPost(
            text="Two lattes", idempotency_key="k", media=tuple(media), link="https://tulip.coffee"
        ),
    )
    upload = rsps.calls[0].request
    assert upload.body == b"\xff\xd8\xff"
    assert upload.headers["Content-Type"] == "image/jpeg"
    embed = body_of(rsps.calls[2])["record"]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [i["alt"] for i in embed["images"]] == ["Latte 0", "Latte 1"]
    assert embed["images"][0]["aspectRatio"] == {"width": 1200, "height": 800}
    assert embed["images"][0]["image"] == load("upload_blob")["blob"]


def test_publish_link_builds_an_external_card(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record"))
    adapter.publish(
        creds,
        OutgoingPost(
            text="Our menu",
            idempotency_key="k",
            link="https://tulip.coffee/menu",
            link_title="Menu",
            link_description="Winter drinks",
        ),
    )
    assert body_of(rsps.calls[0])["record"]["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": "https://tulip.coffee/menu",
            "title": "Menu",
            "description": "Winter drinks",
        },
    }


def test_publish_refuses_five_images(adapter: BlueskyAdapter, creds: Credentials) -> None:
    images = tuple(MediaFile(content_type="image/png", path="/nope") for _ in range(5))
    with pytest.raises(Rejected, match="at most 4"):
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k", media=images))


def _video(tmp_path: Path) -> MediaFile:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18")
    return MediaFile(
        content_type="video/mp4",
        path=str(path),
        size=4,
        width=1080,
        height=1920,
        alt_text="Pouring",
    )


@time_machine.travel(NOW, tick=False)
def test_publish_video_uses_the_video_service(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials, tmp_path: Path
) -> None:
    rsps.get(xrpc("com.atproto.server.getServiceAuth"), json=load("service_auth"))
    rsps.post(xrpc("app.bsky.video.uploadVideo", VIDEO), json=load("upload_video"))
    rsps.get(xrpc("app.bsky.video.getJobStatus", VIDEO), json=load("job_status_encoding"))
    rsps.get(xrpc("app.bsky.video.getJobStatus", VIDEO), json=load("job_status_completed"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record"))
    adapter.publish(
        creds, OutgoingPost(text="Pour-over", idempotency_key="k", media=(_video(tmp_path),))
    )
    auth_params = parse_qs(urlsplit(rsps.calls[0].request.url).query)
    assert auth_params == {
        "aud": ["did:web:morel.us-east.host.bsky.network"],
        "lxm": ["com.atproto.repo.uploadBlob"],
        "exp": [str(int(NOW.timestamp()) + 1800)],
    }
    upload = rsps.calls[1].request
    assert upload.headers["Authorization"] == f"Bearer {load('service_auth')['token']}"
    assert upload.headers["Content-Type"] == "video/mp4"
    assert parse_qs(urlsplit(upload.url).query) == {"did": [DID], "name": ["clip.mp4"]}
    assert upload.body == b"\x00\x00\x00\x18"
    assert parse_qs(urlsplit(rsps.calls[2].request.url).query) == {"jobId": ["rRlQRgk4tWZ9oF9R"]}
    embed = body_of(rsps.calls[4])["record"]["embed"]
    assert embed == {
        "$type": "app.bsky.embed.video",
        "video": load("job_status_completed")["jobStatus"]["blob"],
        "alt": "Pouring",
        "aspectRatio": {"width": 1080, "height": 1920},
    }


def test_video_already_uploaded_and_bare_job_status(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials, tmp_path: Path
) -> None:
    rsps.get(xrpc("com.atproto.server.getServiceAuth"), json=load("service_auth"))
    rsps.post(
        xrpc("app.bsky.video.uploadVideo", VIDEO),
        json=load("error_video_already_exists"),
        status=409,
    )
    rsps.get(xrpc("app.bsky.video.getJobStatus", VIDEO), json=load("job_status_completed"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record"))
    adapter.publish(
        creds, OutgoingPost(text="again", idempotency_key="k", media=(_video(tmp_path),))
    )
    assert body_of(rsps.calls[3])["record"]["embed"]["$type"] == "app.bsky.embed.video"


def test_video_processing_failure_is_rejected(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials, tmp_path: Path
) -> None:
    rsps.get(xrpc("com.atproto.server.getServiceAuth"), json=load("service_auth"))
    rsps.post(xrpc("app.bsky.video.uploadVideo", VIDEO), json=load("upload_video")["jobStatus"])
    rsps.get(xrpc("app.bsky.video.getJobStatus", VIDEO), json=load("job_status_failed"))
    with pytest.raises(Rejected, match="Video is too long") as err:
        adapter.publish(
            creds, OutgoingPost(text="x", idempotency_key="k", media=(_video(tmp_path),))
        )
    assert err.value.code == "validation_failure"


def test_publish_reply_uses_root_of_parent_and_first_comment(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    parent = load("get_posts_parent")["posts"][0]
    rsps.get(xrpc("app.bsky.feed.getPosts"), json=load("get_posts_parent"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record_comment"))
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Try our Kenya AA",
            idempotency_key="k",
            reply_to_id=parent["uri"],
            first_comment="More at the shop",
        ),
    )
    assert parse_qs(urlsplit(rsps.calls[0].request.url).query) == {"uris": [parent["uri"]]}
    reply = body_of(rsps.calls[1])["record"]["reply"]
    assert reply == {
        "root": parent["record"]["reply"]["root"],
        "parent": {"uri": parent["uri"], "cid": parent["cid"]},
    }
    comment = body_of(rsps.calls[2])["record"]
    created = load("create_record")
    assert comment["text"] == "More at the shop"
    assert comment["reply"] == {
        "root": parent["record"]["reply"]["root"],
        "parent": {"uri": created["uri"], "cid": created["cid"]},
    }
    assert result.first_comment_id == load("create_record_comment")["uri"]


def test_reply_to_a_deleted_post_is_rejected(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(xrpc("app.bsky.feed.getPosts"), json={"posts": []})
    with pytest.raises(Rejected, match="no longer exists"):
        adapter.publish(creds, OutgoingPost(text="x", idempotency_key="k", reply_to_id=POST_URI))


def test_failed_first_comment_keeps_the_post(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("error_invalid_request"), status=400)
    result = adapter.publish(
        creds, OutgoingPost(text="Hello", idempotency_key="k", first_comment="x")
    )
    assert result.external_id == POST_URI
    assert result.first_comment_id is None
    assert "300 graphemes" in result.first_comment_error
    first = body_of(rsps.calls[1])["record"]["reply"]
    assert (
        first["root"] == first["parent"] == {"uri": POST_URI, "cid": load("create_record")["cid"]}
    )


# --- errors -------------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("status", "payload", "headers", "error", "check"),
    [
        (400, "error_expired_token", {}, AuthExpired, {"code": "ExpiredToken"}),
        (401, "error_bad_token_scope", {}, AuthExpired, {"code": "InvalidToken"}),
        (
            429,
            "error_rate_limit",
            {"RateLimit-Reset": str(int(NOW.timestamp()) + 120)},
            RateLimited,
            {"retry_after": 120},
        ),
        (400, "error_invalid_request", {}, Rejected, {"duplicate": False}),
        (502, None, {}, TransientError, {"status": 502}),
    ],
)
def test_error_mapping(
    rsps: responses.RequestsMock,
    adapter: BlueskyAdapter,
    creds: Credentials,
    status: int,
    payload: str | None,
    headers: dict[str, str],
    error: type,
    check: dict[str, Any],
) -> None:
    kwargs: dict[str, Any] = {"json": load(payload)} if payload else {"body": "Bad Gateway"}
    rsps.post(xrpc("com.atproto.repo.createRecord"), status=status, headers=headers, **kwargs)
    with pytest.raises(error) as err:
        adapter.publish(creds, OutgoingPost(text="Hello", idempotency_key="k"))
    for attr, value in check.items():
        assert getattr(err.value, attr) == value
    if error is Rejected:
        assert "300 graphemes" in err.value.reason
    assert "access-jwt" not in str(err.value)


@pytest.mark.parametrize("exc", [requests.ConnectionError("down"), requests.Timeout("slow")])
def test_network_errors_are_transient(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials, exc: Exception
) -> None:
    rsps.get(xrpc("app.bsky.feed.getPosts"), body=exc)
    with pytest.raises(TransientError):
        adapter.get_post(creds, POST_URI)


@pytest.mark.parametrize(
    "kwargs",
    [{"body": "<html>oops</html>"}, {"json": ["not", "an", "object"]}, {"json": {"commit": {}}}],
)
def test_malformed_success_body_is_transient(
    raw_rsps: responses.RequestsMock,
    adapter: BlueskyAdapter,
    creds: Credentials,
    kwargs: dict[str, Any],
) -> None:
    raw_rsps.post(xrpc("com.atproto.repo.createRecord"), status=200, **kwargs)
    with pytest.raises(TransientError):
        adapter.publish(creds, OutgoingPost(text="Hello", idempotency_key="k"))


# --- reconcile ----------------------------------------------------------------------------------


def test_get_post_found_and_gone(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(xrpc("app.bsky.feed.getPosts"), json=load("get_posts_metrics"))
    rsps.get(xrpc("app.bsky.feed.getPosts"), json={"posts": []})
    post = adapter.get_post(creds, POST_URI)
    assert post is not None
    assert post.text == "New beans are in! ☕ #coffee"
    assert post.created_at == datetime(2026, 11, 29, 9, 59, 58, tzinfo=UTC)
    assert adapter.get_post(creds, POST_URI) is None


def test_find_recent_post_skips_reposts_and_matches_text(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(xrpc("app.bsky.feed.getAuthorFeed"), json=load("get_author_feed"))
    found = adapter.find_recent_post(
        creds,
        OutgoingPost(text="New beans are in! ☕ #coffee", idempotency_key="k"),
        since=datetime(2026, 11, 29, 9, 59, tzinfo=UTC),
    )
    assert found is not None and found.external_id == POST_URI
    assert parse_qs(urlsplit(rsps.calls[0].request.url).query) == {"actor": [DID], "limit": ["50"]}


def test_find_recent_post_stops_at_older_posts(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(xrpc("app.bsky.feed.getAuthorFeed"), json=load("get_author_feed"))
    assert (
        adapter.find_recent_post(
            creds,
            OutgoingPost(text="Closed on Sunday.", idempotency_key="k"),
            since=datetime(2026, 11, 28, tzinfo=UTC),
        )
        is None
    )


# --- measure ------------------------------------------------------------------------------------


def test_post_metrics_batch_25_uris(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(xrpc("app.bsky.feed.getPosts"), json=load("get_posts_metrics"))
    rsps.get(xrpc("app.bsky.feed.getPosts"), json={"posts": []})
    ids = [POST_URI] + [f"at://{DID}/app.bsky.feed.post/3md2aaaaaa{i:03d}" for i in range(29)]
    metrics = adapter.fetch_post_metrics(creds, ids)
    sizes = [len(parse_qs(urlsplit(c.request.url).query)["uris"]) for c in rsps.calls]
    assert sizes == [25, 5]
    first = metrics[0]
    assert first.external_id == POST_URI
    assert first.values == {"likes": 14, "shares": 3, "comments": 2, "quotes": 1, "saves": 5}
    assert first.raw["likeCount"] == 14
    assert "impressions" not in first.values


def test_account_metrics(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(xrpc("app.bsky.actor.getProfile"), json=load("get_profile"))
    metrics = adapter.fetch_account_metrics(creds)
    assert metrics.values == {"followers": 1289, "following": 311, "posts": 742}


# --- webcare ------------------------------------------------------------------------------------


def test_inbox_first_page_then_only_newer(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(xrpc("app.bsky.notification.listNotifications"), json=load("list_notifications"))
    rsps.get(xrpc("chat.bsky.convo.listConvos"), json=load("list_convos"))
    rsps.get(xrpc("chat.bsky.convo.getMessages"), json=load("get_messages"))

    page = adapter.fetch_inbox(creds, cursor=None)

    params = parse_qs(urlsplit(rsps.calls[0].request.url).query)
    assert params == {"reasons": ["mention", "reply", "quote"], "limit": ["50"]}
    assert rsps.calls[1].request.headers["atproto-proxy"] == CHAT_PROXY
    assert rsps.calls[2].request.headers["atproto-proxy"] == CHAT_PROXY
    assert [(i.kind, i.text) for i in page.items] == [
        ("comment", "Are they washed or natural?"),
        ("mention", "Morning @tulip.coffee!"),
        ("mention", "Best beans in town"),
        ("message", "Do you ship to Ghent?"),
    ]
    comment, mention, quote, message = page.items
    assert comment.post_external_id == POST_URI and comment.thread_id == POST_URI
    assert comment.reply_to == comment.external_id
    assert comment.author.handle == "beans.example.com"
    assert quote.post_external_id == POST_URI
    assert mention.url == "https://bsky.app/profile/fan.bsky.social/post/3md4m2ment22a"
    assert (message.thread_id, message.reply_to) == ("3l6xconvo7b2a", "3l6xconvo7b2a")
    assert message.author.handle == "fan.bsky.social"
    assert json.loads(page.cursor or "") == {
        "n": "2026-11-29T10:30:01+00:00",
        "m": "2026-11-29T10:40:00+00:00",
    }

    # Next poll: only the newer mention; DMs fail (app password without DM access) and are skipped.
    rsps.get(xrpc("app.bsky.notification.listNotifications"), json=load("list_notifications_newer"))
    rsps.get(xrpc("chat.bsky.convo.listConvos"), json=load("error_bad_token_scope"), status=400)
    newer = adapter.fetch_inbox(creds, cursor=page.cursor)
    assert [i.text for i in newer.items] == ["@tulip.coffee open today?"]
    assert json.loads(newer.cursor or "")["m"] == "2026-11-29T10:40:00+00:00"


def test_inbox_auth_failure_on_notifications_is_raised(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(
        xrpc("app.bsky.notification.listNotifications"),
        json=load("error_expired_token"),
        status=400,
    )
    with pytest.raises(AuthExpired):
        adapter.fetch_inbox(creds, cursor=None)


def test_reply_to_a_comment_and_to_a_message(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    parent = load("get_posts_parent")["posts"][0]
    rsps.get(xrpc("app.bsky.feed.getPosts"), json=load("get_posts_parent"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record_comment"))
    rsps.post(xrpc("chat.bsky.convo.sendMessage"), json=load("send_message"))
    author = InboxAuthor(external_id="did:plc:roasterfriendq2w3e4r5t6y7")
    comment = InboxItem(
        external_id=parent["uri"],
        kind="reply",
        author=author,
        text="?",
        created_at=NOW,
        reply_to=parent["uri"],
    )
    result = adapter.reply(creds, comment, "Washed!")
    record = body_of(rsps.calls[1])["record"]
    assert record["reply"]["parent"] == {"uri": parent["uri"], "cid": parent["cid"]}
    assert record["reply"]["root"] == parent["record"]["reply"]["root"]
    assert result.url == "https://bsky.app/profile/tulip.coffee/post/3md4kqkbz4k2c"

    message = InboxItem(
        external_id="3md4o2msgin22",
        kind="message",
        author=author,
        text="?",
        created_at=NOW,
        thread_id="3l6xconvo7b2a",
        reply_to="3l6xconvo7b2a",
    )
    sent = adapter.reply(creds, message, "Yes, we ship to Belgium.")
    call = rsps.calls[2]
    assert call.request.headers["atproto-proxy"] == CHAT_PROXY
    assert body_of(call) == {
        "convoId": "3l6xconvo7b2a",
        "message": {"text": "Yes, we ship to Belgium."},
    }
    assert sent.external_id == "3md4q1sent2a2"


# --- resumable publishing (OutgoingPost.steps / record_step) ------------------------------------


def _images(tmp_path: Path, n: int) -> tuple[MediaFile, ...]:
    media = []
    for i in range(n):
        path = tmp_path / f"img{i}.jpg"
        path.write_bytes(b"\xff\xd8\xff")
        media.append(MediaFile(content_type="image/jpeg", path=str(path), alt_text=f"Latte {i}"))
    return tuple(media)


def test_publish_records_each_step_in_order(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials, tmp_path: Path
) -> None:
    rsps.post(xrpc("com.atproto.repo.uploadBlob"), json=load("upload_blob"))
    rsps.post(xrpc("com.atproto.repo.uploadBlob"), json=load("upload_blob"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record_comment"))
    recorded: list[tuple[str, str]] = []
    adapter.publish(
        creds,
        OutgoingPost(
            text="Two lattes",
            idempotency_key="k",
            media=_images(tmp_path, 2),
            first_comment="More at the shop",
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    blob = load("upload_blob")["blob"]
    assert [key for key, _ in recorded] == ["media:0", "media:1", "post", "first_comment"]
    assert json.loads(recorded[0][1]) == json.loads(recorded[1][1]) == blob
    assert recorded[2][1] == POST_URI
    assert recorded[3][1] == load("create_record_comment")["uri"]


def test_resume_reuses_recorded_blobs(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials, tmp_path: Path
) -> None:
    blob = load("upload_blob")["blob"]
    rsps.post(xrpc("com.atproto.repo.uploadBlob"), json=load("upload_blob"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record"))
    recorded: list[tuple[str, str]] = []
    adapter.publish(
        creds,
        OutgoingPost(
            text="Two lattes",
            idempotency_key="k",
            media=_images(tmp_path, 2),
            steps={"media:0": json.dumps(blob)},
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert [urlsplit(c.request.url).path for c in rsps.calls] == [
        "/xrpc/com.atproto.repo.uploadBlob",  # only the second image
        "/xrpc/com.atproto.repo.createRecord",
    ]
    images = body_of(rsps.calls[1])["record"]["embed"]["images"]
    assert [i["image"] for i in images] == [blob, blob]
    assert [key for key, _ in recorded] == ["media:1", "post"]


def test_resume_after_post_only_posts_the_first_comment(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials, tmp_path: Path
) -> None:
    rsps.get(xrpc("app.bsky.feed.getPosts"), json=load("get_posts_metrics"))
    rsps.post(xrpc("com.atproto.repo.createRecord"), json=load("create_record_comment"))
    recorded: list[tuple[str, str]] = []
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Two lattes",
            idempotency_key="k",
            media=_images(tmp_path, 1),
            first_comment="More at the shop",
            steps={"media:0": json.dumps(load("upload_blob")["blob"]), "post": POST_URI},
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert [urlsplit(c.request.url).path for c in rsps.calls] == [
        "/xrpc/app.bsky.feed.getPosts",
        "/xrpc/com.atproto.repo.createRecord",
    ]
    cid = load("get_posts_metrics")["posts"][0]["cid"]
    ref = {"uri": POST_URI, "cid": cid}
    assert body_of(rsps.calls[1])["record"]["reply"] == {"root": ref, "parent": ref}
    assert result.external_id == POST_URI
    assert result.first_comment_id == load("create_record_comment")["uri"]
    assert recorded == [("first_comment", load("create_record_comment")["uri"])]


def test_resume_with_everything_done_sends_nothing(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    result = adapter.publish(
        creds,
        OutgoingPost(
            text="Hello",
            idempotency_key="k",
            first_comment="x",
            steps={"post": POST_URI, "first_comment": f"{POST_URI}x"},
        ),
    )
    assert not rsps.calls
    assert result.url == "https://bsky.app/profile/tulip.coffee/post/3md4kqk2ais2b"


def test_upload_failure_is_retryable(
    raw_rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials, tmp_path: Path
) -> None:
    raw_rsps.post(xrpc("com.atproto.repo.uploadBlob"), status=502, body="bad gateway")
    with pytest.raises(TransientError) as err:
        adapter.publish(
            creds, OutgoingPost(text="x", idempotency_key="k", media=_images(tmp_path, 1))
        )
    assert err.value.sent is False


def test_find_recent_post_uses_the_recorded_post(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.get(xrpc("app.bsky.feed.getPosts"), json=load("get_posts_metrics"))
    post = OutgoingPost(text="other", idempotency_key="k", steps={"post": POST_URI})
    found = adapter.find_recent_post(creds, post, since=NOW)
    assert found is not None and found.external_id == POST_URI


def test_inbox_keeps_notifications_when_the_chat_service_fails(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    """Seen against Bluesky's reference PDS without a chat service: the proxied listConvos
    answers 500. The mentions and replies still come back; the DM part of the cursor does not
    move, so the messages are fetched once the chat service answers again."""
    rsps.get(xrpc("app.bsky.notification.listNotifications"), json=load("list_notifications"))
    rsps.get(
        xrpc("chat.bsky.convo.listConvos"),
        json={"error": "InternalServerError", "message": "Internal Server Error"},
        status=500,
    )
    page = adapter.fetch_inbox(creds, cursor=json.dumps({"m": "2026-11-29T10:40:00+00:00"}))
    assert page.items and all(item.kind != "message" for item in page.items)
    assert json.loads(page.cursor or "")["m"] == "2026-11-29T10:40:00+00:00"


# --- deleting a post ----------------------------------------------------------------------------


def test_delete_post_deletes_the_record_on_the_pds(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.post(xrpc("com.atproto.repo.deleteRecord"), json=load("delete_record"))
    assert adapter.delete_post(creds, POST_URI) is None
    [call] = rsps.calls
    assert call.request.headers["Authorization"] == "Bearer access-jwt"
    assert body_of(call) == {
        "repo": DID,
        "collection": "app.bsky.feed.post",
        "rkey": "3md4kqk2ais2b",
    }


def test_delete_post_accepts_a_uri_by_handle(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    rsps.post(xrpc("com.atproto.repo.deleteRecord"), json=load("delete_record"))
    adapter.delete_post(creds, "at://tulip.coffee/app.bsky.feed.post/3md4kqk2ais2b")
    assert body_of(rsps.calls[0])["repo"] == DID


def test_delete_post_already_gone_is_quiet(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials
) -> None:
    # deleteRecord "ensures the record doesn't exist": nothing to delete is a 200 without commit.
    rsps.post(xrpc("com.atproto.repo.deleteRecord"), json={})
    assert adapter.delete_post(creds, POST_URI) is None
    for status in (404, 410):
        rsps.post(
            xrpc("com.atproto.repo.deleteRecord"),
            status=status,
            json={"error": "RecordNotFound", "message": "Could not locate record"},
        )
        assert adapter.delete_post(creds, POST_URI) is None


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("status", "payload", "headers", "error"),
    [
        (400, load("error_expired_token"), {}, AuthExpired),
        (401, load("error_bad_token_scope"), {}, AuthExpired),
        (
            429,
            load("error_rate_limit"),
            {"RateLimit-Reset": str(int(NOW.timestamp()) + 120)},
            RateLimited,
        ),
        (400, {"error": "InvalidSwap", "message": "Record was at bafy..."}, {}, Rejected),
        (404, {"error": "NotFound", "message": "Not Found"}, {}, Rejected),
        (
            500,
            {"error": "InternalServerError", "message": "Internal Server Error"},
            {},
            TransientError,
        ),
        (503, None, {}, TransientError),
    ],
)
def test_delete_post_errors(
    rsps: responses.RequestsMock,
    adapter: BlueskyAdapter,
    creds: Credentials,
    status: int,
    payload: dict[str, str] | None,
    headers: dict[str, str],
    error: type[Exception],
) -> None:
    kwargs: dict[str, Any] = {"json": payload} if payload else {"body": "Service Unavailable"}
    rsps.post(xrpc("com.atproto.repo.deleteRecord"), status=status, headers=headers, **kwargs)
    with pytest.raises(error) as err:
        adapter.delete_post(creds, POST_URI)
    assert "access-jwt" not in str(err.value)
    if isinstance(err.value, RateLimited):
        assert err.value.retry_after == 120


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "3md4kqk2ais2b",
        f"at://{DID}/app.bsky.feed.post/",
        f"at://{DID}/app.bsky.feed.like/3md4kqk2ais2b",
        "at://did:plc:someoneelse000000000000/app.bsky.feed.post/3md4kqk2ais2b",
        f"at://{DID}/app.bsky.feed.post/3md4kqk2ais2b/extra",
    ],
)
def test_delete_post_refuses_what_is_not_our_post_without_a_call(
    rsps: responses.RequestsMock, adapter: BlueskyAdapter, creds: Credentials, uri: str
) -> None:
    with pytest.raises(Rejected):
        adapter.delete_post(creds, uri)
    assert not rsps.calls
