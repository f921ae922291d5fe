#!/usr/bin/env bats
# scripts/docker-engine's command line: help and usage errors touch no engine.

setup() {
  ROOT="$(cd "$BATS_TEST_DIRNAME/../.." && pwd)"
}

@test "--help prints the options and exits 0 without touching Docker" {
  run "$ROOT/scripts/docker-engine" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"--check"* ]]
  [[ "$output" == *"--start"* ]]
  [[ "$output" != *"starting dockerd"* ]]
}

@test "an unknown option is a usage error (exit 2), not an installation" {
  run "$ROOT/scripts/docker-engine" --stop
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown option: --stop"* ]]
  [[ "$output" != *"starting dockerd"* ]]
}

@test "--stop-if-started without a marker leaves the engine alone" {
  HUBLOT_ENGINE_MARKER= run "$ROOT/scripts/docker-engine" --stop-if-started
  [ "$status" -eq 0 ]
  [[ "$output" == *"not started by this run, left as it is"* ]]
}

@test "--stop-if-started stops the dockerd the marker names, and removes the marker" {
  # A stand-in process whose command name is dockerd: a copy of sleep.
  cp "$(command -v sleep)" "$BATS_TEST_TMPDIR/dockerd"
  "$BATS_TEST_TMPDIR/dockerd" 300 &
  local pid=$!
  [ "$(ps -o comm= -p "$pid")" = dockerd ]
  echo "dockerd $pid" >"$BATS_TEST_TMPDIR/marker"
  HUBLOT_ENGINE_MARKER="$BATS_TEST_TMPDIR/marker" run "$ROOT/scripts/docker-engine" --stop-if-started
  [ "$status" -eq 0 ]
  [[ "$output" == *"stopping dockerd (pid $pid), started by this run"* ]]
  ! kill -0 "$pid" 2>/dev/null
  [ ! -e "$BATS_TEST_TMPDIR/marker" ]
}

@test "--stop-if-started leaves a process that is not dockerd alone (a stale marker)" {
  sleep 300 &
  local pid=$!
  echo "dockerd $pid" >"$BATS_TEST_TMPDIR/marker"
  HUBLOT_ENGINE_MARKER="$BATS_TEST_TMPDIR/marker" run "$ROOT/scripts/docker-engine" --stop-if-started
  kill -0 "$pid"
  kill "$pid"
  [ "$status" -eq 0 ]
  [[ "$output" == *"is gone already"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/marker" ]
}
