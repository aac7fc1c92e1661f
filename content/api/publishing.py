"""REST API: a post's publishing state per channel (target) with its attempt log, and what a
person does with a target that did not go out: retry now, mark as published (with its URL) or
as not published, reschedule; and with one that may be on its platform twice (a late success
with another id: `possible_duplicate`): delete the extra copy.

Roles: reading needs `content.view`; the actions need `content.create`, and the service checks
who may publish this post (editors and up; contributors their own posts when they may schedule
them). State rules are the service's. Errors are the API's envelope (smm.api_errors): a refusal is
400 (code `invalid`, with `errors`), a role 403, a post or target outside the workspace (or a
target of another post) 404.
"""

from __future__ import annotations

from typing import ClassVar

from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from content.api.posts import ERRORS, PostApiView
from content.models import PostTarget, PublishAttempt
from content.selectors.publishing import duration_label, post_targets, redact, target_detail
from content.services import publishing as services
from content.services.retrying import target_retry_confirmed

# Output ----------------------------------------------------------------------------------------


class PublishAttemptOutput(serializers.Serializer):
    """One attempt to publish: the platform's answer summarised (credentials never included)."""

    class Meta:
        ref_name = "PublishAttempt"

    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.ChoiceField(
        choices=PublishAttempt.Outcome.choices, allow_blank=True, help_text='"" while running'
    )
    outcome_label = serializers.SerializerMethodField()
    detail = serializers.SerializerMethodField(help_text="What the platform answered, summarised")
    duration_ms = serializers.IntegerField(allow_null=True)
    duration = serializers.SerializerMethodField(help_text="duration_ms for people: 1.2 s")
    worker = serializers.CharField()
    external_id = serializers.CharField(
        help_text="The post's id the platform answered with (also for late results)"
    )
    external_url = serializers.CharField(help_text="The post the platform answered with")

    def get_outcome_label(self, attempt: PublishAttempt) -> str:
        return str(attempt.get_outcome_display()) if attempt.outcome else _("Running")

    def get_detail(self, attempt: PublishAttempt) -> str:
        return redact(attempt.detail)

    def get_duration(self, attempt: PublishAttempt) -> str:
        return duration_label(attempt.duration_ms)


class TargetChannelOutput(serializers.Serializer):
    class Meta:
        ref_name = "PublishingChannel"

    id = serializers.IntegerField()
    platform = serializers.CharField()
    handle = serializers.CharField()
    display_name = serializers.CharField()
    status = serializers.CharField(help_text="active, needs_reconnect, …")


