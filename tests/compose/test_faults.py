"""Fault injection on the Compose stack (issue 14): the containers' confinement, a classifier
killed or frozen under load, broken models in the repository, hublot-init killed mid-prepare
or out of space. Each test prints its figures (docs/reliability.md collects them).

The tests share one stack (project `hublot-ctest`, port 18090), removed with its volume at
the end. Load comes from tests/support/load.py: bounded in count and time, to 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docker_cli import assert_confined, docker  # noqa: E402
from load import Load, Outcome  # noqa: E402
from stack import CAT_LABELS, PHOTOS, Stack, top_label  # noqa: E402

MODEL = "efficientnet_lite0"
CONNECT_TIMEOUT = 2.0  # hublot-front's default --connect-timeout
FROZEN_TIMEOUT = 5  # HUBLOT_REQUEST_TIMEOUT given to the front for the SIGSTOP test


def load_on(stack: Stack, **options: float) -> Load:
    return Load(f"http://127.0.0.1:{stack.port}/api/classify", (PHOTOS / "cat.jpg").read_bytes(), **options)


def host_pid(stack: Stack, service: str) -> int:
    """The host PID of the service's main process (its container's PID 1)."""
    pid = int(stack.inspect(service, "{{.State.Pid}}"))
    assert pid > 0, f"{service} is not running"
    return pid


def successes(outcomes: list[Outcome]) -> int:
    return sum(1 for o in outcomes if o.status == 200)


def test_every_container_is_confined(stack: Stack) -> None:
    stack.up()
    for service in ("init", "classifier", "front"):
        print(assert_confined(service, json.loads(docker("inspect", stack.container(service)).stdout)[0]))


def test_classifier_killed_under_load_gives_503_at_once_and_recovers(stack: Stack) -> None:
    stack.up()
    restarts = int(stack.inspect("classifier", "{{.RestartCount}}"))
    with load_on(stack, clients=4, max_seconds=150) as load:
        load.wait_until(lambda o: successes(o) >= 20, 60, "20 classifications before the fault")
        killed_at = load.now()
        os.kill(host_pid(stack, "classifier"), signal.SIGKILL)  # a crash, as Docker sees it: the policy restarts it
        load.wait_until(lambda o: any(x.status == 200 for x in o if x.started > killed_at + 0.5
                                      and x.started > _first_failure(o, killed_at)), 120,
                        "a classification served by the restarted classifier")
        recovered_at = load.now()
    after = load.since(killed_at)
    failures = [o for o in after if o.status != 200]
    print(f"SIGKILL under load: {load.summary()}; after the kill {load.summary(after)}; "
          f"back after {recovered_at - killed_at:.1f} s; slowest failed answer "
          f"{max((o.seconds for o in failures), default=0):.2f} s")
    assert all(o.status is not None for o in load.outcomes), f"requests without an answer: {load.summary()}"
    assert {o.status for o in failures} <= {503}, load.summary(after)
    assert all(o.retry_after for o in failures), "a 503 without Retry-After"
    assert all(o.seconds <= CONNECT_TIMEOUT + 3 for o in failures), \
        f"a failed request took {max(o.seconds for o in failures):.1f} s (connect timeout {CONNECT_TIMEOUT} s)"
    assert int(stack.inspect("classifier", "{{.RestartCount}}")) == restarts + 1
    assert top_label(stack.classify_cat()) in CAT_LABELS


def _first_failure(outcomes: list[Outcome], since: float) -> float:
    """When the first non-200 answer after `since` started (the fault became visible), else +inf."""
    return min((o.started for o in outcomes if o.started >= since and o.status != 200), default=float("inf"))


def test_classifier_frozen_under_load_gives_504_in_time_and_recovers(stack: Stack) -> None:
    stack.up(env=stack.env(HUBLOT_REQUEST_TIMEOUT=str(FROZEN_TIMEOUT)))
    pid = host_pid(stack, "classifier")
    try:
        with load_on(stack, clients=4, max_seconds=150) as load:
            load.wait_until(lambda o: successes(o) >= 20, 60, "20 classifications before the fault")
            frozen_at = load.now()
            os.kill(pid, signal.SIGSTOP)
            load.wait_until(lambda o: sum(1 for x in o if x.started >= frozen_at and x.status == 504) >= 4,
                            FROZEN_TIMEOUT * 4, "four 504 answers while the classifier is frozen")
            readyz = stack.request("GET", "/readyz", timeout=FROZEN_TIMEOUT * 2)
            thawed_at = load.now()
            os.kill(pid, signal.SIGCONT)
            load.wait_until(lambda o: sum(1 for x in o if x.started > thawed_at and x.status == 200) >= 8, 60,
                            "classifications after SIGCONT")
            back_at = max(o.started + o.seconds for o in load.since(thawed_at) if o.status == 200)
    finally:
        os.kill(pid, signal.SIGCONT)
    frozen = [o for o in load.outcomes if frozen_at <= o.started < thawed_at]
    print(f"SIGSTOP under load: {load.summary()}; while frozen {load.summary(frozen)}; "
          f"slowest answer while frozen {max(o.seconds for o in frozen):.2f} s "
          f"(request timeout {FROZEN_TIMEOUT} s); serving again {back_at - thawed_at:.1f} s after SIGCONT")
    assert readyz.status == 503, f"/readyz answered {readyz.status} while the classifier was frozen"
    assert all(o.status is not None for o in load.outcomes), load.summary()
    assert {o.status for o in frozen} <= {200, 504}, load.summary(frozen)
    assert all(o.seconds <= FROZEN_TIMEOUT + 3 for o in frozen), \
        f"a request took {max(o.seconds for o in frozen):.1f} s with a {FROZEN_TIMEOUT} s request timeout"
    assert top_label(stack.classify_cat()) in CAT_LABELS


def in_volume(stack: Stack, script: str) -> None:
    """Runs a Python script as root in a throwaway hublot-init container with the models volume at /models."""
    docker("run", "--rm", "--user", "0", "--network", "none", "-v", f"{stack.volume()}:/models",
           "--entrypoint", "python3", "hublot-init:latest", "-c", script)


def test_broken_models_are_failed_with_their_reason_and_the_others_served(stack: Stack) -> None:
    stack.up()
    in_volume(stack, f"""
