"""A stock Open Inference Protocol gRPC client (tritonclient[grpc]) against the live server: every RPC,
FP32 and BYTES inputs (tritonclient sends them as raw_input_contents), errors, concurrent calls, and
answers equal to the JSON route's for the same input."""

from __future__ import annotations

import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import numpy as np
import pytest
import tritonclient.grpc as grpcclient
from grpc_health.v1 import health_pb2, health_pb2_grpc
from tritonclient.utils import InferenceServerException

from hublot_testing import ServerProcess
from oip_clients import json_probabilities, top5_v1

MODEL = "efficientnet_lite0"


@pytest.fixture()
def client(classifier: ServerProcess) -> grpcclient.InferenceServerClient:
    assert classifier.grpc_port is not None
    return grpcclient.InferenceServerClient(url=f"127.0.0.1:{classifier.grpc_port}")


def test_health_and_metadata(client: grpcclient.InferenceServerClient) -> None:
    assert client.is_server_live() and client.is_server_ready()
    assert client.is_model_ready(MODEL)
    with pytest.raises(InferenceServerException) as unknown:
        client.is_model_ready("no_such_model")  # NOT_FOUND, as /v2/models/no_such_model/ready is 404
    assert unknown.value.status() == "StatusCode.NOT_FOUND"
    server = client.get_server_metadata(as_json=True)
    assert server["name"] == "hublot-classifier" and server["version"]
    model = client.get_model_metadata(MODEL, as_json=True)
    assert model["platform"] == "onnxruntime_onnx"
    assert model["inputs"] == [{"name": "images", "datatype": "FP32", "shape": ["-1", "224", "224", "3"]}]
    assert model["outputs"] == [{"name": "probabilities", "datatype": "FP32", "shape": ["-1", "1000"]}]
    with pytest.raises(InferenceServerException) as failure:
        client.get_model_metadata("no_such_model")
    assert failure.value.status() == "StatusCode.NOT_FOUND"
    index = client.get_model_repository_index(as_json=True)
    assert any(entry["name"] == MODEL and entry["state"] == "READY" for entry in index["models"])


def test_grpc_health_service(classifier: ServerProcess) -> None:
    """grpc.health.v1, as Kubernetes' gRPC probes call it."""
    with grpc.insecure_channel(f"127.0.0.1:{classifier.grpc_port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)
        assert health.Check(health_pb2.HealthCheckRequest(service="")).status == health_pb2.HealthCheckResponse.SERVING
        served = health.Check(health_pb2.HealthCheckRequest(service="inference.GRPCInferenceService"))
        assert served.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as failure:
            health.Check(health_pb2.HealthCheckRequest(service="nope"))
        assert failure.value.code() == grpc.StatusCode.NOT_FOUND
        watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=10)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING
        watch.cancel()


def test_fp32_equals_the_json_route(client: grpcclient.InferenceServerClient, classifier: ServerProcess,
                                    reference: dict[str, dict[str, np.ndarray]]) -> None:
    images = np.concatenate([reference[stem]["input"] for stem in ["cat", "banana", "bus"]])
    expected = json_probabilities(classifier.port, images)
    tensor = grpcclient.InferInput("images", list(images.shape), "FP32")
    tensor.set_data_from_numpy(images)
    result = client.infer(MODEL, inputs=[tensor], outputs=[grpcclient.InferRequestedOutput("probabilities")], request_id="g-1")
    probabilities = result.as_numpy("probabilities")
    assert probabilities.shape == (3, 1000) and probabilities.dtype == np.float32
    assert np.abs(probabilities - expected).max() <= 1e-6
    assert result.get_response().id == "g-1"
    assert [int(row.argmax()) for row in probabilities] == [int(reference[s]["top1"]) for s in ["cat", "banana", "bus"]]


