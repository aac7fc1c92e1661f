"""Facebook publishing: text and link posts, photos (one, or several attached unpublished), one
video on the video host, comments, the first comment, deleting a post.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from channels_app.adapters import http, meta
from channels_app.adapters.base import (
    Credentials,
    MediaFile,
    OutgoingPost,
    PublishResult,
    Rejected,
    nothing_public_yet,
    path_segment,
    post_first_comment,
)
from channels_app.adapters.facebook.graph import FacebookGraph, fb_url

MAX_PHOTOS = 10


class FacebookPublishing(FacebookGraph):
    """Posts, photos, videos and comments on a Page."""

    def publish(self, creds: Credentials, post: OutgoingPost) -> PublishResult:
        """Publish `post` on the Page (text/link, photos, one video, or a comment when
        `reply_to_id` is set), then the first comment. Side effect: the post goes live.

        Raises Rejected (mixed or too many media, unreadable file, platform refusal; duplicate
        for code 506), AuthExpired, RateLimited, TransientError. A failed first comment only
        fills `first_comment_error`.

        Resumable: records "media:<i>" (unpublished photos of a multi-photo post), "post" (the
        created post, or the video) and "first_comment" through `post.record_step` and skips
        what `post.steps` has (with "post" recorded, only the first comment is left). Failures
        while uploading the unpublished photos raise TransientError(sent=False)."""
        videos = [m for m in post.media if m.is_video]
        images = [m for m in post.media if m.is_image]
        if len(videos) + len(images) != len(post.media):
            raise Rejected("Facebook posts take images or videos only.")
        if videos and (images or len(videos) > 1):
            raise Rejected("A Facebook post takes either photos or one video.")
        if len(images) > MAX_PHOTOS:
            raise Rejected(f"A Facebook post takes at most {MAX_PHOTOS} photos.")

        token, page = creds.access_token, creds.account_id
        if post.reply_to_id:
            data = {"message": post.text}
            if images and images[0].url:
                data["attachment_url"] = images[0].url
            return meta.publish_comment(
                self.graph, token, post, f"{post.reply_to_id}/comments", data
            )

        url_fields = "permalink_url,post_id" if videos else "permalink_url"
        body: Mapping[str, Any] = {}
        external_id = post.steps.get("post", "")
        if not external_id:
            if videos:
                body = self._upload_video(creds, videos[0], post)
                external_id = meta.require_id(body)  # the video; its post id comes below
            elif len(images) == 1:
                data = {"message": post.text, **self._photo_fields(images[0])}
                body = self._post_photo(page, token, images[0], data)
                external_id = str(body.get("post_id") or meta.require_id(body))
            elif images:
                with nothing_public_yet():
                    media_ids = [
                        self._unpublished_photo(post, index, page, token)
                        for index in range(len(images))
                    ]
                data = {"message": post.text}
                for i, media_id in enumerate(media_ids):
                    data[f"attached_media[{i}]"] = json.dumps({"media_fbid": media_id})
                body = self.graph.post(f"{page}/feed", token, data=data)
                external_id = meta.require_id(body)
            else:
                data = {"message": post.text}
                if post.link:
                    data["link"] = post.link
                body = self.graph.post(f"{page}/feed", token, data=data)
                external_id = meta.require_id(body)
            post.step_done("post", external_id)

        info = self.graph.get_quietly(external_id, token, fields=url_fields)
        url = fb_url(info.get("permalink_url"), self.urls["web"])
        if videos and info.get("post_id"):
            external_id = str(info["post_id"])

        comment_id, comment_error = post_first_comment(
            post,
            lambda text: meta.require_id(
                self.graph.post(f"{external_id}/comments", token, data={"message": text})
            ),
        )
        return PublishResult(
            external_id=external_id,
            url=url,
            first_comment_id=comment_id,
            first_comment_error=comment_error,
            raw=dict(body) if isinstance(body, Mapping) else {},
        )

    def _unpublished_photo(self, post: OutgoingPost, index: int, page: str, token: str) -> str:
        """The id of `post.media[index]` uploaded as an unpublished photo (to attach to a
        multi-photo post): recorded as "media:<index>", or uploaded now and recorded at once."""
        if post.steps.get(f"media:{index}"):
            return post.steps[f"media:{index}"]
        image = post.media[index]
        data = {"published": "false", **self._photo_fields(image)}
        photo = meta.require_id(self._post_photo(page, token, image, data))
        post.step_done(f"media:{index}", photo)
        return photo

    @staticmethod
    def _photo_fields(image: MediaFile) -> dict[str, str]:
        fields: dict[str, str] = {}
        if image.url:
            fields["url"] = image.url
        if image.alt_text:
            fields["alt_text_custom"] = image.alt_text
        return fields

    def _post_photo(
        self, page: str, token: str, image: MediaFile, data: dict[str, str]
    ) -> Mapping[str, Any]:
        if image.url:
            return self.graph.post(f"{page}/photos", token, data=data)
        files = {"source": ("photo", _read(image), image.content_type)}
        return self.graph.post(
            f"{page}/photos", token, data=data, files=files, timeout=http.UPLOAD_TIMEOUT
        )

    def _upload_video(
        self, creds: Credentials, video: MediaFile, post: OutgoingPost
    ) -> Mapping[str, Any]:
        data = {"description": post.text}
        if post.title:
            data["title"] = post.title
        path = f"{creds.account_id}/videos"
        if video.url:
            data["file_url"] = video.url
            return self.video.post(path, creds.access_token, data=data, timeout=http.UPLOAD_TIMEOUT)
        files = {"source": ("video", _read(video), video.content_type)}
        return self.video.post(
            path, creds.access_token, data=data, files=files, timeout=http.UPLOAD_TIMEOUT
        )

    def delete_post(self, creds: Credentials, external_id: str) -> None:
        """DELETE /{version}/{id} with the Page token: the Page post ("{page}_{post}"), or what
        `publish` returned for a reply (a comment) or a video. Needs pages_manage_posts (for
        comments pages_manage_engagement). Graph answers {"success": true}.

        Quiet when the object is gone: HTTP 404, or code 100 subcode 33 ("does not exist,
        cannot be loaded due to missing permissions, or does not support this operation"),
        as `get_post` reads it. An answer without success is Rejected. Raises the mapped
        errors (code 200 permission: Rejected)."""
        path = path_segment(external_id)
        try:
            body = self.graph.call("DELETE", path, creds.access_token)
        except Rejected as exc:
            if exc.status in (404, 410) or (exc.code or "").startswith("100/33"):
                return
            raise
        if not (isinstance(body, Mapping) and body.get("success") is True):
            raise Rejected("Facebook did not delete the post.")


def _read(media: MediaFile) -> bytes:
    try:
        return media.read_bytes()
    except OSError as exc:
        raise Rejected("The media file could not be read for upload.") from exc
