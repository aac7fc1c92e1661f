"""Shared Graph API helpers for Meta's platforms (Facebook Pages, Instagram).

Both speak the same Graph dialect: versioned paths (`/v26.0/...`), the error envelope
`{"error": {"message", "type", "code", "error_subcode", "error_user_title", "error_user_msg",
"is_transient", "fbtrace_id"}}`, throttle telemetry in `X-App-Usage` / `X-Page-Usage` /
`X-Business-Use-Case-Usage` headers and cursor paging (`paging.next`). This module maps all of
that onto the adapter errors of `base.py`; it never puts a token into a message.

Both also run their inboxes the same way (comments on recent posts plus the conversations edge,
merged into one page behind one cursor: `fetch_inbox`, `reply`), so that is written here once;
what differs (which edges, which fields, whose items are "ours") stays in each adapter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from channels_app.adapters import http
from channels_app.adapters.base import (
    AdapterError,
    AuthExpired,
    InboxItem,
    InboxPage,
    OutgoingPost,
    PlatformConfig,
    PublishResult,
    RateLimited,
    Rejected,
    ReplyResult,
    TransientError,
    normalize_text_for_match,
)

# The latest Graph API version when this was written (changelog: v26.0, July 29 2026).
DEFAULT_GRAPH_VERSION = "v26.0"

# Error codes (https://developers.facebook.com/docs/graph-api/guides/error-handling).
AUTH_CODES = frozenset({102, 190})
# 458 app not installed, 459 checkpoint, 460 password changed, 463 expired, 464 unconfirmed
# user, 467 invalid token, 492 invalid session.
AUTH_SUBCODES = frozenset({458, 459, 460, 463, 464, 467, 492})
# 4 app, 17 user, 32 Page, 613 calls-per-time, 341 app limit, 9 Instagram publishing limit,
# 80001-80014 business use case throttles.
THROTTLE_CODES = frozenset({4, 9, 17, 32, 341, 613, *range(80001, 80015)})
DUPLICATE_CODES = frozenset({506})
TRANSIENT_CODES = frozenset({1, 2})
# Seconds to wait on a throttle when no usage header tells us better.
DEFAULT_THROTTLE_SECONDS = 300
USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-Page-Usage", "X-App-Usage", "X-Ad-Account-Usage")
# A Messenger / Instagram Direct message, as both conversation edges return it.
MESSAGE_FIELDS = "id,message,from,created_time"


def graph_version(config: PlatformConfig) -> str:
    """The configured Graph API version as `vNN.N` (option "graph_version"; "26.0" also works)."""
    version = (config.options.get("graph_version") or DEFAULT_GRAPH_VERSION).strip()
    if not version.startswith("v"):
        version = f"v{version}"
    return version


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def usage_retry_after(resp: requests.Response) -> int | None:
    """Seconds until access returns, from `estimated_time_to_regain_access` (minutes) in Meta's
    usage headers, or from `Retry-After`; None when no header says."""
    minutes: list[int] = []

    def collect(node: Any) -> None:
        if isinstance(node, Mapping):
            value = _int(node.get("estimated_time_to_regain_access"))
            if value is not None:
                minutes.append(value)
            for child in node.values():
                if isinstance(child, Mapping | list):
                    collect(child)
        elif isinstance(node, list):
            for child in node:
                collect(child)

    for header in USAGE_HEADERS:
        raw = resp.headers.get(header)
        if not raw:
            continue
        try:
            collect(json.loads(raw))
        except ValueError:
            continue
    if minutes and max(minutes) > 0:
        return max(minutes) * 60
    if resp.headers.get("Retry-After"):
        return http.retry_after_seconds(resp, default=DEFAULT_THROTTLE_SECONDS)
    return None


def error_of(body: Any) -> Mapping[str, Any] | None:
    """The Graph error object of a response body, or None."""
    if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
        return body["error"]
    return None


def raise_for_graph(resp: requests.Response) -> Any:
    """Map a Graph response onto the adapter errors; return its JSON body when it succeeded.

    Raises AuthExpired (190, 102, token subcodes), RateLimited (throttle codes, 429),
    Rejected (duplicate 506, permissions 10/200-299, invalid parameter 100, policy 368, other
    4xx) and TransientError (codes 1/2, `is_transient`, 5xx, a malformed success body)."""
    body = http.json_or_empty(resp)
    err = error_of(body)
    status = resp.status_code
    if err is None:
        if status < 400:
            if not isinstance(body, Mapping | list) or (resp.content and body == {}):
                raise TransientError(
                    f"{http.safe_url(resp.url)} answered a malformed body", status=status
                )
            return body
        http.raise_for_transport(resp)
        if status == 401:
            raise AuthExpired(status=status)
        # api.instagram.com's token endpoint: {"error_type", "code", "error_message"}.
        message = body.get("error_message") if isinstance(body, Mapping) else None
        reason = str(message or f"The platform refused the request (HTTP {status}).")
        raise Rejected(reason, status=status)

    code = _int(err.get("code"))
    subcode = _int(err.get("error_subcode"))
    message = str(err.get("message") or "").strip()
    user_msg = str(err.get("error_user_msg") or "").strip()
    reason = user_msg or message or f"The platform refused the request (HTTP {status})."
    code_text = f"{code}" + (f"/{subcode}" if subcode else "")
    kw: dict[str, Any] = {"code": code_text, "status": status}

    if code in AUTH_CODES or subcode in AUTH_SUBCODES:
        raise AuthExpired(
            f"The platform rejected the access token: {message or 'expired or revoked'}", **kw
        )
    if code in THROTTLE_CODES or status == 429:
        retry_after = usage_retry_after(resp) or DEFAULT_THROTTLE_SECONDS
        raise RateLimited(f"Rate limited by the platform: {message}", retry_after=retry_after, **kw)
    if code in DUPLICATE_CODES:
        raise Rejected(reason, duplicate=True, **kw)
    if err.get("is_transient") is True or code in TRANSIENT_CODES or status >= 500:
        raise TransientError(f"The platform had a temporary problem: {message}", **kw)
    raise Rejected(reason, **kw)


class GraphClient:
    """A thin Graph API caller: base URL + version, Bearer token, error mapping."""

    def __init__(self, session: requests.Session, base_url: str, version: str | None) -> None:
        self.session = session
        self.base = base_url.rstrip("/") + (f"/{version}" if version else "")

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base}/{path.lstrip('/')}"

    def call(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        timeout: tuple[float, float] = http.DEFAULT_TIMEOUT,
        **kwargs: Any,
    ) -> Any:
        """Send one request and return its JSON body (see `raise_for_graph` for errors)."""
        headers = dict(kwargs.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        resp = http.send(
            self.session, method, self.url(path), timeout=timeout, headers=headers, **kwargs
        )
        return raise_for_graph(resp)

    def get(self, path: str, token: str | None, **params: Any) -> Any:
        return self.call("GET", path, token, params=params or None)

    def post(self, path: str, token: str | None, **kwargs: Any) -> Any:
        return self.call("POST", path, token, **kwargs)

    def get_or_none(self, path: str, token: str | None, **params: Any) -> Any:
        """`get()`, but None when the object is gone (HTTP 404, or code 100 subcode 33:
        "does not exist or cannot be loaded"). Raises the other mapped errors."""
        try:
            return self.get(path, token, **params)
        except Rejected as exc:
            if exc.status == 404 or (exc.code or "").startswith("100/33"):
                return None
            raise

    def get_quietly(self, path: str, token: str | None, **params: Any) -> Mapping[str, Any]:
        """`get()` for what is only nice to have (a permalink after publishing): {} instead of
        any adapter error, so that a missing detail never makes anyone publish again."""
        try:
            body = self.get(path, token, **params)
        except AdapterError:
            return {}
        return body if isinstance(body, Mapping) else {}

    def insights(self, path: str, token: str, **params: Any) -> dict[str, int]:
        """{metric: value} of an insights edge (see `insight_values`); {} when Meta refuses
        them (invalid metric 100, too small an audience or no ANALYZE task 10/200): then the
        platform has no numbers for us. Raises the other mapped errors."""
        try:
            return insight_values(self.get(path, token, **params))
        except Rejected:
            return {}

    def find_recent(
        self,
        path: str,
        token: str,
        *,
        text: str,
        since: datetime,
        text_field: str,
        time_field: str,
        fields: str,
    ) -> Mapping[str, Any] | None:
        """The newest item of the edge at `path` (newest first, up to three pages of 25) whose
        `text_field` matches `text` (whitespace and case aside) and which is not older than
        `since` (by `time_field`); None when the edge reaches older items first or ends.
        Raises the mapped errors."""
        wanted = normalize_text_for_match(text)
        for item in self.iter_items(path, token, fields=fields, limit=25):
            created = http.parse_time(item.get(time_field))
            if created is not None and created < since:
                return None
            if item.get("id") and normalize_text_for_match(str(item.get(text_field) or "")) == (
                wanted
            ):
                return item
        return None

    def iter_items(
        self, path: str, token: str | None, *, max_pages: int = 3, **params: Any
    ) -> Iterator[Mapping[str, Any]]:
        """The `data` items of an edge, following `paging.next` for at most `max_pages` pages."""
        body = self.get(path, token, **params)
        for _ in range(max_pages):
            yield from data_list(body)
            next_url = body.get("paging", {}).get("next") if isinstance(body, Mapping) else None
            if not isinstance(next_url, str) or not next_url:
                return
            body = self.call("GET", next_url, token)


class GraphAdapter(http.HttpAdapter):
    """The start of a Meta adapter: `http.HttpAdapter` plus the configured Graph API `version`
    and `graph`, a GraphClient on `urls["graph"]`. Makes no network call."""

    def __init__(self, config: PlatformConfig, session: requests.Session | None = None) -> None:
        super().__init__(config, session)
        self.version = graph_version(config)
        self.graph = GraphClient(self.session, self.urls["graph"], self.version)


def publish_comment(
    graph: GraphClient, token: str, post: OutgoingPost, path: str, data: Mapping[str, str]
) -> PublishResult:
    """Publish `post` as a comment (POST `path` with `data`: a post with `reply_to_id`), once:
    the comment an earlier attempt recorded as step "post" is returned as it is, a new one is
    recorded at once. Side effect: the comment goes live. Raises the mapped errors."""
    if post.steps.get("post"):
        return PublishResult(external_id=post.steps["post"])
    body = graph.post(path, token, data=dict(data))
    comment_id = require_id(body)
    post.step_done("post", comment_id)
    return PublishResult(external_id=comment_id, raw=body)


def data_list(body: Any) -> list[Mapping[str, Any]]:
    """`body["data"]` as a list of objects; a malformed body is a TransientError."""
    if not isinstance(body, Mapping) or not isinstance(body.get("data", []), list):
        raise TransientError("The platform answered a malformed list.")
    return [item for item in body.get("data", []) if isinstance(item, Mapping)]


def require_id(body: Any, key: str = "id") -> str:
    """The id in a creation response; a body without it is a TransientError."""
    value = body.get(key) if isinstance(body, Mapping) else None
    if not isinstance(value, str | int) or value == "":
        raise TransientError(f"The platform answered without an {key!r}.")
    return str(value)


def insight_values(body: Any) -> dict[str, int]:
    """{metric name: value} from an insights response (`values[-1].value` or `total_value`).

    Dict values (e.g. reactions by type) are summed; metrics without a number are left out."""
    out: dict[str, int] = {}
    for item in data_list(body):
        name = item.get("name")
        if not isinstance(name, str):
            continue
        value: Any = None
        total = item.get("total_value")
        if isinstance(total, Mapping):
            value = total.get("value")
        values = item.get("values")
        if value is None and isinstance(values, list) and values:
            last = values[-1]
            value = last.get("value") if isinstance(last, Mapping) else None
        if isinstance(value, Mapping):
            value = sum(v for v in value.values() if isinstance(v, int))
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        out[name] = int(value)
    return out


def renamed(values: Mapping[str, int], names: Mapping[str, str]) -> dict[str, int]:
    """The `values` that `names` knows, under their neutral names ({Meta name: neutral})."""
    return {neutral: values[name] for name, neutral in names.items() if name in values}


def summary_count(obj: Mapping[str, Any], edge: str) -> int | None:
    """`obj[edge].summary.total_count` (reactions/comments summaries), when present."""
    node = obj.get(edge)
    if isinstance(node, Mapping) and isinstance(node.get("summary"), Mapping):
        return _int(node["summary"].get("total_count"))
    return None


def expires_at_from(expires_in: Any) -> datetime | None:
    """An aware expiry from a token response's `expires_in` (seconds); None when absent/zero."""
    seconds = _int(expires_in)
    return datetime.now(UTC) + timedelta(seconds=seconds) if seconds and seconds > 0 else None


