#!/usr/bin/env bats
# scripts/course-check's arguments (its runs build and start the eight steps:
# make course-check, outside make test).

# shellcheck disable=SC2154  # stderr comes from `run --separate-stderr`
bats_require_minimum_version 1.5.0

CHECK="$BATS_TEST_DIRNAME/../../scripts/course-check"

@test "an unknown step: the usage and the step named on stderr, exit 2, nothing exported" {
  export HUBLOT_COURSE_DIR=$BATS_TEST_TMPDIR/course
  run --separate-stderr "$CHECK" cp1 cp9
  [ "$status" -eq 2 ]
  [ "$stderr" = "Usage: scripts/course-check [cpN...]   (default: cp1 ... cp8)
course-check: unknown step or option cp9" ]
  [ ! -e "$HUBLOT_COURSE_DIR" ]
}

@test "--help: the usage on stdout, exit 0" {
  run --separate-stderr "$CHECK" --help
  [ "$status" -eq 0 ]
  [ "$output" = "Usage: scripts/course-check [cpN...]   (default: cp1 ... cp8)" ]
}
