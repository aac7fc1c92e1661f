"""The lease of the worker that owns a publishing target.

A claim (queued -> publishing) takes a lease: `lease_owner` (one id per attempt) and
`lease_expires_at`. While the worker works, a background thread renews it every third of its
length, so a single long upload that reports no steps keeps it too. Only an expired lease means
the worker is gone (SIGKILL, lost host) and the outcome is unknown; a live but slow publish is
left alone up to `publish_ceiling()`, a hard limit larger than the longest call an adapter can
make (derived from the HTTP layer's timeouts), after which a hung worker is given up on.

The lease's length is the setting SMM_PUBLISH_STALE_AFTER (seconds; its old name kept: it used to
be how long a publish could take before it was taken as dead, it is now how long a worker may
go without renewing).
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from datetime import timedelta
from types import TracebackType

from django.db import DatabaseError, connections
from django.utils import timezone

from channels_app.adapters import http
from content.models import PostTarget
from content.services.publishing.settle import setting_seconds

log = logging.getLogger(__name__)

# The budget of the longest publish an adapter can make: its uploads (connect + read timeout
# each; a carousel or thread has up to this many media), its processing polls (X: 60 polls,
# LinkedIn: 100 x 3 s, Mastodon: 30 x 2 s), and its ordinary calls.
MAX_UPLOADS = 10
MAX_POLL_SECONDS = 600
MAX_CALLS = 20


def lease_seconds() -> int:
    """How long a lease lasts without renewal (SMM_PUBLISH_STALE_AFTER, at least 1 s)."""
    return max(1, setting_seconds("SMM_PUBLISH_STALE_AFTER", 30))


def lease_length() -> timedelta:
    return timedelta(seconds=lease_seconds())


def publish_ceiling(adapter: object | None = None) -> timedelta:
    """The hard ceiling of one publish, however alive its worker looks: an adapter's own
    `max_publish_seconds` when it declares one, else the budget from the HTTP layer's timeouts
    (uploads, polls, calls). Always longer than a lease."""
    declared = getattr(adapter, "max_publish_seconds", None)
    if isinstance(declared, int | float) and declared > 0:
        seconds = float(declared)
    else:
        upload = sum(http.UPLOAD_TIMEOUT)
        call = sum(http.DEFAULT_TIMEOUT)
        seconds = MAX_UPLOADS * upload + MAX_POLL_SECONDS + MAX_CALLS * call
    return timedelta(seconds=max(seconds, 2 * lease_seconds()))


def new_owner(worker: str = "") -> str:
    """A lease owner id: the worker's name, its process and a random part (one per attempt)."""
    return f"{worker[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"[:64]


def lease_renew(*, target_id: int, owner: str) -> bool:
    """Move the lease of `target_id` forward, if `owner` still holds it (the target is still
    publishing under it). Returns whether it did."""
    return bool(
        PostTarget.objects.filter(
            pk=target_id, status=PostTarget.Status.PUBLISHING, lease_owner=owner
        ).update(lease_expires_at=timezone.now() + lease_length())
    )


class LeaseKeeper:
    """Renews a lease from a background thread while the `with` block runs (the platform call).

    The thread uses its own database connection (closed when it stops). A renewal that fails
    (the database is away for a moment) is tried again at the next tick; one that finds the
    lease taken over stops the thread (the result is then recorded as late)."""

    def __init__(self, *, target_id: int, owner: str, interval: float | None = None) -> None:
        self.target_id = target_id
        self.owner = owner
        self.interval = interval if interval is not None else max(0.2, lease_seconds() / 3)
        self.renewals = 0
        self.lost = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{target_id}", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=max(5.0, self.interval))

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    renewed = lease_renew(target_id=self.target_id, owner=self.owner)
                except DatabaseError:
                    log.warning("could not renew the lease of target %s", self.target_id)
                    connections["default"].close()
                    continue
                if not renewed:
                    self.lost = True
                    return
                self.renewals += 1
        finally:
            connections.close_all()  # this thread's own connections only
