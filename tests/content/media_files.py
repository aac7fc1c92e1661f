"""Test images and videos made on the fly (no binary fixtures in the repository).

jpeg_bytes(400, 300, orientation=6, gps=True)   # a JPEG with EXIF (rotation, GPS)
png_bytes(300, 200, alpha=True)
gif_bytes(frames=3)                              # an animated GIF
video_bytes(container="mp4", seconds=1)          # a tiny H.264 MP4 made with PyAV
upload("a.jpg", jpeg_bytes())                   # a Django SimpleUploadedFile
"""

from __future__ import annotations

import io
import random
from fractions import Fraction

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

EXIF_ORIENTATION = 0x0112
EXIF_GPS_IFD = 0x8825
EXIF_MAKE = 0x010F


def _picture(width: int, height: int, mode: str = "RGB", *, noise: bool = False) -> Image.Image:
    """Four coloured quadrants (so crops are visible) and, optionally, photo-like noise."""
    image = Image.new(mode, (width, height), (200, 40, 40, 255)[: len(mode)])
    colours = [(40, 160, 60), (40, 60, 200), (230, 200, 40)]
    boxes = [
        (width // 2, 0, width, height // 2),
        (0, height // 2, width // 2, height),
        (width // 2, height // 2, width, height),
    ]
    for colour, box in zip(colours, boxes, strict=True):
        image.paste((*colour, 255)[: len(mode)], box)
    if noise:
        rng = random.Random(1)
        grain = Image.frombytes("L", (width, height), rng.randbytes(width * height))
        image = Image.blend(image.convert("RGB"), Image.merge("RGB", [grain] * 3), 0.35)
    return image


def jpeg_bytes(
    width: int = 400,
    height: int = 300,
    *,
    orientation: int | None = None,
    gps: bool = False,
    noise: bool = False,
    quality: int = 90,
) -> bytes:
    image = _picture(width, height, noise=noise)
    exif = Image.Exif()
    exif[EXIF_MAKE] = "RippleCam"
    if orientation:
        exif[EXIF_ORIENTATION] = orientation
    if gps:
        exif.get_ifd(EXIF_GPS_IFD).update(
            {1: "N", 2: (52.0, 22.0, 0.0), 3: "E", 4: (4.0, 54.0, 0.0)}
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


def png_bytes(width: int = 300, height: int = 200, *, alpha: bool = False) -> bytes:
    image = _picture(width, height, "RGBA" if alpha else "RGB")
    if alpha:
        image.putalpha(Image.new("L", (width, height), 128))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def webp_bytes(width: int = 300, height: int = 200) -> bytes:
    out = io.BytesIO()
    _picture(width, height).save(out, "WEBP")
    return out.getvalue()


def gif_bytes(width: int = 120, height: int = 80, *, frames: int = 3, ms: int = 100) -> bytes:
    images = [
        Image.new("RGB", (width, height), (colour, 255 - colour, 90))
        for colour in range(10, 10 + frames * 60, 60)
    ]
    out = io.BytesIO()
    if frames == 1:
        images[0].save(out, "GIF")
    else:
        images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=ms, loop=0)
    return out.getvalue()


def video_bytes(
    *,
    container: str = "mp4",
    codec: str = "libx264",
    width: int = 160,
    height: int = 96,
    seconds: float = 1.0,
    fps: int = 24,
    audio: bool = True,
) -> bytes:
    """A tiny video encoded with PyAV (FFmpeg bundled): coloured frames, optional AAC/Opus."""
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as output:
        stream = output.add_stream(codec, rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        audio_stream = None
        if audio:
            audio_codec = "libopus" if container == "webm" else "aac"
            audio_stream = output.add_stream(audio_codec, rate=48000)
        for index in range(round(seconds * fps)):
            picture = Image.new("RGB", (width, height), (index * 9 % 255, 80, 160))
            frame = av.VideoFrame.from_image(picture)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
        if audio_stream is not None:
            context = audio_stream.codec_context
            frame_size = context.frame_size or 960
            for start in range(0, round(seconds * 48000), frame_size):
                silence = av.AudioFrame(
                    format=context.format.name, layout=context.layout.name, samples=frame_size
                )
                for plane in silence.planes:
                    plane.update(bytes(plane.buffer_size))
                silence.sample_rate, silence.pts = 48000, start
                silence.time_base = Fraction(1, 48000)
                output.mux(audio_stream.encode(silence))
            output.mux(audio_stream.encode(None))
    return out.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    """A Django upload as a browser would send it (the claimed type is ignored by Ripple)."""
    return SimpleUploadedFile(name, content, content_type=content_type)
