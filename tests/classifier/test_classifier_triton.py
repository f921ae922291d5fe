"""A stock Open Inference Protocol v2 client (tritonclient[http]) against the live server."""

from __future__ import annotations

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from hublot_testing import ServerProcess

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
