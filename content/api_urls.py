"""The content area's REST API routes, included under /api/v1/ in the `api` namespace."""

from __future__ import annotations

from content.api import campaigns, imports, library, links, media, posts, publishing

urlpatterns = [
    *posts.urlpatterns,
    *media.urlpatterns,
    *campaigns.urlpatterns,
    *library.urlpatterns,
    *links.urlpatterns,
    *imports.urlpatterns,
    *publishing.urlpatterns,
]
