"""The report: Markdown and JSON files under bench/results, and the README's Performance section."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

Figures = dict[str, Any]

LABELS = {
    "classifier": "hublot-classifier",
    "front": "hublot-front → classifier",
    "classifier-t1": "hublot-classifier --threads 1 (diagnostic)",
    "classifier-i2": "hublot-classifier --instances 2",
    "seed": "seed design (Flask + TF, gunicorn 1 sync worker)",
    "fastapi-1w": "FastAPI + ORT, 1 worker × 2 threads",
    "fastapi-2w": "FastAPI + ORT, 2 workers × 1 thread",
    "classifier-int8": "hublot-classifier, int8 model",
    "classifier-int8-i2": "hublot-classifier --instances 2, int8 model",
    "fastapi-1w-int8": "FastAPI + ORT, 1 worker × 2 threads, int8 model",
    "fastapi-2w-int8": "FastAPI + ORT, 2 workers × 1 thread, int8 model",
}
README_START = "<!-- bench:summary:start -->"
README_END = "<!-- bench:summary:end -->"


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _mib(size: dict[str, Any]) -> str:
    return f"{size['bytes'] / 1e6:.0f} MB" if "bytes" in size else f"— ({size.get('error', 'n/a')})"


def _median(values: list[float]) -> float | None:
    return sorted(values)[len(values) // 2] if values else None


def load_table(figures: Figures) -> list[str]:
    """One row per system, photo and concurrency."""
    rows = ["| system | photo | c | img/s | p50 ms | p90 ms | p99 ms | errors | CPU ms/img |", "|---|---|---|---|---|---|---|---|---|"]
    for name, system in figures["systems"].items():
        for photo, cells in system.get("load", {}).items():
            for concurrency, c in cells.items():
                spread = c.get("rounds_throughput", [])
                throughput = f"{c['throughput']:.1f}" + (f" [{min(spread):.1f}–{max(spread):.1f}]" if len(spread) > 1 else "")
                rows.append(
                    f"| {LABELS.get(name, name)} | {photo} | {concurrency} | {throughput} | {c['p50_ms']:.1f} | "
                    f"{c['p90_ms']:.1f} | {c['p99_ms']:.1f} | {c['errors']} | {_num(c.get('cpu_ms_per_image'))} |")
    return rows


def ratio_table(figures: Figures) -> list[str]:
    """Classifier throughput over each baseline, and front over classifier: with rounds, each ratio is the
    median of its per-round ratios [min–max]."""
    if figures.get("ratios"):
        rows = ["| ratio (throughput) | median | min–max | per round |", "|---|---|---|---|"]
        for name, found in figures["ratios"].items():
            rows.append(f"| {name} | {found['median']:.2f}× | {found['min']:.2f}–{found['max']:.2f} | "
                        + ", ".join(f"{value:.2f}" for value in found["rounds"]) + " |")
        return rows
    systems = figures["systems"]
    others = [n for n in ("seed", "fastapi-1w", "fastapi-2w", "front") if n in systems]
    rows = ["| photo | c | " + " | ".join(f"classifier / {n}" for n in others) + " | classifier / in-process ceiling |",
            "|---|---|" + "---|" * (len(others) + 1)]
    classifier = systems.get("classifier", {}).get("load", {})
    for photo, cells in classifier.items():
        ceiling = figures.get("ceiling", {}).get(photo, {}).get("best_images_per_s")
        for concurrency, c in cells.items():
            parts = []
            for other in others:
                o = systems[other].get("load", {}).get(photo, {}).get(concurrency)
                parts.append(_num(c["throughput"] / o["throughput"], 2) + "×" if o and o["throughput"] > 0 else "—")
            ceiling_ratio = _num(c["throughput"] / ceiling, 2) + "×" if ceiling else "—"
            rows.append(f"| {photo} | {concurrency} | " + " | ".join(parts) + f" | {ceiling_ratio} |")
    return rows


def server_table(figures: Figures) -> list[str]:
    """Cold start and peak memory of each server."""
    rows = ["| system | cold start to ready, median (all runs) s | peak RSS MiB |", "|---|---|---|"]
    for name, system in figures["systems"].items():
        starts = system.get("cold_start_s", [])
        rows.append(f"| {LABELS.get(name, name)} | {_num(_median(starts), 2)} ({', '.join(f'{s:.2f}' for s in starts)}) | "
                    f"{_num(system.get('peak_rss_mib'), 0)} |")
    return rows


def ceiling_table(figures: Figures) -> list[str]:
    """The in-process pipeline per photo and batch size."""
    rows = ["| photo | configuration | img/s | CPU ms/img | top-1 | peak RSS MiB |", "|---|---|---|---|---|---|"]
    for photo, entry in figures.get("ceiling", {}).items():
        for batch, c in entry.get("batches", {}).items():
            rows.append(f"| {photo} | {batch} | {c['images_per_s']:.1f} | {c['cpu_ms_per_image']:.1f} | {c['top1']} | {_num(c.get('peak_rss_mib'), 0)} |")
    return rows


def floor_table(figures: Figures) -> list[str]:
    """Each floor: measured, bound, met, margin."""
    rows = ["| floor | measured | bound | met | margin |", "|---|---|---|---|---|"]
    for f in figures.get("floors", []):
        sign = "≥" if f["higher_is_better"] else "≤"
        met = {True: "met", False: "**NOT met**", None: "not measured"}[f["met"]]
        rows.append(f"| {f['name']} | {_num(f['measured'], 2)} {f['unit']} | {sign} {f['bound']} {f['unit']} | {met} | {f['margin']} |")
    return rows


def summary_table(figures: Figures) -> list[str]:
    """The README's table: one row per system, the headline figures."""
    systems, images = figures["systems"], figures.get("images", {})
    image_of = {"classifier": "hublot-classifier", "classifier-t1": "hublot-classifier", "classifier-i2": "hublot-classifier",
                "classifier-int8-i2": "hublot-classifier", "front": "hublot-front", "seed": "hublot-bench-seed",
                "fastapi-1w": "hublot-bench-fastapi", "fastapi-2w": "hublot-bench-fastapi", "classifier-int8": "hublot-classifier",
                "fastapi-1w-int8": "hublot-bench-fastapi", "fastapi-2w-int8": "hublot-bench-fastapi"}
    rows = ["| system | cat.jpg c=1 p50 ms | cat.jpg c=32 img/s | turtle.jpg c=32 img/s | CPU ms/img (cat, c=32) | peak RSS MiB | cold start s | image |",
            "|---|---|---|---|---|---|---|---|"]

    def get(name: str, photo: str, concurrency: str, key: str) -> float | None:
        c = systems[name].get("load", {}).get(photo, {}).get(concurrency)
        return None if c is None else c.get(key)

    for name in systems:
        image = images.get(image_of.get(name, ""), {})
        rows.append(f"| {LABELS.get(name, name)} | {_num(get(name, 'cat.jpg', '1', 'p50_ms'))} | {_num(get(name, 'cat.jpg', '32', 'throughput'))} | "
                    f"{_num(get(name, 'turtle.jpg', '32', 'throughput'))} | {_num(get(name, 'cat.jpg', '32', 'cpu_ms_per_image'))} | "
                    f"{_num(systems[name].get('peak_rss_mib'), 0)} | {_num(_median(systems[name].get('cold_start_s', [])), 2)} | "
                    f"{_mib(image) if image else '—'} |")
    for photo, entry in figures.get("ceiling", {}).items():
        rows.append(f"| in-process ceiling (HublotCore, no HTTP; {photo}: {entry['best_batch']}) | — | "
                    f"{_num(entry['best_images_per_s']) if photo == 'cat.jpg' else '—'} | "
                    f"{_num(entry['best_images_per_s']) if photo == 'turtle.jpg' else '—'} | — | — | — | — |")
    return rows


