"""Reading the publishing state of posts: each target's state as people see it, its attempt log,
and the workspace's publishing problems (failed and needs-attention targets).

What a person may do with a target (`TargetRow.can_*`) mirrors the state rules of
content.services.publishing.actions and the role rule of planning.may_schedule; the services
check both again, these flags only decide which buttons are shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from content.models import Post, PostTarget, PublishAttempt
from content.services.approvers import approval_needed
from content.services.publishing.settle import HOLD_CHANNEL, HOLD_UNKNOWN
from smm.models import Membership, Workspace
from smm.tenancy import can

S = PostTarget.Status
PROBLEM_STATES = (S.FAILED, S.NEEDS_ATTENTION)
RETRY_STATES = (S.FAILED, S.NEEDS_ATTENTION)
MARK_PUBLISHED_STATES = (S.NEEDS_ATTENTION, S.FAILED)
MARK_NOT_PUBLISHED_STATES = (S.NEEDS_ATTENTION,)
# A target that may be on its platform twice (a late success with another id than recorded).
POSSIBLE_DUPLICATE = ~Q(duplicate_external_id="") & ~Q(duplicate_external_id=F("external_id"))
# What the "needs attention" list shows: failed, unknown or held targets, and possible
# duplicates.
PROBLEMS = Q(status__in=PROBLEM_STATES) | POSSIBLE_DUPLICATE
RESCHEDULE_STATES = (S.FAILED, S.NEEDS_ATTENTION)

# The engine stores summaries of what platforms answered, never tokens. Should a platform echo a
# credential back (a URL with ?access_token=, an Authorization header), it is hidden here too.
_SECRET_PATTERNS = (
    re.compile(
        r"(?i)\b((?:access|refresh|oauth|id)_?token|client_secret|api_?key|password|secret)"
        r"(\s*[=:]\s*|\"\s*:\s*\")([^&\s\"',;]+)"
    ),
    re.compile(r"(?i)\b(authorization)(\s*[=:]\s*)(\S+(?:\s+[^\s,;\"']+)?)"),
    re.compile(r"(?i)\b(bearer)(\s+)([A-Za-z0-9._~+/=-]{6,})"),
)


def redact(text: str) -> str:
    """`text` with anything that looks like a credential replaced by "[hidden]"."""
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}[hidden]", text)
    return text


def duration_label(ms: int | None) -> str:
    """340 ms, 1.2 s, 2 min 5 s; "" when unknown (the attempt is still running)."""
    if ms is None:
        return ""
    if ms < 1000:
        return _("%(n)d ms") % {"n": ms}
    if ms < 60_000:
        return _("%(n)s s") % {"n": f"{ms / 1000:.1f}"}
    minutes, seconds = divmod(ms // 1000, 60)
    return _("%(m)d min %(s)d s") % {"m": minutes, "s": seconds}


@dataclass(frozen=True)
class AttemptRow:
    """One line of a target's attempt log."""

    number: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str  # PublishAttempt.Outcome, "" while running
    outcome_label: str
    detail: str  # redacted
    duration: str
    worker: str

    @classmethod
    def of(cls, attempt: PublishAttempt) -> AttemptRow:
        return cls(
            number=attempt.number,
            started_at=attempt.started_at,
            finished_at=attempt.finished_at,
            outcome=attempt.outcome,
            outcome_label=attempt.get_outcome_display() if attempt.outcome else _("Running"),
            detail=redact(attempt.detail),
            duration=duration_label(attempt.duration_ms),
            worker=attempt.worker,
        )


@dataclass
class TargetRow:
    """A target as the publishing panel and the problems list show it."""

    target: PostTarget
    tone: str  # CSS: scheduled, queued, publishing, published, failed, attention, draft, cancelled
    hold: str  # "", HOLD_CHANNEL or HOLD_UNKNOWN
    attempts: list[AttemptRow] = field(default_factory=list)
    may_act: bool = False

    @property
    def status(self) -> str:
        return self.target.status

    @property
    def platform_name(self) -> str:
        return self.target.channel.get_platform_display()

    @property
    def error(self) -> str:
        return redact(self.target.last_error)

    @property
    def first_comment_error(self) -> str:
        return redact(self.target.first_comment_error)

    @property
    def has_first_comment(self) -> bool:
        return bool(self.target.effective_first_comment.strip())

    @property
    def retrying(self) -> bool:
        """Scheduled again by the engine after a temporary problem (or by a person's retry)."""
        return self.target.status == S.SCHEDULED and self.target.next_attempt_at is not None

    @property
    def retry_due(self) -> bool:
        """Due again already: the dispatcher picks it up within seconds."""
        due = self.target.next_attempt_at
        return self.retrying and due is not None and due <= timezone.now()

    @property
    def can_retry(self) -> bool:
        return self.may_act and self.target.status in RETRY_STATES

    @property
    def retry_needs_confirmation(self) -> bool:
        """Retrying an unknown outcome may post twice: the person confirms it is not there."""
        return self.target.status == S.NEEDS_ATTENTION and self.hold == HOLD_UNKNOWN

    @property
    def can_mark_published(self) -> bool:
        return self.may_act and self.target.status in MARK_PUBLISHED_STATES

    @property
    def can_mark_not_published(self) -> bool:
        return self.may_act and self.target.status in MARK_NOT_PUBLISHED_STATES

    @property
    def can_reschedule(self) -> bool:
        return self.may_act and self.target.status in RESCHEDULE_STATES

    @property
    def possible_duplicate(self) -> bool:
        """It may be on the platform twice: the panel shows both links."""
        return self.target.has_possible_duplicate

    @property
    def can_delete_duplicate(self) -> bool:
        return self.may_act and self.possible_duplicate

    @property
    def can_act(self) -> bool:
        return (
            self.can_retry
            or self.can_mark_published
            or self.can_reschedule
            or self.can_delete_duplicate
        )

    @property
    def reschedule_default(self) -> datetime:
        """The reschedule form's preset: the next full hour, in the active (workspace) zone."""
        soon = timezone.localtime() + timedelta(hours=1)
        return soon.replace(minute=0, second=0, microsecond=0)


