"""Bluesky publishing: app.bsky.feed.post records, replies, the first comment, deleting a post."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from channels_app.adapters.base import (
    Credentials,
    OutgoingPost,
    PublishResult,
    Rejected,
    TransientError,
    nothing_public_yet,
    post_first_comment,
)
from channels_app.adapters.bluesky import facets
from channels_app.adapters.bluesky.media import BlueskyMedia
from channels_app.adapters.bluesky.reading import BlueskyReading
from channels_app.adapters.bluesky.xrpc import POST_COLLECTION
from channels_app.adapters.http import as_dict, as_list


class BlueskyPublishing(BlueskyMedia, BlueskyReading):
    """Publishing: records with facets, embeds and reply refs; the first comment."""

    def build_facets(self, creds: Credentials, text: str) -> list[dict[str, Any]]:
        """Rich-text facets for links, @mentions and #hashtags, with UTF-8 byte offsets.

        Mentions are resolved with com.atproto.identity.resolveHandle; a handle that does not
        resolve stays plain text. Auth, rate-limit and transient errors propagate."""
        return facets.build_facets(text, lambda handle: self._resolve_handle(creds, handle))

    def _resolve_handle(self, creds: Credentials, handle: str) -> str | None:
        """The DID of `handle`, or None when the PDS does not know it (Rejected)."""
        try:
            body = self._call(
                creds, "GET", "com.atproto.identity.resolveHandle", params={"handle": handle}
            )
        except Rejected:
            return None
        did = body.get("did")
        return did if isinstance(did, str) else None

    def _reply_ref(self, creds: Credentials, parent_uri: str) -> dict[str, Any]:
        """root/parent strongRefs for a reply to `parent_uri` (fetched with getPosts)."""
        body = self._call(creds, "GET", "app.bsky.feed.getPosts", params={"uris": [parent_uri]})
        posts = as_list(body.get("posts"))
        if not posts:
            raise Rejected("The post being replied to no longer exists.")
        parent = as_dict(posts[0])
        if not isinstance(parent.get("uri"), str) or not isinstance(parent.get("cid"), str):
            raise TransientError("getPosts answered without uri/cid")
        parent_ref = {"uri": parent["uri"], "cid": parent["cid"]}
        root = as_dict(as_dict(as_dict(parent.get("record")).get("reply")).get("root"))
        root_ref = (
            {"uri": root["uri"], "cid": root["cid"]}
            if isinstance(root.get("uri"), str) and isinstance(root.get("cid"), str)
            else parent_ref
        )
        return {"root": root_ref, "parent": parent_ref}

    def build_record(
        self,
        creds: Credentials,
        text: str,
        *,
        embed: dict[str, Any] | None = None,
        reply: dict[str, Any] | None = None,
        language: str = "",
        created_at: datetime | None = None,
    ) -> dict[str, Any]:
        """An app.bsky.feed.post record (facets resolved; see `build_facets`)."""
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": text,
            "createdAt": (created_at or datetime.now(UTC))
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
        }
        if language:
            record["langs"] = [language]
        if facets := self.build_facets(creds, text):
            record["facets"] = facets
        if embed:
            record["embed"] = embed
        if reply:
            record["reply"] = reply
        return record

    def _create_post(self, creds: Credentials, record: dict[str, Any]) -> dict[str, Any]:
        body = self._call(
            creds,
            "POST",
            "com.atproto.repo.createRecord",
            json_body={"repo": creds.account_id, "collection": POST_COLLECTION, "record": record},
        )
        if not isinstance(body.get("uri"), str) or not isinstance(body.get("cid"), str):
            raise TransientError("createRecord answered without uri/cid")
        return body

    def publish(self, creds: Credentials, post: OutgoingPost) -> PublishResult:
        """Create an app.bsky.feed.post (facets, images/video/link card, reply, langs).

        `reply_to_id` is an at:// URI. The first comment is posted as a reply to the new post; if
        it fails the post stays published and `first_comment_error` says why. Uploads blobs and
        may poll the video service. Raises AuthExpired, RateLimited, Rejected, TransientError.
        Bluesky has no duplicate detection, so `duplicate` is never set.

        Resumable: records "media:<i>" (the uploaded blob's JSON), "post" (the post's at:// URI)
        and "first_comment" through `post.record_step` and skips what `post.steps` has (with
        "post" recorded, only the first comment is left). Failures before the post is created
        raise TransientError(sent=False): nothing is public yet."""
        reply: dict[str, Any] | None = None
        created: dict[str, Any] = {}
        uri = post.steps.get("post", "")
        if not uri:
            with nothing_public_yet():
                embed = self._embed(creds, post)
            reply = self._reply_ref(creds, post.reply_to_id) if post.reply_to_id else None
            record = self.build_record(
                creds, post.text, embed=embed, reply=reply, language=post.language
            )
            created = self._create_post(creds, record)
            uri = str(created["uri"])
            post.step_done("post", uri)

        def comment(text: str) -> str:
            ref = {"uri": uri, "cid": str(created.get("cid") or "") or self._cid(creds, uri)}
            parent = reply
            if post.reply_to_id and parent is None:
                parent = self._reply_ref(creds, post.reply_to_id)
            root = parent["root"] if parent else ref
            record = self.build_record(
                creds, text, reply={"root": root, "parent": ref}, language=post.language
            )
            return str(self._create_post(creds, record)["uri"])

        first_comment_id, first_comment_error = post_first_comment(post, comment)
        return PublishResult(
            external_id=uri,
            url=self.post_url(creds, uri),
            first_comment_id=first_comment_id,
            first_comment_error=first_comment_error,
            raw=created,
        )

    def _cid(self, creds: Credentials, uri: str) -> str:
        """The cid of our post at `uri` (getPosts), to reply to it."""
        found = self.get_post(creds, uri)
        cid = found.raw.get("cid") if found else None
        if not isinstance(cid, str):
            raise Rejected("The post to comment on is no longer on Bluesky.")
        return cid

    def delete_post(self, creds: Credentials, external_id: str) -> None:
        """com.atproto.repo.deleteRecord on the account's PDS: repo = our DID, collection
        app.bsky.feed.post, rkey from the post's at:// URI (`external_id`).

        deleteRecord "ensures the record doesn't exist": a post already gone answers 200. A
        404/410 is quiet only when the PDS names the record missing (RecordNotFound); a bare
        404 means no such method or server, and is Rejected. A URI that is not a post in this
        account's repository is Rejected before any call. Raises the adapter errors (an expired
        session answers 400 ExpiredToken: AuthExpired)."""
        repo, collection, rkey = self._post_record(creds, external_id)
        resp, body = self._xrpc(
            "POST",
            creds.instance_url or self.urls["service"],
            "com.atproto.repo.deleteRecord",
            token=creds.access_token,
            json_body={"repo": repo, "collection": collection, "rkey": rkey},
            raise_errors=False,
        )
        # Success is {"commit": {...}}, or {} when there was nothing to delete.
        if resp.status_code in (404, 410) and body.get("error") == "RecordNotFound":
            return
        self._raise_for_error(resp)

    @staticmethod
    def _post_record(creds: Credentials, uri: str) -> tuple[str, str, str]:
        """(repo DID, collection, rkey) of `uri`, one of this account's posts; Rejected when
        `uri` is no at://<repo>/app.bsky.feed.post/<rkey> of this account (by DID or handle)."""
        parts = uri.removeprefix("at://").split("/") if uri.startswith("at://") else []
        if len(parts) != 3 or not all(parts):
            raise Rejected(f"{uri!r} is not the address of a Bluesky post.")
        authority, collection, rkey = parts
        if collection != POST_COLLECTION:
            raise Rejected(f"{uri!r} is not the address of a Bluesky post.")
        if authority not in (creds.account_id, creds.extra.get("handle")):
            raise Rejected("This Bluesky post belongs to another account: it cannot be deleted.")
        return creds.account_id, collection, rkey
