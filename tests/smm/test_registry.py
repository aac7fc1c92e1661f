"""Apps plug into the kernel; the kernel knows no task area.

`tests/plugin_app` is a stand-in task area installed only in the test settings: everything it
contributes (permissions, activity verbs, pages, API, beat entry, navigation, settings link,
layout context and notice, demo data, system check) reaches the suite through smm.registry alone.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from smm import registry
from smm.activity import describe
from smm.celery import app as celery_app
from smm.models import ActivityEvent, Role, Workspace
from smm.registry import AppPlugin, BeatEntry, RegistryError
from smm.tenancy import PERMISSIONS, role_for
from tests.factories import MembershipFactory, UserFactory

ROOT = Path(settings.BASE_DIR)
KERNEL = ROOT / "smm"


def _task_area_labels() -> set[str]:
    """Every installed app of this project other than the kernel (channels_app, content, the
    later task areas, and the test stand-in)."""
    labels = set()
    for config in apps.get_app_configs():
        path = Path(config.path)
        if path.is_relative_to(ROOT) and config.name != "smm" and ".venv" not in path.parts:
            labels.add(config.name.split(".")[0] if config.name != "tests.plugin_app" else "tests")
    return labels


def test_the_task_areas_are_known() -> None:
    assert {"channels_app", "content", "tests"} <= _task_area_labels()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_kernel_imports_no_task_area() -> None:
    """No module of smm/ (function-level imports included) imports a task-area app."""
    areas = _task_area_labels()
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted(KERNEL.rglob("*.py"))
        for name in sorted(_imports(path))
        if name.split(".")[0] in areas
    ]
    assert offenders == []


def test_the_kernel_names_no_task_area_in_code_or_templates() -> None:
    """Nor does it reach them by a dotted path in a string or a URL name in its templates (the
    test settings' INSTALLED_APPS line, which installs the stand-in app, is the one exception)."""
    areas = "|".join(sorted(_task_area_labels()))
    dotted = re.compile(rf"""["']({areas})\.[a-z_]""")
    url_name = re.compile(rf"""{{% url ["']({areas}):""")
    offenders = []
    for path in sorted(KERNEL.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if dotted.search(line) and not line.startswith("INSTALLED_APPS"):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    templates = [ROOT / "templates" / "base.html", *(ROOT / "templates" / "smm").rglob("*.html")]
    for path in templates:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if url_name.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_permissions_and_verbs_come_from_the_plugins() -> None:
    assert PERMISSIONS is registry.PERMISSIONS
    assert role_for("plugin_demo.view") == Role.VIEWER
    assert role_for("plugin_demo.manage") == Role.ADMIN
    assert role_for("content.schedule") == Role.EDITOR  # the content app's own registration
    with pytest.raises(KeyError, match="register it"):
        role_for("plugin_demo.unknown")


def test_beat_entries_come_from_the_plugins() -> None:
    schedule = celery_app.conf.beat_schedule
    assert schedule is registry.BEAT_SCHEDULE
    assert schedule["plugin_demo.tick"] == {
        "task": "plugin_demo.tick",
        "schedule": 42.0,
        "options": {"expires": 42, "expire_seconds": 42},
    }
    assert {"smm.heartbeat", "channels.tokens_refresh_due", "content.dispatch_due"} <= set(schedule)
    assert "content.dispatch_due" in registry.QUIET_TASKS
    celery_app.loader.import_default_modules()  # what a worker does when it starts
    assert "plugin_demo.tick" in celery_app.tasks


def test_a_clash_registers_nothing() -> None:
    before = (dict(PERMISSIONS), dict(registry.ACTIVITY_VERBS), dict(registry.BEAT_SCHEDULE))
    clashing = AppPlugin(
        label="clashing",
        permissions={"clashing.view": Role.VIEWER},
        activity_verbs={"clashing.done": "did it"},
        beat=[BeatEntry("content.dispatch_due", "clashing.tick", 1.0, expires=1)],
    )
    with pytest.raises(RegistryError, match=r"beat entries: content\.dispatch_due"):
        registry.plugin_register(clashing)
    assert (dict(PERMISSIONS), dict(registry.ACTIVITY_VERBS), dict(registry.BEAT_SCHEDULE)) == (
        before
    )
    assert "clashing" not in {p.label for p in registry.plugins()}


@pytest.mark.django_db
def test_pages_api_nav_settings_and_notice(client, workspace: Workspace, alice) -> None:
    viewer = UserFactory()
    MembershipFactory(workspace=workspace, user=viewer, role=Role.VIEWER)
    page = reverse("plugin_app:home", args=[workspace.slug])
    assert page == f"/w/{workspace.slug}/plugin-demo/"

    client.force_login(alice)  # the owner: may manage, so sees the navigation entry
    html = client.get(page).content.decode()
    assert "Plugin demo of" in html
    assert f'<a href="{page}" aria-current="page">Plugin demo</a>' in html
    assert 'id="plugin-demo-notice"' in html  # its layout context and notice
    home = client.get(reverse("smm:workspace_home", args=[workspace.slug])).content.decode()
    assert f'<a href="{page}">Plugin demo</a>' in home
    assert 'id="plugin-demo-notice"' not in home
    # The content and channels apps' entries come from their plugins, in their order.
    labels = re.findall(r'<nav class="container-fluid subnav".*?</nav>', home, re.S)[0]
    names = re.findall(r">([^<>]+)</a>", labels)
    assert names[:9] == [
        "Overview",
        "Calendar",
        "Posts",
        "Approvals",
        "Media",
        "Campaigns",
        "Links",
        "Channels",
        "Plugin demo",
    ]
    settings_page = client.get(reverse("smm:workspace_settings", args=[workspace.slug]))
    assert f'<a href="{page}">Plugin demo settings</a>' in settings_page.content.decode()
    assert "Tracking keys for conversions" in settings_page.content.decode()

    api = reverse("api:plugin_demo_status", args=[workspace.slug])
    assert client.get(api).json() == {"workspace": workspace.slug}

    client.force_login(viewer)  # may view the page, not manage: no navigation entry
    assert client.get(page).status_code == 200
    home = client.get(reverse("smm:workspace_home", args=[workspace.slug])).content.decode()
    assert "Plugin demo" not in home
    assert "Calendar" in home

    client.force_login(UserFactory())  # no member: 404, page and API alike
    assert client.get(page).status_code == 404
    assert client.get(api).status_code == 404


@pytest.mark.django_db
def test_the_api_schema_has_the_plugins_routes(client, alice) -> None:
    client.force_login(alice)
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    assert "/api/v1/workspaces/{slug}/plugin-demo/" in schema["paths"]
    assert "/api/v1/workspaces/{slug}/channels/" in schema["paths"]
    assert {"ChannelRoleEnum", "MediaKindEnum"} <= set(schema["components"]["schemas"])


@pytest.mark.django_db
def test_demo_data_comes_from_the_plugins() -> None:
    call_command("demo_setup", force=True, stdout=open("/dev/null", "w"))  # noqa: SIM115
    workspace = Workspace.objects.get(is_demo=True)
    event = ActivityEvent.objects.get(workspace=workspace, verb="plugin_demo.filled")
    assert describe(event) == f"filled the demo of {workspace.name}"
    from content.models import Campaign  # the content app's demo data too

    assert Campaign.objects.filter(workspace=workspace).exists()


def test_system_checks_come_from_the_plugins() -> None:
    assert not [m for m in checks.run_checks() if m.id == "plugin_app.W001"]
    with override_settings(PLUGIN_DEMO_BROKEN=True):
        assert [m.id for m in checks.run_checks() if m.id.startswith("plugin_app")] == [
            "plugin_app.W001"
        ]


def test_the_registry_checks_navigation_targets() -> None:
    broken = AppPlugin(
        label="broken_nav",
        nav=[registry.NavItem("Nowhere", "plugin_app:missing", "plugin_demo.nothing")],
    )
    registry._plugins[broken.label] = broken
    try:
        ids = sorted(m.id for m in registry._check_registry() if "broken_nav" in m.msg)
    finally:
        del registry._plugins[broken.label]
    assert ids == ["smm.E101", "smm.E102"]
