"""bench/transport's smoke: one short round on the debug classifier (the real campaign is `make bench-transport`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_transport_runs_end_to_end_and_reports_every_cell(tmp_path: Path) -> None:
    classifier = Path(os.environ.get("HUBLOT_CLASSIFIER_BIN") or ROOT / ".build" / "debug" / "hublot-classifier")
    assert classifier.is_file(), f"{classifier} is missing: run `swift build --product hublot-classifier`"
    h2load = os.environ.get("H2LOAD", "h2load")
    assert shutil.which(h2load), f"{h2load} is missing: run `scripts/setup-host --tests` (Debian's nghttp2-client)"
    environment = {
        **os.environ, "BENCH_CLASSIFIER_BIN": str(classifier), "BENCH_OUT": str(tmp_path), "TRANSPORT_ROUNDS": "1",
        "TRANSPORT_DURATION": "1", "TRANSPORT_WARMUP": "0.5", "TRANSPORT_CONCURRENCY": "1,4",
    }
    completed = subprocess.run([sys.executable, str(ROOT / "bench" / "transport")], env=environment, capture_output=True,
                               text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    [report] = tmp_path.glob("*-transport.json")
    figures = json.loads(report.read_text())
    cells = figures["summary"]["cells"]
    for transport in ["http-json", "http-binary", "grpc"]:
        for workload in ["cat.jpg", "tensor"]:
            for c in ["1", "4"]:
                cell = cells[transport][workload][c]
                assert cell["errors"] == 0, (transport, workload, c, cell["error_sample"])
                assert cell["correct"] > 0 and cell["throughput"] > 0 and cell["p99_ms"] >= cell["p50_ms"] > 0
                assert cell["cpu_ms_per_image"] > 0
    ratios = figures["summary"]["ratios"]
    assert ratios["throughput: grpc / http-json, tensor, c=4"]["median"] > 0
    # The tensor as binary data is less than half its JSON text.
    assert cells["http-binary"]["tensor"]["1"]["request_bytes"] * 2 < cells["http-json"]["tensor"]["1"]["request_bytes"]
    assert (tmp_path / report.name.replace(".json", ".md")).read_text().startswith("# Transports")
