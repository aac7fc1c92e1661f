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


def test_thumbnails_are_small_upright_and_for_members_only(client, workspace, alice, mallory):
    from PIL import Image

    asset = image_asset(workspace, width=2400, height=1600)
    url = f"/w/{workspace.slug}/media/{asset.pk}/thumb/"
    client.force_login(mallory)
    assert client.get(url).status_code == 404
    client.force_login(alice)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    import io

    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as thumb:
        assert thumb.size == (480, 320)
    assert asset.renditions.filter(platform="thumb").count() == 1
    client.get(url)  # made once, then reused
    assert asset.renditions.filter(platform="thumb").count() == 1
