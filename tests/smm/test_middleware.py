"""Every request starts in the default time zone: a workspace's zone never leaks into the next
request served by the same thread."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from smm.middleware import TimezoneResetMiddleware


def test_the_time_zone_is_reset_before_and_after_each_request(settings) -> None:
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(timezone.get_current_timezone_name())
        timezone.activate("Asia/Tokyo")  # what workspace_for_member does
        return HttpResponse()

    middleware = TimezoneResetMiddleware(view)
    timezone.activate("America/New_York")  # left behind by an earlier request
    middleware(HttpRequest())
    assert seen == [settings.TIME_ZONE]
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE
