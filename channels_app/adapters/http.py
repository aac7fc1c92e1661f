"""The HTTP layer every adapter uses: one `requests.Session`, timeouts always, errors mapped.

Adapters call `send()`; it never lets a `requests` exception out (they become TransientError),
and it leaves status-code mapping to the adapter, which knows its platform's error shapes.
Secrets (tokens, passwords, client secrets) never go into exception messages or logs: messages
carry the method, the URL without its query string, and the status.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

import requests

from channels_app.adapters.base import ConnectMethod, PlatformConfig, RateLimited, TransientError

log = logging.getLogger("channels_app.adapters")

# (connect, read) seconds. Uploads pass a longer read timeout explicitly.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)
UPLOAD_TIMEOUT: tuple[float, float] = (5.0, 300.0)
USER_AGENT = "Ripple/1.0 (+https://github.com/ripple-smm/ripple; social media management suite)"


def new_session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


class HttpAdapter:
    """What every HTTP adapter starts from: its `config`, its endpoint `urls` (the class's
    `DEFAULT_URLS`, each overridable by name through `config.urls`), one `session` (shared
    with the caller when given, else a new one) and `_sleep`, the pause between polls of a
    platform still processing media (tests replace it). Makes no network call."""

    # What the contract (`base.PlatformAdapter`) asks of every adapter class: each sets them.
    kind: ClassVar[str]
    connect_method: ClassVar[ConnectMethod]
    uses_pkce: ClassVar[bool]
    scopes: ClassVar[tuple[str, ...]]  # what we ask for
    required_scopes: ClassVar[tuple[str, ...]]  # without these the channel cannot do its job
    DEFAULT_URLS: ClassVar[Mapping[str, str]] = {}  # endpoint name -> URL

    def __init__(self, config: PlatformConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self.urls: dict[str, str] = {**self.DEFAULT_URLS, **config.urls}
        self.session = session or new_session()
        self._sleep: Callable[[float], None] = time.sleep


def as_dict(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else {} (for reading platform bodies defensively)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` when it is a JSON array, else []."""
    return value if isinstance(value, list) else []


def safe_url(url: str) -> str:
    """The URL without query string or fragment (they may hold tokens), for messages and logs."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    **kwargs: Any,
) -> requests.Response:
    """Send one request. Raises TransientError on timeouts and connection errors.

    The caller maps the response status (each platform has its own error shapes)."""
    # `from None`: a requests exception's text holds the full URL, and some platforms take
    # tokens and secrets in the query string (Graph code exchange, Instagram refresh); chained,
    # it would end up in tracebacks and logs.
    try:
        resp = session.request(method, url, timeout=timeout, **kwargs)
    except requests.ConnectTimeout:
        raise TransientError(
            f"{method} {safe_url(url)}: connecting timed out", sent=False
        ) from None
    except requests.Timeout:
        raise TransientError(f"{method} {safe_url(url)} timed out waiting for an answer") from None
    except requests.ConnectionError as exc:
        if _never_connected(exc):
            raise TransientError(
                f"{method} {safe_url(url)}: could not connect ({type(exc).__name__})", sent=False
            ) from None
        raise TransientError(
            f"{method} {safe_url(url)}: the connection dropped ({type(exc).__name__})"
        ) from None
    except requests.RequestException as exc:
        raise TransientError(f"{method} {safe_url(url)}: {type(exc).__name__}") from None
    log.debug("%s %s -> %s", method, safe_url(url), resp.status_code)
    return resp


def _never_connected(exc: requests.ConnectionError) -> bool:
    """True when the connection was never made (refused, no route, DNS): nothing was sent."""
    from urllib3.exceptions import NameResolutionError, NewConnectionError

    never = (NewConnectionError, NameResolutionError, ConnectionRefusedError)
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        cause = pending.pop()
        if id(cause) in seen:
            continue
        seen.add(id(cause))
        if isinstance(cause, never):
            return True
        reason = getattr(cause, "reason", None)
        nested = [reason, cause.__cause__, cause.__context__, *cause.args]
        pending += [n for n in nested if isinstance(n, BaseException)]
    return False


def json_or_empty(resp: requests.Response) -> Any:
    """The response body as JSON, or {} when it is empty or not JSON."""
    try:
        return resp.json()
    except ValueError:
        return {}


def retry_after_seconds(
    resp: requests.Response, *, reset_header: str | None = None, default: int = 60
) -> int:
    """Seconds to wait, from `Retry-After` (seconds or HTTP date) or a reset header.

    `reset_header` names a header holding the reset moment as epoch seconds (X, Bluesky) or an
    ISO 8601 timestamp (Mastodon)."""
    now = datetime.now(UTC)
    value = resp.headers.get("Retry-After")
    if value:
        value = value.strip()
        if value.isdigit():
            return max(1, int(value))
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(1, int((when - now).total_seconds()))
    if reset_header and (reset := resp.headers.get(reset_header)):
        reset = reset.strip()
        if reset.isdigit():
            return max(1, int(reset) - int(now.timestamp()))
        try:
            when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            return default
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(1, int((when - now).total_seconds()))
    return default


def raise_for_transport(resp: requests.Response, *, reset_header: str | None = None) -> None:
    """The mapping every platform shares: 429 -> RateLimited, 5xx -> TransientError."""
    if resp.status_code == 429:
        raise RateLimited(
            f"Rate limited ({safe_url(resp.url)})",
            retry_after=retry_after_seconds(resp, reset_header=reset_header),
            status=429,
        )
    if resp.status_code >= 500:
        raise TransientError(
            f"{resp.request.method} {safe_url(resp.url)} answered {resp.status_code}",
            status=resp.status_code,
            retry_after=retry_after_seconds(resp, default=0) or None,
        )


def parse_time(value: str | int | float | None) -> datetime | None:
    """An aware datetime from an ISO 8601 string or epoch seconds; None when absent/unparseable."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, tz=UTC)
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), tz=UTC)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Meta: 2026-11-29T10:00:00+0000
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def load_cursor(cursor: str | None) -> dict[str, str]:
    """The {name: value} state an adapter packed into an opaque inbox cursor as JSON (the
    newest times seen, per source); {} when absent or unreadable. Non-string values, which no
    adapter writes, are dropped."""
    if not cursor:
        return {}
    try:
        state = json.loads(cursor)
    except ValueError:
        return {}
    if not isinstance(state, dict):
        return {}
    return {k: v for k, v in state.items() if isinstance(v, str)}
