"""LinkedIn media: images and videos uploaded through the Images and Videos APIs, resumable,
and the content block a post carries.
"""

from __future__ import annotations

from typing import Any

from channels_app.adapters import http
from channels_app.adapters.base import (
    Credentials,
    MediaFile,
    OutgoingPost,
    Rejected,
    TransientError,
)
from channels_app.adapters.http import as_dict, as_list
from channels_app.adapters.linkedin.rest import LinkedInRest, urn_path


class LinkedInMedia(LinkedInRest):
    """Uploads (image, multipart video with processing polls) and the post's content."""

    def _upload_image(self, creds: Credentials, media: MediaFile) -> str:
        _, body = self._rest(
            creds,
            "POST",
            "/images",
            query="action=initializeUpload",
            json_body={"initializeUploadRequest": {"owner": creds.account_id}},
        )
        value = as_dict(body.get("value"))
        upload_url, image = value.get("uploadUrl"), value.get("image")
        if not isinstance(upload_url, str) or not isinstance(image, str):
            raise TransientError("LinkedIn initializeUpload answered without uploadUrl/image")
        try:
            content = media.read_bytes()
        except OSError as exc:
            raise Rejected(f"Cannot read the media file ({exc.strerror}).") from exc
        resp = http.send(
            self.session,
            "PUT",
            upload_url,
            data=content,
            timeout=http.UPLOAD_TIMEOUT,
            headers={
                "Authorization": f"Bearer {creds.access_token}",
                "Content-Type": media.content_type,
            },
        )
        self._raise_for_error(resp)
        return image

    def _upload_video(self, creds: Credentials, post: OutgoingPost, index: int) -> str:
        """The video URN of `post.media[index]`, uploaded, finalized (recorded as
        "media:<index>" at once) and AVAILABLE; a recorded video is only polled."""
        video = post.steps.get(f"media:{index}", "")
        if not video:
            video = self._send_video(creds, post.media[index])
            post.step_done(f"media:{index}", video)
        for _ in range(self.video_max_polls):
            _, status = self._rest(creds, "GET", f"/videos/{urn_path(video)}")
            state = status.get("status")
            if state == "AVAILABLE":
                return video
            if state == "PROCESSING_FAILED":
                reason = status.get("processingFailureReason") or "processing failed"
                raise Rejected(f"LinkedIn could not process the video: {reason}")
            self._sleep(self.video_poll_seconds)
        raise TransientError("LinkedIn is still processing the video")

    def _send_video(self, creds: Credentials, media: MediaFile) -> str:
        """initializeUpload, PUT the parts, finalizeUpload: the video URN (maybe processing)."""
        try:
            content = media.read_bytes()
        except OSError as exc:
            raise Rejected(f"Cannot read the media file ({exc.strerror}).") from exc
        _, body = self._rest(
            creds,
            "POST",
            "/videos",
            query="action=initializeUpload",
            json_body={
                "initializeUploadRequest": {
                    "owner": creds.account_id,
                    "fileSizeBytes": len(content),
                    "uploadCaptions": False,
                    "uploadThumbnail": False,
                }
            },
        )
        value = as_dict(body.get("value"))
        video, instructions = value.get("video"), as_list(value.get("uploadInstructions"))
        if not isinstance(video, str) or not instructions:
            raise TransientError("LinkedIn video initializeUpload answered without instructions")
        etags: list[str] = []
        for part in map(as_dict, instructions):
            first, last, url = part.get("firstByte"), part.get("lastByte"), part.get("uploadUrl")
            if not (isinstance(first, int) and isinstance(last, int) and isinstance(url, str)):
                raise TransientError("LinkedIn sent a malformed upload instruction")
            resp = http.send(
                self.session,
                "PUT",
                url,
                data=content[first : last + 1],
                timeout=http.UPLOAD_TIMEOUT,
                headers={"Content-Type": "application/octet-stream"},
            )
            self._raise_for_error(resp)
            etag = resp.headers.get("ETag")
            if not etag:
                raise TransientError("LinkedIn's upload answered without an ETag")
            etags.append(etag)
        self._rest(
            creds,
            "POST",
            "/videos",
            query="action=finalizeUpload",
            json_body={
                "finalizeUploadRequest": {
                    "video": video,
                    "uploadToken": str(value.get("uploadToken") or ""),
                    "uploadedPartIds": etags,
                }
            },
        )
        return video

    def _content(self, creds: Credentials, post: OutgoingPost) -> dict[str, Any] | None:
        videos = [m for m in post.media if m.is_video]
        images = [m for m in post.media if not m.is_video]
        if videos and (images or len(videos) > 1):
            raise Rejected("A LinkedIn post takes one video, or images, not both.")
        if videos:
            media: dict[str, Any] = {"id": self._upload_video(creds, post, 0)}
            if post.title:
                media["title"] = post.title
            return {"media": media}
        # Images only from here: their index in `images` is their index in `post.media`.
        urns = [self._image(creds, post, index) for index in range(len(images))]
        if len(images) == 1:
            return {"media": {"id": urns[0], "altText": images[0].alt_text}}
        if images:
            return {
                "multiImage": {
                    "images": [
                        {"id": urn, "altText": image.alt_text}
                        for urn, image in zip(urns, images, strict=True)
                    ]
                }
            }
        if post.link:
            article: dict[str, Any] = {"source": post.link, "title": post.link_title or post.link}
            if post.link_description:
                article["description"] = post.link_description
            return {"article": article}
        return None

    def _image(self, creds: Credentials, post: OutgoingPost, index: int) -> str:
        """The image URN of `post.media[index]`: recorded as "media:<index>", or uploaded now
        and recorded at once."""
        if post.steps.get(f"media:{index}"):
            return post.steps[f"media:{index}"]
        urn = self._upload_image(creds, post.media[index])
        post.step_done(f"media:{index}", urn)
        return urn
