"""Writes of the channels area: connecting accounts, the token vault, health, guidelines, slots.

Only these functions call adapters for channel management; they decide the policy (retry later,
mark "needs reconnect", notify the admins) and write the outcome back to the Channel row.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_app import platforms
from channels_app.adapters import adapter_class
from channels_app.adapters.base import (
    AccountProfile,
    AdapterError,
    AuthExpired,
    ConnectableAccount,
    Credentials,
    RateLimited,
    Rejected,
    new_code_verifier,
    new_state,
    renews,
)
from channels_app.hosts import check_public_url
from channels_app.models import (
    Channel,
    ChannelGuidelines,
    MastodonApp,
    PendingConnection,
    Platform,
    PostingSlot,
    refresh_due,
)
from smm.models import Role, User, Workspace
from smm.notifications import notify
from smm.selectors import memberships_at_least
from smm.services import activity_record

logger = logging.getLogger(__name__)

PENDING_LIFETIME = timedelta(minutes=15)
# A failing refresh is retried this often before the channel is given up as "needs reconnect",
# unless the token has already expired (then at once).
REFRESH_RETRY_DELAYS = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
# How long a claimed refresh is leased to one worker before the sweep may hand it out again.
REFRESH_LEASE = timedelta(minutes=10)
# A token that cannot be renewed is flagged on the channel page this long before it expires.
EXPIRY_WARNING = timedelta(days=7)


# Credentials -------------------------------------------------------------------------------------


def channel_credentials(channel: Channel) -> Credentials:
    """The adapter credentials of a channel, decrypted. Never log or display the result."""
    return Credentials(
        account_id=channel.external_id,
        access_token=channel.access_token,
        refresh_token=channel.refresh_token or None,
        expires_at=channel.token_expires_at,
        refresh_expires_at=channel.refresh_expires_at,
        instance_url=channel.instance_url or None,
        scopes=tuple(channel.scopes or ()),
        extra=dict(channel.extra or {}),
    )


def channel_adapter(channel: Channel) -> Any:
    """The adapter that speaks for `channel` (on federated platforms: with the app keys that
    channel's server issued to us)."""
    return _adapter_for(channel.platform, channel.instance_url, register=False)


def _adapter_for(platform: str, instance_url: str = "", *, register: bool = True) -> Any:
    """The adapter for `platform`; on federated platforms with our app keys on `instance_url`,
    registering the app there first when `register` (connecting) and it is not yet."""
    if adapter_class(platform).connect_method != "instance_oauth":
        return platforms.adapter_for(platform)
    if register and instance_url:
        app: MastodonApp | None = instance_app_for(instance_url)
    else:
        app = MastodonApp.objects.filter(instance_url=instance_url).first()
    config = platforms.platform_config(
        platform,
        client_id=app.client_id if app else "",
        client_secret=app.client_secret if app else "",
    )
    return platforms.adapter_for(platform, config)


def _store_credentials(channel: Channel, creds: Credentials, *, now: datetime) -> None:
    channel.access_token = creds.access_token
    channel.refresh_token = creds.refresh_token or ""
    channel.token_expires_at = creds.expires_at
    channel.refresh_expires_at = creds.refresh_expires_at
    channel.token_refreshed_at = now
    channel.token_renews = renews(adapter_class(channel.platform), creds)
    # Renewable or not, the sweep looks at an expiring token at half its lifetime: it renews it,
    # or (when it cannot be renewed) checks it and keeps watching until a person reconnects.
    channel.refresh_due_at = refresh_due(now, creds.expires_at)
    if creds.scopes:
        channel.scopes = list(creds.scopes)
    if creds.instance_url:
        channel.instance_url = creds.instance_url
    channel.extra = {**(channel.extra or {}), **dict(creds.extra)}


def _apply_profile(channel: Channel, profile: AccountProfile) -> None:
    channel.handle = profile.handle[:255]
    channel.display_name = profile.name[:255]
    channel.avatar_url = profile.avatar_url[:1000]
    channel.profile_url = profile.url[:1000]
    if profile.followers is not None:
        channel.followers_count = profile.followers


# Connecting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectStart:
    """Where to send the browser, and what the callback needs (kept in the session)."""

    url: str
    state: str
    pending: dict[str, Any]


def _require_set_up(kind: str) -> platforms.PlatformAvailability:
    if kind not in Platform.values:
        raise ValidationError(_("Unknown platform."))
    available = platforms.availability(kind)
    if not available.has_adapter:
        raise ValidationError(
            _("Ripple cannot connect %(platform)s accounts yet.") % {"platform": available.name}
        )
    if not available.is_set_up:
        raise ValidationError(
            _("%(platform)s is not set up on this server; ask your administrator.")
            % {"platform": available.name}
        )
    return available


def instance_app_for(instance_url: str) -> MastodonApp:
    """Our app registration on a Mastodon server, registering it there on first use.

    Raises AdapterError subclasses when the server cannot be reached or refuses."""
    redirect = platforms.redirect_uri("mastodon")
    app = MastodonApp.objects.filter(instance_url=instance_url, redirect_uri=redirect).first()
    if app is not None:
        return app
    adapter = platforms.adapter_for("mastodon")
    client_id, client_secret = adapter.register_app(
        instance_url, client_name="Ripple", website=settings.SITE_URL
    )
    try:
        return MastodonApp.objects.create(
            instance_url=instance_url,
            redirect_uri=redirect,
            client_id=client_id,
            client_secret=client_secret,
        )
    except IntegrityError:  # another request registered it at the same moment
        return MastodonApp.objects.get(instance_url=instance_url, redirect_uri=redirect)


def channel_connect_start(
    *, workspace: Workspace, by: User, platform: str, instance: str = ""
) -> ConnectStart:
    """Begin connecting an OAuth platform: the authorization URL and the state to keep.

    Raises ValidationError (platform not set up, bad Mastodon server) with a sentence for the user.
    """
    available = _require_set_up(platform)
    state = new_state()
    instance_url = ""
    if available.connect_method == "instance_oauth":
        from channels_app.adapters.mastodon import normalize_instance_url

        try:
            instance_url = normalize_instance_url(instance)
            check_public_url(instance_url, field="instance")
            adapter = _adapter_for(platform, instance_url)
        except AdapterError as exc:
            raise ValidationError(
                {"instance": _("Could not use that server: %(reason)s") % {"reason": exc.message}}
            ) from exc
    elif available.connect_method == "oauth":
        adapter = platforms.adapter_for(platform)
    else:
        raise ValidationError(_("This platform does not connect through a login page."))
    verifier = new_code_verifier() if adapter.uses_pkce else None
    request = adapter.authorization_request(
        state=state, code_verifier=verifier, instance_url=instance_url or None
    )
    return ConnectStart(
        url=request.url,
        state=state,
        pending={
            "workspace": workspace.slug,
            "platform": platform,
            "user": by.pk,
            "verifier": verifier,
            "instance_url": instance_url,
            "started": timezone.now().isoformat(),
        },
    )


def _encode_accounts(accounts: list[ConnectableAccount]) -> str:
    def default(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        raise TypeError(type(value))

    return json.dumps([asdict(a) for a in accounts], default=default)


def _decode_accounts(payload: str) -> list[ConnectableAccount]:
    accounts = []
    for item in json.loads(payload):
        creds = dict(item["credentials"])
        for key in ("expires_at", "refresh_expires_at"):
            creds[key] = datetime.fromisoformat(creds[key]) if creds.get(key) else None
        creds["scopes"] = tuple(creds.get("scopes") or ())
        accounts.append(
            ConnectableAccount(
                credentials=Credentials(**creds), profile=AccountProfile(**item["profile"])
            )
        )
    return accounts


@dataclass(frozen=True)
class ConnectOutcome:
    channels: list[Channel]
    pending: PendingConnection | None  # several accounts: the user picks


def channel_connect_complete(
    *,
    workspace: Workspace,
    by: User,
    platform: str,
    code: str,
    code_verifier: str | None,
    instance_url: str = "",
) -> ConnectOutcome:
    """Finish an OAuth connection: exchange the code and connect the account.

    One account: connected at once (or reconnected, when it was connected before). Several (Pages,
    organizations): a PendingConnection for the user to choose from. Raises ValidationError with the
    platform's reason when the exchange fails."""
    _require_set_up(platform)
    adapter = _adapter_for(platform, instance_url)
    try:
        accounts = adapter.exchange_code(
            code=code, code_verifier=code_verifier, instance_url=instance_url or None
        )
    except AdapterError as exc:
        raise ValidationError(
            _("%(platform)s did not complete the connection: %(reason)s")
            % {"platform": Platform(platform).label, "reason": exc.message}
        ) from exc
    if not accounts:
        raise ValidationError(
            _("This login gave Ripple access to no account on %(platform)s.")
            % {"platform": Platform(platform).label}
        )
    if len(accounts) == 1:
        channel = channel_store_account(
            workspace=workspace, platform=platform, account=accounts[0], by=by
        )
        return ConnectOutcome(channels=[channel], pending=None)
    pending = PendingConnection.objects.create(
        workspace=workspace,
        user=by,
        platform=platform,
        payload=_encode_accounts(accounts),
        instance_url=instance_url,
        expires_at=timezone.now() + PENDING_LIFETIME,
    )
    return ConnectOutcome(channels=[], pending=pending)


def pending_accounts(pending: PendingConnection) -> list[ConnectableAccount]:
    return _decode_accounts(pending.payload)


@transaction.atomic
def channel_connect_pending(
    *, pending: PendingConnection, account_ids: list[str], by: User
) -> list[Channel]:
    """Connect the chosen accounts of a pending connection, then forget the rest."""
    if pending.is_expired:  # the daily purge deletes it
        raise ValidationError(_("This connection took too long; please connect again."))
    chosen = [a for a in pending_accounts(pending) if a.credentials.account_id in account_ids]
    if not chosen:
        raise ValidationError(_("Pick at least one account to connect."))
    channels = [
        channel_store_account(
            workspace=pending.workspace, platform=pending.platform, account=account, by=by
        )
        for account in chosen
    ]
    pending.delete()
    return channels


@transaction.atomic
def channel_store_account(
    *, workspace: Workspace, platform: str, account: ConnectableAccount, by: User | None
) -> Channel:
    """Create the channel for `account`, or reconnect it when the workspace had it before.

    Reconnecting stores the new tokens, clears the error and makes it active again: posts held
    for it go out as scheduled."""
    now = timezone.now()
    channel = (
        Channel.objects.select_for_update()
        .filter(workspace=workspace, platform=platform, external_id=account.credentials.account_id)
        .first()
    )
    verb = "channel.reconnected" if channel else "channel.connected"
    if channel is None:
        channel = Channel(
            workspace=workspace,
            platform=platform,
            external_id=account.credentials.account_id,
            connected_by=by,
        )
    _store_credentials(channel, account.credentials, now=now)
    _apply_profile(channel, account.profile)
    channel.status = Channel.Status.ACTIVE
    channel.last_error = ""
    channel.last_error_at = None
    channel.last_success_at = now
    channel.refresh_failures = 0
    channel.disconnected_at = None
    if verb == "channel.connected":
        channel.connected_at = now
    channel.save()
    ChannelGuidelines.objects.get_or_create(channel=channel, defaults={"workspace": workspace})
    activity_record(workspace=workspace, actor=by, verb=verb, target=channel)
    # A network call (where the platform reports limits): after the commit, outside the lock.
    transaction.on_commit(partial(_refresh_platform_limits, channel))
    return channel


def channel_connect_app_password(
    *, workspace: Workspace, by: User, identifier: str, password: str, service_url: str = ""
) -> Channel:
    """Connect a Bluesky account with its handle (or e-mail) and an app password.

    The password is used once to open a session and is not stored: the session tokens are."""
    _require_set_up("bluesky")
    adapter = platforms.adapter_for("bluesky")
    service = service_url.strip() or platforms.platform_config("bluesky").options.get(
        "service_url", "https://bsky.social"
    )
    if not service.startswith(("https://", "http://")):
        service = f"https://{service}"
    check_public_url(service, field="service_url")
    try:
        account = adapter.login(identifier.strip().lstrip("@"), password, service_url=service)
    except Rejected as exc:
        raise ValidationError(exc.message) from exc
    except AdapterError as exc:
        raise ValidationError(
            _("Could not reach %(server)s; try again in a moment. (%(reason)s)")
            % {"server": service, "reason": exc.message}
        ) from exc
    # The account's own server comes from its DID document, which its owner controls.
    if account.credentials.instance_url:
        check_public_url(account.credentials.instance_url, field="service_url")
    return channel_store_account(workspace=workspace, platform="bluesky", account=account, by=by)


@transaction.atomic
def channel_disconnect(*, channel: Channel, by: User) -> Channel:
    """Disconnect: forget the tokens and stop using the channel.

    Posts scheduled for it are kept (held), not deleted; reconnecting the same account resumes
    them. The row stays so published posts keep their channel."""
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    channel.status = Channel.Status.DISCONNECTED
    channel.access_token = ""
    channel.refresh_token = ""
    channel.token_expires_at = None
    channel.refresh_expires_at = None
    channel.refresh_due_at = None
    channel.disconnected_at = timezone.now()
    channel.save()
    activity_record(
        workspace=channel.workspace, actor=by, verb="channel.disconnected", target=channel
    )
    return channel


def pending_connections_purge(*, now: datetime | None = None) -> int:
    """Delete expired pending connections (they hold tokens nobody chose to use)."""
    deleted, _ = PendingConnection.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


# Health -------------------------------------------------------------------------------------------


def channel_record_success(channel: Channel, *, at: datetime | None = None) -> None:
    """Note a successful platform call (publishing, metrics, inbox use this too)."""
    Channel.objects.filter(pk=channel.pk).update(last_success_at=at or timezone.now())


def channel_record_error(channel: Channel, error: AdapterError) -> None:
    """Note a failed platform call. An AuthExpired marks the channel "needs reconnect"."""
    if isinstance(error, AuthExpired):
        channel_mark_needs_reconnect(channel=channel, reason=error.message)
        return
    Channel.objects.filter(pk=channel.pk).update(
        last_error=error.message[:2000], last_error_at=timezone.now()
    )


def channel_mark_needs_reconnect(*, channel: Channel, reason: str) -> bool:
    """Mark `channel` as needing a reconnect and tell the workspace's admins (once).

    Scheduled posts stay scheduled; the publishing engine holds them until the channel is back.
    Returns False when it was already marked (no second notification)."""
    now = timezone.now()
    changed = Channel.objects.filter(pk=channel.pk, status=Channel.Status.ACTIVE).update(
        status=Channel.Status.NEEDS_RECONNECT,
        last_error=reason[:2000],
        last_error_at=now,
        refresh_due_at=None,
    )
    if not changed:
        Channel.objects.filter(pk=channel.pk).update(last_error=reason[:2000], last_error_at=now)
        return False
    channel.refresh_from_db()
    activity_record(
        workspace=channel.workspace,
        actor=None,
        verb="channel.needs_reconnect",
        target=channel,
        data={"reason": reason[:500]},
    )
    _notify_admins_needs_reconnect(channel, reason)
    return True


def _notify_admins_needs_reconnect(channel: Channel, reason: str) -> None:
    """Tell the workspace's admins (in the app, and by e-mail as each of them chose)."""
    workspace = channel.workspace
    admins = [m.user for m in memberships_at_least(workspace=workspace, role=Role.ADMIN)]
    notify(
        workspace=workspace,
        recipients=admins,
        kind="channel.needs_reconnect",
        message=gettext_lazy("%(platform)s %(channel)s needs reconnecting: %(reason)s"),
        params={
            "platform": channel.get_platform_display(),
            "channel": channel.handle or channel.display_name,
            "reason": reason[:500],
        },
        url=reverse("channels_app:channel_detail", args=[workspace.slug, channel.pk]),
    )


def channel_tokens_claim_due(*, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Claim the channels whose token refresh is due (all workspaces) and lease them briefly.

    Returns their ids; each gets one refresh task. Safe to run from two beats at once."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Channel.objects.select_for_update(skip_locked=True)
            .filter(status=Channel.Status.ACTIVE, refresh_due_at__lte=now)
            .order_by("refresh_due_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Channel.objects.filter(pk__in=ids).update(refresh_due_at=now + REFRESH_LEASE)
    return ids


def channel_token_refresh(*, channel_id: int, now: datetime | None = None) -> str:
    """Refresh one channel's token. Returns what happened: "refreshed", "checked", "retry",
    "needs_reconnect" or "skipped".

    The row is locked for the whole call: platforms that rotate refresh tokens (X, Bluesky)
    invalidate the old one, so two workers must never refresh the same channel at once."""
    with transaction.atomic():
        channel = (
            Channel.objects.select_for_update(skip_locked=True)
            .select_related("workspace")
            .filter(pk=channel_id)
            .first()
        )
        if channel is None or channel.status != Channel.Status.ACTIVE:
            return "skipped"
        now = now or timezone.now()
        adapter = channel_adapter(channel)
        creds = channel_credentials(channel)
        try:
            new_creds = adapter.refresh_token(creds)
            renewed = (new_creds.access_token, new_creds.expires_at) != (
                creds.access_token,
                creds.expires_at,
            )
            if not renewed:
                adapter.fetch_profile(creds)  # proves the token still works
        except (AuthExpired, Rejected) as exc:
            reason = exc.message
            transaction.on_commit(lambda: _give_up(channel_id, reason))
            return "needs_reconnect"
        except AdapterError as exc:
            return _refresh_failed_later(channel, exc, now=now)
        channel.last_success_at = now
        channel.refresh_failures = 0
        if renewed:
            _store_credentials(channel, new_creds, now=now)
            channel.save()
            return "refreshed"
        # Not renewable (LinkedIn without refresh tokens): still valid, or a person must act.
        if channel.token_expires_at and channel.token_expires_at <= now:
            channel.save()
            transaction.on_commit(lambda: _give_up(channel_id, _("The access token has expired.")))
            return "needs_reconnect"
        channel.refresh_due_at = now + timedelta(days=1) if channel.token_expires_at else None
        if channel.token_expires_at and channel.token_expires_at <= now + EXPIRY_WARNING:
            channel.last_error = _(
                "The access token cannot be renewed automatically and expires on %(date)s; "
                "reconnect the channel before then."
            ) % {"date": channel.token_expires_at.date().isoformat()}
            channel.last_error_at = now
        channel.save()
        return "checked"


def _give_up(channel_id: int, reason: str) -> None:
    channel = Channel.objects.select_related("workspace").get(pk=channel_id)
    channel_mark_needs_reconnect(channel=channel, reason=reason)


def _refresh_failed_later(channel: Channel, exc: AdapterError, *, now: datetime) -> str:
    failures = channel.refresh_failures + 1
    channel.refresh_failures = failures
    channel.last_error = exc.message[:2000]
    channel.last_error_at = now
    expired = channel.token_expires_at is not None and channel.token_expires_at <= now
    if failures > len(REFRESH_RETRY_DELAYS) and expired:
        channel.save()
        reason = exc.message
        transaction.on_commit(lambda: _give_up(channel.pk, reason))
        return "needs_reconnect"
    delay = REFRESH_RETRY_DELAYS[min(failures, len(REFRESH_RETRY_DELAYS)) - 1]
    if isinstance(exc, RateLimited) and exc.retry_after:
        delay = max(delay, timedelta(seconds=exc.retry_after))
    channel.refresh_due_at = now + delay
    channel.save()
    return "retry"


def channel_profile_refresh(*, channel_id: int) -> str:
    """Re-read a channel's profile (name, avatar, followers) and limits; proves the token works.

    Returns "ok", "needs_reconnect", "error" or "skipped"."""
    channel = Channel.objects.select_related("workspace").filter(pk=channel_id).first()
    if channel is None or channel.status != Channel.Status.ACTIVE:
        return "skipped"
    adapter = channel_adapter(channel)
    try:
        profile = adapter.fetch_profile(channel_credentials(channel))
    except AuthExpired as exc:
        channel_mark_needs_reconnect(channel=channel, reason=exc.message)
        return "needs_reconnect"
    except AdapterError as exc:
        channel_record_error(channel, exc)
        return "error"
    _apply_profile(channel, profile)
    channel.last_success_at = timezone.now()
    channel.save(
        update_fields=[
            "handle",
            "display_name",
            "avatar_url",
            "profile_url",
            "followers_count",
            "last_success_at",
            "updated_at",
        ]
    )
    _refresh_platform_limits(channel)
    return "ok"


def _refresh_platform_limits(channel: Channel) -> None:
    """Keep the limits a platform reports for this account's server (Mastodon: characters,
    media) on the channel; the rules registry applies them. Platforms without: nothing."""
    adapter = channel_adapter(channel)
    fetch_limits = getattr(adapter, "fetch_limits", None)
    if fetch_limits is None:
        return
    try:
        limits = fetch_limits(channel_credentials(channel))
    except AdapterError as exc:
        logger.info("could not read the limits of channel %s: %s", channel.pk, exc.message)
        return
    Channel.objects.filter(pk=channel.pk).update(platform_limits=limits)
    channel.platform_limits = limits


def channel_ids_active_all_workspaces() -> list[int]:
    return list(Channel.objects.filter(status=Channel.Status.ACTIVE).values_list("pk", flat=True))


# Guidelines and posting slots --------------------------------------------------------------------


def _clean_hashtags(values: list[str] | str) -> list[str]:
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    tags: list[str] = []
    for raw in values:
        tag = raw.strip().lstrip("#").strip()
        if not tag:
            continue
        if any(ch.isspace() or ch in "#,." for ch in tag) or len(tag) > 100:
            raise ValidationError(_("“%(tag)s” is not a hashtag.") % {"tag": raw})
        if tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    return tags


def _clean_words(value: list[str] | str) -> list[str]:
    """Banned words: one per line (or a list); blanks and repeats (any case) dropped."""
    items = value.splitlines() if isinstance(value, str) else value
    words: list[str] = []
    seen: set[str] = set()
    for item in items:
        word = " ".join(str(item).split())[:100]
        if word and word.casefold() not in seen:
            seen.add(word.casefold())
            words.append(word)
    return words


@transaction.atomic
def channel_guidelines_update(
    *,
    channel: Channel,
    by: User,
    role: str | None = None,
    audience: str | None = None,
    tone_of_voice: str | None = None,
    default_hashtags: list[str] | str | None = None,
    banned_hashtags: list[str] | str | None = None,
    banned_words: list[str] | str | None = None,
    notes: str | None = None,
) -> ChannelGuidelines:
    """Change a channel's guidelines. Hashtags are given with or without "#"; a tag can't be both
    default and banned. Raises ValidationError per field."""
    guidelines, _created = ChannelGuidelines.objects.select_for_update().get_or_create(
        channel=channel, defaults={"workspace": channel.workspace}
    )
    errors: dict[str, list[str]] = {}
    if role is not None:
        if role and role not in ChannelGuidelines.Role.values:
            errors.setdefault("role", []).append(_("Unknown role."))
        guidelines.role = role
    if audience is not None:
        guidelines.audience = audience.strip()[:300]
    if tone_of_voice is not None:
        guidelines.tone_of_voice = tone_of_voice.strip()
    if notes is not None:
        guidelines.notes = notes.strip()
    if banned_words is not None:
        guidelines.banned_words = _clean_words(banned_words)
    for name, value in (
        ("default_hashtags", default_hashtags),
        ("banned_hashtags", banned_hashtags),
    ):
        if value is None:
            continue
        try:
            setattr(guidelines, name, _clean_hashtags(value))
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    both = {t.casefold() for t in guidelines.default_hashtags} & {
        t.casefold() for t in guidelines.banned_hashtags
    }
    if both and "banned_hashtags" not in errors:
        errors.setdefault("banned_hashtags", []).append(
            _("A hashtag cannot be both default and banned: %(tags)s")
            % {"tags": ", ".join(f"#{t}" for t in sorted(both))}
        )
    if errors:
        raise ValidationError(errors)
    guidelines.save()
    activity_record(
        workspace=channel.workspace, actor=by, verb="channel.guidelines_updated", target=channel
    )
    return guidelines


def posting_slot_add(*, channel: Channel, by: User, weekday: int, at: time) -> PostingSlot:
    """Add a weekly posting slot. Raises ValidationError for a duplicate or a bad weekday."""
    if weekday not in PostingSlot.Weekday.values:
        raise ValidationError({"weekday": _("Pick a day of the week.")})
    at = at.replace(second=0, microsecond=0)
    if PostingSlot.objects.filter(channel=channel, weekday=weekday, time=at).exists():
        raise ValidationError({"time": _("This channel already has that slot.")})
    slot = PostingSlot.objects.create(
        workspace=channel.workspace, channel=channel, weekday=weekday, time=at
    )
    activity_record(
        workspace=channel.workspace,
        actor=by,
        verb="channel.slot_added",
        target=channel,
        data={"slot": str(slot)},
    )
    return slot


def posting_slot_remove(*, slot: PostingSlot, by: User) -> None:
    channel = slot.channel
    label = str(slot)
    slot.delete()
    activity_record(
        workspace=channel.workspace,
        actor=by,
        verb="channel.slot_removed",
        target=channel,
        data={"slot": label},
    )
