"""Drives deploy/swarm/stack.yaml for the tests: a single-node swarm, the stack's services and tasks, each
classifier replica's /metrics (read inside its container: replicas publish no port)."""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from docker_cli import docker, timestamp  # noqa: E402
from front_client import FrontClient  # noqa: E402
from harness import prometheus  # noqa: E402

STACK_FILE = ROOT / "deploy" / "swarm" / "stack.yaml"
STACK = "hublot-stest"
PORT = 18190
MODEL = "efficientnet_lite0"

# One GET of the replica's own /metrics from inside its container, with bash alone (the image has no curl).
_METRICS_SCRIPT = (
    'exec 3<>/dev/tcp/127.0.0.1/"$HUBLOT_PORT" && '
    r'printf "GET /metrics HTTP/1.0\r\nConnection: close\r\n\r\n" >&3 && '
    'while IFS= read -r line <&3 || [[ -n $line ]]; do printf "%s\\n" "$line"; done'
)


def ipvs_available() -> bool:
    """Whether this kernel has IPVS, which Swarm's virtual IPs and ingress ports need (docs/scaling.md)."""
    return Path("/proc/net/ip_vs").exists() or Path("/sys/module/ip_vs").exists()


@dataclass
class Task:
    """A running task of a service: its container on this node."""

    container: str
    name: str


