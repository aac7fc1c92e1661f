"""X inbox: mentions and direct messages, and replies to both."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator, Mapping
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
from channels_app.adapters.x.publishing import XPublishing

INBOX_PAGE_SIZE = 50
INBOX_MAX_PAGES = 5
MENTION_FIELDS = "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets"


def _snowflake(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


class XInbox(XPublishing):
    """The inbox and answering it."""

    @staticmethod
    def _users(body: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        includes = http.as_dict(body.get("includes"))
        users = includes.get("users") if isinstance(includes, dict) else None
        return {str(u["id"]): u for u in users or [] if isinstance(u, dict) and "id" in u}

    @staticmethod
    def _author(user_id: str, users: Mapping[str, Mapping[str, Any]]) -> InboxAuthor:
        user = users.get(user_id, {})
        username = str(user.get("username") or "")
        return InboxAuthor(
            external_id=user_id,
            handle=f"@{username}" if username else "",
            name=str(user.get("name") or ""),
            avatar_url=str(user.get("profile_image_url") or ""),
        )

    def _pages(
        self, creds: Credentials, path: str, params: dict[str, Any], *, newer_than: int
    ) -> Iterator[tuple[dict[str, Any], dict[str, Mapping[str, Any]]]]:
        """Items of a newest-first timeline down to `newer_than` (a few pages when catching up)."""
        for _ in range(INBOX_MAX_PAGES if newer_than else 1):
            body = self._call("GET", path, creds, params=params)
            data = body.get("data") or []
            if not isinstance(data, list):
                raise TransientError("X sent a timeline that is not a list")
            users = self._users(body)
            reached = False
            for entry in data:
                if not isinstance(entry, dict) or "id" not in entry:
                    raise TransientError("X sent an entry without an id")
                if _snowflake(str(entry["id"])) <= newer_than:
                    reached = True
                    continue
                yield entry, users
            meta = http.as_dict(body.get("meta"))
            if reached or not meta.get("next_token"):
                return
            params = {**params, "pagination_token": meta["next_token"]}

    def fetch_inbox(self, creds: Credentials, *, cursor: str | None) -> InboxPage:
        """Mentions (GET /2/users/{id}/mentions, since_id) and DMs (GET /2/dm_events).

        The cursor packs both newest ids as JSON. dm_events has no since_id: events are
        filtered by id (ids grow with time). Our own DMs are skipped. Items oldest first."""
        state: dict[str, str] = {}
        if cursor:
            try:
                loaded = json.loads(cursor)
            except ValueError:
                loaded = {}
            state = {k: str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
        mentions_since = state.get("mentions", "")
        dm_since = state.get("dm", "")
        items: list[InboxItem] = []

        params: dict[str, Any] = {
            "max_results": INBOX_PAGE_SIZE,
            "tweet.fields": MENTION_FIELDS,
            "expansions": "author_id",
            "user.fields": "username,name,profile_image_url",
        }
        if mentions_since:
            params["since_id"] = mentions_since
        newest_mention = mentions_since
        for tweet, users in self._pages(
            creds,
            f"/2/users/{creds.account_id}/mentions",
            params,
            newer_than=_snowflake(mentions_since),
        ):
            tweet_id = str(tweet["id"])
            if _snowflake(tweet_id) > _snowflake(newest_mention):
                newest_mention = tweet_id
            replied = next(
                (
                    str(ref.get("id"))
                    for ref in tweet.get("referenced_tweets") or []
                    if isinstance(ref, dict) and ref.get("type") == "replied_to"
                ),
                "",
            )
            kind: InboxKind = (
                "comment" if tweet.get("in_reply_to_user_id") == creds.account_id else "mention"
            )
            created = http.parse_time(tweet.get("created_at"))
            if created is None:
                raise TransientError("X sent a mention without created_at")
            author_id = str(tweet.get("author_id") or "")
            items.append(
                InboxItem(
                    external_id=tweet_id,
                    kind=kind,
                    author=self._author(author_id, users),
                    text=html.unescape(str(tweet.get("text") or "")),
                    created_at=created,
                    thread_id=str(tweet.get("conversation_id") or tweet_id),
                    post_external_id=replied if kind == "comment" else "",
                    parent_external_id=replied,
                    reply_to=tweet_id,
                    url=f"{self.urls['web'].rstrip('/')}/i/web/status/{tweet_id}",
                    raw=tweet,
                )
            )

        dm_params: dict[str, Any] = {
            "max_results": INBOX_PAGE_SIZE,
            "event_types": "MessageCreate",
            "dm_event.fields": "id,text,created_at,sender_id,dm_conversation_id,participant_ids",
            "expansions": "sender_id",
            "user.fields": "username,name,profile_image_url",
        }
        newest_dm = dm_since
        for event, users in self._pages(
            creds, "/2/dm_events", dm_params, newer_than=_snowflake(dm_since)
        ):
            event_id = str(event["id"])
            if _snowflake(event_id) > _snowflake(newest_dm):
                newest_dm = event_id
            sender = str(event.get("sender_id") or "")
            if (
                sender == creds.account_id
                or event.get("event_type", "MessageCreate") != "MessageCreate"
            ):
                continue
            created = http.parse_time(event.get("created_at"))
            if created is None:
                raise TransientError("X sent a DM without created_at")
            items.append(
                InboxItem(
                    external_id=event_id,
                    kind="message",
                    author=self._author(sender, users),
                    text=str(event.get("text") or ""),
                    created_at=created,
                    thread_id=str(event.get("dm_conversation_id") or ""),
                    reply_to=sender,
                    raw=event,
                )
            )
        items.sort(key=lambda item: (item.created_at, _snowflake(item.external_id)))
        new_cursor = json.dumps({"mentions": newest_mention, "dm": newest_dm}, sort_keys=True)
        return InboxPage(items=tuple(items), cursor=new_cursor)

    def reply(self, creds: Credentials, item: InboxItem, text: str) -> ReplyResult:
        """A DM to the sender for messages (POST /2/dm_conversations/with/{id}/messages),
        otherwise a reply post to `item.reply_to`. Raises the adapter errors."""
        if item.kind == "message":
            body = self._call(
                "POST",
                f"/2/dm_conversations/with/{item.reply_to}/messages",
                creds,
                json={"text": text},
            )
            data = self._data(body, "dm_event_id")
            return ReplyResult(external_id=str(data["dm_event_id"]))
        data = self._create_post(
            creds, {"text": text, "reply": {"in_reply_to_tweet_id": item.reply_to}}
        )
        return ReplyResult(external_id=str(data["id"]), url=self._post_url(creds, str(data["id"])))
