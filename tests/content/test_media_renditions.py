"""plan(), render() and planned_media_info(): sizes, crops, pads, formats and byte limits."""

from __future__ import annotations

import io
import random
from dataclasses import replace
from types import SimpleNamespace

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, ImageStat

from channels_app.specs import ImageRules, get_spec, validate_post
from content.media.renditions import (
    MAX_DECODE_UPSCALE,
    _pixels,
    decode_scale,
    load_source,
    output_type,
    plan,
    planned_media_info,
    render,
    render_many,
)
from tests.content.media_files import jpeg_bytes, png_bytes

FREE = ImageRules(formats=("image/*",), max_bytes=None)


def test_aspect_within_range_is_kept_and_scaled_into_the_preset():
    rules = get_spec("instagram").images  # 0.8..1.91, 1080x1350 recommended
    p = plan(4000, 3000, rules, "crop", 0.5, 0.5)
    assert not p.is_cropped and not p.is_padded
    # The portrait preset is turned for a landscape picture: at most 1350 wide, 1080 high.
    assert (p.width, p.height) == (1350, 1013)


def test_too_wide_is_cropped_around_the_focal_point():
    rules = get_spec("instagram").images
    p = plan(3000, 1000, rules, "crop", 0.9, 0.5)  # 3:1, Instagram takes at most 1.91:1
    left, top, right, bottom = p.crop
    assert (top, bottom) == (0, 1000)
    assert right - left == 1910
    assert right == 3000  # pushed against the right edge, where the subject is
    assert abs(p.width / p.height - 1.91) < 0.01


def test_focal_point_in_the_middle_crops_evenly():
    rules = get_spec("snapchat").images  # exactly 9:16
    p = plan(1600, 900, rules, "crop", 0.5, 0.5)
    left, _top, right, _bottom = p.crop
    assert left == 1600 - right
    assert (p.width, p.height) == (506, 900)  # never upscaled past the original


def test_exact_aspect_is_hit_exactly():
    p = plan(4000, 3000, get_spec("snapchat").images, "crop", 0.4, 0.5)
    assert (p.width, p.height) == (1080, 1920)
    p = plan(4000, 3000, get_spec("youtube").images, "pad", 0.4, 0.5)
    assert (p.width, p.height) == (1280, 720)


