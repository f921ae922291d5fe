"""The repository stands on its own: nothing points at a folder beside the clone.

A user's clone has nothing next to it, so no file may read photos, notes or
fixtures from a sibling folder (the old `shared` test-data folder, design notes
kept outside the repository). The patterns are written so that this file does
not match them itself.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A sibling "shared" folder, its test data, or design notes that lived beside the repository.
FORBIDDEN = [
    re.compile(r"\.\./shared\b"),
    re.compile(r"shared[/\\]testdata"),
    re.compile(r"""["']shared["']\s*/\s*["']testdata["']"""),
    re.compile(r"ARCHITECTURE[-_]BRIEF"),
]

# Relative references in prose: markdown links and backticked paths.
RELATIVE_REFERENCE = re.compile(r"\]\((\.\./[^)\s#]+)|`(\.\./[^`\s]+)`")

SKIPPED_DIRS = {".git", ".build", ".venv", ".cache", ".swiftpm", "__pycache__", "node_modules"}


def repository_files(root: Path) -> list[Path]:
    """Tracked and not-ignored untracked files (git), else every file outside build folders."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            check=True, capture_output=True,
        ).stdout.decode().split("\0")
        return [root / name for name in listed if name and (root / name).is_file()]
    except (OSError, subprocess.CalledProcessError):
        return [p for p in root.rglob("*") if p.is_file() and not SKIPPED_DIRS & set(p.relative_to(root).parts)]


def text_of(path: Path) -> str | None:
    """The file's text, or None for binary files (photos, models)."""
    data = path.read_bytes()
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def outside_references(root: Path) -> list[str]:
    """`file:line: text` for every line that refers to something outside the repository."""
    found = []
    for path in repository_files(root):
        text = text_of(path)
        if text is None:
            continue
        relative = path.relative_to(root)
        for number, line in enumerate(text.splitlines(), start=1):
            if any(pattern.search(line) for pattern in FORBIDDEN):
                found.append(f"{relative}:{number}: {line.strip()}")
            if path.suffix == ".md" or path.name == "ReadMe.txt":
                for match in RELATIVE_REFERENCE.finditer(line):
                    target = (path.parent / (match.group(1) or match.group(2))).resolve()
                    if not target.is_relative_to(root):
                        found.append(f"{relative}:{number}: points outside the repository: {line.strip()}")
    return found


def test_nothing_refers_outside_the_repository():
    found = outside_references(ROOT)
    assert not found, "references to folders outside the repository:\n" + "\n".join(found)


def test_the_sample_photos_are_in_the_repository():
    samples = ROOT / "samples"
    for name in ("cat.jpg", "bus.jpg", "banana.jpg", "turtle.jpg"):
        assert (samples / name).read_bytes()[:2] == b"\xff\xd8", f"samples/{name} is not a JPEG"
    assert (samples / "README.md").is_file(), "samples/README.md (attribution) is missing"


# Written with placeholders (<UP> = "../", <S> = the sibling folder's name) so this file stays clean.
@pytest.mark.parametrize("template", [
    "PHOTOS ?= $(ROOT)/<UP><S>/testdata/photos",
    'PHOTOS = ROOT.parent / "<S>" / "testdata" / "photos"',
    'static let photos = env("HUBLOT_TEST_PHOTOS", default: "<UP><S>/x")',
    "See ARCHITECTURE" "-BRIEF.md for the design.",
])
def test_a_reference_that_comes_back_is_found(tmp_path: Path, template: str):
    line = template.replace("<UP>", "../").replace("<S>", "shared")
    (tmp_path / "clean.txt").write_text("PHOTOS ?= $(ROOT)/samples\n")
    (tmp_path / "bad.txt").write_text(f"first\n{line}\n")
    assert outside_references(tmp_path) == [f"bad.txt:2: {line}"]


def test_a_markdown_link_out_of_the_repository_is_found(tmp_path: Path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("See [b](../b.md) and `../../notes/x.md`.\n")
    (tmp_path / "b.md").write_text("fine\n")
    found = outside_references(tmp_path)
    assert len(found) == 1 and "points outside the repository" in found[0] and found[0].startswith("docs/a.md:1:")
