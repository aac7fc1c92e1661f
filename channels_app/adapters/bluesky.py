"""Bluesky (AT Protocol) adapter: XRPC over HTTP against the account's PDS.

Connecting uses an app password (`login()`): AT Protocol OAuth requires PAR, DPoP-bound tokens
and a publicly reachable client-metadata document, which this suite does not offer yet, so
`authorization_request` / `exchange_code` raise NotSupported.

Every call goes to `Credentials.instance_url` (the account's PDS); the PDS proxies `app.bsky.*`
reads to the AppView and `chat.bsky.*` calls to the chat service (`atproto-proxy` header), so the
adapter works unchanged against Bluesky's reference servers run locally. Video goes through the
video service (`urls["video"]`).
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote, urlsplit

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

POST_COLLECTION = "app.bsky.feed.post"
CHAT_PROXY = "did:web:api.bsky.chat#bsky_chat"
GET_POSTS_BATCH = 25  # app.bsky.feed.getPosts: uris maxLength 25
MAX_IMAGES = 4  # app.bsky.embed.images: images maxLength 4
INBOX_LIMIT = 50
INBOX_MAX_PAGES = 5
FEED_MAX_PAGES = 5
AUTH_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthMissing", "AuthRequired"})
VIDEO_DONE = "JOB_STATE_COMPLETED"
VIDEO_FAILED = "JOB_STATE_FAILED"

_LINK_RE = re.compile(r"https?://[^\s<>\"']+")
_MENTION_RE = re.compile(
    r"(?<![\w@])@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z][a-zA-Z0-9-]*)"
)
_TAG_RE = re.compile(r"(?<![\w#&])#(\w+)")  # a tag made only of digits is skipped
_TRAILING_PUNCT = ".,;:!?)]}\"'"


def _jwt_expiry(token: str) -> datetime | None:
    """The `exp` claim of a JWT, read without verifying it (the PDS verifies; we only schedule)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return datetime.fromtimestamp(exp, tz=UTC) if isinstance(exp, int | float) else None


def _jwt_scope(token: str) -> str:
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return ""
    scope = claims.get("scope") if isinstance(claims, dict) else None
    return scope if isinstance(scope, str) else ""


def _pds_from_did_doc(did_doc: Any) -> str | None:
    """The `#atproto_pds` service endpoint of a DID document, when present."""
    if not isinstance(did_doc, dict):
        return None
    for service in did_doc.get("service") or []:
        if not isinstance(service, dict):
            continue
        if str(service.get("id", "")).endswith("#atproto_pds"):
            endpoint = service.get("serviceEndpoint")
            if isinstance(endpoint, str) and endpoint.startswith(("https://", "http://")):
                return endpoint.rstrip("/")
    return None


