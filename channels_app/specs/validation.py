"""Check a post against a platform's rules before it is scheduled.

`validate_post` returns `Issue`s with stable snake_case codes (the composer and the API key on
them) and plain-English messages that stay lazy until rendered, so importing this module needs
no Django settings.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from channels_app.specs.counting import (
    count_text,
    count_units,
    extract_hashtags,
    extract_mentions,
    extract_urls,
)
from channels_app.specs.issues import ISSUE_CODES, Issue, MediaInfo, issue
from channels_app.specs.media_checks import ASPECT_TOLERANCE, check_item, check_media_counts
from channels_app.specs.rules import PlatformSpec

__all__ = ["ASPECT_TOLERANCE", "ISSUE_CODES", "Issue", "MediaInfo", "validate_post"]


def validate_post(
    spec: PlatformSpec,
    *,
    text: str,
    media: Sequence[MediaInfo] = (),
    title: str = "",
    link: str = "",
) -> list[Issue]:
    """Every rule of `spec` the post breaks; an empty list means the platform should accept it.

    Errors would make the platform refuse the post; warnings are worth a look (an empty alt
    text where the field is required). Pure: no I/O.
    """
    issues: list[Issue] = []
    issues += _check_text(spec, text, media)
    issues += _check_title_and_link(spec, title, link)
    issues += check_media_counts(spec, media)
    for index, item in enumerate(media):
        issues += check_item(spec, index, item)
    return issues


def _check_text(spec: PlatformSpec, text: str, media: Sequence[MediaInfo]) -> list[Issue]:
    rules, name = spec.text, spec.name
    issues = []
    if not media and not rules.text_only_allowed:
        issues.append(
            issue(
                "media_required",
                "media",
                _("%(platform)s needs an image or a video."),
                platform=name,
            )
        )
    elif not media and not text.strip():
        issues.append(issue("text_empty", "text", _("The post has no text and no media.")))
    count = count_text(spec, text)
    if count > rules.limit:
        unit = {
            "utf8_bytes": _("bytes"),
        }.get(rules.counting, _("characters"))
        issues.append(
            issue(
                "text_too_long",
                "text",
                _("%(platform)s counts %(count)s of %(limit)s %(unit)s."),
                platform=name,
                count=count,
                limit=rules.limit,
                unit=unit,
            )
        )
    if rules.byte_limit is not None:
        size = len(text.encode("utf-8"))
        if size > rules.byte_limit:
            issues.append(
                issue(
                    "text_too_many_bytes",
                    "text",
                    _("The text takes %(count)s bytes; %(platform)s accepts at most %(limit)s."),
                    platform=name,
                    count=size,
                    limit=rules.byte_limit,
                )
            )
    for code, found, maximum, singular, plural in (
        (
            "too_many_hashtags",
            len(extract_hashtags(text)),
            rules.max_hashtags,
            "%(platform)s accepts at most %(max)s hashtag; the text has %(count)s.",
            "%(platform)s accepts at most %(max)s hashtags; the text has %(count)s.",
        ),
        (
            "too_many_mentions",
            len(extract_mentions(text)),
            rules.max_mentions,
            "%(platform)s accepts at most %(max)s mention; the text has %(count)s.",
            "%(platform)s accepts at most %(max)s mentions; the text has %(count)s.",
        ),
        (
            "too_many_links",
            len(set(extract_urls(text))),
            rules.max_links,
            "%(platform)s accepts at most %(max)s link; the text has %(count)s.",
            "%(platform)s accepts at most %(max)s links; the text has %(count)s.",
        ),
    ):
        if maximum is not None and found > maximum:
            template = ngettext_lazy(singular, plural, "max")
            issues.append(issue(code, "text", template, platform=name, max=maximum, count=found))
    return issues


def _check_title_and_link(spec: PlatformSpec, title: str, link: str) -> list[Issue]:
    rules, name = spec.text, spec.name
    issues = []
    if rules.title_required and not title.strip():
        issues.append(
            issue("title_required", "title", _("%(platform)s needs a title."), platform=name)
        )
    if rules.title_limit is not None:
        count = count_units(title, rules.title_counting)
        if count > rules.title_limit:
            issues.append(
                issue(
                    "title_too_long",
                    "title",
                    _("The title has %(count)s characters; %(platform)s takes at most %(limit)s."),
                    platform=name,
                    count=count,
                    limit=rules.title_limit,
                )
            )
    if link and rules.link_max_length is not None and len(link) > rules.link_max_length:
        issues.append(
            issue(
                "link_too_long",
                "link",
                _("The link has %(count)s characters; %(platform)s accepts at most %(limit)s."),
                platform=name,
                count=len(link),
                limit=rules.link_max_length,
            )
        )
    return issues
