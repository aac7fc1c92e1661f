"""Instagram professional accounts through the Instagram API with Instagram Login.

No Facebook Page is needed: the person logs in with Instagram, we get a short-lived Instagram
User token, exchange it for a long-lived one (60 days) and refresh it before it expires. Calls go
to graph.instagram.com. Publishing uses Meta's container flow: Instagram fetches every image and
video from a public URL (`MediaFile.url`), we wait until the container is FINISHED, then publish.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from channels_app.adapters import http, meta
from channels_app.adapters.base import (
    AccountMetrics,
    AccountProfile,
    AuthExpired,
    AuthorizationRequest,
    ConnectableAccount,
    Credentials,
    InboxAuthor,
    InboxItem,
    InboxPage,
    MediaFile,
    OutgoingPost,
    PlatformConfig,
    PostMetrics,
    PublishedPost,
    PublishResult,
    Rejected,
    ReplyResult,
    TransientError,
    normalize_text_for_match,
    nothing_public_yet,
    oauth_authorization,
    post_first_comment,
)

PROFILE_FIELDS = (
    "id,user_id,username,name,account_type,profile_picture_url,followers_count,"
    "follows_count,media_count"
)
MEDIA_FIELDS = "id,caption,permalink,timestamp,media_type"
COMMENT_FIELDS = "id,text,timestamp,username,from,parent_id"
# Current media metrics (Instagram Media Insights reference: `views` replaced `impressions`
# and `plays`, deprecated for all versions on April 21 2025; `video_views` is deprecated).
MEDIA_INSIGHTS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
MEDIA_INSIGHT_NAMES = {
    "views": "views",
    "reach": "reach",
    "likes": "likes",
    "comments": "comments",
    "shares": "shares",
    "saved": "saves",
    "total_interactions": "engagements",
}
ACCOUNT_INSIGHTS = ("views", "reach", "total_interactions")
ACCOUNT_INSIGHT_NAMES = {"views": "views", "reach": "reach", "total_interactions": "engagements"}
MAX_CAROUSEL = 10
INBOX_MEDIA = 10
INBOX_LIMIT = 50
DEFAULT_POLL_SECONDS = 3.0
DEFAULT_POLL_ATTEMPTS = 40


class InstagramAdapter(meta.GraphAdapter):
    """Instagram (Instagram Login). Options: "graph_version", "poll_interval_seconds",
    "poll_attempts" (container status polling while media is processed)."""

    kind = "instagram"
    connect_method = "oauth"
    uses_pkce = False
    scopes = (
        "instagram_business_basic",
        "instagram_business_content_publish",
        "instagram_business_manage_comments",
        "instagram_business_manage_messages",
        "instagram_business_manage_insights",
    )
    required_scopes = (
        "instagram_business_basic",
        "instagram_business_content_publish",
        "instagram_business_manage_comments",
    )
    DEFAULT_URLS = {
        "authorize": "https://api.instagram.com/oauth/authorize",
        "token": "https://api.instagram.com/oauth/access_token",
        "graph": "https://graph.instagram.com",
        "web": "https://www.instagram.com",
    }

    def __init__(
        self,
        config: PlatformConfig,
        session: requests.Session | None = None,
        *,
        poll_interval: float | None = None,
    ) -> None:
        super().__init__(config, session)
        self.oauth = meta.GraphClient(self.session, self.urls["graph"], None)
        if poll_interval is None:
            poll_interval = _float(config.options.get("poll_interval_seconds"))
        self.poll_interval = DEFAULT_POLL_SECONDS if poll_interval is None else poll_interval
        attempts = _float(config.options.get("poll_attempts"))
        self.poll_attempts = int(attempts) if attempts else DEFAULT_POLL_ATTEMPTS

    # --- connect --------------------------------------------------------------------------------

    def authorization_request(
        self, *, state: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> AuthorizationRequest:
        """The Instagram authorization window URL for `state` (no PKCE). No network call."""
        return oauth_authorization(
            self.urls["authorize"], self.config, state=state, scope=",".join(self.scopes)
        )

    def exchange_code(
        self, *, code: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> list[ConnectableAccount]:
        """Code -> short-lived token (1 h) -> long-lived token (60 days) -> the one account.

        Raises Rejected (invalid code), AuthExpired, RateLimited, TransientError."""
        resp = http.send(
            self.session,
            "POST",
            self.urls["token"],
            data={
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "grant_type": "authorization_code",
                "redirect_uri": self.config.redirect_uri,
                "code": code,
            },
        )
        body = meta.raise_for_graph(resp)
        # Documented as {"data": [{access_token, user_id, permissions}]}; older answers are flat.
        if isinstance(body, Mapping) and isinstance(body.get("data"), list) and body["data"]:
            body = body["data"][0]
        short = meta.access_token_of(body)
        permissions = body.get("permissions") or ()
        if isinstance(permissions, str):
            permissions = [p.strip() for p in permissions.split(",") if p.strip()]
        long = self.oauth.get(
            "access_token",
            None,
            grant_type="ig_exchange_token",
            client_secret=self.config.client_secret,
            access_token=short,
        )
        token = meta.access_token_of(long)
        me = self.graph.get("me", token, fields=PROFILE_FIELDS)
        profile = self._profile(me)
        creds = Credentials(
            account_id=profile.account_id,
            access_token=token,
            expires_at=meta.expires_at_from(long.get("expires_in")),
            scopes=tuple(str(p) for p in permissions),
            extra=self._extra(me),
        )
        return [ConnectableAccount(credentials=creds, profile=profile)]

    @staticmethod
    def _extra(me: Mapping[str, Any]) -> dict[str, str]:
        extra = {"username": str(me.get("username") or "")}
        if me.get("id"):
            extra["app_scoped_id"] = str(me["id"])
        return extra

    @staticmethod
    def can_renew(creds: Credentials) -> bool:
        """Long-lived Instagram tokens renew themselves (no separate refresh token)."""
        return True

    def refresh_token(self, creds: Credentials) -> Credentials:
        """A new long-lived token (`ig_refresh_token`; the token must be at least 24 hours old
        and unexpired) with its new expiry. Raises AuthExpired when Instagram refuses it."""
        if creds.expires_at is not None and creds.expires_at <= datetime.now(UTC):
            raise AuthExpired("The Instagram token has expired; reconnect the account.")
        body = self.oauth.get(
            "refresh_access_token",
            None,
            grant_type="ig_refresh_token",
            access_token=creds.access_token,
        )
        return Credentials(
            account_id=creds.account_id,
            access_token=meta.access_token_of(body),
            expires_at=meta.expires_at_from(body.get("expires_in")),
            scopes=creds.scopes,
            extra=dict(creds.extra),
        )

    def fetch_profile(self, creds: Credentials) -> AccountProfile:
        """Username, name, picture and followers of the account. Raises the mapped errors."""
        return self._profile(self.graph.get("me", creds.access_token, fields=PROFILE_FIELDS))

    def _profile(self, me: Any) -> AccountProfile:
        if not isinstance(me, Mapping) or not (me.get("user_id") or me.get("id")):
            raise TransientError("The platform answered a malformed profile.")
        username = str(me.get("username") or "")
        followers = me.get("followers_count")
        return AccountProfile(
            account_id=str(me.get("user_id") or me.get("id")),
            handle=f"@{username}" if username else str(me.get("user_id") or me.get("id")),
            name=str(me.get("name") or ""),
            avatar_url=str(me.get("profile_picture_url") or ""),
            url=f"{self.urls['web']}/{username}/" if username else "",
            followers=followers if isinstance(followers, int) else None,
            raw=me,
        )

    # --- publish --------------------------------------------------------------------------------

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

    def get_post(self, creds: Credentials, external_id: str) -> PublishedPost | None:
        """The media as Instagram shows it, or None when it is gone. Raises the mapped errors."""
        body = self.graph.get_or_none(external_id, creds.access_token, fields=MEDIA_FIELDS)
        if body is None:
            return None
        if not isinstance(body, Mapping) or not body.get("id"):
            raise TransientError("The platform answered a malformed media object.")
        return self._published(body)

    @staticmethod
    def _published(body: Mapping[str, Any]) -> PublishedPost:
        return PublishedPost(
            external_id=str(body["id"]),
            url=str(body.get("permalink") or ""),
            text=str(body.get("caption") or ""),
            created_at=http.parse_time(body.get("timestamp")),
            raw=body,
        )

    def find_recent_post(
        self, creds: Credentials, post: OutgoingPost, *, since: datetime
    ) -> PublishedPost | None:
        """Our media published at/after `since` whose caption matches `post.text`, or None; the
        media recorded as `post.steps["post"]` when an attempt got that far."""
        if post.steps.get("post") and not post.reply_to_id:
            return self.get_post(creds, post.steps["post"])
        wanted = normalize_text_for_match(post.text)
        for item in self.graph.iter_items(
            "me/media", creds.access_token, fields=MEDIA_FIELDS, limit=25
        ):
            created = http.parse_time(item.get("timestamp"))
            if created is not None and created < since:
                return None
            caption = normalize_text_for_match(str(item.get("caption") or ""))
            if item.get("id") and caption == wanted:
                return self._published(item)
        return None

    # --- measure --------------------------------------------------------------------------------

    def fetch_post_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[PostMetrics]:
        """Likes/comments counts and lifetime insights (views, reach, likes, comments, shares,
        saves, engagements) per media. Insights Instagram does not have (album children, too
        few viewers: code 10) are left out. Raises the mapped errors of the counts call."""
        results = []
        for external_id in external_ids:
            body = self.graph.get(
                external_id, creds.access_token, fields="id,like_count,comments_count"
            )
            if not isinstance(body, Mapping):
                raise TransientError("The platform answered malformed metrics.")
            values: dict[str, int] = {}
            if isinstance(body.get("like_count"), int):
                values["likes"] = body["like_count"]
            if isinstance(body.get("comments_count"), int):
                values["comments"] = body["comments_count"]
            insights = self.graph.insights(
                f"{external_id}/insights", creds.access_token, metric=",".join(MEDIA_INSIGHTS)
            )
            values.update(meta.renamed(insights, MEDIA_INSIGHT_NAMES))
            results.append(
                PostMetrics(
                    external_id=external_id,
                    fetched_at=datetime.now(UTC),
                    values=values,
                    raw={"media": body, "insights": insights},
                )
            )
        return results

    def fetch_account_metrics(self, creds: Credentials) -> AccountMetrics:
        """Followers, following and media counts plus 28-day totals (views, reach,
        engagements) where Instagram reports them. Raises the mapped errors."""
        me = self.graph.get(
            "me", creds.access_token, fields="id,followers_count,follows_count,media_count"
        )
        if not isinstance(me, Mapping):
            raise TransientError("The platform answered a malformed profile.")
        values: dict[str, int] = {}
        for field, neutral in (
            ("followers_count", "followers"),
            ("follows_count", "following"),
            ("media_count", "posts"),
        ):
            if isinstance(me.get(field), int):
                values[neutral] = me[field]
        now = datetime.now(UTC)
        insights = self.graph.insights(
            "me/insights",
            creds.access_token,
            metric=",".join(ACCOUNT_INSIGHTS),
            period="day",
            metric_type="total_value",
            since=int((now - timedelta(days=28)).timestamp()),
            until=int(now.timestamp()),
        )
        values.update(meta.renamed(insights, ACCOUNT_INSIGHT_NAMES))
        return AccountMetrics(
            account_id=creds.account_id,
            fetched_at=now,
            values=values,
            raw={"profile": me, "insights": insights},
        )

    # --- webcare --------------------------------------------------------------------------------

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
    author = c.get("from") if isinstance(c.get("from"), Mapping) else {}
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
    author = m.get("from") if isinstance(m.get("from"), Mapping) else {}
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


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