def test_pad_keeps_the_whole_picture_on_a_larger_canvas():
    rules = get_spec("snapchat").images
    p = plan(4000, 3000, rules, "pad", 0.1, 0.1)
    assert not p.is_cropped and p.is_padded
    assert (p.width, p.height) == (1080, 1920)
    assert (p.content_width, p.content_height) == (1080, 810)
    assert p.offset == (0, (1920 - 810) // 2)


def test_small_images_are_never_upscaled_without_need():
    p = plan(400, 300, get_spec("facebook").images, "crop", 0.5, 0.5)
    assert (p.width, p.height) == (400, 300) and p.is_unchanged


def test_upscaled_only_to_reach_a_minimum_width():
    rules = get_spec("youtube").images  # 16:9, at least 640 wide
    p = plan(320, 180, rules, "crop", 0.5, 0.5)
    assert (p.width, p.height) == (640, 360)


def test_hard_maxima_win():
    rules = replace(FREE, max_width=1000, max_pixels=500_000)
    p = plan(4000, 1000, rules, "crop", 0.5, 0.5)
    assert p.width <= 1000 and p.width * p.height <= 500_000


def test_unknown_fit_and_empty_picture_are_refused():
    with pytest.raises(ValueError):
        plan(10, 10, FREE, "stretch", 0.5, 0.5)
    with pytest.raises(ValueError):
        plan(0, 10, FREE, "crop", 0.5, 0.5)


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_png_becomes_jpeg_where_the_platform_takes_only_jpeg():
    rules = get_spec("instagram").images
    source = io.BytesIO(png_bytes(600, 600, alpha=True))
    p = plan(600, 600, rules, "crop", 0.5, 0.5)
    out = render(source, p, rules)
    assert out.content_type == "image/jpeg"
    assert _open(out.data).format == "JPEG"
    assert output_type("image/png", get_spec("x").images) == "image/png"


def test_exif_and_gps_are_stripped_and_orientation_applied():
    rules = get_spec("facebook").images
    data = jpeg_bytes(400, 300, orientation=6, gps=True)
    assert _open(data).getexif()  # the source has EXIF with GPS
    p = plan(300, 400, rules, "crop", 0.5, 0.5)  # displayed size: turned a quarter
    out = render(io.BytesIO(data), p, rules)
    image = _open(out.data)
    assert image.size == (300, 400) == (out.width, out.height)
    assert not image.getexif()
    assert "exif" not in image.info


def test_crop_follows_the_focal_point_in_the_pixels():
    # Quadrants: top-left red, top-right green, bottom-left blue, bottom-right yellow.
    rules = replace(FREE, min_aspect=1.0, max_aspect=1.0)
    data = jpeg_bytes(800, 400)
    right = render(io.BytesIO(data), plan(800, 400, rules, "crop", 1.0, 0.5), rules)
    left = render(io.BytesIO(data), plan(800, 400, rules, "crop", 0.0, 0.5), rules)
    r, g, _b = _open(right.data).getpixel((200, 100))
    assert g > r  # green: the right half
    r, g, _b = _open(left.data).getpixel((200, 100))
    assert r > g  # red: the left half


def test_pad_fills_the_edges_with_white():
    rules = replace(FREE, min_aspect=1.0, max_aspect=1.0)
    out = render(io.BytesIO(jpeg_bytes(800, 400)), plan(800, 400, rules, "pad", 0.5, 0.5), rules)
    image = _open(out.data)
    assert image.size == (800, 800)
    assert all(channel > 240 for channel in image.getpixel((400, 5)))


def test_max_bytes_is_honoured_by_lowering_quality():
    data = jpeg_bytes(1600, 1200, noise=True, quality=98)
    rules = replace(FREE, formats=("image/jpeg",), max_bytes=120_000)
    out = render(io.BytesIO(data), plan(1600, 1200, rules, "crop", 0.5, 0.5), rules)
    assert out.size <= 120_000
    assert out.content_type == "image/jpeg"


def test_render_many_decodes_once_and_shares_equal_results():
    data = jpeg_bytes(2000, 1500)
    ig, threads = get_spec("instagram").images, get_spec("threads").images
    jobs = [
        (plan(2000, 1500, r, fit, 0.5, 0.5), r) for r in (ig, threads) for fit in ("crop", "pad")
    ]
    results = render_many(io.BytesIO(data), jobs)
    assert len(results) == 4
    assert results[0] is results[1] is results[2]  # same pixels, format and limit
    loaded = load_source(io.BytesIO(data), min_scale=0.3)
    assert loaded.image.width == 1000  # JPEG draft: decoded at half size, enough for 0.3


def _asset(**fields):
    values = {
        "kind": "image",
        "content_type": "image/png",
        "size": 9_000_000,
        "width": 4000,
        "height": 3000,
        "duration_seconds": None,
        "fps": None,
        "alt_text": "A cup of coffee",
        "focal_x": 0.5,
        "focal_y": 0.5,
    }
    values.update(fields)
    return SimpleNamespace(**values)


def test_planned_media_info_describes_the_rendition():
    spec = get_spec("instagram")
    info = planned_media_info(_asset(), spec, "crop")
    assert info.content_type == "image/jpeg"  # Instagram takes no PNG
    assert (info.width, info.height) == (1350, 1013)
    assert 0 < info.size <= spec.images.max_bytes
    assert info.alt_text == "A cup of coffee"
    assert validate_post(spec, text="Hello", media=[info]) == []


def test_planned_media_info_passes_gifs_and_videos_through():
    video = _asset(
        kind="video", content_type="video/mp4", size=5_000_000, duration_seconds=12.0, fps=30.0
    )
    info = planned_media_info(video, get_spec("x"), "crop")
    assert (info.content_type, info.size, info.duration_seconds, info.fps) == (
        "video/mp4",
        5_000_000,
        12.0,
        30.0,
    )


# Quality of the fast path -----------------------------------------------------------------------
# render_many decodes a JPEG at a reduced DCT scale (sometimes enlarging the half-size decode by up
# to MAX_DECODE_UPSCALE), box-halves it and resamples bilinearly. These tests hold its pixels to
# a reference made the slow way: full-size decode, turned upright, cropped, Lanczos, padded.

PHOTO_SIZE = (2000, 1500)


def _photo(width: int, height: int) -> Image.Image:
    """Photo-like detail: a gradient sky, overlapping soft shapes of many colours, grain."""
    ramp = Image.linear_gradient("L").resize((width, height))
    picture = Image.merge(
        "RGB", (ramp, ramp.point(lambda v: 90 + v // 2), Image.new("L", (width, height), 210))
    )
    draw = ImageDraw.Draw(picture)
    for index in range(30):
        x, y, r = (index * 487) % width, (index * 307) % height, 40 + (index * 23) % 250
        colour = ((index * 50) % 256, (index * 90) % 256, (index * 140) % 256)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    picture = picture.filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(picture)
    for x in range(0, width, 97):  # hard edges, where a blurry or jagged resample shows
        draw.line((x, 0, x + height // 3, height), fill=(20, 20, 20), width=3)
    grain = Image.frombytes("L", (width, height), random.Random(1).randbytes(width * height))
    return Image.blend(picture, Image.merge("RGB", [grain] * 3), 0.02)


@pytest.fixture(scope="module")
def photo() -> Image.Image:
    return _photo(*PHOTO_SIZE)


def _jpeg(picture: Image.Image, orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def _reference(data: bytes, the_plan) -> Image.Image:
    """The slow way: full decode, upright, crop, Lanczos to the content size, pad on white."""
    upright = ImageOps.exif_transpose(_open(data)).convert("RGB")
    content = upright.crop(the_plan.crop).resize(
        (the_plan.content_width, the_plan.content_height), Image.Resampling.LANCZOS
    )
    canvas = Image.new("RGB", (the_plan.width, the_plan.height), (255, 255, 255))
    canvas.paste(content, the_plan.offset)
    return canvas


def _mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per channel, in levels of 255."""
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


def _rules(aspect: float, box: tuple[int, int]) -> ImageRules:
    return replace(FREE, min_aspect=aspect, max_aspect=aspect, recommended_size=box)


QUALITY_CASES = {
    # name: (rules, fit, focal point, JPEG decode width expected for a 2000x1500 source)
    # 9:16 crop at 0.64 of the original: half-size decode enlarged 1.28x (as the 1080x1920
    # Snapchat crop of a 12 MP photo).
    "enlarged half decode": (_rules(9 / 16, (540, 960)), "crop", (0.4, 0.45), 1000),
    "half decode, reduced": (_rules(4 / 3, (900, 675)), "crop", (0.5, 0.5), 1000),
    "quarter decode": (_rules(4 / 3, (400, 300)), "crop", (0.5, 0.5), 500),
    "16:9 pad": (_rules(16 / 9, (1280, 720)), "pad", (0.5, 0.5), 1000),
    "focal crop, far corner": (_rules(1.0, (600, 600)), "crop", (0.95, 0.1), 1000),
}


# Mean difference from the reference before JPEG encoding, in levels of 255. Measured: 1.1-2.1
# (the previous full-size decode with bicubic: 0.4-1.5). Caught: nearest neighbour 1.8-3.2, box
# filter 1.7-2.7, a quarter-size decode enlarged 2.6x 2.1-4.1, a wrong crop or turn 10+.
MAX_MEAN_DIFFERENCE = 2.3


@pytest.mark.parametrize("case", QUALITY_CASES)
def test_fast_renditions_match_a_full_size_lanczos_reference(photo, case):
    rules, fit, (focal_x, focal_y), decode_width = QUALITY_CASES[case]
    data = _jpeg(photo)
    the_plan = plan(*PHOTO_SIZE, rules, fit, focal_x, focal_y)
    assert the_plan.scale <= 1  # a reduction of the original, however it is decoded
    loaded = load_source(io.BytesIO(data), min_scale=the_plan.scale)
    assert loaded.image.width == decode_width  # the fast path under test is the one taken
    reference = _reference(data, the_plan)
    pixels = _pixels(loaded, the_plan, keep_alpha=False)
    assert _mean_difference(pixels, reference) < MAX_MEAN_DIFFERENCE
    [out] = render_many(io.BytesIO(data), [(the_plan, rules)])
    got = _open(out.data)
    assert got.size == reference.size == (the_plan.width, the_plan.height)
    # After encoding at quality 85 (measured 2.4-5.0; mostly the encoder's own loss).
    assert _mean_difference(got.convert("RGB"), reference) < 6


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_fast_renditions_are_turned_upright(photo, orientation):
    rules, fit, (focal_x, focal_y), _width = QUALITY_CASES["enlarged half decode"]
    # Stored sideways: what the camera wrote for a picture people see as `photo`.
    stored = photo.transpose(
        {
            3: Image.Transpose.ROTATE_180,
            6: Image.Transpose.ROTATE_90,
            8: Image.Transpose.ROTATE_270,
        }[orientation]
    )
    data = _jpeg(stored, orientation)
    the_plan = plan(*PHOTO_SIZE, rules, fit, focal_x, focal_y)  # the displayed size
    [out] = render_many(io.BytesIO(data), [(the_plan, rules)])
    got = _open(out.data)
    assert not got.getexif()  # the orientation tag is applied, then dropped with the rest
    reference = _reference(data, the_plan)
    assert _mean_difference(got.convert("RGB"), reference) < 6
    pixels = _pixels(
        load_source(io.BytesIO(data), min_scale=the_plan.scale), the_plan, keep_alpha=False
    )
    assert _mean_difference(pixels, reference) < MAX_MEAN_DIFFERENCE
    mirrored = reference.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    assert (
        _mean_difference(got.convert("RGB"), mirrored) > 10
    )  # the measure tells a wrong turn apart


def test_focal_crop_takes_the_region_around_the_focal_point(photo):
    rules, fit, (focal_x, focal_y), _width = QUALITY_CASES["focal crop, far corner"]
    data = _jpeg(photo)
    the_plan = plan(*PHOTO_SIZE, rules, fit, focal_x, focal_y)
    assert the_plan.crop == (500, 0, 2000, 1500)  # pushed against the right edge
    [out] = render_many(io.BytesIO(data), [(the_plan, rules)])
    other_side = _reference(data, plan(*PHOTO_SIZE, rules, fit, 0.05, focal_y))
    assert _mean_difference(_open(out.data).convert("RGB"), other_side) > 10


def test_decode_scale_avoids_a_full_decode_within_the_allowed_enlargement():
    assert [decode_scale(s) for s in (0.1, 0.125, 0.2, 0.25, 0.3, 0.5)] == [8, 8, 4, 4, 2, 2]
    assert decode_scale(0.64) == 2  # 1.28x of the half-size decode
    assert decode_scale(0.5 * MAX_DECODE_UPSCALE + 0.01) == 1
    assert decode_scale(1.0) == decode_scale(1.5) == 1
