"""Tracked links: short links with UTM parameters, click counting, tracking keys, conversions.

A post with `shorten_links` on goes out with each of its http(s) links replaced by one of our
short links (/l/<code>), one per (post target, original URL), whose destination carries
utm_source = the channel's platform, utm_medium = social, utm_campaign = the campaign's slug and
utm_content = post-<id>. A click is a counter per link and day: nothing about the visitor is kept.
Shops and CRMs report conversions with a per-workspace tracking key.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, unquote_plus, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from channels_app.specs.counting import URL, extract_urls
from content.models import Campaign, Conversion, LinkClickDaily, PostTarget, ShortLink, TrackingKey
from smm.models import User, Workspace
from smm.services import activity_record

CODE_ALPHABET = string.ascii_letters + string.digits  # base62
CODE_LENGTH = 7  # 62**7 ≈ 3.5e12 codes: guessing one that exists is hopeless
CODE_ATTEMPTS = 8
# Shown in a composer preview for a link that has no short link yet (nothing is written then).
PREVIEW_CODE = "x" * CODE_LENGTH
UTM_MEDIUM = "social"
TRACKING_KEY_PREFIX = "rtk_"
# last_used_at of a tracking key is written at most this often, so a busy shop doesn't turn
# every conversion into two writes.
_LAST_USED_GRANULARITY = timedelta(minutes=1)
# A reporter's clock may run a little ahead of ours.
_FUTURE_TOLERANCE = timedelta(minutes=10)
_MAX_VALUE = Decimal("999999999999.99")
_ORIGINAL_MAX = ShortLink._meta.get_field("original_url").max_length or 2000
_DESTINATION_MAX = ShortLink._meta.get_field("destination_url").max_length or 2500
_http_url = URLValidator(schemes=["http", "https"])


# URLs ------------------------------------------------------------------------------------------


def utm_url(
    url: str, *, source: str, medium: str = UTM_MEDIUM, campaign: str = "", content: str = ""
) -> str:
    """`url` with utm_source/utm_medium/utm_campaign/utm_content set.

    The URL's own query (order, encoding, other parameters) and fragment are kept. A UTM
    parameter given here replaces the URL's own value of it (every occurrence, any letter case);
    one left empty here is not added, and the URL's own value of it, if any, stays.
    """
    wanted = {
        key: value
        for key, value in (
            ("utm_source", source),
            ("utm_medium", medium),
            ("utm_campaign", campaign),
            ("utm_content", content),
        )
        if value
    }
    parts = urlsplit(url)
    kept = [
        pair
        for pair in parts.query.split("&")
        if pair and unquote_plus(pair.split("=", 1)[0]).lower() not in wanted
    ]
    if wanted:
        kept.append(urlencode(wanted, quote_via=quote))
    return urlunsplit(parts._replace(query="&".join(kept)))


def short_link_base_url() -> str:
    """Where short links live: SMM_SHORT_LINK_BASE_URL (a short domain pointing at this
    server), else SITE_URL. No trailing slash."""
    base = getattr(settings, "SMM_SHORT_LINK_BASE_URL", "") or settings.SITE_URL
    return str(base).rstrip("/")


def short_url(link: ShortLink) -> str:
    """The absolute short URL of `link`, e.g. https://ripple.example/l/Ab3dE9x."""
    return short_link_base_url() + reverse("content:short_link", kwargs={"code": link.code})


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _link_utm(target: PostTarget) -> dict[str, str]:
    post = target.post
    campaign = post.campaign
    return {
        "utm_source": target.channel.platform,
        "utm_medium": UTM_MEDIUM,
        "utm_campaign": campaign.slug if campaign is not None else "",
        "utm_content": f"post-{post.pk}",
    }


def _validate_original(url: str) -> str:
    url = url.strip()
    if len(url) > _ORIGINAL_MAX:
        raise ValidationError(
            _("This link is longer than %(max)d characters; it cannot be tracked.")
            % {"max": _ORIGINAL_MAX}
        )
    try:
        _http_url(url)
    except ValidationError:
        raise ValidationError(
            _("“%(url)s” is not a web address (http:// or https://); it cannot be tracked.")
            % {"url": url[:200]}
        ) from None
    return url


