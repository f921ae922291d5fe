"""HTTP to a stack's front on 127.0.0.1 (Compose or Swarm): requests, polling until an answer, the cat's label."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from hublot_testing import photos_dir

PHOTOS = photos_dir()
CAT_LABELS = ("tabby", "tiger cat", "Egyptian cat")


@dataclass
class Answer:
    """An HTTP answer."""

    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> dict:
        return json.loads(self.body)


class FrontClient:
    """Requests to the front published on 127.0.0.1:`port` (a field of the stacks that mix this in)."""

    port: int

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str = "image/jpeg", timeout: float = 30) -> Answer:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body, method=method)
        if body is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Answer(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read(), dict(error.headers))

    def classify_cat(self, model: str | None = None) -> Answer:
        query = f"?model={model}" if model else ""
        return self.request("POST", f"/api/classify{query}", (PHOTOS / "cat.jpg").read_bytes())

    def wait_for(self, path: str, status: int, seconds: float) -> Answer:
        """Polls GET `path` until it answers `status`; fails after `seconds`."""
        deadline = time.monotonic() + seconds
        last: Answer | str = "no answer"
        while time.monotonic() < deadline:
            try:
                last = self.request("GET", path, timeout=5)
                if last.status == status:
                    return last
            except OSError as error:
                last = str(error)
            time.sleep(0.5)
        raise AssertionError(f"GET {path} did not answer {status} within {seconds} s; last: {last}")

    def wait_for_model(self, model: str, status: str, seconds: float) -> dict:
        """Polls the front's GET /api/models until `model` is listed with `status`; fails after `seconds`."""
        deadline = time.monotonic() + seconds
        last: object = "no answer"
        while time.monotonic() < deadline:
            try:
                answer = self.request("GET", "/api/models", timeout=5)
                if answer.status == 200:
                    last = {entry["name"]: entry.get("status") for entry in answer.json()["models"]}
                    if last.get(model) == status:
                        return answer.json()
                else:
                    last = answer
            except OSError as error:
                last = str(error)
            time.sleep(0.5)
        raise AssertionError(f"{model} was not {status} within {seconds} s; last: {last}")


def top_label(answer: Answer) -> str:
    assert answer.status == 200, f"status {answer.status}: {answer.body[:500]!r}"
    return answer.json()["predictions"][0]["label"]
