"""inspect_file(): files are judged by their content, with clear reasons for refusals."""

from __future__ import annotations

import struct
import zlib

import pytest

from content.media import inspect as inspect_module
from content.media.inspect import MediaRejected, inspect_file
from tests.content.media_files import gif_bytes, jpeg_bytes, png_bytes, video_bytes, webp_bytes


@pytest.fixture
def write(tmp_path):
    def _write(data: bytes, name: str = "upload.bin") -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return _write


def test_png(write):
    info = inspect_file(write(png_bytes(300, 200, alpha=True)), claimed_name="logo.png")
    assert (info.kind, info.content_type, info.width, info.height) == (
        "image",
        "image/png",
        300,
        200,
    )
    assert info.extension == "png"


def test_jpeg_named_png_is_a_jpeg_and_exif_rotation_counts(write):
    info = inspect_file(write(jpeg_bytes(400, 300, orientation=6)), claimed_name="photo.png")
    assert info.content_type == "image/jpeg"
    assert (info.width, info.height) == (300, 400)


def test_webp_and_still_gif_are_images(write):
    assert inspect_file(write(webp_bytes())).content_type == "image/webp"
    still = inspect_file(write(gif_bytes(frames=1)))
    assert (still.kind, still.content_type) == ("image", "image/gif")


def test_animated_gif(write):
    info = inspect_file(write(gif_bytes(frames=4, ms=250)))
    assert info.kind == "gif"
    assert info.duration_seconds == pytest.approx(1.0)
    assert info.fps == pytest.approx(4.0)


def test_mp4_made_with_pyav(write):
    info = inspect_file(write(video_bytes(seconds=1, fps=24)), claimed_name="clip.mp4")
    assert (info.kind, info.content_type, info.container) == ("video", "video/mp4", "mp4")
    assert (info.width, info.height) == (160, 96)
    assert info.duration_seconds == pytest.approx(1.0, abs=0.1)
    assert info.fps == pytest.approx(24.0)
    assert (info.video_codec, info.audio_codec) == ("h264", "aac")


def test_mov_and_webm(write):
    assert inspect_file(write(video_bytes(container="mov"))).content_type == "video/quicktime"
    webm = inspect_file(write(video_bytes(container="webm", codec="libvpx-vp9")))
    assert (webm.content_type, webm.video_codec, webm.audio_codec) == ("video/webm", "vp9", "opus")


def test_matroska_is_refused_with_advice(write):
    with pytest.raises(MediaRejected, match="Export it as MP4"):
        inspect_file(write(video_bytes(container="matroska", audio=False)), claimed_name="a.mkv")


def test_text_file_renamed_jpg(write):
    with pytest.raises(MediaRejected) as err:
        inspect_file(write(b"just some notes\n" * 10), claimed_name="notes.jpg")
    assert "notes.jpg is not an image or video Ripple can use" in err.value.message


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (jpeg_bytes(400, 300)[:1500], "cut.jpg"),
        (png_bytes(300, 200)[:400], "cut.png"),
        (video_bytes()[:2000], "cut.mp4"),
    ],
)
def test_corrupt_or_truncated_files(write, data, name):
    with pytest.raises(MediaRejected, match="damaged or incomplete"):
        inspect_file(write(data), claimed_name=name)


def test_empty_file(write):
    with pytest.raises(MediaRejected, match="is empty"):
        inspect_file(write(b""), claimed_name="zero.png")


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a huge size: the bomb guard must refuse it before decoding."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_too_many_pixels_is_refused_before_decoding(write):
    with pytest.raises(MediaRejected, match="megapixels"):
        inspect_file(write(_png_header_only(30_000, 30_000)), claimed_name="huge.png")


def test_our_pixel_limit_applies(write, monkeypatch):
    monkeypatch.setattr(inspect_module, "MAX_IMAGE_PIXELS", 10_000)
    with pytest.raises(MediaRejected, match="400 x 300 pixels"):
        inspect_file(write(jpeg_bytes(400, 300)), claimed_name="big.jpg")


def test_heic_gets_advice(write):
    data = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 32
    with pytest.raises(MediaRejected, match="HEIC"):
        inspect_file(write(data), claimed_name="IMG_0001.HEIC")
