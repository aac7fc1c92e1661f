"""A fake Mastodon instance on 127.0.0.1 for tests and benchmarks that run real processes.

It speaks the part of Mastodon's REST API that `channels_app.adapters.mastodon` uses when it
publishes and reconciles, records every call, and counts the statuses it created, so a test can
say "exactly one status per target, no duplicate Idempotency-Key":

    with fake_mastodon(latency_ms=5) as fake:
        channel = ChannelFactory(platform="mastodon", instance_url=fake.url, ...)
        ...
        assert fake.duplicates() == {}
        assert len(fake.calls_to("POST", "/api/v1/statuses")) == 50

Endpoints: POST /api/v1/statuses (honours Idempotency-Key per account like Mastodon: the same
key answers the status it created the first time), GET /api/v1/statuses/:id,
GET /api/v1/accounts/verify_credentials, GET /api/v1/accounts/:id/statuses (newest first,
`limit`, `max_id`), POST /api/v2/media, GET /api/v1/media/:id, GET /api/v1/instance and
/api/v2/instance. Any bearer token is accepted (no header: 401); a token is one account, made on
first sight unless `add_account` named it.

Faults, per "METHOD /path" (fnmatch pattern, e.g. "GET /api/v1/accounts/*/statuses"):
`hang_next(...)` holds the next matching request for N seconds (after creating the status, by
default: the platform did it, the answer is late); `fail_next(...)` answers an error status
(429 with Retry-After, 500, ...) instead of handling the request. `latency_ms` delays every
answer. The server is a ThreadingHTTPServer (one thread per connection, HTTP/1.1 keep-alive),
so hung requests do not block others. Thread-safe; works from the test process while Celery
worker subprocesses call it.
"""

from __future__ import annotations

import fnmatch
import html
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

RECORDED_HEADERS = ("Authorization", "Idempotency-Key", "Content-Type", "User-Agent")
FIRST_STATUS_ID = 113_000_000_000_000_000  # Mastodon ids are numeric strings of this size


