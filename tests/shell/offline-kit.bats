#!/usr/bin/env bats
# scripts/offline-kit: its plan in --dry-run (nothing written), and `check` on a
# small hand-made kit (a real run: checksums, images, wheels, ONNX Runtime, the
# Swift toolchain and a pinned package mirror). No Docker, no network.

bats_require_minimum_version 1.5.0

KIT_SCRIPT="$BATS_TEST_DIRNAME/../../scripts/offline-kit"

setup() {
  KIT=$BATS_TEST_TMPDIR/kit
  export HUBLOT_SWIFT_TOOLCHAIN=$BATS_TEST_TMPDIR/toolchain HUBLOT_SWIFT_PACKAGES=$BATS_TEST_TMPDIR/mirror
  export VENV=$BATS_TEST_TMPDIR/venv ORT_PREFIX=$BATS_TEST_TMPDIR/usr-local
  unset HUBLOT_PACKAGE_RESOLVED
}

# A kit that `check` accepts, with one pinned package (its own Package.resolved).
small_kit() {
  local work=$BATS_TEST_TMPDIR/work repo revision
  mkdir -p "$work/ort/lib" "$work/ort/include/onnxruntime" "$work/swift/usr/bin" "$KIT/images" "$KIT/wheels" \
           "$KIT/onnxruntime" "$KIT/swift" "$KIT/swift-packages/example"
  printf '[{"RepoTags":[%s]}]\n' '"debian:trixie-slim","hublot-init:latest","hublot-builder:latest","hublot-classifier:latest","hublot-front:latest"' \
    >"$work/manifest.json"
  tar -cf "$KIT/images/hublot-images.tar" -C "$work" manifest.json
  touch "$KIT/wheels/onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl" "$KIT/wheels/tensorflow_cpu-2.21.0-cp313-cp313-manylinux_2_27_x86_64.whl"
  touch "$work/ort/lib/libonnxruntime.so"
  tar -czf "$KIT/onnxruntime/onnxruntime.tar.gz" -C "$work/ort" lib/libonnxruntime.so include/onnxruntime
  echo swift >"$work/swift/usr/bin/swift"
  tar -czf "$KIT/swift/swift-toolchain.tar.gz" -C "$work/swift" .
  repo=$work/package
  git init -q "$repo" && git -C "$repo" -c user.name=t -c user.email=t@t commit -q --allow-empty -m pinned
  revision=$(git -C "$repo" rev-parse HEAD)
  git clone -q --mirror "$repo" "$KIT/swift-packages/example/package.git"
  printf '{"pins":[{"location":"https://github.com/example/package.git","state":{"revision":"%s"}}]}\n' "$revision" \
    >"$work/Package.resolved"
  export HUBLOT_PACKAGE_RESOLVED=$work/Package.resolved
  (cd "$KIT" && find . -type f ! -name 'SHA256SUMS*' -print0 | sort -z | xargs -0 sha256sum >SHA256SUMS.new && mv SHA256SUMS.new SHA256SUMS)
}

@test "no command: the usage on stderr, exit 2; --help: on stdout, exit 0" {
  run --separate-stderr "$KIT_SCRIPT"
  [ "$status" -eq 2 ]
  [[ "$stderr" == "Usage: scripts/offline-kit make DIR [--dry-run]"* ]]
  run --separate-stderr "$KIT_SCRIPT" --help
  [ "$status" -eq 0 ]
  [[ "$output" == "Usage: scripts/offline-kit make DIR [--dry-run]"* ]]
  run "$KIT_SCRIPT" make "$KIT" --bogus
  [ "$status" -eq 2 ]
}

