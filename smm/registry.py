"""The kernel's registry: how a task-area app plugs into the suite without the kernel knowing it.

Each app describes itself once, in a `plugin.py` module, as an `AppPlugin`: its permissions
(action -> weakest role), activity-log verbs, web and API routes, beat entries, navigation
entries, links on the workspace settings page, layout context and notices, demo data, system
checks and schema enum names. Its `AppConfig.ready()` calls `plugin_register(PLUGIN)`. The kernel
then assembles them: `smm.tenancy` checks actions against the registered permissions,
`smm.urls` includes the routes, `smm.celery` runs the beat entries, the layout renders the
navigation, `demo_setup` loads the demo data.

So adding an app (webcare, community, ...) touches nothing in `smm/` but `INSTALLED_APPS`.
Registration happens while Django sets up (apps' `ready()`), before any request, task or URL
resolution, in `INSTALLED_APPS` order; everything here is read-only afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from django.core import checks
from django.utils.functional import Promise

if TYPE_CHECKING:
    from celery.schedules import crontab
    from celery.schedules import schedule as celery_schedule
    from django.http import HttpRequest

    from smm.models import Role, User, Workspace


@dataclass(frozen=True)
class BeatEntry:
    """A periodic task of an app. `schedule` is seconds or a celery schedule (crontab); a message
    waiting longer than `expires` seconds in the queue is dropped (the next run will do the work).
    `quiet` keeps the routine 'received'/'succeeded' lines of a task that runs every second out of
    the worker's and beat's logs (its failures still show). `queue` routes the task to a queue of
    its own (`"sweeps"` for the dispatcher and the sweeps, so that a backlog of item tasks on the
    default queue cannot delay them); None keeps Celery's default queue."""

    name: str
    task: str
    schedule: float | celery_schedule | crontab
    expires: int
    quiet: bool = False
    queue: str | None = None


@dataclass(frozen=True)
class NavItem:
    """An entry of the workspace navigation bar: a link to `url_name` (taking the workspace slug),
    shown to members whose role allows `action`. `order` places it among the other apps' items
    (the kernel's Overview comes first, Team/Activity/Settings last). The item is marked current
    on every page under its URL (`match="prefix"`) or on its own page only (`"exact"`)."""

    label: str | Promise
    url_name: str
    action: str
    order: int = 100
    match: str = "prefix"


@dataclass(frozen=True)
class SettingsLink:
    """A link on the workspace settings page to an app's own settings (shown if `action` is
    allowed)."""

    label: str | Promise
    url_name: str
    action: str
    order: int = 100


@dataclass(frozen=True)
class AppPlugin:
    """Everything an app contributes to the suite. Only `label` is required.

    - `permissions`: action -> the weakest role that may do it; actions are `<area>.<verb>`.
    - `activity_verbs`: activity-log verb -> how it reads (a %-format string with `target`,
      `role`, `slot`, `reviewer`, `channel` from the event).
    - `web_urls`: dotted path of a URLconf module with an `app_name` (its namespace), included at
      the site root. `api_urls`: dotted path of a module whose `urlpatterns` join `/api/v1/` in the
      shared `api` namespace.
    - `beat`: periodic tasks. `nav`, `settings_links`: what the layout and the settings page show.
    - `layout_context`: callables (request -> dict) whose results every page's template gets;
      `layout_notices`: templates included at the top of every workspace page (banners).
    - `demo_data`: callables (workspace, owner) that fill the demo workspace; idempotent.
    - `checks`: Django system checks of the app (registered with the checks framework).
    - `schema_enum_names`: drf-spectacular enum component names -> dotted path of the choices,
      where two apps' enums would otherwise collide.
    """

    label: str
    permissions: Mapping[str, Role] = field(default_factory=dict)
    activity_verbs: Mapping[str, str | Promise] = field(default_factory=dict)
    web_urls: str | None = None
    api_urls: str | None = None
    beat: Sequence[BeatEntry] = ()
    nav: Sequence[NavItem] = ()
    settings_links: Sequence[SettingsLink] = ()
    layout_context: Sequence[Callable[[HttpRequest], dict[str, Any]]] = ()
    layout_notices: Sequence[str] = ()
    demo_data: Sequence[Callable[[Workspace, User], None]] = ()
    checks: Sequence[Callable[..., list[checks.CheckMessage]]] = ()
    schema_enum_names: Mapping[str, str] = field(default_factory=dict)


class RegistryError(Exception):
    """Two apps claim the same action, verb, beat entry or label."""


_plugins: dict[str, AppPlugin] = {}
# Filled by registration and read by the kernel. The permission table and the verbs are the
# ones `smm.tenancy` and `smm.activity` read; `BEAT_SCHEDULE` is the very dict that
# `smm.celery` hands to Celery as its beat schedule (beat reads it after Django's setup).
PERMISSIONS: dict[str, Role] = {}
ACTIVITY_VERBS: dict[str, str | Promise] = {}
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {}
QUIET_TASKS: set[str] = set()
# Celery's `task_routes` (smm.celery): task name -> {"queue": ...}, from BeatEntry.queue.
TASK_ROUTES: dict[str, dict[str, str]] = {}


