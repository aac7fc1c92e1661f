"""In-app notifications (and their e-mails): the kinds apps register, each person's e-mail
preference per kind, writing notifications, reading them, marking them read.

Apps register their kinds in a `notifications` module of their own (`content/notifications.py`)
with `notification_kind_register`; the kernel finds those modules itself (Django's
`autodiscover_modules`), so it names no app. Services call `notify(...)` when something needs a
person's attention (a post to approve, a comment, a channel to reconnect). Each notification is
written in its recipient's language; it always shows in the app and, as the recipient chose for
its kind (else the kind's default), is e-mailed through `smm.mail.email_send` after the commit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

from smm.mail import absolute_url, email_send
from smm.models import Notification, NotificationPreference, User, Workspace

logger = logging.getLogger(__name__)

# The unread count shown in every page's header is cached, so the badge costs no query.
# The cache is shared by every web process (file-based or Redis); writes here invalidate it.
UNREAD_CACHE_SECONDS = 300
MESSAGE_MAX_LENGTH = Notification._meta.get_field("message").max_length or 500
KIND_MAX_LENGTH = Notification._meta.get_field("kind").max_length or 64
DEFAULT_EMAIL_TEMPLATES = (
    "smm/email/notification_subject.txt",
    "smm/email/notification_message.txt",
)


# Kinds -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationKind:
    """One kind of notification: `key` is the dotted name services pass to `notify`, `label`
    what a person reads on the preferences form, `email_default` whether it is e-mailed to
    those who did not choose. `email_templates` (subject, body) replace the generic e-mail; they
    get the generic context plus the notification's `params`."""

    key: str
    label: str | Promise
    email_default: bool = True
    email_templates: tuple[str, str] = DEFAULT_EMAIL_TEMPLATES


_KINDS: dict[str, NotificationKind] = {}
_discovered = threading.Event()
_discovery_lock = threading.Lock()


def notification_kind_register(
    key: str,
    label: str | Promise,
    *,
    email_default: bool = True,
    email_templates: tuple[str, str] | None = None,
) -> NotificationKind:
    """Register a kind of notification (call it from your app's `notifications` module).

    `label` should be translatable (gettext_lazy). Registering the same key again replaces it
    (a module reloaded in development). Raises ValueError for a key longer than the column.
    """
    if not key or len(key) > KIND_MAX_LENGTH:
        raise ValueError(f"A notification kind needs a key of 1 to {KIND_MAX_LENGTH} characters")
    kind = NotificationKind(
        key=key,
        label=label,
        email_default=email_default,
        email_templates=email_templates or DEFAULT_EMAIL_TEMPLATES,
    )
    _KINDS[key] = kind
    return kind


def _discover() -> None:
    # Lazily, on first use: importing apps' modules at import time of the kernel would cycle.
    if _discovered.is_set():
        return
    with _discovery_lock:
        if not _discovered.is_set():
            autodiscover_modules("notifications")
            _discovered.set()


def notification_kinds() -> list[NotificationKind]:
    """Every registered kind, in the order of their keys."""
    _discover()
    return [_KINDS[key] for key in sorted(_KINDS)]


def notification_kind_get(key: str) -> NotificationKind | None:
    """The registered kind `key`, or None."""
    _discover()
    return _KINDS.get(key)


# Preferences -----------------------------------------------------------------------------------


def notification_email_preferences(*, user: User) -> dict[str, bool]:
    """For every registered kind, whether `user` gets it by e-mail (their choice, else the
    kind's default)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "email"))
    return {kind.key: chosen.get(kind.key, kind.email_default) for kind in notification_kinds()}


@transaction.atomic
def notification_preferences_update(*, user: User, email: dict[str, bool]) -> None:
    """Store `user`'s choice of e-mail (True) or in-app only (False) per kind key.

    Raises ValueError for a key that is not a registered kind. Side effect: one row per kind in
    `email` (updated in place when it exists)."""
    unknown = sorted(key for key in email if notification_kind_get(key) is None)
    if unknown:
        raise ValueError(f"Unknown notification kinds: {', '.join(unknown)}")
    for key, wanted in email.items():
        NotificationPreference.objects.update_or_create(
            user=user, kind=key, defaults={"email": bool(wanted)}
        )


def _emailed_recipients(users: Iterable[User], kind: str) -> set[int]:
    """The ids of `users` who get `kind` by e-mail: one query, whatever their number."""
    registered = notification_kind_get(kind)
    default = registered.email_default if registered is not None else True
    users = list(users)
    chosen = dict(
        NotificationPreference.objects.filter(user__in=users, kind=kind).values_list(
            "user_id", "email"
        )
    )
    return {user.pk for user in users if chosen.get(user.pk, default)}


# Writing ---------------------------------------------------------------------------------------


def _unread_cache_key(user: User) -> str:
    # The join time is part of the key: a recreated user with a reused id never sees a stale count.
    joined = int(user.date_joined.timestamp() * 1_000_000) if user.date_joined else 0
    return f"smm:notifications:unread:{user.pk}:{joined}"


def _forget_unread_counts(users: Iterable[User]) -> None:
    keys = [_unread_cache_key(user) for user in users]
    if keys:
        transaction.on_commit(partial(cache.delete_many, keys))


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
    repeated recipients are skipped. With `email`, each recipient who wants `kind` by e-mail
    (their preference, else the kind's default) gets one in their language with the absolute
    link, sent after the surrounding transaction commits; a failure to send is logged, the
    in-app notification stands. A `kind` nobody registered is logged and e-mailed as before.
    """
    if notification_kind_get(kind) is None:
        logger.warning("notification kind %r is not registered", kind)
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
            emailed = _emailed_recipients(unique.values(), kind)
            for notification in created:
                if notification.recipient_id in emailed:
                    _send_email(notification, params or {})
    return created


def _send_email(notification: Notification, params: dict[str, Any]) -> bool:
    """E-mail one notification to its recipient in their language, after the commit."""
    user = notification.recipient
    workspace = notification.workspace
    registered = notification_kind_get(notification.kind)
    subject_template, body_template = (
        registered.email_templates if registered is not None else DEFAULT_EMAIL_TEMPLATES
    )
    return email_send(
        to=[user.email],
        subject_template=subject_template,
        body_template=body_template,
        context={
            "notification": notification,
            "workspace": workspace,
            "recipient": user,
            "params": {key: str(value) for key, value in params.items()},
            "url": absolute_url(notification.url),
            "all_url": absolute_url(reverse("smm:notifications")),
        },
        language=_language_for(user, workspace),
        purpose=f"notification {notification.pk}",
    )


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
