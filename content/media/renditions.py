"""Renditions: an image made to fit one platform's rules, from the untouched original.

    p = plan(4000, 3000, get_spec("instagram").images, "crop", 0.3, 0.5)
    p.width, p.height, p.crop                  # 1350, 1012, (0, 0, 4000, 3000)
    out = render("/path/original.jpg", p, get_spec("instagram").images)
    out.data, out.content_type                 # JPEG bytes without EXIF/GPS, "image/jpeg"

Rules of the plan: keep the picture's aspect ratio when the platform takes it; otherwise crop
around the focal point or pad (the user picks) to the nearest aspect the platform allows. Then
fit inside the platform's recommended size (turned to the picture's orientation) and its hard
maxima. Never upscale, except to reach a platform's minimum width or height.

Speed (bench/RENDITIONS.md): a JPEG is decoded once, at the smallest DCT scale (1/8, 1/4, 1/2:
Pillow's `draft`) that still has the pixels the largest rendition needs, or at 1/2 when that
copy is at most MAX_DECODE_UPSCALE short (a 1080x1920 crop of a 12 MP photo), so a full-size
decode is left for the few renditions that really need it. `render_many` shares that decode
between all renditions of one upload; each rendition is resampled (bilinear) from the smallest
box-filtered halving that has enough pixels. Pure: no ORM, no storage, reads only the source
it is given.
"""

from __future__ import annotations

import io
import math
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from PIL import Image

from channels_app.specs import ImageRules, MediaInfo, PlatformSpec
from channels_app.specs.validation import ASPECT_TOLERANCE

CROP, PAD = "crop", "pad"
PAD_COLOUR = (255, 255, 255)
JPEG_QUALITY = 85
# Lower JPEG qualities tried, in order, when a rendition is over the platform's byte limit.
JPEG_QUALITY_STEPS = (76, 68, 60, 52, 44)
MAX_SHRINK_ROUNDS = 6
# The last step resamples by at most 2x from a box-filtered halving: bilinear is 40 % cheaper
# than bicubic there and differs from a full-size Lanczos reference by < 1 level of 255 on
# average (tests/content/test_media_renditions.py guards it; see bench/RENDITIONS.md).
RESAMPLING = Image.Resampling.BILINEAR
# A JPEG is decoded at half size, and enlarged by up to this factor, instead of decoding it at
# full size (twice the work, four times the memory) for a rendition that needs a little more
# than half of the original's pixels. The rendition is still a reduction of the original.
MAX_DECODE_UPSCALE = 1.3
# Two threads: Pillow decodes, resamples and encodes outside the GIL, and a web or task worker
# should not take more than two cores for one upload.
RENDER_THREADS = min(2, os.cpu_count() or 1)
_EXIF_ORIENTATION = 0x0112
# EXIF orientation -> the transpose that shows the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_PREFERRED_OUTPUTS = ("image/jpeg", "image/png", "image/webp")
_PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Rough bytes per pixel of our encoder's output, for planning before anything is rendered.
_BYTES_PER_PIXEL = {"image/jpeg": 0.35, "image/png": 1.6, "image/webp": 0.25}


@dataclass(frozen=True)
class RenditionPlan:
    """What to do with a `source_width` x `source_height` picture (as displayed, EXIF-rotated).

    `crop` is the part of the source used (left, top, right, bottom); with "pad" it is the
    whole picture. The result is `width` x `height`; the picture, scaled to
    `content_width` x `content_height`, sits at `offset` (pad) or fills it (crop).
    """

    source_width: int
    source_height: int
    fit: str
    crop: tuple[int, int, int, int]
    width: int
    height: int
    content_width: int
    content_height: int
    offset: tuple[int, int] = (0, 0)

    @property
    def scale(self) -> float:
        """Output pixels per source pixel (1.0: full size; < 1: scaled down)."""
        left, _top, right, _bottom = self.crop
        return self.content_width / max(1, right - left)

    @property
    def is_cropped(self) -> bool:
        return self.crop != (0, 0, self.source_width, self.source_height)

    @property
    def is_padded(self) -> bool:
        return (self.content_width, self.content_height) != (self.width, self.height)

    @property
    def is_unchanged(self) -> bool:
        """True when the rendition has the original's exact pixels (only re-encoding is left)."""
        return (
            not self.is_cropped
            and not self.is_padded
            and (self.width, self.height) == (self.source_width, self.source_height)
        )


