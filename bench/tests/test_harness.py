"""bench/run's pieces that can be checked without servers: wrk output, floors, /proc figures, resize."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from harness import floors, load, procstat, report, rounds

PHOTOS = Path(os.environ.get("HUBLOT_TEST_PHOTOS", Path(__file__).resolve().parents[2] / "samples"))


def wrk_output(**override: object) -> str:
    fields = {"requests": 100, "duration_us": 2_000_000, "correct": 90, "wrong": 6, "bad_status": 4,
              "connect_errors": 1, "read_errors": 0, "write_errors": 0, "timeouts": 2,
              "p50_us": 7300, "p90_us": 9000, "p99_us": 20000, "mean_us": 8000.5, "max_us": 30000, "sample": "503 busy"}
    fields.update(override)
    body = ",".join(f'"{k}":{v}' if not isinstance(v, str) else f'"{k}":"{v}"' for k, v in fields.items())
    return "Running 2s test\n  1 threads and 8 connections\nBENCH_JSON {" + body + "}\n"


def test_parse_counts_wrong_labels_statuses_and_socket_errors_as_errors() -> None:
    result = load.parse(wrk_output())
    assert result.errors == 6 + 4 + 1 + 2
    assert result.throughput == pytest.approx(45.0)  # correct answers only
    assert (result.p50_ms, result.p99_ms) == (7.3, 20.0)
    assert result.error_sample == "503 busy"


def test_parse_without_the_script_line_fails() -> None:
    with pytest.raises(RuntimeError, match="BENCH_JSON"):
        load.parse("Running 2s test\nRequests/sec: 12\n")


def test_wrk_command_uses_the_checking_script_and_a_long_timeout() -> None:
    command = load.wrk_command("http://127.0.0.1:1/v1/classify", 32, 2.4)
    assert command[:4] == ["wrk", "-t1", "-c32", "-d2s"]
    assert str(load.SCRIPT) in command and "--latency" in command and "60s" in command
    assert load.SCRIPT.is_file()


def cell(throughput: float, p50: float, p99: float) -> dict[str, float]:
    return {"throughput": throughput, "p50_ms": p50, "p90_ms": p99, "p99_ms": p99, "errors": 0, "cpu_ms_per_image": 10.0}


def figures(classifier_cat32: float) -> dict:
    both = lambda t, p50: {"cat.jpg": {"1": cell(t, p50, 2 * p50), "8": cell(t, p50, 2 * p50), "32": cell(t, p50, 2 * p50)},
                           "turtle.jpg": {"1": cell(t / 4, p50, 2 * p50), "8": cell(t / 4, p50, 4 * p50), "32": cell(t / 4, p50, 2 * p50)}}
    return {
        "systems": {
            "classifier": {"load": both(classifier_cat32, 7.0), "cold_start_s": [0.4, 0.3, 0.5]},
            "front": {"load": both(classifier_cat32 * 0.95, 8.0), "cold_start_s": [0.6, 0.7, 0.6]},
            "seed": {"load": both(20.0, 40.0)},
            "fastapi-2w": {"load": both(100.0, 10.0)},
        },
        "fastapi_best": "fastapi-2w",
        "ceiling": {"cat.jpg": {"best_images_per_s": 160.0, "best_batch": 8}, "turtle.jpg": {"best_images_per_s": 40.0, "best_batch": 32}},
    }


def by_name(found: list[floors.Floor]) -> dict[str, floors.Floor]:
    return {f.name: f for f in found}


def test_floors_met_and_not_met() -> None:
    found = by_name(floors.check(figures(150.0), ["cat.jpg", "turtle.jpg"], [1, 8, 32]))
    assert found["classifier / seed, cat.jpg, c=32 (throughput)"].measured == pytest.approx(7.5)
    assert found["classifier / seed, cat.jpg, c=32 (throughput)"].met is True
    assert found["classifier / FastAPI+ORT (fastapi-2w), cat.jpg, c=32 (throughput)"].met is True
    assert found["classifier / in-process ceiling, cat.jpg, c=32"].measured == pytest.approx(150 / 160)
    assert found["classifier: p99 / p50, turtle.jpg, c=8"].met is False  # 4× > 3×
    assert found["front: throughput lost, cat.jpg, c=32"].measured == pytest.approx(5.0)
    assert found["front: p50 added, cat.jpg, c=1"].measured == pytest.approx(1.0)
    assert found["cold start to ready: front (median)"].met is False  # 0.6 s > 0.5 s
    assert found["cold start to ready: classifier (median)"].measured == pytest.approx(0.4)


def test_floor_below_bound_is_not_met_and_missing_figures_are_not_measured() -> None:
    found = by_name(floors.check(figures(60.0), ["cat.jpg", "turtle.jpg"], [1, 8, 32]))
    ratio = found["classifier / FastAPI+ORT (fastapi-2w), cat.jpg, c=32 (throughput)"]
    assert ratio.met is False and ratio.margin.startswith("-0.90 ×")
    empty = by_name(floors.check({"systems": {}}, ["cat.jpg"], [1, 8, 32]))
    assert all(f.met is None and f.margin == "n/a" for f in empty.values())


def test_int8_floors_use_the_paired_ratios_of_the_int8_systems() -> None:
    data = figures(150.0)
    data["systems"]["classifier-int8"] = {"load": {"cat.jpg": {"32": cell(240.0, 5.0, 9.0)}}}
    data["systems"]["fastapi-1w-int8"] = {"load": {"cat.jpg": {"32": cell(200.0, 6.0, 9.0)}}}
    data["fastapi_best_int8"] = "fastapi-1w-int8"
    data["ratios"] = {rounds.key("classifier-int8", "classifier", "cat.jpg", "32"): {"median": 1.7, "min": 1.5, "max": 1.9, "rounds": [1.5, 1.7, 1.9]}}
    found = by_name(floors.check(data, ["cat.jpg", "turtle.jpg"], [1, 8, 32]))
    versus_fp32 = found["classifier int8 / classifier fp32, cat.jpg, c=32 (throughput)"]
    assert versus_fp32.measured == pytest.approx(1.7) and versus_fp32.met is True  # the rounds' median, not 240 / 150
    versus_fastapi = found["classifier int8 / FastAPI+ORT int8 (fastapi-1w-int8), cat.jpg, c=32 (throughput)"]
    assert versus_fastapi.measured == pytest.approx(1.2) and versus_fastapi.met is False  # no rounds: 240 / 200
    assert report.summary_table(data)[-4].startswith("| hublot-classifier, int8 model |")


def test_report_tables_render_every_system_and_floor() -> None:
    data = figures(150.0)
    data["floors"] = [f.as_dict() for f in floors.check(data, ["cat.jpg", "turtle.jpg"], [1, 8, 32])]
    rows = report.load_table(data)
    assert len(rows) == 2 + 4 * 2 * 3
    assert any("**NOT met**" in row for row in report.floor_table(data))
    assert report.ratio_table(data)[2].startswith("| cat.jpg | 1 | 7.50×")


def test_readme_section_is_replaced_not_duplicated(tmp_path: Path) -> None:
    data = figures(150.0)
    data["meta"] = {"date": "2026-11-27", "machine": "m", "versions": {"cpu": "cpu", "cores": "2"}}
    data["floors"] = []
    readme = tmp_path / "README.md"
    readme.write_text("# Project\n\nText.\n")
    target = tmp_path / "bench" / "results" / "r.md"
    report.update_readme(readme, data, target)
    report.update_readme(readme, data, target)
    text = readme.read_text()
    assert text.count("## Performance") == 1 and text.count(report.README_START) == 1
    assert text.startswith("# Project\n\nText.\n") and "(bench/results/r.md)" in text


def test_process_tree_cpu_and_peak_memory_of_this_process() -> None:
    assert os.getpid() in procstat.tree(os.getpid())
    assert procstat.cpu_seconds(os.getpid()) > 0
    assert procstat.peak_rss_mib(os.getpid()) > 1
    assert procstat.cpu_seconds(2**22 + 12345) == 0  # a process that does not exist


@pytest.mark.parametrize("name", ["cat.jpg", "turtle.jpg"])
def test_fastapi_resize_with_pad_equals_tensorflow(name: str) -> None:
    tf = pytest.importorskip("tensorflow")
    from PIL import Image
    from resize import resize_with_pad

    pixels = np.asarray(Image.open(PHOTOS / name).convert("RGB"))
    expected = tf.image.resize_with_pad(tf.image.convert_image_dtype(pixels[np.newaxis], tf.float32), 224, 224).numpy()[0]
    assert np.abs(resize_with_pad(pixels, 224, 224) - expected).max() < 1e-5


def test_fastapi_resize_with_pad_of_odd_shapes_equals_tensorflow() -> None:
    tf = pytest.importorskip("tensorflow")
    from resize import resize_with_pad

    rng = np.random.default_rng(8)
    for shape in [(1, 1, 3), (224, 224, 3), (100, 50, 3), (225, 223, 3), (5, 900, 3)]:
        pixels = rng.integers(0, 256, size=shape, dtype=np.uint8)
        expected = tf.image.resize_with_pad(tf.image.convert_image_dtype(pixels[np.newaxis], tf.float32), 224, 224).numpy()[0]
        assert np.abs(resize_with_pad(pixels, 224, 224) - expected).max() < 1e-5, shape


def test_fastapi_resize_with_pad_refuses_an_image_that_resizes_to_nothing() -> None:
    from resize import resize_with_pad

    with pytest.raises(ValueError, match="too thin"):
        resize_with_pad(np.zeros((3, 700, 3), np.uint8), 224, 224)


def test_rounds_rotate_and_reverse_so_no_system_is_always_first() -> None:
    systems = ["ceiling", "classifier", "seed"]
    orders = [rounds.order(systems, r) for r in range(4)]
    assert orders[0] == ["ceiling", "classifier", "seed"]
    assert orders[1] == ["classifier", "seed", "ceiling"]
    assert {order[0] for order in orders[:3]} == set(systems) and orders[3] == orders[0]
    assert rounds.order([], 3) == []


def test_a_point_over_rounds_is_the_median_of_each_figure_with_counts_summed() -> None:
    cells = [load.parse(wrk_output(requests=r, correct=r, wrong=0, bad_status=0, connect_errors=0, timeouts=0,
                                   p50_us=p50, duration_us=1_000_000)).__dict__
             for r, p50 in ((100, 9000), (300, 5000), (200, 7000))]
    merged = rounds.median_cell(cells)
    assert merged["throughput"] == 200 and merged["p50_ms"] == 7.0
    assert merged["requests"] == 600 and merged["errors"] == 0 and merged["error_sample"] == ""
    assert merged["rounds_throughput"] == [100, 300, 200]


def test_a_ratio_is_the_median_of_its_per_round_ratios_not_the_ratio_of_medians() -> None:
    def cell(throughput: float) -> dict[str, float]:
        return {"throughput": throughput}
    # The machine slows down in round 2: both systems halve; the per-round ratio stays 4.
    measured = [
        {"classifier": {"cat.jpg": {"32": cell(400)}}, "seed": {"cat.jpg": {"32": cell(100)}}, "ceiling": {"cat.jpg": {"best": cell(500)}}},
        {"classifier": {"cat.jpg": {"32": cell(200)}}, "seed": {"cat.jpg": {"32": cell(50)}}, "ceiling": {"cat.jpg": {"best": cell(250)}}},
        {"classifier": {"cat.jpg": {"32": cell(420)}}, "seed": {"cat.jpg": {"32": cell(100)}}},
    ]
    found = rounds.ratios(measured, "classifier", ["seed", "ceiling"], ["cat.jpg"], ["32"])
    seed = found[rounds.key("classifier", "seed", "cat.jpg", "32")]
    assert seed["rounds"] == [4.0, 4.0, 4.2] and seed["median"] == 4.0 and (seed["min"], seed["max"]) == (4.0, 4.2)
    assert found[rounds.key("classifier", "ceiling", "cat.jpg", "32")]["rounds"] == [0.8, 0.8]
    figures_ = {"systems": {}, "ratios": found}
    assert floors.paired(figures_, "classifier", "seed", "cat.jpg", 32) == 4.0
    assert report.ratio_table(figures_)[2].startswith("| classifier / seed, cat.jpg, c=32 | 4.00× | 4.00–4.20 | 4.00, 4.00, 4.20 |")
