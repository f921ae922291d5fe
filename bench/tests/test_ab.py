"""bench/ab: the alternating-round comparison's figures and table, from bench/run reports on disk."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent


def load_ab():
    loader = importlib.machinery.SourceFileLoader("bench_ab", str(BENCH / "ab"))
    spec = importlib.util.spec_from_loader("bench_ab", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def write_report(folder: Path, system: str, figures: dict[str, tuple[float, float]]) -> None:
    """A minimal bench/run report of `system` with (img/s, CPU ms/img) per photo."""
    folder.mkdir(parents=True)
    if system == "ceiling":
        report = {"ceiling": {photo: {"best_images_per_s": ips, "batches": {
            "batch 8": {"cpu_ms_per_image": cpu}, "batch 32": {"cpu_ms_per_image": cpu + 5}}} for photo, (ips, cpu) in figures.items()}}
    else:
        report = {"systems": {"classifier": {"load": {photo: {"32": {"throughput": ips, "cpu_ms_per_image": cpu}}
                                                      for photo, (ips, cpu) in figures.items()}}}}
    (folder / "2026-11-30-ab.json").write_text(json.dumps(report))


def test_ratios_and_medians_over_rounds(tmp_path: Path) -> None:
    ab = load_ab()
    rounds = [
        {"ceiling": {"cat.jpg": (100.0, 10.0), "turtle.jpg": (20.0, 50.0)},
         "a": {"cat.jpg": (80.0, 12.0), "turtle.jpg": (10.0, 60.0)},
         "b": {"cat.jpg": (90.0, 12.0), "turtle.jpg": (20.0, 30.0)}},
        {"ceiling": {"cat.jpg": (50.0, 10.0), "turtle.jpg": (20.0, 50.0)},
         "a": {"cat.jpg": (50.0, 12.0), "turtle.jpg": (10.0, 60.0)},
         "b": {"cat.jpg": (25.0, 24.0), "turtle.jpg": (20.0, 30.0)}},
        {"ceiling": {"cat.jpg": (100.0, 10.0), "turtle.jpg": (20.0, 50.0)},
         "a": {"cat.jpg": (100.0, 12.0), "turtle.jpg": (10.0, 60.0)},
         "b": {"cat.jpg": (100.0, 6.0), "turtle.jpg": (20.0, 30.0)}},
    ]
    text, medians = ab.table(rounds)
    assert medians["cat.jpg"] == {"a": 1.0, "b": 0.9, "b_over_a": 1.0, "cpu_b_over_a": 1.0}
    assert medians["turtle.jpg"] == {"a": 0.5, "b": 1.0, "b_over_a": 2.0, "cpu_b_over_a": 0.5}
    assert "| 2 | cat.jpg | 50.0 | 50.0 | 25.0 | 1.00 | 0.50 | 0.50 | 10.0, 12.0, 24.0 | 2.00 |" in text
    assert text.count("| median |") == 2


def test_from_reports_rebuilds_the_table_from_the_rounds_on_disk(tmp_path: Path) -> None:
    for index in (1, 2):
        write_report(tmp_path / f"round{index}" / "ceiling", "ceiling", {"cat.jpg": (100.0, 10.0), "turtle.jpg": (20.0, 50.0)})
        write_report(tmp_path / f"round{index}" / "a", "classifier", {"cat.jpg": (80.0, 12.0), "turtle.jpg": (16.0, 60.0)})
        write_report(tmp_path / f"round{index}" / "b", "classifier", {"cat.jpg": (88.0, 11.0), "turtle.jpg": (18.0, 55.0)})
    process = subprocess.run([sys.executable, str(BENCH / "ab"), "--rounds", "2", "--from-reports", "--out", str(tmp_path),
                              "/nonexistent/a", "/nonexistent/b"], capture_output=True, text=True, check=True)
    assert "| 1 | cat.jpg | 100.0 | 80.0 | 88.0 | 0.80 | 0.88 | 1.10 | 10.0, 12.0, 11.0 | 0.92 |" in process.stdout
    saved = json.loads((tmp_path / "ab.json").read_text())
    assert saved["medians"]["turtle.jpg"]["b_over_a"] == 18.0 / 16.0


def test_a_missing_round_report_is_a_clear_error(tmp_path: Path) -> None:
    process = subprocess.run([sys.executable, str(BENCH / "ab"), "--rounds", "1", "--from-reports", "--out", str(tmp_path),
                              "/nonexistent/a", "/nonexistent/b"], capture_output=True, text=True, check=False)
    assert process.returncode != 0
    assert "no bench/run report in" in process.stderr


def test_a_build_that_is_not_executable_is_refused(tmp_path: Path) -> None:
    process = subprocess.run([sys.executable, str(BENCH / "ab"), str(tmp_path / "a"), str(tmp_path / "b")],
                             capture_output=True, text=True, check=False)
    assert process.returncode == 2
    assert "is not an executable" in process.stderr
