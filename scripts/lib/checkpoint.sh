#!/usr/bin/env bash
# Shared by the checkpoints' `go` scripts (cp1/go ... cp7/go): messages, bounded
# waits, the cat check, and what several steps need (host binaries, the models
# folder, host-built images). Sourced, never run; needs ROOT set to the repository.
# shellcheck shell=bash

# shellcheck source=scripts/lib/image-metadata.sh
source "$ROOT/scripts/lib/image-metadata.sh"

PHOTOS=${HUBLOT_TEST_PHOTOS:-$ROOT/samples}
CAT=$PHOTOS/cat.jpg
# The host's model repository before cp4 (the one `make models` fills).
HOST_MODELS=${HUBLOT_HOST_MODELS:-$ROOT/.cache/models}
MODEL=${HUBLOT_MODEL:-efficientnet_lite0}
# Where the go scripts gather what a host-built image contains.
STAGE=$ROOT/.cache/checkpoints
# Classes a good model puts first for cat.jpg (samples/README.md).
CAT_CLASSES='tabby|tiger cat|Egyptian cat'

say() { printf '==> %s\n' "$*"; }
die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# The address the checkpoints' servers listen on (cp2, cp5's host front) and
# their ports are published on (docker run -p, the compose files): this machine
# only by default. HUBLOT_PUBLISH_ADDRESS=0.0.0.0 publishes on every interface
# (to show the site to the room), or give one of this machine's IPv4 addresses.
# The checks reach the servers on REACH_ADDRESS (127.0.0.1 for 0.0.0.0).
PUBLISH_ADDRESS=${HUBLOT_PUBLISH_ADDRESS:-127.0.0.1}
[[ $PUBLISH_ADDRESS =~ ^([0-9]{1,3}\.){3}[0-9]{1,3}$ ]] \
  || die "HUBLOT_PUBLISH_ADDRESS=$PUBLISH_ADDRESS is not an IPv4 address (127.0.0.1: this machine only, the default; 0.0.0.0: every interface)"
export HUBLOT_PUBLISH_ADDRESS=$PUBLISH_ADDRESS   # read by compose.yaml and cp6/compose.yaml
if [ "$PUBLISH_ADDRESS" = 0.0.0.0 ]; then REACH_ADDRESS=127.0.0.1; else REACH_ADDRESS=$PUBLISH_ADDRESS; fi

# Prints the options every go script knows.
go_usage() {
  printf 'Usage: %s [--keep]\n  --keep   leave what the step started running (default: stop and remove it)\n' "$1"
}

# Fails unless the photo the checks send exists.
need_cat() {
  [ -f "$CAT" ] || die "missing $CAT (set HUBLOT_TEST_PHOTOS to the folder of the test photos)"
}

# need_command NAME HINT: fails with HINT when NAME is not on PATH.
need_command() {
  command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"
}

# Fails unless the Docker daemon answers.
need_docker() {
  need_command docker "install Docker (./preload)"
  docker info >/dev/null 2>&1 || die "the Docker daemon does not answer (./preload, or scripts/docker-engine --start)"
}

# need_free_port PORT VARIABLE [ADDRESS]: fails when something already listens on
# ADDRESS:PORT (default REACH_ADDRESS).
need_free_port() {
  if (exec 3<>"/dev/tcp/${3:-$REACH_ADDRESS}/$1") 2>/dev/null; then
    die "port $1 is already in use (choose another with $2=PORT)"
  fi
}

# wait_http URL SECONDS: until URL answers 2xx; returns 1 (with a message) after SECONDS.
wait_http() {
  local url=$1 limit=$2 waited=0
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    waited=$((waited + 1))
    if [ "$waited" -ge "$limit" ]; then
      printf '%s: error: %s did not answer within %s s\n' "${0##*/}" "$url" "$limit" >&2
      return 1
    fi
    sleep 1
  done
}

# classify URL IMAGE: POSTs the image as its raw bytes, prints the JSON answer.
classify() {
  curl -fsS --max-time 30 -H 'Content-Type: image/jpeg' --data-binary "@$2" "$1"
}

# check_cat JSON: fails unless the first predicted label is a cat; prints it.
check_cat() {
  local label
  label=$(printf '%s' "$1" | grep -oE '"label" *: *"[^"]*"' | head -n 1 | sed -E 's/.*: *"([^"]*)"/\1/')
  [ -n "$label" ] || die "no prediction in the answer: $1"
  printf '%s\n' "$label" | grep -qxE "$CAT_CLASSES" || die "cat.jpg classified as '$label', expected one of: $CAT_CLASSES"
  say "cat.jpg -> $label (OK)"
}

# host_build PRODUCT: release build on the host, the Swift stdlib linked in; prints the binary's path.
# HUBLOT_SCRATCH_PATH: SwiftPM's build folder (--scratch-path) instead of .build, e.g. one
# shared by several checkpoints' exports so that they compile the packages once.
host_build() {
  need_command swift "install the Swift toolchain (./preload)"
  local scratch=()
  [ -z "${HUBLOT_SCRATCH_PATH:-}" ] || scratch=(--scratch-path "$HUBLOT_SCRATCH_PATH")
  (cd "$ROOT" && swift build "${scratch[@]}" -c release --static-swift-stdlib --product "$1" >&2)
  printf '%s/%s\n' "$(cd "$ROOT" && swift build "${scratch[@]}" -c release --show-bin-path)" "$1"
}