class Swarm(FrontClient):
    """The single-node swarm of the tests and the stack deployed on it (its front on 127.0.0.1:`port`)."""

    def __init__(self, stack: str = STACK, port: int = PORT) -> None:
        self.stack = stack
        self.port = port
        self.created_swarm = False

    # The swarm itself

    def state(self) -> str:
        return docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()

    def join(self) -> None:
        """Uses this node's swarm when it is a manager of a one-node swarm; else creates one (left by `leave`)."""
        state = self.state()
        if state == "inactive":
            docker("swarm", "init", "--advertise-addr", "127.0.0.1")
            self.created_swarm = True
            return
        info = json.loads(docker("info", "--format", "{{json .Swarm}}").stdout)
        if state != "active" or not info.get("ControlAvailable") or info.get("Nodes") != 1:
            raise AssertionError(
                f"this node is in a swarm the tests must not touch (state {state}, {info.get('Nodes')} nodes): "
                "run them on a machine outside any swarm, or leave it (docker swarm leave)")

    def leave(self) -> None:
        """Leaves the swarm if `join` created it."""
        if self.created_swarm:
            docker("swarm", "leave", "--force", check=False)

    # The stack

    def env(self, **extra: str) -> dict[str, str]:
        """The deploy's environment: this test's port, dnsrr and host-mode ports where IPVS is missing."""
        env = dict(os.environ, HUBLOT_FRONT_PORT=str(self.port))
        if not ipvs_available():
            env.update(HUBLOT_ENDPOINT_MODE="dnsrr", HUBLOT_PUBLISH_MODE="host")
        env.update(extra)
        return env

    def deploy(self, **extra: str) -> float:
        """`docker stack deploy`, returning once every service converged (--detach=false), with the seconds
        that took. --resolve-image never: the images are this node's own, built from this checkout."""
        start = time.monotonic()
        docker("stack", "deploy", "--detach=false", "--resolve-image", "never", "-c", str(STACK_FILE), self.stack,
               env=self.env(**extra), timeout=900)
        return time.monotonic() - start

    def remove(self, timeout: float = 120) -> float:
        """`docker stack rm`, then waits until none of the stack's containers or networks is left; returns
        the seconds that took."""
        start = time.monotonic()
        docker("stack", "rm", self.stack, check=False)
        deadline = start + timeout
        while self.containers() or self.networks():
            if time.monotonic() > deadline:
                raise AssertionError(f"left after {timeout} s: containers {self.containers()}, "
                                     f"networks {self.networks()}")
            time.sleep(0.5)
        return time.monotonic() - start

    def containers(self) -> list[str]:
        """Every container of the stack, running or not."""
        return docker("ps", "-aq", "--filter", f"label=com.docker.stack.namespace={self.stack}").stdout.split()

    def networks(self) -> list[str]:
        return docker("network", "ls", "-q", "--filter", f"label=com.docker.stack.namespace={self.stack}").stdout.split()

    def volume(self) -> str:
        return f"{self.stack}_models"

    def volume_exists(self) -> bool:
        return docker("volume", "inspect", self.volume(), check=False).returncode == 0

    def remove_volume(self) -> None:
        """Removes the models volume (what `docker stack rm` keeps), once no container uses it."""
        docker("volume", "rm", "-f", self.volume())

    def service(self, name: str) -> str:
        return f"{self.stack}_{name}"

    # Tasks and replicas

    def running(self, service: str) -> list[Task]:
        """The service's containers that are running now."""
        ids = docker("ps", "-q", "--filter", f"label=com.docker.swarm.service.name={self.service(service)}").stdout.split()
        tasks = []
        for container in ids:
            name = docker("inspect", "-f", '{{index .Config.Labels "com.docker.swarm.task.name"}}', container,
                          check=False).stdout.strip()
            if name:
                tasks.append(Task(container=container, name=name))
        return tasks

    def healthy(self, service: str) -> list[Task]:
        """The service's running containers whose health check passes."""
        return [task for task in self.running(service) if self.health(task.container) == "healthy"]

    def health(self, container: str) -> str:
        return docker("inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", container,
                      check=False).stdout.strip()

    def ready_at(self, container: str) -> datetime:
        """When the container's health check first passed, from Docker's own timestamps (its log keeps the
        last 5 checks: call it as soon as the container is healthy)."""
        checks = json.loads(docker("inspect", "-f", "{{json .State.Health.Log}}", container).stdout)
        passed = [timestamp(check["Start"]) for check in checks if check["ExitCode"] == 0]
        assert passed, f"{container} never passed its health check: {checks}"
        return min(passed)

    def wait_healthy(self, service: str, count: int, seconds: float) -> list[Task]:
        """Polls until exactly `count` of the service's containers are running and healthy."""
        deadline = time.monotonic() + seconds
        while True:
            running = self.running(service)
            healthy = [t for t in running if self.health(t.container) == "healthy"]
            if len(healthy) == count == len(running):
                return healthy
            if time.monotonic() > deadline:
                raise AssertionError(f"{service}: not {count} healthy replicas within {seconds} s: "
                                     f"{len(healthy)} healthy of {len(running)} running; "
                                     f"{docker('service', 'ps', '--no-trunc', self.service(service), check=False).stdout}")
            time.sleep(0.5)

    def classified(self, container: str) -> int:
        """Classifications a classifier replica answered with 200, from its own /metrics."""
        text = docker("exec", container, "bash", "-c", _METRICS_SCRIPT, timeout=30).stdout
        head, _, body = text.partition("\n\n")  # (Python reads the \r\n of HTTP as \n)
        assert head.startswith("HTTP/1.1 200") and body, f"{container}'s /metrics: {text[:300]!r}"
        return int(prometheus.value(prometheus.parse(body), "hublot_classify_requests_total", status="200"))

    def update_front(self, *options: str) -> None:
        """`docker service update OPTIONS` of the front, then waits until it balances over the classifier's
        healthy replicas again."""
        docker("service", "update", "--detach=false", *options, self.service("front"), timeout=300)
        self.wait_for("/healthz", 200, 120)
        self.wait_front_replicas(len(self.healthy("classifier")), 30)

    def front_replicas(self) -> int:
        """Classifier replicas the front balances over now (its own gauge)."""
        samples = prometheus.scrape(f"http://127.0.0.1:{self.port}/metrics", timeout=10)
        return int(prometheus.value(samples, "hublot_front_classifier_replicas"))

    def wait_front_replicas(self, count: int, seconds: float) -> None:
        """Polls until the front balances over `count` replicas (it resolves their name every 5 s)."""
        deadline = time.monotonic() + seconds
        while (seen := self.front_replicas()) != count:
            if time.monotonic() > deadline:
                raise AssertionError(f"the front balances over {seen} replicas, not {count}, after {seconds} s")
            time.sleep(0.5)

    def newest_task_logs(self, service: str) -> str:
        """What the service's newest task printed (`docker service ps` lists the newest first)."""
        newest = docker("service", "ps", "-q", "--no-trunc", self.service(service)).stdout.split()[0]
        process = docker("service", "logs", "--raw", newest, check=False)
        return process.stdout + process.stderr

    def job_iteration(self, service: str) -> int:
        """How many times a job service was (re)started: Swarm counts it up at each run the spec asks for."""
        return int(docker("service", "inspect", "-f", "{{.JobStatus.JobIteration.Index}}",
                          self.service(service)).stdout.strip())

    def task_states(self, service: str) -> list[str]:
        """`docker service ps`'s current state of every task of the service, newest first."""
        return docker("service", "ps", "--format", "{{.CurrentState}}", self.service(service)).stdout.splitlines()
