"""The OpenAPI document is valid, served as committed, and the live server conforms to it (schemathesis)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from openapi_spec_validator import validate

from hublot_testing import PACKAGE_ROOT, ServerProcess

DOCUMENT = PACKAGE_ROOT / "Sources" / "HublotClassifier" / "Resources" / "openapi.json"


def test_document_is_valid_openapi_3_1() -> None:
    document = json.loads(DOCUMENT.read_text())
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_served_document_is_the_committed_one(classifier: ServerProcess) -> None:
    with urllib.request.urlopen(f"{classifier.url}/openapi.json", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/json")
        assert json.loads(response.read()) == json.loads(DOCUMENT.read_text())


def test_schemathesis_run_finds_no_server_error_and_no_nonconforming_response(classifier: ServerProcess, tmp_path: Path) -> None:
    """A bounded property-based run: positive and negative examples, every check but one.

    `positive_data_acceptance` is left out: a schema cannot say "a decodable JPEG", so schema-valid
    random bytes are rightly refused with 422 invalid_image.
    """
    schemathesis = Path(sys.executable).parent / "schemathesis"
    command = [
        str(schemathesis), "run", f"{classifier.url}/openapi.json",
        "--checks", "all",
        "--exclude-checks", "positive_data_acceptance",
        "--max-examples", "30",
        "--seed", "20261127",
        "--request-timeout", "20",
        "--generation-deterministic",
        "--no-color",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, f"schemathesis failed:\n{result.stdout}\n{result.stderr}"
