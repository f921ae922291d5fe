"""deploy/swarm/stack.yaml on a real single-node swarm, under a bounded load from 127.0.0.1 (issue 16): deploy
from nothing, the share of each classifier replica, a rolling update, a killed replica, scaling, removal.

Each scenario prints its figures (requests, failures, times, shares): docs/scaling.md quotes them. The tests
run in this file's order on one deployment (the `swarm` fixture); the last one removes the stack.
"""

from __future__ import annotations

import json
import time
from datetime import datetime

from docker_cli import assert_confined, docker
from front_client import CAT_LABELS, PHOTOS, top_label
from load import Load, Outcome
from swarm import MODEL, Swarm

CLIENTS = 8  # concurrent clients of every scenario under load


def load_on(swarm: Swarm, max_requests: int = 100_000, max_seconds: float = 240) -> Load:
    return Load(f"http://127.0.0.1:{swarm.port}/api/classify", (PHOTOS / "cat.jpg").read_bytes(),
                clients=CLIENTS, max_requests=max_requests, max_seconds=max_seconds)


def failures(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.status != 200]


def answered_more(load: Load, count: int, seconds: float = 60) -> None:
    """Waits until `count` more answers arrived (the load kept running)."""
    target = len(load.outcomes) + count
    load.wait_until(lambda o: len(o) >= target, seconds, f"{count} more answers")


