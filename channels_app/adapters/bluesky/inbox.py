"""Bluesky inbox: mentions, replies and quotes (listNotifications), direct messages through the
chat service, and replies to both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from channels_app.adapters import http
from channels_app.adapters.base import (
    AdapterError,
    Credentials,
    InboxAuthor,
    InboxItem,
    InboxKind,
    InboxPage,
    ReplyResult,
    TransientError,
)
from channels_app.adapters.bluesky.publishing import BlueskyPublishing
from channels_app.adapters.bluesky.xrpc import rkey_of
from channels_app.adapters.http import as_dict, as_list

INBOX_LIMIT = 50
INBOX_MAX_PAGES = 5


class BlueskyInbox(BlueskyPublishing):
    """The inbox (notifications and chat) and answering it."""

    def fetch_inbox(self, creds: Credentials, *, cursor: str | None) -> InboxPage:
        """Mentions, replies and quotes (listNotifications) plus direct messages.

        cursor=None returns the most recent items (one page of each) and a cursor; passing it
        back returns only newer ones. The cursor is JSON: {"n": newest notification indexedAt,
        "m": newest message sentAt}. DMs go through the chat service (`atproto-proxy` header);
        an app password created without "Allow access to your direct messages" gets an error
        there, and then DMs are skipped for this page (the notifications still come back). So
        are they when the chat service fails or is unreachable (5xx, rate limit): the "m" part of
        the cursor stays where it was, so the next fetch picks those messages up.
        """
        state = http.load_cursor(cursor)
        since_n = http.parse_time(state.get("n"))
        since_m = http.parse_time(state.get("m"))
        items, newest_n = self._notifications(creds, since_n)
        try:
            messages, newest_m = self._messages(creds, since_m)
        except AdapterError:  # no DM access, or the chat service is down: notifications still
            messages, newest_m = [], since_m
        items.extend(messages)
        items.sort(key=lambda item: item.created_at)
        new_state = {
            "n": (newest_n or since_n or datetime.now(UTC)).isoformat(),
            "m": (newest_m or since_m or datetime.now(UTC)).isoformat(),
        }
        return InboxPage(items=tuple(items), cursor=json.dumps(new_state, sort_keys=True))

    def _notifications(
        self, creds: Credentials, since: datetime | None
    ) -> tuple[list[InboxItem], datetime | None]:
        items: list[InboxItem] = []
        newest: datetime | None = None
        page_cursor: str | None = None
        for _ in range(INBOX_MAX_PAGES if since else 1):
            params: dict[str, Any] = {
                "reasons": ["mention", "reply", "quote"],
                "limit": str(INBOX_LIMIT),
            }
            if page_cursor:
                params["cursor"] = page_cursor
            body = self._call(
                creds, "GET", "app.bsky.notification.listNotifications", params=params
            )
            notes = as_list(body.get("notifications"))
            reached_old = False
            for note in notes:
                note = as_dict(note)
                indexed = http.parse_time(note.get("indexedAt"))
                if indexed is None or note.get("reason") not in ("mention", "reply", "quote"):
                    continue
                if since is not None and indexed <= since:
                    reached_old = True
                    continue
                newest = max(newest, indexed) if newest else indexed
                if item := self._notification_item(creds, note, indexed):
                    items.append(item)
            page_cursor = body.get("cursor") if isinstance(body.get("cursor"), str) else None
            if reached_old or not page_cursor or not notes:
                break
        return items, newest

    def _notification_item(
        self, creds: Credentials, note: Mapping[str, Any], indexed: datetime
    ) -> InboxItem | None:
        uri = note.get("uri")
        if not isinstance(uri, str):
            return None
        record = as_dict(note.get("record"))
        author = as_dict(note.get("author"))
        reply = as_dict(record.get("reply"))
        root_uri = str(as_dict(reply.get("root")).get("uri") or "")
        parent_uri = str(as_dict(reply.get("parent")).get("uri") or "")
        reason = note.get("reason")
        handle = str(author.get("handle") or "")
        kind: InboxKind
        if reason == "reply":
            kind = "comment" if parent_uri and parent_uri == root_uri else "reply"
            post_id = root_uri
        elif reason == "quote":
            kind = "mention"
            post_id = str(note.get("reasonSubject") or "")
        else:
            kind = "mention"
            post_id = ""
        rkey = rkey_of(uri)
        return InboxItem(
            external_id=uri,
            kind=kind,
            author=InboxAuthor(
                external_id=str(author.get("did") or ""),
                handle=handle,
                name=str(author.get("displayName") or ""),
                avatar_url=str(author.get("avatar") or ""),
            ),
            text=str(record.get("text") or ""),
            created_at=http.parse_time(record.get("createdAt")) or indexed,
            thread_id=root_uri or uri,
            post_external_id=post_id,
            parent_external_id=parent_uri,
            reply_to=uri,
            url=f"{self.urls['web']}/profile/{handle or author.get('did')}/post/{rkey}",
            raw=note,
        )

    def _messages(
        self, creds: Credentials, since: datetime | None
    ) -> tuple[list[InboxItem], datetime | None]:
        headers = {"atproto-proxy": self.chat_proxy}
        body = self._call(
            creds, "GET", "chat.bsky.convo.listConvos", params={"limit": "20"}, headers=headers
        )
        items: list[InboxItem] = []
        newest: datetime | None = None
        for convo in as_list(body.get("convos")):
            convo = as_dict(convo)
            convo_id = convo.get("id")
            last = http.parse_time(as_dict(convo.get("lastMessage")).get("sentAt"))
            if not isinstance(convo_id, str) or last is None or (since and last <= since):
                continue
            members = {str(m.get("did")): m for m in map(as_dict, as_list(convo.get("members")))}
            page = self._call(
                creds,
                "GET",
                "chat.bsky.convo.getMessages",
                params={"convoId": convo_id, "limit": "20"},
                headers=headers,
            )
            for message in as_list(page.get("messages")):
                message = as_dict(message)
                sent = http.parse_time(message.get("sentAt"))
                sender = str(as_dict(message.get("sender")).get("did") or "")
                if (
                    message.get("$type", "chat.bsky.convo.defs#messageView")
                    != ("chat.bsky.convo.defs#messageView")
                    or sent is None
                    or not isinstance(message.get("id"), str)
                ):
                    continue
                if since and sent <= since:
                    continue
                newest = max(newest, sent) if newest else sent
                if sender == creds.account_id:
                    continue
                profile = members.get(sender, {})
                items.append(
                    InboxItem(
                        external_id=str(message["id"]),
                        kind="message",
                        author=InboxAuthor(
                            external_id=sender,
                            handle=str(profile.get("handle") or ""),
                            name=str(profile.get("displayName") or ""),
                            avatar_url=str(profile.get("avatar") or ""),
                        ),
                        text=str(message.get("text") or ""),
                        created_at=sent,
                        thread_id=convo_id,
                        reply_to=convo_id,
                        raw=message,
                    )
                )
        return items, newest

    def reply(self, creds: Credentials, item: InboxItem, text: str) -> ReplyResult:
        """Answer an inbox item: a reply post for mentions/replies (root/parent strongRefs
        fetched from the item's post), chat.bsky.convo.sendMessage for messages."""
        if item.kind == "message":
            body = self._call(
                creds,
                "POST",
                "chat.bsky.convo.sendMessage",
                json_body={"convoId": item.reply_to or item.thread_id, "message": {"text": text}},
                headers={"atproto-proxy": self.chat_proxy},
            )
            if not isinstance(body.get("id"), str):
                raise TransientError("sendMessage answered without an id")
            return ReplyResult(external_id=body["id"])
        reply = self._reply_ref(creds, item.reply_to or item.external_id)
        created = self._create_post(creds, self.build_record(creds, text, reply=reply))
        uri = str(created["uri"])
        return ReplyResult(external_id=uri, url=self.post_url(creds, uri))
