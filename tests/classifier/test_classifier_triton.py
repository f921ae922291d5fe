"""A stock Open Inference Protocol v2 client (tritonclient[http]) against the live server."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from hublot_testing import ServerProcess
from oip_clients import json_probabilities, top5_v1

MODEL = "efficientnet_lite0"


@pytest.fixture()
def client(classifier: ServerProcess) -> httpclient.InferenceServerClient:
    return httpclient.InferenceServerClient(url=f"127.0.0.1:{classifier.port}", connection_timeout=10, network_timeout=30)


def test_health(client: httpclient.InferenceServerClient) -> None:
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready(MODEL)
    assert not client.is_model_ready("no_such_model")


def test_metadata(client: httpclient.InferenceServerClient) -> None:
    server = client.get_server_metadata()
    assert server["name"] == "hublot-classifier"
    model = client.get_model_metadata(MODEL)
    assert model["name"] == MODEL
    assert model["inputs"] == [{"name": "images", "datatype": "FP32", "shape": [-1, 224, 224, 3]}]
    assert model["outputs"] == [{"name": "probabilities", "datatype": "FP32", "shape": [-1, 1000]}]
    with pytest.raises(InferenceServerException):
        client.get_model_metadata("no_such_model")


def test_infer_matches_the_reference(client: httpclient.InferenceServerClient, reference: dict[str, dict[str, np.ndarray]]) -> None:
    stems = ["cat", "banana", "bus"]
    images = np.concatenate([reference[stem]["input"] for stem in stems])
    expected = np.concatenate([reference[stem]["probabilities"] for stem in stems])
    tensor = httpclient.InferInput("images", list(images.shape), "FP32")
    tensor.set_data_from_numpy(images, binary_data=False)
    output = httpclient.InferRequestedOutput("probabilities", binary_data=False)
    result = client.infer(MODEL, inputs=[tensor], outputs=[output], request_id="triton-1")
    probabilities = result.as_numpy("probabilities")
    assert probabilities.shape == (3, 1000)
    assert np.abs(probabilities - expected).max() < 1e-4
    assert [int(row.argmax()) for row in probabilities] == [int(reference[stem]["top1"]) for stem in stems]
    assert result.get_response()["id"] == "triton-1"


def test_infer_with_a_wrong_shape_is_refused(client: httpclient.InferenceServerClient) -> None:
    tensor = httpclient.InferInput("images", [1, 10, 10, 3], "FP32")
    tensor.set_data_from_numpy(np.zeros((1, 10, 10, 3), dtype=np.float32), binary_data=False)
    with pytest.raises(InferenceServerException) as failure:
        client.infer(MODEL, inputs=[tensor])
    assert "shape" in str(failure.value.message())


# The binary tensor extension (tritonclient's default, binary_data=True) and the classification extension.


def test_binary_fp32_equals_json(client: httpclient.InferenceServerClient, classifier: ServerProcess,
                                 reference: dict[str, dict[str, np.ndarray]]) -> None:
    images = np.concatenate([reference[stem]["input"] for stem in ["cat", "banana"]])
    expected = json_probabilities(classifier.port, images)
    tensor = httpclient.InferInput("images", list(images.shape), "FP32")
    tensor.set_data_from_numpy(images, binary_data=True)
    output = httpclient.InferRequestedOutput("probabilities", binary_data=True)
    result = client.infer(MODEL, inputs=[tensor], outputs=[output])
    assert result.get_response()["outputs"][0]["parameters"] == {"binary_data_size": 2 * 1000 * 4}
    probabilities = result.as_numpy("probabilities")
    assert probabilities.dtype == np.float32 and probabilities.shape == (2, 1000)
    assert np.abs(probabilities - expected).max() <= 1e-6
    # No output named: tritonclient asks for every output as binary data (binary_data_output).
    implicit = client.infer(MODEL, inputs=[tensor]).as_numpy("probabilities")
    assert np.abs(implicit - expected).max() <= 1e-6


def test_bytes_images_with_classification(client: httpclient.InferenceServerClient, classifier: ServerProcess, photos: Path) -> None:
    stems = ["cat", "turtle"]
    encoded = np.array([[(photos / f"{stem}.jpg").read_bytes()] for stem in stems], dtype=np.object_)
    tensor = httpclient.InferInput("images", [len(stems), 1], "BYTES")
    tensor.set_data_from_numpy(encoded, binary_data=True)
    for binary in (True, False):
        output = httpclient.InferRequestedOutput("probabilities", binary_data=binary, class_count=5)
        top5 = client.infer(MODEL, inputs=[tensor], outputs=[output]).as_numpy("probabilities")
        assert top5.shape == (2, 5)
        rows = [[(item.decode() if isinstance(item, bytes) else item).split(":", 2) for item in row] for row in top5]
        for stem, row in zip(stems, rows):
            answer = top5_v1(classifier.port, photos / f"{stem}.jpg")
            assert [int(index) for _, index, _ in row] == [p["index"] for p in answer]
            assert [label for _, _, label in row] == [p["label"] for p in answer]
            assert max(abs(float(value) - p["probability"]) for (value, _, _), p in zip(row, answer)) <= 1e-6


def test_bytes_errors(client: httpclient.InferenceServerClient, photos: Path) -> None:
    broken = np.array([(photos / "cat.jpg").read_bytes(), b"not an image"], dtype=np.object_)
    tensor = httpclient.InferInput("images", [2], "BYTES")
    tensor.set_data_from_numpy(broken, binary_data=True)
    with pytest.raises(InferenceServerException) as failure:
        client.infer(MODEL, inputs=[tensor])
    assert failure.value.status() == "422" and "image 1:" in failure.value.message()
    text = httpclient.InferInput("images", [1], "BYTES")
    text.set_data_from_numpy(np.array([b"abc"], dtype=np.object_), binary_data=False)
    with pytest.raises(InferenceServerException) as failure:
        client.infer(MODEL, inputs=[text])
    assert "BYTES images must come as binary data" in failure.value.message()
    with pytest.raises(InferenceServerException) as failure:
        client.infer(MODEL, inputs=[tensor], request_compression_algorithm="gzip")
    assert failure.value.status() == "415"