def spread(swarm: Swarm, replicas: list[str], requests: int = 1000) -> dict[str, int]:
    """Sends `requests` classifications through the front; what each replica's own /metrics counted."""
    before = {c: swarm.classified(c) for c in replicas}
    with load_on(swarm, max_requests=requests // CLIENTS) as load:
        load.wait_until(lambda o: len(o) == requests, 240, f"{requests} answers")
    assert failures(load.outcomes) == [], load.summary(failures(load.outcomes))
    served = {c: swarm.classified(c) - n for c, n in before.items()}
    assert sum(served.values()) == requests, f"the replicas counted {served}, not the {requests} requests"
    return served


def test_deploy_from_nothing_classifies_and_spreads_over_two_replicas(swarm: Swarm) -> None:
    start = time.monotonic()
    swarm.wait_for("/api/models", 200, 600)
    swarm.wait_for_model(MODEL, "ready", 600)
    replicas = [t.container for t in swarm.wait_healthy("classifier", 2, 300)]
    swarm.wait_front_replicas(2, 30)
    print(f"then 2 ready replicas behind the front after {time.monotonic() - start:.1f} s")
    assert top_label(swarm.classify_cat()) in CAT_LABELS
    # The stack's policy, least outstanding requests, follows each replica's speed: on one shared host the
    # split moves with what else runs. Round-robin's contract is the even split the test checks.
    adaptive = spread(swarm, replicas)
    print(f"1,000 requests, least-outstanding: per replica {sorted(adaptive.values())}")
    assert all(adaptive.values()), f"a replica received nothing: {adaptive}"
    swarm.update_front("--env-add", "HUBLOT_CLASSIFIER_BALANCING=round-robin")
    try:
        even = spread(swarm, replicas)
    finally:
        swarm.update_front("--env-add", "HUBLOT_CLASSIFIER_BALANCING=least-outstanding")  # the stack's
    print(f"1,000 requests, round-robin: per replica {sorted(even.values())}")
    assert all(400 <= count <= 600 for count in even.values()), f"uneven spread: {even}"


def test_every_running_container_is_confined(swarm: Swarm) -> None:
    # init has ended (a job): its spec is checked instead.
    spec = json.loads(docker("service", "inspect", swarm.service("init")).stdout)[0]["Spec"]["TaskTemplate"]
    assert spec["ContainerSpec"].get("ReadOnly") is True and spec["ContainerSpec"].get("CapabilityDrop") == ["ALL"]
    assert spec["Resources"]["Limits"].get("Pids", 0) > 0 and spec["Resources"]["Limits"].get("MemoryBytes", 0) > 0
    for service in ("classifier", "front"):
        for task in swarm.running(service):
            # Swarm has no no-new-privileges setting (docs/scaling.md).
            config = json.loads(docker("inspect", task.container).stdout)[0]
            print(assert_confined(task.name, config, no_new_privileges=False))


def test_redeploy_with_the_same_models_prepares_nothing(swarm: Swarm) -> None:
    before = swarm.job_iteration("init")
    swarm.deploy()
    after = swarm.job_iteration("init")
    if after == before:
        print("a re-deploy with the same models: the init job did not run again")
    else:  # the job ran again (the deploy changed its spec): it must find every model in place
        deadline = time.monotonic() + 120
        while not (states := swarm.task_states("init"))[0].startswith(("Complete", "Failed")):
            assert time.monotonic() < deadline, f"init's new run did not end: {states}"
            time.sleep(0.5)
        said = swarm.newest_task_logs("init").strip()
        print(f"a re-deploy with the same models: init ran again and said {said!r}")
        assert states[0].startswith("Complete"), f"init failed: {said[-2000:]}"
        assert f"[{MODEL}] cached" in said and "prepared" not in said, said[-2000:]
    swarm.wait_healthy("classifier", 2, 120)
    swarm.wait_front_replicas(2, 30)


def test_rolling_update_under_load_fails_no_request(swarm: Swarm) -> None:
    old = {t.container for t in swarm.running("classifier")}
    with load_on(swarm) as load:
        answered_more(load, 50)
        start = time.monotonic()
        docker("service", "update", "--force", "--detach=false", swarm.service("classifier"), timeout=600)
        took = time.monotonic() - start
        new = swarm.wait_healthy("classifier", 2, 120)
        answered_more(load, 100)
    print(f"rolling update of 2 replicas under {CLIENTS} clients: {took:.1f} s; {load.summary()}")
    assert not old & {t.container for t in new}, "the update replaced no replica"
    assert failures(load.outcomes) == [], load.summary(failures(load.outcomes))


def test_killed_replica_is_replaced_and_served_with_no_failed_request(swarm: Swarm) -> None:
    survivors = swarm.wait_healthy("classifier", 2, 120)
    victim, survivor = survivors
    with load_on(swarm) as load:
        answered_more(load, 50)
        killed_at = load.now()
        docker("kill", "-s", "KILL", victim.container)
        replacement = None
        deadline = time.monotonic() + 180
        while replacement is None:
            assert time.monotonic() < deadline, f"no healthy replacement within 180 s: {swarm.task_states('classifier')}"
            fresh = [t for t in swarm.healthy("classifier") if t.container not in (victim.container, survivor.container)]
            replacement = fresh[0] if fresh else None
            if replacement is None:
                time.sleep(0.5)
        ready = swarm.ready_at(replacement.container)
        restored_at = load.now()
        while swarm.classified(replacement.container) == 0:
            assert time.monotonic() < deadline, "the replacement received no request"
            time.sleep(0.5)
        served_after = (datetime.now(ready.tzinfo) - ready).total_seconds()
        answered_more(load, 50)
    print(f"SIGKILL of a replica under {CLIENTS} clients: {load.summary()}; "
          f"2 healthy replicas again {restored_at - killed_at:.1f} s after the kill; "
          f"the new one served its first request within {served_after:.1f} s of being ready")
    assert failures(load.outcomes) == [], load.summary(failures(load.outcomes))
    assert served_after <= 10, f"the new replica waited {served_after:.1f} s for traffic"


def test_scaling_2_3_1_under_load_fails_no_request(swarm: Swarm) -> None:
    timings = []
    with load_on(swarm) as load:
        answered_more(load, 50)
        for replicas in (3, 1, 2):
            start = time.monotonic()
            docker("service", "scale", "--detach=false", f"{swarm.service('classifier')}={replicas}", timeout=300)
            swarm.wait_healthy("classifier", replicas, 120)
            timings.append(f"{replicas}: {time.monotonic() - start:.1f} s")
            answered_more(load, 100)
    print(f"scale 2 -> 3 -> 1 -> 2 under {CLIENTS} clients ({', '.join(timings)}): {load.summary()}")
    assert failures(load.outcomes) == [], load.summary(failures(load.outcomes))


def test_stack_rm_leaves_no_container_and_keeps_the_models_volume(swarm: Swarm) -> None:
    took = swarm.remove()
    print(f"docker stack rm: no container or network left after {took:.1f} s")
    assert swarm.containers() == []
    assert swarm.volume_exists(), "docker stack rm removed the prepared models"
