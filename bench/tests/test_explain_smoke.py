"""bench/explain's smoke: one short run on the debug classifier (the real campaign is `make bench-explain`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_explain_runs_end_to_end_and_reports_every_figure(tmp_path: Path) -> None:
    classifier = Path(os.environ.get("HUBLOT_CLASSIFIER_BIN") or ROOT / ".build" / "debug" / "hublot-classifier")
    assert classifier.is_file(), f"{classifier} is missing: run `swift build --product hublot-classifier`"
    environment = {
        **os.environ, "BENCH_CLASSIFIER_BIN": str(classifier), "BENCH_OUT": str(tmp_path), "EXPLAIN_BATCH_SIZES": "4",
        "EXPLAIN_ROUNDS": "1", "EXPLAIN_DURATION": "1", "EXPLAIN_CLIENTS": "1", "EXPLAIN_MAPS": "2", "EXPLAIN_WARMUP": "1",
    }
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "explain")], env=environment, capture_output=True, text=True, timeout=300,
        check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    [report] = tmp_path.glob("*-explain.json")
    figures = json.loads(report.read_text())
    [entry] = figures["results"]
    assert [m["grid"] for m in entry["maps"]] == [7, 14]
    assert [m["images"] for m in entry["maps"]] == [50, 197]
    assert all(m["median_ms"] > 0 for m in entry["maps"])
    [round_] = entry["rounds"]
    assert round_["alone"]["errors"] == 0 and round_["with_maps"]["errors"] == 0
    assert round_["alone"]["p50_ms"] > 0 and round_["p50_ratio"] > 0
    assert set(round_["maps"]) <= {"200"}, round_["maps"]
    markdown = report.with_suffix(".md").read_text()
    assert "| 4 |" in markdown and "grid 14 (197 images)" in markdown
    assert "## Classifications at c = 8" in markdown
