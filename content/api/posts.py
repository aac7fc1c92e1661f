"""REST API: posts (write once, tailor per channel), their check, approval, scheduling, comments.

Thin views: parse, authorise (WorkspaceAPIView's role per method; the services check ownership,
approvers and who may schedule), call one service (a use case of content.services.editing where
a save is followed by an action), render. Errors are the API's envelope (smm.api_errors):

- 400 `{"detail", "code": "invalid", "errors": {field: [messages]}}`, plus `check` when a post
  cannot be scheduled or submitted because a channel's rules are broken (also when an edit of a
  scheduled post breaks them: it is refused as a whole, as in the composer);
- 403 with the reason; 404 for anything outside the workspace;
- 409 `{"detail", "code": "version_conflict", "current_version", "post"}` when the post changed
  since the version the client sent (`If-Match: "<version>"` or a `version` field).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response

from content.models import Post, PostComment
from content.selectors.posts import PostFilters, post_get, post_list
from content.serializers import (
    PostCheckOutput,
    PostCommentOutput,
    PostConflictOutput,
    PostDetailOutput,
    PostErrorOutput,
    PostListItemOutput,
    PostWriteInput,
    post_input,
)
from content.services import approval, editing, planning
from content.services import posts as services
from content.services.checks import PostCheck, PostInput
from content.services.posts import VersionConflict
from smm.api_errors import ApiError, ApiErrorOutput
from smm.http import AuthenticatedRequest
from smm.models import Workspace
from smm.tenancy import WorkspaceAPIView


def _detail(workspace: Workspace, post_id: int, post: Post | None = None) -> dict[str, Any]:
    """The post with its targets and check. Pass `post` if it was just read with `post_get`;
    after a write it is read again, as stored now."""
    if post is None:
        post = post_get(workspace=workspace, post_id=post_id)
    return PostDetailOutput(post, context={"check": services.check_saved(post)}).data


def _etag(version: int) -> str:
    return f'"{version}"'


def _respond(
    workspace: Workspace, post_id: int, code: int = status.HTTP_200_OK, post: Post | None = None
) -> Response:
    data = _detail(workspace, post_id, post)
    return Response(data, status=code, headers={"ETag": _etag(data["version"])})


ERRORS: dict[int, Any] = {
    400: OpenApiResponse(PostErrorOutput, description="Invalid input or refused by the rules"),
    403: OpenApiResponse(ApiErrorOutput, description="Your role (or ownership) does not allow it"),
    404: OpenApiResponse(ApiErrorOutput, description="No such post in this workspace"),
}
CONFLICT: dict[int, Any] = {
    409: OpenApiResponse(PostConflictOutput, description="The post changed since your version")
}
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The version you edited, as the ETag: "3". Refused with 409 if stale.',
)


class PostApiView(WorkspaceAPIView):
    """Base of the posts API: a version conflict becomes the 409 described above; every other
    error goes to the API's exception handler as it is."""

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, VersionConflict):
            exc = self._conflict(exc.post)
        return super().handle_exception(exc)

    def _conflict(self, post: Post) -> ApiError:
        """The 409 envelope: the post as it is now, its version, and that version's ETag."""
        current = _detail(self.workspace, post.pk)
        return ApiError(
            _(
                "The post was changed since you loaded it (now version %(version)d): "
                "load it again and reapply your change."
            )
            % {"version": current["version"]},
            status_code=status.HTTP_409_CONFLICT,
            code="version_conflict",
            extra={"current_version": current["version"], "post": current},
            headers={"ETag": _etag(current["version"])},
        )

    def _post(self, post_id: int) -> Post:
        return post_get(workspace=self.workspace, post_id=post_id)

    def _expected_version(self, request: Request, sent: int | None = None) -> int | None:
        """The version the client edited: If-Match wins over a `version` field; None: any."""
        header = request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            return sent
        value = header.removeprefix("W/").strip('"')
        if not value.isdigit():
            raise exceptions.ValidationError(
                {"If-Match": [_('Send the post\'s version as the ETag, e.g. "3".')]}
            )
        return int(value)

    def _refused(
        self, exc: DjangoValidationError, post: Post, data: PostInput, *, for_scheduling: bool
    ) -> ApiError:
        """A 400 that also carries the check of `data`, so the client sees which rule broke."""
        try:
            result: PostCheck = services.check(
                workspace=self.workspace, data=data, for_scheduling=for_scheduling, post=post
            )
        except DjangoValidationError:  # ids outside the workspace: `exc` says so already
            return ApiError.invalid(exc)
        if result.ok:
            return ApiError.invalid(exc)
        return ApiError.invalid(exc, check=PostCheckOutput(result).data)


