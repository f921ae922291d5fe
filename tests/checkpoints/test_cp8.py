"""cp8's `go` end to end: the Swarm stack survives a rolling update and a killed replica under load.

Apart from test_checkpoints.py because step 8 adds it (scripts/checkpoint-steps): the export of
cp7 is this tree without this file, cp8/, deploy/swarm and tests/swarm.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from front_client import CAT_LABELS  # noqa: E402
from hublot_containers import assert_succeeded, docker, first_label, run_go  # noqa: E402


def swarm_state() -> str:
    return docker("info", "--format", "{{.Swarm.LocalNodeState}}").strip()


def test_cp8_swarm_survives_a_rolling_update_and_a_killed_replica_under_load() -> None:
    before = swarm_state()
    env = dict(os.environ, HUBLOT_FRONT_PORT="18191")
    run = run_go("cp8", env=env, timeout=1200)
    assert_succeeded(run)
    assert first_label(run.output) in CAT_LABELS
    for step in ("rolling update under load", "a replica killed under load"):
        found = re.findall(rf"==> {step}: (\d+) requests, (\d+) failed", run.output)
        assert found and int(found[-1][0]) > 0 and found[-1][1] == "0", f"{step}: {found}; {run.output[-2000:]}"
    assert docker("ps", "-aq", "--filter", "label=com.docker.stack.namespace=hublot-cp8").split() == []
    assert swarm_state() == before, "cp8/go did not leave the swarm as it found it"
