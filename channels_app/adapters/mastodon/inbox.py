"""Mastodon inbox: mentions (notifications), answered with replies."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from channels_app.adapters import http
from channels_app.adapters.base import (
    Credentials,
    InboxAuthor,
    InboxItem,
    InboxKind,
    InboxPage,
    ReplyResult,
    TransientError,
)
from channels_app.adapters.mastodon.api import html_to_text
from channels_app.adapters.mastodon.publishing import MastodonPublishing

INBOX_LIMIT = 40  # Mastodon's maximum page size for notifications


def _id_key(value: str) -> tuple[int, str]:
    """Mastodon ids are numeric strings (snowflake-like): order them numerically."""
    return (int(value), value) if value.isdigit() else (0, value)


class MastodonInbox(MastodonPublishing):
    """The inbox and answering it."""

    def _inbox_item(self, creds: Credentials, notification: Mapping[str, Any]) -> InboxItem | None:
        status = notification.get("status")
        account = notification.get("account")
        if not isinstance(status, dict) or not isinstance(account, dict):
            return None
        try:
            kind: InboxKind = "mention"
            post_id = ""
            if status.get("visibility") == "direct":
                kind = "message"
            elif status.get("in_reply_to_account_id") == creds.account_id:
                kind = "comment"
                post_id = str(status.get("in_reply_to_id") or "")
            created = http.parse_time(status.get("created_at") or notification.get("created_at"))
            if created is None:
                raise TransientError("Mastodon sent a mention without a date")
            return InboxItem(
                external_id=str(status["id"]),
                kind=kind,
                author=InboxAuthor(
                    external_id=str(account["id"]),
                    handle=f"@{account['acct']}",
                    name=str(account.get("display_name") or ""),
                    avatar_url=str(account.get("avatar") or ""),
                ),
                text=html_to_text(str(status.get("content") or "")),
                created_at=created,
                thread_id=str(status.get("in_reply_to_id") or status["id"]),
                post_external_id=post_id,
                parent_external_id=str(status.get("in_reply_to_id") or ""),
                reply_to=str(status["id"]),
                url=str(status.get("url") or status.get("uri") or ""),
                raw=dict(notification),
            )
        except KeyError as exc:
            raise TransientError("Mastodon sent a mention without ids") from exc

    def fetch_inbox(self, creds: Credentials, *, cursor: str | None) -> InboxPage:
        """Mention notifications (replies, mentions, DMs = direct-visibility mentions).

        cursor None: the latest 40; otherwise the mentions after that notification id
        (`min_id`). Items oldest first; the cursor is the newest notification id seen."""
        params: dict[str, Any] = {"types[]": "mention", "limit": INBOX_LIMIT}
        if cursor:
            params["min_id"] = cursor
        resp = self._call(
            "GET", "notifications", creds.instance_url, token=creds.access_token, params=params
        )
        notifications = self._json(resp, list)
        newest = cursor
        items = []
        for notification in sorted(
            (n for n in notifications if isinstance(n, dict) and n.get("id")),
            key=lambda n: _id_key(str(n["id"])),
        ):
            newest = str(notification["id"])
            if notification.get("type") != "mention":
                continue
            item = self._inbox_item(creds, notification)
            if item is not None:
                items.append(item)
        return InboxPage(items=tuple(items), cursor=newest)

    def reply(self, creds: Credentials, item: InboxItem, text: str) -> ReplyResult:
        """Answer with a status in reply to `item.reply_to`, starting with @acct.

        DMs stay direct; private/unlisted threads keep their visibility. The Idempotency-Key is
        derived from the item and the text, so a retried reply is not posted twice."""
        handle = (
            item.author.handle if item.author.handle.startswith("@") else f"@{item.author.handle}"
        )
        body_text = text if text.lstrip().startswith(handle) else f"{handle} {text}"
        body: dict[str, Any] = {"status": body_text, "in_reply_to_id": item.reply_to}
        status_raw = item.raw.get("status") if isinstance(item.raw, Mapping) else None
        visibility = status_raw.get("visibility") if isinstance(status_raw, Mapping) else None
        if item.kind == "message":
            body["visibility"] = "direct"
        elif visibility in ("private", "unlisted", "direct"):
            body["visibility"] = visibility
        key = hashlib.sha256(f"{item.reply_to}\n{body_text}".encode()).hexdigest()
        status = self._post_status(creds, body, f"reply-{key[:40]}")
        return ReplyResult(external_id=str(status["id"]), url=str(status.get("url") or ""))