import json, os, shutil
shutil.copytree('/models/{MODEL}', '/models/broken_onnx')
meta = json.load(open('/models/broken_onnx/model.json'))
meta['name'] = 'broken_onnx'
json.dump(meta, open('/models/broken_onnx/model.json', 'w'))
with open('/models/broken_onnx/model.onnx', 'r+b') as f:
    f.truncate(4096)
os.makedirs('/models/broken_json')
open('/models/broken_json/model.json', 'w').write('{{"schema_version": 1, "name": ')
""")
    try:
        stack.compose("restart", "classifier")
        stack.wait_for("/readyz", 200, 90)
        models = {m["name"]: m for m in stack.request("GET", "/api/models").json()["models"]}
        print("statuses:", {name: (m["status"], m.get("reason", "")[:80]) for name, m in models.items()})
        assert models[MODEL]["status"] == "ready"
        for name in ("broken_onnx", "broken_json"):
            assert models[name]["status"] == "failed", models[name]
            assert models[name].get("reason"), f"{name} failed without a reason"
        assert re.search(r"onnx", models["broken_onnx"]["reason"], re.I), models["broken_onnx"]
        assert re.search(r"model\.json", models["broken_json"]["reason"]), models["broken_json"]
        assert top_label(stack.classify_cat()) in CAT_LABELS
        refused = stack.classify_cat("broken_onnx")
        assert refused.status == 503 and refused.json()["error"]["code"] == "model_not_ready", refused.body[:300]
    finally:
        in_volume(stack, "import shutil\nfor n in ('broken_onnx', 'broken_json'): shutil.rmtree('/models/' + n, True)")
        stack.compose("restart", "classifier")


@pytest.fixture
def scratch_volume() -> Iterator[str]:
    name = f"hublot-ctest-scratch-{uuid.uuid4().hex[:8]}"
    docker("volume", "create", name)
    yield name
    docker("volume", "rm", "-f", name, check=False)


def test_init_killed_mid_prepare_leaves_nothing_half_written(scratch_volume: str) -> None:
    container = f"hublot-ctest-init-{uuid.uuid4().hex[:8]}"
    prepare = ["prepare", MODEL, "--repo", "/models"]
    docker("run", "-d", "--name", container, "--network", "none", "-v", f"{scratch_volume}:/models",
           "hublot-init:latest", *prepare)
    try:
        # Follow its progress; once the export is done (the ONNX conversion is under way), kill it.
        follow = subprocess.Popen(["docker", "logs", "-f", container], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        seen = []
        try:
            for line in follow.stdout:  # ends when the container exits
                seen.append(line)
                if re.match(rf"^\[{MODEL}\] export ", line):
                    docker("kill", "-s", "KILL", container)
                    break
        finally:
            follow.kill()
            follow.wait(timeout=30)
        assert seen and re.match(rf"^\[{MODEL}\] export ", seen[-1]), f"never reached the export: {seen}"
    finally:
        docker("rm", "-f", container, check=False)
    listing = docker("run", "--rm", "--network", "none", "-v", f"{scratch_volume}:/models", "--entrypoint",
                     "ls", "hublot-init:latest", "-a", "/models").stdout.split()
    print("after SIGKILL mid-prepare:", listing)
    assert MODEL not in listing, f"a model folder was published by a killed prepare: {listing}"
    again = docker("run", "--rm", "--network", "none", "-v", f"{scratch_volume}:/models",
                   "hublot-init:latest", *prepare)
    assert re.search(rf"^\[{MODEL}\] prepared ", again.stdout + again.stderr, re.M), again.stdout + again.stderr
    listing = docker("run", "--rm", "--network", "none", "-v", f"{scratch_volume}:/models", "--entrypoint",
                     "ls", "hublot-init:latest", "-a", "/models").stdout.split()
    assert MODEL in listing and not [n for n in listing if n.startswith(".tmp-")], listing


def test_init_on_a_full_volume_fails_clearly_then_succeeds() -> None:
    # One container, a 160 MiB tmpfs as the repository: fill it, prepare (fails), free it, prepare again.
    script = f"""