def _rkey(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _byte_slice(text: str, start: int, end: int) -> dict[str, int]:
    return {
        "byteStart": len(text[:start].encode("utf-8")),
        "byteEnd": len(text[:end].encode("utf-8")),
    }


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class BlueskyAdapter:
    """Bluesky via XRPC. Credentials: account_id = the DID, instance_url = the PDS,
    access_token/refresh_token = the session's access/refresh JWTs, extra["handle"]."""

    kind: ClassVar[str] = "bluesky"
    connect_method: ClassVar[ConnectMethod] = "app_password"
    uses_pkce: ClassVar[bool] = False
    scopes: ClassVar[tuple[str, ...]] = ()  # app passwords carry no OAuth scopes
    required_scopes: ClassVar[tuple[str, ...]] = ()
    DEFAULT_URLS: ClassVar[Mapping[str, str]] = {
        "service": "https://bsky.social",  # where login() starts (the entryway)
        "video": "https://video.bsky.app",  # the video processing service
        "web": "https://bsky.app",  # public post/profile pages
    }

    def __init__(self, config: PlatformConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self.session = session or http.new_session()
        self.urls: dict[str, str] = {**self.DEFAULT_URLS, **config.urls}
        self.chat_proxy = config.options.get("chat_proxy", CHAT_PROXY)
        self.video_poll_seconds = float(config.options.get("video_poll_seconds", "2"))
        self.video_max_polls = int(config.options.get("video_max_polls", "150"))
        self._sleep: Callable[[float], None] = time.sleep

    # --- XRPC plumbing ------------------------------------------------------------------------

    def _raise_for_error(self, resp: requests.Response) -> None:
        if resp.status_code < 400:
            return
        body = _as_dict(http.json_or_empty(resp))
        error = str(body.get("error") or "")
        message = str(body.get("message") or error or f"HTTP {resp.status_code}")
        if resp.status_code == 429 or error == "RateLimitExceeded":
            raise RateLimited(
                f"Bluesky rate limit: {message}",
                retry_after=http.retry_after_seconds(resp, reset_header="RateLimit-Reset"),
                code=error or None,
                status=resp.status_code,
            )
        if resp.status_code >= 500:
            http.raise_for_transport(resp)
        if resp.status_code == 401 or error in AUTH_ERRORS:
            raise AuthExpired(
                f"Bluesky rejected the session: {message}",
                code=error or None,
                status=resp.status_code,
            )
        raise Rejected(message, code=error or None, status=resp.status_code)

    def _xrpc(
        self,
        method: str,
        base: str,
        nsid: str,
        *,
        token: str | None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
        raise_errors: bool = True,
    ) -> tuple[requests.Response, dict[str, Any]]:
        all_headers: dict[str, str] = {"Accept": "application/json"}
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        all_headers.update(headers or {})
        resp = http.send(
            self.session,
            method,
            f"{base.rstrip('/')}/xrpc/{nsid}",
            params=params,
            json=json_body,
            data=data,
            headers=all_headers,
            timeout=timeout,
        )
        if raise_errors:
            self._raise_for_error(resp)
        body = http.json_or_empty(resp)
        if resp.status_code < 400 and not isinstance(body, dict):
            raise TransientError(f"{nsid} answered with a malformed body")
        return resp, _as_dict(body)

    def _call(
        self,
        creds: Credentials,
        method: str,
        nsid: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
    ) -> dict[str, Any]:
        base = creds.instance_url or self.urls["service"]
        _, body = self._xrpc(
            method,
            base,
            nsid,
            token=creds.access_token,
            params=params,
            json_body=json_body,
            data=data,
            headers=headers,
            timeout=timeout,
        )
        return body

    @staticmethod
    def _require(body: Mapping[str, Any], *keys: str) -> None:
        for key in keys:
            if key not in body:
                raise TransientError(f"Bluesky answered without {key!r}")

    # --- connect ------------------------------------------------------------------------------

    def authorization_request(
        self, *, state: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> AuthorizationRequest:
        """Not available: raises NotSupported (connect with `login()` and an app password)."""
        raise NotSupported(
            "Bluesky connects with an app password for now: AT Protocol OAuth needs PAR, "
            "DPoP-bound tokens and a public client-metadata URL, which are not implemented yet."
        )

    def exchange_code(
        self, *, code: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> list[ConnectableAccount]:
        """Not available: raises NotSupported (see `authorization_request`)."""
        raise NotSupported(
            "Bluesky connects with an app password for now: AT Protocol OAuth needs PAR, "
            "DPoP-bound tokens and a public client-metadata URL, which are not implemented yet."
        )

    def login(
        self, identifier: str, password: str, *, service_url: str | None = None
    ) -> ConnectableAccount:
        """Open a session with a handle (or email/DID) and an app password.

        `service_url` is where to log in (default `urls["service"]`, https://bsky.social). The
        account's own PDS is then taken from the session's DID document (`#atproto_pds`) and
        stored as `Credentials.instance_url`. A profile the AppView does not know yet (a new
        account) is replaced by the session's handle. Raises Rejected for a wrong
        identifier/password or
        when the account asks for an email 2FA code (use an app password instead), RateLimited,
        TransientError. Makes com.atproto.server.createSession and app.bsky.actor.getProfile.
        """
        base = (service_url or self.urls["service"]).rstrip("/")
        resp, body = self._xrpc(
            "POST",
            base,
            "com.atproto.server.createSession",
            token=None,
            json_body={"identifier": identifier, "password": password},
            raise_errors=False,
        )
        if resp.status_code in (400, 401):
            error = str(body.get("error") or "")
            if error == "AuthFactorTokenRequired":
                raise Rejected(
                    "This account asks for an email sign-in code: create an app password in "
                    "Bluesky (Settings > Privacy and security > App passwords) and use that.",
                    code=error,
                    status=resp.status_code,
                )
            message = str(body.get("message") or "Invalid identifier or password")
            raise Rejected(
                f"Bluesky refused the sign-in: {message}",
                code=error or None,
                status=resp.status_code,
            )
        self._raise_for_error(resp)
        creds = self._session_credentials(body, fallback_pds=base)
        try:
            profile = self.fetch_profile(creds)
        except Rejected:
            # "Profile not found": the AppView has not indexed a brand-new account yet (seen
            # against Bluesky's reference servers). The session is valid: connect with what the
            # session says; the profile refresh fills in the rest later.
            handle = creds.extra["handle"]
            profile = AccountProfile(
                account_id=creds.account_id,
                handle=handle,
                url=f"{self.urls['web']}/profile/{handle}",
            )
        return ConnectableAccount(credentials=creds, profile=profile)

    def _session_credentials(
        self, body: Mapping[str, Any], *, fallback_pds: str, scopes: tuple[str, ...] = ()
    ) -> Credentials:
        self._require(body, "accessJwt", "refreshJwt", "did", "handle")
        access, refresh = str(body["accessJwt"]), str(body["refreshJwt"])
        scope = _jwt_scope(access)
        return Credentials(
            account_id=str(body["did"]),
            access_token=access,
            refresh_token=refresh,
            expires_at=_jwt_expiry(access),
            refresh_expires_at=_jwt_expiry(refresh),
            instance_url=_pds_from_did_doc(body.get("didDoc")) or fallback_pds,
            scopes=(scope,) if scope else scopes,
            extra={"handle": str(body["handle"])},
        )

    def refresh_token(self, creds: Credentials) -> Credentials:
        """Rotate both JWTs with com.atproto.server.refreshSession (Bearer refreshJwt).

        Returns new Credentials. Raises AuthExpired when there is no refresh JWT or the PDS
        refuses it (expired, revoked app password), RateLimited, TransientError."""
        if not creds.refresh_token:
            raise AuthExpired("No Bluesky refresh token stored: sign in again.")
        base = creds.instance_url or self.urls["service"]
        resp, body = self._xrpc(
            "POST",
            base,
            "com.atproto.server.refreshSession",
            token=creds.refresh_token,
            raise_errors=False,
        )
        if resp.status_code in (400, 401):
            message = str(body.get("message") or body.get("error") or "refresh refused")
            raise AuthExpired(
                f"Bluesky refused the refresh: {message}",
                code=str(body.get("error") or "") or None,
                status=resp.status_code,
            )
        self._raise_for_error(resp)
        return self._session_credentials(body, fallback_pds=base, scopes=creds.scopes)

    def fetch_profile(self, creds: Credentials) -> AccountProfile:
        """The account's profile (app.bsky.actor.getProfile). Raises the usual adapter errors."""
        body = self._call(
            creds, "GET", "app.bsky.actor.getProfile", params={"actor": creds.account_id}
        )
        self._require(body, "did", "handle")
        handle = str(body["handle"])
        return AccountProfile(
            account_id=str(body["did"]),
            handle=handle,
            name=str(body.get("displayName") or ""),
            avatar_url=str(body.get("avatar") or ""),
            url=f"{self.urls['web']}/profile/{handle}",
            followers=body.get("followersCount")
            if isinstance(body.get("followersCount"), int)
            else None,
            raw=body,
        )

    # --- publish ------------------------------------------------------------------------------

    def build_facets(self, creds: Credentials, text: str) -> list[dict[str, Any]]:
        """Rich-text facets for links, @mentions and #hashtags, with UTF-8 byte offsets.

        Mentions are resolved with com.atproto.identity.resolveHandle; a handle that does not
        resolve stays plain text. Auth, rate-limit and transient errors propagate."""
        facets: list[tuple[int, dict[str, Any]]] = []
        taken: list[tuple[int, int]] = []
        for match in _LINK_RE.finditer(text):
            uri = match.group(0).rstrip(_TRAILING_PUNCT)
            start, end = match.start(), match.start() + len(uri)
            taken.append((start, end))
            facets.append(
                (
                    start,
                    {
                        "index": _byte_slice(text, start, end),
                        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
                    },
                )
            )

        def free(start: int, end: int) -> bool:
            return all(end <= s or start >= e for s, e in taken)

        for match in _MENTION_RE.finditer(text):
            start, end = match.span()
            if not free(start, end):
                continue
            handle = match.group(1).rstrip(".").lower()
            end = start + 1 + len(handle)
            try:
                body = self._call(
                    creds, "GET", "com.atproto.identity.resolveHandle", params={"handle": handle}
                )
            except Rejected:
                continue
            did = body.get("did")
            if not isinstance(did, str):
                continue
            taken.append((start, end))
            facets.append(
                (
                    start,
                    {
                        "index": _byte_slice(text, start, end),
                        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
                    },
                )
            )
        for match in _TAG_RE.finditer(text):
            tag = match.group(1)
            start, end = match.start(), match.start() + 1 + len(tag)
            if tag.isdigit() or len(tag) > 64 or not free(start, end):
                continue
            taken.append((start, end))
            facets.append(
                (
                    start,
                    {
                        "index": _byte_slice(text, start, end),
                        "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
                    },
                )
            )
        return [facet for _, facet in sorted(facets, key=lambda pair: pair[0])]

    def _upload_blob(self, creds: Credentials, media: MediaFile) -> dict[str, Any]:
        try:
            content = media.read_bytes()
        except OSError as exc:
            raise Rejected(f"Cannot read the media file ({exc.strerror}).") from exc
        body = self._call(
            creds,
            "POST",
            "com.atproto.repo.uploadBlob",
            data=content,
            headers={"Content-Type": media.content_type},
            timeout=http.UPLOAD_TIMEOUT,
        )
        blob = body.get("blob")
        if not isinstance(blob, dict):
            raise TransientError("uploadBlob answered without a blob")
        return blob

    @staticmethod
    def _aspect_ratio(media: MediaFile) -> dict[str, int] | None:
        if media.width and media.height and media.width > 0 and media.height > 0:
            return {"width": media.width, "height": media.height}
        return None

    def _upload_video(self, creds: Credentials, media: MediaFile) -> dict[str, Any]:
        """The documented video-service flow; returns the processed blob.

        getServiceAuth (aud = the PDS's did:web, lxm = com.atproto.repo.uploadBlob) ->
        app.bsky.video.uploadVideo on urls["video"] -> poll app.bsky.video.getJobStatus."""
        try:
            content = media.read_bytes()
        except OSError as exc:
            raise Rejected(f"Cannot read the media file ({exc.strerror}).") from exc
        pds_host = urlsplit(creds.instance_url or self.urls["service"]).netloc
        auth = self._call(
            creds,
            "GET",
            "com.atproto.server.getServiceAuth",
            params={
                "aud": f"did:web:{pds_host.replace(':', '%3A')}",
                "lxm": "com.atproto.repo.uploadBlob",
                "exp": str(int(time.time()) + 30 * 60),
            },
        )
        service_token = auth.get("token")
        if not isinstance(service_token, str):
            raise TransientError("getServiceAuth answered without a token")
        name = quote((media.path or "video.mp4").rsplit("/", 1)[-1])
        resp, body = self._xrpc(
            "POST",
            self.urls["video"],
            "app.bsky.video.uploadVideo",
            token=service_token,
            params={"did": creds.account_id, "name": name},
            data=content,
            headers={"Content-Type": media.content_type or "video/mp4"},
            timeout=http.UPLOAD_TIMEOUT,
            raise_errors=False,
        )
        # The video service answers 409 `already_exists` (with the jobId) for a re-upload.
        if resp.status_code == 409 and body.get("jobId"):
            job: dict[str, Any] = {"jobId": body["jobId"], "state": "JOB_STATE_CREATED"}
        else:
            self._raise_for_error(resp)
            # The lexicon wraps it in {"jobStatus": ...}; the service has returned it bare.
            job = _as_dict(body.get("jobStatus", body))
        for _ in range(self.video_max_polls + 1):
            state = job.get("state")
            if state == VIDEO_DONE and isinstance(job.get("blob"), dict):
                return job["blob"]
            if state == VIDEO_FAILED:
                why = job.get("error") or job.get("message") or job.get("failureCode") or "failed"
                raise Rejected(
                    f"Bluesky could not process the video: {why}",
                    code=str(job.get("failureCode") or "") or None,
                )
            job_id = job.get("jobId")
            if not isinstance(job_id, str):
                raise TransientError("The video service answered without a jobId")
            self._sleep(self.video_poll_seconds)
            _, status = self._xrpc(
                "GET",
                self.urls["video"],
                "app.bsky.video.getJobStatus",
                token=None,
                params={"jobId": job_id},
            )
            job = _as_dict(status.get("jobStatus"))
            job.setdefault("jobId", job_id)
        raise TransientError("The Bluesky video service is still processing the video")

    def _embed(self, creds: Credentials, post: OutgoingPost) -> dict[str, Any] | None:
        videos = [m for m in post.media if m.is_video]
        images = [m for m in post.media if not m.is_video]
        if videos and images:
            raise Rejected("A Bluesky post takes either images or one video, not both.")
        if len(videos) > 1:
            raise Rejected("A Bluesky post takes one video.")
        if len(images) > MAX_IMAGES:
            raise Rejected(f"A Bluesky post takes at most {MAX_IMAGES} images.")
        if videos:
            video = videos[0]
            embed: dict[str, Any] = {
                "$type": "app.bsky.embed.video",
                "video": self._blob(post, 0, lambda: self._upload_video(creds, video)),
            }
            if video.alt_text:
                embed["alt"] = video.alt_text
            if ratio := self._aspect_ratio(video):
                embed["aspectRatio"] = ratio
            return embed
        if images:
            entries = []
            for index, image in enumerate(images):
                entry: dict[str, Any] = {
                    "image": self._blob(
                        post, index, lambda image=image: self._upload_blob(creds, image)
                    ),
                    "alt": image.alt_text,
                }
                if ratio := self._aspect_ratio(image):
                    entry["aspectRatio"] = ratio
                entries.append(entry)
            return {"$type": "app.bsky.embed.images", "images": entries}
        if post.link:
            return {
                "$type": "app.bsky.embed.external",
                "external": {
                    "uri": post.link,
                    "title": post.link_title or post.link,
                    "description": post.link_description,
                },
            }
        return None

    @staticmethod
    def _blob(
        post: OutgoingPost, index: int, upload: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """The blob of `post.media[index]`: recorded as "media:<index>" (the blob's JSON) by an
        earlier attempt, or uploaded now and recorded at once."""
        key = f"media:{index}"
        if post.steps.get(key):
            try:
                blob = json.loads(post.steps[key])
            except ValueError:
                blob = None
            if isinstance(blob, dict):
                return blob
        blob = upload()
        post.step_done(key, json.dumps(blob, separators=(",", ":"), sort_keys=True))
        return blob

    def _reply_ref(self, creds: Credentials, parent_uri: str) -> dict[str, Any]:
        """root/parent strongRefs for a reply to `parent_uri` (fetched with getPosts)."""
        body = self._call(creds, "GET", "app.bsky.feed.getPosts", params={"uris": [parent_uri]})
        posts = _as_list(body.get("posts"))
        if not posts:
            raise Rejected("The post being replied to no longer exists.")
        parent = _as_dict(posts[0])
        if not isinstance(parent.get("uri"), str) or not isinstance(parent.get("cid"), str):
            raise TransientError("getPosts answered without uri/cid")
        parent_ref = {"uri": parent["uri"], "cid": parent["cid"]}
        root = _as_dict(_as_dict(_as_dict(parent.get("record")).get("reply")).get("root"))
        root_ref = (
            {"uri": root["uri"], "cid": root["cid"]}
            if isinstance(root.get("uri"), str) and isinstance(root.get("cid"), str)
            else parent_ref
        )
        return {"root": root_ref, "parent": parent_ref}

    def build_record(
        self,
        creds: Credentials,
        text: str,
        *,
        embed: dict[str, Any] | None = None,
        reply: dict[str, Any] | None = None,
        language: str = "",
        created_at: datetime | None = None,
    ) -> dict[str, Any]:
        """An app.bsky.feed.post record (facets resolved; see `build_facets`)."""
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": (created_at or datetime.now(UTC))
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        if language:
            record["langs"] = [language]
        if facets := self.build_facets(creds, text):
            record["facets"] = facets
        if embed:
            record["embed"] = embed
        if reply:
            record["reply"] = reply
        return record

    def _create_post(self, creds: Credentials, record: dict[str, Any]) -> dict[str, Any]:
        body = self._call(
            creds,
            "POST",
            "com.atproto.repo.createRecord",
            json_body={"repo": creds.account_id, "collection": POST_COLLECTION, "record": record},
        )
        if not isinstance(body.get("uri"), str) or not isinstance(body.get("cid"), str):
            raise TransientError("createRecord answered without uri/cid")
        return body

    def post_url(self, creds: Credentials, uri: str) -> str:
        """https://bsky.app/profile/<handle or DID>/post/<rkey> for an at:// URI."""
        actor = creds.extra.get("handle") or uri.removeprefix("at://").split("/", 1)[0]
        return f"{self.urls['web']}/profile/{actor}/post/{_rkey(uri)}"

    def publish(self, creds: Credentials, post: OutgoingPost) -> PublishResult:
        """Create an app.bsky.feed.post (facets, images/video/link card, reply, langs).

        `reply_to_id` is an at:// URI. The first comment is posted as a reply to the new post; if
        it fails the post stays published and `first_comment_error` says why. Uploads blobs and
        may poll the video service. Raises AuthExpired, RateLimited, Rejected, TransientError.
        Bluesky has no duplicate detection, so `duplicate` is never set.

        Resumable: records "media:<i>" (the uploaded blob's JSON), "post" (the post's at:// URI)
        and "first_comment" through `post.record_step` and skips what `post.steps` has (with
        "post" recorded, only the first comment is left). Failures before the post is created
        raise TransientError(sent=False): nothing is public yet."""
        reply: dict[str, Any] | None = None
        created: dict[str, Any] = {}
        uri = post.steps.get("post", "")
        if not uri:
            with nothing_public_yet():
                embed = self._embed(creds, post)
            reply = self._reply_ref(creds, post.reply_to_id) if post.reply_to_id else None
            record = self.build_record(
                creds, post.text, embed=embed, reply=reply, language=post.language
            )
            created = self._create_post(creds, record)
            uri = str(created["uri"])
            post.step_done("post", uri)
        first_comment_id: str | None = post.steps.get("first_comment") or None
        first_comment_error = ""
        if post.first_comment and first_comment_id is None:
            try:
                cid = str(created.get("cid") or "") or self._cid(creds, uri)
                ref = {"uri": uri, "cid": cid}
                if post.reply_to_id and reply is None:
                    reply = self._reply_ref(creds, post.reply_to_id)
                root = reply["root"] if reply else ref
                comment = self._create_post(
                    creds,
                    self.build_record(
                        creds,
                        post.first_comment,
                        reply={"root": root, "parent": ref},
                        language=post.language,
                    ),
                )
                first_comment_id = str(comment["uri"])
                post.step_done("first_comment", first_comment_id)
            except AdapterError as exc:
                first_comment_error = exc.message
        return PublishResult(
            external_id=uri,
            url=self.post_url(creds, uri),
            first_comment_id=first_comment_id,
            first_comment_error=first_comment_error,
            raw=created,
        )

    def _cid(self, creds: Credentials, uri: str) -> str:
        """The cid of our post at `uri` (getPosts), to reply to it."""
        found = self.get_post(creds, uri)
        cid = found.raw.get("cid") if found else None
        if not isinstance(cid, str):
            raise Rejected("The post to comment on is no longer on Bluesky.")
        return cid

    def _published(self, creds: Credentials, view: Mapping[str, Any]) -> PublishedPost:
        record = _as_dict(view.get("record"))
        uri = str(view.get("uri") or "")
        return PublishedPost(
            external_id=uri,
            url=self.post_url(creds, uri),
            text=str(record.get("text") or ""),
            created_at=http.parse_time(record.get("createdAt"))
            or http.parse_time(view.get("indexedAt")),
            raw=view,
        )

    def get_post(self, creds: Credentials, external_id: str) -> PublishedPost | None:
        """The post at `external_id` (at:// URI) via getPosts, or None when it is gone."""
        body = self._call(creds, "GET", "app.bsky.feed.getPosts", params={"uris": [external_id]})
        posts = [p for p in _as_list(body.get("posts")) if isinstance(p, dict) and p.get("uri")]
        return self._published(creds, posts[0]) if posts else None

    def find_recent_post(
        self, creds: Credentials, post: OutgoingPost, *, since: datetime
    ) -> PublishedPost | None:
        """Our own post with the same text created since `since` (app.bsky.feed.getAuthorFeed,
        up to FEED_MAX_PAGES pages), or None; the post recorded as `post.steps["post"]` when
        an attempt got that far."""
        if post.steps.get("post"):
            return self.get_post(creds, post.steps["post"])
        wanted = normalize_text_for_match(post.text)
        cursor: str | None = None
        for _ in range(FEED_MAX_PAGES):
            params: dict[str, Any] = {"actor": creds.account_id, "limit": "50"}
            if cursor:
                params["cursor"] = cursor
            body = self._call(creds, "GET", "app.bsky.feed.getAuthorFeed", params=params)
            feed = _as_list(body.get("feed"))
            older = False
            for item in feed:
                item = _as_dict(item)
                view = _as_dict(item.get("post"))
                if (
                    item.get("reason")
                    or _as_dict(view.get("author")).get("did") != creds.account_id
                ):
                    continue  # reposts and others' posts
                found = self._published(creds, view)
                if found.created_at is not None and found.created_at < since:
                    older = True
                    continue
                if normalize_text_for_match(found.text) == wanted:
                    return found
            cursor = body.get("cursor") if isinstance(body.get("cursor"), str) else None
            if older or not cursor or not feed:
                return None
        return None

    # --- measure ------------------------------------------------------------------------------

    def fetch_post_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[PostMetrics]:
        """likes, shares (reposts), comments (replies), quotes, saves (bookmarks) per post, via
        getPosts in batches of 25. Bluesky reports no impressions or views. Deleted posts are
        left out."""
        now = datetime.now(UTC)
        results: list[PostMetrics] = []
        ids = list(external_ids)
        for start in range(0, len(ids), GET_POSTS_BATCH):
            batch = ids[start : start + GET_POSTS_BATCH]
            body = self._call(creds, "GET", "app.bsky.feed.getPosts", params={"uris": batch})
            for view in _as_list(body.get("posts")):
                view = _as_dict(view)
                if not view.get("uri"):
                    continue
                values: dict[str, int] = {}
                for name, key in (
                    ("likes", "likeCount"),
                    ("shares", "repostCount"),
                    ("comments", "replyCount"),
                    ("quotes", "quoteCount"),
                    ("saves", "bookmarkCount"),
                ):
                    if isinstance(view.get(key), int):
                        values[name] = view[key]
                raw = {k: view[k] for k in view if k.endswith("Count")}
                results.append(
                    PostMetrics(
                        external_id=str(view["uri"]), fetched_at=now, values=values, raw=raw
                    )
                )
        return results

    def fetch_account_metrics(self, creds: Credentials) -> AccountMetrics:
        """followers, following and posts from app.bsky.actor.getProfile."""
        body = self._call(
            creds, "GET", "app.bsky.actor.getProfile", params={"actor": creds.account_id}
        )
        values: dict[str, int] = {}
        for name, key in (
            ("followers", "followersCount"),
            ("following", "followsCount"),
            ("posts", "postsCount"),
        ):
            if isinstance(body.get(key), int):
                values[name] = body[key]
        return AccountMetrics(
            account_id=creds.account_id,
            fetched_at=datetime.now(UTC),
            values=values,
            raw={k: body[k] for k in body if k.endswith("Count")},
        )

    # --- webcare ------------------------------------------------------------------------------

    def fetch_inbox(self, creds: Credentials, *, cursor: str | None) -> InboxPage:
        """Mentions, replies and quotes (listNotifications) plus direct messages.

        cursor=None returns the most recent items (one page of each) and a cursor; passing it
        back returns only newer ones. The cursor is JSON: {"n": newest notification indexedAt,
        "m": newest message sentAt}. DMs go through the chat service (`atproto-proxy` header);
        an app password created without "Allow access to your direct messages" gets an error
        there, and then DMs are skipped for this page (the notifications still come back). So
        are they when the chat service fails or is unreachable (5xx, rate limit): the "m" part of
        the cursor stays where it was, so the next fetch picks those messages up.
        """
        state = self._load_cursor(cursor)
        since_n = http.parse_time(state.get("n"))
        since_m = http.parse_time(state.get("m"))
        items, newest_n = self._notifications(creds, since_n)
        try:
            messages, newest_m = self._messages(creds, since_m)
        except AdapterError:  # no DM access, or the chat service is down: notifications still
            messages, newest_m = [], since_m
        items.extend(messages)
        items.sort(key=lambda item: item.created_at)
        new_state = {
            "n": (newest_n or since_n or datetime.now(UTC)).isoformat(),
            "m": (newest_m or since_m or datetime.now(UTC)).isoformat(),
        }
        return InboxPage(items=tuple(items), cursor=json.dumps(new_state, sort_keys=True))

    @staticmethod
    def _load_cursor(cursor: str | None) -> dict[str, Any]:
        if not cursor:
            return {}
        try:
            state = json.loads(cursor)
        except ValueError:
            return {}
        return state if isinstance(state, dict) else {}

    def _notifications(
        self, creds: Credentials, since: datetime | None
    ) -> tuple[list[InboxItem], datetime | None]:
        items: list[InboxItem] = []
        newest: datetime | None = None
        page_cursor: str | None = None
        for _ in range(INBOX_MAX_PAGES if since else 1):
            params: dict[str, Any] = {
                "reasons": ["mention", "reply", "quote"],
                "limit": str(INBOX_LIMIT),
            }
            if page_cursor:
                params["cursor"] = page_cursor
            body = self._call(
                creds, "GET", "app.bsky.notification.listNotifications", params=params
            )
            notes = _as_list(body.get("notifications"))
            reached_old = False
            for note in notes:
                note = _as_dict(note)
                indexed = http.parse_time(note.get("indexedAt"))
                if indexed is None or note.get("reason") not in ("mention", "reply", "quote"):
                    continue
                if since is not None and indexed <= since:
                    reached_old = True
                    continue
                newest = max(newest, indexed) if newest else indexed
                if item := self._notification_item(creds, note, indexed):
                    items.append(item)
            page_cursor = body.get("cursor") if isinstance(body.get("cursor"), str) else None
            if reached_old or not page_cursor or not notes:
                break
        return items, newest

    def _notification_item(
        self, creds: Credentials, note: Mapping[str, Any], indexed: datetime
    ) -> InboxItem | None:
        uri = note.get("uri")
        if not isinstance(uri, str):
            return None
        record = _as_dict(note.get("record"))
        author = _as_dict(note.get("author"))
        reply = _as_dict(record.get("reply"))
        root_uri = str(_as_dict(reply.get("root")).get("uri") or "")
        parent_uri = str(_as_dict(reply.get("parent")).get("uri") or "")
        reason = note.get("reason")
        handle = str(author.get("handle") or "")
        if reason == "reply":
            kind = "comment" if parent_uri and parent_uri == root_uri else "reply"
            post_id = root_uri
        elif reason == "quote":
            kind = "mention"
            post_id = str(note.get("reasonSubject") or "")
        else:
            kind = "mention"
            post_id = ""
        rkey = _rkey(uri)
        return InboxItem(
            external_id=uri,
            kind=kind,
            author=InboxAuthor(
                external_id=str(author.get("did") or ""),
                handle=handle,
                name=str(author.get("displayName") or ""),
                avatar_url=str(author.get("avatar") or ""),
            ),
            text=str(record.get("text") or ""),
            created_at=http.parse_time(record.get("createdAt")) or indexed,
            thread_id=root_uri or uri,
            post_external_id=post_id,
            parent_external_id=parent_uri,
            reply_to=uri,
            url=f"{self.urls['web']}/profile/{handle or author.get('did')}/post/{rkey}",
            raw=note,
        )

    def _messages(
        self, creds: Credentials, since: datetime | None
    ) -> tuple[list[InboxItem], datetime | None]:
        headers = {"atproto-proxy": self.chat_proxy}
        body = self._call(
            creds, "GET", "chat.bsky.convo.listConvos", params={"limit": "20"}, headers=headers
        )
        items: list[InboxItem] = []
        newest: datetime | None = None
        for convo in _as_list(body.get("convos")):
            convo = _as_dict(convo)
            convo_id = convo.get("id")
            last = http.parse_time(_as_dict(convo.get("lastMessage")).get("sentAt"))
            if not isinstance(convo_id, str) or last is None or (since and last <= since):
                continue
            members = {str(m.get("did")): m for m in map(_as_dict, _as_list(convo.get("members")))}
            page = self._call(
                creds,
                "GET",
                "chat.bsky.convo.getMessages",
                params={"convoId": convo_id, "limit": "20"},
                headers=headers,
            )
            for message in _as_list(page.get("messages")):
                message = _as_dict(message)
                sent = http.parse_time(message.get("sentAt"))
                sender = str(_as_dict(message.get("sender")).get("did") or "")
                if (
                    message.get("$type", "chat.bsky.convo.defs#messageView")
                    != ("chat.bsky.convo.defs#messageView")
                    or sent is None
                    or not isinstance(message.get("id"), str)
                ):
                    continue
                if since and sent <= since:
                    continue
                newest = max(newest, sent) if newest else sent
                if sender == creds.account_id:
                    continue
                profile = members.get(sender, {})
                items.append(
                    InboxItem(
                        external_id=str(message["id"]),
                        kind="message",
                        author=InboxAuthor(
                            external_id=sender,
                            handle=str(profile.get("handle") or ""),
                            name=str(profile.get("displayName") or ""),
                            avatar_url=str(profile.get("avatar") or ""),
                        ),
                        text=str(message.get("text") or ""),
                        created_at=sent,
                        thread_id=convo_id,
                        reply_to=convo_id,
                        raw=message,
                    )
                )
        return items, newest

    def reply(self, creds: Credentials, item: InboxItem, text: str) -> ReplyResult:
        """Answer an inbox item: a reply post for mentions/replies (root/parent strongRefs
        fetched from the item's post), chat.bsky.convo.sendMessage for messages."""
        if item.kind == "message":
            body = self._call(
                creds,
                "POST",
                "chat.bsky.convo.sendMessage",
                json_body={"convoId": item.reply_to or item.thread_id, "message": {"text": text}},
                headers={"atproto-proxy": self.chat_proxy},
            )
            if not isinstance(body.get("id"), str):
                raise TransientError("sendMessage answered without an id")
            return ReplyResult(external_id=body["id"])
        reply = self._reply_ref(creds, item.reply_to or item.external_id)
        created = self._create_post(creds, self.build_record(creds, text, reply=reply))
        uri = str(created["uri"])
        return ReplyResult(external_id=uri, url=self.post_url(creds, uri))
