#!/usr/bin/env python3
"""Writes the image harnesses' seed corpora (scripts/fuzz calls it; nothing here is checked in).

- from the real photos in PHOTOS (JPEGs): small re-encodings that keep each photo's content but
  vary what the decoders branch on: baseline / progressive / optimised Huffman tables, 4:4:4 /
  4:2:2 / 4:2:0 subsampling, grayscale, CMYK, restart intervals; and the same as PNG (RGB, gray,
  palette, alpha, 16-bit, interlaced);
- the Swift tests' edge-case images (Tests/Fixtures/make_core_fixtures.py: 1x1, thin, truncated,
  huge headers, 16-bit, CMYK, extraneous bytes, ...).

Usage: make_image_seeds.py PHOTOS JPEG_OUT PNG_OUT
"""

from __future__ import annotations

import io
import struct
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "Tests" / "Fixtures"))
import make_core_fixtures  # noqa: E402  (the tests' fixture generator, reused as is)

SIDE = 96  # small seeds: each execution decodes fast and mutations stay meaningful


def jpeg_variants(image: Image.Image) -> dict[str, bytes]:
    """The photo as JPEGs that take different decoder paths."""
    rgb = image.convert("RGB")
    variants = {
        "baseline-420": dict(quality=85, subsampling=2),
        "baseline-422": dict(quality=85, subsampling=1),
        "baseline-444": dict(quality=95, subsampling=0),
        "progressive": dict(quality=80, progressive=True),
        "optimized": dict(quality=75, optimize=True),
        "low-quality": dict(quality=5),
    }
    out = {name: encode(rgb, "JPEG", **options) for name, options in variants.items()}
    out["gray"] = encode(rgb.convert("L"), "JPEG", quality=85)
    out["cmyk"] = encode(rgb.convert("CMYK"), "JPEG", quality=85)
    out["odd-size"] = encode(rgb.resize((SIDE - 3, SIDE // 2 + 1)), "JPEG", quality=85)
    out["restart"] = with_restart_interval(encode(rgb, "JPEG", quality=85))
    return out


def png_variants(image: Image.Image) -> dict[str, bytes]:
    """The photo as PNGs of every colour type and depth libspng handles."""
    rgb = image.convert("RGB")
    out = {
        "rgb": encode(rgb, "PNG"),
        "gray": encode(rgb.convert("L"), "PNG"),
        "palette": encode(rgb.quantize(colors=32), "PNG"),
        "rgba": encode(rgb.convert("RGBA"), "PNG"),
        "gray-alpha": encode(rgb.convert("LA"), "PNG"),
        "bilevel": encode(rgb.convert("1"), "PNG"),
        "interlaced": encode(rgb, "PNG", interlace=1),
    }
    pixels = np.asarray(rgb).astype(np.uint16) * 257
    out["rgb16"] = make_core_fixtures.png_16bit_rgb(pixels)
    return out


def with_restart_interval(jpeg: bytes) -> bytes:
    """Re-encodes with libjpeg restart markers when Pillow supports them, else returns the input."""
    try:
        image = Image.open(io.BytesIO(jpeg))
        return encode(image, "JPEG", quality=85, restart_marker_blocks=1)
    except TypeError:
        return jpeg


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    """Encodes a Pillow image."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def write(folder: Path, name: str, data: bytes) -> None:
    """Writes one seed."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def main(argv: list[str]) -> int:
    """Entry point."""
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    photos, jpeg_out, png_out = Path(argv[1]), Path(argv[2]), Path(argv[3])
    photo_files = sorted(photos.glob("*.jpg")) if photos.is_dir() else []
    for path in photo_files:
        image = Image.open(path)
        image.thumbnail((SIDE, SIDE))
        for name, data in jpeg_variants(image).items():
            write(jpeg_out, f"{path.stem}-{name}.jpg", data)
        for name, data in png_variants(image).items():
            write(png_out, f"{path.stem}-{name}.png", data)
    cat = photo_files[0].read_bytes() if photo_files else b"\xff\xd8\xff\xe0" + b"\x00" * 64
    with tempfile.TemporaryDirectory() as temporary:
        fixtures = Path(temporary)
        make_core_fixtures.write_images(fixtures, cat[:4096])
        for path in sorted(fixtures.iterdir()):
            target = png_out if path.suffix == ".png" else jpeg_out
            write(target, f"fixture-{path.name}", path.read_bytes())
    # A PNG that announces 6324x6324 16-bit pixels in a few bytes (issue 14's memory bomb shape).
    header = struct.pack(">IIBBBBB", 6324, 6324, 16, 2, 0, 0, 0)
    bomb = b"\x89PNG\r\n\x1a\n" + make_core_fixtures.png_chunk(b"IHDR", header)
    bomb += make_core_fixtures.png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + make_core_fixtures.png_chunk(b"IEND", b"")
    write(png_out, "large-16bit-header.png", bomb)
    print(f"{len(photo_files)} photos from {photos}; "
          f"{len(list(jpeg_out.iterdir()))} JPEG seeds, {len(list(png_out.iterdir()))} PNG seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
