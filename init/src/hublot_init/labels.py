"""Label files: the packaged ImageNet file (offline) or a download cached in `<repo>/.labels/`."""

from __future__ import annotations

import os
import tempfile
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

from .catalog import LabelSet
from .errors import LabelsUnavailableError

DOWNLOAD_TIMEOUT_S = 60


def read_lines(text: str) -> list[str]:
    """Label lines, stripped as the Colab does (`l.strip()`), without a trailing empty line."""
    lines = [line.strip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _cached_path(label_set: LabelSet, cache_dir: Path) -> Path:
    return cache_dir / f"{label_set.name}.txt"


def load_labels(label_set: LabelSet, cache_dir: Path) -> list[str]:
    """The labels of `label_set`: packaged copy, else `<cache_dir>/<set>.txt`, else downloaded from its URL."""
    if label_set.packaged:
        resource = resources.files("hublot_init").joinpath(label_set.packaged)
        if resource.is_file():
            return _checked(label_set, read_lines(resource.read_text(encoding="utf-8")), f"hublot_init/{label_set.packaged}")
    cached = _cached_path(label_set, cache_dir)
    if cached.is_file():
        return _checked(label_set, read_lines(cached.read_text(encoding="utf-8")), str(cached))
    text = _download(label_set, cached)
    return _checked(label_set, read_lines(text), label_set.url)


def _download(label_set: LabelSet, cached: Path) -> str:
    hint = (
        f"To work offline, download {label_set.url} on a connected machine and copy it to {cached} "
        f"({label_set.count} lines)."
    )
    try:
        with urllib.request.urlopen(label_set.url, timeout=DOWNLOAD_TIMEOUT_S) as response:
            data = response.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise LabelsUnavailableError(
            f"label file '{label_set.name}' is missing and cannot be downloaded from {label_set.url}: "
            f"{getattr(error, 'reason', error)}. {hint}"
        ) from error
    text = data.decode("utf-8")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".download-", dir=cached.parent)
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(tmp, cached)
    except OSError:
        pass  # the labels are still usable this time; caching is best effort
    return text


def _checked(label_set: LabelSet, lines: list[str], where: str) -> list[str]:
    if len(lines) != label_set.count:
        raise LabelsUnavailableError(
            f"label file {where} has {len(lines)} lines, expected {label_set.count} for '{label_set.name}'"
        )
    return lines


def label_offset(label_count: int, classes: int) -> int:
    """Offset of output 0 in the label file: 0 when sizes match, 1 for a 1000-output model with `background` first."""
    offset = label_count - classes
    if offset not in (0, 1):
        raise LabelsUnavailableError(
            f"the model has {classes} outputs but its label file has {label_count} lines"
        )
    return offset
