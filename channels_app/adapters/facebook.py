"""Facebook Pages through the Graph API (Facebook Login, Page access tokens).

One connection per Page: `exchange_code` turns the login into a long-lived user token and returns
every Page it manages, each with its own Page token (which does not expire when derived from a
long-lived user token). Publishing goes to `/{page-id}/feed`, `/photos` and, on the video host,
`/videos`; the inbox polls comments on recent Page posts and Messenger conversations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
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

PAGE_FIELDS = "id,name,username,link,category,followers_count,fan_count,picture"
POST_FIELDS = "id,message,created_time,permalink_url"
COMMENT_FIELDS = "id,message,created_time,from,parent,permalink_url"
METRIC_FIELDS = "id,shares,reactions.summary(true).limit(0),comments.summary(true).limit(0)"
# Current names (Pages API changelog, Nov 15 2025: post_impressions -> post_media_view,
# post_impressions_unique -> post_total_media_view_unique; page_impressions -> page_media_view,
# page_impressions_unique -> page_total_media_view_unique, page_fans -> page_follows).
POST_INSIGHTS = ("post_media_view", "post_total_media_view_unique", "post_clicks")
PAGE_INSIGHTS = ("page_media_view", "page_total_media_view_unique", "page_post_engagements")
POST_INSIGHT_NAMES = {
    "post_media_view": "views",
    "post_total_media_view_unique": "reach",
    "post_clicks": "clicks",
}
PAGE_INSIGHT_NAMES = {
    "page_media_view": "views",
    "page_total_media_view_unique": "reach",
    "page_post_engagements": "engagements",
}
INBOX_POSTS = 10  # recent Page posts whose comments we poll
INBOX_LIMIT = 50  # items returned on a first poll
MAX_PHOTOS = 10


def _fb_url(value: Any, base: str) -> str:
    """Absolute URL for a Graph `permalink_url` (videos answer a path such as /page/videos/1/)."""
    if not isinstance(value, str) or not value:
        return ""
    return f"{base.rstrip('/')}{value}" if value.startswith("/") else value


class FacebookAdapter(meta.GraphAdapter):
    """Facebook Pages. Config option "graph_version" (default meta.DEFAULT_GRAPH_VERSION)."""

    kind = "facebook"
    connect_method = "oauth"
    uses_pkce = False
    scopes = (
        "pages_show_list",
        "pages_manage_posts",
        "pages_read_engagement",
        "pages_manage_engagement",
        "pages_read_user_engagement",
        "read_insights",
        "pages_messaging",
        "publish_video",
    )
    required_scopes = (
        "pages_show_list",
        "pages_manage_posts",
        "pages_read_engagement",
        "pages_manage_engagement",
    )
    DEFAULT_URLS = {
        "authorize": "https://www.facebook.com/{version}/dialog/oauth",
        "graph": "https://graph.facebook.com",
        "graph_video": "https://graph-video.facebook.com",
        "web": "https://www.facebook.com",
    }

    def __init__(self, config: PlatformConfig, session: requests.Session | None = None) -> None:
        super().__init__(config, session)
        self.video = meta.GraphClient(self.session, self.urls["graph_video"], self.version)

    # --- connect --------------------------------------------------------------------------------

    def authorization_request(
        self, *, state: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> AuthorizationRequest:
        """The Facebook Login dialog URL for `state` (no PKCE). No network call."""
        endpoint = self.urls["authorize"].replace("{version}", self.version)
        return oauth_authorization(endpoint, self.config, state=state, scope=",".join(self.scopes))

    def exchange_code(
        self, *, code: str, code_verifier: str | None = None, instance_url: str | None = None
    ) -> list[ConnectableAccount]:
        """Code -> user token -> long-lived user token -> one ConnectableAccount per Page.

        Page tokens from a long-lived user token do not expire (expires_at None); scopes are
        the user's granted permissions. Raises the mapped Graph errors."""
        short = self.graph.get(
            "oauth/access_token",
            None,
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            redirect_uri=self.config.redirect_uri,
            code=code,
        )
        short_token = meta.access_token_of(short)
        long = self.graph.get(
            "oauth/access_token",
            None,
            grant_type="fb_exchange_token",
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            fb_exchange_token=short_token,
        )
        user_token = meta.access_token_of(long)
        granted = tuple(
            str(p.get("permission"))
            for p in meta.data_list(self.graph.get("me/permissions", user_token))
            if p.get("status") == "granted" and p.get("permission")
        )
        accounts: list[ConnectableAccount] = []
        fields = f"{PAGE_FIELDS},access_token"
        for page in self.graph.iter_items("me/accounts", user_token, fields=fields, limit=100):
            token = page.get("access_token")
            page_id = page.get("id")
            if not isinstance(token, str) or not token or not page_id:
                continue
            creds = Credentials(account_id=str(page_id), access_token=token, scopes=granted)
            accounts.append(ConnectableAccount(credentials=creds, profile=self._profile(page)))
        return accounts

    def refresh_token(self, creds: Credentials) -> Credentials:
        """Page tokens have no refresh grant: checks the token with a cheap call and returns
        `creds` unchanged while it works. Raises AuthExpired when Facebook rejects it (the
        channel must reconnect), or the other mapped errors."""
        if creds.expires_at is not None and creds.expires_at <= datetime.now(UTC):
            raise AuthExpired("The Page token has expired; reconnect the Page.")
        self.graph.get("me", creds.access_token, fields="id")
        return creds

    def fetch_profile(self, creds: Credentials) -> AccountProfile:
        """The Page's name, username, link, avatar and followers. Raises the mapped errors."""
        page = self.graph.get(creds.account_id, creds.access_token, fields=PAGE_FIELDS)
        if not isinstance(page, Mapping) or not page.get("id"):
            raise TransientError("The platform answered a malformed Page.")
        return self._profile(page)

    def _profile(self, page: Mapping[str, Any]) -> AccountProfile:
        picture = page.get("picture")
        avatar = ""
        if isinstance(picture, Mapping) and isinstance(picture.get("data"), Mapping):
            avatar = str(picture["data"].get("url") or "")
        followers = page.get("followers_count", page.get("fan_count"))
        name = str(page.get("name") or "")
        page_id = str(page.get("id"))
        return AccountProfile(
            account_id=page_id,
            handle=name or str(page.get("username") or page_id),
            name=name,
            avatar_url=avatar,
            url=str(page.get("link") or f"{self.urls['web']}/{page_id}"),
            followers=followers if isinstance(followers, int) else None,
            raw={k: v for k, v in page.items() if k != "access_token"},
        )

    # --- publish --------------------------------------------------------------------------------

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
        url = _fb_url(info.get("permalink_url"), self.urls["web"])
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

    def get_post(self, creds: Credentials, external_id: str) -> PublishedPost | None:
        """The post as Facebook shows it, or None when it is gone (404 / code 100 subcode 33).
        Raises the other mapped errors."""
        body = self.graph.get_or_none(external_id, creds.access_token, fields=POST_FIELDS)
        if body is None:
            return None
        if not isinstance(body, Mapping) or not body.get("id"):
            raise TransientError("The platform answered a malformed post.")
        return self._published(body)

    def _published(self, body: Mapping[str, Any]) -> PublishedPost:
        return PublishedPost(
            external_id=str(body["id"]),
            url=_fb_url(body.get("permalink_url"), self.urls["web"]),
            text=str(body.get("message") or ""),
            created_at=http.parse_time(body.get("created_time")),
            raw=body,
        )

    def find_recent_post(
        self, creds: Credentials, post: OutgoingPost, *, since: datetime
    ) -> PublishedPost | None:
        """Our Page post published at/after `since` whose text matches `post.text`, or None.
        Scans up to three pages of `/published_posts`; the post recorded as
        `post.steps["post"]` (not for videos: that is the video's id) is looked up directly.
        Raises the mapped errors."""
        if (
            post.steps.get("post")
            and not post.reply_to_id
            and not any(m.is_video for m in post.media)
        ):
            return self.get_post(creds, post.steps["post"])
        wanted = normalize_text_for_match(post.text)
        for item in self.graph.iter_items(
            f"{creds.account_id}/published_posts",
            creds.access_token,
            fields=POST_FIELDS,
            limit=25,
        ):
            created = http.parse_time(item.get("created_time"))
            if created is not None and created < since:
                return None
            if item.get("id") and normalize_text_for_match(str(item.get("message") or "")) == (
                wanted
            ):
                return self._published(item)
        return None

    # --- measure --------------------------------------------------------------------------------

    def fetch_post_metrics(
        self, creds: Credentials, external_ids: Sequence[str]
    ) -> list[PostMetrics]:
        """Reactions/comments/shares counts plus lifetime insights (views, reach, clicks) per
        post. Insights the Page cannot have (too few likes, invalid metric) are left out.
        Raises the mapped errors of the counts call."""
        results = []
        for external_id in external_ids:
            body = self.graph.get(external_id, creds.access_token, fields=METRIC_FIELDS)
            if not isinstance(body, Mapping):
                raise TransientError("The platform answered malformed metrics.")
            values: dict[str, int] = {}
            likes = meta.summary_count(body, "reactions")
            comments = meta.summary_count(body, "comments")
            shares_node = body.get("shares")
            shares = shares_node.get("count") if isinstance(shares_node, Mapping) else None
            if likes is not None:
                values["likes"] = likes
            if comments is not None:
                values["comments"] = comments
            if isinstance(shares, int):
                values["shares"] = shares
            raw: dict[str, Any] = {"post": body}
            insights = self.graph.insights(
                f"{external_id}/insights", creds.access_token, metric=",".join(POST_INSIGHTS)
            )
            raw["insights"] = insights
            values.update(meta.renamed(insights, POST_INSIGHT_NAMES))
            results.append(
                PostMetrics(
                    external_id=external_id,
                    fetched_at=datetime.now(UTC),
                    values=values,
                    raw=raw,
                )
            )
        return results

    def fetch_account_metrics(self, creds: Credentials) -> AccountMetrics:
        """Followers (followers_count, else fan_count) and 28-day Page insights (views, reach,
        engagements) where Facebook reports them. Raises the mapped errors."""
        page = self.graph.get(
            creds.account_id, creds.access_token, fields="id,followers_count,fan_count"
        )
        if not isinstance(page, Mapping):
            raise TransientError("The platform answered a malformed Page.")
        values: dict[str, int] = {}
        followers = page.get("followers_count", page.get("fan_count"))
        if isinstance(followers, int):
            values["followers"] = followers
        insights = self.graph.insights(
            f"{creds.account_id}/insights",
            creds.access_token,
            metric=",".join(PAGE_INSIGHTS),
            period="days_28",
        )
        values.update(meta.renamed(insights, PAGE_INSIGHT_NAMES))
        return AccountMetrics(
            account_id=creds.account_id,
            fetched_at=datetime.now(UTC),
            values=values,
            raw={"page": page, "insights": insights},
        )

    # --- webcare --------------------------------------------------------------------------------

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
        author = c.get("from") if isinstance(c.get("from"), Mapping) else {}
        created = http.parse_time(c.get("created_time"))
        if not c.get("id") or created is None or str(author.get("id")) == page:
            return None
        parent = c.get("parent") if isinstance(c.get("parent"), Mapping) else {}
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
        author = m.get("from") if isinstance(m.get("from"), Mapping) else {}
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


def _read(media: MediaFile) -> bytes:
    try:
        return media.read_bytes()
    except OSError as exc:
        raise Rejected("The media file could not be read for upload.") from exc
