"""The media services: upload by content, size limits, alt text and focal point, delete,
renditions, video checks; and the selectors' workspace scoping."""

from __future__ import annotations

import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from PIL import Image

from channels_app.specs import get_spec
from content.models import MediaAsset, MediaRendition, Post, PostMedia
from content.selectors.media import media_get, media_list, media_platform_fits
from content.services.media import (
    media_delete,
    media_update,
    media_upload,
    rendition_for,
    renditions_for,
    video_issues,
)
from smm.models import ActivityEvent, Role
from tests.content.media_files import gif_bytes, jpeg_bytes, png_bytes, upload, video_bytes
from tests.factories import member


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photo(workspace, alice) -> MediaAsset:
    return media_upload(
        workspace=workspace,
        by=alice,
        uploaded_file=upload("Photo Final.JPG", jpeg_bytes(1200, 900, gps=True)),
    )


def test_upload_stores_the_original_under_a_random_name(workspace, alice, photo):
    assert photo.kind == "image" and photo.content_type == "image/jpeg"
    assert (photo.width, photo.height) == (1200, 900)
    assert photo.original_name == "Photo Final.JPG"
    assert photo.file.name.startswith(f"ws{workspace.pk}/originals/")
    assert photo.file.name.endswith(".jpg") and "Photo" not in photo.file.name
    assert len(photo.sha256) == 64 and photo.size == os.path.getsize(photo.file.path)
    with photo.file.open("rb") as handle:
        assert handle.read() == jpeg_bytes(1200, 900, gps=True)  # untouched, EXIF and all
    assert ActivityEvent.objects.filter(workspace=workspace, verb="media.uploaded").count() == 1


def test_upload_refuses_what_is_not_media(workspace, alice):
    with pytest.raises(ValidationError) as err:
        media_upload(
            workspace=workspace, by=alice, uploaded_file=upload("cat.jpg", b"<html>hi</html>")
        )
    assert "cat.jpg is not an image or video" in err.value.messages[0]
    assert not MediaAsset.objects.exists()


def test_upload_size_limits_per_kind(workspace, alice, settings):
    settings.SMM_MEDIA_MAX_IMAGE_BYTES = 2_000
    with pytest.raises(ValidationError, match=r"an image may be at most 0\.002 MB"):
        media_upload(
            workspace=workspace,
            by=alice,
            uploaded_file=upload("a.jpg", jpeg_bytes(300, 200, noise=True)),
        )
    # Bigger than both limits: stopped while streaming.
    settings.SMM_MEDIA_MAX_VIDEO_BYTES = 3_000
    with pytest.raises(ValidationError, match="a file may be at most"):
        media_upload(
            workspace=workspace,
            by=alice,
            uploaded_file=upload("b.jpg", jpeg_bytes(800, 600, noise=True)),
        )
    assert not MediaAsset.objects.exists()


def test_gif_and_video_uploads(workspace, alice):
    gif = media_upload(workspace=workspace, by=alice, uploaded_file=upload("x.gif", gif_bytes()))
    clip = media_upload(workspace=workspace, by=alice, uploaded_file=upload("c.mov", video_bytes()))
    assert (gif.kind, gif.file.name[-4:]) == ("gif", ".gif")
    assert (clip.kind, clip.content_type, clip.video_codec) == ("video", "video/mp4", "h264")
    assert clip.file.name.endswith(".mp4")  # the content decides, not the name


def test_update_alt_text_and_focal_point(workspace, alice, photo):
    media_update(asset=photo, by=alice, alt_text="  Latte art  ", focal_x=0.25, focal_y=0.75)
    photo.refresh_from_db()
    assert (photo.alt_text, photo.focal_x, photo.focal_y) == ("Latte art", 0.25, 0.75)
    event = ActivityEvent.objects.get(verb="media.updated")
    assert event.data["focal_x"] == [0.5, 0.25]
    with pytest.raises(ValidationError) as err:
        media_update(asset=photo, by=alice, focal_x=1.5)
    assert "focal_x" in err.value.message_dict


def test_contributors_change_only_their_own_uploads(workspace, alice, bob, photo):
    carol = member(workspace, Role.CONTRIBUTOR, email="carol@example.com")
    with pytest.raises(PermissionDenied):
        media_update(asset=photo, by=carol, alt_text="mine now")
    with pytest.raises(PermissionDenied):
        media_delete(asset=photo, by=carol)
    own = media_upload(workspace=workspace, by=carol, uploaded_file=upload("c.png", png_bytes()))
    media_update(asset=own, by=carol, alt_text="Our logo")
    media_update(asset=photo, by=bob, alt_text="Edited by an editor")  # content.edit_any
    viewer = member(workspace, Role.VIEWER)
    with pytest.raises(PermissionDenied):
        media_update(asset=own, by=viewer, alt_text="no")


