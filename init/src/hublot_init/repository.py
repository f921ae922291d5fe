"""The model repository: atomic writes, a lock per model, and the cached check.

Nothing here imports TensorFlow: the cached check must stay fast and offline.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog import ModelEntry
from .errors import DiskFullError, RepositoryNotWritableError

MODEL_JSON = "model.json"
MODEL_ONNX = "model.onnx"
LABELS_TXT = "labels.txt"
SCHEMA_VERSION = 1
VERSION_KEY = "version"
PRECISION_KEY = "precision"
QUANTIZATION_KEY = "quantization"
INT8_SUFFIX = "_int8"
FIRST_VERSION = 1
REPOSITORY_ENV = "HUBLOT_REPOSITORY"
DEFAULT_REPOSITORY = "/models"

_NOT_WRITABLE = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST}
_FULL = {errno.ENOSPC, errno.EDQUOT}


def default_repository() -> Path:
    """`$HUBLOT_REPOSITORY`, else `/models` (the volume mount point in containers)."""
    return Path(os.environ.get(REPOSITORY_ENV, DEFAULT_REPOSITORY))


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_disk_full(error: BaseException) -> bool:
    """Whether `error` says the disk is full: an OSError with ENOSPC/EDQUOT, or TensorFlow's file
    errors, which carry only the system's message ("<path>; No space left on device")."""
    if isinstance(error, OSError) and error.errno in _FULL:
        return True
    text = str(error)
    return any(os.strerror(code) in text for code in _FULL)


def os_error(error: OSError, what: str) -> Exception:
    """Map an OSError raised while writing to the repository to a user-facing error."""
    if error.errno in _FULL:
        return DiskFullError(f"disk full while writing {what}: {error.strerror}. Nothing was kept; free some space and retry.")
    if error.errno in _NOT_WRITABLE:
        return RepositoryNotWritableError(
            f"cannot write {what}: {error.strerror}. Choose a writable folder with --repo or fix its permissions."
        )
    return error


def model_version(published: dict[str, Any] | None, sha256: str) -> int:
    """The `version` of a model about to be published with an ONNX of hex digest `sha256`.

    1 when nothing readable is published; the published version when its `onnx.sha256` is
    `sha256`; otherwise one more. A published model.json without a valid `version`
    (written before the field existed) counts as version 1.
    """
    if published is None:
        return FIRST_VERSION
    version = published.get(VERSION_KEY)
    if isinstance(version, bool) or not isinstance(version, int) or version < FIRST_VERSION:
        version = FIRST_VERSION
    onnx = published.get("onnx")
    if isinstance(onnx, dict) and onnx.get("sha256") == sha256:
        return version
    return version + 1


def int8_name(name: str) -> str:
    """The repository entry of a model's int8 version: `<name>_int8`."""
    return name + INT8_SUFFIX


@dataclass(frozen=True)
class CachedModel:
    """A model already prepared in the repository and matching the catalog."""

    path: Path
    metadata: dict[str, Any]


class Repository:
    """A folder of prepared models: `<root>/<name>/{model.onnx,labels.txt,model.json}`."""

    def __init__(self, root: Path) -> None:
        self.root = root.absolute()

    @property
    def tfhub_cache(self) -> Path:
        """TFHUB_CACHE_DIR inside the repository."""
        return self.root / ".tfhub"

    @property
    def labels_cache(self) -> Path:
        """Downloaded label files (the 21k label set)."""
        return self.root / ".labels"

    def model_dir(self, name: str) -> Path:
        """Final folder of a model."""
        return self.root / name

    def ensure_writable(self) -> None:
        """Create the repository if needed and prove it is writable, or raise RepositoryNotWritableError."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".probe-", dir=self.root)
            os.close(fd)
            os.unlink(probe)
        except OSError as error:
            mapped = os_error(error, f"the model repository {self.root}")
            if mapped is error:
                raise RepositoryNotWritableError(
                    f"the model repository {self.root} is not usable: {error.strerror or error}"
                ) from error
            raise mapped from error

    def cached(self, entry: ModelEntry, source_sha256: str | None = None) -> CachedModel | None:
        """The prepared model if its model.json names the catalog handle and model.onnx matches its sha256.

        With `source_sha256`: the int8 model `<name>_int8`, cached when it was also quantized from the
        fp32 model.onnx of that sha256.
        """
        name = entry.name if source_sha256 is None else int8_name(entry.name)
        folder = self.model_dir(name)
        metadata = self.published(name)
        if metadata is None:
            return None
        try:
            if metadata.get("schema_version") != SCHEMA_VERSION or metadata.get("handle") != entry.handle:
                return None
            if source_sha256 is not None and metadata[QUANTIZATION_KEY]["source_sha256"] != source_sha256:
                return None
            onnx = metadata["onnx"]
            if not (folder / LABELS_TXT).is_file():
                return None
            if sha256_file(folder / onnx["file"]) != onnx["sha256"]:
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return CachedModel(path=folder, metadata=metadata)

    def published(self, name: str) -> dict[str, Any] | None:
        """The model.json of the published `<root>/<name>` as a JSON object, or None when absent or unreadable."""
        try:
            metadata = json.loads((self.model_dir(name) / MODEL_JSON).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return metadata if isinstance(metadata, dict) else None

    @contextmanager
    def lock(self, name: str) -> Iterator[None]:
        """Hold `<root>/.<name>.lock` exclusively (blocks while another prepare of `name` runs)."""
        path = self.root / f".{name}.lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise os_error(error, str(path)) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def remove_stale_temporaries(self, name: str) -> None:
        """Delete leftovers of interrupted prepares of `name` (call with the lock held)."""
        for prefix in (f".tmp-{name}-", f".old-{name}-"):
            for leftover in self.root.glob(prefix + "*"):
                shutil.rmtree(leftover, ignore_errors=True)

    @contextmanager
    def staging(self, name: str) -> Iterator[Path]:
        """A temporary folder `<root>/.tmp-<name>-<random>/`, removed unless published."""
        try:
            path = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=self.root))
        except OSError as error:
            raise os_error(error, f"a temporary folder in {self.root}") from error
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    def publish(self, staged: Path, name: str) -> Path:
        """Atomically replace `<root>/<name>` by the staged folder: one rename for a new model;
        for a replacement one exchange of the two folders (renameat2 RENAME_EXCHANGE), so a
        server scanning the repository never sees the model missing. Where the file system
        cannot exchange, two renames (the old folder out, the new one in)."""
        final = self.model_dir(name)
        old: Path | None = None
        try:
            # mkdtemp made the staging folder private (0700): a published model
            # is readable by the servers, which may run as another user.
            staged.chmod(0o755)
            if final.exists() and exchange(staged, final):
                old = staged  # it now holds the previous model
            else:
                if final.exists():
                    old = Path(tempfile.mkdtemp(prefix=f".old-{name}-", dir=self.root))
                    os.rename(final, old / name)
                os.rename(staged, final)
            _fsync_dir(self.root)
        except OSError as error:
            raise os_error(error, str(final)) from error
        finally:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        return final


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one step (Linux renameat2 RENAME_EXCHANGE). False when the
    C library or the file system cannot; other failures raise OSError."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def write_bytes(path: Path, data: bytes) -> None:
    """Write a file and fsync it (the writer the disk-full test replaces)."""
    with path.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write pretty JSON with a trailing newline."""
    write_bytes(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
