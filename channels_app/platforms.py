"""Which platforms this installation can connect, and the adapters configured for them.

The suite's OAuth app keys come from settings (SMM_PLATFORM_APPS, from environment variables). A
platform without keys is "not set up": the channels page shows the admin what to do instead of
offering a button that cannot work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from channels_app.adapters import adapter_class, has_adapter
from channels_app.adapters.base import PlatformConfig
from channels_app.models import Platform


@dataclass(frozen=True)
class SetupGuide:
    """What an admin does to set a platform up (shown on the channels page and in the README)."""

    console_url: str  # where the app is created
    variables: tuple[str, ...]  # the environment variables to set
    steps: Promise


SETUP: dict[str, SetupGuide] = {
    "x": SetupGuide(
        "https://developer.x.com/en/portal/dashboard",
        ("SMM_X_CLIENT_ID", "SMM_X_CLIENT_SECRET"),
        _(
            "Create a project and app in the X developer portal, turn on OAuth 2.0 as a "
            "confidential client (Web App) with read and write permissions and direct messages, "
            "and add the callback URL below."
        ),
    ),
    "linkedin": SetupGuide(
        "https://www.linkedin.com/developers/apps",
        ("SMM_LINKEDIN_CLIENT_ID", "SMM_LINKEDIN_CLIENT_SECRET"),
        _(
            "Create an app in the LinkedIn developer portal, add the products “Sign In with "
            "LinkedIn using OpenID Connect” and “Share on LinkedIn” (and “Community Management "
            "API” for company pages), and add the redirect URL below."
        ),
    ),
    "facebook": SetupGuide(
        "https://developers.facebook.com/apps/",
        ("SMM_FACEBOOK_APP_ID", "SMM_FACEBOOK_APP_SECRET"),
        _(
            "Create a Business app in Meta for Developers, add Facebook Login for Business with "
            "the Pages permissions, and add the redirect URL below as a valid OAuth redirect URI."
        ),
    ),
    "instagram": SetupGuide(
        "https://developers.facebook.com/apps/",
        ("SMM_INSTAGRAM_APP_ID", "SMM_INSTAGRAM_APP_SECRET"),
        _(
            "In your Meta app, add the product “Instagram” with “API setup with Instagram "
            "login”, use its Instagram app ID and secret, and add the redirect URL below."
        ),
    ),
    "mastodon": SetupGuide(
        "",
        ("SMM_MASTODON_ENABLED",),
        _("Nothing to create: Ripple registers itself on each Mastodon server when connecting."),
    ),
    "bluesky": SetupGuide(
        "",
        ("SMM_BLUESKY_ENABLED",),
        _("Nothing to create: people connect with their handle and an app password."),
    ),
}


@dataclass(frozen=True)
class PlatformAvailability:
    kind: str
    name: str
    has_adapter: bool  # the suite can connect this platform at all (yet)
    is_set_up: bool  # keys configured (or none needed) and switched on
    connect_method: str  # "oauth", "instance_oauth", "app_password" or ""
    guide: SetupGuide | None
    redirect_uri: str


def _app_settings(kind: str) -> dict[str, Any]:
    apps = cast(dict[str, dict[str, Any]], settings.SMM_PLATFORM_APPS)
    return apps.get(kind, {})


def redirect_uri(kind: str) -> str:
    return settings.SITE_URL + reverse("channels_app:oauth_callback", args=[kind])


def platform_config(kind: str, **overrides: Any) -> PlatformConfig:
    """The adapter configuration for `kind` from settings (keys, URL overrides, options)."""
    app = _app_settings(kind)
    values = {
        "client_id": app.get("client_id", ""),
        "client_secret": app.get("client_secret", ""),
        "redirect_uri": redirect_uri(kind),
        "urls": dict(app.get("urls", {})),
        "options": {k: v for k, v in app.get("options", {}).items() if v},
    }
    values.update(overrides)
    return PlatformConfig(**values)


def availability(kind: str) -> PlatformAvailability:
    if not has_adapter(kind):
        return PlatformAvailability(kind, Platform(kind).label, False, False, "", None, "")
    cls = adapter_class(kind)
    app = _app_settings(kind)
    if cls.connect_method == "oauth":
        ready = bool(app.get("client_id") and app.get("client_secret"))
    else:
        ready = bool(app.get("enabled", True))
    return PlatformAvailability(
        kind=kind,
        name=Platform(kind).label,
        has_adapter=True,
        is_set_up=ready,
        connect_method=cls.connect_method,
        guide=SETUP.get(kind),
        redirect_uri=redirect_uri(kind) if cls.connect_method != "app_password" else "",
    )


def all_availability() -> list[PlatformAvailability]:
    """Every platform of the suite: ready ones first, then those to set up, then later ones."""
    found = [availability(kind) for kind in Platform.values]
    return sorted(found, key=lambda p: (not p.has_adapter, not p.is_set_up))


def adapter_for(kind: str, config: PlatformConfig | None = None) -> Any:
    """An adapter instance for `kind`, configured from settings unless `config` is given."""
    return adapter_class(kind)(config or platform_config(kind))
