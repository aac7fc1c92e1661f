"""X publishing: media upload v2 (simple and chunked, with processing), posts, the first comment,
deleting a post.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from channels_app.adapters import http
from channels_app.adapters.base import (
    Credentials,
    OutgoingPost,
    PublishResult,
    Rejected,
    TransientError,
    nothing_public_yet,
    path_segment,
    post_first_comment,
)
from channels_app.adapters.x.api import XApi

CHUNK_SIZE = 4 * 1024 * 1024
DELETE_SCOPE = "tweet.write"
MEDIA_POLL_ATTEMPTS = 60


class XPublishing(XApi):
    """Uploads and posts."""

    def _wait_for_processing(self, creds: Credentials, data: Mapping[str, Any]) -> None:
        media_id = str(data["id"])
        info = data.get("processing_info")
        for _ in range(MEDIA_POLL_ATTEMPTS):
            if not isinstance(info, dict) or info.get("state") in (None, "succeeded"):
                return
            if info.get("state") == "failed":
                error = http.as_dict(info.get("error"))
                raise Rejected(str(error.get("message") or "X could not process the media."))
            self._sleep(max(1, int(info.get("check_after_secs") or 1)))
            body = self._call(
                "GET",
                "/2/media/upload",
                creds,
                params={"media_id": media_id, "command": "STATUS"},
            )
            info = self._data(body, "id").get("processing_info")
        raise TransientError("X is still processing the media; try again later")

    def _upload(self, creds: Credentials, post: OutgoingPost, index: int) -> str:
        """The media id of `post.media[index]`, uploaded, processed and described, resuming
        from `post.steps`: "upload:<index>" (a finalized chunked upload, maybe processing) and
        "media:<index>" (ready to attach)."""
        key = f"media:{index}"
        if post.steps.get(key):
            return post.steps[key]
        media = post.media[index]
        media_id = post.steps.get(f"upload:{index}", "")
        if media_id:
            data: Mapping[str, Any] = self._data(
                self._call(
                    "GET",
                    "/2/media/upload",
                    creds,
                    params={"media_id": media_id, "command": "STATUS"},
                ),
                "id",
            )
        elif media.is_image and media.content_type != "image/gif":
            # Simple upload (multipart) for still images.
            body = self._call(
                "POST",
                "/2/media/upload",
                creds,
                data={"media_category": "tweet_image"},
                files={"media": ("media", media.read_bytes(), media.content_type)},
                timeout=http.UPLOAD_TIMEOUT,
            )
            data = self._data(body, "id")
        else:
            content = media.read_bytes()
            category = "tweet_gif" if media.content_type == "image/gif" else "tweet_video"
            body = self._call(
                "POST",
                "/2/media/upload/initialize",
                creds,
                json={
                    "media_type": media.content_type,
                    "total_bytes": len(content),
                    "media_category": category,
                },
            )
            media_id = str(self._data(body, "id")["id"])
            for segment, start in enumerate(range(0, len(content), CHUNK_SIZE)):
                self._call(
                    "POST",
                    f"/2/media/upload/{media_id}/append",
                    creds,
                    data={"segment_index": str(segment)},
                    files={"media": ("chunk", content[start : start + CHUNK_SIZE])},
                    timeout=http.UPLOAD_TIMEOUT,
                )
            data = self._data(
                self._call("POST", f"/2/media/upload/{media_id}/finalize", creds), "id"
            )
            post.step_done(f"upload:{index}", str(data["id"]))
        self._wait_for_processing(creds, data)
        media_id = str(data["id"])
        if media.alt_text:
            self._call(
                "POST",
                "/2/media/metadata",
                creds,
                json={"id": media_id, "metadata": {"alt_text": {"text": media.alt_text[:1000]}}},
            )
        post.step_done(key, media_id)
        return media_id

    def _create_post(self, creds: Credentials, body: dict[str, Any]) -> dict[str, Any]:
        return self._data(self._call("POST", "/2/tweets", creds, json=body), "id")

    def publish(self, creds: Credentials, post: OutgoingPost) -> PublishResult:
        """Upload media (image simple upload; GIF/video chunked + processing), then POST /2/tweets.

        The link is appended unless already in the text. A first comment is a reply to the
        new post; its failure fills `first_comment_error`. X has no idempotency key: a 403
        duplicate-content refusal raises Rejected(duplicate=True) for the engine to reconcile
        (`find_recent_post` finds the post by its text, or by the recorded "post" step).

        Resumable: records "upload:<i>"/"media:<i>" (media ids), "post" and "first_comment"
        through `post.record_step` and skips what `post.steps` has (with "post" recorded, only
        the first comment is left). Failures before the post is created raise
        TransientError(sent=False): nothing is public yet."""
        data: dict[str, Any] = {}
        external_id = post.steps.get("post", "")
        if not external_id:
            with nothing_public_yet():
                media_ids = [self._upload(creds, post, i) for i in range(len(post.media))]
            body: dict[str, Any] = {"text": post.text_with_link()}
            if media_ids:
                body["media"] = {"media_ids": media_ids}
            if post.reply_to_id:
                body["reply"] = {"in_reply_to_tweet_id": post.reply_to_id}
            data = self._create_post(creds, body)
            external_id = str(data["id"])
            post.step_done("post", external_id)
        comment_id, comment_error = post_first_comment(
            post,
            lambda text: str(
                self._create_post(
                    creds, {"text": text, "reply": {"in_reply_to_tweet_id": external_id}}
                )["id"]
            ),
        )
        return PublishResult(
            external_id=external_id,
            url=self._post_url(creds, external_id),
            first_comment_id=comment_id,
            first_comment_error=comment_error,
            raw=data,
        )

    def delete_post(self, creds: Credentials, external_id: str) -> None:
        """DELETE /2/tweets/{id}: our own post only (scopes tweet.read, users.read and
        tweet.write; 50 per 15 minutes per user).

        Quiet when the post is gone: 404, or an answer whose `errors` say resource-not-found.
        Credentials granted without tweet.write are Rejected before any call (reconnecting the
        channel grants it). An answer without `data.deleted: true` is Rejected with X's reason
        (another account's post answers 403). Raises the adapter errors otherwise."""
        if creds.scopes and DELETE_SCOPE not in creds.scopes:
            raise Rejected(
                "This X connection may not delete posts (it lacks the tweet.write permission): "
                "reconnect the channel.",
                code="missing_scope",
            )
        resp = http.send(
            self.session,
            "DELETE",
            self._api(f"/2/tweets/{path_segment(external_id)}"),
            headers={"Authorization": f"Bearer {creds.access_token}"},
        )
        if resp.status_code in (404, 410):
            return
        self._raise_for(resp)
        body = http.json_or_empty(resp)
        if not isinstance(body, dict) or not body:
            raise TransientError(
                f"X sent an unexpected body ({http.safe_url(resp.url)})", status=resp.status_code
            )
        data = body.get("data")
        if isinstance(data, dict) and data.get("deleted") is True:
            return
        errors = body.get("errors")
        if isinstance(errors, list) and any(
            isinstance(e, dict) and str(e.get("type", "")).endswith("/resource-not-found")
            for e in errors
        ):
            return
        raise Rejected(self._reason(body) or "X did not delete the post.", status=resp.status_code)
