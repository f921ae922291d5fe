"""The course's manual commands work on a student's machine.

A student's laptop has no /opt/swift nor /opt/swift-packages: the commands the
ReadMe files and docs give must point the builds at them only when they exist
(as cp7/go does), or `docker compose build` fails on a missing build context.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPORT = re.compile(r"export\s+(HUBLOT_SWIFT_(?:TOOLCHAIN|PACKAGES))=(\S+)")
GUARD = re.compile(r"if \[ -[dxf] (\S+) \]; then export (HUBLOT_SWIFT_\w+)=(\S+); fi")


def documents() -> list[Path]:
    return sorted([*ROOT.glob("cp*/ReadMe.txt"), ROOT / "README.md", *ROOT.glob("docs/**/*.md")])


def test_local_swift_inputs_are_exported_only_when_they_exist() -> None:
    unguarded = []
    for path in documents():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not EXPORT.search(line):
                continue
            guard = GUARD.search(line)
            folder = guard and guard.group(1).removesuffix("/usr/bin/swift")
            if not guard or folder != guard.group(3):
                unguarded.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not unguarded, "exported without checking that the folder exists:\n" + "\n".join(unguarded)


def test_cp7_readme_gives_both_guarded_exports() -> None:
    text = (ROOT / "cp7" / "ReadMe.txt").read_text(encoding="utf-8")
    exported = {match.group(2) for match in GUARD.finditer(text)}
    assert exported == {"HUBLOT_SWIFT_TOOLCHAIN", "HUBLOT_SWIFT_PACKAGES"}
