"""Facebook inbox: comments on the Page's recent posts and Messenger messages (the merge is
`meta.fetch_inbox`), and replies to both.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from channels_app.adapters import http, meta
from channels_app.adapters.base import Credentials, InboxAuthor, InboxItem, InboxPage, ReplyResult
from channels_app.adapters.facebook.graph import FacebookGraph

COMMENT_FIELDS = "id,message,created_time,from,parent,permalink_url"
INBOX_POSTS = 10  # recent Page posts whose comments we poll
INBOX_LIMIT = 50  # items returned on a first poll


class FacebookInbox(FacebookGraph):
    """The inbox and answering it."""

    def fetch_inbox(self, creds: Credentials, *, cursor: str | None) -> InboxPage:
        """Comments on the Page's recent posts and Messenger messages, oldest first.

        `cursor` (opaque JSON of the newest comment/message times seen) limits the answer to
        newer items; None returns up to INBOX_LIMIT recent items. The Page's own comments and
        messages are left out. Raises the mapped errors."""
        token, page = creds.access_token, creds.account_id
        return meta.fetch_inbox(
            cursor,
            comments=lambda since: self._comments(token, page, since),
            messages=lambda: meta.conversation_messages(
                self.graph,
                f"{page}/conversations",
                token,
                platform="messenger",
                parse=lambda m, conv_id: self._message_item(m, conv_id, page),
            ),
            limit=INBOX_LIMIT,
        )

    def _comments(
        self, token: str, page: str, since: datetime | None
    ) -> Iterator[InboxItem | None]:
        """The comments on the Page's INBOX_POSTS latest posts (newer than `since` when set)."""
        posts = meta.data_list(
            self.graph.get(
                f"{page}/published_posts", token, fields="id,created_time", limit=INBOX_POSTS
            )
        )
        for post in posts:
            params: dict[str, Any] = {
                "fields": COMMENT_FIELDS,
                "filter": "stream",
                "order": "reverse_chronological",
                "limit": INBOX_LIMIT,
            }
            if since is not None:
                params["since"] = int(since.timestamp())
            body = self.graph.get(f"{post['id']}/comments", token, **params)
            for c in meta.data_list(body):
                yield self._comment_item(c, str(post["id"]), page)

    def _comment_item(self, c: Mapping[str, Any], post_id: str, page: str) -> InboxItem | None:
        author = http.as_dict(c.get("from"))
        created = http.parse_time(c.get("created_time"))
        if not c.get("id") or created is None or str(author.get("id")) == page:
            return None
        parent = http.as_dict(c.get("parent"))
        return InboxItem(
            external_id=str(c["id"]),
            kind="reply" if parent.get("id") else "comment",
            author=InboxAuthor(
                external_id=str(author.get("id") or ""), name=str(author.get("name") or "")
            ),
            text=str(c.get("message") or ""),
            created_at=created,
            thread_id=post_id,
            post_external_id=post_id,
            parent_external_id=str(parent.get("id") or ""),
            reply_to=str(c["id"]),
            url=str(c.get("permalink_url") or ""),
            raw=c,
        )

    @staticmethod
    def _message_item(m: Mapping[str, Any], conv_id: str, page: str) -> InboxItem | None:
        author = http.as_dict(m.get("from"))
        created = http.parse_time(m.get("created_time"))
        sender = str(author.get("id") or "")
        if not m.get("id") or created is None or not sender or sender == page:
            return None
        return InboxItem(
            external_id=str(m["id"]),
            kind="message",
            author=InboxAuthor(external_id=sender, name=str(author.get("name") or "")),
            text=str(m.get("message") or ""),
            created_at=created,
            thread_id=conv_id,
            reply_to=sender,
            raw=m,
        )

    def reply(self, creds: Credentials, item: InboxItem, text: str) -> ReplyResult:
        """Answer a comment (POST /{comment-id}/comments) or a Messenger message (POST
        /{page-id}/messages, messaging_type RESPONSE: within Meta's 24-hour window).
        Raises the mapped errors (Rejected outside the messaging window)."""
        return meta.reply(
            self.graph,
            creds.access_token,
            item,
            text,
            messages_path=f"{creds.account_id}/messages",
            comment_edge="comments",
            message_fields={"messaging_type": "RESPONSE"},
        )
