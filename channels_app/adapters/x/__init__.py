"""X (Twitter) API v2: OAuth 2.0 Authorization Code with PKCE, posts, media upload v2, DMs.

Field parameters: we send `tweet.fields`, not `post.fields`. Spec 2.167 renamed the parameter
to `post.fields`, but X's current documentation (docs.x.com "Fields": "Request specific post
fields with tweet.fields", every endpoint example) and the 2.159 spec use `tweet.fields`, and the
live response shape the docs show (`retweet_count`, `edit_history_tweet_ids`, user
`tweet_count`) is 2.159's, not 2.167's (`repost_count`, `edit_history_post_ids`, `post_count`).
We therefore follow the documentation and read both spellings of the renamed counters.

Metrics: only `public_metrics` (impressions, likes, replies, reposts, quotes, bookmarks).
`non_public_metrics`/`organic_metrics` are left out on purpose: X serves them only for the
user's own posts younger than 30 days, and asking for them on an older post fails the lookup
with a field-authorization error; `public_metrics.impression_count` already gives impressions.

The package's modules follow the adapter's seams: `api` (calls and errors), `auth` (connecting),
`publishing` (media, posts), `reading` (reconciliation, metrics) and `inbox` (mentions, DMs,
replies); `adapter` assembles the `XAdapter` class.
"""

from channels_app.adapters.x.adapter import XAdapter

__all__ = ["XAdapter"]
