"""The `hublot-init` command: a thin layer over the modules."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from . import __version__
from .catalog import Catalog, load_catalog
from .errors import HublotInitError, SettingError
from .precision import DEFAULT_PRECISION, PRECISIONS
from .quantize import DEFAULT_MIN_TOP1_AGREEMENT
from .repository import Repository, default_repository, int8_name


def _percent(text: str) -> float:
    """argparse type of --min-top1-agreement: a number (percent; above 100 nothing passes)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0.0:  # also rejects nan
        raise argparse.ArgumentTypeError(f"must be a percentage >= 0: {text!r}")
    return value


MIN_TOP1_AGREEMENT_ENV = "HUBLOT_INT8_MIN_TOP1_AGREEMENT"


def _min_top1_agreement(given: float | None) -> float:
    """--min-top1-agreement, else $HUBLOT_INT8_MIN_TOP1_AGREEMENT when set and not empty (the Compose
    stack passes it through), else the default."""
    if given is not None:
        return given
    configured = os.environ.get(MIN_TOP1_AGREEMENT_ENV, "").strip()
    if not configured:
        return DEFAULT_MIN_TOP1_AGREEMENT
    try:
        return _percent(configured)
    except argparse.ArgumentTypeError as error:
        raise SettingError(f"{MIN_TOP1_AGREEMENT_ENV}: {error}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hublot-init",
        description="Turn TensorFlow Hub image classifiers into an ONNX model repository.",
    )
    parser.add_argument("--version", action="version", version=f"hublot-init {__version__}")
    parser.add_argument("--catalog", help="catalog file (default: $HUBLOT_CATALOG or the packaged catalog.json)")
    commands = parser.add_subparsers(dest="command", required=True)

    catalog = commands.add_parser("catalog", help="list the models")
    catalog.add_argument("--json", action="store_true", help="print JSON")

    prepare = commands.add_parser("prepare", help="download, convert, check and store models")
    prepare.add_argument("names", nargs="+", metavar="NAME",
                         help="a model of the catalog, or NAME_int8 for its int8 entry (as HUBLOT_MODELS spells it)")
    prepare.add_argument("--repo", type=Path, help="model repository (default: $HUBLOT_REPOSITORY or /models)")
    prepare.add_argument("--force", action="store_true", help="prepare again even when cached")
    prepare.add_argument("--parity-images", nargs="+", metavar="IMAGE",
                         help="images for the parity check (default: $HUBLOT_PARITY_IMAGES, else synthetic pictures)")
    prepare.add_argument("--precision", choices=PRECISIONS, default=DEFAULT_PRECISION,
                         help="fp32 (default): the converted model, <repo>/NAME; int8: its ONNX Runtime static "
                              "quantization, <repo>/NAME_int8 (the fp32 model is prepared first when missing); "
                              "both: fp32 then int8")
    prepare.add_argument("--min-top1-agreement", type=_percent, metavar="PERCENT",
                         help="int8 fails (nothing written) when its top-1 class agrees with fp32's on fewer than "
                              f"PERCENT %% of the evaluation images (default: ${MIN_TOP1_AGREEMENT_ENV}, else "
                              f"{DEFAULT_MIN_TOP1_AGREEMENT:g})")
    prepare.add_argument("--stay", action="store_true",
                         help="once every model is prepared, write the ready file ($HUBLOT_INIT_READY_FILE, default "
                              f"{DEFAULT_READY_FILE}) and keep running until SIGTERM or SIGINT, then exit 0 "
                              "(Compose's healthy one-shot: nothing has to depend on it)")

    reference = commands.add_parser("reference", help="write reference tensors for the Swift tests")
    reference.add_argument("--model", required=True)
    reference.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
    reference.add_argument("--out", type=Path, required=True)
    reference.add_argument("--repo", type=Path, help="model repository (default: $HUBLOT_REPOSITORY or /models)")
    return parser


