"""Instagram inbox: comments and replies on recent media and Instagram DMs (the merge is
`meta.fetch_inbox`), and replies to both.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from channels_app.adapters import http, meta
from channels_app.adapters.base import Credentials, InboxAuthor, InboxItem, InboxPage, ReplyResult
from channels_app.adapters.instagram.graph import InstagramGraph

COMMENT_FIELDS = "id,text,timestamp,username,from,parent_id"
INBOX_MEDIA = 10
INBOX_LIMIT = 50


class InstagramInbox(InstagramGraph):
    """The inbox and answering it."""

    def fetch_inbox(self, creds: Credentials, *, cursor: str | None) -> InboxPage:
        """Comments and replies on recent media and Instagram DMs, oldest first.

        `cursor` (opaque JSON of the newest comment/message times seen) limits the answer to
        newer items; None returns up to INBOX_LIMIT recent items. Our own comments and
        messages are left out. Raises the mapped errors."""
        token = creds.access_token
        ours = {creds.account_id, str(creds.extra.get("app_scoped_id") or "")} - {""}
        username = str(creds.extra.get("username") or "")
        return meta.fetch_inbox(
            cursor,
            comments=lambda _since: self._comments(token, ours, username),
            messages=lambda: meta.conversation_messages(
                self.graph,
                "me/conversations",
                token,
                platform="instagram",
                parse=lambda m, conv_id: _message_item(m, conv_id, ours, username),
            ),
            limit=INBOX_LIMIT,
        )

    def _comments(self, token: str, ours: set[str], username: str) -> Iterator[InboxItem | None]:
        """The comments and their replies on our INBOX_MEDIA latest media (Instagram's
        comments edge takes no `since`: the caller drops what it has seen)."""
        media = meta.data_list(
            self.graph.get("me/media", token, fields="id,timestamp,permalink", limit=INBOX_MEDIA)
        )
        for m in media:
            body = self.graph.get(
                f"{m['id']}/comments",
                token,
                fields=f"{COMMENT_FIELDS},replies{{{COMMENT_FIELDS}}}",
                limit=INBOX_LIMIT,
            )
            for c in meta.data_list(body):
                for raw in [c, *meta.data_list(c.get("replies") or {})]:
                    yield _comment_item(raw, m, ours, username)

    def reply(self, creds: Credentials, item: InboxItem, text: str) -> ReplyResult:
        """Answer a comment (POST /{comment-id}/replies; Instagram threads replies under the
        top-level comment) or a DM (POST /me/messages, within Meta's 24-hour window).
        Raises the mapped errors."""
        return meta.reply(
            self.graph,
            creds.access_token,
            item,
            text,
            messages_path="me/messages",
            comment_edge="replies",
        )


def _comment_item(
    c: Mapping[str, Any], media: Mapping[str, Any], ours: set[str], username: str
) -> InboxItem | None:
    author = http.as_dict(c.get("from"))
    author_id = str(author.get("id") or "")
    handle = str(author.get("username") or c.get("username") or "")
    created = http.parse_time(c.get("timestamp"))
    if not c.get("id") or created is None or author_id in ours or (username and handle == username):
        return None
    parent = str(c.get("parent_id") or "")
    media_id = str(media.get("id") or "")
    return InboxItem(
        external_id=str(c["id"]),
        kind="reply" if parent else "comment",
        author=InboxAuthor(external_id=author_id, handle=handle),
        text=str(c.get("text") or ""),
        created_at=created,
        thread_id=media_id,
        post_external_id=media_id,
        parent_external_id=parent,
        reply_to=parent or str(c["id"]),
        url=str(media.get("permalink") or ""),
        raw=c,
    )


def _message_item(
    m: Mapping[str, Any], conv_id: str, ours: set[str], username: str
) -> InboxItem | None:
    author = http.as_dict(m.get("from"))
    sender = str(author.get("id") or "")
    handle = str(author.get("username") or "")
    created = http.parse_time(m.get("created_time"))
    if not m.get("id") or created is None or not sender or sender in ours:
        return None
    if username and handle == username:
        return None
    return InboxItem(
        external_id=str(m["id"]),
        kind="message",
        author=InboxAuthor(external_id=sender, handle=handle),
        text=str(m.get("message") or ""),
        created_at=created,
        thread_id=conv_id,
        reply_to=sender,
        raw=m,
    )
