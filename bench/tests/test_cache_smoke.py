"""bench/cache's smoke: one short run on the debug classifier (the real campaign is `make bench-cache`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_cache_runs_end_to_end_and_reports_every_figure(tmp_path: Path) -> None:
    classifier = Path(os.environ.get("HUBLOT_CLASSIFIER_BIN") or ROOT / ".build" / "debug" / "hublot-classifier")
    assert classifier.is_file(), f"{classifier} is missing: run `swift build --product hublot-classifier`"
    environment = {
        **os.environ, "BENCH_CLASSIFIER_BIN": str(classifier), "BENCH_OUT": str(tmp_path), "CACHE_ROUNDS": "1",
        "CACHE_DURATION": "1", "CACHE_WARMUP": "1",
    }
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "cache")], env=environment, capture_output=True, text=True, timeout=300,
        check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    [report] = tmp_path.glob("*-cache.json")
    figures = json.loads(report.read_text())
    summary = figures["summary"]
    assert set(summary) == {"repeated", "distinct"}
    for workload, entry in summary.items():
        for name in ["cache", "no cache"]:
            server = entry["servers"][name]
            assert server["errors"] == 0 and server["correct"] > 0, (workload, name, server)
            assert server["throughput"]["median"] > 0 and server["p50_ms"] > 0 and server["p99_ms"] > 0
            assert entry["peak_rss_mib"][name] > 0
        for figure in ["throughput", "p50_ms", "p99_ms"]:
            assert entry["ratios"][figure]["median"] > 0, (workload, figure)
        assert entry["servers"]["no cache"]["cached_answers"] == 0
        assert entry["lookups"] > 0 and entry["hits"] <= entry["lookups"]
        assert 0 < entry["cache_bytes"]["median"] <= figures["settings"]["cache_size"]
        assert entry["cache_entries"]["median"] > 0
    # Every distinct body is new: no hit, no answer said cached.
    assert summary["distinct"]["hits"] == 0 and summary["distinct"]["servers"]["cache"]["cached_answers"] == 0
    assert summary["distinct"]["overhead"]["floor"] == 0.02 and "met" in summary["distinct"]["overhead"]
    [round_] = figures["measured"]["rounds"]
    assert set(round_) == {"cache", "no cache"}
    markdown = report.with_suffix(".md").read_text()
    assert "## Repeated: 20 photos" in markdown and "## All distinct" in markdown
    assert "| **ratio** |" in markdown and "Overhead of the cache on misses" in markdown