def _expires(seconds: int) -> dict[str, int]:
    """Entry options that make a message expire `seconds` after beat sent it. django-celery-beat's
    DatabaseScheduler keeps only `expire_seconds` (it drops `expires`); Celery's own schedulers
    read `expires`."""
    return {"expires": seconds, "expire_seconds": seconds}


def _clashes(known: Mapping[str, Any], new: Mapping[str, Any], what: str) -> list[str]:
    clash = sorted(set(known) & set(new))
    return [f"{what}: {', '.join(clash)}"] if clash else []


def plugin_register(plugin: AppPlugin) -> None:
    """Add `plugin` to the suite. Called from the app's `AppConfig.ready()`.

    Raises RegistryError, and registers nothing of the plugin, if its label, an action, a verb or
    a beat entry is already registered by another app. Registering an equal plugin again (Django
    may call `ready()` twice in a process) does nothing."""
    known = _plugins.get(plugin.label)
    if known is plugin or known == plugin:
        return
    if known is not None:
        raise RegistryError(f"An app named {plugin.label!r} is already registered.")
    entries = {
        entry.name: {
            "task": entry.task,
            "schedule": entry.schedule,
            "options": _expires(entry.expires),
        }
        for entry in plugin.beat
    }
    clashes = [
        *_clashes(PERMISSIONS, plugin.permissions, "actions"),
        *_clashes(ACTIVITY_VERBS, plugin.activity_verbs, "activity verbs"),
        *_clashes(BEAT_SCHEDULE, entries, "beat entries"),
    ]
    if clashes:
        raise RegistryError(f"{plugin.label} registers what another app has: {'; '.join(clashes)}")
    PERMISSIONS.update(plugin.permissions)
    ACTIVITY_VERBS.update(plugin.activity_verbs)
    BEAT_SCHEDULE.update(entries)
    QUIET_TASKS.update(entry.task for entry in plugin.beat if entry.quiet)
    TASK_ROUTES.update({e.task: {"queue": e.queue} for e in plugin.beat if e.queue})
    for check in plugin.checks:
        checks.register(check)
    if plugin.schema_enum_names:
        _schema_enum_names_add(plugin.schema_enum_names)
    _plugins[plugin.label] = plugin


def _schema_enum_names_add(names: Mapping[str, str]) -> None:
    # drf-spectacular reads SPECTACULAR_SETTINGS lazily when it first builds a schema, which is
    # after every app's ready(); adding to the settings' dict here is early enough.
    from django.conf import settings

    spectacular = cast(dict[str, Any], settings.SPECTACULAR_SETTINGS)
    spectacular.setdefault("ENUM_NAME_OVERRIDES", {}).update(names)


def plugins() -> list[AppPlugin]:
    """The registered apps, in INSTALLED_APPS order (the order Django calls `ready()`)."""
    return list(_plugins.values())


def web_url_modules() -> list[str]:
    return [p.web_urls for p in _plugins.values() if p.web_urls]


def api_url_modules() -> list[str]:
    return [p.api_urls for p in _plugins.values() if p.api_urls]


def nav_items() -> list[NavItem]:
    """Every app's navigation entries, in order (the layout shows those a member may see)."""
    return sorted((item for p in _plugins.values() for item in p.nav), key=lambda i: i.order)


def settings_links() -> list[SettingsLink]:
    """Every app's links to its own settings pages, in order."""
    links = [link for p in _plugins.values() for link in p.settings_links]
    return sorted(links, key=lambda link: link.order)


def layout_context(request: HttpRequest) -> dict[str, Any]:
    """What every app adds to every page's template context."""
    context: dict[str, Any] = {}
    for plugin in _plugins.values():
        for provider in plugin.layout_context:
            context.update(provider(request))
    return context


def layout_notices() -> list[str]:
    return [name for p in _plugins.values() for name in p.layout_notices]


def demo_data_fill(workspace: Workspace, owner: User) -> None:
    """Let each app add its demo data to the demo workspace (each is idempotent)."""
    for plugin in _plugins.values():
        for fill in plugin.demo_data:
            fill(workspace, owner)


@checks.register()
def _check_registry(app_configs: Any = None, **_: Any) -> list[checks.CheckMessage]:
    """Every navigation entry and settings link points at a route that exists and an action that
    is registered; every app that declares routes has them importable."""
    from django.urls import NoReverseMatch, reverse

    errors: list[checks.CheckMessage] = []
    for plugin in _plugins.values():
        items: list[NavItem | SettingsLink] = [*plugin.nav, *plugin.settings_links]
        for item in items:
            if item.action not in PERMISSIONS:
                errors.append(
                    checks.Error(
                        f"{plugin.label}: {item.url_name} needs the unknown action {item.action!r}",
                        id="smm.E101",
                    )
                )
            try:
                reverse(item.url_name, args=["slug"])
            except NoReverseMatch:
                errors.append(
                    checks.Error(
                        f"{plugin.label}: no route {item.url_name!r} taking a workspace slug",
                        id="smm.E102",
                    )
                )
    return errors