def markdown(figures: Figures, notes: str) -> str:
    """The whole report."""
    meta, settings = figures["meta"], figures["settings"]
    met = sum(1 for f in figures.get("floors", []) if f["met"])
    lines = [
        f"# Hublot benchmark, {meta['date']} on {meta['machine']}",
        "",
        f"{meta['versions']['cpu']}, {meta['versions']['cores']} cores, kernel {meta['versions']['kernel']}; "
        f"load average before the run {meta['load_before']}, after {meta['load_after']}. "
        f"Model efficientnet_lite0 from `{settings['models']}`. Closed loop with wrk (1 thread, on the same machine), "
        + (f"{settings['rounds']} alternating rounds (every system once per round, the order rotated between "
           "rounds; each figure is the median over the rounds, img/s with its [min–max], each ratio the median of its "
           "per-round ratios), " if settings.get("rounds", 1) > 1 else "")
        + f"{settings['duration_s']} s per point after a {settings['warmup_s']} s warm-up per photo, concurrency "
        f"{', '.join(map(str, settings['concurrency']))}. Every answer's top-1 is checked (cat.jpg: "
        f"{' / '.join(settings['expected']['cat.jpg'])}; turtle.jpg: {' / '.join(settings['expected']['turtle.jpg'])}); "
        "img/s counts correct answers only, errors count wrong labels, non-200 answers and socket errors.",
        "",
        f"Floors met: {met} of {len(figures.get('floors', []))}.",
        "",
        "## Throughput and latency",
        "",
        *load_table(figures),
        "",
        "CPU ms/img: user + system CPU time of the server's process tree (`/proc/PID/stat`, children included) "
        "during the measured window, divided by the requests answered; for the front row, front + classifier.",
        "",
        "## Ratios (throughput)",
        "",
        *ratio_table(figures),
        "",
        "## Servers: cold start and memory",
        "",
        *server_table(figures),
        "",
        "Cold start: process start → the ready probe answers 200 (classifier `/v2/health/ready`, front `/readyz` "
        "with the classifier up, baselines `/health` answered once the model is loaded); page cache warm. "
        "Peak RSS: sum of VmHWM over the server's processes at the end of its runs.",
        "",
        "## In-process ceiling (HublotCore, no HTTP)",
        "",
        *ceiling_table(figures),
        "",
        "`hublot-bench-pipeline` (bench/pipeline): each batch's images decoded and preprocessed in parallel on every core, "
        "then one ONNX Runtime run, softmax and top-5; one such loop with ORT intra-op threads = cores (the classifier's default), "
        "or one loop per core with 1 ORT thread each, on one session. "
        "The ceiling of the ratios is the best of the four.",
        "",
        "## Floors (issue 8)",
        "",
        *floor_table(figures),
        "",
        "## Image sizes",
        "",
        "| image | size |",
        "|---|---|",
        *[f"| {name} | {_mib(size)} |" for name, size in figures.get("images", {}).items()],
        "",
        "Sizes from `docker image inspect -f '{{.Size}}'`. Hublot's images come from `scripts/build-images`; the baselines "
        "from `bench/baselines/*/Dockerfile` on the same `debian:trixie-slim` base, models mounted (not in any image).",
        "",
        "## Commands",
        "",
        *[f"- {name}: `{command}`" for name, command in figures["commands"].items()],
        "",
        "## Versions",
        "",
        *[f"- {name}: {value}" for name, value in meta["versions"].items()],
        "",
    ]
    if notes:
        lines += ["## Notes", "", notes.strip(), ""]
    return "\n".join(lines)


