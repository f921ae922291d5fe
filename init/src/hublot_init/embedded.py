"""A tensorflow_hub resolver for the embedded models: `hublot://embedded/<name>`.

The handle resolves to `<embedded dir>/<name>/<name>.tar.gz` (a TF Hub-format
SavedModel archive) and goes through tensorflow_hub's own download machinery:
`atomic_download` into `$TFHUB_CACHE_DIR/<sha1(handle)>`, with its lock file and
temporary folder, exactly like an https://tfhub.dev handle.
"""

from __future__ import annotations

import os
from pathlib import Path

EMBEDDED_SCHEME = "hublot://embedded/"
EMBEDDED_ENV = "HUBLOT_EMBEDDED_MODELS"


def embedded_models_dir() -> Path:
    """`$HUBLOT_EMBEDDED_MODELS`, else the repository's `models/` folder found from this package."""
    configured = os.environ.get(EMBEDDED_ENV)
    if configured:
        return Path(configured)
    # init/src/hublot_init/embedded.py -> repository root is three levels above the package.
    return Path(__file__).resolve().parents[3] / "models"


def embedded_archive(handle: str) -> Path:
    """The archive a `hublot://embedded/<name>` handle points to."""
    name = handle[len(EMBEDDED_SCHEME):].strip("/")
    return embedded_models_dir() / name / f"{name}.tar.gz"


def register() -> None:
    """Register the embedded resolver with tensorflow_hub (idempotent)."""
    from tensorflow_hub import compressed_module_resolver, registry, resolver

    class EmbeddedResolver(resolver.Resolver):
        """Resolves `hublot://embedded/<name>` through tensorflow_hub's cache."""

        def is_supported(self, handle: str) -> bool:
            return isinstance(handle, str) and handle.startswith(EMBEDDED_SCHEME)

        def __call__(self, handle: str) -> str:
            module_dir = compressed_module_resolver._module_dir(handle)

            def download(handle: str, tmp_dir: str) -> None:
                archive = embedded_archive(handle)
                with archive.open("rb") as stream:
                    resolver.DownloadManager(handle).download_and_uncompress(stream, tmp_dir)

            return resolver.atomic_download(handle, download, module_dir, compressed_module_resolver.LOCK_FILE_TIMEOUT_SEC)

    if not any(type(impl).__name__ == "EmbeddedResolver" for impl in registry.resolver._impls):
        registry.resolver.add_implementation(EmbeddedResolver())
