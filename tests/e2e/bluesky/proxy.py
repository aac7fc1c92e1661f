"""A small HTTP proxy on 127.0.0.1 in front of the PDS that can hold back an answer: the request
is forwarded (so the PDS acts on it), and the answer waits, as a slow or broken link would make
a client wait. Used to kill a worker while it waits for createRecord's answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
    "host",
}


@dataclass
class Hold:
    """Hold back the answer to the next request whose path contains `path_part`."""

    path_part: str
    seconds: float
    forwarded: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class DelayProxy:
    upstream: str
    url: str = ""
    holds: list[Hold] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hold_next(self, path_part: str, seconds: float) -> Hold:
        hold = Hold(path_part, seconds)
        with self.lock:
            self.holds.append(hold)
        return hold

    def _take(self, path: str) -> Hold | None:
        with self.lock:
            for hold in self.holds:
                if hold.path_part in path:
                    self.holds.remove(hold)
                    return hold
        return None


@contextmanager
def delay_proxy(upstream: str) -> Iterator[DelayProxy]:
    proxy = DelayProxy(upstream=upstream.rstrip("/"))

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            resp = requests.request(
                self.command,
                proxy.upstream + self.path,
                data=body,
                headers=headers,
                timeout=60,
                allow_redirects=False,
            )
            hold = proxy._take(self.path)
            if hold is not None:
                hold.forwarded.set()
                hold.release.wait(hold.seconds)
            content = resp.content
            self.send_response(resp.status_code)
            for key, value in resp.headers.items():
                if key.lower() not in HOP_BY_HOP:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        with proxy.lock:
            for hold in proxy.holds:
                hold.release.set()
        server.shutdown()
        server.server_close()
