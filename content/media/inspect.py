"""What an uploaded file really is, judged by its content and never by its name.

    info = inspect_file("/tmp/upload-x1", claimed_name="holiday.jpg")
    info.kind, info.content_type, info.width, info.height  # "image", "image/jpeg", 4000, 3000

Images are opened with Pillow (decompression-bomb guard on, fully decoded once at a reduced size
so a truncated file is caught), videos with PyAV (FFmpeg). Width and height are as people see
the picture: a JPEG whose EXIF says "rotate 90°" reports its rotated size. Anything else raises
`MediaRejected` with a message for people. Pure: reads only the file at `path`.
"""

from __future__ import annotations

import os
import warnings
import zlib
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

MediaKindName = Literal["image", "gif", "video"]

# Far more than any platform takes (LinkedIn's 36 MP is the largest), far less than a bomb.
MAX_IMAGE_PIXELS = 100_000_000
# Animated GIFs: frames are decoded one by one to learn the duration; stop counting here.
MAX_GIF_FRAMES = 5_000
# EXIF orientations that turn the picture a quarter: width and height swap.
_QUARTER_TURNS = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112

IMAGE_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/x-m4v": "m4v",
    "video/webm": "webm",
}
# ISO base media brands (the `ftyp` box) that are still pictures, not video.
_IMAGE_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


