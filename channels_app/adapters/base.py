"""The adapter contract: what every platform module offers, in platform-neutral terms.

Adapters are the only code that talks to social platforms. They take and return the frozen
dataclasses below, speak HTTP with `requests` (through `channels_app.adapters.http`, so every call
has a timeout), map every platform error onto the errors below, and never touch the ORM or read
Django settings: what they need comes in through `PlatformConfig` and `Credentials`.

Policy is not theirs: the *services* decide whether to retry, refresh a token, mark a channel
"needs reconnect" or tell a person.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable
from urllib.parse import quote, quote_plus, urlencode

# --- Errors -------------------------------------------------------------------------------------


class AdapterError(Exception):
    """Something went wrong talking to a platform.

    `permanent`: a retry of the same call cannot help. `retry_after`: seconds, when known.
    `code`: the platform's own error code or kind, kept for the logs and the UI (never a secret).
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: int | None = None,
        code: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.code = code
        self.status = status


class AuthExpired(AdapterError):
    """The token was rejected, expired or revoked: refresh it, or the channel needs reconnecting."""

    def __init__(self, message: str = "The platform rejected the access token.", **kw: Any) -> None:
        kw.setdefault("permanent", True)
        super().__init__(message, **kw)


class RateLimited(AdapterError):
    """The platform asks us to slow down. Always carries `retry_after` (seconds, >= 1)."""

    def __init__(self, message: str = "Rate limited by the platform.", **kw: Any) -> None:
        retry_after = kw.pop("retry_after", None)
        kw["retry_after"] = max(1, int(retry_after)) if retry_after is not None else 60
        super().__init__(message, **kw)


class Rejected(AdapterError):
    """The platform refused this request or content: a retry of the same request cannot help.

    `reason` is the platform's own explanation, fit to show to the person who wrote the post.
    `duplicate` is True when the platform says the same content was already posted (the engine
    reconciles instead of failing).
    """

    def __init__(self, reason: str, *, duplicate: bool = False, **kw: Any) -> None:
        kw["permanent"] = True
        super().__init__(reason, **kw)
        self.reason = reason
        self.duplicate = duplicate


