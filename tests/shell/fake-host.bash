# shellcheck shell=bash
# shellcheck disable=SC2016  # the fakes' bodies are scripts: expanded when they run
# A fake Ubuntu/Debian host for preload's tests: PATH holds only fake system
# commands (docker, dockerd, apt-get, apt-cache, dpkg, dpkg-query, systemctl,
# curl, sudo, id, usermod, pkill, swift, git, python3, pkg-config, uname) and
# links to harmless tools (coreutils, grep, sed, awk, tar, gzip). Every fake appends its command
# line to $FAKE_LOG. Their answers come from files in $FAKE_STATE, written by
# the helpers below. Nothing here can reach the real Docker, apt or network.

fake_host_setup() {
  FAKE=$BATS_TEST_TMPDIR/host
  export FAKE_STATE=$FAKE/state FAKE_LOG=$FAKE/calls.log
  mkdir -p "$FAKE/bin" "$FAKE/tools" "$FAKE_STATE"
  : >"$FAKE_LOG"
  local tool path
  for tool in bash sh cat sed awk grep head tail cut tr sort date mktemp rm mkdir \
              uname timeout sleep dirname basename tee wc env sha256sum ls chmod \
              touch readlink true false printf paste tar gzip cp; do
    path=$(PATH=/usr/bin:/bin command -v "$tool") && ln -s "$path" "$FAKE/tools/$tool"
  done
  export PATH=$FAKE/bin:$FAKE/tools
  export PRELOAD_OS_RELEASE=$FAKE/os-release PRELOAD_SYSTEMD_DIR=$FAKE/run-systemd
  export PRELOAD_PROC_VERSION=$FAKE/proc-version PRELOAD_SWIFT_HOME=$FAKE/opt-swift
  export PRELOAD_PROFILE_DIR=$FAKE/profile.d
  unset PRELOAD_SWIFT_PLATFORM PRELOAD_SWIFT_VERSION PRELOAD_SWIFT_DOWNLOADS PRELOAD_SWIFT_KEYS
  export PRELOAD_REACH_TIMEOUT=2
  # Inputs of the real scripts/ under --dry-run, kept away from this machine's.
  export VENV=$FAKE/venv HUBLOT_SWIFT_TOOLCHAIN=$FAKE/none HUBLOT_SWIFT_PACKAGES=$FAKE/none
  export HUBLOT_PIP_CA=$FAKE/none
  unset SUDO_USER PRELOAD_SCRIPTS
  echo "Linux version 6.1.0-test (gcc) #1 SMP" >"$FAKE/proc-version"
  os_debian12
  as_root_user
  fake_common_tools
}

# --- operating systems ---------------------------------------------------

os_debian12() {
  cat >"$PRELOAD_OS_RELEASE" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
ID=debian
VERSION_ID="12"
VERSION_CODENAME=bookworm
EOF
  candidates "docker.io 20.10.24+dfsg1-1+deb12u1" "docker-compose 1.29.2-3" \
             "containerd 1.6.20~ds1-1+deb12u1" "runc 1.1.5+ds1-1+deb12u1"
}

os_ubuntu2404() {
  cat >"$PRELOAD_OS_RELEASE" <<'EOF'
PRETTY_NAME="Ubuntu 24.04.1 LTS"
ID=ubuntu
ID_LIKE=debian
VERSION_ID="24.04"
VERSION_CODENAME=noble
UBUNTU_CODENAME=noble
EOF
  candidates "docker.io 24.0.7-0ubuntu4.1" "docker-compose-v2 2.24.6+ds1-0ubuntu1~24.04.1" \
             "docker-buildx 0.12.1-0ubuntu1~24.04.1" "docker-compose 1.29.2-6"
}

os_ubuntu2204() {
  cat >"$PRELOAD_OS_RELEASE" <<'EOF'
PRETTY_NAME="Ubuntu 22.04.5 LTS"
ID=ubuntu
ID_LIKE=debian
VERSION_ID="22.04"
VERSION_CODENAME=jammy
UBUNTU_CODENAME=jammy
EOF
  candidates "docker.io 24.0.7-0ubuntu2~22.04.1" "docker-compose-v2 2.24.7+ds1-0ubuntu2~22.04.1" \
             "docker-buildx 0.12.1-0ubuntu1~22.04.1" "docker-compose 1.29.2-1"
}

os_debian13() {
  cat >"$PRELOAD_OS_RELEASE" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 13 (trixie)"
ID=debian
VERSION_ID="13"
VERSION_CODENAME=trixie
EOF
  candidates "docker.io 26.1.5+dfsg1-9+b9" "docker-compose 2.26.1-4" "docker-buildx 0.13.1+ds1-3"
}

# Docker Desktop's engine, seen from WSL2 (no package installed in the distribution).
docker_desktop() {
  echo "27.2.0" >"$FAKE_STATE/docker-version"
  echo running >"$FAKE_STATE/daemon"
  echo "Docker Desktop" >"$FAKE_STATE/docker-os"
  echo "Docker Compose version v2.29.2-desktop.2" >"$FAKE_STATE/compose"
  echo "github.com/docker/buildx v0.16.2-desktop.1 08a8d4b" >"$FAKE_STATE/buildx"
  fake_docker
  rm "$FAKE/bin/dockerd"
}

