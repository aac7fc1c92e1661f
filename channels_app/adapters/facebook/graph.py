"""What every part of the Facebook adapter shares: the Graph and video-host clients, Page URLs."""

from __future__ import annotations

from typing import Any

import requests

from channels_app.adapters import meta
from channels_app.adapters.base import PlatformConfig


def fb_url(value: Any, base: str) -> str:
    """Absolute URL for a Graph `permalink_url` (videos answer a path such as /page/videos/1/)."""
    if not isinstance(value, str) or not value:
        return ""
    return f"{base.rstrip('/')}{value}" if value.startswith("/") else value


class FacebookGraph(meta.GraphAdapter):
    """The Graph API (and, for uploads, its video host) for a Page."""

    DEFAULT_URLS = {
        "authorize": "https://www.facebook.com/{version}/dialog/oauth",
        "graph": "https://graph.facebook.com",
        "graph_video": "https://graph-video.facebook.com",
        "web": "https://www.facebook.com",
    }

    def __init__(self, config: PlatformConfig, session: requests.Session | None = None) -> None:
        super().__init__(config, session)
        self.video = meta.GraphClient(self.session, self.urls["graph_video"], self.version)
