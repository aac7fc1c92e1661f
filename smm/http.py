"""Request types of views that only run for a logged-in user.

`login_required`, `workspace_view` and DRF's IsAuthenticated guarantee that `request.user` is a
`User`, not an `AnonymousUser`; annotating such a view's request with these types says so to the
type checker, instead of a cast or an ignore at every use."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest
from rest_framework.request import Request

if TYPE_CHECKING:
    from smm.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a page behind `login_required` or `workspace_view`."""

    user: User


class AuthenticatedRequest(Request):
    """The request of an API view whose permission classes require a logged-in user."""

    user: User
