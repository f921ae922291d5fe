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