_TONES: dict[str, str] = {
    S.NEEDS_ATTENTION: "attention",
}


def _hold(target: PostTarget) -> str:
    if target.status != S.NEEDS_ATTENTION:
        return ""
    # An empty reason on a needs-attention target: the outcome is what is in doubt.
    return HOLD_CHANNEL if target.hold_reason == HOLD_CHANNEL else HOLD_UNKNOWN


class _Rights:
    """Whether `membership` may act on a post's targets, with the workspace's approval setting
    read at most once (planning.may_schedule reads it per call)."""

    def __init__(self, membership: Membership) -> None:
        self.membership = membership
        self.any_post = can(membership, "content.schedule")
        self.creates = can(membership, "content.create")
        self._needs_approval: bool | None = None

    def may_act(self, post: Post) -> bool:
        if self.any_post:
            return True
        if not self.creates or post.author_id != self.membership.user_id:
            return False
        if post.status == Post.Status.APPROVED:
            return True
        if self._needs_approval is None:
            self._needs_approval = approval_needed(self.membership)
        return not self._needs_approval


def _row(target: PostTarget, rights: _Rights) -> TargetRow:
    return TargetRow(
        target=target,
        tone=_TONES.get(target.status, target.status),
        hold=_hold(target),
        attempts=[AttemptRow.of(a) for a in target.attempts_log.all()],
        may_act=rights.may_act(target.post),
    )


def _targets() -> QuerySet[PostTarget]:
    return PostTarget.objects.select_related("channel").prefetch_related(
        Prefetch("attempts_log", queryset=PublishAttempt.objects.order_by("started_at", "pk"))
    )


@dataclass
class PublishingPanel:
    """A post's publishing state per channel."""

    post: Post
    rows: list[TargetRow]

    @property
    def active(self) -> bool:
        """Whether anything has left the draft stage (otherwise there is nothing to show)."""
        return any(r.status != S.DRAFT for r in self.rows)

    @property
    def problems(self) -> int:
        return sum(1 for r in self.rows if r.status in PROBLEM_STATES or r.possible_duplicate)


def post_publishing(
    *, workspace: Workspace, post_id: int, membership: Membership
) -> PublishingPanel:
    """The publishing panel of post `post_id` of `workspace` (Http404 for another workspace's
    post): every target with its channel and attempt log, and what `membership` may do.

    Queries: the post, its targets with channels, their attempts (3)."""
    post = get_object_or_404(
        Post.objects.for_workspace(workspace).select_related("author"), pk=post_id
    )
    targets = list(_targets().filter(post=post))
    rights = _Rights(membership)
    for target in targets:
        target.post = post  # effective_* read the post; saves a query per target
    return PublishingPanel(post=post, rows=[_row(t, rights) for t in targets])


def target_get(*, workspace: Workspace, post_id: int, target_id: int) -> PostTarget:
    """Target `target_id` of post `post_id` in `workspace`, with its post and channel; Http404
    when it belongs to another post or workspace."""
    return get_object_or_404(
        PostTarget.objects.for_workspace(workspace).select_related(
            "post", "post__workspace", "post__author", "channel"
        ),
        pk=target_id,
        post_id=post_id,
        post__workspace=workspace,
    )


def target_detail(*, workspace: Workspace, post_id: int, target_id: int) -> PostTarget:
    """Like target_get, with the attempt log prefetched (for the API)."""
    return get_object_or_404(
        _targets().filter(workspace=workspace, post__workspace=workspace).select_related("post"),
        pk=target_id,
        post_id=post_id,
    )


def post_targets(*, workspace: Workspace, post_id: int) -> list[PostTarget]:
    """The targets of post `post_id` of `workspace` (Http404 for another workspace's post),
    with channels and attempt logs."""
    post = get_object_or_404(Post.objects.for_workspace(workspace), pk=post_id)
    targets = list(_targets().filter(post=post))
    for target in targets:
        target.post = post
    return targets


def publishing_problem_count(*, workspace: Workspace) -> int:
    """How many targets of `workspace` failed, need attention or may be on their platform twice
    (one query)."""
    return PostTarget.objects.for_workspace(workspace).filter(PROBLEMS).count()


def publishing_problems(*, workspace: Workspace) -> QuerySet[PostTarget]:
    """Failed and needs-attention targets of `workspace`, and those that may be on their
    platform twice, the longest-waiting first, with what a row shows (post, author, channel,
    attempts). Turn a page of it into rows with `problem_rows`."""
    return (
        _targets()
        .filter(PROBLEMS, workspace=workspace)
        .select_related("post", "post__author")
        .order_by("updated_at", "pk")
    )


def problem_rows(targets: list[PostTarget], membership: Membership) -> list[TargetRow]:
    """`targets` (from publishing_problems) as rows with what `membership` may do."""
    rights = _Rights(membership)
    return [_row(t, rights) for t in targets]
