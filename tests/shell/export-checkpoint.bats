#!/usr/bin/env bats
# scripts/export-checkpoint: each step of the course as a project tree, from a
# commit (HEAD here) and scripts/checkpoint-steps. No Swift build: the exports'
# builds and go scripts run in tests/checkpoints/test_exports.py and make course-check.

# shellcheck disable=SC2154  # stderr comes from `run --separate-stderr`
bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
EXPORT="$REPO/scripts/export-checkpoint"

# The entries of a folder, in C order, on one line.
entries() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' '; }
# The names a Package.swift declares in its products, dependencies and targets.
names_of() { grep -oE "$1" "$2" | sed -E 's/.*"([^"]*)".*/\1/' | sort | tr '\n' ' '; }

@test "wrong usage: exit 2 and the usage on stderr; --help on stdout, exit 0" {
  run --separate-stderr "$EXPORT"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"expected a step and a folder, got 0 argument(s)"* ]]
  [[ "$stderr" == *"Usage: scripts/export-checkpoint"* ]]
  run --separate-stderr "$EXPORT" cp9 "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"unknown step 'cp9' (1-8 or cp1-cp8)"* ]]
  run --separate-stderr "$EXPORT" --verbose 1 "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"unknown option --verbose"* ]]
  run --separate-stderr "$EXPORT" 1 "$BATS_TEST_TMPDIR/out" extra
  [ "$status" -eq 2 ]
  run --separate-stderr "$EXPORT" 1 "$BATS_TEST_TMPDIR/out" --commit
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"--commit needs a revision"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/out" ]
  run --separate-stderr "$EXPORT" --help
  [ "$status" -eq 0 ]
  [[ "$output" == "Usage: scripts/export-checkpoint"* ]]
}

@test "an unknown commit: exit 1, nothing written" {
  run --separate-stderr "$EXPORT" --commit no-such-revision 1 "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"unknown commit no-such-revision"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/out" ]
}

@test "a non-empty folder is refused unless --force, which replaces what it holds" {
  local dir=$BATS_TEST_TMPDIR/out
  mkdir -p "$dir" && echo mine >"$dir/notes.txt"
  run --separate-stderr "$EXPORT" 1 "$dir"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"$dir is not empty (--force replaces what it holds)"* ]]
  [ "$(cat "$dir/notes.txt")" = mine ]
  [ ! -e "$dir/Package.swift" ]
  run "$EXPORT" --force cp1 "$dir"
  [ "$status" -eq 0 ]
  [ ! -e "$dir/notes.txt" ]
  [ -f "$dir/Package.swift" ]
}

@test "--force does not empty a git repository (this one, or a folder holding it)" {
  run --separate-stderr "$EXPORT" --force 1 "$REPO"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"is a git repository: --force will not empty it"* ]]
  run --separate-stderr "$EXPORT" --force 1 "$REPO/.."
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"holds this repository: --force will not empty it"* ]]
  [ -f "$REPO/Package.swift" ]
}

@test "cp1: step 1's files only, and the note names the commit and the step" {
  local dir=$BATS_TEST_TMPDIR/cp1
  run "$EXPORT" 1 "$dir"
  [ "$status" -eq 0 ]
  [ "$(entries "$dir")" = ".gitignore LICENSE NOTICE Package.resolved Package.swift ReadMe.txt Sources VERSION cp1 init models preload samples scripts tests " ]
  [ "$(entries "$dir/Sources")" = "CONNXRuntime CSpng CTurboJPEG HublotAPI HublotCore HublotVersion hublot " ]
  [ "$(cd "$dir" && find scripts tests -type f | sort | tr '\n' ' ')" = "scripts/base-images scripts/build-images scripts/docker-engine scripts/install-onnxruntime scripts/lib/checkpoint.sh scripts/lib/image-metadata.sh scripts/lib/trixie-apt.sh scripts/setup-host scripts/setup-venv tests/requirements.txt " ]
  [ -x "$dir/cp1/go" ] && [ -x "$dir/preload" ]
  [ -f "$dir/samples/README.md" ] && [ -d "$dir/samples/licenses" ]
  [ -f "$dir/init/pyproject.toml" ] && [ ! -e "$dir/init/tests" ]
  cmp "$dir/Sources/HublotCore/Runtime/OrtSession.swift" "$REPO/Sources/HublotCore/Runtime/OrtSession.swift"
  head -n 2 "$dir/ReadMe.txt" | grep -q "^Hublot, étape cp1 : version 1 sur 8 du projet"
  grep -q "depuis le commit $(git -C "$REPO" rev-parse HEAD) du " "$dir/ReadMe.txt"
}

