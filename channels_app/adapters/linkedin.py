"""LinkedIn adapter: members and organizations through the versioned REST API (Posts API).

OAuth 2.0 three-legged (no PKCE for confidential web apps). Every REST call carries
`LinkedIn-Version` (option "api_version") and `X-Restli-Protocol-Version: 2.0.0`. Text goes out in
LinkedIn's "little text" format (`escape_little_text`): an unescaped reserved character can make
LinkedIn silently cut the post short.

Refresh tokens are only issued to approved partner apps: without one, `refresh_token` returns the
credentials unchanged while they are valid and raises AuthExpired once they have expired.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import requests

from channels_app.adapters import http
from channels_app.adapters.base import (
    AccountMetrics,
    AccountProfile,
    AdapterError,
    AuthExpired,
    AuthorizationRequest,
    ConnectableAccount,
    ConnectMethod,
    Credentials,
    InboxAuthor,
    InboxItem,
    InboxPage,
    MediaFile,
    NotSupported,
    OutgoingPost,
    PlatformConfig,
    PostMetrics,
    PublishedPost,
    PublishResult,
    RateLimited,
    Rejected,
    ReplyResult,
    TransientError,
    normalize_text_for_match,
    nothing_public_yet,
)

DEFAULT_API_VERSION = (
    "202605"  # learn.microsoft.com "li-lms-2026-05"; versions sunset after ~1 year
)
MEMBER_SCOPES = ("openid", "profile", "email", "w_member_social")
ORGANIZATION_SCOPES = ("r_organization_social", "w_organization_social", "rw_organization_admin")
RESERVED = "\\|{}@[]()<>#*_~"
_HASHTAG_RE = re.compile(r"(?<![\w#])#(\w+)")
_UNESCAPE_RE = re.compile(r"\\(.)")
_TEMPLATE_RE = re.compile(r"\{hashtag\|\\#\|([^}]*)\}")
INBOX_POSTS = 10
COMMENTS_PER_POST = 50
FEED_PAGE = 50


def escape_little_text(text: str, *, hashtags: bool = True) -> str:
    """`text` in LinkedIn's "little text" format.

    Every reserved character (\\ | { } @ [ ] ( ) < > # * _ ~) is backslash-escaped. With
    `hashtags`, `#word` becomes the hashtag template `{hashtag|\\#|word}` so it stays a hashtag.
    """
    out: list[str] = []
    pos = 0
    for match in _HASHTAG_RE.finditer(text) if hashtags else ():
        out.append(_escape_plain(text[pos : match.start()]))
        out.append(f"{{hashtag|\\#|{_escape_plain(match.group(1))}}}")
        pos = match.end()
    out.append(_escape_plain(text[pos:]))
    return "".join(out)


def _escape_plain(text: str) -> str:
    return "".join(f"\\{ch}" if ch in RESERVED else ch for ch in text)


def unescape_little_text(text: str) -> str:
    """Plain text from "little text" (hashtag templates back to #word, escapes removed)."""
    text = _TEMPLATE_RE.sub(lambda m: "#" + m.group(1), text)
    return _UNESCAPE_RE.sub(lambda m: m.group(1), text)


def _urn_path(urn: str) -> str:
    """A URN as a path segment (Rest.li 2.0: fully URL-encoded)."""
    return quote(urn, safe="")


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _ms(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, tz=UTC) if isinstance(value, int | float) else None


def seconds_until_utc_midnight(now: datetime | None = None) -> int:
    """Seconds until LinkedIn's daily quotas reset (midnight UTC)."""
    now = now or datetime.now(UTC)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((midnight - now).total_seconds()))


class LinkedInAdapter:
    """LinkedIn member profiles and organization pages.

    Credentials: account_id = the author URN (urn:li:person:… or urn:li:organization:…);
    extra["member_urn"] = the member who connected; scopes = the granted scopes."""

    kind: ClassVar[str] = "linkedin"
    connect_method: ClassVar[ConnectMethod] = "oauth"
    uses_pkce: ClassVar[bool] = False
    scopes: ClassVar[tuple[str, ...]] = MEMBER_SCOPES + ORGANIZATION_SCOPES
    # Member channels need w_member_social; organization channels also the *_organization_social
    # scopes (see `required_scopes_for`).
    required_scopes: ClassVar[tuple[str, ...]] = ("w_member_social",)
    DEFAULT_URLS: ClassVar[Mapping[str, str]] = {
        "authorize": "https://www.linkedin.com/oauth/v2/authorization",
        "token": "https://www.linkedin.com/oauth/v2/accessToken",
        "userinfo": "https://api.linkedin.com/v2/userinfo",
        "api": "https://api.linkedin.com/rest",
        "web": "https://www.linkedin.com",
    }

    def __init__(self, config: PlatformConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self.session = session or http.new_session()
        self.urls: dict[str, str] = {**self.DEFAULT_URLS, **config.urls}
        self.api_version = config.options.get("api_version", DEFAULT_API_VERSION)
        self.organization_scopes = config.options.get("organization_scopes", "1") == "1"
        self.video_poll_seconds = float(config.options.get("video_poll_seconds", "3"))
        self.video_max_polls = int(config.options.get("video_max_polls", "100"))
        self._sleep: Callable[[float], None] = time.sleep

    @staticmethod
    def required_scopes_for(account_id: str) -> tuple[str, ...]:
        """What a channel for this author URN needs to publish and read comments."""
        if account_id.startswith("urn:li:organization:"):
            return ("w_organization_social", "r_organization_social")
        return ("w_member_social",)

    def requested_scopes(self) -> tuple[str, ...]:
        """The scopes we ask for (organization scopes only with options organization_scopes=1)."""
        return MEMBER_SCOPES + (ORGANIZATION_SCOPES if self.organization_scopes else ())

    # --- HTTP plumbing ------------------------------------------------------------------------

    def _raise_for_error(self, resp: requests.Response) -> None:
        if resp.status_code < 400:
            return
        body = _as_dict(http.json_or_empty(resp))
        message = str(
            body.get("message") or body.get("error_description") or f"HTTP {resp.status_code}"
        )
        code = body.get("serviceErrorCode") or body.get("code") or body.get("error")
        code_text = str(code) if code is not None else None
        if resp.status_code == 401:
            raise AuthExpired(f"LinkedIn rejected the token: {message}", code=code_text, status=401)
        if resp.status_code == 429:
            retry = (
                http.retry_after_seconds(resp)
                if resp.headers.get("Retry-After")
                else seconds_until_utc_midnight()
            )
            raise RateLimited(
                f"LinkedIn quota reached: {message}", retry_after=retry, code=code_text, status=429
            )
        if resp.status_code >= 500:
            http.raise_for_transport(resp)
        input_codes = {
            str(_as_dict(e).get("code"))
            for e in _as_list(_as_dict(body.get("errorDetails")).get("inputErrors"))
        }
        duplicate = "DUPLICATE_POST" in input_codes or (
            resp.status_code == 422 and "duplicate" in message.lower()
        )
        raise Rejected(
            message,
            duplicate=duplicate,
            code="DUPLICATE_POST" if duplicate else code_text,
            status=resp.status_code,
        )

    def _headers(
        self, creds: Credentials, extra: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {creds.access_token}",
            "LinkedIn-Version": self.api_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        headers.update(extra or {})
        return headers

    def _rest(
        self,
        creds: Credentials,
        method: str,
        path: str,
        *,
        query: str = "",
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        allow_404: bool = False,
    ) -> tuple[requests.Response, dict[str, Any]]:
        """One REST call. `query` is pre-encoded (Rest.li 2.0 needs List(...) unescaped)."""
        url = f"{self.urls['api']}{path}" + (f"?{query}" if query else "")
        resp = http.send(
            self.session, method, url, json=json_body, headers=self._headers(creds, headers)
        )
        if allow_404 and resp.status_code in (404, 410):
            return resp, {}
        self._raise_for_error(resp)
        body = http.json_or_empty(resp) if resp.content else {}
        if not isinstance(body, dict):
            raise TransientError(f"LinkedIn answered {path} with a malformed body")
        return resp, body

    # --- connect ------------------------------------------------------------------------------

    def authorization_request(
        self, *, state: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> AuthorizationRequest:
        """The LinkedIn consent URL for `state` (no PKCE). No network call."""
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.config.client_id,
                "redirect_uri": self.config.redirect_uri,
                "state": state,
                "scope": " ".join(self.requested_scopes()),
            },
            quote_via=quote,
        )
        return AuthorizationRequest(url=f"{self.urls['authorize']}?{query}", state=state)

    def _token(self, form: Mapping[str, str]) -> dict[str, Any]:
        resp = http.send(
            self.session,
            "POST",
            self.urls["token"],
            data={
                **form,
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
            },
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        body = http.json_or_empty(resp)
        if resp.status_code in (400, 401) and form.get("grant_type") == "refresh_token":
            message = str(_as_dict(body).get("error_description") or "refresh refused")
            raise AuthExpired(f"LinkedIn refused the refresh: {message}", status=resp.status_code)
        self._raise_for_error(resp)
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            raise TransientError("LinkedIn's token endpoint answered without an access_token")
        return body

    @staticmethod
    def _token_credentials(
        body: Mapping[str, Any], account_id: str, member_urn: str, previous: Credentials | None
    ) -> Credentials:
        now = datetime.now(UTC)
        expires_in = body.get("expires_in")
        refresh_in = body.get("refresh_token_expires_in")
        raw_scope = body.get("scope")
        scopes = (
            tuple(s for s in re.split(r"[\s,]+", raw_scope) if s)
            if isinstance(raw_scope, str)
            else (previous.scopes if previous else ())
        )
        refresh = body.get("refresh_token")
        return Credentials(
            account_id=account_id,
            access_token=str(body["access_token"]),
            refresh_token=refresh
            if isinstance(refresh, str)
            else (previous.refresh_token if previous else None),
            expires_at=now + timedelta(seconds=expires_in) if isinstance(expires_in, int) else None,
            refresh_expires_at=now + timedelta(seconds=refresh_in)
            if isinstance(refresh_in, int)
            else (previous.refresh_expires_at if previous else None),
            scopes=scopes,
            extra={"member_urn": member_urn},
        )

    def exchange_code(
        self, *, code: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> list[ConnectableAccount]:
        """Trade the code for a token; return the member and, when organization scopes were
        granted, every organization the member administers (organizationAcls, role
        ADMINISTRATOR). Raises Rejected (bad/expired code), AuthExpired, RateLimited,
        TransientError. Calls the token endpoint, /v2/userinfo and the organization APIs."""
        body = self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.config.redirect_uri,
            }
        )
        probe = Credentials(account_id="", access_token=str(body["access_token"]))
        info = self._userinfo(probe)
        member_urn = f"urn:li:person:{info['sub']}"
        member_creds = self._token_credentials(body, member_urn, member_urn, None)
        accounts = [
            ConnectableAccount(credentials=member_creds, profile=self._member_profile(info))
        ]
        if set(member_creds.scopes) & {
            "rw_organization_admin",
            "w_organization_social",
            "r_organization_social",
        }:
            for org_urn in self._admin_organizations(member_creds):
                org_creds = self._token_credentials(body, org_urn, member_urn, None)
                accounts.append(
                    ConnectableAccount(
                        credentials=org_creds, profile=self._organization_profile(org_creds)
                    )
                )
        return accounts

    def _userinfo(self, creds: Credentials) -> dict[str, Any]:
        resp = http.send(
            self.session,
            "GET",
            self.urls["userinfo"],
            headers={"Authorization": f"Bearer {creds.access_token}"},
        )
        self._raise_for_error(resp)
        info = http.json_or_empty(resp)
        if not isinstance(info, dict) or not isinstance(info.get("sub"), str):
            raise TransientError("LinkedIn userinfo answered without a subject")
        return info

    def _member_profile(self, info: Mapping[str, Any]) -> AccountProfile:
        name = str(
            info.get("name")
            or " ".join(str(info.get(k) or "") for k in ("given_name", "family_name")).strip()
        )
        return AccountProfile(
            account_id=f"urn:li:person:{info['sub']}",
            handle=name,
            name=name,
            avatar_url=str(info.get("picture") or ""),
            raw=info,
        )

    def _admin_organizations(self, creds: Credentials) -> list[str]:
        urns: list[str] = []
        start = 0
        while True:
            _, body = self._rest(
                creds,
                "GET",
                "/organizationAcls",
                query=f"q=roleAssignee&role=ADMINISTRATOR&state=APPROVED&start={start}&count=100",
            )
            elements = _as_list(body.get("elements"))
            for acl in map(_as_dict, elements):
                org = acl.get("organization") or acl.get("organizationTarget")
                if (
                    isinstance(org, str)
                    and org.startswith("urn:li:organization:")
                    and org not in urns
                ):
                    urns.append(org)
            total = _as_dict(body.get("paging")).get("total")
            start += len(elements)
            if not elements or not isinstance(total, int) or start >= total:
                return urns

    def _organization_profile(self, creds: Credentials) -> AccountProfile:
        org_id = creds.account_id.rsplit(":", 1)[-1]
        _, org = self._rest(creds, "GET", f"/organizations/{org_id}")
        name = str(org.get("localizedName") or org_id)
        vanity = org.get("vanityName")
        logo = ""
        logo_urn = _as_dict(org.get("logoV2")).get("original")
        if isinstance(logo_urn, str) and logo_urn.startswith("urn:li:digitalmediaAsset:"):
            image_urn = "urn:li:image:" + logo_urn.rsplit(":", 1)[-1]
            try:
                _, image = self._rest(creds, "GET", f"/images/{_urn_path(image_urn)}")
                logo = str(image.get("downloadUrl") or "")
            except Rejected:
                logo = ""  # the logo is decoration: a refusal here must not block connecting
        return AccountProfile(
            account_id=creds.account_id,
            handle=name,
            name=name,
            avatar_url=logo,
            url=f"{self.urls['web']}/company/{vanity}/" if isinstance(vanity, str) else "",
            raw=org,
        )

    def refresh_token(self, creds: Credentials) -> Credentials:
        """New credentials via the refresh_token grant, when LinkedIn issued a refresh token.

        Without one: returns `creds` unchanged while the access token is valid, else raises
        AuthExpired (the member must reconnect). A refused refresh raises AuthExpired."""
        if not creds.refresh_token:
            if creds.expires_at is None or creds.expires_at > datetime.now(UTC):
                return creds
            raise AuthExpired("The LinkedIn token expired and LinkedIn issued no refresh token.")
        body = self._token({"grant_type": "refresh_token", "refresh_token": creds.refresh_token})
        new = self._token_credentials(
            body, creds.account_id, creds.extra.get("member_urn", creds.account_id), creds
        )
        return Credentials(
            account_id=new.account_id,
            access_token=new.access_token,
            refresh_token=new.refresh_token,
            expires_at=new.expires_at,
            refresh_expires_at=new.refresh_expires_at,
            scopes=new.scopes,
            extra={**creds.extra, **new.extra},
        )

    def fetch_profile(self, creds: Credentials) -> AccountProfile:
        """The member (OIDC userinfo) or organization profile behind `creds.account_id`."""
        if creds.account_id.startswith("urn:li:organization:"):
            return self._organization_profile(creds)
        return self._member_profile(self._userinfo(creds))

    # --- publish ------------------------------------------------------------------------------

    def _upload_image(self, creds: Credentials, media: MediaFile) -> str:
        _, body = self._rest(
            creds,
            "POST",
            "/images",
            query="action=initializeUpload",
            json_body={"initializeUploadRequest": {"owner": creds.account_id}},
        )
        value = _as_dict(body.get("value"))
        upload_url, image = value.get("uploadUrl"), value.get("image")
        if not isinstance(upload_url, str) or not isinstance(image, str):
            raise TransientError("LinkedIn initializeUpload answered without uploadUrl/image")
        try:
            content = media.read_bytes()
        except OSError as exc:
            raise Rejected(f"Cannot read the media file ({exc.strerror}).") from exc
        resp = http.send(
            self.session,
            "PUT",
            upload_url,
            data=content,
            timeout=http.UPLOAD_TIMEOUT,
            headers={
                "Authorization": f"Bearer {creds.access_token}",
                "Content-Type": media.content_type,
            },
        )
        self._raise_for_error(resp)
        return image

    def _upload_video(self, creds: Credentials, post: OutgoingPost, index: int) -> str:
        """The video URN of `post.media[index]`, uploaded, finalized (recorded as
        "media:<index>" at once) and AVAILABLE; a recorded video is only polled."""
        video = post.steps.get(f"media:{index}", "")
        if not video:
            video = self._send_video(creds, post.media[index])
            post.step_done(f"media:{index}", video)
        for _ in range(self.video_max_polls):
            _, status = self._rest(creds, "GET", f"/videos/{_urn_path(video)}")
            state = status.get("status")
            if state == "AVAILABLE":
                return video
            if state == "PROCESSING_FAILED":
                reason = status.get("processingFailureReason") or "processing failed"
                raise Rejected(f"LinkedIn could not process the video: {reason}")
            self._sleep(self.video_poll_seconds)
        raise TransientError("LinkedIn is still processing the video")

    def _send_video(self, creds: Credentials, media: MediaFile) -> str:
        """initializeUpload, PUT the parts, finalizeUpload: the video URN (maybe processing)."""
        try:
            content = media.read_bytes()
        except OSError as exc:
            raise Rejected(f"Cannot read the media file ({exc.strerror}).") from exc
        _, body = self._rest(
            creds,
            "POST",
            "/videos",
            query="action=initializeUpload",
            json_body={
                "initializeUploadRequest": {
                    "owner": creds.account_id,
                    "fileSizeBytes": len(content),
                    "uploadCaptions": False,
                    "uploadThumbnail": False,
                }
            },
        )
        value = _as_dict(body.get("value"))
        video, instructions = value.get("video"), _as_list(value.get("uploadInstructions"))
        if not isinstance(video, str) or not instructions:
            raise TransientError("LinkedIn video initializeUpload answered without instructions")
        etags: list[str] = []
        for part in map(_as_dict, instructions):
            first, last, url = part.get("firstByte"), part.get("lastByte"), part.get("uploadUrl")
            if not (isinstance(first, int) and isinstance(last, int) and isinstance(url, str)):
                raise TransientError("LinkedIn sent a malformed upload instruction")
            resp = http.send(
                self.session,
                "PUT",
                url,
                data=content[first : last + 1],
                timeout=http.UPLOAD_TIMEOUT,
                headers={"Content-Type": "application/octet-stream"},
            )
            self._raise_for_error(resp)
            etag = resp.headers.get("ETag")
            if not etag:
                raise TransientError("LinkedIn's upload answered without an ETag")
            etags.append(etag)
        self._rest(
            creds,
            "POST",
            "/videos",
            query="action=finalizeUpload",
            json_body={
                "finalizeUploadRequest": {
                    "video": video,
                    "uploadToken": str(value.get("uploadToken") or ""),
                    "uploadedPartIds": etags,
                }
            },
        )
        return video

    def _content(self, creds: Credentials, post: OutgoingPost) -> dict[str, Any] | None:
        videos = [m for m in post.media if m.is_video]
        images = [m for m in post.media if not m.is_video]
        if videos and (images or len(videos) > 1):
            raise Rejected("A LinkedIn post takes one video, or images, not both.")
        if videos:
            media: dict[str, Any] = {"id": self._upload_video(creds, post, 0)}
            if post.title:
                media["title"] = post.title
            return {"media": media}
        # Images only from here: their index in `images` is their index in `post.media`.
        urns = [self._image(creds, post, index) for index in range(len(images))]
        if len(images) == 1:
            return {"media": {"id": urns[0], "altText": images[0].alt_text}}
        if images:
            return {
                "multiImage": {
                    "images": [
                        {"id": urn, "altText": image.alt_text}
                        for urn, image in zip(urns, images, strict=True)
                    ]
                }
            }
        if post.link:
            article: dict[str, Any] = {"source": post.link, "title": post.link_title or post.link}
            if post.link_description:
                article["description"] = post.link_description
            return {"article": article}
        return None

    def _image(self, creds: Credentials, post: OutgoingPost, index: int) -> str:
        """The image URN of `post.media[index]`: recorded as "media:<index>", or uploaded now
        and recorded at once."""
        if post.steps.get(f"media:{index}"):
            return post.steps[f"media:{index}"]
        urn = self._upload_image(creds, post.media[index])
        post.step_done(f"media:{index}", urn)
        return urn

    def post_url(self, urn: str) -> str:
        return f"{self.urls['web']}/feed/update/{urn}/"

    def _comment(
        self, creds: Credentials, post_urn: str, text: str, parent: str | None = None
    ) -> str:
        payload: dict[str, Any] = {
            "actor": creds.account_id,
            "object": post_urn,
            "message": {"text": escape_little_text(text)},
        }
        if parent:
            payload["parentComment"] = parent
        resp, body = self._rest(
            creds, "POST", f"/socialActions/{_urn_path(post_urn)}/comments", json_body=payload
        )
        comment = body.get("commentUrn") or body.get("$URN") or resp.headers.get("x-restli-id")
        if not isinstance(comment, str):
            raise TransientError("LinkedIn created the comment but did not name it")
        return comment

    def publish(self, creds: Credentials, post: OutgoingPost) -> PublishResult:
        """POST /rest/posts as `creds.account_id` (text, image(s), video, article link).

        The first comment goes through socialActions comments; its failure is reported in
        `first_comment_error`. LinkedIn posts cannot be replies: `reply_to_id` raises
        NotSupported. A 422 DUPLICATE_POST raises Rejected(duplicate=True).

        Resumable: records "media:<i>" (image/video URNs), "post" (the post URN) and
        "first_comment" through `post.record_step` and skips what `post.steps` has (with "post"
        recorded, only the first comment is left). Failures before the post is created raise
        TransientError(sent=False): nothing is public yet."""
        if post.reply_to_id:
            raise NotSupported("LinkedIn posts cannot reply to other posts (use a comment).")
        urn = post.steps.get("post", "")
        if not urn:
            payload: dict[str, Any] = {
                "author": creds.account_id,
                "commentary": escape_little_text(post.text),
                "visibility": "PUBLIC",
                "distribution": {
                    "feedDistribution": "MAIN_FEED",
                    "targetEntities": [],
                    "thirdPartyDistributionChannels": [],
                },
                "lifecycleState": "PUBLISHED",
                "isReshareDisabledByAuthor": False,
            }
            with nothing_public_yet():
                content = self._content(creds, post)
            if content:
                payload["content"] = content
            resp, _ = self._rest(creds, "POST", "/posts", json_body=payload)
            urn = resp.headers.get("x-restli-id") or ""
            if not urn:
                raise TransientError("LinkedIn accepted the post but sent no x-restli-id")
            post.step_done("post", urn)
        first_comment_id: str | None = post.steps.get("first_comment") or None
        first_comment_error = ""
        if post.first_comment and first_comment_id is None:
            try:
                first_comment_id = self._comment(creds, urn, post.first_comment)
                post.step_done("first_comment", first_comment_id)
            except AdapterError as exc:
                first_comment_error = exc.message
        return PublishResult(
            external_id=urn,
            url=self.post_url(urn),
            first_comment_id=first_comment_id,
            first_comment_error=first_comment_error,
            raw={"x-restli-id": urn},
        )

    def _published(self, body: Mapping[str, Any]) -> PublishedPost:
        urn = str(body.get("id") or "")
        return PublishedPost(
            external_id=urn,
            url=self.post_url(urn),
            text=unescape_little_text(str(body.get("commentary") or "")),
            created_at=_ms(body.get("publishedAt")) or _ms(body.get("createdAt")),
            raw=body,
        )

    def get_post(self, creds: Credentials, external_id: str) -> PublishedPost | None:
        """GET /rest/posts/{urn}; None when LinkedIn answers 404 (deleted)."""
        resp, body = self._rest(creds, "GET", f"/posts/{_urn_path(external_id)}", allow_404=True)
        if resp.status_code in (404, 410) or body.get("lifecycleState") == "DELETED":
            return None
        body.setdefault("id", external_id)
        return self._published(body)

    def _recent_posts(self, creds: Credentials, count: int) -> list[dict[str, Any]]:
        _, body = self._rest(
            creds,
            "GET",
            "/posts",
            query=f"q=author&author={_urn_path(creds.account_id)}&count={count}"
            "&sortBy=LAST_MODIFIED",
            headers={"X-RestLi-Method": "FINDER"},
        )
        return [e for e in map(_as_dict, _as_list(body.get("elements"))) if e.get("id")]

    def find_recent_post(
        self, creds: Credentials, post: OutgoingPost, *, since: datetime
    ) -> PublishedPost | None:
        """Our post with the same text since `since`, from GET /rest/posts?q=author (the latest
        50). For member authors LinkedIn limits this finder to approved apps (then Rejected).
        The post recorded as `post.steps["post"]` is looked up directly."""
        if post.steps.get("post"):
            return self.get_post(creds, post.steps["post"])
        wanted = normalize_text_for_match(post.text)
        for element in self._recent_posts(creds, FEED_PAGE):
            found = self._published(element)
            if found.created_at is not None and found.created_at < since:
                continue
            if normalize_text_for_match(found.text) == wanted:
                return found
        return None

    # --- measure ------------------------------------------------------------------------------

    def fetch_post_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[PostMetrics]:
        """Organizations: impressions, reach (unique impressions), clicks, likes, comments, shares
        from organizationalEntityShareStatistics (the engagement *rate* stays in `raw`).
        Members: likes (all reactions) and comments from socialMetadata; LinkedIn offers
        impressions for member posts only to approved partners, so they are absent."""
        now = datetime.now(UTC)
        if creds.account_id.startswith("urn:li:organization:"):
            return self._organization_post_metrics(creds, list(external_ids), now)
        results: list[PostMetrics] = []
        for urn in external_ids:
            resp, body = self._rest(
                creds, "GET", f"/socialMetadata/{_urn_path(urn)}", allow_404=True
            )
            if resp.status_code in (404, 410):
                continue
            reactions = _as_dict(body.get("reactionSummaries"))
            values: dict[str, int] = {
                "likes": sum(int(_as_dict(r).get("count") or 0) for r in reactions.values())
            }
            comments = _as_dict(body.get("commentSummary")).get("count")
            if isinstance(comments, int):
                values["comments"] = comments
            results.append(PostMetrics(external_id=urn, fetched_at=now, values=values, raw=body))
        return results

    def _organization_post_metrics(
        self, creds: Credentials, ids: list[str], now: datetime
    ) -> list[PostMetrics]:
        shares = [u for u in ids if u.startswith("urn:li:share:")]
        ugc = [u for u in ids if not u.startswith("urn:li:share:")]
        query = f"q=organizationalEntity&organizationalEntity={_urn_path(creds.account_id)}"
        if shares:
            query += f"&shares=List({','.join(_urn_path(u) for u in shares)})"
        if ugc:
            query += f"&ugcPosts=List({','.join(_urn_path(u) for u in ugc)})"
        _, body = self._rest(creds, "GET", "/organizationalEntityShareStatistics", query=query)
        results = []
        for element in map(_as_dict, _as_list(body.get("elements"))):
            urn = element.get("share") or element.get("ugcPost")
            stats = _as_dict(element.get("totalShareStatistics"))
            if not isinstance(urn, str):
                continue
            values = {
                name: stats[key]
                for name, key in (
                    ("impressions", "impressionCount"),
                    ("reach", "uniqueImpressionsCount"),
                    ("clicks", "clickCount"),
                    ("likes", "likeCount"),
                    ("comments", "commentCount"),
                    ("shares", "shareCount"),
                )
                if isinstance(stats.get(key), int)
            }
            results.append(PostMetrics(external_id=urn, fetched_at=now, values=values, raw=stats))
        return results

    def fetch_account_metrics(self, creds: Credentials) -> AccountMetrics:
        """Organizations: followers from networkSizes (COMPANY_FOLLOWED_BY_MEMBER). LinkedIn
        gives no follower count for members to this kind of app: NotSupported."""
        if not creds.account_id.startswith("urn:li:organization:"):
            raise NotSupported("LinkedIn reports follower counts for organization pages only.")
        _, body = self._rest(
            creds,
            "GET",
            f"/networkSizes/{_urn_path(creds.account_id)}",
            query="edgeType=COMPANY_FOLLOWED_BY_MEMBER",
        )
        size = body.get("firstDegreeSize")
        if not isinstance(size, int):
            raise TransientError("networkSizes answered without firstDegreeSize")
        return AccountMetrics(
            account_id=creds.account_id,
            fetched_at=datetime.now(UTC),
            values={"followers": size},
            raw=body,
        )

    # --- webcare ------------------------------------------------------------------------------

    def fetch_inbox(self, creds: Credentials, *, cursor: str | None) -> InboxPage:
        """Comments (and replies to comments) on the author's 10 latest posts, oldest first.

        LinkedIn has no DM API for this kind of app, so there are no messages. The cursor is
        JSON {"t": newest comment time in ms}; passing it returns only newer comments. Our own
        comments are left out."""
        since = 0
        if cursor:
            try:
                since = int(_as_dict(json.loads(cursor)).get("t") or 0)
            except (ValueError, TypeError):
                since = 0
        items: list[tuple[int, InboxItem]] = []
        newest = since
        for element in self._recent_posts(creds, INBOX_POSTS):
            post_urn = str(element["id"])
            _, body = self._rest(
                creds,
                "GET",
                f"/socialActions/{_urn_path(post_urn)}/comments",
                query=f"count={COMMENTS_PER_POST}",
            )
            for comment in map(_as_dict, _as_list(body.get("elements"))):
                created = _as_dict(comment.get("created")).get("time")
                urn = comment.get("commentUrn") or comment.get("$URN")
                if not isinstance(created, int) or not isinstance(urn, str) or created <= since:
                    continue
                newest = max(newest, created)
                actor = str(comment.get("actor") or "")
                if actor == creds.account_id:
                    continue
                parent = comment.get("parentComment")
                items.append(
                    (
                        created,
                        InboxItem(
                            external_id=urn,
                            kind="reply" if isinstance(parent, str) else "comment",
                            author=InboxAuthor(external_id=actor),
                            text=unescape_little_text(
                                str(_as_dict(comment.get("message")).get("text") or "")
                            ),
                            created_at=_ms(created) or datetime.now(UTC),
                            thread_id=post_urn,
                            post_external_id=post_urn,
                            parent_external_id=parent if isinstance(parent, str) else "",
                            reply_to=urn,
                            url=self.post_url(post_urn),
                            raw=comment,
                        ),
                    )
                )
        items.sort(key=lambda pair: pair[0])
        return InboxPage(
            items=tuple(item for _, item in items),
            cursor=json.dumps({"t": newest or int(datetime.now(UTC).timestamp() * 1000)}),
        )

    def reply(self, creds: Credentials, item: InboxItem, text: str) -> ReplyResult:
        """Answer a comment with a nested comment (parentComment). LinkedIn nests one level, so
        a reply to a reply goes under the same top-level comment. Messages: NotSupported."""
        if item.kind == "message":
            raise NotSupported("LinkedIn offers no direct-message API for this kind of app.")
        post_urn = item.post_external_id or item.thread_id
        parent = item.parent_external_id or item.reply_to or item.external_id
        comment = self._comment(creds, post_urn, text, parent=parent)
        return ReplyResult(external_id=comment, url=self.post_url(post_urn))