def write(figures: Figures, out_dir: Path, notes: str = "") -> tuple[Path, Path]:
    """Writes <date>-<machine>.md and .json; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{figures['meta']['date']}-{figures['meta']['machine']}"
    md, js = out_dir / f"{stem}.md", out_dir / f"{stem}.json"
    js.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    md.write_text(markdown(figures, notes))
    return md, js


def update_readme(readme: Path, figures: Figures, report: Path) -> None:
    """Replaces the README's Performance summary (between the bench markers) with this run's."""
    text = readme.read_text()
    link = report.relative_to(readme.parent).as_posix()
    met = sum(1 for f in figures.get("floors", []) if f["met"])
    body = "\n".join([
        README_START,
        f"Latest run: {figures['meta']['date']} on {figures['meta']['machine']} "
        f"({figures['meta']['versions']['cpu']}, {figures['meta']['versions']['cores']} cores); "
        f"floors met (issues 8 and 18): {met} of {len(figures.get('floors', []))}. Full report: [{link}]({link}).",
        "",
        *summary_table(figures),
        README_END,
    ])
    if README_START in text:
        text = re.sub(re.escape(README_START) + ".*?" + re.escape(README_END), lambda _: body, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n## Performance\n\n" + INTRO + "\n\n" + body + "\n"
    readme.write_text(text)


INTRO = (
    "`make bench` (not part of `make test`) serves efficientnet_lite0 from the same model repository with "
    "hublot-classifier, hublot-front in front of it, the seed's design (Flask + TensorFlow SavedModel + PIL) and "
    "a FastAPI + onnxruntime server, loads each with wrk (cat.jpg 61 KB and turtle.jpg 2.7 MB, concurrency 1, 8, 32, "
    "every answer's top-1 checked) and writes a report under `bench/results/` (see `bench/README.md`)."
)
