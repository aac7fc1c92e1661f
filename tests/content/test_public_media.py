"""Platforms that fetch media by URL (Instagram, Threads, Pinterest) get a signed link to one
file that expires; nothing else is public."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from content.services.media import public_media_url, rendition_for
from tests.content.test_composer_factories import image_asset


def _path(url: str) -> str:
    return url.removeprefix("http://testserver")


def test_a_signed_link_serves_that_rendition_without_login(client, workspace) -> None:
    asset = image_asset(workspace)
    rendition = rendition_for(asset=asset, platform="instagram", fit="crop")
    url = public_media_url(asset=asset, rendition=rendition)
    assert url.startswith("http://testserver/m/")
    response = client.get(_path(url))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == rendition.file.open("rb").read()


def test_a_changed_or_expired_link_is_404(client, workspace, time_machine) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    asset = image_asset(workspace)
    url = _path(public_media_url(asset=asset))
    assert client.get(url).status_code == 200
    assert client.get(url[:-3] + "abc").status_code == 404
    time_machine.shift(dt.timedelta(days=3))
    assert client.get(url).status_code == 404
