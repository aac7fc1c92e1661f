"""Posts: written once, tailored per channel (one PostTarget per channel), reviewed, planned."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from content.models.campaigns import Campaign
from content.models.media import MediaAsset
from smm.models import Membership, TenantQuerySet, Workspace


class Fit(models.TextChoices):
    CROP = "crop", _("Crop around the focal point")
    PAD = "pad", _("Fit inside, pad the edges")


class RecurrenceUnit(models.TextChoices):
    DAY = "day", _("days")
    WEEK = "week", _("weeks")


class ContentSettings(models.Model):
    """A workspace's editorial rules: whether contributors need approval, and who approves."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="content_settings"
    )
    approval_required = models.BooleanField(_("contributors' posts need approval"), default=True)
    # Named approvers (any role, viewers included). None named: editors and up approve.
    approvers = models.ManyToManyField(Membership, blank=True, related_name="+")
    review_link_days = models.PositiveSmallIntegerField(
        _("client review links stay valid for (days)"), default=7
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("content settings")
        verbose_name_plural = _("content settings")

    def __str__(self) -> str:
        return f"content settings of {self.workspace}"


class Post(models.Model):
    """The master version of a post. Per channel, a PostTarget holds what differs and its state.

    `status` is the editorial state, then (on the schedule) the state its targets give. Where
    each channel stands in publishing is on its target. Only content.services.state writes it.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("Awaiting approval")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Approved")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Needs attention")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    text = models.TextField(_("text"), blank=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    link = models.URLField(_("link"), max_length=2000, blank=True)
    first_comment = models.TextField(_("first comment"), blank=True)
    shorten_links = models.BooleanField(_("track links"), default=False)
    # When it should go out (UTC). Kept while it is in review: approval schedules it then.
    scheduled_at = models.DateTimeField(_("publish at"), null=True, blank=True, db_index=True)
    # Repeats: this post is copied every N units until the date (copies point to it).
    repeat_every = models.PositiveSmallIntegerField(_("repeat every"), null=True, blank=True)
    repeat_unit = models.CharField(
        _("unit"), max_length=8, choices=RecurrenceUnit.choices, blank=True
    )
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    recurrence_parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="occurrences"
    )
    source = models.CharField(max_length=16, default="composer")  # composer, api, csv, recurrence
    # The CSV import row a post came from: a resumed import never creates a row's post twice.
    import_batch = models.ForeignKey(
        "content.ImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    import_row = models.PositiveIntegerField(null=True, blank=True)
    # Bumped on every save: autosave and the API refuse to overwrite a newer version.
    version = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by_label = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-updated_at"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes: ClassVar[list] = [
            models.Index(fields=["workspace", "scheduled_at"], name="post_ws_scheduled"),
            models.Index(fields=["workspace", "status"], name="post_ws_status"),
        ]
        constraints: ClassVar[list] = [
            models.CheckConstraint(
                condition=models.Q(repeat_every__isnull=True)
                | models.Q(repeat_every__gte=1, repeat_until__isnull=False),
                name="post_repeat_has_interval_and_end",
            ),
        ]

    def __str__(self) -> str:
        first_line = (self.text or self.title).strip().splitlines()
        return (first_line[0][:60] if first_line else "") or f"post {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("content:post_detail", args=[self.workspace.slug, self.pk])


class PostTarget(models.Model):
    """One post on one channel: the variant (None = the master's value) and its publishing state.

    `status` moves only through content.services.state (the table of allowed transitions);
    every transition is a conditional update.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        QUEUED = "queued", _("Queued")
        PUBLISHING = "publishing", _("Publishing")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed")
        NEEDS_ATTENTION = "needs_attention", _("Needs attention")
        CANCELLED = "cancelled", _("Cancelled")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="targets")
    channel = models.ForeignKey(
        "channels_app.Channel", on_delete=models.PROTECT, related_name="post_targets"
    )
    # The variant: None inherits the post's value; "" is a deliberate empty value.
    text = models.TextField(_("text"), null=True, blank=True)  # noqa: DJ001
    title = models.CharField(_("title"), max_length=300, null=True, blank=True)  # noqa: DJ001
    link = models.URLField(_("link"), max_length=2000, null=True, blank=True)  # noqa: DJ001
    first_comment = models.TextField(_("first comment"), null=True, blank=True)  # noqa: DJ001
    custom_media = models.BooleanField(_("own media"), default=False)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # The publishing engine's bookkeeping (content.services.publishing).
    next_attempt_at = models.DateTimeField(null=True, blank=True)  # a retry's due time
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(null=True, blank=True)
    publishing_started_at = models.DateTimeField(null=True, blank=True)
    # The lease of the worker that owns a publishing target: renewed while it works; only an
    # expired lease (the worker is gone) makes the outcome unknown (content.services.publishing).
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Sent with every attempt (Mastodon's Idempotency-Key, X's duplicate check): stable per target.
    publish_key = models.CharField(max_length=64, blank=True)
    # Ids of the steps of a multi-step publish (uploaded media, containers): a retry resumes.
    steps = models.JSONField(default=dict, blank=True)
    # Why a target waits for a person: "channel" (reconnect it), "unknown" (did it go out?).
    hold_reason = models.CharField(max_length=16, blank=True)
    first_comment_id = models.CharField(max_length=255, blank=True)
    first_comment_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    external_url = models.URLField(max_length=1000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # A possible second copy on the platform (a late success with another id than external_id).
    duplicate_external_id = models.CharField(max_length=255, blank=True)
    duplicate_url = models.URLField(max_length=1000, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["channel__platform", "channel__handle"]
        verbose_name = _("post on a channel")
        verbose_name_plural = _("posts on channels")
        constraints: ClassVar[list] = [
            models.UniqueConstraint(fields=["post", "channel"], name="target_one_per_channel"),
        ]
        indexes: ClassVar[list] = [
            models.Index(fields=["status", "scheduled_at"], name="target_due"),
            models.Index(fields=["status", "next_attempt_at"], name="target_retry_due"),
            # The few targets that may be on their platform twice ("needs attention" list).
            models.Index(
                fields=["workspace", "updated_at"],
                name="target_possible_duplicate",
                condition=~models.Q(duplicate_external_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} → {self.channel}"

    @property
    def has_possible_duplicate(self) -> bool:
        """A second copy may be on the platform (a late success with another id)."""
        return bool(self.duplicate_external_id) and self.duplicate_external_id != self.external_id

    @property
    def effective_text(self) -> str:
        return self.post.text if self.text is None else self.text

    @property
    def effective_title(self) -> str:
        return self.post.title if self.title is None else self.title

    @property
    def effective_link(self) -> str:
        return self.post.link if self.link is None else self.link

    @property
    def effective_first_comment(self) -> str:
        return self.post.first_comment if self.first_comment is None else self.first_comment


class PostMedia(models.Model):
    """The post's media, in order, with how each is fitted to a channel's size."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="media_items")
    asset = models.ForeignKey(MediaAsset, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    fit = models.CharField(max_length=8, choices=Fit.choices, default=Fit.CROP)

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.asset} in {self.post_id}"


class TargetMedia(models.Model):
    """A channel's own media list, used when its target has `custom_media`."""

    target = models.ForeignKey(PostTarget, on_delete=models.CASCADE, related_name="media_items")
    asset = models.ForeignKey(MediaAsset, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    fit = models.CharField(max_length=8, choices=Fit.choices, default=Fit.CROP)

    class Meta:
        ordering: ClassVar[list[str]] = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.asset} in target {self.target_id}"


class PostComment(models.Model):
    """An internal remark on a post, for the team (or from a client through a review link)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(max_length=254)  # kept if the user goes; the client's name
    body = models.TextField(_("comment"))
    via_review_link = models.ForeignKey(
        "ReviewLink", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author_label}: {self.body[:40]}"


class PostReview(models.Model):
    """One step of a post's approval: submitted, approved, changes asked, reopened by an edit."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REOPENED = "reopened", _("Edited after approval")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reviews")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    via_review_link = models.ForeignKey(
        "ReviewLink", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comment = models.TextField(blank=True)
    post_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_label}"


class ReviewLink(models.Model):
    """A signed, expiring link with which a client reviews one post without an account."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="review_links")
    reviewer_name = models.CharField(_("reviewer's name"), max_length=120)
    reviewer_email = models.EmailField(_("reviewer's e-mail"), blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at"]

    def __str__(self) -> str:
        return f"review link for {self.reviewer_name}"


class HashtagGroup(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    hashtags = models.JSONField(_("hashtags"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        constraints: ClassVar[list] = [
            models.UniqueConstraint(fields=["workspace", "name"], name="hashtag_group_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Snippet(models.Model):
    """Saved text (a signature, a disclaimer) to insert into posts."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=80)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["name"]
        constraints: ClassVar[list] = [
            models.UniqueConstraint(fields=["workspace", "name"], name="snippet_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PublishAttempt(models.Model):
    """One try to publish a target: when, how it ended, what the platform said (a summary, never
    tokens), how long it took. Shown on the post; kept when the target is retried."""

    class Outcome(models.TextChoices):
        PUBLISHED = "published", _("Published")
        RATE_LIMITED = "rate_limited", _("Rate limited: tried again later")
        TRANSIENT = "transient", _("Temporary error: tried again later")
        AUTH_EXPIRED = "auth_expired", _("Access expired")
        REJECTED = "rejected", _("Refused by the platform")
        UNKNOWN = "unknown", _("Outcome unknown")
        FOUND = "found", _("Found on the platform")
        NOT_FOUND = "not_found", _("Not found on the platform")
        HELD = "held", _("Held: the channel needs reconnecting")
        ERROR = "error", _("Error in Ripple")
        LATE_SUCCESS = "late_success", _("Published after it was settled")
        LATE_FAILURE = "late_failure", _("Failed after it was settled")
        DELETED = "deleted", _("Extra copy deleted")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(PostTarget, on_delete=models.CASCADE, related_name="attempts_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    detail = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    # What the platform gave for this attempt's post (kept for late results and deletions).
    external_id = models.CharField(max_length=255, blank=True)
    external_url = models.URLField(max_length=1000, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering: ClassVar[list[str]] = ["started_at", "pk"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.target_id}: {self.outcome or 'running'}"
