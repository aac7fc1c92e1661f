"""The media pages and API: roles, uploads with per-file errors, 404 across workspaces,
file streaming headers, renditions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from content.models import MediaAsset, MediaRendition, Post, PostMedia
from content.services.media import media_upload
from smm.models import Role
from tests.content.media_files import gif_bytes, jpeg_bytes, png_bytes, upload, video_bytes
from tests.factories import member


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def photo(workspace, alice) -> MediaAsset:
    return media_upload(
        workspace=workspace, by=alice, uploaded_file=upload("cup.jpg", jpeg_bytes(1200, 900))
    )


@pytest.fixture
def theirs(other_workspace, mallory) -> MediaAsset:
    return media_upload(
        workspace=other_workspace, by=mallory, uploaded_file=upload("t.png", png_bytes())
    )


def _url(name, workspace, *args):
    return reverse(f"content:{name}", args=[workspace.slug, *args])


def test_library_lists_and_filters(client, alice, workspace, photo):
    media_upload(workspace=workspace, by=alice, uploaded_file=upload("loop.gif", gif_bytes()))
    client.force_login(alice)
    page = client.get(_url("media_library", workspace)).content.decode()
    assert "cup.jpg" in page and "loop.gif" in page
    assert 'id="upload-form"' in page
    page = client.get(_url("media_library", workspace) + "?kind=gif").content.decode()
    assert "loop.gif" in page and "cup.jpg" not in page


def test_library_query_count(client, alice, workspace, django_assert_num_queries):
    for n in range(10):
        MediaAsset.objects.create(
            workspace=workspace,
            uploaded_by=alice,
            file=f"x/{n}.png",
            original_name=f"f{n}.png",
            kind="image",
            content_type="image/png",
            size=10,
            sha256="0" * 64,
            width=10,
            height=10,
        )
    client.force_login(alice)
    client.get(_url("media_library", workspace))  # the first request of a session records it
    # session, user, usersession + its user + last-seen update (2 savepoints), membership +
    # workspace, media (+uploader join), heartbeat, workspace switcher, channels needing a
    # reconnect, unread notifications: the same for 10 or 60 files.
    with django_assert_num_queries(12):
        response = client.get(_url("media_library", workspace))
    assert response.content.decode().count('class="media-card"') == 10


def test_multi_upload_keeps_good_files_and_lists_errors(client, alice, workspace):
    client.force_login(alice)
    response = client.post(
        _url("media_library", workspace),
        {
            "files": [
                upload("good.png", png_bytes()),
                upload("notes.jpg", b"plain text, not a picture"),
                upload("clip.mp4", video_bytes()),
            ]
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "One file was not uploaded" in page
    assert "notes.jpg" in page and "is not an image or video Ripple can use" in page
    assert sorted(MediaAsset.objects.values_list("original_name", flat=True)) == [
        "clip.mp4",
        "good.png",
    ]


def test_single_good_upload_opens_its_page(client, alice, workspace):
    client.force_login(alice)
    response = client.post(
        _url("media_library", workspace), {"files": [upload("a.png", png_bytes())]}
    )
    asset = MediaAsset.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("media_detail", workspace, asset.pk)


def test_upload_with_no_files_or_only_bad_files_is_400(client, alice, workspace):
    client.force_login(alice)
    assert client.post(_url("media_library", workspace), {}).status_code == 400
    response = client.post(
        _url("media_library", workspace), {"files": [upload("x.gif", b"GIF89a broken")]}
    )
    assert response.status_code == 400
    assert "damaged or incomplete" in response.content.decode()


def test_viewers_see_but_cannot_upload_or_edit(client, workspace, photo):
    viewer = member(workspace, Role.VIEWER)
    client.force_login(viewer)
    page = client.get(_url("media_library", workspace)).content.decode()
    assert "cup.jpg" in page and 'id="upload-form"' not in page
    assert (
        client.post(
            _url("media_library", workspace), {"files": [upload("a.png", png_bytes())]}
        ).status_code
        == 403
    )
    detail = client.get(_url("media_detail", workspace, photo.pk)).content.decode()
    assert 'id="media-edit-form"' not in detail
    assert (
        client.post(_url("media_detail", workspace, photo.pk), {"alt_text": "x"}).status_code == 403
    )
    assert client.post(_url("media_delete", workspace, photo.pk)).status_code == 403


def test_contributor_cannot_edit_someone_elses_file(client, workspace, photo):
    carol = member(workspace, Role.CONTRIBUTOR)
    client.force_login(carol)
    assert (
        client.post(_url("media_detail", workspace, photo.pk), {"alt_text": "x"}).status_code == 403
    )
    assert client.post(_url("media_delete", workspace, photo.pk)).status_code == 403


def test_edit_alt_text_and_focal_point(client, alice, workspace, photo):
    client.force_login(alice)
    response = client.post(
        _url("media_detail", workspace, photo.pk) + "?platform=x",
        {"alt_text": "A flat white", "focal_x": "0.2", "focal_y": "0.3"},
    )
    assert response.status_code == 302 and "platform=x" in response["Location"]
    photo.refresh_from_db()
    assert (photo.alt_text, photo.focal_x, photo.focal_y) == ("A flat white", 0.2, 0.3)
    bad = client.post(
        _url("media_detail", workspace, photo.pk), {"alt_text": "kept", "focal_x": "2"}
    )
    assert bad.status_code == 400
    assert "kept" in bad.content.decode()  # what was typed stays


def test_detail_shows_both_fits_for_the_picked_platform(client, alice, workspace, photo):
    client.force_login(alice)
    page = client.get(
        _url("media_detail", workspace, photo.pk) + "?platform=snapchat"
    ).content.decode()
    assert _url("media_rendition", workspace, photo.pk, "snapchat", "crop") in page
    assert _url("media_rendition", workspace, photo.pk, "snapchat", "pad") in page
    assert "506\u00d7900" in page and "1080\u00d71920" in page


def test_video_detail_lists_checks_per_platform(client, alice, workspace):
    clip = media_upload(
        workspace=workspace, by=alice, uploaded_file=upload("c.mp4", video_bytes(seconds=1))
    )
    client.force_login(alice)
    page = client.get(_url("media_detail", workspace, clip.pk)).content.decode()
    assert 'id="check-instagram"' in page
    assert "Instagram needs at least 3." in page


def test_delete_refused_while_used_then_allowed(client, alice, workspace, photo):
    client.force_login(alice)
    post = Post.objects.create(workspace=workspace, author=alice)
    PostMedia.objects.create(post=post, asset=photo)
    response = client.post(_url("media_delete", workspace, photo.pk), follow=True)
    assert "used in 1 post" in response.content.decode()
    PostMedia.objects.all().delete()
    response = client.post(_url("media_delete", workspace, photo.pk))
    assert response.status_code == 302 and not MediaAsset.objects.exists()


def test_file_and_rendition_are_streamed_with_safe_headers(client, alice, workspace, photo):
    client.force_login(alice)
    response = client.get(_url("media_file", workspace, photo.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == jpeg_bytes(1200, 900)
    again = client.get(_url("media_file", workspace, photo.pk), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304

    response = client.get(_url("media_rendition", workspace, photo.pk, "snapchat", "pad"))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (MediaRendition.objects.get().width, MediaRendition.objects.get().height) == (1080, 1920)
    assert (
        client.get(_url("media_rendition", workspace, photo.pk, "myspace", "pad")).status_code
        == 404
    )
    assert (
        client.get(_url("media_rendition", workspace, photo.pk, "x", "stretch")).status_code == 404
    )


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("media_detail", ()),
        ("media_file", ()),
        ("media_rendition", ("x", "crop")),
    ],
)
def test_other_workspaces_media_is_404(client, alice, workspace, theirs, name, extra):
    client.force_login(alice)
    assert client.get(_url(name, workspace, theirs.pk, *extra)).status_code == 404
    assert client.post(_url("media_delete", workspace, theirs.pk)).status_code == 404


def test_outsider_gets_404(client, mallory, workspace, photo):
    client.force_login(mallory)
    assert client.get(_url("media_library", workspace)).status_code == 404
    assert client.get(_url("media_file", workspace, photo.pk)).status_code == 404


def test_anonymous_is_sent_to_login(client, workspace, photo):
    response = client.get(_url("media_file", workspace, photo.pk))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# API -------------------------------------------------------------------------------------------


def _api(name, workspace, *args):
    return reverse(f"api:{name}", args=[workspace.slug, *args])


def test_api_upload_list_patch_delete(client, alice, workspace):
    client.force_login(alice)
    response = client.post(
        _api("media_list", workspace),
        {"file": upload("team.png", png_bytes()), "alt_text": "The team", "focal_x": "0.3"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "image/png" and body["alt_text"] == "The team"
    assert body["focal_x"] == 0.3 and body["file_url"].endswith(f"/media/{body['id']}/file/")
    listing = client.get(_api("media_list", workspace)).json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == body["id"]
    patched = client.patch(
        _api("media_detail", workspace, body["id"]),
        {"focal_y": 0.1},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["focal_y"] == 0.1
    assert client.delete(_api("media_detail", workspace, body["id"])).status_code == 204


def test_api_refuses_bad_files_with_the_reason(client, alice, workspace):
    client.force_login(alice)
    response = client.post(_api("media_list", workspace), {"file": upload("a.jpg", b"nope")})
    assert response.status_code == 400
    assert "is not an image or video" in str(response.json()["errors"])


def test_api_rendition(client, alice, workspace, photo):
    client.force_login(alice)
    response = client.get(_api("media_rendition", workspace, photo.pk, "instagram") + "?fit=pad")
    assert response.status_code == 200
    body = response.json()
    assert (body["width"], body["height"], body["content_type"], body["fit"]) == (
        1200,
        900,
        "image/jpeg",
        "pad",
    )
    assert body["url"].endswith("/rendition/instagram/pad/")
    assert client.get(_api("media_rendition", workspace, photo.pk, "myspace")).status_code == 404


def test_api_roles_and_scoping(client, workspace, photo, theirs, alice):
    viewer = member(workspace, Role.VIEWER)
    client.force_login(viewer)
    assert client.get(_api("media_detail", workspace, photo.pk)).status_code == 200
    assert (
        client.post(
            _api("media_list", workspace), {"file": upload("a.png", png_bytes())}
        ).status_code
        == 403
    )
    assert client.delete(_api("media_detail", workspace, photo.pk)).status_code == 403
    carol = member(workspace, Role.CONTRIBUTOR)
    client.force_login(carol)
    response = client.patch(
        _api("media_detail", workspace, photo.pk),
        {"alt_text": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403
    client.force_login(alice)
    assert client.get(_api("media_detail", workspace, theirs.pk)).status_code == 404
    assert client.get(_api("media_rendition", workspace, theirs.pk, "x")).status_code == 404


def test_api_delete_in_use_is_400(client, alice, workspace, photo):
    client.force_login(alice)
    PostMedia.objects.create(
        post=Post.objects.create(workspace=workspace, author=alice), asset=photo
    )
    response = client.delete(_api("media_detail", workspace, photo.pk))
    assert response.status_code == 400 and "used in 1 post" in response.json()["detail"]
