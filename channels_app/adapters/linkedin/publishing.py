"""LinkedIn publishing: POST /rest/posts and comments (the first comment, replies), deleting a
post.
"""

from __future__ import annotations

from typing import Any

from channels_app.adapters.base import (
    Credentials,
    NotSupported,
    OutgoingPost,
    PublishResult,
    Rejected,
    TransientError,
    nothing_public_yet,
    path_segment,
    post_first_comment,
)
from channels_app.adapters.linkedin.media import LinkedInMedia
from channels_app.adapters.linkedin.rest import urn_path
from channels_app.adapters.linkedin.text import escape_little_text


class LinkedInPublishing(LinkedInMedia):
    """Posts and comments."""

    def _comment(
        self, creds: Credentials, post_urn: str, text: str, parent: str | None = None
    ) -> str:
        payload: dict[str, Any] = {
            "actor": creds.account_id,
            "object": post_urn,
            "message": {"text": escape_little_text(text)},
        }
        if parent:
            payload["parentComment"] = parent
        resp, body = self._rest(
            creds, "POST", f"/socialActions/{urn_path(post_urn)}/comments", json_body=payload
        )
        comment = body.get("commentUrn") or body.get("$URN") or resp.headers.get("x-restli-id")
        if not isinstance(comment, str):
            raise TransientError("LinkedIn created the comment but did not name it")
        return comment

    def publish(self, creds: Credentials, post: OutgoingPost) -> PublishResult:
        """POST /rest/posts as `creds.account_id` (text, image(s), video, article link).

        The first comment goes through socialActions comments; its failure is reported in
        `first_comment_error`. LinkedIn posts cannot be replies: `reply_to_id` raises
        NotSupported. A 422 DUPLICATE_POST raises Rejected(duplicate=True).

        Resumable: records "media:<i>" (image/video URNs), "post" (the post URN) and
        "first_comment" through `post.record_step` and skips what `post.steps` has (with "post"
        recorded, only the first comment is left). Failures before the post is created raise
        TransientError(sent=False): nothing is public yet."""
        if post.reply_to_id:
            raise NotSupported("LinkedIn posts cannot reply to other posts (use a comment).")
        urn = post.steps.get("post", "")
        if not urn:
            payload: dict[str, Any] = {
                "author": creds.account_id,
                "commentary": escape_little_text(post.text),
                "visibility": "PUBLIC",
                "distribution": {
                    "feedDistribution": "MAIN_FEED",
                    "targetEntities": [],
                    "thirdPartyDistributionChannels": [],
                },
                "lifecycleState": "PUBLISHED",
                "isReshareDisabledByAuthor": False,
            }
            with nothing_public_yet():
                content = self._content(creds, post)
            if content:
                payload["content"] = content
            resp, _ = self._rest(creds, "POST", "/posts", json_body=payload)
            urn = resp.headers.get("x-restli-id") or ""
            if not urn:
                raise TransientError("LinkedIn accepted the post but sent no x-restli-id")
            post.step_done("post", urn)
        first_comment_id, first_comment_error = post_first_comment(
            post, lambda text: self._comment(creds, urn, text)
        )
        return PublishResult(
            external_id=urn,
            url=self.post_url(urn),
            first_comment_id=first_comment_id,
            first_comment_error=first_comment_error,
            raw={"x-restli-id": urn},
        )

    def delete_post(self, creds: Credentials, external_id: str) -> None:
        """DELETE /rest/posts/{encoded share or ugcPost URN}, with the versioned headers and
        `X-RestLi-Method: DELETE` (Posts API, "Delete Posts"); w_member_social or
        w_organization_social, as for publishing.

        LinkedIn deletes idempotently (204, also for a post already deleted); a 404/410 is
        quiet too. An id that is no LinkedIn URN is Rejected before any call. Raises the
        adapter errors (403: not this account's post, or a missing permission)."""
        if not external_id.startswith("urn:li:"):
            raise Rejected(f"{external_id!r} is not the URN of a LinkedIn post.")
        self._rest(
            creds,
            "DELETE",
            f"/posts/{path_segment(external_id)}",
            headers={"X-RestLi-Method": "DELETE"},
            allow_404=True,
        )