# Examples --------------------------------------------------------------------------------------

CREATE_EXAMPLE = OpenApiExample(
    "A post with an X variant",
    request_only=True,
    value={
        "text": "Our spring blend is back! Taste it in every shop from Monday.",
        "link": "https://tulip.example/spring",
        "channels": [12, 15],
        "variants": {"12": {"text": "Spring blend is back ☕ #coffee"}},
        "media": [{"id": 7, "fit": "crop"}],
        "campaign": 3,
        "shorten_links": True,
        "scheduled_at": "2025-04-07T09:00:00+02:00",
    },
)
CHECK_EXAMPLE = OpenApiExample(
    "Too long for X",
    response_only=True,
    value={
        "ok": False,
        "error_count": 1,
        "warning_count": 0,
        "errors": [],
        "targets": [
            {
                "channel": 12,
                "platform": "x",
                "handle": "@tulipcoffee",
                "text": "…",
                "count": 301,
                "limit": 280,
                "ok": False,
                "errors": [
                    {
                        "code": "text_too_long",
                        "field": "text",
                        "message": "The text is 21 characters over X's limit of 280.",
                        "severity": "error",
                        "params": {"count": 301, "limit": 280, "over": 21},
                    }
                ],
                "warnings": [],
                "notes": [],
            }
        ],
    },
)


# Posts -----------------------------------------------------------------------------------------


class PostFilterInput(serializers.Serializer):
    class Meta:
        ref_name = "PostFilterInput"

    status = serializers.ListField(
        child=serializers.ChoiceField(choices=Post.Status.choices),
        required=False,
        help_text="Editorial state; repeat the parameter for several",
    )
    channel = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Channel id; repeat the parameter for several",
    )
    campaign = serializers.IntegerField(required=False, help_text="Campaign id")
    author = serializers.IntegerField(required=False, help_text="User id of the author")
    scheduled_after = serializers.DateTimeField(
        required=False, help_text="Planned publish time at or after"
    )
    scheduled_before = serializers.DateTimeField(
        required=False, help_text="Planned publish time before"
    )
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Text contains"
    )


