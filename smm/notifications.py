"""In-app notifications (and their e-mails): writing them, reading them, marking them read.

Other areas call `notify(...)` from their services when something needs a person's attention
(a post to approve, a comment, a failed publication). Each notification is written in its
recipient's language when it is created, and e-mailed to them after the transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from smm.models import Notification, User, Workspace

logger = logging.getLogger(__name__)

# The unread count shown in every page's header is cached, so the badge costs no query.
# The cache is shared by every web process (file-based or Redis); writes here invalidate it.
UNREAD_CACHE_SECONDS = 300
MESSAGE_MAX_LENGTH = Notification._meta.get_field("message").max_length or 500


def _unread_cache_key(user: User) -> str:
    # The join time is part of the key: a recreated user with a reused id never sees a stale count.
    joined = int(user.date_joined.timestamp() * 1_000_000) if user.date_joined else 0
    return f"smm:notifications:unread:{user.pk}:{joined}"


def _forget_unread_counts(users: Iterable[User]) -> None:
    keys = [_unread_cache_key(user) for user in users]
    if keys:
        transaction.on_commit(partial(cache.delete_many, keys))


def absolute_url(url: str) -> str:
    """`url` as a link that works from an e-mail: site-relative paths get `SITE_URL` in front."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + (url if url.startswith("/") else "/" + url)


def _render(message: str | Promise, params: dict[str, Any] | None) -> str:
    text = str(message)
    if params:
        text = text % {key: str(value) for key, value in params.items()}
    if len(text) > MESSAGE_MAX_LENGTH:
        text = text[: MESSAGE_MAX_LENGTH - 1] + "…"
    return text


def _language_for(user: User, workspace: Workspace) -> str:
    return user.language or workspace.language or settings.LANGUAGE_CODE


def notify(
    *,
    workspace: Workspace,
    recipients: Iterable[User],
    kind: str,
    message: str | Promise,
    params: dict[str, Any] | None = None,
    url: str = "",
    actor: User | None = None,
    email: bool = True,
    exclude: Iterable[User] | None = None,
) -> list[Notification]:
    """Tell each of `recipients` about something in `workspace`; returns the notifications made.

    `message` is a (lazy) translatable text with `%(name)s` placeholders filled from `params`;
    it is rendered in each recipient's language (their own, else the workspace's). `kind` is a
    dotted name for machines (`post.submitted`). `url` is where the notification leads, usually
    a site-relative path. The `actor` himself, everyone in `exclude`, inactive users and
    repeated recipients are skipped. With `email`, each recipient gets an e-mail in their
    language with the absolute link, sent after the surrounding transaction commits; a failure
    to send is logged, the in-app notification stands.
    """
    skipped = {user.pk for user in exclude or ()}
    if actor is not None:
        skipped.add(actor.pk)
    unique: dict[int, User] = {}
    for user in recipients:
        if user.pk not in skipped and user.pk not in unique and user.is_active:
            unique[user.pk] = user
    if not unique:
        return []
    actor_label = actor.display_name if actor is not None else ""
    created: list[Notification] = []
    with transaction.atomic():
        for user in unique.values():
            with translation.override(_language_for(user, workspace)):
                text = _render(message, params)
            created.append(
                Notification(
                    workspace=workspace,
                    recipient=user,
                    kind=kind[:64],
                    message=text,
                    url=url[:500],
                    actor_label=actor_label[:254],
                )
            )
        Notification.objects.bulk_create(created)
        _forget_unread_counts(unique.values())
        if email:
            for notification in created:
                transaction.on_commit(partial(_send_email, notification))
    return created


def _send_email(notification: Notification) -> bool:
    """E-mail one notification to its recipient, in their language. Returns whether it went."""
    user = notification.recipient
    workspace = notification.workspace
    context = {
        "notification": notification,
        "workspace": workspace,
        "recipient": user,
        "url": absolute_url(notification.url),
        "all_url": absolute_url(reverse("smm:notifications")),
    }
    with translation.override(_language_for(user, workspace)):
        subject = render_to_string("smm/email/notification_subject.txt", context)
        body = render_to_string("smm/email/notification_message.txt", context)
    subject = " ".join(subject.split())  # a header must be one line
    try:
        send_mail(subject, body, None, [user.email])
    except Exception:
        # SMTP fails in many ways (refused, timeout, TLS); the in-app notification stands.
        logger.exception("could not e-mail notification %s", notification.pk)
        return False
    return True


# Reads -----------------------------------------------------------------------------------------


def notification_list_for_user(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The notifications of `user` across their workspaces, newest first, with the workspace."""
    qs = Notification.objects.filter(recipient=user).select_related("workspace")
    if unread_only:
        qs = qs.unread()
    return qs.order_by("-created_at", "-pk")


def notification_get_for_user(*, user: User, notification_id: int) -> Notification:
    """One notification of `user`. Raises Notification.DoesNotExist for anybody else's."""
    return Notification.objects.select_related("workspace").get(recipient=user, pk=notification_id)


def notification_unread_count(*, user: User) -> int:
    """How many unread notifications `user` has (cached; writes here keep the cache true)."""
    key = _unread_cache_key(user)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(recipient=user).unread().count()
        cache.set(key, count, UNREAD_CACHE_SECONDS)
    return int(count)


# Writes ----------------------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (a no-op when it is already read)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
        _forget_unread_counts([notification.recipient])
    return notification


@transaction.atomic
def notification_mark_all_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark `user`'s unread notifications read: all of them, or those of `ids` (ids of other
    people's notifications are ignored). Returns how many changed."""
    qs = Notification.objects.filter(recipient=user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    changed = qs.update(read_at=timezone.now())
    if changed:
        _forget_unread_counts([user])
    return changed
