"""LinkedInAdapter against recorded responses in the shapes of LinkedIn's documentation.

LinkedIn publishes no machine-readable contract, so the recorded bodies follow the examples of
the Posts, Images, Videos, Comments, Organization Access Control, Share Statistics and Network
Sizes API pages (learn.microsoft.com/linkedin, view li-lms-2026-05)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

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
from channels_app.adapters.linkedin import (
    DEFAULT_API_VERSION,
    LinkedInAdapter,
    escape_little_text,
    unescape_little_text,
)

FIXTURES = Path(__file__).parent / "fixtures" / "linkedin"
API = "https://api.linkedin.com/rest"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
USERINFO = "https://api.linkedin.com/v2/userinfo"
ORG = "urn:li:organization:2414183"
PERSON = "urn:li:person:782bbtaQ"
SHARE = "urn:li:share:7401234567890123456"
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
ENC_ORG = "urn%3Ali%3Aorganization%3A2414183"
ENC_SHARE = "urn%3Ali%3Ashare%3A7401234567890123456"


def load(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
        for call in mock.calls:  # every versioned REST call carries the version headers
            if call.request.url.startswith(API):
                assert call.request.headers["LinkedIn-Version"] == DEFAULT_API_VERSION
                assert call.request.headers["X-Restli-Protocol-Version"] == "2.0.0"
                assert call.request.headers["Authorization"].startswith("Bearer ")


@pytest.fixture
def adapter() -> LinkedInAdapter:
    a = LinkedInAdapter(
        PlatformConfig(
            client_id="cid",
            client_secret="csecret",
            redirect_uri="https://ripple.example/oauth/linkedin/callback",
        )
    )
    a._sleep = lambda _seconds: None
    return a


@pytest.fixture
def org() -> Credentials:
    return Credentials(
        account_id=ORG,
        access_token="org-token",
        scopes=("w_organization_social",),
        extra={"member_urn": PERSON},
    )


@pytest.fixture
def member() -> Credentials:
    return Credentials(account_id=PERSON, access_token="member-token")


def body_of(call: Any) -> Any:
    return json.loads(call.request.body)


def query_of(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


# --- little text --------------------------------------------------------------------------------


def test_escape_little_text_escapes_every_reserved_character() -> None:
    text = r"a\b|c{d}e@f[g]h(i)j<k>l*m_n~o #tag #1"
    escaped = escape_little_text(text)
    assert escaped == (
        r"a\\b\|c\{d\}e\@f\[g\]h\(i\)j\<k\>l\*m\_n\~o {hashtag|\#|tag} {hashtag|\#|1}"
    )
    assert escape_little_text("#tag", hashtags=False) == r"\#tag"
    assert unescape_little_text(escaped) == text


# --- connect ------------------------------------------------------------------------------------


def test_authorization_request_url(adapter: LinkedInAdapter) -> None:
    req = adapter.authorization_request(state="st4te")
    parts = urlsplit(req.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://www.linkedin.com/oauth/v2/authorization"
    )
    q = parse_qs(parts.query)
    assert q["response_type"] == ["code"] and q["client_id"] == ["cid"] and q["state"] == ["st4te"]
    assert q["scope"] == [
        "openid profile email w_member_social r_organization_social w_organization_social "
        "rw_organization_admin"
    ]
    assert req.code_verifier is None
    member_only = LinkedInAdapter(PlatformConfig(options={"organization_scopes": "0"}))
    scope = parse_qs(urlsplit(member_only.authorization_request(state="s").url).query)["scope"]
    assert scope == ["openid profile email w_member_social"]


@time_machine.travel(NOW, tick=False)
def test_exchange_code_returns_member_and_administered_organizations(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter
) -> None:
    rsps.post(TOKEN_URL, json=load("token"))
    rsps.get(USERINFO, json=load("userinfo"))
    rsps.get(f"{API}/organizationAcls", json=load("organization_acls"))
    rsps.get(f"{API}/organizations/2414183", json=load("organization"))
    rsps.get(f"{API}/images/urn%3Ali%3Aimage%3AC4D0BAQGx1lcJgYuWXw", json=load("image"))

    accounts = adapter.exchange_code(code="AQTcode")

    token_form = parse_qs(rsps.calls[0].request.body)
    assert token_form == {
        "grant_type": ["authorization_code"],
        "code": ["AQTcode"],
        "redirect_uri": ["https://ripple.example/oauth/linkedin/callback"],
        "client_id": ["cid"],
        "client_secret": ["csecret"],
    }
    assert (
        rsps.calls[1].request.headers["Authorization"] == f"Bearer {load('token')['access_token']}"
    )
    assert query_of(rsps.calls[2]) == {
        "q": ["roleAssignee"],
        "role": ["ADMINISTRATOR"],
        "state": ["APPROVED"],
        "start": ["0"],
        "count": ["100"],
    }
    member, company = accounts
    assert member.credentials.account_id == PERSON
    assert member.credentials.expires_at == NOW + timedelta(days=60)
    assert member.credentials.refresh_token is None
    assert "w_organization_social" in member.credentials.scopes
    assert member.profile.name == "Anna de Vries"
    assert company.credentials.account_id == ORG
    assert company.credentials.extra["member_urn"] == PERSON
    assert company.profile.name == "Tulip Coffee"
    assert company.profile.url == "https://www.linkedin.com/company/tulip-coffee/"
    assert company.profile.avatar_url == load("image")["downloadUrl"]
    assert "AQXdSP" not in repr(accounts)


def test_exchange_code_member_only_skips_organizations(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter
) -> None:
    rsps.post(TOKEN_URL, json=load("token_member_only"))
    rsps.get(USERINFO, json=load("userinfo"))
    assert [a.credentials.account_id for a in adapter.exchange_code(code="c")] == [PERSON]


def test_exchange_code_refused(rsps: responses.RequestsMock, adapter: LinkedInAdapter) -> None:
    rsps.post(TOKEN_URL, json=load("error_token"), status=400)
    with pytest.raises(Rejected, match="authorization code expired") as err:
        adapter.exchange_code(code="old")
    assert "csecret" not in str(err.value)


@time_machine.travel(NOW, tick=False)
def test_refresh_with_refresh_token(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials
) -> None:
    rsps.post(TOKEN_URL, json=load("token_refreshed"))
    creds = Credentials(
        account_id=ORG,
        access_token="old",
        refresh_token="AQWrefreshtoken",
        extra={"member_urn": PERSON},
    )
    new = adapter.refresh_token(creds)
    assert parse_qs(rsps.calls[0].request.body) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["AQWrefreshtoken"],
        "client_id": ["cid"],
        "client_secret": ["csecret"],
    }
    assert new.access_token == "AQTnewaccesstoken"
    assert new.expires_at == NOW + timedelta(seconds=5184000)
    assert new.refresh_expires_at == NOW + timedelta(seconds=30000000)
    assert new.account_id == ORG and new.extra["member_urn"] == PERSON


def test_refresh_refused_is_auth_expired(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter
) -> None:
    rsps.post(TOKEN_URL, json=load("error_refresh"), status=400)
    creds = Credentials(account_id=ORG, access_token="old", refresh_token="bad")
    with pytest.raises(AuthExpired, match="refresh token is invalid"):
        adapter.refresh_token(creds)


@time_machine.travel(NOW, tick=False)
def test_without_refresh_token_valid_creds_stay_and_expired_ones_fail(
    adapter: LinkedInAdapter,
) -> None:
    valid = Credentials(account_id=PERSON, access_token="t", expires_at=NOW + timedelta(days=3))
    assert adapter.refresh_token(valid) is valid
    expired = Credentials(account_id=PERSON, access_token="t", expires_at=NOW - timedelta(1))
    with pytest.raises(AuthExpired):
        adapter.refresh_token(expired)


def test_fetch_profile_member_and_organization(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, member: Credentials, org: Credentials
) -> None:
    rsps.get(USERINFO, json=load("userinfo"))
    rsps.get(f"{API}/organizations/2414183", json={**load("organization"), "logoV2": None})
    assert adapter.fetch_profile(member).account_id == PERSON
    profile = adapter.fetch_profile(org)
    assert (profile.name, profile.avatar_url) == ("Tulip Coffee", "")


# --- publish ------------------------------------------------------------------------------------


def test_publish_text_with_first_comment(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials
) -> None:
    rsps.post(f"{API}/posts", status=201, body="", headers={"x-restli-id": SHARE})
    rsps.post(f"{API}/socialActions/{ENC_SHARE}/comments", status=201, json=load("comment_created"))
    result = adapter.publish(
        org,
        OutgoingPost(
            text="New beans (limited) #coffee",
            idempotency_key="k",
            first_comment="Order at tulip_coffee",
        ),
    )
    assert body_of(rsps.calls[0]) == {
        "author": ORG,
        "commentary": r"New beans \(limited\) {hashtag|\#|coffee}",
        "visibility": "PUBLIC",
        "distribution": {
            "feedDistribution": "MAIN_FEED",
            "targetEntities": [],
            "thirdPartyDistributionChannels": [],
        },
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    assert rsps.calls[0].request.headers["Authorization"] == "Bearer org-token"
    assert body_of(rsps.calls[1]) == {
        "actor": ORG,
        "object": SHARE,
        "message": {"text": r"Order at tulip\_coffee"},
    }
    assert result.external_id == SHARE
    assert result.url == f"https://www.linkedin.com/feed/update/{SHARE}/"
    assert result.first_comment_id == load("comment_created")["commentUrn"]


def test_failed_first_comment_keeps_the_post(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials
) -> None:
    rsps.post(f"{API}/posts", status=201, headers={"x-restli-id": SHARE})
    rsps.post(f"{API}/socialActions/{ENC_SHARE}/comments", status=403, json=load("error_403"))
    result = adapter.publish(org, OutgoingPost(text="x", idempotency_key="k", first_comment="c"))
    assert result.external_id == SHARE
    assert "Not enough permissions" in result.first_comment_error


def _images(tmp_path: Path, n: int) -> tuple[MediaFile, ...]:
    files = []
    for i in range(n):
        path = tmp_path / f"p{i}.png"
        path.write_bytes(b"\x89PNG" + bytes([i]))
        files.append(MediaFile(content_type="image/png", path=str(path), alt_text=f"Cup {i}"))
    return tuple(files)


def test_publish_single_image(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials, tmp_path: Path
) -> None:
    init = load("images_initialize")["value"]
    rsps.post(f"{API}/images", json=load("images_initialize"))
    rsps.put(init["uploadUrl"].split("?")[0], status=201)
    rsps.post(f"{API}/posts", status=201, headers={"x-restli-id": SHARE})
    adapter.publish(org, OutgoingPost(text="Cup", idempotency_key="k", media=_images(tmp_path, 1)))
    assert query_of(rsps.calls[0]) == {"action": ["initializeUpload"]}
    assert body_of(rsps.calls[0]) == {"initializeUploadRequest": {"owner": ORG}}
    assert rsps.calls[1].request.body == b"\x89PNG\x00"
    assert rsps.calls[1].request.headers["Authorization"] == "Bearer org-token"
    assert body_of(rsps.calls[2])["content"] == {"media": {"id": init["image"], "altText": "Cup 0"}}


def test_publish_multi_image(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials, tmp_path: Path
) -> None:
    init = load("images_initialize")["value"]
    for _ in range(2):
        rsps.post(f"{API}/images", json=load("images_initialize"))
        rsps.put(init["uploadUrl"].split("?")[0], status=201)
    rsps.post(f"{API}/posts", status=201, headers={"x-restli-id": SHARE})
    adapter.publish(org, OutgoingPost(text="Cups", idempotency_key="k", media=_images(tmp_path, 2)))
    assert body_of(rsps.calls[4])["content"] == {
        "multiImage": {
            "images": [
                {"id": init["image"], "altText": "Cup 0"},
                {"id": init["image"], "altText": "Cup 1"},
            ]
        }
    }


def test_publish_video_in_parts(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials, tmp_path: Path
) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(b"abcdef")
    video = MediaFile(content_type="video/mp4", path=str(path), size=6)
    init = load("videos_initialize")["value"]
    enc_video = "urn%3Ali%3Avideo%3AD5505AQH-oV1qvnFtKA"
    rsps.post(f"{API}/videos", json=load("videos_initialize"))
    rsps.put(init["uploadInstructions"][0]["uploadUrl"], headers={"ETag": "etag-1"})
    rsps.put(init["uploadInstructions"][1]["uploadUrl"], headers={"ETag": "etag-2"})
    rsps.post(f"{API}/videos", status=200, body="")
    rsps.get(f"{API}/videos/{enc_video}", json=load("video_processing"))
    rsps.get(f"{API}/videos/{enc_video}", json=load("video_available"))
    rsps.post(f"{API}/posts", status=201, headers={"x-restli-id": "urn:li:ugcPost:7401"})
    result = adapter.publish(
        org, OutgoingPost(text="Pour", idempotency_key="k", media=(video,), title="Pour-over")
    )
    assert body_of(rsps.calls[0]) == {
        "initializeUploadRequest": {
            "owner": ORG,
            "fileSizeBytes": 6,
            "uploadCaptions": False,
            "uploadThumbnail": False,
        }
    }
    assert [rsps.calls[1].request.body, rsps.calls[2].request.body] == [b"abcd", b"ef"]
    assert query_of(rsps.calls[3]) == {"action": ["finalizeUpload"]}
    assert body_of(rsps.calls[3]) == {
        "finalizeUploadRequest": {
            "video": init["video"],
            "uploadToken": "",
            "uploadedPartIds": ["etag-1", "etag-2"],
        }
    }
    assert body_of(rsps.calls[6])["content"] == {
        "media": {"id": init["video"], "title": "Pour-over"}
    }
    assert result.external_id == "urn:li:ugcPost:7401"


def test_publish_link_as_article(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, member: Credentials
) -> None:
    rsps.post(f"{API}/posts", status=201, headers={"x-restli-id": SHARE})
    adapter.publish(
        member,
        OutgoingPost(
            text="Menu",
            idempotency_key="k",
            link="https://tulip.coffee/menu",
            link_title="Menu",
            link_description="Winter",
        ),
    )
    body = body_of(rsps.calls[0])
    assert body["author"] == PERSON
    assert body["content"] == {
        "article": {"source": "https://tulip.coffee/menu", "title": "Menu", "description": "Winter"}
    }


def test_reply_to_id_is_not_supported(adapter: LinkedInAdapter, org: Credentials) -> None:
    with pytest.raises(NotSupported):
        adapter.publish(org, OutgoingPost(text="x", idempotency_key="k", reply_to_id=SHARE))


# --- errors -------------------------------------------------------------------------------------


@time_machine.travel(datetime(2026, 11, 29, 22, 30, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("status", "fixture", "headers", "error", "check"),
    [
        (401, "error_401", {}, AuthExpired, {"code": "65600"}),
        (429, "error_429", {}, RateLimited, {"retry_after": 90 * 60}),
        (429, "error_429", {"Retry-After": "30"}, RateLimited, {"retry_after": 30}),
        (422, "error_duplicate", {}, Rejected, {"duplicate": True, "code": "DUPLICATE_POST"}),
        (422, "error_422", {}, Rejected, {"duplicate": False}),
        (403, "error_403", {}, Rejected, {"duplicate": False, "status": 403}),
        (503, None, {}, TransientError, {"status": 503}),
    ],
)
def test_error_mapping(
    rsps: responses.RequestsMock,
    adapter: LinkedInAdapter,
    org: Credentials,
    status: int,
    fixture: str | None,
    headers: dict[str, str],
    error: type,
    check: dict[str, Any],
) -> None:
    kwargs: dict[str, Any] = {"json": load(fixture)} if fixture else {"body": "unavailable"}
    rsps.post(f"{API}/posts", status=status, headers=headers, **kwargs)
    with pytest.raises(error) as err:
        adapter.publish(org, OutgoingPost(text="x", idempotency_key="k"))
    for attr, value in check.items():
        assert getattr(err.value, attr) == value
    if fixture and error is Rejected:
        assert err.value.reason == load(fixture)["message"]
    assert "org-token" not in str(err.value)


@pytest.mark.parametrize("exc", [requests.ConnectionError("down"), requests.Timeout("slow")])
def test_network_errors_are_transient(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials, exc: Exception
) -> None:
    rsps.get(f"{API}/posts/{ENC_SHARE}", body=exc)
    with pytest.raises(TransientError):
        adapter.get_post(org, SHARE)


def test_malformed_bodies_are_transient(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials
) -> None:
    rsps.post(f"{API}/posts", status=201)  # no x-restli-id
    rsps.get(f"{API}/posts/{ENC_SHARE}", json=["not", "an", "object"])
    rsps.get(f"{API}/networkSizes/{ENC_ORG}", json={"size": 3})
    with pytest.raises(TransientError):
        adapter.publish(org, OutgoingPost(text="x", idempotency_key="k"))
    with pytest.raises(TransientError):
        adapter.get_post(org, SHARE)
    with pytest.raises(TransientError):
        adapter.fetch_account_metrics(org)


# --- reconcile ----------------------------------------------------------------------------------


def test_get_post_and_deleted(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials
) -> None:
    rsps.get(f"{API}/posts/{ENC_SHARE}", json=load("post"))
    rsps.get(f"{API}/posts/{ENC_SHARE}", status=404, json={"status": 404, "message": "Not Found"})
    post = adapter.get_post(org, SHARE)
    assert post is not None
    assert post.text == "New beans are in #coffee (limited)"
    assert post.created_at == datetime(2025, 11, 29, 10, 0, tzinfo=UTC)
    assert adapter.get_post(org, SHARE) is None


def test_find_recent_post(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials
) -> None:
    rsps.get(f"{API}/posts", json=load("posts_by_author"))
    rsps.get(f"{API}/posts", json=load("posts_by_author"))
    found = adapter.find_recent_post(
        org,
        OutgoingPost(text="New beans are  in #coffee (limited)", idempotency_key="k"),
        since=datetime(2025, 11, 29, 9, 0, tzinfo=UTC),
    )
    assert found is not None and found.external_id == SHARE
    call = rsps.calls[0]
    assert f"author={ENC_ORG}" in urlsplit(call.request.url).query
    assert query_of(call)["q"] == ["author"]
    assert call.request.headers["X-RestLi-Method"] == "FINDER"
    assert (
        adapter.find_recent_post(
            org,
            OutgoingPost(text="Closed on Sunday.", idempotency_key="k"),
            since=datetime(2025, 11, 29, tzinfo=UTC),
        )
        is None
    )


# --- measure ------------------------------------------------------------------------------------


def test_organization_post_metrics(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials
) -> None:
    rsps.get(f"{API}/organizationalEntityShareStatistics", json=load("share_statistics"))
    ugc = "urn:li:ugcPost:7401234567890999999"
    metrics = adapter.fetch_post_metrics(org, [SHARE, ugc])
    query = urlsplit(rsps.calls[0].request.url).query
    assert f"organizationalEntity={ENC_ORG}" in query
    assert f"shares=List({ENC_SHARE})" in query
    assert "ugcPosts=List(urn%3Ali%3AugcPost%3A7401234567890999999)" in query
    first = metrics[0]
    assert first.external_id == SHARE
    assert first.values == {
        "impressions": 1900,
        "reach": 1200,
        "clicks": 31,
        "likes": 40,
        "comments": 6,
        "shares": 4,
    }
    assert first.raw["engagement"] == 0.0421
    assert metrics[1].external_id == ugc


def test_member_post_metrics_from_social_metadata(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, member: Credentials
) -> None:
    rsps.get(f"{API}/socialMetadata/{ENC_SHARE}", json=load("social_metadata"))
    rsps.get(
        f"{API}/socialMetadata/urn%3Ali%3Ashare%3A1",
        status=404,
        json={"status": 404, "message": "Not found"},
    )
    metrics = adapter.fetch_post_metrics(member, [SHARE, "urn:li:share:1"])
    assert len(metrics) == 1
    assert metrics[0].values == {"likes": 15, "comments": 4}


def test_account_metrics(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials, member: Credentials
) -> None:
    rsps.get(f"{API}/networkSizes/{ENC_ORG}", json=load("network_sizes"))
    assert adapter.fetch_account_metrics(org).values == {"followers": 5321}
    assert query_of(rsps.calls[0]) == {"edgeType": ["COMPANY_FOLLOWED_BY_MEMBER"]}
    with pytest.raises(NotSupported):
        adapter.fetch_account_metrics(member)


# --- webcare ------------------------------------------------------------------------------------


def test_inbox_comments_oldest_first_then_only_newer(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials
) -> None:
    posts = load("posts_by_author")
    rsps.get(f"{API}/posts", json=posts)
    rsps.get(f"{API}/socialActions/{ENC_SHARE}/comments", json=load("comments"))
    rsps.get(
        f"{API}/socialActions/urn%3Ali%3Ashare%3A7390000000000000000/comments",
        json={"paging": {"start": 0, "count": 50, "total": 0, "links": []}, "elements": []},
    )
    page = adapter.fetch_inbox(org, cursor=None)
    assert [(i.kind, i.text) for i in page.items] == [
        ("comment", "Still available #beans?"),
        ("reply", "Thanks! I'll take two"),
    ]
    top, nested = page.items
    assert top.post_external_id == SHARE and top.thread_id == SHARE
    assert top.author == InboxAuthor(external_id="urn:li:person:9xyzFan1")
    assert nested.parent_external_id == top.external_id
    assert json.loads(page.cursor or "") == {"t": 1764414000000}

    rsps.get(f"{API}/posts", json={"elements": [posts["elements"][0]]})
    rsps.get(f"{API}/socialActions/{ENC_SHARE}/comments", json=load("comments"))
    assert adapter.fetch_inbox(org, cursor=page.cursor).items == ()


def test_reply_nests_under_the_top_level_comment(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials
) -> None:
    comments = load("comments")["elements"]
    rsps.post(f"{API}/socialActions/{ENC_SHARE}/comments", status=201, json=load("comment_created"))
    item = InboxItem(
        external_id=comments[0]["commentUrn"],
        kind="reply",
        author=InboxAuthor(external_id="urn:li:person:9xyzFan1"),
        text="t",
        created_at=NOW,
        thread_id=SHARE,
        post_external_id=SHARE,
        parent_external_id=comments[2]["commentUrn"],
        reply_to=comments[0]["commentUrn"],
    )
    result = adapter.reply(org, item, "Enjoy! :)")
    assert body_of(rsps.calls[0]) == {
        "actor": ORG,
        "object": SHARE,
        "message": {"text": r"Enjoy! :\)"},
        "parentComment": comments[2]["commentUrn"],
    }
    assert unquote(urlsplit(rsps.calls[0].request.url).path).endswith(f"{SHARE}/comments")
    assert result.external_id == load("comment_created")["commentUrn"]
    with pytest.raises(NotSupported):
        adapter.reply(
            org,
            InboxItem(external_id="m", kind="message", author=item.author, text="", created_at=NOW),
            "hi",
        )


# --- resumable publishing (OutgoingPost.steps / record_step) ------------------------------------


def test_publish_records_each_step_in_order(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials, tmp_path: Path
) -> None:
    init = load("images_initialize")["value"]
    for _ in range(2):
        rsps.post(f"{API}/images", json=load("images_initialize"))
        rsps.put(init["uploadUrl"].split("?")[0], status=201)
    rsps.post(f"{API}/posts", status=201, headers={"x-restli-id": SHARE})
    rsps.post(f"{API}/socialActions/{ENC_SHARE}/comments", status=201, json=load("comment_created"))
    recorded: list[tuple[str, str]] = []
    adapter.publish(
        org,
        OutgoingPost(
            text="Cups",
            idempotency_key="k",
            media=_images(tmp_path, 2),
            first_comment="Order now",
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert recorded == [
        ("media:0", init["image"]),
        ("media:1", init["image"]),
        ("post", SHARE),
        ("first_comment", load("comment_created")["commentUrn"]),
    ]


def test_resume_skips_recorded_images(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials, tmp_path: Path
) -> None:
    init = load("images_initialize")["value"]
    rsps.post(f"{API}/images", json=load("images_initialize"))
    rsps.put(init["uploadUrl"].split("?")[0], status=201)
    rsps.post(f"{API}/posts", status=201, headers={"x-restli-id": SHARE})
    recorded: list[tuple[str, str]] = []
    adapter.publish(
        org,
        OutgoingPost(
            text="Cups",
            idempotency_key="k",
            media=_images(tmp_path, 2),
            steps={"media:0": "urn:li:image:C4E10AQFirstOne"},
            record_step=lambda key, value: recorded.append((key, value)),
        ),
    )
    assert len(rsps.calls) == 3  # one initializeUpload + PUT (the second image), then the post
    assert body_of(rsps.calls[2])["content"]["multiImage"]["images"] == [
        {"id": "urn:li:image:C4E10AQFirstOne", "altText": "Cup 0"},
        {"id": init["image"], "altText": "Cup 1"},
    ]
    assert recorded == [("media:1", init["image"]), ("post", SHARE)]


def test_resume_polls_a_finalized_video_without_uploading_it_again(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials, tmp_path: Path
) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(b"abcdef")
    video = MediaFile(content_type="video/mp4", path=str(path), size=6)
    urn = load("videos_initialize")["value"]["video"]
    rsps.get(f"{API}/videos/urn%3Ali%3Avideo%3AD5505AQH-oV1qvnFtKA", json=load("video_available"))
    rsps.post(f"{API}/posts", status=201, headers={"x-restli-id": "urn:li:ugcPost:7401"})
    result = adapter.publish(
        org,
        OutgoingPost(text="Pour", idempotency_key="k", media=(video,), steps={"media:0": urn}),
    )
    assert [c.request.method for c in rsps.calls] == ["GET", "POST"]
    assert body_of(rsps.calls[1])["content"] == {"media": {"id": urn}}
    assert result.external_id == "urn:li:ugcPost:7401"


def test_resume_after_post_only_comments_once(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials, tmp_path: Path
) -> None:
    rsps.post(f"{API}/socialActions/{ENC_SHARE}/comments", status=201, json=load("comment_created"))
    recorded: list[tuple[str, str]] = []
    post = OutgoingPost(
        text="Cups",
        idempotency_key="k",
        media=_images(tmp_path, 1),
        first_comment="Order now",
        steps={"media:0": "urn:li:image:C4E10AQFirstOne", "post": SHARE},
        record_step=lambda key, value: recorded.append((key, value)),
    )
    result = adapter.publish(org, post)
    assert len(rsps.calls) == 1 and "socialActions" in rsps.calls[0].request.url
    assert result.external_id == SHARE
    assert result.url == f"https://www.linkedin.com/feed/update/{SHARE}/"
    comment = load("comment_created")["commentUrn"]
    assert recorded == [("first_comment", comment)]
    again = adapter.publish(
        org,
        OutgoingPost(
            text="Cups",
            idempotency_key="k",
            first_comment="Order now",
            steps={"post": SHARE, "first_comment": comment},
        ),
    )
    assert len(rsps.calls) == 1 and again.first_comment_id == comment


def test_image_upload_failure_is_retryable(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials, tmp_path: Path
) -> None:
    rsps.post(f"{API}/images", status=503, body="unavailable")
    with pytest.raises(TransientError) as err:
        adapter.publish(
            org, OutgoingPost(text="Cup", idempotency_key="k", media=_images(tmp_path, 1))
        )
    assert err.value.sent is False


def test_find_recent_post_uses_the_recorded_post(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials
) -> None:
    rsps.get(f"{API}/posts/{ENC_SHARE}", json=load("post"))
    post = OutgoingPost(text="other", idempotency_key="k", steps={"post": SHARE})
    found = adapter.find_recent_post(org, post, since=NOW)
    assert found is not None and found.external_id == SHARE
    assert len(rsps.calls) == 1


# --- deleting a post ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urn", "encoded"),
    [
        (SHARE, ENC_SHARE),
        ("urn:li:ugcPost:7401234567890999999", "urn%3Ali%3AugcPost%3A7401234567890999999"),
    ],
)
def test_delete_post_sends_the_versioned_delete(
    rsps: responses.RequestsMock,
    adapter: LinkedInAdapter,
    org: Credentials,
    urn: str,
    encoded: str,
) -> None:
    rsps.delete(f"{API}/posts/{encoded}", status=204)
    assert adapter.delete_post(org, urn) is None
    [call] = rsps.calls
    assert call.request.url == f"{API}/posts/{encoded}"
    assert call.request.headers["X-RestLi-Method"] == "DELETE"
    assert call.request.headers["Authorization"] == "Bearer org-token"
    assert not call.request.body  # the version headers are checked by the fixture


@pytest.mark.parametrize("status", [404, 410])
def test_delete_post_already_gone_is_quiet(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, member: Credentials, status: int
) -> None:
    rsps.delete(
        f"{API}/posts/{ENC_SHARE}",
        status=status,
        json={"status": status, "code": "NOT_FOUND", "message": "Not Found"},
    )
    assert adapter.delete_post(member, SHARE) is None


@time_machine.travel(datetime(2026, 11, 29, 22, 30, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(
    ("status", "fixture", "error"),
    [
        (401, "error_401", AuthExpired),
        (403, "error_403", Rejected),
        (429, "error_429", RateLimited),
        (500, None, TransientError),
        (503, None, TransientError),
    ],
)
def test_delete_post_errors(
    rsps: responses.RequestsMock,
    adapter: LinkedInAdapter,
    org: Credentials,
    status: int,
    fixture: str | None,
    error: type[Exception],
) -> None:
    kwargs: dict[str, Any] = {"json": load(fixture)} if fixture else {"body": "unavailable"}
    rsps.delete(f"{API}/posts/{ENC_SHARE}", status=status, **kwargs)
    with pytest.raises(error) as err:
        adapter.delete_post(org, SHARE)
    assert "org-token" not in str(err.value)
    if isinstance(err.value, RateLimited):
        assert err.value.retry_after == 90 * 60  # LinkedIn's quotas reset at midnight UTC


@pytest.mark.parametrize(
    "external_id", ["", "7401234567890123456", "https://www.linkedin.com/feed/"]
)
def test_delete_post_refuses_what_is_no_urn_without_a_call(
    rsps: responses.RequestsMock, adapter: LinkedInAdapter, org: Credentials, external_id: str
) -> None:
    with pytest.raises(Rejected):
        adapter.delete_post(org, external_id)
    assert not rsps.calls