class TransientError(AdapterError):
    """A timeout, a connection error or a 5xx: retry with backoff.

    `sent` says whether the request may have reached the platform. False only when it surely
    did not (the connection could not be made): then a publish can be retried. True (a read
    timeout, a connection dropped while waiting, a 5xx) means the platform may have acted on it,
    so the engine looks the post up instead of sending it again.
    """

    def __init__(self, message: str, *, sent: bool = True, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.sent = sent


@contextmanager
def nothing_public_yet() -> Iterator[None]:
    """Around the steps before the post itself is created (uploads, containers): their transient
    failures cannot have made anything public, so they are retryable (sent=False) and a retry
    resumes from the recorded steps."""
    try:
        yield
    except TransientError as exc:
        if not exc.sent:
            raise
        raise TransientError(
            exc.message, sent=False, retry_after=exc.retry_after, code=exc.code, status=exc.status
        ) from exc


class NotSupported(AdapterError):
    """The platform (or this kind of account on it) offers no API for this."""

    def __init__(self, message: str, **kw: Any) -> None:
        kw["permanent"] = True
        super().__init__(message, **kw)


# --- Configuration and credentials --------------------------------------------------------------


@dataclass(frozen=True)
class PlatformConfig:
    """The suite's app on one platform, from settings (or, for Mastodon, from the instance).

    `urls` overrides an adapter's default endpoints by name (see each adapter's `DEFAULT_URLS`),
    for tests and stand-ins. `options` holds platform settings such as an API version.
    """

    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    redirect_uri: str = ""
    urls: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Credentials:
    """What a connected account needs to act. Secrets never appear in repr()."""

    account_id: str  # the platform's id for the connected account (Page id, DID, urn, ...)
    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: datetime | None = None  # access token expiry, aware; None: does not expire
    refresh_expires_at: datetime | None = None
    instance_url: str | None = None  # federated platforms: Mastodon instance, Bluesky PDS
    scopes: tuple[str, ...] = ()  # granted scopes, as the platform names them
    extra: Mapping[str, str] = field(default_factory=dict)  # non-secret ids (author urn, ...)


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what to keep until the callback (server-side)."""

    url: str
    state: str
    code_verifier: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AccountProfile:
    account_id: str
    handle: str  # as shown to people: "@tulip@mastodon.social", "tulip.bsky.social", "Tulip Coffee"
    name: str = ""
    avatar_url: str = ""
    url: str = ""  # the profile's public page
    followers: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class ConnectableAccount:
    """One account an authorization gave us access to (a Page, an organization, a profile)."""

    credentials: Credentials
    profile: AccountProfile


# --- Publishing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaFile:
    """One image or video, already rendered to fit the platform (the media pipeline's job).

    `path` is a local file the adapter reads for uploads; `url` a public address for platforms
    that fetch media themselves (Instagram, Threads, Pinterest); one of the two is set.
    """

    content_type: str  # "image/jpeg", "video/mp4", ...
    path: str = ""
    url: str = ""
    size: int = 0  # bytes
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    alt_text: str = ""

    @property
    def is_video(self) -> bool:
        return self.content_type.startswith("video/")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    def read_bytes(self) -> bytes:
        with open(self.path, "rb") as fh:
            return fh.read()


@dataclass(frozen=True)
class OutgoingPost:
    """One post for one channel, tailored and validated before it reaches the adapter."""

    text: str
    idempotency_key: str  # stable per post target: platforms that dedupe get it, we log it
    media: tuple[MediaFile, ...] = ()
    link: str = ""  # a link to share as a link post / card where the platform has one
    link_title: str = ""
    link_description: str = ""
    reply_to_id: str | None = None  # publish as a reply (threads)
    first_comment: str = ""  # posted as a comment/reply right after the post, where supported
    title: str = ""  # platforms with titles (YouTube, Pinterest); ignored by others
    language: str = ""  # ISO 639-1, where the platform takes it
    # Multi-step publishing (media uploads, containers): the ids of steps an earlier attempt
    # finished, to resume instead of starting over, and a callback the adapter calls as soon
    # as a step is done (`record_step("media:0", "1093")`), before the next one starts.
    steps: Mapping[str, str] = field(default_factory=dict)
    record_step: Callable[[str, str], None] | None = field(default=None, compare=False, repr=False)

    def step_done(self, key: str, value: str) -> None:
        """Tell the engine a publish step is done (a no-op when nobody listens)."""
        if self.record_step is not None:
            self.record_step(key, value)

    def text_with_link(self, separator: str = " ") -> str:
        """The text with `link` appended (after `separator`) unless the text already has it,
        for platforms without link posts (the platform makes its own card from the URL)."""
        if self.link and self.link not in self.text:
            return f"{self.text}{separator}{self.link}" if self.text else self.link
        return self.text


def post_first_comment(post: OutgoingPost, create: Callable[[str], str]) -> tuple[str | None, str]:
    """Post `post.first_comment` after the post itself went out, once.

    `create(text)` makes the comment on the platform and returns its id. Returns
    (comment id or None, error message or ""): nothing to do without a first comment or when
    an earlier attempt recorded step "first_comment"; a new comment is recorded at once. An
    AdapterError from `create` does not propagate: the post stays published, and its message
    is returned for `PublishResult.first_comment_error`."""
    comment_id = post.steps.get("first_comment") or None
    if not post.first_comment or comment_id is not None:
        return comment_id, ""
    try:
        comment_id = create(post.first_comment)
    except AdapterError as exc:
        return None, exc.message
    post.step_done("first_comment", comment_id)
    return comment_id, ""


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str = ""
    first_comment_id: str | None = None
    # The first comment failed after the post itself went out: the post stays published.
    first_comment_error: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class PublishedPost:
    """A post as the platform shows it, for reconciliation."""

    external_id: str
    url: str = ""
    text: str = ""
    created_at: datetime | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


# --- Metrics ------------------------------------------------------------------------------------

# Platform-neutral metric names. Adapters fill what the platform reports and nothing else: a
# missing name means "the platform does not say", never zero.
POST_METRICS = (
    "impressions",
    "reach",
    "views",
    "likes",
    "comments",
    "shares",
    "quotes",
    "saves",
    "clicks",
    "engagements",
)
ACCOUNT_METRICS = (
    "followers",
    "following",
    "posts",
    "impressions",
    "reach",
    "views",
    "engagements",
)


@dataclass(frozen=True)
class PostMetrics:
    external_id: str
    fetched_at: datetime
    values: Mapping[str, int]  # neutral name -> value (only POST_METRICS names)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)  # the platform's own numbers


@dataclass(frozen=True)
class AccountMetrics:
    account_id: str
    fetched_at: datetime
    values: Mapping[str, int]  # ACCOUNT_METRICS names
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


# --- Inbox --------------------------------------------------------------------------------------

InboxKind = Literal["comment", "reply", "mention", "message"]


@dataclass(frozen=True)
class InboxAuthor:
    external_id: str
    handle: str = ""
    name: str = ""
    avatar_url: str = ""


@dataclass(frozen=True)
class InboxItem:
    """A comment on our post, a mention of us, or a direct message.

    `thread_id` groups a conversation (the post for comments, the conversation for DMs);
    `post_external_id` is our post it belongs to, when there is one. `reply_to` is what `reply()`
    needs to answer this item (often `external_id`; for DMs the conversation or the person).
    """

    external_id: str
    kind: InboxKind
    author: InboxAuthor
    text: str
    created_at: datetime
    thread_id: str = ""
    post_external_id: str = ""
    parent_external_id: str = ""
    reply_to: str = ""
    url: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class InboxPage:
    """New items since the cursor, oldest first, and the cursor to pass next time.

    `cursor` is opaque to callers (adapters may pack several platform cursors into it)."""

    items: tuple[InboxItem, ...]
    cursor: str | None


@dataclass(frozen=True)
class ReplyResult:
    external_id: str
    url: str = ""


# --- The contract -------------------------------------------------------------------------------

ConnectMethod = Literal["oauth", "instance_oauth", "app_password"]


@runtime_checkable
class PlatformAdapter(Protocol):
    """What every platform module's adapter class offers.

    Construction: `Adapter(config: PlatformConfig, session: requests.Session | None = None)`.
    Every method may raise AuthExpired, RateLimited, Rejected, TransientError or NotSupported, and
    nothing else from the network layer.
    """

    kind: ClassVar[str]
    connect_method: ClassVar[ConnectMethod]
    uses_pkce: ClassVar[bool]
    # Scopes we ask for, and the ones without which the channel cannot do its job (for health).
    scopes: ClassVar[tuple[str, ...]]
    required_scopes: ClassVar[tuple[str, ...]]
    DEFAULT_URLS: ClassVar[Mapping[str, str]]

    # connect
    def authorization_request(
        self, *, state: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> AuthorizationRequest: ...
    def exchange_code(
        self, *, code: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> list[ConnectableAccount]: ...
    def refresh_token(self, creds: Credentials) -> Credentials: ...
    # Optional: `fetch_limits(creds) -> dict`, limits the platform reports for this account's
    # server (Mastodon), kept on the channel and applied to the rules registry.
    # Optional: `can_renew(creds) -> bool`, whether refresh_token() gets a new access token for
    # these credentials. Without it: renewable when a refresh token was issued (see renews()).
    def fetch_profile(self, creds: Credentials) -> AccountProfile: ...

    # publish and reconcile
    def publish(self, creds: Credentials, post: OutgoingPost) -> PublishResult: ...
    def get_post(self, creds: Credentials, external_id: str) -> PublishedPost | None: ...
    def find_recent_post(
        self, creds: Credentials, post: OutgoingPost, *, since: datetime
    ) -> PublishedPost | None: ...
    def delete_post(self, creds: Credentials, external_id: str) -> None:
        """Delete the post `external_id` (as `publish` returned it) that this account made.

        Returns quietly when the platform says the post is already gone (404/410), so a repeated
        delete is harmless. Raises NotSupported, with a reason fit to show a person (what to do
        instead), where the platform's API cannot delete posts; AuthExpired, RateLimited,
        Rejected (an id that is not this account's post, a missing permission) or
        TransientError otherwise. A TransientError means the post may or may not be gone: look
        it up (`get_post`) or delete again."""
        ...

    # measure
    def fetch_post_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[PostMetrics]: ...
    def fetch_account_metrics(self, creds: Credentials) -> AccountMetrics: ...

    # webcare
    def fetch_inbox(self, creds: Credentials, *, cursor: str | None) -> InboxPage: ...
    def reply(self, creds: Credentials, item: InboxItem, text: str) -> ReplyResult: ...


# --- Small shared helpers -----------------------------------------------------------------------


def renews(adapter_cls: Any, creds: Credentials) -> bool:
    """Whether `adapter_cls.refresh_token(creds)` renews the access token (before it expires)."""
    can_renew = getattr(adapter_cls, "can_renew", None)
    return bool(can_renew(creds)) if can_renew is not None else bool(creds.refresh_token)


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    """A PKCE code verifier (RFC 7636: 43-128 characters of [A-Za-z0-9-._~])."""
    return secrets.token_urlsafe(64)[:96]


def code_challenge_s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def oauth_authorization(
    endpoint: str,
    config: PlatformConfig,
    *,
    state: str,
    scope: str,
    code_verifier: str | None = None,
    quote_via: Callable[..., str] = quote_plus,
) -> AuthorizationRequest:
    """Where to send the browser for an OAuth 2.0 authorization code (RFC 6749 4.1.1) from our
    app on `endpoint`: `config`'s client id and redirect URI, `scope` as the platform wants it
    joined, `state`; with `code_verifier`, its PKCE S256 challenge (RFC 7636), and the verifier
    is kept on the request for the code exchange. `quote_via` encodes the query (spaces as "+"
    by default). No network call."""
    params = {
        "response_type": "code",
        "client_id": config.client_id,
        "redirect_uri": config.redirect_uri,
        "scope": scope,
        "state": state,
    }
    if code_verifier:
        params["code_challenge"] = code_challenge_s256(code_verifier)
        params["code_challenge_method"] = "S256"
    url = f"{endpoint}?{urlencode(params, quote_via=quote_via)}"
    return AuthorizationRequest(url=url, state=state, code_verifier=code_verifier)


def path_segment(value: str, *, what: str = "post id") -> str:
    """`value` percent-encoded as one URL path segment ("/" included), for ids that go into a
    path. Raises Rejected when it is empty: a request to the collection's address instead of
    the item's must never go out (least of all a DELETE)."""
    if not value or not value.strip():
        raise Rejected(f"No {what} was given.")
    return quote(value, safe="")


def normalize_text_for_match(text: str) -> str:
    """Whitespace-insensitive form of a post's text, to recognise our own post on a platform."""
    return " ".join(text.split()).casefold()
