"""Benchmark: one 12-megapixel photo upload rendered for every platform.

    .venv/bin/python -m bench.renditions --rounds 10

Makes a 4000x3000 JPEG that looks like a camera's (smooth shapes, sensor noise, EXIF with a
camera model, a time and a GPS position), then per "upload": inspects it (content check,
decode at 1/8 scale) and renders the image preset of each of the eleven platforms, cropped and
padded (22 renditions), decoding the original once. Prints the time per upload (median, best,
worst) and the peak memory: Python allocations (tracemalloc) and the process's peak resident
size (VmHWM, which includes Pillow's pixel buffers and the interpreter itself).

Goal on this machine: <= 300 ms and <= 200 MB per upload. Results: bench/RENDITIONS.md.
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
import tracemalloc

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


def measure(path: str, rounds: int) -> None:
    """Time `rounds` uploads of the photo at `path` in this (fresh) process and print."""
    setup_django()
    rss_start = _peak_rss_mb()
    one_upload(path)  # warm-up: imports, codec tables
    tracemalloc.start()
    times = []
    for _round in range(rounds):
        started = time.perf_counter()
        results = one_upload(path)
        times.append((time.perf_counter() - started) * 1000)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_peak = _peak_rss_mb()

    out = io.StringIO()
    size = os.path.getsize(path)
    print(f"source: {WIDTH}x{HEIGHT} JPEG, {size / 1_000_000:.1f} MB, with EXIF+GPS", file=out)
    print(f"{'platform':<10} {'fit':<4} {'size':>10} {'type':<11} {'bytes':>9}", file=out)
    for kind, fit, result in results:
        print(
            f"{kind:<10} {fit:<4} {result.width:>5}x{result.height:<4} "  # type: ignore[attr-defined]
            f"{result.content_type:<11} {result.size:>9}",  # type: ignore[attr-defined]
            file=out,
        )
    median = statistics.median(times)
    print(
        f"\nper upload (inspect + {len(results)} renditions), {rounds} rounds: "
        f"median {median:.0f} ms, best {min(times):.0f} ms, worst {max(times):.0f} ms",
        file=out,
    )
    print(
        f"peak memory: Python allocations (tracemalloc) {peak / 1_048_576:.1f} MB; process peak "
        f"RSS {rss_peak:.0f} MB (Django loaded, before the first upload: {rss_start:.0f} MB)",
        file=out,
    )
    ok = median <= 300 and rss_peak <= 200
    print(f"goal (<= 300 ms, <= 200 MB): {'met' if ok else 'NOT met'}", file=out)
    sys.stdout.write(out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: the child process
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.rounds)
        return
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "photo.jpg")
        make_photo(path)
        # A fresh process, so making the photo does not count in its peak memory.
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [
                sys.executable,
                "-m",
                "bench.renditions",
                "--rounds",
                str(args.rounds),
                "--measure",
                path,
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
