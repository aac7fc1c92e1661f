"""Fixtures of the channels tests: platform keys configured, and channels in the workspace."""

from __future__ import annotations

import pytest

from channels_app.models import Channel
from smm.models import Workspace
from tests.factories import ChannelFactory


@pytest.fixture
def platform_keys(settings):
    """Every OAuth platform set up with made-up keys (tests never reach the platforms)."""
    apps = {kind: dict(values) for kind, values in settings.SMM_PLATFORM_APPS.items()}
    for kind in ("x", "linkedin", "facebook", "instagram"):
        apps[kind]["client_id"] = f"{kind}-client-id"
        apps[kind]["client_secret"] = f"{kind}-client-secret"
    settings.SMM_PLATFORM_APPS = apps
    return apps


@pytest.fixture
def x_channel(workspace: Workspace) -> Channel:
    return ChannelFactory(
        workspace=workspace, platform="x", external_id="2244994945", handle="@tulipcoffee"
    )