def _print_catalog(catalog: Catalog, as_json: bool) -> None:
    if as_json:
        rows = [
            {"name": m.name, "family": m.family, "handle": m.handle, "image_size": m.image_size,
             "dynamic_size": m.dynamic_size, "labels": m.labels.name, "default": m.name == catalog.default,
             "precisions": {"fp32": m.name, "int8": int8_name(m.name)}}
            for m in catalog.models
        ]
        print(json.dumps({"default": catalog.default, "models": rows}, indent=2))
        return
    rows = [(m.name + (" (default)" if m.name == catalog.default else ""),
             f"{m.image_size}*" if m.dynamic_size else str(m.image_size), m.labels.name, m.handle)
            for m in catalog.models]
    widths = [max(len(r[i]) for r in rows + [("NAME", "SIZE", "LABELS", "")]) for i in range(3)]
    print(f"{'NAME':<{widths[0]}}  {'SIZE':>{widths[1]}}  {'LABELS':<{widths[2]}}  HANDLE")
    for name, size, labels, handle in rows:
        print(f"{name:<{widths[0]}}  {size:>{widths[1]}}  {labels:<{widths[2]}}  {handle}")
    print(f"{len(catalog.models)} models; * = dynamic size in the Colab (capped at 512), exported at that size.")
    print("Precisions: fp32 (NAME) and int8 (NAME_int8, ONNX Runtime static quantization of the fp32 model): "
          "prepare NAME --precision fp32|int8|both.")


def run(argv: list[str] | None = None) -> int:
    """Parse `argv` and run the command; returns the exit code."""
    args = _parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off the terminal
    catalog = load_catalog(args.catalog)
    if args.command == "catalog":
        _print_catalog(catalog, args.json)
        return 0
    repo = Repository(args.repo or default_repository())
    if args.command == "prepare":
        from .precision import prepare, resolve
        from .prepare import parity_image_paths

        wanted = [resolve(catalog, name, args.precision) for name in args.names]  # unknown names fail before any work
        threshold = _min_top1_agreement(args.min_top1_agreement)
        if args.stay:  # a file left by an earlier run of this container must not say ready too soon
            Path(os.environ.get(READY_FILE_ENV, DEFAULT_READY_FILE)).unlink(missing_ok=True)
        images = parity_image_paths(args.parity_images)
        for entry, precision in wanted:
            prepare(entry, repo, precision, force=args.force, parity_images=images,
                    min_top1_agreement=threshold)
        if args.stay:
            _stay(len(wanted))
        return 0
    if args.command == "reference":
        from .reference import write_reference

        document = write_reference(catalog.get(args.model), repo, args.images, args.out)
        for record in document["images"]:
            print(f"{record['stem']}: top-5 {record['top5']}")
        print(f"wrote {args.out / 'reference.json'}")
        return 0
    return 2


DEFAULT_READY_FILE = "/tmp/hublot-init.ready"
READY_FILE_ENV = "HUBLOT_INIT_READY_FILE"
# What the process becomes after --stay: a small interpreter waiting for SIGTERM or SIGINT, both
# blocked before the exec (the mask survives it), so none is lost; it then exits 0.
_WAIT_FOR_STOP = (
    "import signal\n"
    "signal.sigwait({signal.SIGTERM, signal.SIGINT})\n"
    "print('hublot-init: stopped', flush=True)\n"
)


def _stay(count: int) -> None:
    """`prepare --stay`: mark the models ready, then wait for a stop signal without the memory of the
    prepare (TensorFlow): the process is replaced by a minimal interpreter. Never returns."""
    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)
    ready = Path(os.environ.get(READY_FILE_ENV, DEFAULT_READY_FILE))
    ready.write_text(f"{count}\n", encoding="utf-8")
    print(f"hublot-init: ready ({count} model{'s' if count != 1 else ''}); staying up until stopped (--stay)", flush=True)
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-c", _WAIT_FOR_STOP])


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds: temporary folders and locks are removed on the way out


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script: errors become a message on stderr and a distinct exit code."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_sigterm)  # `docker stop` during a prepare
    try:
        return run(argv)
    except HublotInitError as error:
        print(f"hublot-init: error: {error.message}", file=sys.stderr)
        return error.exit_code
    except BrokenPipeError:  # e.g. `hublot-init catalog | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("hublot-init: interrupted; nothing was written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