@transaction.atomic
def shortlink_for(*, target: PostTarget, url: str) -> ShortLink:
    """The short link of `url` in `target` (a saved PostTarget), made on first use.

    One link per (target, original URL); its code is CODE_LENGTH random base62 characters,
    unique. While nobody has clicked it, a link follows changes of the post's campaign (its UTM
    parameters are recomputed); after the first click it never changes.
    Raises ValidationError if `url` is not an http(s) URL or too long.
    """
    url = _validate_original(url)
    # Lock the target so two workers shortening the same post don't both create a link.
    list(
        PostTarget.objects.select_for_update()
        .filter(pk=target.pk)
        .order_by()
        .values_list("pk", flat=True)
    )
    utm = _link_utm(target)
    destination = utm_url(
        url,
        source=utm["utm_source"],
        medium=utm["utm_medium"],
        campaign=utm["utm_campaign"],
        content=utm["utm_content"],
    )
    if len(destination) > _DESTINATION_MAX:
        raise ValidationError(
            _("This link is too long to add tracking parameters to (%(max)d characters at most).")
            % {"max": _DESTINATION_MAX}
        )
    fields = {
        "destination_url": destination,
        "post": target.post,
        "channel": target.channel,
        "campaign": target.post.campaign,
        **utm,
    }
    link = ShortLink.objects.filter(target=target, original_url=url).order_by("pk").first()
    if link is not None:
        stale = [name for name, value in fields.items() if getattr(link, name) != value]
        if stale and link.clicks == 0:
            for name in stale:
                setattr(link, name, fields[name])
            link.save(update_fields=stale)
        return link
    for _attempt in range(CODE_ATTEMPTS):
        code = _new_code()
        try:
            with transaction.atomic():
                return ShortLink.objects.create(
                    workspace=target.workspace,
                    target=target,
                    code=code,
                    original_url=url,
                    **fields,
                )
        except IntegrityError:
            if not ShortLink.objects.filter(code=code).exists():
                raise
    raise RuntimeError("Could not find a free short link code; is CODE_LENGTH too small?")


def _replace_http_urls(text: str, replace: Callable[[str], str]) -> str:
    """`text` with each http(s) URL (as channels_app.specs.counting finds them) replaced."""
    out: list[str] = []
    cursor = 0
    for match in URL.finditer(text):
        # extract_urls trims trailing punctuation and brackets the way the counters do.
        found = extract_urls(match.group(0))
        if not found or not found[0].lower().startswith(("http://", "https://")):
            continue
        url = found[0]
        start = match.start()
        out.append(text[cursor:start])
        out.append(replace(url))
        cursor = start + len(url)
    out.append(text[cursor:])
    return "".join(out)


def _is_short_url(url: str) -> bool:
    return url.startswith(short_link_base_url() + "/l/")


def _shortener(target: PostTarget, *, preview: bool) -> Callable[[str], str]:
    existing: dict[str, ShortLink] = {}
    if preview and target.pk is not None:
        existing = {link.original_url: link for link in ShortLink.objects.filter(target=target)}

    def replace(url: str) -> str:
        if _is_short_url(url):
            return url
        if preview:
            link = existing.get(url)
            code = link.code if link is not None else PREVIEW_CODE
            return short_link_base_url() + reverse("content:short_link", kwargs={"code": code})
        try:
            return short_url(shortlink_for(target=target, url=url))
        except ValidationError:
            return url  # not trackable (too long): the post still goes out with the link as is

    return replace


def tracked_text(*, target: PostTarget, preview: bool = False) -> str:
    """The target's effective text, each http(s) URL replaced by its short URL when the post
    has `shorten_links` on (otherwise the text unchanged). Links already shortened stay.

    Creates the short links on first use. With `preview=True` nothing is written: links that
    exist are shown, new ones as /l/xxxxxxx (same length as a real one).
    """
    text = target.effective_text
    if not target.post.shorten_links or not text:
        return text
    return _replace_http_urls(text, _shortener(target, preview=preview))


def tracked_link(*, target: PostTarget, preview: bool = False) -> str:
    """The target's effective link field, as its short URL when the post has `shorten_links`
    on. Same rules as `tracked_text`."""
    link = target.effective_link
    if not target.post.shorten_links or not link:
        return link
    return _shortener(target, preview=preview)(link.strip())


