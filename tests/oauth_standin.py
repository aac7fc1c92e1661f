"""Local stand-ins for platforms' login pages and API endpoints, served on 127.0.0.1.

Browser tests point an adapter's base URLs at one: the browser sees a real authorize page with a
button, and the app exchanges the code at a real token endpoint that checks what OAuth 2.0 (and
PKCE) demand, then reads the accounts from it. `x_standin`, `facebook_standin` and
`bluesky_standin` build the three we use; each route answers in the platform's documented shape.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

# A 1x1 PNG, for avatars.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@dataclass(frozen=True)
class Call:
    """One request the stand-in received."""

    method: str
    path: str
    params: dict[str, str]  # query string
    form: dict[str, str]  # form body
    json: Any  # JSON body
    headers: dict[str, str]


Route = Callable[[Call], tuple[int, Any]]


@dataclass
class StandIn:
    """What a stand-in serves and what it saw."""

    client_id: str = ""
    client_secret: str = ""
    authorize_path: str = "/oauth/authorize"
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    url: str = ""
    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # code -> authorize params
    calls: list[Call] = field(default_factory=list)
    issued_tokens: list[str] = field(default_factory=list)

    def new_token(self) -> str:
        token = secrets.token_urlsafe(24)
        self.issued_tokens.append(token)
        return token

    def authorized(self, call: Call) -> bool:
        return call.headers.get("authorization") in {f"Bearer {t}" for t in self.issued_tokens}

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _handler(standin: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _call(self, method: str) -> Call:
            url = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            content_type = self.headers.get("Content-Type", "")
            form: dict[str, str] = {}
            body: Any = None
            if "json" in content_type and raw:
                body = json.loads(raw)
            elif raw:
                form = {k: v[0] for k, v in parse_qs(raw).items()}
            return Call(
                method=method,
                path=url.path,
                params={k: v[0] for k, v in parse_qs(url.query).items()},
                form=form,
                json=body,
                headers={k.lower(): v for k, v in self.headers.items()},
            )

        def _serve(self, method: str) -> None:
            call = self._call(method)
            standin.calls.append(call)
            if method == "GET" and call.path == standin.authorize_path:
                self._authorize_page(call.params)
                return
            if method == "GET" and call.path == "/avatar.png":
                self._send(200, PIXEL, "image/png")
                return
            route = standin.routes.get((method, call.path))
            if route is None:
                self._send(404, b'{"error": "NotFound"}', "application/json")
                return
            status, payload = route(call)
            self._send(status, json.dumps(payload).encode(), "application/json")

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _authorize_page(self, params: dict[str, str]) -> None:
            if params.get("client_id") != standin.client_id or not params.get("redirect_uri"):
                self._send(400, b"unknown client", "text/plain")
                return
            code = secrets.token_urlsafe(16)
            standin.codes[code] = params
            redirect, state = params["redirect_uri"], params.get("state", "")
            allow = f"{redirect}?{urlencode({'state': state, 'code': code})}"
            deny = f"{redirect}?{urlencode({'state': state, 'error': 'access_denied'})}"
            scopes = html.escape(params.get("scope", ""))
            page = f"""<!doctype html><html lang="en"><head><title>Authorize app</title></head>
<body><h1>Authorize Ripple to use your account?</h1>
<p>Ripple asks for: <code>{scopes}</code></p>
<a href="{html.escape(allow)}" id="allow">Authorize app</a>
<a href="{html.escape(deny)}" id="deny">Cancel</a></body></html>"""
            self._send(200, page.encode(), "text/html; charset=utf-8")

    return Handler


@contextmanager
def serve(standin: StandIn) -> Iterator[StandIn]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(standin))
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()


# --- X ------------------------------------------------------------------------------------------


@contextmanager
def x_standin(*, client_id: str, client_secret: str, profile: dict[str, Any]) -> Iterator[StandIn]:
    """X's OAuth 2.0 with PKCE (confidential client: HTTP Basic) and GET /2/users/me."""
    standin = StandIn(client_id, client_secret, authorize_path="/i/oauth2/authorize")
    basic = "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()

    def token(call: Call) -> tuple[int, Any]:
        if call.headers.get("authorization") != basic:
            return 401, {"error": "unauthorized_client"}
        issued = standin.codes.pop(call.form.get("code", ""), None)
        if (
            call.form.get("grant_type") != "authorization_code"
            or issued is None
            or call.form.get("redirect_uri") != issued["redirect_uri"]
            or _challenge(call.form.get("code_verifier", "")) != issued.get("code_challenge")
        ):
            return 400, {"error": "invalid_request", "error_description": "bad code"}
        return 200, {
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": standin.new_token(),
            "scope": issued.get("scope", ""),
            "refresh_token": secrets.token_urlsafe(24),
        }

    def me(call: Call) -> tuple[int, Any]:
        if not standin.authorized(call):
            return 401, {"title": "Unauthorized", "status": 401}
        return 200, {"data": {**profile, "profile_image_url": f"{standin.url}/avatar.png"}}

    standin.routes = {("POST", "/2/oauth2/token"): token, ("GET", "/2/users/me"): me}
    with serve(standin):
        yield standin


