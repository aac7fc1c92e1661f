from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


class UserLanguageMiddleware:
    """A logged-in user's chosen language wins over the browser's (LocaleMiddleware's guess)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = (
            getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        )
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


class TimezoneResetMiddleware:
    """Every request starts in the default time zone; `workspace_for_member` switches to the
    workspace's. Without the reset a thread would carry the last workspace's zone into the next
    request (a public page, another workspace's API call)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
