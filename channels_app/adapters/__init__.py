"""The adapter registry: platform kind -> adapter class (imported lazily, on first use)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

REGISTRY: dict[str, str] = {
    "mastodon": "channels_app.adapters.mastodon.MastodonAdapter",
    "bluesky": "channels_app.adapters.bluesky.BlueskyAdapter",
    "x": "channels_app.adapters.x.XAdapter",
    "linkedin": "channels_app.adapters.linkedin.LinkedInAdapter",
    "facebook": "channels_app.adapters.facebook.FacebookAdapter",
    "instagram": "channels_app.adapters.instagram.InstagramAdapter",
}


def adapter_class(kind: str) -> Any:
    """The adapter class for `kind`. Raises KeyError for a platform without an adapter yet."""
    module_path, _, name = REGISTRY[kind].rpartition(".")
    return getattr(import_module(module_path), name)


def has_adapter(kind: str) -> bool:
    return kind in REGISTRY
