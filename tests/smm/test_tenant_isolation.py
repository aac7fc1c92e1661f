"""Generic tenant isolation: every URL pattern of ours that takes a workspace or an object id
answers 404 to a member of another workspace, for every HTTP method. The test walks the URL
conf, so a route added later is covered automatically; a route whose arguments it cannot build
makes it fail (teach it the new argument in ARGUMENT_BUILDERS)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from channels_app.models import Channel, PendingConnection, PostingSlot
from smm.models import ApiToken, Invitation, Membership, Role, User, Workspace
from smm.services import api_token_create, invitation_create
from smm.tenancy import WorkspaceAPIView
from tests.factories import ChannelFactory

# Third-party route trees that hold no tenant data of ours.
FOREIGN_PREFIXES = (
    "admin/",
    "accounts/",
    "api/schema",
    "api/docs",
    "api/redoc",
    "static/",
    "media/",
)
# Arguments that are not object references (they never point at tenant data).
NON_TENANT_ARGUMENTS = {
    "token",  # invitation links: unguessable by design, tested separately
    "platform",  # a platform name; the OAuth callback is tested in tests/channels_app
    "kind",  # a platform name (the public rules registry)
    "fit",  # "crop" or "pad" (media renditions)
    "code",  # public short links /l/<code>: unguessable by design, tested in tests/content
}


@dataclass
class Victim:
    workspace: Workspace
    owner: User
    membership: Membership
    invitation: Invitation
    api_token: ApiToken
    channel: Channel
    slot: PostingSlot
    pending: PendingConnection
    content: dict[str, Any]


ARGUMENT_BUILDERS: dict[str, Callable[[Victim], Any]] = {
    "slug": lambda v: v.workspace.slug,
    "member_id": lambda v: v.membership.pk,
    "invitation_id": lambda v: v.invitation.pk,
    "token_id": lambda v: v.api_token.pk,
    "platform": lambda v: "mastodon",
    "channel_id": lambda v: v.channel.pk,
    "slot_id": lambda v: v.slot.pk,
    "pending_id": lambda v: v.pending.pk,
    "post_id": lambda v: v.content["post"].pk,
    "target_id": lambda v: v.content["target"].pk,
    "comment_id": lambda v: v.content["comment"].pk,
    "review_link_id": lambda v: v.content["review_link"].pk,
    "media_id": lambda v: v.content["media"].pk,
    "campaign_id": lambda v: v.content["campaign"].pk,
    "group_id": lambda v: v.content["group"].pk,
    "snippet_id": lambda v: v.content["snippet"].pk,
    "link_id": lambda v: v.content["link"].pk,
    "key_id": lambda v: v.content["key"].pk,
    "batch_id": lambda v: v.content["batch"].pk,
    "notification_id": lambda v: v.content["notification"].pk,
    "fit": lambda v: "crop",
    "token": lambda v: "an-unknown-token",
}


def _walk(resolvers: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolvers:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def tenant_routes() -> list[tuple[str, URLPattern]]:
    routes = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(FOREIGN_PREFIXES) or route.startswith("^"):
            continue
        arguments = set(pattern.pattern.regex.groupindex)
        if arguments - NON_TENANT_ARGUMENTS:
            routes.append((route, pattern))
    return routes


def _build_path(route: str, pattern: URLPattern, victim: Victim) -> str:
    path = "/" + route
    for name in pattern.pattern.regex.groupindex:
        builder = ARGUMENT_BUILDERS.get(name)
        if builder is None:
            pytest.fail(f"{route}: no way to build argument {name!r}; add it to ARGUMENT_BUILDERS")
        converter = pattern.pattern.converters.get(name)
        placeholder = f"<{type(converter).__name__.replace('Converter', '').lower()}:{name}>"
        value = str(builder(victim))
        for candidate in (
            placeholder,
            f"<{name}>",
            f"<str:{name}>",
            f"<int:{name}>",
            f"<slug:{name}>",
        ):
            path = path.replace(candidate, value)
    assert "<" not in path, f"could not fill {route}"
    return path


@pytest.fixture
def victim(alice: User, workspace: Workspace) -> Victim:
    membership = Membership.objects.get(workspace=workspace, user=alice)
    sent = invitation_create(
        workspace=workspace, email="new@example.com", role=Role.EDITOR, by=membership
    )
    token = api_token_create(user=alice, name="ci").token
    channel = ChannelFactory(workspace=workspace)
    slot = PostingSlot.objects.create(
        workspace=workspace, channel=channel, weekday=0, time=dt.time(9, 0)
    )
    pending = PendingConnection.objects.create(
        workspace=workspace,
        user=alice,
        platform="facebook",
        payload="[]",
        expires_at=timezone.now() + dt.timedelta(minutes=5),
    )
    return Victim(
        workspace,
        alice,
        membership,
        sent.invitation,
        token,
        channel,
        slot,
        pending,
        _content(workspace, alice, channel),
    )


def _content(workspace: Workspace, alice: User, channel: Channel) -> dict[str, Any]:
    """One of every content object, owned by the victim's workspace."""
    from django.core.files.base import ContentFile

    from content import models as c
    from smm.models import Notification

    campaign = c.Campaign.objects.create(
        workspace=workspace, name="Spring", slug="spring", objective="awareness"
    )
    media = c.MediaAsset(
        workspace=workspace,
        kind="image",
        content_type="image/png",
        size=3,
        sha256="0" * 64,
        width=1,
        height=1,
    )
    media.file.save("victim.png", ContentFile(b"png"), save=False)
    media.save()
    post = c.Post.objects.create(workspace=workspace, author=alice, text="Secret plans")
    target = c.PostTarget.objects.create(workspace=workspace, post=post, channel=channel)
    comment = c.PostComment.objects.create(post=post, author=alice, author_label="A", body="hi")
    review_link = c.ReviewLink.objects.create(
        workspace=workspace,
        post=post,
        reviewer_name="Client",
        token_hash="1" * 64,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    link = c.ShortLink.objects.create(
        workspace=workspace,
        code="victim01",
        original_url="https://example.com/",
        destination_url="https://example.com/?utm_source=x",
        target=target,
    )
    return {
        "campaign": campaign,
        "media": media,
        "post": post,
        "target": target,
        "comment": comment,
        "review_link": review_link,
        "group": c.HashtagGroup.objects.create(workspace=workspace, name="g", hashtags=["a"]),
        "snippet": c.Snippet.objects.create(workspace=workspace, name="s", body="b"),
        "link": link,
        "key": c.TrackingKey.objects.create(
            workspace=workspace, name="shop", lookup_prefix="abc", key_hash="2" * 64
        ),
        "batch": c.ImportBatch.objects.create(workspace=workspace, filename="a.csv", content=""),
        "notification": Notification.objects.create(
            workspace=workspace, recipient=alice, kind="post.approved", message="m"
        ),
    }


def test_the_walker_finds_our_routes() -> None:
    routes = {route for route, _ in tenant_routes()}
    assert "w/<slug:slug>/members/" in routes
    assert "api/v1/workspaces/<slug:slug>/members/<int:member_id>/" in routes


@pytest.mark.parametrize("route,pattern", tenant_routes(), ids=[r for r, _ in tenant_routes()])
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_outsider_gets_404(
    client, mallory: User, victim: Victim, route: str, pattern: URLPattern, method: str
) -> None:
    client.force_login(mallory)
    path = _build_path(route, pattern, victim)
    response = (
        getattr(client, method)(path, content_type="application/json")
        if method in ("patch", "delete")
        else getattr(client, method)(path)
    )
    if response.status_code == 405:
        return  # the route does not take this method at all: nothing can leak
    assert response.status_code == 404, f"{method.upper()} {path} answered {response.status_code}"


# The attacker's walk: their own workspace in the URL, the victim's object ids after it ---------
#
# The walk above puts the victim's slug in the URL, so the membership check answers 404 before
# any object is looked up. The classic hole is the other one: /w/<mine>/posts/<their id>/, where
# the attacker is a member (an owner, even) and only the object lookup can refuse. Every route
# with a workspace slug and an object id is walked so, with GET and every write method it takes.

WRITE_METHODS = ("post", "put", "patch", "delete")


def object_routes() -> list[tuple[str, URLPattern]]:
    """Routes with a workspace slug and at least one object id besides it (web and API)."""
    routes = []
    for route, pattern in tenant_routes():
        arguments = set(pattern.pattern.regex.groupindex)
        if "slug" in arguments and arguments - NON_TENANT_ARGUMENTS - {"slug"}:
            routes.append((route, pattern))
    return routes


def _attacker_path(route: str, pattern: URLPattern, victim: Victim, slug: str) -> str:
    """`route` filled with the victim's object ids but `slug` (the attacker's workspace)."""
    path = _build_path(route, pattern, victim)
    prefix, rest = ("/api/v1/workspaces/", path[len("/api/v1/workspaces/") :])
    if not path.startswith(prefix):
        prefix, rest = "/w/", path[len("/w/") :]
    assert path.startswith(prefix), f"{route}: a slug outside /w/ and /api/v1/workspaces/"
    assert rest.startswith(victim.workspace.slug + "/"), f"{route}: the slug is not first"
    return prefix + slug + rest[len(victim.workspace.slug) :]


def _methods_taken(pattern: URLPattern) -> list[str]:
    """GET and the write methods the route takes. A WorkspaceAPIView refuses a method it does
    not list with 403 before DRF could say 405, so its methods come from the class; a page is
    asked every method and a 405 skips it."""
    view_class = getattr(pattern.callback, "view_class", None)
    if isinstance(view_class, type) and issubclass(view_class, WorkspaceAPIView):
        return [
            method
            for method in ("get", *WRITE_METHODS)
            if hasattr(view_class, method) and method.upper() in view_class.actions
        ]
    return ["get", *WRITE_METHODS]


def _victim_objects(victim: Victim) -> list[Any]:
    return [
        victim.workspace,
        victim.membership,
        victim.invitation,
        victim.api_token,
        victim.channel,
        victim.slot,
        victim.pending,
        *victim.content.values(),
    ]


def _snapshot(objects: list[Any]) -> dict[str, dict[str, Any] | None]:
    """Each object's stored fields (None once it is gone), to prove nothing was changed."""
    state: dict[str, dict[str, Any] | None] = {}
    for obj in objects:
        row = type(obj)._base_manager.filter(pk=obj.pk).values().first()
        state[f"{type(obj).__name__}:{obj.pk}"] = row
    return state


def test_the_attacker_walk_covers_web_and_api_object_routes() -> None:
    routes = {route for route, _ in object_routes()}
    assert "w/<slug:slug>/channels/<int:channel_id>/" in routes
    assert "w/<slug:slug>/members/<int:member_id>/remove/" in routes
    assert "api/v1/workspaces/<slug:slug>/channels/<int:channel_id>/" in routes
    assert any(route.startswith("w/") and "<int:post_id>" in route for route in routes)
    assert "w/<slug:slug>/members/" not in routes  # no object id: the walk above covers it


@pytest.mark.parametrize("route,pattern", object_routes(), ids=[r for r, _ in object_routes()])
def test_attacker_with_own_slug_gets_404_for_victims_objects(
    client,
    mallory: User,
    other_workspace: Workspace,
    victim: Victim,
    route: str,
    pattern: URLPattern,
) -> None:
    client.force_login(mallory)
    path = _attacker_path(route, pattern, victim, other_workspace.slug)
    before = _snapshot(_victim_objects(victim))
    answered = []
    for method in _methods_taken(pattern):
        response = (
            getattr(client, method)(path, content_type="application/json")
            if method in ("put", "patch", "delete")
            else getattr(client, method)(path)
        )
        if response.status_code == 405:
            continue  # the route does not take this method at all
        answered.append(method)
        assert response.status_code == 404, (
            f"{method.upper()} {path} answered {response.status_code}: the attacker's own "
            "workspace slug with the victim's object ids must be a 404"
        )
    assert answered, f"{path} took no method at all"
    assert _snapshot(_victim_objects(victim)) == before, f"{path} changed the victim's objects"
