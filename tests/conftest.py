"""Shared fixtures: a workspace with alice (owner) and bob (editor), and mallory, the owner of
another workspace. Tests marked `postgres` or `redis` skip without those services, except in CI
(CI=true), where a missing service is a failure."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from django.db import connection

from smm.models import Role, User, Workspace
from tests.factories import PASSWORD, WorkspaceFactory, member

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_runtest_setup(item: pytest.Item) -> None:
    from django.conf import settings

    missing = []
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"].endswith(
        "sqlite3"
    ):
        missing.append("PostgreSQL (set DATABASE_URL=postgres://...)")
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        missing.append("Redis (set REDIS_URL=redis://...)")
    if missing:
        reason = "needs " + " and ".join(missing)
        if IN_CI:
            pytest.fail(f"CI must run every test, but this one {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _test_media_root() -> Iterator[None]:
    """Files uploaded by tests go to a folder of this run, removed at the end."""
    from django.conf import settings

    yield
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def workspace(db: None) -> Workspace:
    return WorkspaceFactory(name="Tulip Coffee", slug="tulip-coffee")


@pytest.fixture
def alice(workspace: Workspace) -> User:
    return member(workspace, Role.OWNER, email="alice@example.com", name="Alice Owner")


@pytest.fixture
def bob(workspace: Workspace) -> User:
    return member(workspace, Role.EDITOR, email="bob@example.com", name="Bob Editor")


@pytest.fixture
def other_workspace(db: None) -> Workspace:
    return WorkspaceFactory(name="Rival Tea", slug="rival-tea")


@pytest.fixture
def mallory(other_workspace: Workspace) -> User:
    return member(other_workspace, Role.OWNER, email="mallory@example.com", name="Mallory")


@pytest.fixture
def is_postgres(db: None) -> bool:
    return connection.vendor == "postgresql"