def access_token_of(body: Any) -> str:
    """The `access_token` of a token response; a body without one is a TransientError."""
    token = body.get("access_token") if isinstance(body, Mapping) else None
    if not isinstance(token, str) or not token:
        raise TransientError("The platform answered without an access token.")
    return token


# --- The inbox: comments and conversations merged into one page -----------------------------------

# Candidate inbox items (None: a raw object that is not one, e.g. our own comment), given the
# time of the newest item already seen (None on a first poll).
CommentSource = Callable[[datetime | None], Iterable[InboxItem | None]]
# An InboxItem from one raw message of the conversation with this id, or None (ours, malformed).
MessageParser = Callable[[Mapping[str, Any], str], InboxItem | None]


def conversation_messages(
    graph: GraphClient, path: str, token: str, *, platform: str, parse: MessageParser
) -> Iterator[InboxItem | None]:
    """The messages of the 25 latest conversations at `path` (`{page}/conversations` or
    `me/conversations`, `platform` "messenger" or "instagram"), 25 each, parsed by `parse`.
    One request. Raises the mapped errors."""
    convs = graph.get(
        path,
        token,
        platform=platform,
        fields=f"id,updated_time,messages.limit(25){{{MESSAGE_FIELDS}}}",
        limit=25,
    )
    for conv in data_list(convs):
        for raw in data_list(conv.get("messages") or {}):
            yield parse(raw, str(conv.get("id") or ""))


