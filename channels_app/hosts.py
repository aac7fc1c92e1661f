"""Guard for server addresses that people type in (a Mastodon server, a Bluesky host).

Ripple's server makes requests to them, so an address must not lead into the network Ripple
runs in (the database, Redis, cloud metadata endpoints): it has to resolve to public addresses
only. Development and test setups with local servers switch this off with
SMM_ALLOW_PRIVATE_PLATFORM_HOSTS.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def check_public_url(url: str, *, field: str) -> str:
    """Return `url` when its host resolves to public addresses only.

    Raises ValidationError (on `field`) for an unknown host or one that is, or resolves to, a
    private, loopback, link-local or otherwise non-global address."""
    if settings.SMM_ALLOW_PRIVATE_PLATFORM_HOSTS:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(
            {field: _("Could not find the server %(host)s.") % {"host": host}}
        ) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ValidationError(
                {field: _("%(host)s is not a public server address.") % {"host": host}}
            )
    return url
