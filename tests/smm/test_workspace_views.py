"""Every workspace-scoped route goes through the one way into a workspace.

The test walks the whole URL conf: a route with a `slug` under /w/ or /api/v1/workspaces/ must
be a view wrapped by `smm.tenancy.workspace_view` or a `WorkspaceAPIView`, so a route added
later without the check fails here. Exemptions are listed by dotted name, each with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from smm.models import Membership, Role, User, Workspace
from smm.tenancy import WORKSPACE_VIEW_MARK, is_workspace_view, workspace_view

WORKSPACE_PREFIXES = ("w/", "api/v1/workspaces/")

# Views under a workspace prefix that really are not workspace-scoped. None today; a view added
# here needs a comment saying why a member check would be wrong for it.
NOT_WORKSPACE_SCOPED: frozenset[str] = frozenset()


def _walk(entries: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in entries:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def workspace_routes() -> list[tuple[str, URLPattern]]:
    """Every route of the URL conf with a `slug` under a workspace prefix."""
    return [
        (route, pattern)
        for route, pattern in _walk(get_resolver().url_patterns)
        if route.startswith(WORKSPACE_PREFIXES) and "slug" in pattern.pattern.regex.groupindex
    ]


def _dotted(view: Any) -> str:
    view = getattr(view, "view_class", None) or getattr(view, "cls", None) or view
    return f"{view.__module__}.{view.__qualname__}"


def test_the_walk_finds_web_and_api_routes() -> None:
    routes = {route for route, _ in workspace_routes()}
    assert "w/<slug:slug>/members/" in routes
    assert "w/<slug:slug>/channels/<int:channel_id>/" in routes
    assert "api/v1/workspaces/<slug:slug>/members/<int:member_id>/" in routes


def test_every_workspace_route_goes_through_the_one_way_in() -> None:
    unchecked = sorted(
        f"{route} -> {_dotted(pattern.callback)}"
        for route, pattern in workspace_routes()
        if not is_workspace_view(pattern.callback)
        and _dotted(pattern.callback) not in NOT_WORKSPACE_SCOPED
    )
    assert not unchecked, (
        "These workspace routes do not check membership and role; decorate the view with "
        "@workspace_view(action) or subclass WorkspaceAPIView:\n" + "\n".join(unchecked)
    )


def test_the_exemption_lists_name_real_views() -> None:
    """A stale exemption would hide a new view of the same name; converted views leave it."""
    views = {_dotted(pattern.callback): pattern.callback for _, pattern in workspace_routes()}
    for name in NOT_WORKSPACE_SCOPED:
        assert name in views, f"{name} is exempted but no route uses it"
        assert not is_workspace_view(views[name]), f"{name} is converted: drop its exemption"


# The decorator itself ---------------------------------------------------------------------------


@workspace_view("content.view", write_action="content.schedule")
def _probe(request: HttpRequest, membership: Membership, item_id: int) -> HttpResponse:
    return HttpResponse(f"{membership.workspace.slug}:{membership.role}:{item_id}")


def _request(method: str, user: User) -> HttpRequest:
    request = getattr(RequestFactory(), method.lower())("/")
    request.user = user
    request.session = {}  # type: ignore[assignment]
    return request


def test_decorator_hands_the_view_the_membership(alice: User, workspace: Workspace) -> None:
    request = _request("GET", alice)
    response = _probe(request, slug=workspace.slug, item_id=7)
    assert response.content.decode() == f"{workspace.slug}:{Role.OWNER}:7"
    assert request.workspace == workspace  # type: ignore[attr-defined]
    assert request.session["current_workspace"] == workspace.slug
    assert getattr(_probe, WORKSPACE_VIEW_MARK) == ("content.view", "content.schedule")


def test_decorator_404s_outsiders(mallory: User, workspace: Workspace) -> None:
    with pytest.raises(Http404):
        _probe(_request("GET", mallory), slug=workspace.slug, item_id=1)


def test_decorator_checks_the_write_action_for_unsafe_methods(workspace: Workspace) -> None:
    from tests.factories import member

    viewer = member(workspace, Role.VIEWER, email="vera@example.com")
    assert _probe(_request("GET", viewer), slug=workspace.slug, item_id=1).status_code == 200
    with pytest.raises(PermissionDenied):
        _probe(_request("POST", viewer), slug=workspace.slug, item_id=1)


def test_decorator_refuses_unknown_actions_at_import_time() -> None:
    with pytest.raises(KeyError):
        workspace_view("no.such_action")


def _json_refused(request: HttpRequest, reason: str) -> HttpResponse:
    return HttpResponse(reason, status=401 if reason == "logged_out" else 403)


@workspace_view("content.schedule", on_refused=_json_refused)
def _fetch_probe(request: HttpRequest, membership: Membership) -> HttpResponse:
    return HttpResponse("ok")


def test_on_refused_answers_for_anonymous_and_weak_roles_but_not_outsiders(
    mallory: User, workspace: Workspace
) -> None:
    from django.contrib.auth.models import AnonymousUser

    from tests.factories import member

    assert _fetch_probe(_request("GET", AnonymousUser()), slug=workspace.slug).status_code == 401
    viewer = member(workspace, Role.VIEWER, email="vera@example.com")
    refused = _fetch_probe(_request("GET", viewer), slug=workspace.slug)
    assert (refused.status_code, refused.content) == (403, b"forbidden")
    with pytest.raises(Http404):
        _fetch_probe(_request("GET", mallory), slug=workspace.slug)
