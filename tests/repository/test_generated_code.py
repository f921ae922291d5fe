"""The committed gRPC code is what Protos/ generates: scripts/generate-grpc --check compares the protos'
SHA-256 with the ones recorded when the code was written, and names the command that writes it again."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "generate-grpc"


def check(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(root / "scripts" / "generate-grpc"), "--check"], capture_output=True, text=True, timeout=60)


def test_the_generated_code_matches_the_protos() -> None:
    result = check(ROOT)
    assert result.returncode == 0, result.stderr


def test_a_changed_proto_is_caught_with_the_command_to_run(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    (copy / "scripts").mkdir(parents=True)
    shutil.copy2(SCRIPT, copy / "scripts" / "generate-grpc")
    shutil.copytree(ROOT / "Protos", copy / "Protos")
    assert check(copy).returncode == 0
    proto = copy / "Protos" / "health.proto"
    proto.write_text(proto.read_text() + "\n// a change\n")
    result = check(copy)
    assert result.returncode == 1
    assert "run scripts/generate-grpc" in result.stderr


def test_every_proto_has_its_generated_swift() -> None:
    generated = ROOT / "Sources" / "OpenInferenceGRPC" / "Generated"
    for proto in sorted((ROOT / "Protos").glob("*.proto")):
        for suffix in (".pb.swift", ".grpc.swift"):
            assert (generated / f"{proto.stem}{suffix}").is_file(), f"{proto.name}: no {proto.stem}{suffix} (scripts/generate-grpc)"
