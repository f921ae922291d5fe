#!/usr/bin/env bats
# The OCI metadata of the images (scripts/lib/image-metadata.sh) and the tags
# and build arguments scripts/build-images passes (its --dry-run: no Docker).

bats_require_minimum_version 1.5.0

REPO="$BATS_TEST_DIRNAME/../.."

# A throw-away repository holding VERSION, with a commit unless told otherwise.
make_repo() {
  ROOT="$BATS_TEST_TMPDIR/repo"
  mkdir -p "$ROOT" && echo "$1" > "$ROOT/VERSION"
  git -C "$ROOT" init -q
  if [ "${2:-commit}" = commit ]; then
    git -C "$ROOT" -c user.name=t -c user.email=t@t add VERSION
    git -C "$ROOT" -c user.name=t -c user.email=t@t commit -q -m v
  fi
}

metadata() {
  # shellcheck source=scripts/lib/image-metadata.sh
  source "$REPO/scripts/lib/image-metadata.sh"
  image_metadata || return
  printf '%s|%s|%s\n' "$HUBLOT_VERSION" "$HUBLOT_REVISION" "$HUBLOT_SOURCE"
  printf '%s\n' "${IMAGE_LABEL_ARGS[@]}"
}

@test "version from VERSION, revision = the commit, source = origin without credentials" {
  make_repo 9.8.7
  git -C "$ROOT" remote add origin https://user:secret@example.org/team/hublot.git
  unset HUBLOT_REVISION HUBLOT_SOURCE
  run metadata
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "9.8.7|$(git -C "$ROOT" rev-parse HEAD)|https://example.org/team/hublot.git" ]
  [ "${lines[1]}" = --build-arg ] && [ "${lines[2]}" = HUBLOT_VERSION=9.8.7 ]
  [[ "$output" != *secret* ]]
}

@test "no commit and no remote: revision and source are unknown" {
  make_repo 1.0.0 no-commit
  unset HUBLOT_REVISION HUBLOT_SOURCE
  run metadata
  [ "${lines[0]}" = "1.0.0|unknown|unknown" ]
}

@test "HUBLOT_REVISION and HUBLOT_SOURCE override git; VERSION always wins for the version" {
  make_repo 2.0.0
  HUBLOT_VERSION=6.6.6 HUBLOT_REVISION=abc123 HUBLOT_SOURCE=https://example.org/x run metadata
  [ "${lines[0]}" = "2.0.0|abc123|https://example.org/x" ]
}

@test "an empty VERSION is an error" {
  make_repo ""
  run metadata
  [ "$status" -ne 0 ]
  [[ "$output" == *"VERSION is empty"* ]]
}

@test "build-images tags every image with latest and the version, and passes the label arguments" {
  version=$(tr -d '[:space:]' < "$REPO/VERSION")
  HUBLOT_REVISION=0123abcd HUBLOT_SOURCE=https://example.org/hublot run "$REPO/scripts/build-images" --dry-run
  [ "$status" -eq 0 ]
  [ "$(grep -c '^would run: docker buildx build' <<<"$output")" -eq 4 ]
  for image in hublot-builder hublot-classifier hublot-front hublot-init; do
    line=$(grep -- "-t $image:latest" <<<"$output")
    [[ "$line" == *"-t $image:latest -t $image:$version "* ]]
    [[ "$line" == *"--build-arg HUBLOT_VERSION=$version --build-arg HUBLOT_REVISION=0123abcd --build-arg HUBLOT_SOURCE=https://example.org/hublot"* ]]
  done
}
