"""LinkedIn adapter: members and organizations through the versioned REST API (Posts API).

OAuth 2.0 three-legged (no PKCE for confidential web apps). Every REST call carries
`LinkedIn-Version` (option "api_version") and `X-Restli-Protocol-Version: 2.0.0`. Text goes out in
LinkedIn's "little text" format (`escape_little_text`): an unescaped reserved character can make
LinkedIn silently cut the post short.

Refresh tokens are only issued to approved partner apps: without one, `refresh_token` returns the
credentials unchanged while they are valid and raises AuthExpired once they have expired.

The package's modules follow the adapter's seams: `rest` (calls, errors, scopes), `auth`
(connecting), `text` (little text), `media` (uploads), `publishing`, `reading` (reconciliation,
metrics) and `inbox` (comments, replies); `adapter` assembles the `LinkedInAdapter` class.
"""

from channels_app.adapters.linkedin.adapter import LinkedInAdapter
from channels_app.adapters.linkedin.rest import (
    DEFAULT_API_VERSION,
    MEMBER_SCOPES,
    ORGANIZATION_SCOPES,
    seconds_until_utc_midnight,
)
from channels_app.adapters.linkedin.text import escape_little_text, unescape_little_text

__all__ = [
    "DEFAULT_API_VERSION",
    "MEMBER_SCOPES",
    "ORGANIZATION_SCOPES",
    "LinkedInAdapter",
    "escape_little_text",
    "seconds_until_utc_midnight",
    "unescape_little_text",
]
