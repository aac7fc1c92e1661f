"""LinkedIn inbox: comments on our recent posts, answered with nested comments."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from channels_app.adapters.base import (
    Credentials,
    InboxAuthor,
    InboxItem,
    InboxPage,
    NotSupported,
    ReplyResult,
)
from channels_app.adapters.http import as_dict, as_list
from channels_app.adapters.linkedin.publishing import LinkedInPublishing
from channels_app.adapters.linkedin.reading import LinkedInReading
from channels_app.adapters.linkedin.rest import epoch_ms, urn_path
from channels_app.adapters.linkedin.text import unescape_little_text

INBOX_POSTS = 10
COMMENTS_PER_POST = 50


class LinkedInInbox(LinkedInPublishing, LinkedInReading):
    """The inbox (comments) and answering it."""

    def fetch_inbox(self, creds: Credentials, *, cursor: str | None) -> InboxPage:
        """Comments (and replies to comments) on the author's 10 latest posts, oldest first.

        LinkedIn has no DM API for this kind of app, so there are no messages. The cursor is
        JSON {"t": newest comment time in ms}; passing it returns only newer comments. Our own
        comments are left out."""
        since = 0
        if cursor:
            try:
                since = int(as_dict(json.loads(cursor)).get("t") or 0)
            except (ValueError, TypeError):
                since = 0
        items: list[tuple[int, InboxItem]] = []
        newest = since
        for element in self._recent_posts(creds, INBOX_POSTS):
            post_urn = str(element["id"])
            _, body = self._rest(
                creds,
                "GET",
                f"/socialActions/{urn_path(post_urn)}/comments",
                query=f"count={COMMENTS_PER_POST}",
            )
            for comment in map(as_dict, as_list(body.get("elements"))):
                created = as_dict(comment.get("created")).get("time")
                urn = comment.get("commentUrn") or comment.get("$URN")
                if not isinstance(created, int) or not isinstance(urn, str) or created <= since:
                    continue
                newest = max(newest, created)
                actor = str(comment.get("actor") or "")
                if actor == creds.account_id:
                    continue
                parent = comment.get("parentComment")
                items.append(
                    (
                        created,
                        InboxItem(
                            external_id=urn,
                            kind="reply" if isinstance(parent, str) else "comment",
                            author=InboxAuthor(external_id=actor),
                            text=unescape_little_text(
                                str(as_dict(comment.get("message")).get("text") or "")
                            ),
                            created_at=epoch_ms(created) or datetime.now(UTC),
                            thread_id=post_urn,
                            post_external_id=post_urn,
                            parent_external_id=parent if isinstance(parent, str) else "",
                            reply_to=urn,
                            url=self.post_url(post_urn),
                            raw=comment,
                        ),
                    )
                )
        items.sort(key=lambda pair: pair[0])
        return InboxPage(
            items=tuple(item for _, item in items),
            cursor=json.dumps({"t": newest or int(datetime.now(UTC).timestamp() * 1000)}),
        )

    def reply(self, creds: Credentials, item: InboxItem, text: str) -> ReplyResult:
        """Answer a comment with a nested comment (parentComment). LinkedIn nests one level, so
        a reply to a reply goes under the same top-level comment. Messages: NotSupported."""
        if item.kind == "message":
            raise NotSupported("LinkedIn offers no direct-message API for this kind of app.")
        post_urn = item.post_external_id or item.thread_id
        parent = item.parent_external_id or item.reply_to or item.external_id
        comment = self._comment(creds, post_urn, text, parent=parent)
        return ReplyResult(external_id=comment, url=self.post_url(post_urn))
