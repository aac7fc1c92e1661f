"""Bluesky media: image blobs, the video service flow, and the embed a post carries."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import quote, urlsplit

from channels_app.adapters import http
from channels_app.adapters.base import (
    Credentials,
    MediaFile,
    OutgoingPost,
    Rejected,
    TransientError,
)
from channels_app.adapters.bluesky.xrpc import BlueskyXrpc
from channels_app.adapters.http import as_dict

MAX_IMAGES = 4  # app.bsky.embed.images: images maxLength 4
VIDEO_DONE = "JOB_STATE_COMPLETED"
VIDEO_FAILED = "JOB_STATE_FAILED"


class BlueskyMedia(BlueskyXrpc):
    """Images (uploadBlob), video (the video service) and the post's embed, resumable."""

    def _upload_blob(self, creds: Credentials, media: MediaFile) -> dict[str, Any]:
        try:
            content = media.read_bytes()
        except OSError as exc:
            raise Rejected(f"Cannot read the media file ({exc.strerror}).") from exc
        body = self._call(
            creds,
            "POST",
            "com.atproto.repo.uploadBlob",
            data=content,
            headers={"Content-Type": media.content_type},
            timeout=http.UPLOAD_TIMEOUT,
        )
        blob = body.get("blob")
        if not isinstance(blob, dict):
            raise TransientError("uploadBlob answered without a blob")
        return blob

    @staticmethod
    def _aspect_ratio(media: MediaFile) -> dict[str, int] | None:
        if media.width and media.height and media.width > 0 and media.height > 0:
            return {"width": media.width, "height": media.height}
        return None

    def _upload_video(self, creds: Credentials, media: MediaFile) -> dict[str, Any]:
        """The documented video-service flow; returns the processed blob.

        getServiceAuth (aud = the PDS's did:web, lxm = com.atproto.repo.uploadBlob) ->
        app.bsky.video.uploadVideo on urls["video"] -> poll app.bsky.video.getJobStatus."""
        try:
            content = media.read_bytes()
        except OSError as exc:
            raise Rejected(f"Cannot read the media file ({exc.strerror}).") from exc
        pds_host = urlsplit(creds.instance_url or self.urls["service"]).netloc
        auth = self._call(
            creds,
            "GET",
            "com.atproto.server.getServiceAuth",
            params={
                "aud": f"did:web:{pds_host.replace(':', '%3A')}",
                "lxm": "com.atproto.repo.uploadBlob",
                "exp": str(int(time.time()) + 30 * 60),
            },
        )
        service_token = auth.get("token")
        if not isinstance(service_token, str):
            raise TransientError("getServiceAuth answered without a token")
        name = quote((media.path or "video.mp4").rsplit("/", 1)[-1])
        resp, body = self._xrpc(
            "POST",
            self.urls["video"],
            "app.bsky.video.uploadVideo",
            token=service_token,
            params={"did": creds.account_id, "name": name},
            data=content,
            headers={"Content-Type": media.content_type or "video/mp4"},
            timeout=http.UPLOAD_TIMEOUT,
            raise_errors=False,
        )
        # The video service answers 409 `already_exists` (with the jobId) for a re-upload.
        if resp.status_code == 409 and body.get("jobId"):
            job: dict[str, Any] = {"jobId": body["jobId"], "state": "JOB_STATE_CREATED"}
        else:
            self._raise_for_error(resp)
            # The lexicon wraps it in {"jobStatus": ...}; the service has returned it bare.
            job = as_dict(body.get("jobStatus", body))
        for _ in range(self.video_max_polls + 1):
            state = job.get("state")
            if state == VIDEO_DONE and isinstance(job.get("blob"), dict):
                return job["blob"]
            if state == VIDEO_FAILED:
                why = job.get("error") or job.get("message") or job.get("failureCode") or "failed"
                raise Rejected(
                    f"Bluesky could not process the video: {why}",
                    code=str(job.get("failureCode") or "") or None,
                )
            job_id = job.get("jobId")
            if not isinstance(job_id, str):
                raise TransientError("The video service answered without a jobId")
            self._sleep(self.video_poll_seconds)
            _, status = self._xrpc(
                "GET",
                self.urls["video"],
                "app.bsky.video.getJobStatus",
                token=None,
                params={"jobId": job_id},
            )
            job = as_dict(status.get("jobStatus"))
            job.setdefault("jobId", job_id)
        raise TransientError("The Bluesky video service is still processing the video")

    def _embed(self, creds: Credentials, post: OutgoingPost) -> dict[str, Any] | None:
        videos = [m for m in post.media if m.is_video]
        images = [m for m in post.media if not m.is_video]
        if videos and images:
            raise Rejected("A Bluesky post takes either images or one video, not both.")
        if len(videos) > 1:
            raise Rejected("A Bluesky post takes one video.")
        if len(images) > MAX_IMAGES:
            raise Rejected(f"A Bluesky post takes at most {MAX_IMAGES} images.")
        if videos:
            video = videos[0]
            embed: dict[str, Any] = {
                "$type": "app.bsky.embed.video",
                "video": self._blob(post, 0, lambda: self._upload_video(creds, video)),
            }
            if video.alt_text:
                embed["alt"] = video.alt_text
            if ratio := self._aspect_ratio(video):
                embed["aspectRatio"] = ratio
            return embed
        if images:
            entries = []
            for index, image in enumerate(images):
                entry: dict[str, Any] = {
                    "image": self._blob(post, index, partial(self._upload_blob, creds, image)),
                    "alt": image.alt_text,
                }
                if ratio := self._aspect_ratio(image):
                    entry["aspectRatio"] = ratio
                entries.append(entry)
            return {"$type": "app.bsky.embed.images", "images": entries}
        if post.link:
            return {
                "$type": "app.bsky.embed.external",
                "external": {
                    "uri": post.link,
                    "title": post.link_title or post.link,
                    "description": post.link_description,
                },
            }
        return None

    @staticmethod
    def _blob(
        post: OutgoingPost, index: int, upload: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """The blob of `post.media[index]`: recorded as "media:<index>" (the blob's JSON) by an
        earlier attempt, or uploaded now and recorded at once."""
        key = f"media:{index}"
        if post.steps.get(key):
            try:
                blob = json.loads(post.steps[key])
            except ValueError:
                blob = None
            if isinstance(blob, dict):
                return blob
        blob = upload()
        post.step_done(key, json.dumps(blob, separators=(",", ":"), sort_keys=True))
        return blob
