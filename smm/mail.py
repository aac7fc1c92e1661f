"""The one way the suite sends an e-mail: to plain addresses (invitees, a client reviewer) and,
through `smm.notifications.notify`, to users.

A message is rendered from a subject and a body template in the language it is meant for, at
the time of the call (so a template error shows where it was caused), and sent once the
surrounding transaction commits: a rolled-back change never mails anybody.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)


def absolute_url(url: str) -> str:
    """`url` as a link that works from an e-mail: site-relative paths get `SITE_URL` in front."""
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + (url if url.startswith("/") else "/" + url)


def email_render(
    *, subject_template: str, body_template: str, context: dict[str, Any], language: str
) -> tuple[str, str]:
    """Subject (on one line, as a header must be) and body of a message in `language`."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(subject_template, context)
        body = render_to_string(body_template, context)
    return " ".join(subject.split()), body


def email_send(
    *,
    to: Sequence[str],
    subject_template: str,
    body_template: str,
    context: dict[str, Any],
    language: str,
    purpose: str = "",
) -> bool:
    """E-mail one message to the addresses `to`, rendered in `language` from the two templates.

    Rendering happens now; sending once the current transaction commits (at once when there is
    none). Returns False when the sending failed at once, True when it went or waits for the
    commit. A failure is logged with `purpose` (what the mail is for, e.g. "invitation 12") and
    never raised: SMTP fails in many ways (refused, timeout, TLS) and the change that caused the
    mail stands. Sends nothing (and returns False) for an empty `to`.
    """
    recipients = [address for address in to if address]
    if not recipients:
        return False
    subject, body = email_render(
        subject_template=subject_template,
        body_template=body_template,
        context=context,
        language=language,
    )
    outcome: list[bool] = []

    def send() -> None:
        try:
            send_mail(subject, body, None, recipients)
        except Exception:
            logger.exception("could not send the e-mail for %s", purpose or subject_template)
            outcome.append(False)
        else:
            outcome.append(True)

    # Outside a transaction on_commit runs `send` right away, so the outcome is known here.
    transaction.on_commit(send)
    return outcome[0] if outcome else True
