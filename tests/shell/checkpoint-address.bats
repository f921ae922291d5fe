#!/usr/bin/env bats
# Where the checkpoints' servers listen and publish (scripts/lib/checkpoint.sh):
# 127.0.0.1 unless HUBLOT_PUBLISH_ADDRESS says otherwise; every `docker run -p`
# and host server of the go scripts uses it. Nothing here starts a server.

bats_require_minimum_version 1.5.0

REPO="$BATS_TEST_DIRNAME/../.."

# Sources checkpoint.sh in a subshell and prints the two addresses.
addresses() {
  ROOT=$REPO bash -c 'source "$ROOT/scripts/lib/checkpoint.sh"; echo "$PUBLISH_ADDRESS $REACH_ADDRESS $HUBLOT_PUBLISH_ADDRESS"'
}

@test "default: published and reached on 127.0.0.1" {
  unset HUBLOT_PUBLISH_ADDRESS
  run addresses
  [ "$status" -eq 0 ]
  [ "$output" = "127.0.0.1 127.0.0.1 127.0.0.1" ]
}

@test "HUBLOT_PUBLISH_ADDRESS=0.0.0.0: every interface, the checks still reach 127.0.0.1" {
  HUBLOT_PUBLISH_ADDRESS=0.0.0.0 run addresses
  [ "$status" -eq 0 ]
  [ "$output" = "0.0.0.0 127.0.0.1 0.0.0.0" ]
}

@test "HUBLOT_PUBLISH_ADDRESS set to one address: published and reached there" {
  HUBLOT_PUBLISH_ADDRESS=192.168.1.20 run addresses
  [ "$output" = "192.168.1.20 192.168.1.20 192.168.1.20" ]
}

@test "HUBLOT_PUBLISH_ADDRESS not an IPv4 address: the go script stops with a message" {
  HUBLOT_PUBLISH_ADDRESS=everywhere run --separate-stderr "$REPO/cp3/go" --help
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"HUBLOT_PUBLISH_ADDRESS=everywhere is not an IPv4 address (127.0.0.1: this machine only, the default; 0.0.0.0: every interface)"* ]]
}

@test "every docker run -p of the go scripts names its host address" {
  local published bare
  published=$(grep -h 'docker run' "$REPO"/cp*/go | grep -oE -- ' -p "?[^ ]+' | sed 's/^ //')
  [ -n "$published" ]
  # -p ADDRESS:PORT:8000 with ADDRESS the variable, or 127.0.0.1 (cp5's classifier, never shown).
  bare=$(grep -vE -- '^-p "?(\$PUBLISH_ADDRESS|127\.0\.0\.1):' <<<"$published" || true)
  [ -z "$bare" ] || { echo "published without an address: $bare" >&2; return 1; }
  grep -q -- '-p "$PUBLISH_ADDRESS:$PORT:8000"' "$REPO/cp3/go"
  grep -q -- '-p "$PUBLISH_ADDRESS:$PORT:8000"' "$REPO/cp4/go"
}

@test "the go scripts' host servers listen on the publish address" {
  grep -q -- '--host "$PUBLISH_ADDRESS"' "$REPO/cp2/go"
  grep -q -- '--host "$PUBLISH_ADDRESS"' "$REPO/cp5/go"
  if grep -nE -- '--host (0\.0\.0\.0|"?127\.0\.0\.1)' "$REPO"/cp*/go; then return 1; fi
}

@test "the default address is defined once, in checkpoint.sh" {
  [ "$(grep -c 'HUBLOT_PUBLISH_ADDRESS:-127.0.0.1' "$REPO/scripts/lib/checkpoint.sh")" -eq 1 ]
  if grep -n 'HUBLOT_PUBLISH_ADDRESS:-' "$REPO"/cp*/go; then return 1; fi
}
