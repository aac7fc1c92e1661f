"""The calendar page, moving a post (drag and drop or "Move to…"), roles and workspaces."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from content.models import Post, PostTarget
from smm.models import ActivityEvent, Heartbeat, Role, Workspace
from tests.content.test_calendar_factories import make_campaign, make_channel, make_post
from tests.factories import member

AMS = ZoneInfo("Europe/Amsterdam")
UTC = ZoneInfo("UTC")
NOW = datetime(2026, 3, 18, 10, 0, tzinfo=AMS)  # a Wednesday
FRIDAY_0930 = datetime(2026, 3, 20, 9, 30, tzinfo=AMS)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen(time_machine) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def ams(workspace: Workspace) -> Workspace:
    workspace.timezone = "Europe/Amsterdam"
    workspace.save(update_fields=["timezone"])
    return workspace


@pytest.fixture
def channel(ams: Workspace):
    return make_channel(ams, "x", handle="@tulipcoffee")


@pytest.fixture
def scheduled(ams, channel, bob) -> Post:
    return make_post(ams, at=FRIDAY_0930, channels=[channel], author=bob, text="Roast day!")


def cal_url(ws: Workspace, **params: str) -> str:
    url = reverse("content:calendar", args=[ws.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def move_url(ws: Workspace, post: Post) -> str:
    return reverse("content:calendar_move", args=[ws.slug, post.pk])


def move(client, ws: Workspace, post: Post, **data: str):
    return client.post(move_url(ws, post), data, headers={"accept": "application/json"})


# The page -----------------------------------------------------------------------------------


def test_month_view_shows_posts_per_channel_in_the_workspace_zone(
    client, bob, ams, channel, scheduled
) -> None:
    linkedin = make_channel(ams, "linkedin", handle="tulip-coffee")
    PostTarget.objects.create(
        workspace=ams, post=scheduled, channel=linkedin, status=PostTarget.Status.SCHEDULED
    )
    client.force_login(bob)
    response = client.get(cal_url(ams))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Times in Europe/Amsterdam" in html
    assert "March 2026" in html
    assert html.count(f'data-post-id="{scheduled.pk}"') == 2  # a chip per channel
    assert 'data-platform="x"' in html and 'data-platform="linkedin"' in html
    assert ">09:30</time>" in html  # 08:30 UTC, shown in Amsterdam
    assert reverse("content:post_detail", args=[ams.slug, scheduled.pk]) in html
    assert 'class="cal-day cal-drop today" data-date="2026-03-18" aria-current="date"' in html
    compose = reverse("content:compose", args=[ams.slug])
    assert f'href="{compose}?date=2026-03-19"' in html
    assert f'href="{compose}?date=2026-03-17"' not in html  # no new posts in the past
    assert 'draggable="true"' in html
    assert "st-scheduled" in html


def test_week_view_has_hour_rows(client, bob, ams, scheduled) -> None:
    client.force_login(bob)
    response = client.get(cal_url(ams, view="week", date="2026-03-19"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Week 12 · 16 Mar \N{EN DASH} 22 Mar 2026" in html
    assert html.count('class="cal-slot cal-drop') == 7 * 24
    assert 'data-date="2026-03-20" data-hour="9"' in html
    assert f'data-post-id="{scheduled.pk}"' in html


def test_navigation_keeps_view_and_filters(client, bob, ams, channel) -> None:
    client.force_login(bob)
    html = client.get(
        cal_url(ams, view="week", date="2026-03-19", channel=str(channel.pk))
    ).content.decode()
    assert f"?view=week&amp;date=2026-03-09&amp;channel={channel.pk}" in html  # previous
    assert f"?view=week&amp;date=2026-03-23&amp;channel={channel.pk}" in html  # next
    assert f"?view=week&amp;date=2026-03-18&amp;channel={channel.pk}" in html  # today
    assert f"?view=month&amp;date=2026-03-19&amp;channel={channel.pk}" in html
    export = reverse("content:calendar_export_ics", args=[ams.slug])
    assert f"{export}?view=week&amp;date=2026-03-19&amp;channel={channel.pk}" in html


def test_filters_apply_and_bad_parameters_are_ignored(client, bob, ams, channel, scheduled) -> None:
    campaign = make_campaign(ams)
    client.force_login(bob)
    filtered = client.get(cal_url(ams, campaign=str(campaign.pk))).content.decode()
    assert f'data-post-id="{scheduled.pk}"' not in filtered
    assert "No posts match these filters" in filtered
    response = client.get(cal_url(ams, view="year", date="someday", channel="x", status="odd"))
    assert response.status_code == 200
    assert f'data-post-id="{scheduled.pk}"' in response.content.decode()


def test_viewer_sees_the_calendar_but_cannot_move_or_add(client, ams, scheduled) -> None:
    viewer = member(ams, Role.VIEWER)
    client.force_login(viewer)
    html = client.get(cal_url(ams)).content.decode()
    assert f'data-post-id="{scheduled.pk}"' in html
    assert 'draggable="true"' not in html
    assert "cal-move-form" not in html
    assert reverse("content:compose", args=[ams.slug]) not in html


def test_outsiders_get_404_and_strangers_the_login(client, mallory, ams, scheduled) -> None:
    urls = [
        cal_url(ams),
        reverse("content:calendar_export_ics", args=[ams.slug]),
        reverse("content:posts_export_csv", args=[ams.slug]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    client.force_login(mallory)
    for url in urls:
        assert client.get(url).status_code == 404
    assert move(client, ams, scheduled, date="2026-03-21").status_code == 404


# The heartbeat warning ----------------------------------------------------------------------


def test_stale_workers_are_shown_on_the_calendar(client, bob, ams) -> None:
    client.force_login(bob)
    html = client.get(cal_url(ams)).content.decode()
    assert 'id="calendar-heartbeat"' in html
    assert "No worker has reported yet." in html
    Heartbeat.objects.create(
        name=Heartbeat.CELERY,
        sent_at=timezone.now(),
        received_at=timezone.now() - timedelta(hours=2),
    )
    html = client.get(cal_url(ams)).content.decode()
    assert "Stale: last report 2\xa0hours ago." in html
    Heartbeat.objects.filter(name=Heartbeat.CELERY).update(received_at=timezone.now())
    assert 'id="calendar-heartbeat"' not in client.get(cal_url(ams)).content.decode()


def test_admins_see_the_warning_once_in_the_header(client, alice, ams) -> None:
    client.force_login(alice)
    html = client.get(cal_url(ams)).content.decode()
    assert 'id="heartbeat-stale"' in html
    assert 'id="calendar-heartbeat"' not in html


# Moving -------------------------------------------------------------------------------------


def test_moving_keeps_the_time_of_day(client, bob, ams, channel, scheduled) -> None:
    client.force_login(bob)
    response = move(client, ams, scheduled, date="2026-03-31")  # after the switch to summer time
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert (body["date"], body["time"]) == ("2026-03-31", "09:30")
    assert body["message"].startswith("Moved to ")
    scheduled.refresh_from_db()
    assert scheduled.scheduled_at == datetime(2026, 3, 31, 9, 30, tzinfo=AMS)
    assert scheduled.targets.get().scheduled_at == scheduled.scheduled_at
    assert ActivityEvent.objects.filter(verb="post.rescheduled", actor=bob).count() == 1


def test_moving_to_another_hour_in_the_week_view(client, bob, ams, scheduled) -> None:
    client.force_login(bob)
    response = move(client, ams, scheduled, date="2026-03-21", time="14:30")
    assert response.json()["time"] == "14:30"
    scheduled.refresh_from_db()
    assert scheduled.scheduled_at == datetime(2026, 3, 21, 14, 30, tzinfo=AMS)


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        ({"date": "2026-03-17"}, 400, "Pick a time in the future."),
        ({"date": "not a date"}, 400, "Pick a day to move the post to."),
        ({}, 400, "Pick a day to move the post to."),
    ],
)
def test_a_refused_move_says_why(client, bob, ams, scheduled, data, status, reason) -> None:
    client.force_login(bob)
    response = move(client, ams, scheduled, **data)
    assert response.status_code == status
    assert response.json() == {"ok": False, "error": reason}
    scheduled.refresh_from_db()
    assert scheduled.scheduled_at == FRIDAY_0930


def test_a_published_post_stays_put(client, bob, ams, channel) -> None:
    post = make_post(ams, at=NOW - timedelta(days=1), channels=[channel], status="published")
    client.force_login(bob)
    response = move(client, ams, post, date="2026-03-25")
    assert response.status_code == 400
    assert response.json()["error"] == "A published post cannot be moved."


def test_roles_that_may_not_move_get_403_with_the_reason(client, ams, channel, scheduled) -> None:
    viewer = member(ams, Role.VIEWER)
    client.force_login(viewer)
    response = move(client, ams, scheduled, date="2026-03-25")
    assert response.status_code == 403
    assert response.json()["ok"] is False
    assert response.json()["error"]
    carol = member(ams, Role.CONTRIBUTOR)
    client.force_login(carol)
    bobs_draft = make_post(ams, at=FRIDAY_0930, channels=[channel], status="draft")
    response = move(client, ams, bobs_draft, date="2026-03-25")
    assert (response.status_code, response.json()["error"]) == (
        403,
        "You can only change your own posts.",
    )
    scheduled.refresh_from_db()
    assert scheduled.scheduled_at == FRIDAY_0930


def test_another_workspaces_post_is_404(client, bob, ams, other_workspace) -> None:
    theirs = make_post(other_workspace, at=FRIDAY_0930, channels=[make_channel(other_workspace)])
    client.force_login(bob)
    assert move(client, ams, theirs, date="2026-03-25").status_code == 404
    # Nor through the other workspace's address, where bob is no member.
    assert move(client, other_workspace, theirs, date="2026-03-25").status_code == 404
    theirs.refresh_from_db()
    assert theirs.scheduled_at == FRIDAY_0930


def test_move_only_by_post(client, bob, ams, scheduled) -> None:
    client.force_login(bob)
    assert client.get(move_url(ams, scheduled)).status_code == 405


def test_the_move_form_works_without_javascript(client, bob, ams, scheduled) -> None:
    client.force_login(bob)
    back = cal_url(ams, view="week", date="2026-03-19")
    response = client.post(
        move_url(ams, scheduled), {"date": "2026-03-24", "time": "09:30", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    page = client.get(back).content.decode()
    assert "Moved to " in page
    refused = client.post(
        move_url(ams, scheduled), {"date": "2026-03-01", "next": "https://evil.example/"}
    )
    assert refused["Location"] == cal_url(ams)  # not to another site
    assert "Pick a time in the future." in client.get(cal_url(ams)).content.decode()


# Queries ------------------------------------------------------------------------------------


def test_page_query_count_is_constant(
    client, bob, ams, channel, django_assert_max_num_queries
) -> None:
    linkedin = make_channel(ams, "linkedin")
    campaign = make_campaign(ams)
    make_post(ams, at=FRIDAY_0930, channels=[channel, linkedin], author=bob, campaign=campaign)
    client.force_login(bob)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(cal_url(ams)).status_code == 200
        return len(ctx.captured_queries)

    count()  # the first visit writes the session's current workspace
    one = count()
    for n in range(9):
        make_post(ams, at=FRIDAY_0930 + timedelta(days=n), channels=[channel, linkedin], author=bob)
    assert count() == one
    # session, user, allauth's user session (5, with its savepoint), membership; the filter
    # choices (channels, campaigns, members); posts, targets with channels, media; heartbeat;
    # the layout's workspaces and unread notifications.
    with django_assert_max_num_queries(16):
        client.get(cal_url(ams))


def test_json_body_of_success_is_small_and_exact(client, bob, ams, scheduled) -> None:
    client.force_login(bob)
    body = move(client, ams, scheduled, date="2026-03-27").json()
    assert set(body) == {"ok", "message", "date", "time", "at"}
    assert datetime.fromisoformat(body["at"]) == datetime(2026, 3, 27, 9, 30, tzinfo=AMS)
    json.dumps(body)
    assert date.fromisoformat(body["date"]) == date(2026, 3, 27)