def test_bytes_photos_with_classification_equal_v1(client: grpcclient.InferenceServerClient, classifier: ServerProcess,
                                                   photos: Path) -> None:
    stems = ["cat", "turtle", "bus"]
    encoded = np.array([[(photos / f"{stem}.jpg").read_bytes()] for stem in stems], dtype=np.object_)
    tensor = grpcclient.InferInput("images", [len(stems), 1], "BYTES")
    tensor.set_data_from_numpy(encoded)
    output = grpcclient.InferRequestedOutput("probabilities", class_count=5)
    top5 = client.infer(MODEL, inputs=[tensor], outputs=[output]).as_numpy("probabilities")
    assert top5.shape == (3, 5)
    for stem, row in zip(stems, top5):
        expected = top5_v1(classifier.port, photos / f"{stem}.jpg")
        parsed = [item.decode().split(":", 2) for item in row]
        assert [int(index) for _, index, _ in parsed] == [p["index"] for p in expected]
        assert [label for _, _, label in parsed] == [p["label"] for p in expected]
        assert max(abs(float(value) - p["probability"]) for (value, _, _), p in zip(parsed, expected)) <= 1e-6
    # Without a classification: the probabilities of each photo.
    probabilities = client.infer(MODEL, inputs=[tensor]).as_numpy("probabilities")
    assert probabilities.shape == (3, 1000)


def test_errors_are_grpc_status_codes(client: grpcclient.InferenceServerClient, photos: Path) -> None:
    def status(call) -> str:
        with pytest.raises(InferenceServerException) as failure:
            call()
        return failure.value.status()

    tensor = grpcclient.InferInput("images", [1, 10, 10, 3], "FP32")
    tensor.set_data_from_numpy(np.zeros((1, 10, 10, 3), dtype=np.float32))
    assert status(lambda: client.infer(MODEL, inputs=[tensor])) == "StatusCode.INVALID_ARGUMENT"
    assert status(lambda: client.infer("no_such_model", inputs=[tensor])) == "StatusCode.NOT_FOUND"
    broken = grpcclient.InferInput("images", [2], "BYTES")
    broken.set_data_from_numpy(np.array([(photos / "cat.jpg").read_bytes(), b"not an image"], dtype=np.object_))
    with pytest.raises(InferenceServerException) as failure:
        client.infer(MODEL, inputs=[broken])
    assert failure.value.status() == "StatusCode.INVALID_ARGUMENT" and "image 1:" in failure.value.message()
    good = grpcclient.InferInput("images", [1], "BYTES")
    good.set_data_from_numpy(np.array([(photos / "cat.jpg").read_bytes()], dtype=np.object_))
    wrong_k = grpcclient.InferRequestedOutput("probabilities", class_count=1001)
    assert status(lambda: client.infer(MODEL, inputs=[good], outputs=[wrong_k])) == "StatusCode.INVALID_ARGUMENT"
    # Under --model-control poll the repository is the repository's own business.
    assert status(lambda: client.load_model(MODEL)) == "StatusCode.FAILED_PRECONDITION"


def _metric(classifier: ServerProcess, name: str) -> float:
    """The sum of every series of `name` in /metrics."""
    with urllib.request.urlopen(f"{classifier.url}/metrics", timeout=10) as response:
        lines = response.read().decode().splitlines()
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(name + "{") or line.startswith(name + " "))


def test_64_concurrent_calls_are_all_answered_and_share_batches(client: grpcclient.InferenceServerClient,
                                                                classifier: ServerProcess, photos: Path) -> None:
    cat = np.array([(photos / "cat.jpg").read_bytes()], dtype=np.object_)
    calls = 'hublot_grpc_requests_total{method="inference.GRPCInferenceService/ModelInfer",code="ok"}'
    before_calls, before_batches = _metric(classifier, calls.split("{")[0]), _metric(classifier, "hublot_batch_size_count")

    def classify(_: int) -> str:
        tensor = grpcclient.InferInput("images", [1], "BYTES")
        tensor.set_data_from_numpy(cat)
        top = client.infer(MODEL, inputs=[tensor], outputs=[grpcclient.InferRequestedOutput("probabilities", class_count=1)])
        return top.as_numpy("probabilities")[0][0].decode().split(":", 2)[2]

    with ThreadPoolExecutor(max_workers=64) as pool:
        labels = list(pool.map(classify, range(64), timeout=120))
    assert len(labels) == 64 and set(labels) <= {"tabby", "tiger cat", "Egyptian cat"}
    assert _metric(classifier, calls.split("{")[0]) - before_calls == 64
    batches = _metric(classifier, "hublot_batch_size_count") - before_batches
    # The calls went through the batch queue together: fewer batches than images.
    assert 1 <= batches < 64, f"{batches} batches for 64 concurrent images"
