"""Instagram publishing: Meta's container flow (image, reel, carousel), resumable, then the first
comment; replies to comments; why a post cannot be deleted.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from channels_app.adapters import meta
from channels_app.adapters.base import (
    Credentials,
    MediaFile,
    NotSupported,
    OutgoingPost,
    PublishResult,
    Rejected,
    TransientError,
    nothing_public_yet,
    post_first_comment,
)
from channels_app.adapters.instagram.graph import InstagramGraph

MAX_CAROUSEL = 10
# Meta's node specs (facebook-business-sdk-codegen) give IGMedia a DELETE only in the Instagram
# API with Facebook Login (graph.facebook.com, instagram_manage_contents); IGMediaForIGOnlyAPI,
# the media of the Instagram Login API this adapter uses, has none.
NO_DELETE = (
    "Instagram's API cannot delete posts of accounts connected with Instagram login: "
    "delete it in the Instagram app."
)


class InstagramPublishing(InstagramGraph):
    """Containers, publishing and replies."""

    def publish(self, creds: Credentials, post: OutgoingPost) -> PublishResult:
        """Publish an image, a reel or a 2-10 item carousel (container flow), then the first
        comment; with `reply_to_id`, reply to that comment instead. Side effect: goes live.

        Raises Rejected (no media, media without a public URL, container ERROR/EXPIRED,
        refusals), AuthExpired, RateLimited, TransientError (also when processing outlasts the
        polling). A failed first comment only fills `first_comment_error`."""
        token = creds.access_token
        if post.reply_to_id:
            return meta.publish_comment(
                self.graph, token, post, f"{post.reply_to_id}/replies", {"message": post.text}
            )
        if not post.media:
            raise Rejected("Instagram posts need an image or a video.")
        if any(not m.url for m in post.media):
            raise Rejected("Instagram fetches media from a public URL, and this media has none.")
        if any(not (m.is_image or m.is_video) for m in post.media):
            raise Rejected("Instagram posts take images and videos only.")
        if len(post.media) > MAX_CAROUSEL:
            raise Rejected(f"An Instagram carousel takes at most {MAX_CAROUSEL} items.")

        body: Mapping[str, Any] = {}
        container = post.steps.get("carousel") or post.steps.get("container:0", "")
        media_id = post.steps.get("post", "")
        if not media_id:
            with nothing_public_yet():
                container = self._ready_container(post, token)
            body = self.graph.post("me/media_publish", token, data={"creation_id": container})
            media_id = meta.require_id(body)
            post.step_done("post", media_id)

        info = self.graph.get_quietly(media_id, token, fields="id,permalink")
        url = str(info.get("permalink") or "")
        comment_id, comment_error = post_first_comment(
            post,
            lambda text: meta.require_id(
                self.graph.post(f"{media_id}/comments", token, data={"message": text})
            ),
        )
        return PublishResult(
            external_id=media_id,
            url=url,
            first_comment_id=comment_id,
            first_comment_error=comment_error,
            raw={"container_id": container, **body},
        )

    def _ready_container(self, post: OutgoingPost, token: str) -> str:
        """The FINISHED container to publish: one item ("container:0") or a carousel
        ("container:<i>" children, then "carousel"), each resumed from `post.steps`."""
        if len(post.media) == 1:
            data = self._item_fields(post.media[0], carousel=False)
            data["caption"] = post.text
            container, status = self._container(post, "container:0", token, data)
        else:
            container, status = self._recorded_container(post, "carousel", token)
            if not container:
                children = []
                for index, media in enumerate(post.media):
                    data = self._item_fields(media, carousel=True)
                    child, child_status = self._container(post, f"container:{index}", token, data)
                    if media.is_video and child_status != "FINISHED":
                        self._wait_until_finished(child, token)
                    children.append(child)
                data = {
                    "media_type": "CAROUSEL",
                    "children": ",".join(children),
                    "caption": post.text,
                }
                container, status = self._container(post, "carousel", token, data)
        if status != "FINISHED":
            self._wait_until_finished(container, token)
        return container

    def _container(
        self, post: OutgoingPost, key: str, token: str, data: dict[str, str]
    ) -> tuple[str, str]:
        """(container id, status code if known) for step `key`: the recorded container when it
        is still usable, else a new one (POST me/media), recorded at once."""
        container, status = self._recorded_container(post, key, token)
        if container:
            return container, status
        container = meta.require_id(self.graph.post("me/media", token, data=data))
        post.step_done(key, container)
        return container, ""

    def _recorded_container(self, post: OutgoingPost, key: str, token: str) -> tuple[str, str]:
        """The container an earlier attempt recorded under `key` and its status code, when it
        can still be published (FINISHED, or IN_PROGRESS: poll it); ("", "") when there is none
        or it EXPIRED (after 24 hours) or ended in ERROR: then it is made again. Raises
        Rejected(duplicate=True) when it was PUBLISHED already (the engine then looks the post
        up instead of publishing it twice)."""
        container = post.steps.get(key, "")
        if not container:
            return "", ""
        body = self.graph.get(container, token, fields="status_code,status")
        status = str(body.get("status_code") or "") if isinstance(body, Mapping) else ""
        if status == "PUBLISHED":
            raise Rejected("Instagram has published this post already.", duplicate=True)
        if status in {"FINISHED", "IN_PROGRESS"}:
            return container, status
        return "", ""

    @staticmethod
    def _item_fields(media: MediaFile, *, carousel: bool) -> dict[str, str]:
        data: dict[str, str] = {}
        if media.is_video:
            # Feed videos are published as reels; carousel children keep media_type VIDEO.
            data["media_type"] = "VIDEO" if carousel else "REELS"
            data["video_url"] = media.url
        else:
            data["image_url"] = media.url
            if media.alt_text:
                data["alt_text"] = media.alt_text
        if carousel:
            data["is_carousel_item"] = "true"
        return data

    def _wait_until_finished(self, container: str, token: str) -> None:
        for attempt in range(self.poll_attempts):
            body = self.graph.get(container, token, fields="status_code,status")
            status_code = str(body.get("status_code") or "") if isinstance(body, Mapping) else ""
            if status_code in {"FINISHED", "PUBLISHED"}:
                return
            if status_code in {"ERROR", "EXPIRED"}:
                detail = str(body.get("status") or status_code)
                raise Rejected(f"Instagram could not process the media: {detail}")
            if attempt + 1 < self.poll_attempts and self.poll_interval > 0:
                time.sleep(self.poll_interval)
        raise TransientError("Instagram is still processing the media; try again later.")

    def delete_post(self, creds: Credentials, external_id: str) -> None:
        """Not offered by the Instagram API with Instagram Login (see NO_DELETE): raises
        NotSupported with the reason, without calling Instagram."""
        raise NotSupported(NO_DELETE, code="no_delete_api")
