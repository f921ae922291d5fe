"""What the Open Inference Protocol tests ask of a live classifier besides their own client: the answer of the
HTTP JSON route for a tensor (the reference the binary and gRPC answers must equal), and /v1's top 5 for a photo."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import numpy as np
import tritonclient.http as httpclient

MODEL = "efficientnet_lite0"


def json_probabilities(port: int, images: np.ndarray) -> np.ndarray:
    """The probabilities that /v2 infer with JSON tensors (binary_data=False both ways) gives for `images`."""
    client = httpclient.InferenceServerClient(url=f"127.0.0.1:{port}")
    tensor = httpclient.InferInput("images", list(images.shape), "FP32")
    tensor.set_data_from_numpy(images, binary_data=False)
    output = httpclient.InferRequestedOutput("probabilities", binary_data=False)
    return client.infer(MODEL, inputs=[tensor], outputs=[output]).as_numpy("probabilities")


def top5_v1(port: int, photo: Path) -> list[dict]:
    """The top 5 of /v1's classify for `photo`: `[{"index", "label", "probability"}]`."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/models/{MODEL}/classify?top_k=5", data=photo.read_bytes(),
        headers={"Content-Type": "image/jpeg"}, method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["predictions"]
