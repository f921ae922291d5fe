"""The issue's floors, checked against one run's figures."""

from __future__ import annotations

import dataclasses
from typing import Any

from . import rounds

Figures = dict[str, Any]


@dataclasses.dataclass
class Floor:
    """One requirement: the measured value, the bound, met or not, and the margin."""

    name: str
    measured: float | None
    bound: float
    higher_is_better: bool
    unit: str

    @property
    def met(self) -> bool | None:
        """True/False, or None when the figure is missing."""
        if self.measured is None:
            return None
        return self.measured >= self.bound if self.higher_is_better else self.measured <= self.bound

    @property
    def margin(self) -> str:
        """Measured minus bound, in the floor's unit and relative to the bound."""
        if self.measured is None:
            return "n/a"
        relative = f" ({(self.measured / self.bound - 1) * 100:+.0f} %)" if self.bound else ""
        return f"{self.measured - self.bound:+.2f} {self.unit}{relative}"

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {**dataclasses.asdict(self), "met": self.met, "margin": self.margin}


def cell(figures: Figures, system: str, photo: str, concurrency: int) -> dict[str, Any] | None:
    """The load figures of one system, photo and concurrency, if measured."""
    return figures.get("systems", {}).get(system, {}).get("load", {}).get(photo, {}).get(str(concurrency))


def throughput(figures: Figures, system: str, photo: str, concurrency: int) -> float | None:
    """Correct answers per second, or None."""
    found = cell(figures, system, photo, concurrency)
    return None if found is None else found["throughput"]


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b when both exist and b > 0."""
    return None if a is None or b is None or b <= 0 else a / b


def paired(figures: Figures, a: str, b: str, photo: str, concurrency: int) -> float | None:
    """a's throughput over b's (b may be "ceiling": its best) on `photo` at `concurrency`: the median of the
    per-round ratios when the run had rounds, else the ratio of the two figures."""
    found = figures.get("ratios", {}).get(rounds.key(a, b, photo, str(concurrency)))
    if found is not None:
        return found["median"]
    other = (figures.get("ceiling", {}).get(photo, {}).get("best_images_per_s") if b == "ceiling"
             else throughput(figures, b, photo, concurrency))
    return ratio(throughput(figures, a, photo, concurrency), other)


def check(figures: Figures, photos: list[str], concurrencies: list[int]) -> list[Floor]:
    """Every floor of issue 8 that this run's figures allow to check."""
    fastapi = figures.get("fastapi_best", "fastapi-2w")
    floors = [
        Floor("classifier / seed, cat.jpg, c=32 (throughput)", paired(figures, "classifier", "seed", "cat.jpg", 32), 4.0, True, "×"),
        Floor("classifier / seed, turtle.jpg, c=32 (throughput)", paired(figures, "classifier", "seed", "turtle.jpg", 32), 6.0, True, "×"),
        Floor(f"classifier / FastAPI+ORT ({fastapi}), cat.jpg, c=32 (throughput)",
              paired(figures, "classifier", fastapi, "cat.jpg", 32), 1.5, True, "×"),
    ]
    for photo in photos:
        floors.append(Floor(f"classifier / in-process ceiling, {photo}, c=32", paired(figures, "classifier", "ceiling", photo, 32), 0.85, True, "×"))
    for system in ("classifier", "front"):
        for photo in photos:
            found = cell(figures, system, photo, 8)
            floors.append(Floor(f"{system}: p99 / p50, {photo}, c=8",
                                None if found is None or found["p50_ms"] <= 0 else found["p99_ms"] / found["p50_ms"], 3.0, False, "×"))
    # The front's cost: capacity lost at the highest concurrency (both servers saturated), and latency
    # added to a lone request (c=1; at high concurrency p50 is queueing, which the throughput floor covers).
    top = max(concurrencies)
    for photo in photos:
        alone, behind = cell(figures, "classifier", photo, top), cell(figures, "front", photo, top)
        loss = None if alone is None or behind is None or alone["throughput"] <= 0 else max(1 - behind["throughput"] / alone["throughput"], 0.0) * 100
        floors.append(Floor(f"front: throughput lost, {photo}, c={top}", loss, 10.0, False, "%"))
        alone, behind = cell(figures, "classifier", photo, 1), cell(figures, "front", photo, 1)
        added = None if alone is None or behind is None else behind["p50_ms"] - alone["p50_ms"]
        floors.append(Floor(f"front: p50 added, {photo}, c=1", added, 2.0, False, "ms"))
    # int8 (issue 18): against fp32 on the same server, and against FastAPI + ONNX Runtime on the same int8 model.
    fastapi_int8 = figures.get("fastapi_best_int8", "fastapi-2w-int8")
    floors.append(Floor("classifier int8 / classifier fp32, cat.jpg, c=32 (throughput)",
                        paired(figures, "classifier-int8", "classifier", "cat.jpg", 32), 1.5, True, "×"))
    floors.append(Floor(f"classifier int8 / FastAPI+ORT int8 ({fastapi_int8}), cat.jpg, c=32 (throughput)",
                        paired(figures, "classifier-int8", fastapi_int8, "cat.jpg", 32), 1.3, True, "×"))
    for system, bound in (("classifier", 2.0), ("front", 0.5)):
        starts = figures.get("systems", {}).get(system, {}).get("cold_start_s")
        floors.append(Floor(f"cold start to ready: {system} (median)",
                            None if not starts else sorted(starts)[len(starts) // 2], bound, False, "s"))
    return floors