@test "make --dry-run: every part of the kit is planned, nothing is written" {
  mkdir -p "$HUBLOT_SWIFT_PACKAGES/apple/swift-nio.git"
  run --separate-stderr "$KIT_SCRIPT" make "$KIT" --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"would run: docker save -o $KIT/images/hublot-images.tar debian:trixie-slim hublot-init:latest hublot-builder:latest hublot-classifier:latest hublot-front:latest"* ]]
  [[ "$output" == *"would run: $VENV/bin/python -m pip download -q --disable-pip-version-check -d $KIT/wheels -r "*"/init/requirements.txt"* ]]
  [[ "$output" == *"-d $KIT/wheels -r "*"/tests/requirements.txt"* ]]
  [[ "$output" == *"onnxruntime==1.32.0"* ]]
  [[ "$output" == *"would run: tar -czf $KIT/onnxruntime/onnxruntime.tar.gz -C $ORT_PREFIX lib/libonnxruntime.so "*" include/onnxruntime"* ]]
  [[ "$output" == *"would run: tar -czf $KIT/swift/swift-toolchain.tar.gz -C $HUBLOT_SWIFT_TOOLCHAIN ."* ]]
  # One line per pin of Package.resolved: copied from the local mirror, else cloned.
  [ "$(grep -cE '^would run: (cp -a|git clone)' <<<"$output")" -eq "$(grep -c '"location"' "$BATS_TEST_DIRNAME/../../Package.resolved")" ]
  [[ "$output" == *"would run: cp -a $HUBLOT_SWIFT_PACKAGES/apple/swift-nio.git $KIT/swift-packages/apple/swift-nio.git"* ]]
  [[ "$output" == *"would run: git clone -q --mirror https://github.com/hummingbird-project/hummingbird.git $KIT/swift-packages/hummingbird-project/hummingbird.git"* ]]
  [[ "$output" == *"SHA256SUMS"* ]]
  [ ! -e "$KIT" ]
}

@test "check --dry-run: what would be checked, nothing read" {
  run --separate-stderr "$KIT_SCRIPT" check "$KIT" --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"would check: (cd $KIT && sha256sum -c --quiet SHA256SUMS)"* ]]
  [[ "$output" == *"would check: $KIT/swift-packages holds each pin of Package.resolved at its revision"* ]]
  [ ! -e "$KIT" ]
}

@test "check on a complete kit: every part ✓, exit 0" {
  small_kit
  run "$KIT_SCRIPT" check "$KIT"
  [ "$status" -eq 0 ]
  [[ "$output" == *"✓ checksums"* && "$output" == *"✓ image hublot-front:latest"* ]]
  [[ "$output" == *"✓ wheelhouse (2 wheels)"* && "$output" == *"✓ ONNX Runtime"* && "$output" == *"✓ Swift toolchain"* ]]
  [[ "$output" == *"✓ 1 Swift package(s) at their pinned revision"* ]]
  [[ "$output" == *"the kit in $KIT is complete"* ]]
}

@test "check: a damaged file, a missing image and a package without its revision are each ✗, exit 1" {
  small_kit
  echo damaged >>"$KIT/onnxruntime/onnxruntime.tar.gz"
  sed -i 's/"hublot-front:latest"/"other:latest"/' "$BATS_TEST_TMPDIR/work/manifest.json"
  tar -cf "$KIT/images/hublot-images.tar" -C "$BATS_TEST_TMPDIR/work" manifest.json
  sed -i 's/"revision":"[0-9a-f]*"/"revision":"0123456789012345678901234567890123456789"/' "$HUBLOT_PACKAGE_RESOLVED"
  run "$KIT_SCRIPT" check "$KIT"
  [ "$status" -eq 1 ]
  [[ "$output" == *"✗ checksums"* ]]
  [[ "$output" == *"✗ image hublot-front:latest not in images/hublot-images.tar"* ]]
  [[ "$output" == *"✗ Swift package example/package.git missing, or without revision 0123456789012345678901234567890123456789"* ]]
  [[ "$output" == *"the kit in $KIT is incomplete"* ]]
}

@test "check of a folder that is not a kit: says so, exit 1" {
  mkdir -p "$KIT"
  run "$KIT_SCRIPT" check "$KIT"
  [ "$status" -eq 1 ]
  [[ "$output" == *"$KIT/SHA256SUMS missing: not a kit"* ]]
}

@test "make refuses a folder that already holds a kit" {
  small_kit
  run "$KIT_SCRIPT" make "$KIT"
  [ "$status" -eq 1 ]
  [[ "$output" == *"$KIT already holds a kit"* ]]
}
