#!/usr/bin/env bash
# The OCI metadata every Hublot image carries (org.opencontainers.image.*
# labels, declared as build arguments in the Dockerfiles): the version from
# VERSION, the revision (git commit) and the source. Sourced by
# scripts/build-images, the checkpoints' go scripts; needs ROOT set to the repository.
# shellcheck shell=bash

# Sets and exports HUBLOT_VERSION (always VERSION's), HUBLOT_REVISION (default:
# git rev-parse HEAD, else "unknown") and HUBLOT_SOURCE (default: the origin
# remote's URL without credentials, else "unknown"), and IMAGE_LABEL_ARGS (the
# matching --build-arg flags).
image_metadata() {
  HUBLOT_VERSION=$(tr -d '[:space:]' < "$ROOT/VERSION")
  [ -n "$HUBLOT_VERSION" ] || { printf 'image metadata: %s/VERSION is empty\n' "$ROOT" >&2; return 1; }
  if [ -z "${HUBLOT_REVISION:-}" ]; then
    HUBLOT_REVISION=$(git -C "$ROOT" rev-parse --verify -q HEAD 2>/dev/null || true)
  fi
  if [ -z "${HUBLOT_SOURCE:-}" ]; then
    HUBLOT_SOURCE=$(git -C "$ROOT" remote get-url origin 2>/dev/null | sed -E 's#^([a-z+]+://)[^/@]*@#\1#' || true)
  fi
  HUBLOT_REVISION=${HUBLOT_REVISION:-unknown}
  HUBLOT_SOURCE=${HUBLOT_SOURCE:-unknown}
  export HUBLOT_VERSION HUBLOT_REVISION HUBLOT_SOURCE
  # shellcheck disable=SC2034  # read by the scripts that source this file
  IMAGE_LABEL_ARGS=(
    --build-arg "HUBLOT_VERSION=$HUBLOT_VERSION"
    --build-arg "HUBLOT_REVISION=$HUBLOT_REVISION"
    --build-arg "HUBLOT_SOURCE=$HUBLOT_SOURCE"
  )
}
