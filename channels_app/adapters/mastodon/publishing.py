"""Mastodon publishing: media uploads (with processing), statuses with an Idempotency-Key, the
first comment, deleting a status.
"""

from __future__ import annotations

import os
from typing import Any

from channels_app.adapters import http
from channels_app.adapters.base import (
    AdapterError,
    Credentials,
    OutgoingPost,
    PublishResult,
    TransientError,
    nothing_public_yet,
    path_segment,
    post_first_comment,
)
from channels_app.adapters.mastodon.reading import MastodonReading

MEDIA_POLL_ATTEMPTS = 30


class MastodonPublishing(MastodonReading):
    """Uploads and statuses."""

    def _upload(self, creds: Credentials, post: OutgoingPost, index: int) -> str:
        """The id of `post.media[index]`, uploaded and processed, resuming from `post.steps`.

        Steps: "upload:<index>" (accepted, maybe still processing) then "media:<index>" (ready
        to attach). A recorded upload the instance no longer knows (404) is uploaded again."""
        key = f"media:{index}"
        if post.steps.get(key):
            return post.steps[key]
        media_id = post.steps.get(f"upload:{index}", "")
        if media_id and not self._media_ready(creds, media_id):
            media_id = ""
        if not media_id:
            media = post.media[index]
            data = {"description": media.alt_text} if media.alt_text else {}
            files = {
                "file": (
                    os.path.basename(media.path) or "upload",
                    media.read_bytes(),
                    media.content_type,
                )
            }
            resp = self._call(
                "POST",
                "media",
                creds.instance_url,
                token=creds.access_token,
                data=data,
                files=files,
                timeout=http.UPLOAD_TIMEOUT,
            )
            body = self._json(resp)
            media_id = str(body.get("id") or "")
            if not media_id:
                raise TransientError("Mastodon accepted the upload without an id")
            if resp.status_code != 200:
                # 202: processed asynchronously; GET /api/v1/media/{id} answers 206 until ready.
                post.step_done(f"upload:{index}", media_id)
                if not self._media_ready(creds, media_id, wait=True):
                    raise TransientError("Mastodon lost the media while processing it")
        post.step_done(key, media_id)
        return media_id

    def _media_ready(self, creds: Credentials, media_id: str, *, wait: bool = False) -> bool:
        """Poll GET /api/v1/media/{id} until 200 (ready). False when the instance no longer has
        it (404). Raises TransientError when it is still processing after the polls."""
        for attempt in range(MEDIA_POLL_ATTEMPTS):
            if wait or attempt:
                self._sleep(2)
            resp = self._request(
                "GET",
                "media_item",
                creds.instance_url,
                token=creds.access_token,
                ids={"id": media_id},
            )
            if resp.status_code == 404:
                return False
            self._raise_for(resp)
            if resp.status_code == 200:
                return True
        raise TransientError("Mastodon is still processing the media; try again later")

    def _post_status(
        self, creds: Credentials, body: dict[str, Any], idempotency_key: str
    ) -> dict[str, Any]:
        resp = self._call(
            "POST",
            "statuses",
            creds.instance_url,
            token=creds.access_token,
            json=body,
            headers={"Idempotency-Key": idempotency_key},
        )
        status = self._json(resp)
        if not status.get("id"):
            raise TransientError("Mastodon created a status without an id")
        return status

    def publish(self, creds: Credentials, post: OutgoingPost) -> PublishResult:
        """Upload media (alt text as description), then POST /api/v1/statuses.

        Sends `post.idempotency_key` as Idempotency-Key (the instance dedupes for an hour).
        The link is appended to the text unless already in it. A first comment is posted as a
        reply (with its own derived key); its failure fills `first_comment_error`.

        Resumable: records "upload:<i>"/"media:<i>" (media ids), "post" (the status id) and
        "first_comment" through `post.record_step`, and skips what `post.steps` already has
        (with "post" recorded, only the first comment is left to do). Failures before the
        status is created raise TransientError(sent=False): nothing is public yet. Raises the
        adapter errors."""
        status: dict[str, Any] = {}
        external_id = post.steps.get("post", "")
        if not external_id:
            with nothing_public_yet():
                media_ids = [self._upload(creds, post, i) for i in range(len(post.media))]
            body: dict[str, Any] = {"status": post.text_with_link("\n\n")}
            if media_ids:
                body["media_ids"] = media_ids
            if post.reply_to_id:
                body["in_reply_to_id"] = post.reply_to_id
            if post.language:
                body["language"] = post.language
            status = self._post_status(creds, body, post.idempotency_key)
            external_id = str(status["id"])
            post.step_done("post", external_id)
        else:
            try:
                found = self.get_post(creds, external_id)
                status = dict(found.raw) if found else {}
            except AdapterError:
                pass  # it is out; a missing link must not make anyone publish it again
        comment_id, comment_error = post_first_comment(
            post,
            lambda text: str(
                self._post_status(
                    creds,
                    {"status": text, "in_reply_to_id": external_id},
                    f"{post.idempotency_key}:first-comment",
                )["id"]
            ),
        )
        return PublishResult(
            external_id=external_id,
            url=str(status.get("url") or status.get("uri") or ""),
            first_comment_id=comment_id,
            first_comment_error=comment_error,
            raw=status,
        )

    def delete_post(self, creds: Credentials, external_id: str) -> None:
        """DELETE /api/v1/statuses/{id}, with `delete_media=true` (4.4+; older instances ignore
        it) so the attachments go at once instead of being kept a day for a redraft.

        Quiet when the status is gone (404/410; Mastodon also answers 404 for another
        account's status). Raises the adapter errors (AuthExpired on 401, Rejected on 403 when
        the token lacks write:statuses)."""
        resp = self._request(
            "DELETE",
            "status",
            creds.instance_url,
            token=creds.access_token,
            ids={"id": path_segment(external_id)},
            params={"delete_media": "true"},
        )
        if resp.status_code in (404, 410):
            return
        self._raise_for(resp)