class PostListApi(PostApiView):
    """The workspace's posts, most recently changed first (limit/offset paginated), and
    creating a draft."""

    actions: ClassVar[dict[str, str]] = {"GET": "content.view", "POST": "content.create"}
    pagination_class = LimitOffsetPagination

    @extend_schema(
        operation_id="posts_list",
        parameters=[PostFilterInput],
        responses={200: PostListItemOutput(many=True), **ERRORS},
    )
    def get(self, request: Request, slug: str) -> Response:
        serializer = PostFilterInput(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        posts = post_list(
            workspace=self.workspace,
            filters=PostFilters(
                channel_ids=tuple(data.get("channel", ())),
                campaign_id=data.get("campaign"),
                statuses=tuple(data.get("status", ())),
                author_id=data.get("author"),
                q=data.get("q", "").strip(),
            ),
        )
        if "scheduled_after" in data:
            posts = posts.filter(scheduled_at__gte=data["scheduled_after"])
        if "scheduled_before" in data:
            posts = posts.filter(scheduled_at__lt=data["scheduled_before"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(posts, request, view=self) or []
        return paginator.get_paginated_response(PostListItemOutput(page, many=True).data)

    @extend_schema(
        operation_id="posts_create",
        request=PostWriteInput,
        responses={201: PostDetailOutput, **ERRORS},
        examples=[CREATE_EXAMPLE],
    )
    def post(self, request: Request, slug: str) -> Response:
        """Save a draft. Content problems never refuse it: they are in the answer's `check`.
        Unknown (or other workspaces') channel, media and campaign ids are a 400."""
        serializer = PostWriteInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = services.post_save(
            workspace=self.workspace,
            membership=self.membership,
            data=post_input(serializer.validated_data),
            source="api",
        )
        return _respond(self.workspace, post.pk, status.HTTP_201_CREATED)


class PostUpdateInput(PostWriteInput):
    class Meta:
        ref_name = "PostUpdateInput"

    version = serializers.IntegerField(
        required=False, help_text="The version you edited (or send If-Match)"
    )


class PostDetailApi(PostApiView):
    actions: ClassVar[dict[str, str]] = {
        "GET": "content.view",
        "PATCH": "content.create",
        "DELETE": "content.create",
    }

    @extend_schema(operation_id="posts_retrieve", responses={200: PostDetailOutput, **ERRORS})
    def get(self, request: Request, slug: str, post_id: int) -> Response:
        """The post, each channel's effective values and overrides, and its check."""
        return _respond(self.workspace, post_id, post=self._post(post_id))

    @extend_schema(
        operation_id="posts_partial_update",
        request=PostUpdateInput,
        parameters=[IF_MATCH],
        responses={200: PostDetailOutput, **ERRORS, **CONFLICT},
    )
    def patch(self, request: Request, slug: str, post_id: int) -> Response:
        """Change the fields sent; the rest stays. A scheduled post is checked again against
        its channels' rules (at its new `scheduled_at`, if sent, which must be in the future):
        an edit that breaks one is refused with 400 and the `check`, and nothing changes. Take
        it off the schedule with unschedule."""
        post = self._post(post_id)
        serializer = PostUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        expected = self._expected_version(request, changes.pop("version", None))
        data = post_input(changes, base=services.input_from_post(post))
        try:
            post = editing.post_edit(
                workspace=self.workspace,
                membership=self.membership,
                data=data,
                post=post,
                expected_version=expected,
                source="api",
            )
        except DjangoValidationError as exc:
            if post.status != Post.Status.SCHEDULED:
                raise
            raise self._refused(exc, post, data, for_scheduling=True) from exc
        return _respond(self.workspace, post.pk)

    @extend_schema(
        operation_id="posts_destroy",
        parameters=[IF_MATCH],
        responses={204: None, **ERRORS, **CONFLICT},
    )
    def delete(self, request: Request, slug: str, post_id: int) -> Response:
        """Delete a post that has not started going out."""
        post = self._post(post_id)
        expected = self._expected_version(request)
        if expected is not None and expected != post.version:
            raise VersionConflict(post)
        services.post_delete(post=post, membership=self.membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostCheckInput(PostWriteInput):
    class Meta:
        ref_name = "PostCheckInput"

    post = serializers.IntegerField(
        required=False,
        help_text="Id of the post being edited: the fields sent are merged into it, as PATCH "
        "would, and its current channels may stay even if disconnected",
    )
    for_scheduling = serializers.BooleanField(
        required=False, default=False, help_text="Also require a publish time in the future"
    )


class PostCheckApi(PostApiView):
    """Validate a post against each channel's rules and guidelines without saving anything."""

    actions: ClassVar[dict[str, str]] = {"POST": "content.create"}

    @extend_schema(
        operation_id="posts_check",
        request=PostCheckInput,
        responses={200: PostCheckOutput, **ERRORS},
        examples=[CHECK_EXAMPLE],
    )
    def post(self, request: Request, slug: str) -> Response:
        serializer = PostCheckInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        post_id = changes.pop("post", None)
        for_scheduling = changes.pop("for_scheduling", False)
        post = self._post(post_id) if post_id is not None else None
        base = services.input_from_post(post) if post is not None else None
        result = services.check(
            workspace=self.workspace,
            data=post_input(changes, base=base),
            for_scheduling=for_scheduling,
            post=post,
        )
        return Response(PostCheckOutput(result).data)


# Planning --------------------------------------------------------------------------------------


class ScheduleInput(serializers.Serializer):
    class Meta:
        ref_name = "PostScheduleInput"

    scheduled_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Default: the post's planned time"
    )


class PostScheduleApi(PostApiView):
    actions: ClassVar[dict[str, str]] = {"POST": "content.create"}

    @extend_schema(
        operation_id="posts_schedule",
        request=ScheduleInput,
        responses={200: PostDetailOutput, **ERRORS},
    )
    def post(self, request: Request, slug: str, post_id: int) -> Response:
        """Schedule the post (editors; contributors once it is approved or when the workspace
        needs no approval). Refused with 400 and the `check` if the time has passed or a
        channel's rules are broken."""
        post = self._post(post_id)
        serializer = ScheduleInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        at = serializer.validated_data.get("scheduled_at")
        try:
            post = planning.post_schedule(post=post, membership=self.membership, at=at)
        except DjangoValidationError as exc:
            data = services.input_from_post(post)
            if at is not None:
                data.scheduled_at = at
            raise self._refused(exc, post, data, for_scheduling=True) from exc
        return _respond(self.workspace, post.pk)


class PostUnscheduleApi(PostApiView):
    actions: ClassVar[dict[str, str]] = {"POST": "content.create"}

    @extend_schema(
        operation_id="posts_unschedule", request=None, responses={200: PostDetailOutput, **ERRORS}
    )
    def post(self, request: Request, slug: str, post_id: int) -> Response:
        """Take the post off the schedule; it keeps its planned time."""
        post = planning.post_unschedule(post=self._post(post_id), membership=self.membership)
        return _respond(self.workspace, post.pk)


class PostQueueApi(PostApiView):
    actions: ClassVar[dict[str, str]] = {"POST": "content.create"}

    @extend_schema(
        operation_id="posts_queue", request=None, responses={200: PostDetailOutput, **ERRORS}
    )
    def post(self, request: Request, slug: str, post_id: int) -> Response:
        """Schedule the post in its channels' next free posting slot."""
        post = self._post(post_id)
        try:
            post = planning.post_add_to_queue(post=post, membership=self.membership)
        except DjangoValidationError as exc:
            raise self._refused(
                exc, post, services.input_from_post(post), for_scheduling=False
            ) from exc
        return _respond(self.workspace, post.pk)


# Approval --------------------------------------------------------------------------------------


class SubmitInput(serializers.Serializer):
    class Meta:
        ref_name = "PostSubmitInput"

    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class DecisionInput(serializers.Serializer):
    class Meta:
        ref_name = "PostDecisionInput"

    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The version you reviewed; 409 if the post changed since",
    )


class PostSubmitApi(PostApiView):
    actions: ClassVar[dict[str, str]] = {"POST": "content.create"}

    @extend_schema(
        operation_id="posts_submit",
        request=SubmitInput,
        responses={200: PostDetailOutput, **ERRORS},
    )
    def post(self, request: Request, slug: str, post_id: int) -> Response:
        """Send a draft for approval; its approvers are notified. Refused with 400 and the
        `check` while it breaks a channel's rules."""
        post = self._post(post_id)
        serializer = SubmitInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            post = approval.post_submit(
                post=post,
                membership=self.membership,
                comment=serializer.validated_data["comment"],
            )
        except DjangoValidationError as exc:
            raise self._refused(
                exc, post, services.input_from_post(post), for_scheduling=False
            ) from exc
        return _respond(self.workspace, post.pk)


class PostDecisionApi(PostApiView):
    """Approve or ask for changes: approvers only (the service checks who approves)."""

    actions: ClassVar[dict[str, str]] = {"POST": "content.approve"}

    def _decide(
        self, request: Request, post_id: int, serializer_class: type[DecisionInput]
    ) -> Post:
        post = self._post(post_id)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = self._expected_version(request, serializer.validated_data["version"])
        if version is not None and version != post.version:
            raise VersionConflict(post)
        decide = (
            approval.post_approve
            if serializer_class is ApproveInput
            else approval.post_request_changes
        )
        return decide(
            post=post,
            membership=self.membership,
            comment=serializer.validated_data["comment"],
            version=version,
        )


class ApproveInput(DecisionInput):
    class Meta:
        ref_name = "PostApproveInput"


class RequestChangesInput(DecisionInput):
    class Meta:
        ref_name = "PostRequestChangesInput"

    comment = serializers.CharField(max_length=5000, help_text="What should change")


class PostApproveApi(PostDecisionApi):
    @extend_schema(
        operation_id="posts_approve",
        request=ApproveInput,
        parameters=[IF_MATCH],
        responses={200: PostDetailOutput, **ERRORS, **CONFLICT},
    )
    def post(self, request: Request, slug: str, post_id: int) -> Response:
        """Approve the version you reviewed. A post with a future publish time is scheduled
        at once; otherwise it waits, approved, for a time."""
        post = self._decide(request, post_id, ApproveInput)
        return _respond(self.workspace, post.pk)


class PostRequestChangesApi(PostDecisionApi):
    @extend_schema(
        operation_id="posts_request_changes",
        request=RequestChangesInput,
        parameters=[IF_MATCH],
        responses={200: PostDetailOutput, **ERRORS, **CONFLICT},
    )
    def post(self, request: Request, slug: str, post_id: int) -> Response:
        """Send the post back to its author with what should change."""
        post = self._decide(request, post_id, RequestChangesInput)
        return _respond(self.workspace, post.pk)


# Comments --------------------------------------------------------------------------------------


class CommentInput(serializers.Serializer):
    class Meta:
        ref_name = "PostCommentInput"

    body = serializers.CharField(max_length=5000)


class PostCommentListApi(PostApiView):
    """The team's internal comments on a post, oldest first; adding one notifies the author and
    the earlier commenters."""

    actions: ClassVar[dict[str, str]] = {"GET": "content.view", "POST": "content.comment"}

    @extend_schema(
        operation_id="posts_comments_list", responses={200: PostCommentOutput(many=True), **ERRORS}
    )
    def get(self, request: Request, slug: str, post_id: int) -> Response:
        comments: list[PostComment] = list(self._post(post_id).comments.all())
        return Response(PostCommentOutput(comments, many=True).data)

    @extend_schema(
        operation_id="posts_comments_create",
        request=CommentInput,
        responses={201: PostCommentOutput, **ERRORS},
    )
    def post(self, request: AuthenticatedRequest, slug: str, post_id: int) -> Response:
        post = self._post(post_id)
        serializer = CommentInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.post_comment_add(
            post=post, body=serializer.validated_data["body"], by=request.user
        )
        return Response(PostCommentOutput(comment).data, status=status.HTTP_201_CREATED)


_POST = "workspaces/<slug:slug>/posts/<int:post_id>/"

urlpatterns: list[URLPattern] = [
    path("workspaces/<slug:slug>/posts/", PostListApi.as_view(), name="post_list"),
    path("workspaces/<slug:slug>/posts/check/", PostCheckApi.as_view(), name="post_check"),
    path(_POST, PostDetailApi.as_view(), name="post_detail"),
    path(f"{_POST}schedule/", PostScheduleApi.as_view(), name="post_schedule"),
    path(f"{_POST}unschedule/", PostUnscheduleApi.as_view(), name="post_unschedule"),
    path(f"{_POST}queue/", PostQueueApi.as_view(), name="post_queue"),
    path(f"{_POST}submit/", PostSubmitApi.as_view(), name="post_submit"),
    path(f"{_POST}approve/", PostApproveApi.as_view(), name="post_approve"),
    path(
        f"{_POST}request-changes/",
        PostRequestChangesApi.as_view(),
        name="post_request_changes",
    ),
    path(f"{_POST}comments/", PostCommentListApi.as_view(), name="post_comments"),
]
