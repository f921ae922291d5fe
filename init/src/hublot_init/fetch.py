"""Fetch a TF Hub model through tensorflow_hub, with the cache inside the repository."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import urllib.error
from pathlib import Path
from typing import Any

from . import embedded
from .errors import CorruptArchiveError, DiskFullError, HubUnreachableError
from .repository import is_disk_full


def cache_folder(cache_dir: Path, handle: str) -> Path:
    """Where tensorflow_hub caches `handle`: `<cache_dir>/<sha1(handle)>`."""
    return cache_dir / hashlib.sha1(handle.encode("utf8")).hexdigest()


def configure(cache_dir: Path) -> None:
    """Point tensorflow_hub at `cache_dir` (TFHUB_CACHE_DIR) and make its download progress visible.

    On a terminal tensorflow_hub redraws one progress line (TFHUB_DOWNLOAD_PROGRESS); elsewhere
    (container logs) its progress messages, every 15 s and at the end, are printed as plain lines
    instead of going to the absl INFO log.
    """
    os.environ["TFHUB_CACHE_DIR"] = str(cache_dir)
    if sys.stdout.isatty():
        os.environ.setdefault("TFHUB_DOWNLOAD_PROGRESS", "1")
        return
    from tensorflow_hub import resolver

    def print_line(self: object, msg: str, flush: bool = False) -> None:
        print(f"  {msg}", flush=True)

    resolver.DownloadManager._print_download_progress_msg = print_line


def clear_stale_download(cache_dir: Path, handle: str) -> None:
    """Remove the lock file and temporary folders a killed download left for `handle`.

    Call only while holding the repository lock of the model: no other hublot-init
    process can be downloading this handle then.
    """
    folder = cache_folder(cache_dir, handle)
    lock = Path(str(folder) + ".lock")
    if lock.exists():
        lock.unlink(missing_ok=True)
    for leftover in cache_dir.glob(folder.name + ".*.tmp"):
        shutil.rmtree(leftover, ignore_errors=True)


def _prefill_hint(handle: str, folder: Path) -> str:
    if handle.startswith(embedded.EMBEDDED_SCHEME):
        return (
            f"The embedded archive is {embedded.embedded_archive(handle)}; set "
            f"{embedded.EMBEDDED_ENV} to the folder holding <name>/<name>.tar.gz."
        )
    return (
        "To work offline, pre-fill the cache: on a connected machine download "
        f"'{handle}?tf-hub-format=compressed' and unpack it into {folder}/ "
        "(saved_model.pb and variables/ at its top), or copy a whole .tfhub folder from a repository where it was prepared."
    )


def fetch(handle: str, cache_dir: Path) -> Any:
    """Download (or reuse from the cache) and load `handle`; returns the loaded SavedModel object."""
    configure(cache_dir)
    import tensorflow as tf
    import tensorflow_hub as hub

    embedded.register()
    folder = cache_folder(cache_dir, handle)
    try:
        path = hub.resolve(handle)
    except urllib.error.HTTPError as error:
        raise HubUnreachableError(
            f"cannot download {handle}: HTTP {error.code} {error.reason}. Cache folder: {folder}. {_prefill_hint(handle, folder)}"
        ) from error
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        reason = getattr(error, "reason", error)
        raise HubUnreachableError(
            f"cannot reach the hub for {handle}: {reason}. Cache folder: {folder}. {_prefill_hint(handle, folder)}"
        ) from error
    except FileNotFoundError as error:
        raise HubUnreachableError(f"cannot open {handle}: {error}. {_prefill_hint(handle, folder)}") from error
    except (OSError, EOFError, ValueError, tf.errors.OpError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        if is_disk_full(error):
            raise DiskFullError(
                f"disk full while unpacking {handle} into {folder}: {error}. "
                "Nothing was kept; free some space and retry."
            ) from error
        raise CorruptArchiveError(
            f"the archive of {handle} is not a valid TF Hub SavedModel archive ({error}). "
            f"The cache folder {folder} was cleared; check the handle or re-download."
        ) from error
    try:
        return hub.load(path)
    except Exception as error:  # noqa: BLE001 - TF raises many types for a bad SavedModel
        shutil.rmtree(folder, ignore_errors=True)
        raise CorruptArchiveError(
            f"{handle} did not load as a SavedModel: {str(error).splitlines()[0] if str(error) else type(error).__name__}. "
            f"The cache folder {folder} was cleared; check the handle or re-download."
        ) from error