@dataclass(frozen=True)
class RenderedImage:
    """An encoded rendition; `data` holds the file's bytes (also readable as `.bytes`)."""

    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def bytes(self) -> bytes:
        return self.data

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[self.content_type]


class AssetLike(Protocol):
    kind: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    duration_seconds: float | None
    fps: float | None
    alt_text: str
    focal_x: float
    focal_y: float


# Planning --------------------------------------------------------------------------------------


def target_aspect(width: int, height: int, rules: ImageRules) -> float:
    """The picture's own aspect if the platform takes it (within the validator's 1 %
    tolerance), else the nearest allowed one."""
    ratio = width / height
    low, high = rules.min_aspect, rules.max_aspect
    if low is not None and ratio < low * (1 - ASPECT_TOLERANCE):
        return low
    if high is not None and ratio > high * (1 + ASPECT_TOLERANCE):
        return high
    return ratio


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _scale_for(region_width: int, region_height: int, rules: ImageRules) -> float:
    scale = 1.0
    if rules.recommended_size:
        box_w, box_h = rules.recommended_size
        # Turn the box to the picture's orientation: a portrait preset still lets a landscape
        # picture be as wide as the preset is tall.
        if box_w != box_h and (region_width >= region_height) != (box_w >= box_h):
            box_w, box_h = box_h, box_w
        scale = min(scale, box_w / region_width, box_h / region_height)
    maxima = _hard_maximum(region_width, region_height, rules)
    scale = min(scale, maxima)
    minimum = max(
        (rules.min_width or 0) / region_width,
        (rules.min_height or 0) / region_height,
    )
    if minimum > scale:
        # Upscaling is allowed only to reach the platform's minimum, and never past a maximum.
        scale = min(minimum, maxima)
    return scale


def _hard_maximum(region_width: int, region_height: int, rules: ImageRules) -> float:
    scale = math.inf
    if rules.max_width:
        scale = min(scale, rules.max_width / region_width)
    if rules.max_height:
        scale = min(scale, rules.max_height / region_height)
    if rules.max_pixels:
        scale = min(scale, math.sqrt(rules.max_pixels / (region_width * region_height)))
    return scale


