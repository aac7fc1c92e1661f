from __future__ import annotations

from content.views import (
    approval,
    calendar,
    campaigns,
    composer,
    imports,
    library,
    links,
    media,
    publishing,
    review,
    settings,
)

app_name = "content"

urlpatterns = [
    *composer.urlpatterns,
    *media.urlpatterns,
    *calendar.urlpatterns,
    *approval.urlpatterns,
    *review.urlpatterns,
    *imports.urlpatterns,
    *campaigns.urlpatterns,
    *library.urlpatterns,
    *links.urlpatterns,
    *settings.urlpatterns,
    *publishing.urlpatterns,
]
