"""The publishing pages: a post's publishing panel (states, link, first comment, attempt log),
the target actions (retry, mark as published / not published, reschedule) with their roles and
state rules, the workspace's "Needs attention" list. 404 across workspaces and posts; nothing
secret in the attempt log.

The targets' states are written directly in the database, as the engine would leave them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from channels_app.models import Channel
from content.models import Post, PostTarget, PublishAttempt
from content.selectors.publishing import publishing_problem_count, redact
from smm.models import Role, User, Workspace
from tests.content.test_calendar_factories import make_channel, make_post
from tests.factories import member

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
S = PostTarget.Status


# Helpers (also used by test_publishing_api.py) ------------------------------------------------


def set_target(target: PostTarget, **fields: Any) -> PostTarget:
    """Put `target` in a state, as the engine would (a direct UPDATE)."""
    PostTarget.objects.filter(pk=target.pk).update(**fields)
    target.refresh_from_db()
    return target


def attempt(target: PostTarget, number: int = 1, **fields: Any) -> PublishAttempt:
    started = fields.pop("started_at", timezone.now() - timedelta(minutes=10 - number))
    fields.setdefault("finished_at", started + timedelta(milliseconds=1200))
    fields.setdefault("outcome", PublishAttempt.Outcome.REJECTED)
    fields.setdefault("duration_ms", 1234)
    fields.setdefault("worker", "celery@worker-1")
    return PublishAttempt.objects.create(
        workspace=target.workspace, target=target, number=number, started_at=started, **fields
    )


def problem_post(
    workspace: Workspace, author: User | None, *, text: str = "Fresh beans from Huila are in."
) -> tuple[Post, PostTarget, PostTarget, PostTarget]:
    """A post on three channels: X failed (refused), Mastodon needs attention (unknown outcome),
    LinkedIn waiting for its channel to be reconnected."""
    x = make_channel(workspace, "x", handle="@tulip")
    masto = make_channel(workspace, "mastodon", handle="@tulip@social.example")
    linkedin = make_channel(
        workspace, "linkedin", handle="Tulip Coffee", status=Channel.Status.NEEDS_RECONNECT
    )
    at = timezone.now() - timedelta(minutes=5)
    post = make_post(
        workspace,
        at=at,
        channels=[x, masto, linkedin],
        status=Post.Status.FAILED,
        author=author,
        text=text,
    )
    targets = {t.channel_id: t for t in post.targets.all()}
    failed = set_target(
        targets[x.pk], status=S.FAILED, last_error="Rejected: the text is a duplicate."
    )
    attempt(failed, detail="HTTP 403: duplicate content")
    unknown = set_target(
        targets[masto.pk],
        status=S.NEEDS_ATTENTION,
        hold_reason="unknown",
        last_error="It is not certain whether this went out.",
    )
    attempt(unknown, outcome=PublishAttempt.Outcome.UNKNOWN, detail="read timed out")
    held = set_target(
        targets[linkedin.pk],
        status=S.NEEDS_ATTENTION,
        hold_reason="channel",
        last_error="The channel needs reconnecting.",
    )
    return post, failed, unknown, held


def target_url(name: str, target: PostTarget, workspace: Workspace | None = None) -> str:
    slug = (workspace or target.workspace).slug
    return reverse(f"content:{name}", args=[slug, target.post_id, target.pk])


# Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def amsterdam(workspace: Workspace) -> Workspace:
    workspace.timezone = "Europe/Amsterdam"
    workspace.save(update_fields=["timezone"])
    return workspace


@pytest.fixture
def problems(amsterdam: Workspace, bob: User) -> tuple[Post, PostTarget, PostTarget, PostTarget]:
    return problem_post(amsterdam, bob)


@pytest.fixture
def alice_client(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


def panel(client: Client, post: Post) -> Any:
    return client.get(
        reverse("content:publishing_panel", args=[post.workspace.slug, post.pk]), **HTMX
    )


# The panel -----------------------------------------------------------------------------------


def test_panel_shows_each_state_with_its_reason_and_actions(alice_client, problems) -> None:
    post, failed, unknown, held = problems
    response = panel(alice_client, post)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="publishing-panel"' in html
    assert "Did not go out:" in html
    assert "Rejected: the text is a duplicate." in html
    assert "Ripple could not tell whether this went out on Mastodon" in html
    # The channel hold links to the channel, to reconnect it.
    assert reverse("channels_app:channel_detail", args=[post.workspace.slug, held.channel_id]) in (
        html
    )
    assert "needs reconnecting" in html
    for name in ("target_retry", "target_mark_published", "target_reschedule"):
        assert target_url(name, failed) in html
    # Not published: only for needs attention.
    assert target_url("target_mark_not_published", failed) not in html
    assert target_url("target_mark_not_published", unknown) in html
    # Retrying an unknown outcome asks for confirmation.
    assert 'name="confirm_not_published"' in html
    assert "HTTP 403: duplicate content" in html
    assert "1.2 s" in html
    assert "celery@worker-1" in html


def test_panel_shows_published_link_id_and_first_comment(alice_client, amsterdam, bob) -> None:
    channel = make_channel(amsterdam, "mastodon")
    post = make_post(
        amsterdam,
        at=timezone.now() - timedelta(hours=1),
        channels=[channel],
        status=Post.Status.PUBLISHED,
        author=bob,
        first_comment="More at tulip.example",
    )
    target = set_target(
        post.targets.get(),
        external_id="11223344",
        external_url="https://social.example/@tulip/11223344",
        published_at=timezone.now(),
        first_comment_error="HTTP 422: reply not allowed",
    )
    attempt(target, outcome=PublishAttempt.Outcome.PUBLISHED, detail="id 11223344")
    html = panel(alice_client, post).content.decode()
    assert 'href="https://social.example/@tulip/11223344"' in html
    assert "View on Mastodon" in html
    assert "id 11223344" in html
    assert "First comment:" in html
    assert "HTTP 422: reply not allowed" in html
    assert "Retry now" not in html


def test_scheduled_time_is_shown_in_the_workspace_time_zone(alice_client, amsterdam, bob) -> None:
    channel = make_channel(amsterdam, "x")
    at = datetime(2031, 7, 1, 7, 0, tzinfo=UTC)  # 09:00 in Amsterdam (summer time)
    post = make_post(amsterdam, at=at, channels=[channel], author=bob)
    html = panel(alice_client, post).content.decode()
    assert "Scheduled at" in html
    assert "9 a.m." in html or "09:00" in html
    assert "Europe/Amsterdam" in html


def test_attempt_log_shows_no_secrets(alice_client, problems) -> None:
    post, failed, _unknown, _held = problems
    attempt(
        failed,
        number=2,
        detail="GET https://api.example/x?access_token=tok-SECRET-1 Authorization: Bearer "
        "abcdefSECRET2",
    )
    html = panel(alice_client, post).content.decode()
    assert "SECRET" not in html
    assert "[hidden]" in html
    for channel in Channel.objects.filter(workspace=post.workspace):
        assert channel.access_token not in html
        assert channel.refresh_token not in html


def test_redact_hides_tokens_and_keeps_the_rest() -> None:
    text = 'HTTP 400 {"access_token": "abc123", "error": "bad"} refresh_token=xyz&x=1'
    hidden = redact(text)
    assert "abc123" not in hidden and "xyz" not in hidden
    assert '"error": "bad"' in hidden and "HTTP 400" in hidden


def test_panel_without_htmx_is_a_page(alice_client, problems) -> None:
    post = problems[0]
    response = alice_client.get(
        reverse("content:publishing_panel", args=[post.workspace.slug, post.pk])
    )
    assert response.status_code == 200
    assert b"<html" in response.content and b'id="publishing-panel"' in response.content


def test_post_page_and_composer_include_the_panel(client, alice, bob, problems) -> None:
    post = problems[0]
    loader = reverse("content:publishing_panel", args=[post.workspace.slug, post.pk])
    # alice (owner) edits the failed post: the composer; vera (viewer) reads it.
    client.force_login(alice)
    assert f'hx-get="{loader}"' in client.get(post_detail_url(post)).content.decode()
    viewer = member(post.workspace, Role.VIEWER, email="vera@example.com")
    client.force_login(viewer)
    response = client.get(post_detail_url(post))
    assert response.status_code == 200
    assert f'hx-get="{loader}"' in response.content.decode()


def post_detail_url(post: Post) -> str:
    return reverse("content:post_detail", args=[post.workspace.slug, post.pk])


def test_viewer_sees_the_panel_without_buttons(client, problems) -> None:
    post, failed, *_ = problems
    client.force_login(member(post.workspace, Role.VIEWER, email="vera@example.com"))
    html = panel(client, post).content.decode()
    assert "Did not go out:" in html
    assert target_url("target_retry", failed) not in html
    assert "Retry now" not in html


# 404 across workspaces and posts ---------------------------------------------------------------


def test_outsider_gets_404_everywhere(client, mallory, problems) -> None:
    post, failed, unknown, _held = problems
    client.force_login(mallory)
    assert panel(client, post).status_code == 404
    assert (
        client.get(reverse("content:publishing_problems", args=[post.workspace.slug])).status_code
        == 404
    )
    for name in ("target_retry", "target_mark_published", "target_reschedule"):
        assert client.post(target_url(name, failed)).status_code == 404
    assert client.post(target_url("target_mark_not_published", unknown)).status_code == 404
    failed.refresh_from_db()
    assert failed.status == S.FAILED


def test_target_of_another_post_or_workspace_is_404(
    alice_client, problems, other_workspace
) -> None:
    post, failed, *_ = problems
    other_post, *_rest = problem_post(post.workspace, None, text="Another post")
    wrong = reverse("content:target_retry", args=[post.workspace.slug, other_post.pk, failed.pk])
    assert alice_client.post(wrong).status_code == 404
    # alice is no member of other_workspace; and its targets are not reachable through her slug.
    foreign_post, foreign_target, *_f = problem_post(other_workspace, None)
    via_own = reverse(
        "content:target_retry", args=[post.workspace.slug, foreign_post.pk, foreign_target.pk]
    )
    assert alice_client.post(via_own).status_code == 404
    assert alice_client.post(target_url("target_retry", foreign_target)).status_code == 404
    foreign_target.refresh_from_db()
    assert foreign_target.status == S.FAILED


# Roles -----------------------------------------------------------------------------------------


def test_viewer_is_refused_with_403_and_the_reason(client, problems) -> None:
    post, failed, *_ = problems
    client.force_login(member(post.workspace, Role.VIEWER, email="vera@example.com"))
    response = client.post(target_url("target_retry", failed))
    assert response.status_code == 403
    assert "Your role cannot publish this post." in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == S.FAILED


def test_contributor_who_needs_approval_cannot_act_on_own_post(client, amsterdam) -> None:
    from content.services.approval import settings_for

    contributor = member(amsterdam, Role.CONTRIBUTOR, email="carol@example.com")
    content_settings = settings_for(amsterdam)
    content_settings.approval_required = True
    content_settings.save()
    post, failed, *_ = problem_post(amsterdam, contributor)
    client.force_login(contributor)
    assert "Retry now" not in panel(client, post).content.decode()
    assert client.post(target_url("target_retry", failed)).status_code == 403


def test_editor_acts_on_someone_elses_post(client, bob, amsterdam, alice) -> None:
    _post, failed, *_ = problem_post(amsterdam, alice)
    client.force_login(bob)
    assert client.post(target_url("target_retry", failed)).status_code == 302
    failed.refresh_from_db()
    assert failed.status == S.SCHEDULED


# Retry -----------------------------------------------------------------------------------------


def test_retry_failed_goes_back_on_the_schedule_now(alice_client, problems) -> None:
    post, failed, *_ = problems
    response = alice_client.post(target_url("target_retry", failed))
    assert response.status_code == 302
    assert response["Location"] == post_detail_url(post)
    failed.refresh_from_db()
    assert failed.status == S.SCHEDULED
    assert failed.next_attempt_at is not None and failed.next_attempt_at <= timezone.now()
    assert failed.last_error == ""
    # The attempt log is kept.
    assert failed.attempts_log.count() == 1


def test_retry_with_htmx_rerenders_the_panel_with_a_notice(alice_client, problems) -> None:
    _post, failed, *_ = problems
    response = alice_client.post(target_url("target_retry", failed), {"from": "panel"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="publishing-panel"' in html and "<html" not in html
    assert "Sending it again on X @tulip now." in html


def test_retry_of_unknown_outcome_needs_confirmation(alice_client, problems) -> None:
    _post, _failed, unknown, _held = problems
    response = alice_client.post(target_url("target_retry", unknown))
    assert response.status_code == 400
    assert "Check Mastodon first" in response.content.decode()
    unknown.refresh_from_db()
    assert unknown.status == S.NEEDS_ATTENTION
    response = alice_client.post(
        target_url("target_retry", unknown), {"confirm_not_published": "1"}
    )
    assert response.status_code == 302
    unknown.refresh_from_db()
    assert unknown.status == S.SCHEDULED


def test_retry_of_a_channel_hold_needs_no_confirmation(alice_client, problems) -> None:
    held = problems[3]
    assert alice_client.post(target_url("target_retry", held)).status_code == 302
    held.refresh_from_db()
    assert held.status == S.SCHEDULED and held.hold_reason == ""


def test_retry_refused_for_a_published_or_scheduled_target(alice_client, amsterdam, bob) -> None:
    channel = make_channel(amsterdam, "x")
    post = make_post(
        amsterdam, at=timezone.now() + timedelta(hours=2), channels=[channel], author=bob
    )
    target = post.targets.get()
    response = alice_client.post(target_url("target_retry", target))
    assert response.status_code == 400
    assert (
        "Only a failed post, or one that needs attention, can be retried."
        in response.content.decode()
    )
    set_target(target, status=S.PUBLISHED)
    assert alice_client.post(target_url("target_retry", target)).status_code == 400


def test_refusal_with_htmx_shows_the_reason_in_the_panel(alice_client, problems) -> None:
    _post, _failed, unknown, _held = problems
    response = alice_client.post(target_url("target_retry", unknown), {"from": "panel"}, **HTMX)
    assert response.status_code == 200  # htmx swaps only successful answers
    assert 'role="alert"' in response.content.decode()
    assert "Check Mastodon first" in response.content.decode()


# Mark as published / not published ---------------------------------------------------------------


def test_mark_published_with_url(alice_client, problems) -> None:
    post, _failed, unknown, _held = problems
    response = alice_client.post(
        target_url("target_mark_published", unknown),
        {"url": "https://social.example/@tulip/998877"},
    )
    assert response.status_code == 302
    unknown.refresh_from_db()
    assert unknown.status == S.PUBLISHED
    assert unknown.external_url == "https://social.example/@tulip/998877"
    assert unknown.published_at is not None
    html = panel(alice_client, post).content.decode()
    assert 'href="https://social.example/@tulip/998877"' in html


def test_mark_published_without_url_and_for_failed(alice_client, problems) -> None:
    _post, failed, *_ = problems
    assert alice_client.post(target_url("target_mark_published", failed)).status_code == 302
    failed.refresh_from_db()
    assert failed.status == S.PUBLISHED and failed.external_url == ""


def test_mark_published_refuses_a_bad_url_and_keeps_it(alice_client, problems) -> None:
    _post, _failed, unknown, _held = problems
    for bad in ("javascript:alert(1)", "not a url at all"):
        response = alice_client.post(target_url("target_mark_published", unknown), {"url": bad})
        assert response.status_code == 400
        html = response.content.decode()
        assert "Enter a valid URL." in html
        assert 'value="not a url at all"' in html or "javascript" in html
    unknown.refresh_from_db()
    assert unknown.status == S.NEEDS_ATTENTION


def test_mark_published_refused_for_a_scheduled_target(alice_client, amsterdam, bob) -> None:
    channel = make_channel(amsterdam, "x")
    post = make_post(
        amsterdam, at=timezone.now() + timedelta(hours=2), channels=[channel], author=bob
    )
    response = alice_client.post(target_url("target_mark_published", post.targets.get()))
    assert response.status_code == 400
    assert (
        "Only a post that needs attention can be marked as published." in response.content.decode()
    )


def test_mark_not_published(alice_client, problems) -> None:
    _post, failed, unknown, _held = problems
    assert alice_client.post(target_url("target_mark_not_published", unknown)).status_code == 302
    unknown.refresh_from_db()
    assert unknown.status == S.FAILED
    assert "Not on the platform" in unknown.last_error
    # A failed target is not "needs attention": refused.
    response = alice_client.post(target_url("target_mark_not_published", failed))
    assert response.status_code == 400
    assert "Only a post that needs attention can be marked this way." in response.content.decode()


# Reschedule --------------------------------------------------------------------------------------


def test_reschedule_in_the_workspace_time_zone(alice_client, problems) -> None:
    _post, failed, *_ = problems
    day = (timezone.now() + timedelta(days=3)).date()
    response = alice_client.post(
        target_url("target_reschedule", failed),
        {"publish_date": day.isoformat(), "publish_time": "09:00"},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == S.SCHEDULED
    local = timezone.localtime(failed.scheduled_at, timezone=ZoneInfo("Europe/Amsterdam"))
    assert (local.date(), local.hour, local.minute) == (day, 9, 0)


def test_reschedule_refuses_the_past_and_keeps_what_was_typed(alice_client, problems) -> None:
    _post, failed, *_ = problems
    response = alice_client.post(
        target_url("target_reschedule", failed),
        {"publish_date": "2020-01-02", "publish_time": "08:15"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Pick a time in the future." in html
    assert 'value="2020-01-02"' in html and 'value="08:15"' in html
    response = alice_client.post(target_url("target_reschedule", failed), {"publish_date": "soon"})
    assert response.status_code == 400
    assert "Pick a valid date and time." in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == S.FAILED


# The "Needs attention" list ----------------------------------------------------------------------


def test_problems_page_lists_failed_and_needs_attention_only(
    alice_client, problems, amsterdam
) -> None:
    post, failed, unknown, held = problems
    ok_channel = make_channel(amsterdam, "bluesky")
    make_post(
        amsterdam,
        at=timezone.now(),
        channels=[ok_channel],
        status=Post.Status.PUBLISHED,
        text="All went fine here",
    )
    response = alice_client.get(reverse("content:publishing_problems", args=[amsterdam.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    for target in (failed, unknown, held):
        assert f'id="pub-target-{target.pk}"' in html
    assert "All went fine here" not in html
    assert post_detail_url(post) in html
    assert 'name="from" value="problems"' in html


def test_action_from_the_problems_list_goes_back_there(alice_client, problems) -> None:
    _post, failed, *_ = problems
    workspace = failed.workspace
    response = alice_client.post(target_url("target_retry", failed), {"from": "problems"})
    assert response.status_code == 302
    assert response["Location"] == reverse("content:publishing_problems", args=[workspace.slug])
    response = alice_client.post(
        target_url("target_mark_not_published", problems[2]), {"from": "problems"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="publishing-problems"' in html and "<html" not in html
    assert "Marked as not published" in html


def test_problems_page_query_count(alice_client, amsterdam, django_assert_max_num_queries) -> None:
    for n in range(4):
        problem_post(amsterdam, None, text=f"Post {n}")  # 12 problem targets, 4 attempts each post
    url = reverse("content:publishing_problems", args=[amsterdam.slug])
    alice_client.get(url)  # warm the session
    # session, user, membership, session update?, count, targets (+ post, author, channel),
    # attempts, notifications/heartbeat of base.html: bounded, independent of the row count.
    with django_assert_max_num_queries(16) as captured:
        assert alice_client.get(url).status_code == 200
    baseline = len(captured.captured_queries)
    for n in range(4, 8):
        problem_post(amsterdam, None, text=f"Post {n}")
    with django_assert_max_num_queries(baseline):
        alice_client.get(url)


def test_problem_count_is_one_query(problems, django_assert_num_queries) -> None:
    workspace = problems[0].workspace
    with django_assert_num_queries(1):
        assert publishing_problem_count(workspace=workspace) == 3