def test_delete_refused_while_a_post_uses_it(
    workspace, alice, photo, django_capture_on_commit_callbacks
):
    post = Post.objects.create(workspace=workspace, author=alice, text="Hello")
    PostMedia.objects.create(post=post, asset=photo)
    with pytest.raises(ValidationError, match="used in 1 post"):
        media_delete(asset=photo, by=alice)
    PostMedia.objects.all().delete()
    rendition_for(asset=photo, platform="x", fit="crop")
    paths = [photo.file.path, MediaRendition.objects.get().file.path]
    with django_capture_on_commit_callbacks(execute=True):
        media_delete(asset=photo, by=alice)
    assert not MediaAsset.objects.exists()
    assert not any(os.path.exists(p) for p in paths)


def test_rendition_is_made_once_and_remade_when_the_focal_point_moves(alice, photo):
    first = rendition_for(asset=photo, platform="snapchat", fit="crop")
    assert (first.width, first.height, first.content_type) == (506, 900, "image/jpeg")
    assert rendition_for(asset=photo, platform="snapchat", fit="crop").pk == first.pk
    media_update(asset=photo, by=alice, focal_x=0.9)
    moved = rendition_for(asset=photo, platform="snapchat", fit="crop")
    assert moved.pk != first.pk and "0.9000" in moved.key
    assert list(photo.renditions.filter(platform="snapchat", fit="crop")) == [moved]  # old one gone
    with moved.file.open("rb") as handle:
        image = Image.open(handle)
        assert image.size == (506, 900) and not image.getexif()


def test_renditions_for_many_platforms(photo):
    made = renditions_for(asset=photo, platforms=["instagram", "x", "bluesky"])
    assert len(made) == 6
    assert made["instagram", "pad"].content_type == "image/jpeg"
    assert MediaRendition.objects.count() == 6
    assert renditions_for(asset=photo, platforms=["x"])["x", "crop"] == made["x", "crop"]


def test_renditions_refuse_gifs_unknown_platforms_and_fits(workspace, alice, photo):
    gif = media_upload(workspace=workspace, by=alice, uploaded_file=upload("x.gif", gif_bytes()))
    with pytest.raises(ValidationError, match="sent as uploaded"):
        rendition_for(asset=gif, platform="x", fit="crop")
    with pytest.raises(ValidationError, match="Unknown platform"):
        rendition_for(asset=photo, platform="myspace", fit="crop")
    with pytest.raises(ValidationError):
        rendition_for(asset=photo, platform="x", fit="stretch")


def test_video_issues_per_platform(workspace, alice):
    clip = media_upload(
        workspace=workspace,
        by=alice,
        uploaded_file=upload(
            "v.webm", video_bytes(container="webm", codec="libvpx-vp9", seconds=1)
        ),
    )
    x_codes = {issue.code for issue in video_issues(clip, get_spec("x"))}
    assert {"unsupported_media_type", "video_codec"} <= x_codes  # X takes MP4/MOV, H.264
    assert "video_too_short" in {i.code for i in video_issues(clip, get_spec("instagram"))}
    mastodon = video_issues(clip, get_spec("mastodon"))
    assert mastodon == []  # WebM, short, small: fine
    messages = [str(i.message) for i in video_issues(clip, get_spec("x"))]
    assert any("H.264" in m for m in messages)


def test_selectors_are_scoped_to_the_workspace(workspace, other_workspace, alice, mallory, photo):
    theirs = media_upload(
        workspace=other_workspace, by=mallory, uploaded_file=upload("t.png", png_bytes())
    )
    assert list(media_list(workspace=workspace)) == [photo]
    with pytest.raises(Http404):
        media_get(workspace=workspace, media_id=theirs.pk)
    media_update(asset=photo, by=alice, alt_text="Espresso on the bar")
    assert list(media_list(workspace=workspace, q="espresso")) == [photo]
    assert list(media_list(workspace=workspace, kind="video")) == []
    assert list(media_list(workspace=workspace, kind="nonsense")) == []


def test_platform_fits_cover_every_platform_that_takes_images(photo):
    kinds = [f.spec.kind for f in media_platform_fits(photo)]
    assert "youtube" not in kinds and {"instagram", "bluesky", "snapchat"} <= set(kinds)
