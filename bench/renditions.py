"""Benchmark: one 12-megapixel photo upload rendered for every platform.

    .venv/bin/python -m bench.renditions --rounds 10

Makes a 4000x3000 JPEG that looks like a camera's (smooth shapes, sensor noise, EXIF with a
camera model, a time and a GPS position), then per "upload": inspects it (content check,
decode at 1/8 scale) and renders the image preset of each of the eleven platforms, cropped and
padded (22 renditions), decoding the original once. Each measurement runs in a fresh process
that has loaded Django (as a web or task worker has), so making the photo does not count:

1. the settings of the code ("now") and the settings before the speed work ("before":
   bicubic, full-size decode when a rendition needs more than half the pixels), their rounds
   interleaved in one process so both see the same load from other work on the machine;
   wall time (median, best, worst) and CPU time (all threads) per upload;
2. peak memory of each variant, each in its own process: the process's peak resident size
   (VmHWM: interpreter, Django, Pillow's pixel buffers; everything the OS counts).

The load average (os.getloadavg) is printed before and after: timings on a shared machine
are only comparable within one run. Goal on this machine: <= 300 ms and <= 200 MB per upload.
Results: bench/RENDITIONS.md.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

from bench.django_env import setup_django

WIDTH, HEIGHT = 4000, 3000


def make_photo(path: str) -> int:
    """Write a camera-like 12 MP JPEG (quality 92, with EXIF) to `path`; returns its size."""
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.linear_gradient("L").resize((WIDTH, HEIGHT))
    sky = Image.merge(
        "RGB", (image, image.point(lambda v: 90 + v // 2), Image.new("L", image.size, 210))
    )
    draw = ImageDraw.Draw(sky)
    for index in range(40):  # "objects": overlapping coloured shapes with soft edges
        x, y = (index * 977) % WIDTH, (index * 613) % HEIGHT
        r = 120 + (index * 37) % 500
        colour = ((index * 50) % 256, (index * 90) % 256, (index * 140) % 256)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    sky = sky.filter(ImageFilter.GaussianBlur(6))
    noise = Image.effect_noise((WIDTH, HEIGHT), 40).convert("RGB")
    photo = Image.blend(sky, noise, 0.12)
    exif = Image.Exif()
    exif[0x010F] = "RippleCam"  # Make
    exif[0x0110] = "RC-12"  # Model
    exif[0x0132] = "2026:05:01 10:30:00"  # DateTime
    exif[0x0112] = 1  # Orientation
    exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 22.0, 1.5), 3: "E", 4: (4.0, 53.0, 42.0)})
    photo.save(path, "JPEG", quality=92, exif=exif)
    return os.path.getsize(path)


VARIANTS = {
    # name: (resampling of the last step, largest enlargement of a half-size JPEG decode)
    "now": (None, None),  # the module's own settings
    "before": ("BICUBIC", 1.0),
}


def use_variant(name: str) -> None:
    """Set content.media.renditions' knobs to the variant `name` (see VARIANTS)."""
    from PIL import Image

    from content.media import renditions

    if not hasattr(use_variant, "defaults"):
        use_variant.defaults = (renditions.RESAMPLING, renditions.MAX_DECODE_UPSCALE)  # type: ignore[attr-defined]
    resampling, upscale = VARIANTS[name]
    default_resampling, default_upscale = use_variant.defaults  # type: ignore[attr-defined]
    renditions.RESAMPLING = Image.Resampling[resampling] if resampling else default_resampling
    renditions.MAX_DECODE_UPSCALE = upscale if upscale is not None else default_upscale


def one_upload(path: str) -> list[tuple[str, str, object]]:
    """Inspect + all renditions, as the upload page would do for a post to every platform."""
    from channels_app.specs import all_specs
    from content.media.inspect import inspect_file
    from content.media.renditions import plan, render_many

    info = inspect_file(path, claimed_name="photo.jpg")
    jobs, labels = [], []
    for spec in all_specs():
        for fit in ("crop", "pad"):
            jobs.append((plan(info.width, info.height, spec.images, fit, 0.4, 0.45), spec.images))
            labels.append((spec.kind, fit))
    results = render_many(path, jobs)
    return [(kind, fit, result) for (kind, fit), result in zip(labels, results, strict=True)]