def plan(
    width: int,
    height: int,
    rules: ImageRules,
    fit: str,
    focal_x: float = 0.5,
    focal_y: float = 0.5,
) -> RenditionPlan:
    """Plan the rendition of a `width` x `height` picture (as displayed) for `rules`.

    `fit` is "crop" (cut to the allowed aspect, keeping the focal point (fractions 0..1) as
    central as the frame allows) or "pad" (fit the whole picture, filling the rest).
    Raises ValueError for an empty picture or an unknown fit. Pure.
    """
    if width <= 0 or height <= 0:
        raise ValueError("an image needs a width and a height")
    if fit not in (CROP, PAD):
        raise ValueError(f"unknown fit {fit!r}")
    ratio = width / height
    aspect = target_aspect(width, height, rules)
    region_w, region_h = width, height
    crop = (0, 0, width, height)
    if fit == CROP and aspect != ratio:
        if aspect < ratio:  # too wide: keep the height, cut the sides
            region_w = max(1, min(width, round(height * aspect)))
        else:  # too tall: keep the width, cut top and bottom
            region_h = max(1, min(height, round(width / aspect)))
        left = round(_clamp(focal_x * width - region_w / 2, 0, width - region_w))
        top = round(_clamp(focal_y * height - region_h / 2, 0, height - region_h))
        crop = (left, top, left + region_w, top + region_h)
    elif fit == PAD and aspect != ratio:
        if aspect < ratio:  # too wide: add space above and below
            region_h = max(height, round(width / aspect))
        else:  # too tall: add space at the sides
            region_w = max(width, round(height * aspect))
    scale = _scale_for(region_w, region_h, rules)
    out_w, out_h = max(1, round(region_w * scale)), max(1, round(region_h * scale))
    if aspect != ratio:
        # Hit a fixed aspect exactly (9:16 is 1080x1920, not 1080x1919).
        exact_h = max(1, round(out_w / aspect))
        if abs(exact_h - out_h) <= 1:
            out_h = exact_h
    if fit == CROP or (region_w, region_h) == (width, height):
        return RenditionPlan(width, height, fit, crop, out_w, out_h, out_w, out_h)
    content_w = min(out_w, max(1, round(width * scale)))
    content_h = min(out_h, max(1, round(height * scale)))
    offset = ((out_w - content_w) // 2, (out_h - content_h) // 2)
    return RenditionPlan(width, height, fit, crop, out_w, out_h, content_w, content_h, offset)


def _accepts(formats: Sequence[str], content_type: str) -> bool:
    return any(
        accepted == content_type
        or (accepted.endswith("/*") and content_type.startswith(accepted[:-1]))
        for accepted in formats
    )


def output_type(source_type: str, rules: ImageRules) -> str:
    """The format a rendition is written in: the original's, if the platform takes it and we
    write it (JPEG, PNG, WebP), else the first of JPEG, PNG, WebP the platform takes.
    A still GIF becomes PNG (lossless) where taken."""
    if source_type in _PIL_FORMATS and _accepts(rules.formats, source_type):
        return source_type
    preferred = ("image/png", "image/jpeg") if source_type == "image/gif" else _PREFERRED_OUTPUTS
    for candidate in (*preferred, *_PREFERRED_OUTPUTS):
        if _accepts(rules.formats, candidate):
            return candidate
    return "image/jpeg"  # the platform takes no still format we write; the validator says so


def byte_limit(rules: ImageRules, content_type: str) -> int | None:
    return rules.max_bytes_by_format.get(content_type, rules.max_bytes)


def estimated_size(
    asset: AssetLike, the_plan: RenditionPlan, content_type: str, rules: ImageRules
) -> int:
    """A planning estimate of the rendition's size in bytes; `render` keeps it under the limit."""
    pixels = the_plan.width * the_plan.height
    source_pixels = max(1, (asset.width or 1) * (asset.height or 1))
    if content_type == asset.content_type:
        guess = asset.size * pixels / source_pixels
        if content_type == "image/jpeg":
            guess = min(guess, pixels * 0.6)  # we write at quality 85, cameras at 92..98
    else:
        guess = pixels * _BYTES_PER_PIXEL.get(content_type, 0.5)
    limit = byte_limit(rules, content_type)
    return max(1, round(min(guess, limit) if limit else guess))


def planned_media_info(asset: AssetLike, spec: PlatformSpec, fit: str) -> MediaInfo:
    """What `asset` will be when sent to `spec`'s platform, for `validate_post`.

    Images: the plan's size, the output format and an estimated byte size. Animated GIFs and
    videos are sent as uploaded: the original's facts. Pure.
    """
    if asset.kind != "image" or not asset.width or not asset.height:
        return MediaInfo(
            asset.content_type,
            asset.size,
            asset.width,
            asset.height,
            asset.duration_seconds,
            asset.fps,
            asset.alt_text,
        )
    rules = spec.images
    the_plan = plan(asset.width, asset.height, rules, fit, asset.focal_x, asset.focal_y)
    content_type = output_type(asset.content_type, rules)
    size = estimated_size(asset, the_plan, content_type, rules)
    limit = byte_limit(rules, content_type)
    if (
        content_type == "image/png"
        and limit
        and size >= limit
        and _accepts(rules.formats, "image/jpeg")
    ):
        content_type = "image/jpeg"  # render() falls back to JPEG for a PNG over the limit
        size = estimated_size(asset, the_plan, content_type, rules)
    return MediaInfo(
        content_type, size, the_plan.width, the_plan.height, None, None, asset.alt_text
    )


# Rendering -------------------------------------------------------------------------------------


@dataclass
class SourceImage:
    """A decoded original, turned upright, perhaps at a reduced scale; shared by renditions.

    `width`/`height` are the original's displayed size; `image` may be smaller (JPEG draft).
    Halved copies (`level`) are made on demand and kept, so many renditions of one upload
    each resample from the smallest copy that still has enough pixels.
    """

    image: Image.Image
    width: int
    height: int
    content_type: str
    icc_profile: bytes | None
    _levels: dict[tuple[int, bool], Image.Image] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def factor(self) -> float:
        return self.image.width / self.width

    def level(self, scale: float, *, flatten: bool) -> tuple[Image.Image, float]:
        """The smallest halving of `image` with at least `scale` of the original's pixels
        (alpha flattened on white if `flatten`), and its factor (its pixels per original
        pixel)."""
        halvings, factor = 0, self.factor
        while factor / 2 >= scale * (1 - 1e-9) and min(self.image.size) >> (halvings + 1) >= 16:
            halvings, factor = halvings + 1, factor / 2
        with self._lock:  # render_many uses threads; build each level once
            return self._level(halvings, flatten), factor

    def close(self) -> None:
        """Free the pixels now (a 12 MP photo holds 12-48 MB), not at garbage collection."""
        with self._lock:
            for picture in self._levels.values():
                picture.close()
            self._levels.clear()
            self.image.close()

    def _level(self, halvings: int, flatten: bool) -> Image.Image:
        key = (halvings, flatten)
        if key not in self._levels:
            if halvings == 0:
                picture = self.image
                if flatten and picture.mode == "RGBA":
                    flat = Image.new("RGB", picture.size, PAD_COLOUR)
                    flat.paste(picture, mask=picture.getchannel("A"))
                    picture = flat
            else:
                picture = self._level(halvings - 1, flatten).reduce(2)
            self._levels[key] = picture
        return self._levels[key]


Source = str | Path | IO[bytes] | SourceImage


def decode_scale(min_scale: float) -> int:
    """The JPEG DCT reduction (8, 4, 2 or 1: decode at 1/8 .. full size) for renditions that
    need `min_scale` of the original's pixels: the smallest decode that has them, or half size
    when that is at most MAX_DECODE_UPSCALE short. Pure."""
    for denominator in (8, 4, 2):
        if min_scale <= 1 / denominator * (1 + 1e-9):
            return denominator
    return 2 if min_scale <= MAX_DECODE_UPSCALE / 2 else 1


def load_source(source: str | Path | IO[bytes], *, min_scale: float = 1.0) -> SourceImage:
    """Decode `source`, upright, keeping at least `min_scale` of its pixels (JPEG: the
    smallest DCT scale that does, see `decode_scale`). Raises OSError/ValueError for a file
    Pillow cannot read."""
    opened = Image.open(source)
    try:
        content_type = Image.MIME.get(opened.format or "", "image/jpeg")
        raw_w, raw_h = opened.size
        orientation = opened.getexif().get(_EXIF_ORIENTATION, 1)
        denominator = decode_scale(min_scale)
        if opened.format == "JPEG" and denominator > 1 and min(raw_w, raw_h) >= 16 * denominator:
            opened.draft("RGB", (raw_w // denominator, raw_h // denominator))
        opened.seek(0)
        opened.load()
        icc = opened.info.get("icc_profile")
        image = _normalise_mode(opened)
    finally:
        if opened.fp is not None and getattr(opened, "_exclusive_fp", False):
            opened.fp.close()
    if orientation in _UPRIGHT:
        upright = image.transpose(_UPRIGHT[orientation])
        image.close()  # free the sideways pixels now, not at the next garbage collection
        image = upright
    width, height = (raw_h, raw_w) if orientation in (5, 6, 7, 8) else (raw_w, raw_h)
    return SourceImage(image, width, height, content_type, icc)


def _normalise_mode(image: Image.Image) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    wanted = "RGBA" if has_alpha else "RGB"
    return image if image.mode == wanted else image.convert(wanted)


def _pixels(source: SourceImage, the_plan: RenditionPlan, *, keep_alpha: bool) -> Image.Image:
    picture, factor = source.level(the_plan.scale, flatten=not keep_alpha)
    box = tuple(value * factor for value in the_plan.crop)
    size = (the_plan.content_width, the_plan.content_height)
    if size == picture.size and box == (0, 0, *picture.size):
        content = picture  # the shared copy already is the rendition: encode it, don't copy it
    else:
        content = picture.resize(size, RESAMPLING, box=box)  # type: ignore[arg-type]
    if not the_plan.is_padded:
        return content
    fill: tuple[int, ...] = (*PAD_COLOUR, 0) if content.mode == "RGBA" else PAD_COLOUR
    canvas = Image.new(content.mode, (the_plan.width, the_plan.height), fill)
    canvas.paste(content, the_plan.offset)
    return canvas


def _encode(image: Image.Image, content_type: str, quality: int, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    options: dict[str, Any] = {}
    if icc:
        options["icc_profile"] = icc  # colour, not personal data: kept so colours stay right
    if content_type == "image/jpeg":
        if image.mode != "RGB":
            image = image.convert("RGB")
        options.update(quality=quality, optimize=False, progressive=False)
    elif content_type == "image/webp":
        options.update(quality=quality, method=3)
    else:
        options.update(compress_level=6)
    # No exif=..., no pnginfo: EXIF (camera, GPS position, time) and text chunks are dropped.
    image.save(out, _PIL_FORMATS[content_type], **options)
    return out.getvalue()


def render(source: Source, the_plan: RenditionPlan, rules: ImageRules) -> RenderedImage:
    """Render `the_plan` from `source` (a path, a binary file or a `load_source` result).

    Writes a format `rules` takes (PNG → JPEG for Instagram...), without EXIF/GPS metadata, and
    under the platform's byte limit: lower JPEG quality first, then smaller pixel sizes.
    Raises OSError/ValueError if the source cannot be decoded.
    """
    loaded = (
        source if isinstance(source, SourceImage) else load_source(source, min_scale=the_plan.scale)
    )
    content_type = output_type(loaded.content_type, rules)
    keep_alpha = content_type != "image/jpeg"
    picture = _pixels(loaded, the_plan, keep_alpha=keep_alpha)
    return _encode_within_limit(picture, content_type, rules, loaded.icc_profile)


def _encode_within_limit(
    picture: Image.Image, content_type: str, rules: ImageRules, icc: bytes | None
) -> RenderedImage:
    limit = byte_limit(rules, content_type)
    data = _encode(picture, content_type, JPEG_QUALITY, icc)
    if limit is None or len(data) <= limit:
        return RenderedImage(data, content_type, picture.width, picture.height)
    if content_type == "image/png":
        # A photo saved as PNG is large; a lossy format the platform takes is the better trade.
        for lossy in ("image/jpeg", "image/webp"):
            if _accepts(rules.formats, lossy):
                return _encode_within_limit(picture, lossy, rules, icc)
    if content_type in ("image/jpeg", "image/webp"):
        for quality in JPEG_QUALITY_STEPS:
            data = _encode(picture, content_type, quality, icc)
            if len(data) <= limit:
                return RenderedImage(data, content_type, picture.width, picture.height)
    quality = JPEG_QUALITY_STEPS[-1]
    for _round in range(MAX_SHRINK_ROUNDS):
        shrink = min(0.9, math.sqrt(limit / len(data)) * 0.95)
        size = (max(1, round(picture.width * shrink)), max(1, round(picture.height * shrink)))
        picture = picture.resize(size, RESAMPLING)
        data = _encode(picture, content_type, quality, icc)
        if len(data) <= limit:
            break
    return RenderedImage(data, content_type, picture.width, picture.height)


def _geometry(the_plan: RenditionPlan) -> tuple[object, ...]:
    return (
        the_plan.crop,
        the_plan.width,
        the_plan.height,
        the_plan.content_width,
        the_plan.content_height,
        the_plan.offset,
    )


def render_many(
    source: str | Path | IO[bytes], jobs: Iterable[tuple[RenditionPlan, ImageRules]]
) -> list[RenderedImage]:
    """Render several plans of one original, decoding it once (at the largest scale needed),
    on a few threads (Pillow resamples and encodes outside the GIL). Jobs with the same
    pixels, output format and byte limit share one result (crop and pad are the same picture
    when the platform takes the original's aspect)."""
    jobs = list(jobs)
    if not jobs:
        return []
    loaded = load_source(source, min_scale=max(job[0].scale for job in jobs))
    keys: list[tuple[Any, ...]] = []
    unique: dict[tuple[Any, ...], Any] = {}
    for the_plan, rules in jobs:
        content_type = output_type(loaded.content_type, rules)
        key = (_geometry(the_plan), content_type, byte_limit(rules, content_type))
        keys.append(key)
        unique.setdefault(key, (the_plan, rules))
    # The largest first, so the threads finish together rather than one waiting on the last.
    order = sorted(unique, key=lambda key: -unique[key][0].width * unique[key][0].height)
    workers = max(1, min(RENDER_THREADS, len(unique)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {key: pool.submit(render, loaded, *unique[key]) for key in order}
        done = {key: future.result() for key, future in futures.items()}
    loaded.close()
    return [done[key] for key in keys]
