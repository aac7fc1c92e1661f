"""The one way into a workspace, and the one table of what each role may do.

Pages use `@workspace_view(action)`, API views subclass `WorkspaceAPIView`; both (and admin) ask
`membership_for` / `can`; nothing else decides access.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ClassVar, Concatenate, ParamSpec, cast

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.request import Request
from rest_framework.views import APIView

from smm import registry
from smm.http import AuthenticatedHttpRequest
from smm.models import Membership, Role, Workspace

# action -> the weakest role that may do it. Each app registers its own actions (its plugin's
# `permissions`); this is the table they fill.
PERMISSIONS: dict[str, Role] = registry.PERMISSIONS


def role_for(action: str) -> Role:
    try:
        return PERMISSIONS[action]
    except KeyError:
        raise KeyError(
            f"Unknown action {action!r}: register it in the permissions of its app's plugin"
        ) from None


def can(membership: Membership | None, action: str) -> bool:
    return membership is not None and membership.has_role(role_for(action))


def can_assign_role(actor: Membership, role: Role | str) -> bool:
    """Only owners grant or take away the owner role; admins manage everything below it."""
    if Role(role) == Role.OWNER:
        return actor.role == Role.OWNER
    return actor.has_role(Role.ADMIN)


def can_manage_member(actor: Membership, member: Membership) -> bool:
    if member.role == Role.OWNER:
        return actor.role == Role.OWNER
    return actor.has_role(Role.ADMIN)


def membership_for(user: Any, slug: str) -> Membership:
    """The caller's membership of workspace `slug`.

    Raises Http404 for non-members, revealing nothing about the workspace."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    return get_object_or_404(
        Membership.objects.select_related("workspace"), workspace__slug=slug, user=user
    )


def workspace_for_member(
    request: HttpRequest, slug: str, *, action: str = "workspace.view"
) -> Workspace:
    """Resolve workspace `slug` for the logged-in user and check `action`.

    Raises Http404 if the user is no member, django's PermissionDenied (403) if the role is too
    weak. Side effects: sets `request.workspace` and `request.membership`, activates the
    workspace's time zone for this request and remembers it as the user's current workspace.
    """
    membership = membership_for(request.user, slug)
    if not can(membership, action):
        raise DjangoPermissionDenied
    _enter(request, membership)
    return membership.workspace


P = ParamSpec("P")
WorkspaceViewFunc = Callable[Concatenate[AuthenticatedHttpRequest, Membership, P], HttpResponseBase]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# The attribute `workspace_view` sets on the views it wraps; tests walk the URL conf for it.
WORKSPACE_VIEW_MARK = "workspace_action"


RefusedHandler = Callable[[HttpRequest, str], HttpResponse]


def workspace_view(
    action: str, *, write_action: str | None = None, on_refused: RefusedHandler | None = None
) -> Callable[[WorkspaceViewFunc[P]], Callable[..., HttpResponseBase]]:
    """Decorate a workspace-scoped page: the one way into a workspace for function views.

    The URL's `slug` is resolved to the logged-in user's membership, which the view receives as
    its second argument (in place of `slug`): `def view(request, membership, **url_kwargs)`.
    `action` (a key of PERMISSIONS) is checked for GET/HEAD/OPTIONS, `write_action` (default:
    `action`) for every other method. Raises Http404 for non-members (revealing nothing) and
    django's PermissionDenied (403) for a role too weak. Side effects as `workspace_for_member`.
    Put it below `login_required` and the `require_*` method decorators, so those answer first.
    Views that answer fetch() calls pass `on_refused(request, reason)`: it makes the response
    for an anonymous caller (reason "logged_out") and for a role too weak ("forbidden"), e.g.
    JSON; non-members still get the 404.
    """
    role_for(action)  # an unknown action fails at import time, not at the first request
    if write_action is not None:
        role_for(write_action)

    def decorate(view: WorkspaceViewFunc[P]) -> Callable[..., HttpResponseBase]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, slug: str, **kwargs: Any) -> HttpResponseBase:
            needed = action if request.method in SAFE_METHODS else (write_action or action)
            if on_refused is not None and not request.user.is_authenticated:
                return on_refused(request, "logged_out")
            membership = membership_for(request.user, slug)
            if not can(membership, needed):
                if on_refused is not None:
                    return on_refused(request, "forbidden")
                raise DjangoPermissionDenied
            _enter(request, membership)
            # A member's request: its user is a User (membership_for 404s anyone else).
            return view(cast(AuthenticatedHttpRequest, request), membership, *args, **kwargs)

        setattr(wrapper, WORKSPACE_VIEW_MARK, (action, write_action or action))
        return wrapper

    return decorate


def is_workspace_view(view: Any) -> bool:
    """Whether `view` (as the URL conf holds it) passes through `workspace_view` or is a
    `WorkspaceAPIView`: the test that walks the URL conf asks this of every workspace route."""
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    if isinstance(view_class, type) and issubclass(view_class, WorkspaceAPIView):
        return True
    return hasattr(view, WORKSPACE_VIEW_MARK)


def _enter(request: HttpRequest, membership: Membership) -> None:
    workspace = membership.workspace
    request.workspace = workspace  # type: ignore[attr-defined]
    request.membership = membership  # type: ignore[attr-defined]
    dj_timezone.activate(workspace.timezone)
    session = getattr(request, "session", None)
    if session is not None and session.get("current_workspace") != workspace.slug:
        session["current_workspace"] = workspace.slug


class WorkspaceAPIView(APIView):
    """Base of every workspace-scoped API view: `slug` in the URL, a role per HTTP method.

    `actions` maps HTTP methods to an action of PERMISSIONS; a method not listed is refused.
    """

    actions: ClassVar[dict[str, str]] = {"GET": "workspace.view"}
    workspace: Workspace
    membership: Membership

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        membership = membership_for(request.user, kwargs["slug"])
        action = self.actions.get(request.method or "GET")
        if action is None and request.method in ("HEAD", "OPTIONS"):
            action = self.actions.get("GET", "workspace.view")
        if action is None or not can(membership, action):
            raise ApiPermissionDenied(_("Your role in this workspace does not allow this."))
        self.membership = membership
        self.workspace = membership.workspace
        _enter(request._request, membership)