class MediaRejected(Exception):
    """The file cannot be used; `message` says why, in the active language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Inspected:
    """The facts of one file. Video facts are None/"" for images; `duration_seconds` and `fps`
    are set for animated GIFs too."""

    kind: MediaKindName
    content_type: str
    width: int
    height: int
    duration_seconds: float | None = None
    fps: float | None = None
    video_codec: str = ""
    audio_codec: str = ""
    container: str = ""

    @property
    def extension(self) -> str:
        """The file name extension that goes with the detected format (no dot)."""
        return EXTENSIONS[self.content_type]


def supported_formats_text() -> str:
    return _("JPEG, PNG, GIF or WebP images and MP4, MOV or WebM videos")


def inspect_file(path: str, *, claimed_name: str = "") -> Inspected:
    """Inspect the file at `path`. `claimed_name` (the uploader's file name) only words messages.

    Raises MediaRejected when the file is empty, not an image or video we take, corrupt or
    truncated, or bigger than MAX_IMAGE_PIXELS.
    """
    name = os.path.basename(claimed_name) or _("This file")
    with open(path, "rb") as handle:
        head = handle.read(64)
    if not head:
        raise MediaRejected(_("%(name)s is empty.") % {"name": name})
    sniffed = _sniff(head)
    if sniffed == "image":
        return _inspect_image(path, name)
    if sniffed == "video":
        return _inspect_video(path, name, head)
    if sniffed == "heif":
        raise MediaRejected(
            _(
                "%(name)s is a HEIC/AVIF photo, which most platforms don't take. Export it as "
                "JPEG (on an iPhone: Settings → Camera → Formats → Most Compatible) and upload "
                "that."
            )
            % {"name": name}
        )
    raise MediaRejected(
        _(
            "%(name)s is not an image or video Ripple can use, whatever its name says. "
            "Upload %(formats)s."
        )
        % {"name": name, "formats": supported_formats_text()}
    )


def _sniff(head: bytes) -> Literal["image", "video", "heif", ""]:
    """A first guess from the magic bytes; the decoders have the last word."""
    if head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "heif" if brand in _IMAGE_BRANDS else "video"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip"):
        return "video"  # an old QuickTime file without an ftyp box
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video"  # EBML: WebM (Matroska is refused once we read its doctype)
    return ""


def _corrupt(name: str) -> MediaRejected:
    return MediaRejected(
        _(
            "%(name)s could not be read: the file is damaged or incomplete. Try exporting or "
            "downloading it again."
        )
        % {"name": name}
    )


def _too_many_pixels(name: str, width: int, height: int) -> MediaRejected:
    return MediaRejected(
        _(
            "%(name)s is %(width)s x %(height)s pixels (%(mp)s megapixels); Ripple takes images up "
            "to %(max)s megapixels. Scale it down and upload it again."
        )
        % {
            "name": name,
            "width": width,
            "height": height,
            "mp": f"{width * height / 1_000_000:.0f}",
            "max": f"{MAX_IMAGE_PIXELS / 1_000_000:.0f}",
        }
    )


def _inspect_image(path: str, name: str) -> Inspected:
    with warnings.catch_warnings():
        # Pillow warns above MAX_IMAGE_PIXELS and raises above twice that; we refuse both.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=list(IMAGE_TYPES)) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels(name, image.width, image.height)
                content_type = IMAGE_TYPES[image.format or ""]
                raw_width, raw_height = image.size
                orientation = image.getexif().get(_EXIF_ORIENTATION, 1)
                animated = content_type == "image/gif" and getattr(image, "is_animated", False)
                duration = _gif_duration(image) if animated else None
                frames = getattr(image, "n_frames", 1) if animated else 1
                # Decode once (at 1/8 size for JPEG: fast) so a truncated file fails here.
                if content_type == "image/jpeg":
                    image.draft("RGB", (max(1, raw_width // 8), max(1, raw_height // 8)))
                image.seek(0)
                image.load()
        except MediaRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise MediaRejected(
                _("%(name)s is too large to open safely (more than %(max)s megapixels).")
                % {"name": name, "max": f"{MAX_IMAGE_PIXELS / 1_000_000:.0f}"}
            ) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise _corrupt(name) from exc
        except zlib.error as exc:
            raise _corrupt(name) from exc
    width, height = (
        (raw_height, raw_width) if orientation in _QUARTER_TURNS else (raw_width, raw_height)
    )
    if animated:
        fps = frames / duration if duration else None
        return Inspected(
            "gif",
            content_type,
            width,
            height,
            duration_seconds=duration,
            fps=round(fps, 3) if fps else None,
        )
    return Inspected("image", content_type, width, height)


def _gif_duration(image: Image.Image) -> float | None:
    """Seconds one loop of an animated GIF lasts (browsers show a 0 ms frame as 100 ms)."""
    total_ms = 0
    for index in range(min(getattr(image, "n_frames", 1), MAX_GIF_FRAMES)):
        image.seek(index)
        frame_ms = image.info.get("duration") or 0
        total_ms += frame_ms if frame_ms >= 20 else 100
    return round(total_ms / 1000, 3) if total_ms else None


def _iso_content_type(head: bytes) -> str:
    brand = head[8:12] if head[4:8] == b"ftyp" else b"qt  "
    if brand == b"qt  ":
        return "video/quicktime"
    if brand == b"M4V ":
        return "video/x-m4v"
    return "video/mp4"


def _inspect_video(path: str, name: str, head: bytes) -> Inspected:
    import av  # PyAV bundles FFmpeg; imported here so image-only code paths don't load it

    try:
        container = av.open(path, mode="r", metadata_errors="ignore")
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise _corrupt(name) from exc
    with container:
        format_names = set((container.format.name or "").split(","))
        if head.startswith(b"\x1a\x45\xdf\xa3"):
            if b"webm" not in _ebml_doctype(path):
                raise MediaRejected(
                    _(
                        "%(name)s is a Matroska (MKV) video, which social platforms don't take. "
                        "Export it as MP4 (H.264) and upload that."
                    )
                    % {"name": name}
                )
            content_type, container_name = "video/webm", "webm"
        elif format_names & {"mov", "mp4"}:
            content_type = _iso_content_type(head)
            container_name = "mov" if content_type == "video/quicktime" else "mp4"
        else:
            raise _corrupt(name)
        if not container.streams.video:
            raise MediaRejected(
                _("%(name)s has no picture (only sound). Upload a video with a video track.")
                % {"name": name}
            )
        stream = container.streams.video[0]
        codec = stream.codec_context
        width, height = int(codec.width or 0), int(codec.height or 0)
        if not width or not height:
            raise _corrupt(name)
        rate = stream.average_rate or stream.guessed_rate
        fps = round(float(rate), 3) if rate else None
        duration = _video_duration(container, stream)
        if _first_frame_rotation(container, stream, name) % 180 == 90:
            width, height = height, width
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else ""
        return Inspected(
            "video",
            content_type,
            width,
            height,
            duration_seconds=duration,
            fps=fps,
            video_codec=codec.name or "",
            audio_codec=audio or "",
            container=container_name,
        )


def _video_duration(container: object, stream: object) -> float | None:
    duration = getattr(container, "duration", None)  # microseconds (AV_TIME_BASE)
    if duration:
        return round(duration / 1_000_000, 3)
    if getattr(stream, "duration", None) and getattr(stream, "time_base", None):
        return round(float(stream.duration * Fraction(stream.time_base)), 3)  # type: ignore[attr-defined]
    return None


def _first_frame_rotation(container: object, stream: object, name: str) -> int:
    """Decode the first frame: proves the track is readable and gives its display rotation
    (phones record portrait video as landscape frames plus a "rotate 90°" display matrix)."""
    import av

    try:
        frame = next(container.decode(stream), None)  # type: ignore[attr-defined]
    except (av.FFmpegError, ValueError) as exc:
        raise _corrupt(name) from exc
    if frame is None:
        raise _corrupt(name)
    return round(getattr(frame, "rotation", 0) or 0)


def _ebml_doctype(path: str) -> bytes:
    """The first bytes of a Matroska/WebM file, where its DocType ("webm"/"matroska") is."""
    with open(path, "rb") as handle:
        return handle.read(64).lower()
