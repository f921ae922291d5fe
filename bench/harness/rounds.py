"""Alternating rounds: every system measured once per round, so that a change of load on a shared machine
tilts every system of a round alike; the figures are medians over the rounds, and each ratio is the median
of its per-round ratios, with its spread (issue 18)."""

from __future__ import annotations

import statistics
from typing import Any

Cell = dict[str, Any]
# rounds[r][system][photo][concurrency] = one wrk run's figures; the ceiling's "concurrency" is "best".
Rounds = list[dict[str, dict[str, dict[str, Cell]]]]

# Figures summed over the rounds (counts); every other number is the median of the rounds.
SUMMED = {"requests", "correct", "errors", "seconds"}


def order(systems: list[str], round_index: int) -> list[str]:
    """The systems' order in round `round_index`: rotated by one each round, so that no system is always
    first (on a fresh machine) or last (after the others heated it)."""
    if not systems:
        return []
    shift = round_index % len(systems)
    return systems[shift:] + systems[:shift]


def median_cell(cells: list[Cell]) -> Cell:
    """One point measured in several rounds: each figure's median (counts summed), the error sample of the
    first round that had errors, and every round's throughput."""
    merged: Cell = {}
    for key, first in cells[0].items():
        values = [cell[key] for cell in cells if key in cell]
        if isinstance(first, bool) or not isinstance(first, (int, float)):
            continue
        merged[key] = sum(values) if key in SUMMED else statistics.median(values)
    merged["error_sample"] = next((cell.get("error_sample", "") for cell in cells if cell.get("errors")), "")
    merged["rounds_throughput"] = [cell["throughput"] for cell in cells]
    return merged


def medians(rounds: Rounds) -> dict[str, dict[str, dict[str, Cell]]]:
    """Every system, photo and concurrency measured, merged over the rounds that measured it."""
    merged: dict[str, dict[str, dict[str, Cell]]] = {}
    keys = {(system, photo, c) for measured in rounds for system, photos in measured.items()
            for photo, cells in photos.items() for c in cells}
    for system, photo, c in sorted(keys):
        cells = [measured[system][photo][c] for measured in rounds if c in measured.get(system, {}).get(photo, {})]
        merged.setdefault(system, {}).setdefault(photo, {})[c] = median_cell(cells)
    return merged


def key(numerator: str, denominator: str, photo: str, concurrency: str) -> str:
    """The name of a throughput ratio in `figures["ratios"]`."""
    return f"{numerator} / {denominator}, {photo}, c={concurrency}"


def ratio(rounds: Rounds, numerator: tuple[str, str], denominator: tuple[str, str], photo: str,
          figure: str = "throughput") -> dict[str, Any] | None:
    """`figure` (throughput unless told) of (system, concurrency) `numerator` over `denominator` on `photo`,
    in each round that measured both: the per-round values, their median, min and max; None when no round
    measured both."""
    values = []
    for measured in rounds:
        a = measured.get(numerator[0], {}).get(photo, {}).get(numerator[1])
        b = measured.get(denominator[0], {}).get(photo, {}).get(denominator[1])
        if a is not None and b is not None and b[figure] > 0:
            values.append(a[figure] / b[figure])
    if not values:
        return None
    return {"rounds": values, "median": statistics.median(values), "min": min(values), "max": max(values)}


def ratios(rounds: Rounds, subject: str, others: list[str], photos: list[str], concurrencies: list[str]) -> dict[str, dict[str, Any]]:
    """`subject`'s throughput over each of `others` (same photo and concurrency; the ceiling's best at any
    concurrency), per round."""
    found: dict[str, dict[str, Any]] = {}
    for other in others:
        for photo in photos:
            for c in concurrencies:
                value = ratio(rounds, (subject, c), (other, "best" if other == "ceiling" else c), photo)
                if value is not None:
                    found[key(subject, other, photo, c)] = value
    return found