# --- Facebook -----------------------------------------------------------------------------------


@contextmanager
def facebook_standin(
    *, client_id: str, client_secret: str, pages: list[dict[str, Any]], version: str = "v26.0"
) -> Iterator[StandIn]:
    """Facebook Login: the dialog, code -> user token -> long-lived token, /me/accounts."""
    standin = StandIn(client_id, client_secret, authorize_path=f"/{version}/dialog/oauth")
    long_lived: set[str] = set()
    granted: list[str] = []

    def access_token(call: Call) -> tuple[int, Any]:
        p = call.params
        if p.get("client_id") != client_id or p.get("client_secret") != client_secret:
            return 400, {"error": {"message": "Error validating client secret.", "code": 1}}
        if p.get("grant_type") == "fb_exchange_token":
            if p.get("fb_exchange_token") not in standin.issued_tokens:
                return 400, {"error": {"message": "Invalid OAuth access token.", "code": 190}}
            token = standin.new_token()
            long_lived.add(token)
            return 200, {"access_token": token, "token_type": "bearer", "expires_in": 5183944}
        issued = standin.codes.pop(p.get("code", ""), None)
        if issued is None or p.get("redirect_uri") != issued["redirect_uri"]:
            return 400, {"error": {"message": "Invalid verification code format.", "code": 100}}
        granted[:] = [s for s in issued.get("scope", "").split(",") if s]
        return 200, {
            "access_token": standin.new_token(),
            "token_type": "bearer",
            "expires_in": 3600,
        }

    def user_only(call: Call) -> bool:
        return call.params.get("access_token") in long_lived or (
            call.headers.get("authorization", "").removeprefix("Bearer ") in long_lived
        )

    def permissions(call: Call) -> tuple[int, Any]:
        if not user_only(call):
            return 400, {"error": {"message": "Invalid OAuth access token.", "code": 190}}
        return 200, {"data": [{"permission": s, "status": "granted"} for s in granted]}

    def accounts(call: Call) -> tuple[int, Any]:
        if not user_only(call):
            return 400, {"error": {"message": "Invalid OAuth access token.", "code": 190}}
        data = [
            {
                **page,
                "access_token": f"page-token-{page['id']}",
                "picture": {"data": {"url": f"{standin.url}/avatar.png"}},
            }
            for page in pages
        ]
        return 200, {"data": data, "paging": {"cursors": {"before": "a", "after": "b"}}}

    standin.routes = {
        ("GET", f"/{version}/oauth/access_token"): access_token,
        ("GET", f"/{version}/me/permissions"): permissions,
        ("GET", f"/{version}/me/accounts"): accounts,
    }
    with serve(standin):
        yield standin


# --- Bluesky ------------------------------------------------------------------------------------


def _jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(claims)}.signature"


@contextmanager
def bluesky_standin(
    *, handle: str, did: str, app_password: str, profile: dict[str, Any]
) -> Iterator[StandIn]:
    """A PDS: createSession with an app password, and getProfile with the session's token."""
    standin = StandIn()

    def create_session(call: Call) -> tuple[int, Any]:
        body = call.json or {}
        if body.get("identifier") not in {handle, did} or body.get("password") != app_password:
            return 401, {
                "error": "AuthenticationRequired",
                "message": "Invalid identifier or password",
            }
        now = int(time.time())
        access = _jwt({"scope": "com.atproto.appPass", "sub": did, "iat": now, "exp": now + 7200})
        standin.issued_tokens.append(access)
        return 200, {
            "accessJwt": access,
            "refreshJwt": _jwt({"scope": "com.atproto.refresh", "sub": did, "exp": now + 7776000}),
            "handle": handle,
            "did": did,
            "didDoc": {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": did,
                "alsoKnownAs": [f"at://{handle}"],
                "service": [
                    {
                        "id": "#atproto_pds",
                        "type": "AtprotoPersonalDataServer",
                        "serviceEndpoint": standin.url,
                    }
                ],
            },
            "active": True,
        }

    def get_profile(call: Call) -> tuple[int, Any]:
        if not standin.authorized(call):
            return 401, {"error": "AuthenticationRequired", "message": "Authentication Required"}
        return 200, {
            "did": did,
            "handle": handle,
            "avatar": f"{standin.url}/avatar.png",
            **profile,
        }

    standin.routes = {
        ("POST", "/xrpc/com.atproto.server.createSession"): create_session,
        ("GET", "/xrpc/app.bsky.actor.getProfile"): get_profile,
    }
    with serve(standin):
        yield standin
