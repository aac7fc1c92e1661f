"""What every part of the Instagram adapter shares: graph.instagram.com clients and polling
settings.
"""

from __future__ import annotations

from typing import Any

import requests

from channels_app.adapters import meta
from channels_app.adapters.base import PlatformConfig

DEFAULT_POLL_SECONDS = 3.0
DEFAULT_POLL_ATTEMPTS = 40


class InstagramGraph(meta.GraphAdapter):
    """graph.instagram.com, versioned (`graph`) and unversioned for tokens (`oauth`).

    Options: "graph_version", "poll_interval_seconds", "poll_attempts" (container status
    polling while media is processed)."""

    DEFAULT_URLS = {
        "authorize": "https://api.instagram.com/oauth/authorize",
        "token": "https://api.instagram.com/oauth/access_token",
        "graph": "https://graph.instagram.com",
        "web": "https://www.instagram.com",
    }

    def __init__(
        self,
        config: PlatformConfig,
        session: requests.Session | None = None,
        *,
        poll_interval: float | None = None,
    ) -> None:
        super().__init__(config, session)
        self.oauth = meta.GraphClient(self.session, self.urls["graph"], None)
        if poll_interval is None:
            poll_interval = _float(config.options.get("poll_interval_seconds"))
        self.poll_interval = DEFAULT_POLL_SECONDS if poll_interval is None else poll_interval
        attempts = _float(config.options.get("poll_attempts"))
        self.poll_attempts = int(attempts) if attempts else DEFAULT_POLL_ATTEMPTS


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