# Clicks ----------------------------------------------------------------------------------------


def link_click_record(*, code: str, when: datetime) -> ShortLink | None:
    """Count one click on the link `code` at `when` (aware), on the day of `when` in the
    link's workspace's time zone. Returns the link (for its destination) or None for an unknown
    code. Safe under concurrency: increments are F() updates, the day's row is created once
    (its unique constraint decides a race) on SQLite and PostgreSQL. Stores nothing about the
    visitor.
    """
    link = (
        ShortLink.objects.select_related("workspace")
        .only("pk", "code", "destination_url", "workspace__timezone")
        .filter(code=code)
        .first()
    )
    if link is None:
        return None
    try:
        tz = zoneinfo.ZoneInfo(link.workspace.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = zoneinfo.ZoneInfo("UTC")
    day = timezone.localtime(when, tz).date()
    with transaction.atomic():
        bump = {"clicks": F("clicks") + 1}
        if not LinkClickDaily.objects.filter(link=link, day=day).update(**bump):
            try:
                with transaction.atomic():
                    LinkClickDaily.objects.create(link=link, day=day, clicks=1)
            except IntegrityError:
                # Another request created the day's row between our update and insert.
                LinkClickDaily.objects.filter(link=link, day=day).update(**bump)
        ShortLink.objects.filter(pk=link.pk).update(**bump)
    return link


# Tracking keys ---------------------------------------------------------------------------------


def _hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def tracking_key_create(*, workspace: Workspace, by: User, name: str) -> tuple[TrackingKey, str]:
    """A new tracking key for `workspace`: (the key, the raw secret). Only a SHA-256 hash is
    stored; the raw secret is shown to the person once. Raises ValidationError for an empty or
    too long name. Records `tracking_key.created`."""
    name = name.strip()
    if not name:
        raise ValidationError(
            {"name": _("Name the key after the shop or system that will use it.")}
        )
    max_name = TrackingKey._meta.get_field("name").max_length or 100
    if len(name) > max_name:
        raise ValidationError(
            {"name": _("Keep the name under %(max)d characters.") % {"max": max_name}}
        )
    raw = TRACKING_KEY_PREFIX + secrets.token_urlsafe(32)
    key = TrackingKey.objects.create(
        workspace=workspace,
        name=name,
        lookup_prefix=raw[:12],
        key_hash=_hash_key(raw),
        created_by=by,
    )
    activity_record(workspace=workspace, actor=by, verb="tracking_key.created", target=key)
    return key, raw


@transaction.atomic
def tracking_key_revoke(*, key: TrackingKey, by: User) -> TrackingKey:
    """Revoke `key`: from now on the conversion endpoint answers it with 401. Revoking a revoked
    key changes nothing. Records `tracking_key.revoked`."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        activity_record(workspace=key.workspace, actor=by, verb="tracking_key.revoked", target=key)
    return key


def tracking_key_authenticate(raw: str) -> TrackingKey | None:
    """The active (not revoked) tracking key whose secret is `raw`, with its workspace, or None.
    Notes when it was used (at most once a minute)."""
    raw = raw.strip()
    if not raw.startswith(TRACKING_KEY_PREFIX):
        return None
    key = (
        TrackingKey.objects.select_related("workspace")
        .filter(key_hash=_hash_key(raw), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_GRANULARITY:
        TrackingKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


# Conversions -----------------------------------------------------------------------------------


def _clean_value(value: Decimal | int | float | str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"value": _("Give the value as a number, e.g. 24.95.")}) from None
    if not amount.is_finite() or amount < 0:
        raise ValidationError({"value": _("The value cannot be negative.")})
    if amount > _MAX_VALUE:
        raise ValidationError({"value": _("The value is too large.")})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"value": _("Give the value with at most two decimals.")})
    return amount.quantize(Decimal("0.01"))


def _clean_currency(currency: str, amount: Decimal) -> str:
    currency = (currency or "").strip().upper()
    if currency and (len(currency) != 3 or not currency.isascii() or not currency.isalpha()):
        raise ValidationError(
            {"currency": _("Give the currency as a three-letter ISO 4217 code, e.g. EUR.")}
        )
    if amount > 0 and not currency:
        raise ValidationError(
            {"currency": _("Give the currency of the value (ISO 4217, e.g. EUR).")}
        )
    return currency


def _clean_occurred_at(occurred_at: datetime | None) -> datetime:
    now = timezone.now()
    if occurred_at is None:
        return now
    if timezone.is_naive(occurred_at):
        raise ValidationError(
            {"occurred_at": _("Give the time with a time zone, e.g. 2025-05-01T14:30:00+02:00.")}
        )
    if occurred_at > now + _FUTURE_TOLERANCE:
        raise ValidationError({"occurred_at": _("The conversion cannot be in the future.")})
    return occurred_at


def _existing_conversion(workspace: Workspace, external_id: str) -> Conversion | None:
    if not external_id:
        return None
    return Conversion.objects.for_workspace(workspace).filter(external_id=external_id).first()


def conversion_record(
    *,
    key: TrackingKey,
    kind: str,
    value: Decimal | int | float | str = 0,
    currency: str = "",
    code: str | None = None,
    utm_source: str = "",
    utm_medium: str = "",
    utm_campaign: str = "",
    external_id: str = "",
    occurred_at: datetime | None = None,
) -> tuple[Conversion, bool]:
    """Record a conversion reported with tracking key `key`: (the conversion, created).

    Attribution: by the short link `code` (in the key's workspace; the link's campaign and UTM
    values are taken), else by `utm_campaign` (a campaign of the workspace with that slug, if
    any; the UTM values are stored as given). One of `code`, `utm_source`, `utm_campaign` is
    required. With an `external_id` (the reporter's order number) the same conversion reported
    again returns the first one and created=False, nothing changed.
    Raises ValidationError (per field) for an unknown code, a bad kind, value, currency or time.
    """
    workspace = key.workspace
    external_id = (external_id or "").strip()
    if len(external_id) > 128:
        raise ValidationError({"external_id": _("Keep external_id under 128 characters.")})
    existing = _existing_conversion(workspace, external_id)
    if existing is not None:
        return existing, False
    if kind not in Conversion.Kind.values:
        raise ValidationError(
            {
                "kind": _("Unknown kind “%(kind)s”; use one of: %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(Conversion.Kind.values)}
            }
        )
    amount = _clean_value(value)
    currency = _clean_currency(currency, amount)
    when = _clean_occurred_at(occurred_at)
    code = (code or "").strip()
    utm = {
        "utm_source": (utm_source or "").strip(),
        "utm_medium": (utm_medium or "").strip(),
        "utm_campaign": (utm_campaign or "").strip(),
    }
    for field, text in utm.items():
        if len(text) > 100:
            raise ValidationError({field: _("Keep UTM values under 100 characters.")})
    link: ShortLink | None = None
    campaign: Campaign | None = None
    if code:
        link = (
            ShortLink.objects.for_workspace(workspace)
            .select_related("campaign")
            .filter(code=code)
            .first()
        )
        if link is None:
            raise ValidationError(
                {"code": _("No tracked link with the code “%(code)s” here.") % {"code": code[:20]}}
            )
        campaign = link.campaign
        utm = {
            "utm_source": link.utm_source,
            "utm_medium": link.utm_medium,
            "utm_campaign": link.utm_campaign,
        }
    elif utm["utm_campaign"] or utm["utm_source"]:
        if utm["utm_campaign"]:
            campaign = (
                Campaign.objects.for_workspace(workspace).filter(slug=utm["utm_campaign"]).first()
            )
    else:
        raise ValidationError(
            _("Say where the conversion came from: the link code, or utm_source/utm_campaign.")
        )
    try:
        with transaction.atomic():
            conversion = Conversion.objects.create(
                workspace=workspace,
                link=link,
                campaign=campaign,
                kind=kind,
                value=amount,
                currency=currency,
                external_id=external_id,
                occurred_at=when,
                **utm,
            )
    except IntegrityError:
        # The same external_id reported twice at the same moment: the other request won.
        existing = _existing_conversion(workspace, external_id)
        if existing is None:
            raise
        return existing, False
    return conversion, True