def _peak_rss_mb() -> float:
    """The process's peak resident size: VmHWM (reset by exec, unlike ru_maxrss, which a child
    inherits from its parent on Linux); ru_maxrss where /proc is missing."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _timed(path: str) -> tuple[float, float, list[tuple[str, str, object]]]:
    wall, cpu = time.perf_counter(), time.process_time()
    results = one_upload(path)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, results


def compare(path: str, rounds: int) -> None:
    """Time the variants, rounds interleaved, in this (fresh) process and print."""
    setup_django()
    for name in VARIANTS:  # warm-up: imports, codec tables
        use_variant(name)
        one_upload(path)
    print(f"load average before: {_load()} ({os.cpu_count()} CPUs)")
    walls: dict[str, list[float]] = {name: [] for name in VARIANTS}
    cpus: dict[str, list[float]] = {name: [] for name in VARIANTS}
    results: list[tuple[str, str, object]] = []
    for index in range(rounds):
        names = list(VARIANTS) if index % 2 == 0 else list(reversed(VARIANTS))
        for name in names:
            use_variant(name)
            wall, cpu, got = _timed(path)
            walls[name].append(wall)
            cpus[name].append(cpu)
            if name == "now":
                results = got
    print(f"load average after:  {_load()}")
    out = io.StringIO()
    size_mb = os.path.getsize(path) / 1e6
    print(f"source: {WIDTH}x{HEIGHT} JPEG, {size_mb:.1f} MB, EXIF+GPS", file=out)
    print(f"{'platform':<10} {'fit':<4} {'size':>10} {'type':<11} {'bytes':>9}", file=out)
    for kind, fit, result in results:
        print(
            f"{kind:<10} {fit:<4} {result.width:>5}x{result.height:<4} "  # type: ignore[attr-defined]
            f"{result.content_type:<11} {result.size:>9}",  # type: ignore[attr-defined]
            file=out,
        )
    print(f"\nper upload (inspect + {len(results)} renditions), {rounds} rounds each:", file=out)
    for name in VARIANTS:
        wall, cpu = walls[name], cpus[name]
        print(
            f"  {name:<7} wall median {statistics.median(wall):4.0f} ms, best {min(wall):4.0f}, "
            f"worst {max(wall):4.0f};  CPU median {statistics.median(cpu):4.0f} ms, "
            f"best {min(cpu):4.0f}",
            file=out,
        )
    sys.stdout.write(out.getvalue())


def memory(path: str, variant: str) -> None:
    """Peak resident size of this (fresh) process over two uploads with `variant`."""
    setup_django()
    use_variant(variant)
    before = _peak_rss_mb()
    for _round in range(2):
        one_upload(path)
    print(
        f"  {variant:<7} process peak RSS {_peak_rss_mb():4.0f} MB "
        f"(Django loaded, before the first upload: {before:.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--compare", help=argparse.SUPPRESS)  # internal: a child process
    parser.add_argument("--memory", nargs=2, help=argparse.SUPPRESS)  # internal: path, variant
    args = parser.parse_args()
    if args.compare:
        compare(args.compare, args.rounds)
        return
    if args.memory:
        memory(*args.memory)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "photo.jpg")
        make_photo(path)
        # Fresh processes, so making the photo does not count in their peak memory.
        child = [sys.executable, "-m", "bench.renditions", "--rounds", str(args.rounds)]
        subprocess.run([*child, "--compare", path], check=True)  # noqa: S603 - our own module
        print("peak memory (one process per variant):")
        for variant in VARIANTS:
            subprocess.run([*child, "--memory", path, variant], check=True)  # noqa: S603


if __name__ == "__main__":
    main()
