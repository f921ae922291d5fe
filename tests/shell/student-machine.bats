#!/usr/bin/env bats
# tests/course/student-machine's command line (the run itself is make test's
# student-machine smoke and make course-check's full run: it needs Docker).

bats_require_minimum_version 1.5.0

setup() {
  SCRIPT="$BATS_TEST_DIRNAME/../course/student-machine"
}

@test "--help: the usage on stdout, exit 0" {
  run --separate-stderr "$SCRIPT" --help
  [ "$status" -eq 0 ]
  [[ "$output" == "Usage: tests/course/student-machine [--steps \"cp1 cp3 ...\"] [--keep]"* ]]
  [[ "$output" == *'"" runs preload only'* ]]
}

@test "an unknown argument: the usage on stderr, exit 2" {
  run --separate-stderr "$SCRIPT" --bogus
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"unknown argument --bogus"* ]]
  [[ "$stderr" == *"Usage:"* ]]
}

@test "--steps without its list: the usage, exit 2" {
  run --separate-stderr "$SCRIPT" --steps
  [ "$status" -eq 2 ]
}

@test "cp7 is not a step of the student machine (Debian 12's Docker cannot run it): exit 1 before Docker is asked" {
  run --separate-stderr env PATH=/nonexistent:/usr/bin:/bin "$SCRIPT" --steps "cp1 cp7"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"unknown step cp7 (cp1 ... cp6; cp7 is not for Debian 12's Docker)"* ]]
}
