"""The pieces every adapter shares: the contract every registered adapter satisfies, the
authorization URL, the first comment, the adapter start, the inbox cursor, and the Meta inbox
merge that Facebook and Instagram both use."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine

from channels_app.adapters import REGISTRY, adapter_class, http, meta
from channels_app.adapters.base import (
    AdapterError,
    InboxAuthor,
    InboxItem,
    InboxKind,
    OutgoingPost,
    PlatformAdapter,
    PlatformConfig,
    Rejected,
    code_challenge_s256,
    oauth_authorization,
    path_segment,
    post_first_comment,
)

CONFIG = PlatformConfig(client_id="app-1", redirect_uri="https://ripple.example/cb")


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_registered_adapter_satisfies_the_contract(kind: str) -> None:
    cls = adapter_class(kind)
    assert isinstance(cls(PlatformConfig()), PlatformAdapter)
    assert cls.kind == kind
    # delete_post is the platform's own, not a shared default that a new adapter inherits.
    owner = next(klass for klass in cls.__mro__ if "delete_post" in vars(klass))
    assert owner.__module__.startswith(f"channels_app.adapters.{kind}."), owner


def test_path_segment_encodes_one_segment_and_refuses_nothing() -> None:
    assert path_segment("urn:li:share:1") == "urn%3Ali%3Ashare%3A1"
    assert path_segment("1/../2") == "1%2F..%2F2"
    for empty in ("", "  "):
        with pytest.raises(Rejected):
            path_segment(empty)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_oauth_authorization_without_pkce() -> None:
    req = oauth_authorization(
        "https://auth.example/authorize", CONFIG, state="st", scope="a,b", code_verifier=None
    )
    assert req.url.startswith("https://auth.example/authorize?")
    assert query(req.url) == {
        "response_type": ["code"],
        "client_id": ["app-1"],
        "redirect_uri": ["https://ripple.example/cb"],
        "scope": ["a,b"],
        "state": ["st"],
    }
    assert req.state == "st" and req.code_verifier is None


def test_oauth_authorization_with_pkce_keeps_the_verifier() -> None:
    req = oauth_authorization(
        "https://auth.example/authorize", CONFIG, state="st", scope="a b", code_verifier="v" * 50
    )
    params = query(req.url)
    assert params["code_challenge"] == [code_challenge_s256("v" * 50)]
    assert params["code_challenge_method"] == ["S256"]
    assert "scope=a+b" in req.url
    assert req.code_verifier == "v" * 50


def post(**kw: object) -> tuple[OutgoingPost, dict[str, str]]:
    recorded: dict[str, str] = {}
    return OutgoingPost(
        text="Hi", idempotency_key="k", record_step=recorded.__setitem__, **kw
    ), recorded


def test_first_comment_is_made_once_and_recorded() -> None:
    outgoing, recorded = post(first_comment="More below")
    made: list[str] = []
    assert post_first_comment(outgoing, lambda text: made.append(text) or "c1") == ("c1", "")
    assert made == ["More below"] and recorded == {"first_comment": "c1"}


def never(text: str) -> str:
    raise AssertionError(f"no comment should be made ({text!r})")


def test_first_comment_recorded_earlier_is_not_made_again() -> None:
    outgoing, _ = post(first_comment="More below", steps={"first_comment": "c0"})
    assert post_first_comment(outgoing, never) == ("c0", "")


def test_no_first_comment_makes_nothing() -> None:
    outgoing, recorded = post()
    assert post_first_comment(outgoing, never) == (None, "")
    assert recorded == {}


def test_a_failed_first_comment_is_reported_not_raised() -> None:
    outgoing, recorded = post(first_comment="More below")

    def refuse(text: str) -> str:
        raise AdapterError("comments are off")

    assert post_first_comment(outgoing, refuse) == (None, "comments are off")
    assert recorded == {}


def test_text_with_link_appends_a_missing_link_only() -> None:
    assert OutgoingPost(text="Hi", idempotency_key="k", link="https://l.example").text_with_link(
        "\n\n"
    ) == ("Hi\n\nhttps://l.example")
    assert OutgoingPost(text="", idempotency_key="k", link="https://l").text_with_link() == (
        "https://l"
    )
    assert OutgoingPost(text="See https://l", idempotency_key="k", link="https://l").text_with_link(
        "\n\n"
    ) == ("See https://l")


class Example(http.HttpAdapter):
    DEFAULT_URLS = {"api": "https://api.example", "web": "https://example"}


def test_http_adapter_start_overrides_urls_by_name_and_keeps_a_given_session() -> None:
    session = requests.Session()
    adapter = Example(PlatformConfig(urls={"api": "http://stand-in"}), session)
    assert adapter.urls == {"api": "http://stand-in", "web": "https://example"}
    assert adapter.session is session
    assert Example(PlatformConfig()).session.headers["User-Agent"] == http.USER_AGENT


def test_load_cursor_reads_only_string_state() -> None:
    assert http.load_cursor(None) == {}
    assert http.load_cursor("not json") == {}
    assert http.load_cursor("[1, 2]") == {}
    assert http.load_cursor('{"n": "2026-11-29T10:00:00+00:00", "x": 3}') == {
        "n": "2026-11-29T10:00:00+00:00"
    }


def item(external_id: str, kind: InboxKind, minute: int) -> InboxItem:
    return InboxItem(
        external_id=external_id,
        kind=kind,
        author=InboxAuthor(external_id="fan"),
        text=external_id,
        created_at=datetime(2026, 11, 29, 10, minute, tzinfo=UTC),
    )


def test_meta_inbox_merges_oldest_first_and_moves_each_cursor_forward() -> None:
    cursor = json.dumps({"comments": "2026-11-29T10:01:00+00:00"})
    seen: list[datetime | None] = []

    def comments(since: datetime | None) -> list[InboxItem | None]:
        seen.append(since)
        return [item("old", "comment", 1), None, item("c2", "comment", 5)]

    page = meta.fetch_inbox(
        cursor,
        comments=comments,
        messages=lambda: [item("m1", "message", 3)],
        limit=50,
    )
    assert seen == [datetime(2026, 11, 29, 10, 1, tzinfo=UTC)]
    assert [i.external_id for i in page.items] == ["m1", "c2"]
    assert json.loads(page.cursor or "") == {
        "comments": "2026-11-29T10:05:00+00:00",
        "messages": "2026-11-29T10:03:00+00:00",
    }


@time_machine.travel(datetime(2026, 11, 29, 12, 0, tzinfo=UTC), tick=False)
def test_meta_inbox_first_poll_keeps_the_latest_and_starts_empty_cursors_now() -> None:
    page = meta.fetch_inbox(
        None,
        comments=lambda since: [item(f"c{m}", "comment", m) for m in range(5)],
        messages=lambda: [],
        limit=2,
    )
    assert [i.external_id for i in page.items] == ["c3", "c4"]
    assert json.loads(page.cursor or "") == {"comments": "2026-11-29T10:04:00+00:00"}
    empty = meta.fetch_inbox(None, comments=lambda since: [], messages=lambda: [], limit=2)
    assert json.loads(empty.cursor or "") == {
        "comments": "2026-11-29T12:00:00+00:00",
        "messages": "2026-11-29T12:00:00+00:00",
    }