set -u
dd if=/dev/zero of=/models/filler bs=1M count=150 status=none 2>/dev/null || true
hublot-init prepare {MODEL} --repo /models; echo "first-exit=$?"
ls -a /models | tr '\\n' ' '; echo
rm -f /models/filler
hublot-init prepare {MODEL} --repo /models; echo "second-exit=$?"
ls -a /models | tr '\\n' ' '; echo
"""
    run = docker("run", "--rm", "--network", "none", "--tmpfs", "/models:size=160m,uid=10001,gid=10001",
                 "--entrypoint", "bash", "hublot-init:latest", "-c", script, timeout=600)
    output = run.stdout + run.stderr
    print(output[-1500:])
    first = int(re.search(r"first-exit=(\d+)", output).group(1))
    second = int(re.search(r"second-exit=(\d+)", output).group(1))
    listings = re.findall(r"^\. \.\. .*$", output, re.M)
    assert first != 0, "prepare succeeded on a full volume"
    assert re.search(r"disk full", output) and "not a valid" not in output, f"no clear message:\n{output[-1500:]}"
    assert MODEL not in listings[0].split(), f"half-written model published: {listings[0]}"
    assert second == 0, output[-1500:]
    assert MODEL in listings[1].split() and ".tmp-" not in listings[1], listings[1]


def test_soak_smoke_mixed_hostile_uploads(stack: Stack) -> None:
    """`make soak` in small: every kind of the mix once a few times; only the planned answers."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "soak"))
    import soak  # noqa: E402

    stack.up()
    pids = {service: host_pid(stack, service) for service in ("front", "classifier")}
    restarts = {service: stack.inspect(service, "{{.RestartCount}}") for service in pids}
    report = soak.run(f"http://127.0.0.1:{stack.port}", requests=330, clients=8, pids=pids,
                      max_upload=20 * 1024 * 1024, photo=(PHOTOS / "cat.jpg").read_bytes(), max_seconds=240)
    print(json.dumps(report, indent=1))
    assert report["failures"] == 0, report["failure_examples"]
    assert report["good_latency_ms"]["count"] > 0
    for service in pids:
        assert stack.inspect(service, "{{.RestartCount}}") == restarts[service], f"{service} restarted"
        assert host_pid(stack, service) == pids[service], f"{service} was replaced"


def test_slowloris_does_not_stop_others_from_being_served(stack: Stack) -> None:
    """500 connections trickling a request header, one byte per round, while real clients classify."""
    import socket

    stack.up()
    held: list[socket.socket] = []
    try:
        for _ in range(500):
            connection = socket.create_connection(("127.0.0.1", stack.port), timeout=5)
            connection.sendall(b"POST /api/classify HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            held.append(connection)
        with load_on(stack, clients=4, max_seconds=60, max_requests=25) as load:
            # One byte to every slow connection after each answer, until the bounded load (100 requests,
            # at most 60 s) is done.
            while load.running():
                for connection in list(held):
                    try:
                        connection.sendall(b"X")  # a header that never ends
                    except OSError:
                        held.remove(connection)  # the server closed it (header timeout): fine
                load.wait_until(lambda o, n=len(load.outcomes): len(o) > n or len(o) >= 100, 70,
                                "an answer while the slow connections are held")
        closed = 500 - len(held)
    finally:
        for connection in held:
            connection.close()
    good = [o for o in load.outcomes if o.status == 200]
    print(f"slowloris: 500 trickling connections, {closed} closed by the server; {load.summary()}; "
          f"p50 {sorted(o.seconds for o in good)[len(good) // 2] * 1000:.0f} ms, "
          f"max {max(o.seconds for o in good) * 1000:.0f} ms")
    assert len(load.outcomes) == 100 and len(good) == 100, load.summary()