@test "cp1's Package.swift: the CLI, the engine and their two packages, nothing later" {
  local dir=$BATS_TEST_TMPDIR/cp1
  "$EXPORT" 1 "$dir"
  local manifest=$dir/Package.swift
  head -n 1 "$manifest" | grep -qx '// swift-tools-version: 6.2'
  [ "$(names_of '\.(library|executable)\(name: "[^"]*"' "$manifest")" = "HublotCore hublot " ]
  [ "$(names_of '\.package\(url: "[^"]*"' "$manifest")" = "https://github.com/apple/swift-argument-parser.git https://github.com/apple/swift-log.git " ]
  [ "$(names_of '^ *\.[a-zA-Z]*[tT]arget\(name: "[^"]*"|^            name: "[^"]*"' "$manifest")" = "CONNXRuntime CSpng CTurboJPEG HublotAPI HublotCore HublotVersion hublot " ]
  # Nothing of later steps, not even a comment about them.
  run grep -nE 'Classifier|Front|HTTP|bench|testTarget|Fuzz|hummingbird' "$manifest"
  [ "$status" -eq 1 ]
  grep -q '^    swiftLanguageModes: \[.v6\]$' "$manifest"
}

@test "same commit, same tree: two exports are identical, modification times included" {
  "$EXPORT" 2 "$BATS_TEST_TMPDIR/a"
  "$EXPORT" cp2 "$BATS_TEST_TMPDIR/b"
  diff -r "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
  listing() { (cd "$1" && find . -printf '%P %m %T@\n' | sort); }
  [ "$(listing "$BATS_TEST_TMPDIR/a")" = "$(listing "$BATS_TEST_TMPDIR/b")" ]
}

@test "diff cp1 -> cp2: the classifier's targets, cp2/ and their packages' dependencies" {
  "$EXPORT" 1 "$BATS_TEST_TMPDIR/cp1"
  "$EXPORT" 2 "$BATS_TEST_TMPDIR/cp2"
  cd "$BATS_TEST_TMPDIR"
  run diff -rq cp1 cp2
  [ "$status" -eq 1 ]
  [ "$output" = "Files cp1/Package.swift and cp2/Package.swift differ
Files cp1/ReadMe.txt and cp2/ReadMe.txt differ
Only in cp2/Sources: HublotClassifier
Only in cp2/Sources: HublotHTTP
Only in cp2/Sources: OpenInferenceGRPC
Only in cp2/Sources: hublot-classifier
Only in cp2: cp2" ]
  local added
  added=$(diff -u cp1/Package.swift cp2/Package.swift | grep -E '^\+ ' || true)
  [[ "$added" == *'.executable(name: "hublot-classifier", targets: ["hublot-classifier"]),'* ]]
  [[ "$added" == *'hummingbird-project/hummingbird.git'* ]]
  [[ "$added" == *'name: "HublotHTTP",'* ]]
  [[ "$added" == *'name: "HublotClassifier",'* ]]
  # The gRPC service's generated code and its packages come with the classifier.
  [[ "$added" == *'name: "OpenInferenceGRPC",'* ]]
  [[ "$added" == *'grpc/grpc-swift-nio-transport.git'* ]]
  # The servers' library products are for Fuzz/ only: they come with cp7.
  [[ "$added" != *'.library(name: "HublotClassifier"'* ]]
  [[ "$added" != *'async-http-client'* ]]
  # Nothing removed from the manifest.
  [ "$(diff -u cp1/Package.swift cp2/Package.swift | grep -cE '^-[^-]')" -eq 0 ]
  grep -q "^  cible      hublot-classifier (Package.swift)$" cp2/ReadMe.txt
  grep -q "^Ce qu'ajoute cette étape : diff -ru cp1 cp2" cp2/ReadMe.txt
}

@test "cp3 adds cp3/ only; cp4 the hublot-init image's Dockerfile; cp6 the front's image and the Compose file" {
  "$EXPORT" 2 "$BATS_TEST_TMPDIR/cp2"
  "$EXPORT" 3 "$BATS_TEST_TMPDIR/cp3"
  "$EXPORT" 4 "$BATS_TEST_TMPDIR/cp4"
  "$EXPORT" 6 "$BATS_TEST_TMPDIR/cp6"
  cd "$BATS_TEST_TMPDIR"
  run diff -rq cp2 cp3
  [ "$output" = "Files cp2/ReadMe.txt and cp3/ReadMe.txt differ
Only in cp3: cp3" ]
  [ -f cp3/cp3/Dockerfile ] && [ ! -e cp3/docker ]
  [ "$(entries cp4/docker)" = "init.Dockerfile " ] && [ -f cp4/.dockerignore ]
  [ "$(entries cp6/docker)" = "init.Dockerfile minimal-root " ]
  [ -f cp6/cp6/compose.yaml ] && [ -d cp6/Sources/hublot-front ] && [ -d cp6/Sources/HublotFront ]
  [ ! -e cp6/compose.yaml ] && [ ! -e cp6/Makefile ] && [ ! -e cp6/Tests ]
}

@test "cp7 is the whole project less step 8: no cp8/, deploy/swarm, tests/swarm nor test_cp8.py; Package.swift unchanged" {
  local dir=$BATS_TEST_TMPDIR/cp7
  "$EXPORT" 7 "$dir"
  diff <(git -C "$REPO" ls-tree -r --name-only HEAD | grep -vE '^(cp8|deploy/swarm|tests/swarm)/|^tests/checkpoints/test_cp8\.py$' | sort) \
    <(cd "$dir" && find . -type f -printf '%P\n' | grep -vx ReadMe.txt | sort)
  [ ! -e "$dir/cp8" ] && [ ! -e "$dir/deploy/swarm" ] && [ ! -e "$dir/tests/swarm" ] && [ ! -e "$dir/tests/checkpoints/test_cp8.py" ]
  [ -d "$dir/cp7" ] && [ -d "$dir/deploy/kubernetes" ] && [ -f "$dir/tests/checkpoints/test_checkpoints.py" ]
  diff <(git -C "$REPO" show HEAD:Package.swift) "$dir/Package.swift"
  grep -q "Cette étape ajoute tout le reste du projet" "$dir/ReadMe.txt"
  grep -q "^  fichiers   deploy/swarm$" "$dir/ReadMe.txt"
}

@test "cp8 is the whole project: every tracked file, Package.swift unchanged; diff cp7 -> cp8 is step 8's paths" {
  local dir=$BATS_TEST_TMPDIR/cp8
  "$EXPORT" cp8 "$dir"
  diff <(git -C "$REPO" ls-tree -r --name-only HEAD | sort) <(cd "$dir" && find . -type f -printf '%P\n' | grep -vx ReadMe.txt | sort)
  diff <(git -C "$REPO" show HEAD:Package.swift) "$dir/Package.swift"
  head -n 1 "$dir/ReadMe.txt" | grep -qx "Hublot, étape cp8 : version 8 sur 8 du projet"
  grep -q "^Cet arbre est le projet entier" "$dir/ReadMe.txt"
  grep -q "^  fichiers   tests/checkpoints/test_cp8.py$" "$dir/ReadMe.txt"
  "$EXPORT" 7 "$BATS_TEST_TMPDIR/cp7"
  cd "$BATS_TEST_TMPDIR"
  run diff -rq cp7 cp8
  [ "$status" -eq 1 ]
  [ "$output" = "Files cp7/ReadMe.txt and cp8/ReadMe.txt differ
Only in cp8: cp8
Only in cp8/deploy: swarm
Only in cp8/tests/checkpoints: test_cp8.py
Only in cp8/tests: swarm" ]
}

@test "an export before cp4 builds no image, and says so; asking for one names the missing Dockerfile" {
  "$EXPORT" 1 "$BATS_TEST_TMPDIR/cp1"
  run --separate-stderr "$BATS_TEST_TMPDIR/cp1/scripts/build-images" --dry-run
  [ "$status" -eq 0 ]
  [[ "$stderr" == *"no image to build: this tree has neither docker/hublot.Dockerfile nor docker/init.Dockerfile"* ]]
  [ -z "$output" ]
  run --separate-stderr "$BATS_TEST_TMPDIR/cp1/scripts/build-images" --dry-run hublot-init
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"hublot-init needs docker/init.Dockerfile, which this tree does not have"* ]]
  "$EXPORT" 4 "$BATS_TEST_TMPDIR/cp4"
  run --separate-stderr "$BATS_TEST_TMPDIR/cp4/scripts/build-images" --dry-run
  [ "$status" -eq 0 ]
  [ "$(grep -c '^would run: docker buildx build' <<<"$output")" -eq 1 ]
  [[ "$output" == *"-f $BATS_TEST_TMPDIR/cp4/docker/init.Dockerfile"* ]]
}

# A clone of this repository whose manifest is edited and committed.
clone_with_steps() {
  local clone=$BATS_TEST_TMPDIR/clone
  git clone -q --shared "$REPO" "$clone"
  (cd "$clone" && git checkout -q --detach "$(git -C "$REPO" rev-parse HEAD)")
  sed -i -E "$1" "$clone/scripts/checkpoint-steps"
  git -C "$clone" -c user.name=test -c user.email=test@example.invalid commit -q -am "edited steps"
  printf '%s\n' "$clone"
}

@test "a target whose dependency comes later is refused, naming both" {
  local clone
  clone=$(clone_with_steps 's/^1 target HublotAPI$/3 target HublotAPI/')
  run --separate-stderr "$clone/scripts/export-checkpoint" 2 "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"target HublotCore depends on HublotAPI, which comes at a later step"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/out" ]
}

@test "a malformed manifest line, an unknown target or a missing path is refused" {
  local clone
  clone=$(clone_with_steps 's/^2 path cp2$/2 file cp2/')
  run --separate-stderr "$clone/scripts/export-checkpoint" 2 "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"scripts/checkpoint-steps line "*": unknown kind 'file' (path, target or product)"* ]]
  rm -rf "$BATS_TEST_TMPDIR/clone"
  clone=$(clone_with_steps 's/^2 target HublotHTTP$/2 target HublotHTTPS/')
  run --separate-stderr "$clone/scripts/export-checkpoint" 2 "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"Package.swift has no target HublotHTTPS"* ]]
  rm -rf "$BATS_TEST_TMPDIR/clone"
  clone=$(clone_with_steps 's/^2 path cp2$/2 path cp2-missing/')
  run --separate-stderr "$clone/scripts/export-checkpoint" 2 "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"a path of scripts/checkpoint-steps is missing from commit"* ]]
  # From step 7 on too, for a path of a later step (excluded) as for one of an earlier step.
  rm -rf "$BATS_TEST_TMPDIR/clone" "$BATS_TEST_TMPDIR/out"
  clone=$(clone_with_steps 's/^8 path deploy\/swarm$/8 path deploy\/swarms/')
  run --separate-stderr "$clone/scripts/export-checkpoint" 7 "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"a path of scripts/checkpoint-steps is missing from commit "*": deploy/swarms"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/out" ]
}

@test "a step after 7 that adds a target, or a step after 8, is refused" {
  local clone
  clone=$(clone_with_steps 's/^5 target HublotFront$/8 target HublotFront/')
  run --separate-stderr "$clone/scripts/export-checkpoint" 8 "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"scripts/checkpoint-steps line "*": a step after 7 adds paths only (its Package.swift is whole)"* ]]
  rm -rf "$BATS_TEST_TMPDIR/clone"
  clone=$(clone_with_steps 's/^8 path cp8$/9 path cp8/')
  run --separate-stderr "$clone/scripts/export-checkpoint" 8 "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"scripts/checkpoint-steps line "*": expected 'STEP KIND NAME' with STEP 1-8"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/out" ]
}

@test "a commit whose manifest has no step 8 (an older one) does not pass its whole project for cp8" {
  local clone
  clone=$(clone_with_steps '/^8 /d')
  run --separate-stderr "$clone/scripts/export-checkpoint" 8 "$BATS_TEST_TMPDIR/out"
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"scripts/checkpoint-steps of commit "*" has no step 8 (an older commit?)"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/out" ]
  "$clone/scripts/export-checkpoint" 7 "$BATS_TEST_TMPDIR/cp7"
  [ -d "$BATS_TEST_TMPDIR/cp7/cp8" ] && [ -d "$BATS_TEST_TMPDIR/cp7/deploy/swarm" ]
}

@test "./preload -d --dry-run in the exports (fake host): only the images whose Dockerfile the step has" {
  local n
  for n in 1 4 6; do "$EXPORT" "$n" "$BATS_TEST_TMPDIR/cp$n"; done   # before the fakes (git is one of them)
  load fake-host
  fake_host_setup
  run "$BATS_TEST_TMPDIR/cp1/preload" -d --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"skipped: this tree has no docker/*.Dockerfile (a checkpoint's export before cp4)"* ]]
  [[ "$output" == *"✓ project images: none at this step (docker/init.Dockerfile comes with cp4)"* ]]
  [[ "$output" != *"build the project images"* ]]
  for n in 4 6; do
    run "$BATS_TEST_TMPDIR/cp$n/preload" -d --dry-run
    [ "$status" -eq 0 ]
    # buildx when the fake host has it, else BuildKit through docker build (scripts/build-images).
    [ "$(grep -cE 'would run: (docker buildx build|env DOCKER_BUILDKIT=1 docker build) ' <<<"$output")" -eq 1 ]
    [[ "$output" == *"-f $BATS_TEST_TMPDIR/cp$n/docker/init.Dockerfile -t hublot-init:latest"* ]]
    [[ "$output" != *"hublot.Dockerfile"* ]]
  done
}