@dataclass(frozen=True)
class Call:
    """One request as the fake platform received it."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # RECORDED_HEADERS that were present
    body: bytes
    at: float  # time.time() when the request arrived (wall clock, comparable to due times)
    status: int | None = None  # the answer's HTTP status; None while it is still being handled

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    @property
    def idempotency_key(self) -> str:
        return self.headers.get("Idempotency-Key", "")


@dataclass
class Status:
    """A status the fake platform created."""

    id: str
    account_id: str
    text: str
    idempotency_key: str
    created_at: datetime
    in_reply_to_id: str | None = None
    media_ids: list[str] = field(default_factory=list)
    language: str | None = None


@dataclass
class Fault:
    """What to do to the next `remaining` requests matching `pattern` ("METHOD /path-glob")."""

    pattern: str
    remaining: int
    status: int | None = None  # answer this instead of handling the request
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0
    hang_after_handling: bool = True  # True: do the work, then delay the answer
    started: threading.Event = field(default_factory=threading.Event)  # a hang began

    def matches(self, method: str, path: str) -> bool:
        return fnmatch.fnmatchcase(f"{method} {path}", self.pattern)


def status_html(text: str) -> str:
    """Mastodon's HTML for plain text: paragraphs for blank lines, <br /> for line breaks."""
    paragraphs = [p for p in text.split("\n\n")]
    return "".join(
        "<p>" + "<br />".join(html.escape(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )


class FakePlatform:
    """The state and the fault plan of one fake Mastodon instance; see the module docstring."""

    def __init__(self, *, latency_ms: float = 0) -> None:
        self.latency_ms = latency_ms
        self.url = ""  # "http://127.0.0.1:<port>", set once the server listens
        self._lock = threading.Lock()
        self._release = threading.Event()  # set on stop: cut every hang short
        self._calls: list[Call] = []
        self._statuses: list[Status] = []
        self._by_key: dict[tuple[str, str], Status] = {}
        self._accounts: dict[str, dict[str, Any]] = {}  # token -> account
        self._faults: list[Fault] = []
        self._ids = itertools.count(FIRST_STATUS_ID)
        self._account_ids = itertools.count(200_000)

    # --- what happened -----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    @property
    def statuses(self) -> list[Status]:
        with self._lock:
            return list(self._statuses)

    def calls_to(self, method: str, path: str) -> list[Call]:
        """Calls whose "METHOD /path" matches (fnmatch pattern allowed in `path`)."""
        pattern = f"{method.upper()} {path}"
        return [c for c in self.calls if fnmatch.fnmatchcase(f"{c.method} {c.path}", pattern)]

    def statuses_by_key(self) -> Counter[str]:
        """Statuses created per Idempotency-Key ("" for requests without one)."""
        return Counter(s.idempotency_key for s in self.statuses)

    def statuses_by_text(self) -> Counter[str]:
        return Counter(s.text for s in self.statuses)

    def duplicates(self) -> dict[str, int]:
        """Texts posted more than once (top-level statuses only): must stay empty."""
        counts = Counter(s.text for s in self.statuses if s.in_reply_to_id is None)
        return {text: n for text, n in counts.items() if n > 1}

    def reset(self) -> None:
        """Forget calls, statuses, faults and accounts (the latency stays)."""
        with self._lock:
            self._calls.clear()
            self._statuses.clear()
            self._by_key.clear()
            self._accounts.clear()
            self._faults.clear()

    # --- set up --------------------------------------------------------------------------------

    def add_account(self, token: str, account_id: str, username: str = "ripple") -> None:
        """Let `token` be the account `account_id` (a channel's external_id)."""
        with self._lock:
            self._accounts[token] = self._account(account_id, username)

    def hang_next(
        self,
        method: str,
        path: str,
        seconds: float,
        *,
        times: int = 1,
        after_handling: bool = True,
    ) -> Fault:
        """Hold the next `times` matching requests `seconds` before answering.

        after_handling True (default): the request takes effect (the status is created) and only
        the answer is late, like an instance that posted and then stalled. The returned Fault's
        `started` event is set when a hang begins."""
        fault = Fault(
            pattern=f"{method.upper()} {path}",
            remaining=times,
            hang_seconds=seconds,
            hang_after_handling=after_handling,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def fail_next(
        self,
        method: str,
        path: str,
        status: int = 429,
        *,
        times: int = 1,
        retry_after: int | None = 1,
        body: dict[str, Any] | None = None,
    ) -> Fault:
        """Answer the next `times` matching requests with `status` without handling them
        (429 carries Retry-After: `retry_after`)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        fault = Fault(
            pattern=f"{method.upper()} {path}",
            remaining=times,
            status=status,
            body=body if body is not None else {"error": f"Fake error {status}"},
            headers=headers,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def release_hangs(self) -> None:
        """Let every hung request answer now (also done on stop)."""
        self._release.set()

    # --- internals (called by the handler threads) -----------------------------------------

    def _account(self, account_id: str, username: str) -> dict[str, Any]:
        host = urlsplit(self.url).netloc
        return {
            "id": account_id,
            "username": username,
            "acct": username,
            "display_name": username.title(),
            "url": f"{self.url}/@{username}",
            "avatar": f"{self.url}/avatars/{account_id}.png",
            "followers_count": 10,
            "following_count": 5,
            "statuses_count": 0,
            "note": f"Fake account on {host}",
        }

    def _account_for(self, token: str) -> dict[str, Any]:
        with self._lock:
            account = self._accounts.get(token)
            if account is None:
                account_id = str(next(self._account_ids))
                account = self._accounts[token] = self._account(account_id, f"user{account_id}")
            return account

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and fault.matches(method, path):
                    fault.remaining -= 1
                    return fault
        return None

    def _record(self, call: Call) -> int:
        with self._lock:
            self._calls.append(call)
            return len(self._calls) - 1

    def _answered(self, index: int, status: int) -> None:
        with self._lock:
            call = self._calls[index]
            self._calls[index] = Call(**{**call.__dict__, "status": status})

    def _hang(self, seconds: float, fault: Fault) -> None:
        fault.started.set()
        self._release.wait(seconds)

    def _status_json(self, status: Status) -> dict[str, Any]:
        account = next(
            (a for a in self._accounts.values() if a["id"] == status.account_id),
            self._account(status.account_id, "user"),
        )
        return {
            "id": status.id,
            "created_at": status.created_at.isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"
            ),
            "in_reply_to_id": status.in_reply_to_id,
            "in_reply_to_account_id": status.account_id if status.in_reply_to_id else None,
            "visibility": "public",
            "language": status.language,
            "uri": f"{self.url}/users/{account['username']}/statuses/{status.id}",
            "url": f"{self.url}/@{account['username']}/{status.id}",
            "content": status_html(status.text),
            "media_attachments": [{"id": m, "type": "image"} for m in status.media_ids],
            "account": account,
            "reblog": None,
            "favourites_count": 0,
            "reblogs_count": 0,
            "replies_count": 0,
        }

    def _create_status(self, token: str, key: str, body: dict[str, Any]) -> tuple[int, dict]:
        account = self._account_for(token)
        text = str(body.get("status") or "")
        media_ids = [str(m) for m in body.get("media_ids") or []]
        if not text and not media_ids:
            return 422, {"error": "Validation failed: Text can't be blank"}
        with self._lock:
            if key and (existing := self._by_key.get((token, key))):
                return 200, self._status_json(existing)
            status = Status(
                id=str(next(self._ids)),
                account_id=account["id"],
                text=text,
                idempotency_key=key,
                created_at=datetime.now(UTC),
                in_reply_to_id=str(body["in_reply_to_id"]) if body.get("in_reply_to_id") else None,
                media_ids=media_ids,
                language=body.get("language"),
            )
            self._statuses.append(status)
            if key:
                self._by_key[(token, key)] = status
            return 200, self._status_json(status)

    def _account_statuses(
        self, token: str, account_id: str, query: dict[str, list[str]]
    ) -> list[dict]:
        limit = min(int((query.get("limit") or ["20"])[0]), 40)
        max_id = (query.get("max_id") or [None])[0]
        with self._lock:
            known = {a["id"] for a in self._accounts.values()}
        if account_id not in known:  # an id nobody registered: the token's own account
            account_id = self._account_for(token)["id"]
        with self._lock:
            mine = [s for s in self._statuses if s.account_id == account_id]
            mine.sort(key=lambda s: int(s.id), reverse=True)
            if max_id:
                mine = [s for s in mine if int(s.id) < int(max_id)]
            return [self._status_json(s) for s in mine[:limit]]

    def _instance(self) -> dict[str, Any]:
        return {
            "domain": urlsplit(self.url).netloc,
            "title": "Fake Mastodon",
            "version": "4.3.0",
            "configuration": {
                "statuses": {
                    "max_characters": 500,
                    "max_media_attachments": 4,
                    "characters_reserved_per_url": 23,
                },
                "media_attachments": {
                    "supported_mime_types": ["image/jpeg", "image/png", "image/gif", "video/mp4"],
                    "image_size_limit": 16_777_216,
                    "image_matrix_limit": 33_177_600,
                    "video_size_limit": 103_809_024,
                },
                "polls": {"max_options": 4},
            },
        }

    def handle(self, method: str, path: str, query: dict, headers: Any, body: bytes) -> tuple:
        """(status, json body, extra headers) for one request; runs in a handler thread."""
        auth = headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        parts = [p for p in path.split("/") if p]
        if parts[:2] == ["api", "v1"] and parts[2:] == ["instance"]:
            return 200, self._instance(), {}
        if parts[:2] == ["api", "v2"] and parts[2:] == ["instance"]:
            return 200, self._instance(), {}
        if not token:
            return 401, {"error": "The access token is invalid"}, {}
        if method == "GET" and parts == ["api", "v1", "accounts", "verify_credentials"]:
            return 200, self._account_for(token), {}
        if method == "POST" and parts == ["api", "v1", "statuses"]:
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return 400, {"error": "Unparseable JSON"}, {}
            code, answer = self._create_status(token, headers.get("Idempotency-Key") or "", payload)
            return code, answer, {}
        if method == "GET" and len(parts) == 4 and parts[:3] == ["api", "v1", "statuses"]:
            with self._lock:
                found = next((s for s in self._statuses if s.id == parts[3]), None)
                if found is None:
                    return 404, {"error": "Record not found"}, {}
                return 200, self._status_json(found), {}
        if (
            method == "GET"
            and len(parts) == 5
            and parts[:3] == ["api", "v1", "accounts"]
            and parts[4] == "statuses"
        ):
            return 200, self._account_statuses(token, parts[3], query), {}
        if method == "POST" and parts == ["api", "v2", "media"]:
            media_id = str(next(self._ids))
            return 200, {"id": media_id, "type": "image", "url": f"{self.url}/m/{media_id}"}, {}
        if method == "GET" and len(parts) == 4 and parts[:3] == ["api", "v1", "media"]:
            return 200, {"id": parts[3], "type": "image", "url": f"{self.url}/m/{parts[3]}"}, {}
        return 404, {"error": "Record not found"}, {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like a real instance behind nginx
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        platform = self.server.platform
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        index = platform._record(
            Call(
                method=self.command,
                path=path,
                query=query,
                headers={h: self.headers[h] for h in RECORDED_HEADERS if h in self.headers},
                body=body,
                at=time.time(),
            )
        )
        if platform.latency_ms:
            time.sleep(platform.latency_ms / 1000)
        fault = platform._take_fault(self.command, path)
        if fault is not None and fault.hang_seconds and not fault.hang_after_handling:
            platform._hang(fault.hang_seconds, fault)
        if fault is not None and fault.status is not None:
            code, answer, extra = fault.status, fault.body or {}, dict(fault.headers)
        else:
            code, answer, extra = platform.handle(self.command, path, query, self.headers, body)
        if fault is not None and fault.hang_seconds and fault.hang_after_handling:
            platform._hang(fault.hang_seconds, fault)
        platform._answered(index, code)
        data = json.dumps(answer).encode()
        with suppress(BrokenPipeError, ConnectionResetError):  # the client gave up or died
            self.send_response(code)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # benchmarks open many connections at once
    platform: FakePlatform

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that vanished (a worker killed mid-call) is expected here; stay quiet."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def fake_mastodon(latency_ms: float = 0) -> Iterator[FakePlatform]:
    """A fake Mastodon instance on 127.0.0.1 (random port) for the block; `.url` is its base URL.

    Point a channel at it with `instance_url=fake.url` (settings_test allows private hosts)."""
    platform = FakePlatform(latency_ms=latency_ms)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.platform = platform
    platform.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="fake-mastodon", daemon=True)
    thread.start()
    try:
        yield platform
    finally:
        platform.release_hangs()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