# host_models: prepares the model into the host's repository with the host's Python (cached: instant);
# HUBLOT_INIT: another hublot-init than .venv's (e.g. a checkpoint's export using the main tree's .venv).
host_models() {
  local init=${HUBLOT_INIT:-$ROOT/.venv/bin/hublot-init}
  [ -x "$init" ] || die "$init not found: run ./preload (or make venv; HUBLOT_INIT names another hublot-init)"
  "$init" prepare "$MODEL" --repo "$HOST_MODELS"
}

# stage_classifier_image: the image of cp3 (cp3/Dockerfile), from the host-built classifier.
stage_classifier_image() {
  local bin context=$STAGE/classifier
  bin=$(host_build hublot-classifier)
  rm -rf "$context" && mkdir -p "$context/lib"
  cp "$bin" "$context/"
  cp -r "$(dirname "$bin")/hublot_HublotClassifier.resources" "$context/"
  strip "$context/hublot-classifier"
  cp -P /usr/local/lib/libonnxruntime.so* "$context/lib/" \
    || die "ONNX Runtime not found in /usr/local/lib (./preload installs it)"
  say "building hublot-classifier:host (cp3/Dockerfile)"
  image_metadata
  docker build -q "${IMAGE_LABEL_ARGS[@]}" -f "$ROOT/cp3/Dockerfile" -t hublot-classifier:host "$context" >/dev/null
}

# stage_front_image: the image of cp6 (cp6/Dockerfile), from the host-built front.
stage_front_image() {
  local bin context=$STAGE/front
  bin=$(host_build hublot-front)
  rm -rf "$context" && mkdir -p "$context"
  cp "$bin" "$context/"
  cp -r "$(dirname "$bin")/hublot_HublotFront.resources" "$context/"
  strip "$context/hublot-front"
  cp "$ROOT/docker/minimal-root" "$context/"
  say "building hublot-front:host (cp6/Dockerfile)"
  image_metadata
  docker build -q "${IMAGE_LABEL_ARGS[@]}" -f "$ROOT/cp6/Dockerfile" -t hublot-front:host "$context" >/dev/null
}

# init_image: the hublot-init image (docker/init.Dockerfile: Python, TensorFlow, tf2onnx).
init_image() {
  "$ROOT/scripts/build-images" hublot-init
}

# image_size IMAGE: its size in MB.
image_size() {
  docker image inspect -f '{{.Size}}' "$1" | awk '{printf "%.0f MB\n", $1 / 1e6}'
}

# compose_command FILE PROJECT [v2]: sets COMPOSE to the Compose command on FILE
# and PROJECT (COMPOSE_NAME: how to call it in messages): Compose v2 (`docker compose`), else Compose v1 (`docker-compose`
# 1.29+, Debian 12's package), unless v2 is asked for (cp7's compose.yaml needs it).
compose_command() {
  local version
  COMPOSE_PROJECT=$2
  if docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose -f "$1" -p "$2") COMPOSE_V1=0 COMPOSE_NAME="docker compose"
    return 0
  fi
  [ "${3:-}" != v2 ] || die "Docker Compose v2 is missing (./preload -e installs Docker Engine with it)"
  command -v docker-compose >/dev/null 2>&1 \
    || die "Docker Compose is missing (./preload installs it)"
  version=$(docker-compose version --short 2>/dev/null || echo 0)
  [ "$(printf '%s\n1.29\n' "$version" | sort -V | head -n 1)" = 1.29 ] \
    || die "docker-compose $version is too old: Compose v2, or v1 1.29 or later, is needed (./preload)"
  COMPOSE=(docker-compose -f "$1" -p "$2") COMPOSE_V1=1 COMPOSE_NAME=docker-compose
}

# compose_containers: ids of the containers of COMPOSE_PROJECT, stopped ones too.
compose_containers() {
  docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT"
}

# compose_up SECONDS: `up -d`, then waits until every container of the project
# is running and healthy when it has a healthcheck, or exited 0 when it has
# none (init); fails after SECONDS with the logs. Compose v2 waits by itself
# (--wait); v1 has no --wait, so the containers' states are polled.
compose_up() {
  local limit=$1 waited=0 id state pending
  if [ "$COMPOSE_V1" = 0 ]; then
    "${COMPOSE[@]}" up -d --wait
    return 0
  fi
  "${COMPOSE[@]}" up -d
  while :; do
    pending=()
    for id in $(compose_containers); do
      state=$(docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.State.ExitCode}}' "$id")
      case "$state" in
        *" running healthy "*|*" exited none 0") ;;
        *" exited "*) "${COMPOSE[@]}" logs >&2; die "a container stopped: $state" ;;
        *) pending+=("${state%% *}") ;;
      esac
    done
    [ "${#pending[@]}" -gt 0 ] || return 0
    waited=$((waited + 1))
    if [ "$waited" -ge "$limit" ]; then
      "${COMPOSE[@]}" logs >&2
      die "not healthy after $limit s: ${pending[*]}"
    fi
    sleep 1
  done
}

# compose_down: stops the stack (SIGTERM), checks that no container had to be
# killed when the grace period ran out (exit code 137), then removes the
# containers; the volumes stay. Prints how long it took.
compose_down() {
  local begin service code killed=()
  begin=$(date +%s)
  "${COMPOSE[@]}" stop
  while read -r service code; do
    [ -n "$service" ] || continue
    if [ "$code" = 137 ]; then killed+=("$service"); fi
  done < <(compose_containers | xargs -r docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}} {{.State.ExitCode}}')
  "${COMPOSE[@]}" down
  say "$COMPOSE_NAME stop + down took $(( $(date +%s) - begin )) s (the volume is kept; down -v clears it)"
  [ "${#killed[@]}" -eq 0 ] || die "killed after the grace period (SIGTERM ignored): ${killed[*]}"
  say "every container stopped cleanly on SIGTERM"
}
