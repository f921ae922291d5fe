"""`prepare --precision`: fp32 (the converted model), int8 (its quantized entry `<name>_int8`), or both."""

from __future__ import annotations

from pathlib import Path

from .catalog import Catalog, ModelEntry
from .prepare import Outcome, prepare_model
from .quantize import DEFAULT_MIN_TOP1_AGREEMENT
from .repository import INT8_SUFFIX, Repository

PRECISIONS = ("fp32", "int8", "both")
DEFAULT_PRECISION = "fp32"


def entries_for(precision: str) -> tuple[str, ...]:
    """The repository entries a `--precision` value asks for, in the order they are prepared."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}: expected one of {', '.join(PRECISIONS)}")
    return ("fp32", "int8") if precision == "both" else (precision,)


def resolve(catalog: Catalog, name: str, precision: str) -> tuple[ModelEntry, str]:
    """What `prepare NAME` asks for: a catalog model at `precision`, or, for a repository entry name
    `<model>_int8` (as the classifier and `HUBLOT_MODELS` spell it), that model at int8 whatever
    `precision` says. An unknown name raises UnknownModelError, with close names."""
    entries_for(precision)  # an unknown precision fails before the catalog is searched
    if name.endswith(INT8_SUFFIX) and name not in catalog.names():
        base = name[: -len(INT8_SUFFIX)]
        if base in catalog.names():
            return catalog.get(base), "int8"
    return catalog.get(name), precision


def prepare(entry: ModelEntry, repo: Repository, precision: str = DEFAULT_PRECISION, *, force: bool = False,
            parity_images: list[Path] | None = None,
            min_top1_agreement: float = DEFAULT_MIN_TOP1_AGREEMENT) -> list[Outcome]:
    """Prepare `entry` at `precision`. int8 needs the fp32 model: it is prepared first when missing
    (`--force` applies to the precisions asked for, not to an fp32 model only needed by int8)."""
    wanted = entries_for(precision)
    outcomes = [prepare_model(entry, repo, force=force and "fp32" in wanted, parity_images=parity_images)]
    if "int8" in wanted:
        from .int8 import prepare_int8

        outcomes.append(prepare_int8(entry, repo, force=force, min_top1_agreement=min_top1_agreement))
    return outcomes
