#!/usr/bin/env bats
# scripts/course-reset: what it removes for each step, with a fake docker that
# logs its calls (nothing here touches the real Docker).

bats_require_minimum_version 1.5.0

RESET="$BATS_TEST_DIRNAME/../../scripts/course-reset"
REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)

setup() {
  export FAKE_LOG=$BATS_TEST_TMPDIR/docker.log
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  # rm of something absent fails, as Docker's does: the reset goes on. docker info answers the
  # swarm state FAKE_SWARM (default inactive); docker ps lists no container.
  printf '#!/usr/bin/env bash\necho "docker $*" >>"$FAKE_LOG"\ncase "$*" in "volume rm "*) exit 1 ;; "info "*) echo "${FAKE_SWARM:-inactive}" ;; esac\n' \
    >"$BATS_TEST_TMPDIR/bin/docker"
  chmod +x "$BATS_TEST_TMPDIR/bin/docker"
  export PATH=$BATS_TEST_TMPDIR/bin:$PATH
  unset HUBLOT_CP4_VOLUME HUBLOT_CP5_VOLUME HUBLOT_CP6_PROJECT HUBLOT_CP7_PROJECT HUBLOT_CP8_STACK FAKE_SWARM
}

@test "no step: the usage, exit 2; --help on stdout, exit 0; an unknown step, exit 2" {
  run --separate-stderr "$RESET"
  [ "$status" -eq 2 ]
  [[ "$stderr" == "Usage: scripts/course-reset"* ]]
  run --separate-stderr "$RESET" --help
  [ "$status" -eq 0 ]
  [[ "$output" == "Usage: scripts/course-reset"* ]]
  run --separate-stderr "$RESET" cp9
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"unknown step or option cp9"* ]]
}

@test "cp3 cp4 cp6: their containers and stack, the volumes kept" {
  run "$RESET" cp3 cp4 cp6
  [ "$status" -eq 0 ]
  grep -qx 'docker rm -f hublot-cp3-classifier' "$FAKE_LOG"
  grep -qx 'docker rm -f hublot-cp4-classifier' "$FAKE_LOG"
  grep -qx "docker compose -f $REPO/cp6/compose.yaml -p hublot-cp6 down" "$FAKE_LOG"
  if grep -q 'volume rm\|down -v' "$FAKE_LOG"; then return 1; fi
}

@test "all --volumes: every container, stack and volume, a missing volume is not an error" {
  HUBLOT_CP7_PROJECT=hublot-cp7-test run "$RESET" all --volumes
  [ "$status" -eq 0 ]
  grep -qx 'docker volume rm hublot-cp4-models' "$FAKE_LOG"
  grep -qx 'docker volume rm hublot-cp5-models' "$FAKE_LOG"
  grep -qx "docker compose -f $REPO/cp6/compose.yaml -p hublot-cp6 down -v" "$FAKE_LOG"
  grep -qx "docker compose -f $REPO/compose.yaml -p hublot-cp7-test down -v" "$FAKE_LOG"
  grep -qx "docker compose -f $REPO/compose.yaml -p hublot down -v" "$FAKE_LOG"
  grep -qx 'docker stack rm hublot-cp8' "$FAKE_LOG"
  grep -qx 'docker volume rm hublot-cp8_models' "$FAKE_LOG"
}

@test "cp8: the Swarm stack, its volume once its containers are gone; the swarm stays, with the advice to leave it" {
  FAKE_SWARM=active run "$RESET" cp8 --volumes
  [ "$status" -eq 0 ]
  [ "$(grep -E 'stack rm|volume rm|stack\.namespace' "$FAKE_LOG")" = "docker stack rm hublot-cp8
docker ps -aq --filter label=com.docker.stack.namespace=hublot-cp8
docker volume rm hublot-cp8_models" ]
  [[ "$output" == *'leave it with: docker swarm leave --force'* ]]
  if grep -q 'swarm leave' "$FAKE_LOG"; then return 1; fi
}

@test "cp8 without --volumes, HUBLOT_CP8_STACK, no swarm: the stack only, no advice" {
  HUBLOT_CP8_STACK=hublot-cp8-test run "$RESET" cp8
  [ "$status" -eq 0 ]
  grep -qx 'docker stack rm hublot-cp8-test' "$FAKE_LOG"
  if grep -q 'volume rm\|docker ps -aq --filter label' "$FAKE_LOG"; then return 1; fi
  [[ "$output" != *'swarm leave'* ]]
}

@test "--dry-run: the commands, no docker call" {
  run "$RESET" --dry-run cp5 --volumes
  [ "$status" -eq 0 ]
  [[ "$output" == *"would run: docker rm -f hublot-cp5-classifier"* ]]
  [[ "$output" == *"would run: docker volume rm hublot-cp5-models"* ]]
  [ ! -e "$FAKE_LOG" ]
  run "$RESET" --dry-run cp8 --volumes
  [ "$status" -eq 0 ]
  [[ "$output" == *"would run: docker stack rm hublot-cp8"* ]]
  [[ "$output" == *"would run: docker volume rm hublot-cp8_models"* ]]
  [[ "$output" == *'leave it with: docker swarm leave --force'* ]]
  [ ! -e "$FAKE_LOG" ]
}

@test "cp2: nothing to remove, the PID advice" {
  run "$RESET" cp2 cp3
  [ "$status" -eq 0 ]
  [[ "$output" == *"cp2 leaves nothing running (cp2/go --keep printed its server's PID: kill PID)"* ]]
}