os_fedora() {
  printf 'PRETTY_NAME="Fedora Linux 41"\nID=fedora\nVERSION_ID=41\n' >"$PRELOAD_OS_RELEASE"
}

# arch_aarch64: a 64-bit ARM machine (uname -m, dpkg --print-architecture).
arch_aarch64() { echo aarch64 >"$FAKE_STATE/arch"; }
# swift_org_reachable: download.swift.org and www.swift.org answer the fake curl.
swift_org_reachable() { touch "$FAKE_STATE/swift-org-reachable"; }
# no_swift: no swift command on PATH (the fake host has one otherwise).
no_swift() { rm -f "$FAKE/bin/swift"; }

wsl2() { echo "Linux version 5.15.153.1-microsoft-standard-WSL2" >"$PRELOAD_PROC_VERSION"; }
with_systemd() { mkdir -p "$PRELOAD_SYSTEMD_DIR"; }

# candidates "PKG VERSION"...: what apt-cache policy offers.
candidates() { printf '%s\n' "$@" >"$FAKE_STATE/candidates"; }
# more_candidates "PKG VERSION"...: offered too.
more_candidates() { printf '%s\n' "$@" >>"$FAKE_STATE/candidates"; }
# packages_missing PKG...: not installed (non-Docker packages are installed otherwise).
packages_missing() { printf '%s\n' "$@" >>"$FAKE_STATE/missing"; }
# installed PKG...: what dpkg-query reports installed (docker-related packages;
# every other package is installed unless listed in $FAKE_STATE/missing).
installed() { printf '%s\n' "$@" >>"$FAKE_STATE/installed"; }

# --- users ---------------------------------------------------------------

as_root_user() { export FAKE_UID=0 FAKE_USER=root; echo root >"$FAKE_STATE/groups-db"; echo root >"$FAKE_STATE/groups-session"; }
# as_student GROUPS: a user with sudo, in GROUPS (the group database and this session).
as_student() {
  export FAKE_UID=1000 FAKE_USER=student
  echo "student ${1:-}" >"$FAKE_STATE/groups-db"
  echo "student ${1:-}" >"$FAKE_STATE/groups-session"
}

# --- Docker situations -----------------------------------------------------

# The distribution's docker.io 20.10, running, without buildx or Compose v2.
docker_distro() {
  installed docker.io containerd runc
  echo "20.10.24+dfsg1" >"$FAKE_STATE/docker-version"
  echo 1.41 >"$FAKE_STATE/docker-api"
  echo running >"$FAKE_STATE/daemon"
  fake_docker
}

# Debian 12's docker-compose 1.29.2 (Compose v1), installed.
compose_v1_installed() {
  installed docker-compose
  fake docker-compose '[ "$*" = "version --short" ] && echo 1.29.2'
}

# Docker Engine from Docker's repository, running, with its plugins.
docker_engine() {
  installed docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin
  echo "27.3.1" >"$FAKE_STATE/docker-version"
  echo 1.47 >"$FAKE_STATE/docker-api"
  echo running >"$FAKE_STATE/daemon"
  echo "Docker Compose version v2.29.7" >"$FAKE_STATE/compose"
  echo "github.com/docker/buildx v0.17.1 257815a" >"$FAKE_STATE/buildx"
  fake_docker
}

base_image_present() { echo debian:trixie-slim >>"$FAKE_STATE/images"; }
docker_repo_reachable() { touch "$FAKE_STATE/docker-repo-reachable"; }

# --- the fakes -------------------------------------------------------------

fake() {
  local name=$1 body=$2
  printf '#!/usr/bin/env bash\necho "%s $*" >>"$FAKE_LOG"\nS=$FAKE_STATE\n%s\n' "$name" "$body" >"$FAKE/bin/$name"
  chmod +x "$FAKE/bin/$name"
}

fake_common_tools() {
  fake apt-get 'exit 0'
  fake systemctl 'exit 0'
  fake usermod 'exit 0'
  fake pkill 'exit 0'
  fake dpkg '[ "$1" = --print-architecture ] && { [ "$(cat "$S/arch" 2>/dev/null)" = aarch64 ] && echo arm64 || echo amd64; }; exit 0'
  fake uname 'case "$1" in -m) cat "$S/arch" 2>/dev/null || echo x86_64 ;; *) echo Linux ;; esac'
  fake apt-cache '[ "$*" = policy ] && { echo " 500 http://deb.debian.org/debian bookworm/main amd64 Packages"; exit 0; }
pkg=${@: -1}
v=$(awk -v p="$pkg" '\''$1 == p {print $2}'\'' "$S/candidates" 2>/dev/null)
[ -n "$v" ] && printf "%s:\n  Installed: (none)\n  Candidate: %s\n" "$pkg" "$v"
exit 0'
  fake dpkg-query 'pkg=${@: -1}
case "$pkg" in
  docker*|containerd*|runc|podman-docker) grep -qx "$pkg" "$S/installed" 2>/dev/null || exit 1 ;;
  *) ! grep -qx "$pkg" "$S/missing" 2>/dev/null || exit 1 ;;