def fetch_inbox(
    cursor: str | None,
    *,
    comments: CommentSource,
    messages: Callable[[], Iterable[InboxItem | None]],
    limit: int,
) -> InboxPage:
    """One inbox page of a Meta account: comments and direct messages newer than `cursor`,
    oldest first.

    `cursor` is opaque JSON {"comments": ISO time, "messages": ISO time} of the newest item of
    each kind seen so far; None (a first poll) keeps only the `limit` most recent items. The
    next cursor moves each time forward to the newest item returned of that kind, and starts
    at "now" when a first poll finds nothing. `comments` and `messages` yield candidates
    (None is skipped); both are read here, so their errors (the mapped Graph errors) raise."""
    state = http.load_cursor(cursor)
    since_comments = http.parse_time(state.get("comments"))
    since_messages = http.parse_time(state.get("messages"))
    found_comments = _newer(comments(since_comments), since_comments)
    found_messages = _newer(messages(), since_messages)

    items = sorted(found_comments + found_messages, key=lambda i: i.created_at)
    if cursor is None:
        items = items[-limit:]
    new_state = dict(state)
    if found_comments:
        new_state["comments"] = max(i.created_at for i in found_comments).isoformat()
    if found_messages:
        new_state["messages"] = max(i.created_at for i in found_messages).isoformat()
    if not new_state:
        new_state["comments"] = new_state["messages"] = datetime.now(UTC).isoformat()
    return InboxPage(items=tuple(items), cursor=json.dumps(new_state, sort_keys=True))


def _newer(candidates: Iterable[InboxItem | None], since: datetime | None) -> list[InboxItem]:
    return [i for i in candidates if i and (since is None or i.created_at > since)]


def reply(
    graph: GraphClient,
    token: str,
    item: InboxItem,
    text: str,
    *,
    messages_path: str,
    comment_edge: str,
    message_fields: Mapping[str, Any] | None = None,
) -> ReplyResult:
    """Answer an inbox item: a direct message goes to `messages_path` (the Send API, to the
    sender; only within Meta's 24-hour window, else Rejected), anything else becomes a
    comment on the item's `comment_edge` ("comments" on Facebook, "replies" on Instagram).
    `message_fields` are added to the message request. Raises the mapped errors."""
    if item.kind == "message":
        body = graph.post(
            messages_path,
            token,
            json={
                "recipient": {"id": item.reply_to or item.author.external_id},
                **(message_fields or {}),
                "message": {"text": text},
            },
        )
        return ReplyResult(external_id=require_id(body, "message_id"))
    target = item.reply_to or item.external_id
    body = graph.post(f"{target}/{comment_edge}", token, data={"message": text})
    return ReplyResult(external_id=require_id(body))
