"""The catalog: the Colab's models, read from a data file (`catalog.json`)."""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import CatalogError, UnknownModelError

CATALOG_ENV = "HUBLOT_CATALOG"


@dataclass(frozen=True)
class LabelSet:
    """A label file: where the Colab downloads it, and an optional packaged copy."""

    name: str
    url: str
    count: int
    packaged: str | None


@dataclass(frozen=True)
class ModelEntry:
    """One catalog model: its TF Hub handle and input size."""

    name: str
    family: str
    handle: str
    image_size: int
    dynamic_size: bool
    labels: LabelSet
    note: str = ""


@dataclass(frozen=True)
class Catalog:
    """All models hublot-init knows, in catalog order."""

    models: tuple[ModelEntry, ...]
    default: str
    source: str
    path: str

    def names(self) -> list[str]:
        """Model names in catalog order."""
        return [m.name for m in self.models]

    def get(self, name: str) -> ModelEntry:
        """The entry called `name`, or UnknownModelError suggesting close names."""
        for model in self.models:
            if model.name == name:
                return model
        close = difflib.get_close_matches(name, self.names(), n=3, cutoff=0.5)
        hint = f" Did you mean: {', '.join(close)}?" if close else ""
        raise UnknownModelError(
            f"unknown model '{name}'.{hint} Run `hublot-init catalog` to list the {len(self.models)} models."
        )


def _parse(data: dict[str, Any], path: str) -> Catalog:
    try:
        sets = {
            name: LabelSet(name=name, url=s["url"], count=int(s["count"]), packaged=s.get("packaged"))
            for name, s in data["label_sets"].items()
        }
        models = tuple(
            ModelEntry(
                name=m["name"],
                family=m["family"],
                handle=m["handle"],
                image_size=int(m["image_size"]),
                dynamic_size=bool(m.get("dynamic_size", False)),
                labels=sets[m["labels"]],
                note=m.get("note", ""),
            )
            for m in data["models"]
        )
        return Catalog(models=models, default=data.get("default", models[0].name), source=data.get("source", ""), path=path)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise CatalogError(f"catalog {path} is malformed: {error!r}") from error


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Load the catalog from `path`, `$HUBLOT_CATALOG`, or the packaged `catalog.json`."""
    chosen = path or os.environ.get(CATALOG_ENV)
    if chosen:
        try:
            text = Path(chosen).read_text(encoding="utf-8")
        except OSError as error:
            raise CatalogError(f"cannot read catalog {chosen}: {error.strerror or error}") from error
        where = str(chosen)
    else:
        text = resources.files("hublot_init").joinpath("catalog.json").read_text(encoding="utf-8")
        where = "hublot_init/catalog.json"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CatalogError(f"catalog {where} is not valid JSON: {error}") from error
    return _parse(data, where)