esac
printf "install ok installed"'
  # Runs only fakes, never a real command as root.
  fake sudo '[ "$1" = -u ] && shift 2
case "$1" in
  env|timeout|"$(dirname "$0")"/*|"${PRELOAD_SCRIPTS:-/nonexistent}"/*) ;;
  *) [ -x "$(dirname "$0")/$1" ] || { echo "fake sudo: refusing $1" >&2; exit 99; } ;;
esac
FAKE_VIA_SUDO=1 exec "$@"'
  fake id 'case "$1" in
  -u) echo "$FAKE_UID" ;;
  -un) echo "$FAKE_USER" ;;
  -nG) if [ -n "${2:-}" ]; then cat "$S/groups-db"; else cat "$S/groups-session"; fi ;;
esac'
  fake curl 'case "$1" in
  --version) echo "curl 8.5.0 (x86_64-pc-linux-gnu) libcurl/8.5.0"; exit 0 ;;
esac
case "$*" in
  *swift.org*) [ -f "$S/swift-org-reachable" ] && exit 0
               echo "curl: (6) Could not resolve host: download.swift.org" >&2; exit 6 ;;
esac
[ -f "$S/docker-repo-reachable" ] && exit 0
echo "curl: (6) Could not resolve host: download.docker.com" >&2; exit 6'
  fake git 'echo "git version 2.43.0"'
  fake swift 'echo "Swift version $(cat "$S/swift-version" 2>/dev/null || echo 6.3.1) (swift-6.3.1-RELEASE)"'
  fake python3 'case "$1" in
  --version) echo "Python 3.12.3" ;;
  -c) [ ! -f "$S/no-venv" ] ;;
esac'
  fake pkg-config 'case "$1" in
  --exists) [ ! -f "$S/no-ort" ] ;;
  --modversion) [ ! -f "$S/no-ort" ] && echo 1.32.0 ;;
esac'
}

fake_docker() {
  fake dockerd 'echo "Docker version $(cat "$S/docker-version"), build 0000000"'
  # A "denied" daemon answers to root only (through sudo).
  fake docker 'daemon=$(cat "$S/daemon" 2>/dev/null || echo stopped)
[ "$daemon" = denied ] && [ "${FAKE_VIA_SUDO:-}" = 1 ] && daemon=running
answers() { [ "$daemon" = running ]; }
case "$1" in
  info)
    case "$daemon" in
      running) case "$*" in *OperatingSystem*) cat "$S/docker-os" 2>/dev/null || echo "Debian GNU/Linux 12 (bookworm)" ;; esac; exit 0 ;;
      denied) echo "permission denied while trying to connect to the Docker daemon socket" >&2; exit 1 ;;
      *) echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock" >&2; exit 1 ;;
    esac ;;
  version) answers || exit 1
           case "$*" in *APIVersion*) cat "$S/docker-api" ;; *) cat "$S/docker-version" ;; esac ;;
  compose|buildx)
    if [ "$2" = version ]; then [ -f "$S/$1" ] && cat "$S/$1"; exit; fi
    [ "$1 $2" = "buildx build" ] || exit 1
    for f in $(cat "$S/build-fails" 2>/dev/null); do case "${@: -1}" in */"$f") echo "ERROR: $f not supported" >&2; exit 1 ;; esac; done ;;
  build)
    for f in $(cat "$S/build-fails" 2>/dev/null); do case "${@: -1}" in */"$f") echo "ERROR: $f not supported" >&2; exit 1 ;; esac; done ;;
  image)
    case "$2" in
      inspect) grep -qx "${@: -1}" "$S/images" 2>/dev/null || exit 1
               case "$*" in *Size*) echo 78500000 ;; esac ;;
      ls) while read -r i; do echo "$i 78.5MB"; done <"$S/images" 2>/dev/null ;;
      rm) exit 0 ;;
    esac ;;
  *) exit 1 ;;
esac'
}

# Replaces scripts/ by fakes that log their calls (for real, non-dry runs).
fake_scripts() {
  export PRELOAD_SCRIPTS=$FAKE/scripts
  mkdir -p "$PRELOAD_SCRIPTS"
  local name
  for name in setup-host setup-venv docker-engine base-images build-images; do
    printf '#!/usr/bin/env bash\necho "scripts/%s $*" >>"$FAKE_LOG"\necho "==> fake %s $*" >&2\n' "$name" "$name" \
      >"$PRELOAD_SCRIPTS/$name"
    chmod +x "$PRELOAD_SCRIPTS/$name"
  done
}

# Calls that change a host: none may appear in a dry run.
changing_calls() {
  grep -E '^(apt-get (update|install|remove|purge)|usermod|pkill|systemctl (start|enable|restart)|docker (build |buildx build|pull|import|image rm|load)|scripts/)' "$FAKE_LOG" || true
}