class PostTargetOutput(serializers.Serializer):
    """A post on one channel: where it is in publishing, and every attempt so far."""

    class Meta:
        ref_name = "PostTargetPublishing"

    id = serializers.IntegerField()
    post_id = serializers.IntegerField()
    channel = TargetChannelOutput()
    status = serializers.ChoiceField(choices=PostTarget.Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    hold_reason = serializers.CharField(
        help_text='For needs_attention: "channel" (reconnect it; it goes out once it is), '
        '"unknown" (Ripple could not tell whether it went out: check, then mark it)'
    )
    scheduled_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(
        allow_null=True, help_text="When a retry is due (after a temporary problem)"
    )
    attempts = serializers.IntegerField(help_text="Attempts since it was last (re)scheduled")
    published_at = serializers.DateTimeField(allow_null=True)
    external_id = serializers.CharField(help_text="The post's id on the platform")
    external_url = serializers.CharField(help_text="The post on the platform")
    first_comment_id = serializers.CharField()
    possible_duplicate = serializers.BooleanField(
        source="has_possible_duplicate",
        help_text="The platform answered a second time with another post: it may be there "
        "twice (external_url and duplicate_url). Delete the extra copy with delete-duplicate.",
    )
    duplicate_external_id = serializers.CharField(help_text="The extra copy's id, if any")
    duplicate_url = serializers.CharField(help_text="The extra copy on the platform, if any")
    first_comment_error = serializers.SerializerMethodField()
    last_error = serializers.SerializerMethodField(help_text="Why it failed or needs attention")
    attempts_log = PublishAttemptOutput(many=True)

    def get_first_comment_error(self, target: PostTarget) -> str:
        return redact(target.first_comment_error)

    def get_last_error(self, target: PostTarget) -> str:
        return redact(target.last_error)


# Views -----------------------------------------------------------------------------------------


class _TargetActionApi(PostApiView):
    actions: ClassVar[dict[str, str]] = {"POST": "content.create"}

    def _target(self, post_id: int, target_id: int) -> PostTarget:
        return target_detail(workspace=self.workspace, post_id=post_id, target_id=target_id)

    def _respond(self, post_id: int, target_id: int) -> Response:
        return Response(PostTargetOutput(self._target(post_id, target_id)).data)


class PostTargetListApi(PostApiView):
    actions: ClassVar[dict[str, str]] = {"GET": "content.view"}

    @extend_schema(
        operation_id="posts_targets_list",
        responses={200: PostTargetOutput(many=True), **ERRORS},
    )
    def get(self, request: Request, slug: str, post_id: int) -> Response:
        """The post's channels with their publishing state, link and attempt log."""
        targets = post_targets(workspace=self.workspace, post_id=post_id)
        return Response(PostTargetOutput(targets, many=True).data)


class RetryInput(serializers.Serializer):
    class Meta:
        ref_name = "TargetRetryInput"

    confirm_not_published = serializers.BooleanField(
        required=False,
        default=False,
        help_text='Required (true) when hold_reason is "unknown": you checked that the post is '
        "not on the platform, so a retry does not post it twice.",
    )


class TargetRetryApi(_TargetActionApi):
    @extend_schema(
        operation_id="posts_targets_retry",
        request=RetryInput,
        responses={200: PostTargetOutput, **ERRORS},
        examples=[OpenApiExample("After checking the platform", {"confirm_not_published": True})],
    )
    def post(self, request: Request, slug: str, post_id: int, target_id: int) -> Response:
        """Send a failed or needs-attention target again now."""
        target = self._target(post_id, target_id)
        serializer = RetryInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        target_retry_confirmed(
            target=target,
            membership=self.membership,
            confirmed_not_published=serializer.validated_data["confirm_not_published"],
        )
        return self._respond(post_id, target_id)


class MarkPublishedInput(serializers.Serializer):
    class Meta:
        ref_name = "TargetMarkPublishedInput"

    url = serializers.URLField(
        required=False, allow_blank=True, max_length=1000, help_text="The post on the platform"
    )


class TargetMarkPublishedApi(_TargetActionApi):
    @extend_schema(
        operation_id="posts_targets_mark_published",
        request=MarkPublishedInput,
        responses={200: PostTargetOutput, **ERRORS},
    )
    def post(self, request: Request, slug: str, post_id: int, target_id: int) -> Response:
        """You found the post on the platform: record it as published (needs_attention or
        failed targets)."""
        target = self._target(post_id, target_id)
        serializer = MarkPublishedInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.target_mark_published(
            target=target, membership=self.membership, url=serializer.validated_data.get("url", "")
        )
        return self._respond(post_id, target_id)


class TargetMarkNotPublishedApi(_TargetActionApi):
    @extend_schema(
        operation_id="posts_targets_mark_not_published",
        request=None,
        responses={200: PostTargetOutput, **ERRORS},
    )
    def post(self, request: Request, slug: str, post_id: int, target_id: int) -> Response:
        """You checked the platform and the post is not there: the target becomes failed (retry
        or reschedule it then). Only for needs_attention targets."""
        target = self._target(post_id, target_id)
        services.target_mark_not_published(target=target, membership=self.membership)
        return self._respond(post_id, target_id)


class RescheduleInput(serializers.Serializer):
    class Meta:
        ref_name = "TargetRescheduleInput"

    scheduled_at = serializers.DateTimeField(help_text="In the future; with a UTC offset")


class TargetRescheduleApi(_TargetActionApi):
    @extend_schema(
        operation_id="posts_targets_reschedule",
        request=RescheduleInput,
        responses={200: PostTargetOutput, **ERRORS},
        examples=[OpenApiExample("Tomorrow 09:00", {"scheduled_at": "2026-03-30T09:00:00+02:00"})],
    )
    def post(self, request: Request, slug: str, post_id: int, target_id: int) -> Response:
        """Put a failed or needs-attention target back on the schedule."""
        target = self._target(post_id, target_id)
        serializer = RescheduleInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.target_reschedule(
            target=target, membership=self.membership, at=serializer.validated_data["scheduled_at"]
        )
        return self._respond(post_id, target_id)


class TargetDeleteDuplicateApi(_TargetActionApi):
    @extend_schema(
        operation_id="posts_targets_delete_duplicate",
        request=None,
        responses={200: PostTargetOutput, **ERRORS},
    )
    def post(self, request: Request, slug: str, post_id: int, target_id: int) -> Response:
        """Delete the extra copy (duplicate_external_id) of a target that may be on its
        platform twice; the post recorded as the target's stays. 400 when there is none, when
        the platform refused, or where its API cannot delete posts (delete it there, at
        duplicate_url)."""
        target = self._target(post_id, target_id)
        services.target_delete_duplicate(target=target, membership=self.membership)
        return self._respond(post_id, target_id)


_TARGETS = "workspaces/<slug:slug>/posts/<int:post_id>/targets/"

urlpatterns: list[URLPattern] = [
    path(_TARGETS, PostTargetListApi.as_view(), name="post_targets"),
    path(f"{_TARGETS}<int:target_id>/retry/", TargetRetryApi.as_view(), name="target_retry"),
    path(
        f"{_TARGETS}<int:target_id>/mark-published/",
        TargetMarkPublishedApi.as_view(),
        name="target_mark_published",
    ),
    path(
        f"{_TARGETS}<int:target_id>/mark-not-published/",
        TargetMarkNotPublishedApi.as_view(),
        name="target_mark_not_published",
    ),
    path(
        f"{_TARGETS}<int:target_id>/reschedule/",
        TargetRescheduleApi.as_view(),
        name="target_reschedule",
    ),
    path(
        f"{_TARGETS}<int:target_id>/delete-duplicate/",
        TargetDeleteDuplicateApi.as_view(),
        name="target_delete_duplicate",
    ),
]
