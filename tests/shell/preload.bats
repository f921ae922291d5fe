#!/usr/bin/env bats
# preload's options, its --dry-run plans in the situations that matter, and its
# exit codes, on a fake host (tests/shell/fake-host.bash): fake docker, apt,
# dpkg, curl, sudo and id on PATH. Nothing here touches this machine.

# shellcheck disable=SC2154  # stderr and stderr_lines come from `run --separate-stderr`
# shellcheck disable=SC2016  # the fakes' bodies are scripts: expanded when they run
bats_require_minimum_version 1.5.0

PRELOAD="$BATS_TEST_DIRNAME/../../preload"

setup() {
  load fake-host
  fake_host_setup
}

# The plan lines of a dry run ("would ..." and the commands under them).
plan() { grep -E '^    (would|  \$)' <<<"$output" || true; }
# (Bats does not fail a test on `! command`: these do.)
plan_lacks() { if plan | grep -qE -- "$1"; then echo "unexpected in the plan: $1" >&2; return 1; fi; }
log_lacks() { if grep -qE -- "$1" "$FAKE_LOG"; then echo "unexpected call: $1" >&2; return 1; fi; }

# --- options -----------------------------------------------------------------

@test "no option: the help on stderr, nothing on stdout, exit 2" {
  run --separate-stderr "$PRELOAD"
  [ "$status" -eq 2 ]
  [ -z "$output" ]
  [[ "${stderr_lines[0]}" == "Usage: ./preload -d|-e [--swift-from DIR|TARBALL] [--dry-run] [--yes]" ]]
  [[ "$stderr" == *"-e          use Docker Engine"* ]]
}

@test "-h and --help: the help on stdout, exit 0" {
  for option in -h --help; do
    run --separate-stderr "$PRELOAD" "$option"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [[ "${lines[0]}" == "Usage: ./preload -d|-e [--swift-from DIR|TARBALL] [--dry-run] [--yes]" ]]
    [[ "$output" == *"(FR) Prépare la machine"* ]]
    [[ "$output" == *"3 ready, but log out and in again"* ]]
  done
  [ -z "$(changing_calls)" ]
}

@test "-d -e: one-line error, the help, exit 2" {
  run --separate-stderr "$PRELOAD" -d -e
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "preload: -d and -e are mutually exclusive: give exactly one of them" ]
  [ "${stderr_lines[1]}" = "Usage: ./preload -d|-e [--swift-from DIR|TARBALL] [--dry-run] [--yes]" ]
  [ -z "$output" ]
}

@test "-x: unknown option, the help, exit 2" {
  run --separate-stderr "$PRELOAD" -x
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "preload: unknown option: -x" ]
  [ "${stderr_lines[1]}" = "Usage: ./preload -d|-e [--swift-from DIR|TARBALL] [--dry-run] [--yes]" ]
}

@test "a stray argument: error, the help, exit 2" {
  run --separate-stderr "$PRELOAD" -d now
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "preload: unexpected argument: now" ]
  [ "${stderr_lines[1]}" = "Usage: ./preload -d|-e [--swift-from DIR|TARBALL] [--dry-run] [--yes]" ]
}

@test "--dry-run or --yes without -d/-e: error, exit 2" {
  run --separate-stderr "$PRELOAD" --dry-run --yes
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "preload: choose -d or -e" ]
}

@test "-d and -e alone are accepted (and, without --yes nor a terminal, stop at the first change)" {
  docker_engine; base_image_present; fake_scripts
  for mode in d e; do
    run --separate-stderr "$PRELOAD" "-$mode" </dev/null
    [ "${lines[0]}" = "preload -$mode: preparing this host for the Hublot course" ]
    [[ "$output" == *"[9] Project images"* ]]
    [[ "$stderr" == *"preload must change this host (build the project images) and there is no terminal to ask: re-run with --yes"* ]]
    [ "$status" -eq 1 ]
  done
  log_lacks 'scripts/build-images'
}

# --- -d plans ------------------------------------------------------------------

@test "-d --dry-run, no Docker, Debian 12: docker.io, no Compose v2 in the distribution, nothing changed" {
  run "$PRELOAD" -d --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"no Docker engine on this host"* ]]
  plan | grep -qx "    would install the distribution's Docker (docker.io 20.10.24+dfsg1-1+deb12u1)"
  plan | grep -qx '      \$ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io'
  [[ "$output" == *"Debian GNU/Linux 12 (bookworm) has no Compose v2 package: cp7-cp8 need it"* ]]
  [[ "$output" == *"has no buildx package"* ]]
  plan | grep -q "would start the Docker daemon"
  plan | grep -q "would make debian:trixie-slim available once Docker runs"
  plan | grep -q "would build three throwaway images"
  [[ "$output" == *"Dry run: nothing was changed."* ]]
  # docker-compose 1.29 (Compose v1) is not offered as a Compose v2 plugin, but for cp6.
  plan | grep -qx '    would install Compose v1 for cp6 (docker-compose 1.29.2-3; cp7-cp8 need Compose v2)'
  [[ "$output" == *"without buildx, cp4-cp6 build hublot-init with BuildKit through docker build"* ]]
  [[ "$output" == *"! Docker plugins missing from Debian GNU/Linux 12 (bookworm): Compose v2 buildx"* ]]
  [ -z "$(changing_calls)" ]
}

@test "-d --dry-run, no Docker, Ubuntu 24.04 as a user: sudo, Compose v2 and buildx packages, docker group" {
  os_ubuntu2404; as_student "sudo"
  run "$PRELOAD" -d --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"running as student; system changes go through sudo"* ]]
  plan | grep -qx '      \$ sudo apt-get update -q'
  plan | grep -qx "    would install the distribution's Docker (docker.io 24.0.7-0ubuntu4.1)"
  plan | grep -qx '      \$ sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io'
  plan | grep -qx '    would install Compose v2 (docker-compose-v2 2.24.6+ds1-0ubuntu1~24.04.1)'
  plan | grep -qx '    would install buildx (docker-buildx 0.12.1-0ubuntu1~24.04.1)'
  plan | grep -qx '    would add student to the docker group (docker without sudo)'
  plan | grep -qx '      \$ sudo usermod -aG docker student'
  [ "$(plan | grep -c 'apt-get update')" -eq 1 ]
  [ -z "$(changing_calls)" ]
}

@test "-d --dry-run, no Docker, empty package lists (fresh container): the refresh, then docker.io" {
  fake apt-cache 'exit 0'
  run "$PRELOAD" -d --dry-run
  [ "$status" -eq 0 ]
  plan | grep -qx '      \$ apt-get update -q'
  plan | grep -q "would install the distribution's docker.io, and its Compose v2 and buildx packages if it has them"
  [[ "$output" != *"has no docker.io"* ]]
}

@test "-d --dry-run, no Docker, Debian 13: its docker-compose is v2, so it is the Compose plugin" {
  os_debian13
  run "$PRELOAD" -d --dry-run
  [ "$status" -eq 0 ]
  plan | grep -qx "    would install the distribution's Docker (docker.io 26.1.5+dfsg1-9+b9)"
  plan | grep -qx '    would install Compose v2 (docker-compose 2.26.1-4)'
  plan | grep -qx '    would install buildx (docker-buildx 0.13.1+ds1-3)'
  [ -z "$(changing_calls)" ]
}

@test "-d --dry-run, the distribution's Docker present: kept, nothing installed" {
  docker_distro; base_image_present
  run "$PRELOAD" -d --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"Docker engine 20.10.24+dfsg1 present (the distribution's docker.io): kept"* ]]
  [[ "$output" == *"the daemon answers"* ]]
  plan_lacks "docker.io"
  plan_lacks "apt-get remove|would remove"
  [[ "$output" == *"✗ Docker engine 20.10.24+dfsg1 (the distribution's docker.io), buildx missing, Compose v2 missing"* ]]
  [[ "$output" == *"debian:trixie-slim: present"* ]]
  [ -z "$(changing_calls)" ]
}

@test "-d --dry-run, Docker installed but stopped, with systemd: the daemon would be started" {
  docker_distro; echo stopped >"$FAKE_STATE/daemon"; with_systemd
  run "$PRELOAD" -d --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"systemd: yes"* ]]
  [[ "$output" == *"Docker engine 20.10.24+dfsg1 present"* ]]
  plan | grep -q "would start the Docker daemon"
  [ -z "$(changing_calls)" ]
}

@test "-d --dry-run, Docker Engine present: kept, only the cp7 test and the images are planned" {
  docker_engine; base_image_present
  run "$PRELOAD" -d --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"Docker engine 27.3.1 present (Docker Engine, Docker's repository): kept"* ]]
  [[ "$output" == *"Compose v2 v2.29.7 present: kept"* ]]
  [[ "$output" == *"✓ Docker engine 27.3.1 (Docker Engine, Docker's repository), buildx v0.17.1, Compose v2.29.7"* ]]
  plan_lacks "apt-get"
  plan | grep -q "would build three throwaway images"
  plan | grep -q "would run: docker buildx build .* -t hublot-builder:latest"
  [ -z "$(changing_calls)" ]
}

# --- -e plans ------------------------------------------------------------------

@test "-e --dry-run, no Docker: Docker's repository and Docker Engine, nothing removed" {
  docker_repo_reachable
  run "$PRELOAD" -e --dry-run
  [ "$status" -eq 0 ]
  grep -q "^curl .*https://download.docker.com/linux/debian/dists/bookworm/Release" "$FAKE_LOG"
  [[ "$output" == *"no conflicting distribution package installed"* ]]
  plan | grep -qx "    would add Docker's signing key (/etc/apt/keyrings/docker.asc)"
  plan | grep -q "curl -fsSL 'https://download.docker.com/linux/debian/gpg' -o '/etc/apt/keyrings/docker.asc'"
  plan | grep -qx "    would add Docker's apt repository (/etc/apt/sources.list.d/docker.sources: https://download.docker.com/linux/debian bookworm stable)"
  plan | grep -qx "    would install Docker Engine: docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin"
  plan_lacks "apt-get remove|would remove"
  [ -z "$(changing_calls)" ]
}

@test "-e --dry-run, the distribution's Docker present: stopped, removed, then Docker Engine" {
  docker_distro; docker_repo_reachable
  run "$PRELOAD" -e --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"conflicting distribution packages installed: docker.io containerd runc"* ]]
  plan | grep -qx '      \$ pkill -x dockerd'
  plan | grep -qx '      \$ env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q docker.io containerd runc'
  # Removal comes before the repository and the installation.
  [ "$(plan | grep -n 'apt-get remove' | cut -d: -f1)" -lt "$(plan | grep -n 'docker.sources' | head -n 1 | cut -d: -f1)" ]
  [ "$(plan | grep -n 'apt-get remove' | cut -d: -f1)" -lt "$(plan | grep -n 'install -y -q docker-ce' | cut -d: -f1)" ]
  [ -z "$(changing_calls)" ]
}

@test "-e --dry-run with systemd, on Ubuntu: apt stops the daemon itself, Ubuntu's repository" {
  os_ubuntu2404; docker_distro; installed docker-compose-v2; docker_repo_reachable; with_systemd
  run "$PRELOAD" -e --dry-run
  [ "$status" -eq 0 ]
  plan_lacks pkill
  plan | grep -q 'apt-get remove -y -q docker.io docker-compose-v2 containerd runc'
  plan | grep -q "https://download.docker.com/linux/ubuntu noble stable"
}

@test "-e --dry-run, Docker Engine present: kept, Docker's repository not even asked" {
  docker_engine; base_image_present
  run "$PRELOAD" -e --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"Docker Engine 27.3.1 (docker-ce) present: kept"* ]]
  log_lacks "download.docker.com"
  plan_lacks "apt-get"
  [ -z "$(changing_calls)" ]
}

@test "-e --dry-run on WSL2 with Docker Desktop: kept, nothing removed, the repository not asked" {
  wsl2; docker_desktop; base_image_present
  run "$PRELOAD" -e --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"Docker Desktop answers (WSL2 integration): kept"* ]]
  [[ "$output" == *"✓ Docker engine 27.2.0 (Docker Desktop), buildx v0.16.2-desktop.1, Compose v2.29.2-desktop.2"* ]]
  log_lacks "download.docker.com"
  plan_lacks "apt-get"
}

@test "-e --dry-run, Docker's repository unreachable: clear message, exit 4, nothing planned" {
  docker_distro
  run --separate-stderr "$PRELOAD" -e --dry-run
  [ "$status" -eq 4 ]
  [[ "$stderr" == *"preload: Docker's repository cannot be reached (curl: (6) Could not resolve host: download.docker.com)"* ]]
  [[ "$stderr" == *"Nothing was changed on this host."* ]]
  plan_lacks "apt-get remove|would remove"
}

# --- real runs (fake scripts/): exit codes and idempotence ------------------------

@test "-e --yes, Docker's repository unreachable: stops before removing anything, exit 4" {
  docker_distro; fake_scripts
  run --separate-stderr "$PRELOAD" -e --yes
  [ "$status" -eq 4 ]
  [[ "$stderr" == *"cannot be reached"* ]]
  [ -z "$(changing_calls)" ]
  log_lacks '^apt-get'
  [[ "$output" != *"conflicting"* ]]
}

@test "-d without --yes and without a terminal: stops before the first change, exit 1" {
  fake_scripts
  run --separate-stderr "$PRELOAD" -d </dev/null
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"there is no terminal to ask: re-run with --yes"* ]]
  [ -z "$(changing_calls)" ]
}

@test "-d --yes on a prepared host: every check passes, nothing changed, exit 0" {
  docker_engine; base_image_present; fake_scripts
  run "$PRELOAD" -d --yes
  [ "$status" -eq 0 ]
  [[ "$output" == *"✓ multi-stage"* && "$output" == *"✓ mounts"* && "$output" == *"✓ named-context"* ]]
  [[ "$output" == *"✓ cp7: engine 27.3.1 builds multi-stage, RUN --mount (cache, secret), --build-context"* ]]
  [[ "$output" == *"✓ curl 8.5.0"* && "$output" == *"✓ Swift 6.3.1"* && "$output" == *"✓ Python 3.12.3 with venv"* ]]
  [[ "$output" == *"Nothing changed: this host was already prepared."* ]]
  [ "$(grep -c '^docker buildx build' "$FAKE_LOG")" -eq 3 ]
  grep -qx 'scripts/build-images ' "$FAKE_LOG"
  log_lacks '^apt-get'
}

@test "-d --yes: the project images' sizes and build times come from scripts/build-images" {
  docker_engine; base_image_present; fake_scripts
  printf '#!/usr/bin/env bash\necho "==> hublot-builder:latest built in 1 s (4454 MB)" >&2\necho "==> hublot-front:latest built in 12 s (89 MB)" >&2\n' \
    >"$PRELOAD_SCRIPTS/build-images"
  run "$PRELOAD" -d --yes
  [ "$status" -eq 0 ]
  [[ "$output" == *"✓ project images (0m0"?"s): hublot-builder:latest 4454 MB in 1 s, hublot-front:latest 89 MB in 12 s"* ]]
}

@test "-d --yes as a user outside the docker group: added with sudo, exit 3 (log in again)" {
  docker_engine; base_image_present; fake_scripts; as_student "sudo"
  run "$PRELOAD" -d --yes
  [ "$status" -eq 3 ]
  grep -qx 'sudo usermod -aG docker student' "$FAKE_LOG"
  [[ "$output" == *"add student to the docker group"* ]]
  [[ "$output" == *"Log out and in again"* ]]
}

@test "sudo ./preload: the caller joins the docker group and .venv is made as the caller" {
  docker_engine; base_image_present; fake_scripts
  echo "student sudo" >"$FAKE_STATE/groups-db"
  SUDO_USER=student run "$PRELOAD" -d --yes
  [ "$status" -eq 3 ]
  grep -qx 'usermod -aG docker student' "$FAKE_LOG"
  grep -qx "sudo -u student $PRELOAD_SCRIPTS/setup-venv --check" "$FAKE_LOG"
}

@test "-d --yes, the daemon refuses this session: docker through sudo, exit 3" {
  docker_engine; base_image_present; fake_scripts; as_student "sudo docker"
  echo "student sudo" >"$FAKE_STATE/groups-session"
  echo denied >"$FAKE_STATE/daemon"
  run "$PRELOAD" -d --yes
  [ "$status" -eq 3 ]
  [[ "$output" == *"student is in the docker group, but this session started before"* ]]
  grep -qE '^sudo timeout [0-9]+ env DOCKER_BUILDKIT=1 docker buildx build' "$FAKE_LOG"
  log_lacks usermod
}

@test "-d --yes, Debian 12's docker.io 20.10 and docker-compose 1.29: cp1-cp6 ready, cp7 told untestable, hublot-init built, exit 0" {
  docker_distro; compose_v1_installed; base_image_present; fake_scripts
  echo named-context >"$FAKE_STATE/build-fails"
  run "$PRELOAD" -d --yes
  [ "$status" -eq 0 ]
  [[ "$output" == *"Compose v1 (docker-compose 1.29.2) present: kept; cp6 works with it, cp7-cp8 need Compose v2"* ]]
  [[ "$output" == *"✓ multi-stage"* && "$output" == *"✗ named-context"* ]]
  [[ "$output" == *"ERROR: named-context not supported"* ]]
  [[ "$output" == *"✗ engine API 1.41: HEALTHCHECK --start-interval needs 1.44 (Engine 25)"* ]]
  [[ "$output" == *"! Docker engine 20.10.24+dfsg1 (the distribution's docker.io), buildx missing, Compose v2 missing, Compose v1 1.29.2: enough for cp1-cp6; cp7-cp8 need buildx and Compose v2"* ]]
  [[ "$output" == *"! cp7: engine 20.10.24+dfsg1 fails named-context start-interval: cp7-cp8 are not testable with it (./preload -e installs Docker Engine); cp1-cp6 do not need it"* ]]
  [[ "$output" == *"this engine cannot build cp7's images (see the previous step): hublot-init only, for cp4-cp6"* ]]
  grep -qx 'scripts/build-images hublot-init' "$FAKE_LOG"
  # Nothing failed in the summary.
  ! grep -q '^  ✗' <<<"$output"
}

@test "-d --yes, Debian 12's docker.io without any Compose: ✗ (cp6 needs one), exit 1" {
  docker_distro; base_image_present; fake_scripts
  echo named-context >"$FAKE_STATE/build-fails"
  run "$PRELOAD" -d --yes
  [ "$status" -eq 1 ]
  [[ "$output" == *"✗ Docker engine 20.10.24+dfsg1 (the distribution's docker.io), buildx missing, Compose v2 missing"* ]]
}

@test "-e --yes, an engine that cannot build cp7: ✗ (cp7 is what -e is for), exit 1" {
  docker_engine; base_image_present; fake_scripts
  echo 1.43 >"$FAKE_STATE/docker-api"
  run "$PRELOAD" -e --yes
  [ "$status" -eq 1 ]
  [[ "$output" == *"✗ cp7: engine 27.3.1 fails start-interval: cp7-cp8 are not testable with it"* ]]
}

@test "-d --yes, no engine: installs docker.io, starts it, the summary lists the changes" {
  fake_scripts
  # Installing docker.io brings dockerd (the fake engine never starts).
  fake apt-get 'case "$*" in *" docker.io") printf "#!/bin/sh\necho Docker version 20.10.24+dfsg1, build 0\n" >"$(dirname "$0")/dockerd"; chmod +x "$(dirname "$0")/dockerd" ;; esac'
  run "$PRELOAD" -d --yes
  grep -qx 'apt-get update -q' "$FAKE_LOG"
  grep -qx 'apt-get install -y -q docker.io' "$FAKE_LOG"
  grep -qx 'scripts/docker-engine --start' "$FAKE_LOG"
  [[ "$output" == *"Changed on this host"* ]]
  [[ "$output" == *"- install the distribution's Docker (docker.io 20.10.24+dfsg1-1+deb12u1)"* ]]
  # The fake engine never starts: said, and exit 1.
  [[ "$output" == *"✗ Docker: no daemon answers"* ]]
  [ "$status" -eq 1 ]
}

@test "-d --yes, an image fails to build: which one, exit 1" {
  docker_engine; base_image_present; fake_scripts
  printf '#!/usr/bin/env bash\necho "==> building hublot-builder:latest" >&2\necho "==> building hublot-init:latest" >&2\nexit 1\n' \
    >"$PRELOAD_SCRIPTS/build-images"
  run "$PRELOAD" -d --yes
  [ "$status" -eq 1 ]
  [[ "$output" == *"✗ project images: hublot-init:latest failed to build"* ]]
  [[ "$output" == *"Nothing changed on this host."* ]]
}

@test "-d --yes, apt cannot install docker.io: says so and stops, exit 1" {
  fake_scripts
  fake apt-get '[ "$1" != install ] || { echo "E: Unable to fetch some archives" >&2; exit 100; }'
  run --separate-stderr "$PRELOAD" -d --yes
  [ "$status" -eq 1 ]
  [[ "$output" == *"✗ could not install the distribution's Docker (docker.io 20.10.24+dfsg1-1+deb12u1) (exit status 100)"* ]]
  [[ "$stderr" == *"preload: could not install the distribution's Docker"*"see apt-get's messages above"* ]]
}

@test "-d --yes, setup-venv fails: ✗ for .venv, the other steps still run, exit 1" {
  docker_engine; base_image_present; fake_scripts
  printf '#!/usr/bin/env bash\n[ "$1" = --check ] && exit 1\necho "pip: no network" >&2; exit 1\n' >"$PRELOAD_SCRIPTS/setup-venv"
  run "$PRELOAD" -d --yes
  [ "$status" -eq 1 ]
  [[ "$output" == *"✗ Python environment .venv: scripts/setup-venv failed"* ]]
  [[ "$output" == *"✓ cp7: engine 27.3.1"* ]]
  grep -qx 'scripts/build-images ' "$FAKE_LOG"
}

@test "-d --yes, the base image cannot be made: cp7 not tested, no project images, exit 1" {
  docker_engine; fake_scripts
  printf '#!/usr/bin/env bash\necho "scripts/base-images $*" >>"$FAKE_LOG"\necho "debootstrap failed" >&2; exit 1\n' \
    >"$PRELOAD_SCRIPTS/base-images"
  run "$PRELOAD" -d --yes
  [ "$status" -eq 1 ]
  grep -qx 'scripts/base-images ' "$FAKE_LOG"
  [[ "$output" == *"✗ base image debian:trixie-slim: scripts/base-images failed"* ]]
  [[ "$output" == *"✗ cp7: not tested (no Docker daemon or no debian:trixie-slim)"* ]]
  [[ "$output" == *"✗ project images: not built (no engine or base image to build them with)"* ]]
  log_lacks 'scripts/build-images'
}

# --- host tools --------------------------------------------------------------------

@test "Swift older than 6.2, no venv, no ONNX Runtime: each ✗ in the summary" {
  docker_engine; base_image_present; fake_scripts
  echo 6.0.3 >"$FAKE_STATE/swift-version"; touch "$FAKE_STATE/no-venv" "$FAKE_STATE/no-ort"
  run "$PRELOAD" -d --yes
  [ "$status" -eq 1 ]
  [[ "$output" == *"Swift 6.0.3 ($FAKE/bin/swift) is older than 6.2: installing a newer one into $PRELOAD_SWIFT_HOME"* ]]
  [[ "$output" == *"  ✗ Swift: missing, and swift.org cannot be reached (use --swift-from DIR|TARBALL)"* ]]
  [[ "$output" == *"  ✗ Python 3.12.3: venv missing (python3-venv)"* ]]
  [[ "$output" == *"  ✗ ONNX Runtime development files: missing"* ]]
  [[ "$output" == *"Something is missing"* ]]
}

@test "not Ubuntu nor Debian: stops with a message, exit 1" {
  os_fedora
  run --separate-stderr "$PRELOAD" -d --dry-run
  [ "$status" -eq 1 ]
  [[ "$stderr" == *"Fedora Linux 41 is neither Ubuntu nor Debian"* ]]
}

@test "WSL2 is recognised" {
  wsl2; docker_engine; base_image_present
  run "$PRELOAD" -d --dry-run
  [[ "$output" == *"Debian GNU/Linux 12 (bookworm), "*", WSL2"* ]]
}

@test "version_ge compares dotted versions" {
  # shellcheck disable=SC1090,SC1091  # preload, sourced for its functions only
  source "$PRELOAD"
  version_ge 6.3.1 6.2
  version_ge 6.2 6.2
  version_ge 6.10 6.2
  run version_ge 6.0.3 6.2
  [ "$status" -eq 1 ]
  run version_ge 5.10 6.2
  [ "$status" -eq 1 ]
}

# --- host package sets (scripts/setup-host) ----------------------------------------

SETUP_HOST="$BATS_TEST_DIRNAME/../../scripts/setup-host"
TEST_TOOLS_RE='chromium|bats|wrk|nghttp2|shellcheck|jq'

@test "-d --dry-run, nothing installed: the course's packages only, no test tool" {
  docker_engine; base_image_present
  packages_missing binutils ca-certificates curl git pkg-config libturbojpeg0-dev libspng-dev python3-venv \
                   jq shellcheck bats wrk nghttp2-client chromium chromium-driver
  run "$PRELOAD" -d --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"==> would install course packages: binutils ca-certificates curl git pkg-config libturbojpeg0-dev libspng-dev python3-venv"* ]]
  if grep -E "(would install|test tools).*($TEST_TOOLS_RE)" <<<"$output"; then return 1; fi
  log_lacks "^(dpkg-query|apt-cache|apt-get) .*($TEST_TOOLS_RE)"
}

@test "setup-host --tests --dry-run: Debian's test tools are chromium and chromium-driver" {
  packages_missing jq shellcheck bats wrk nghttp2-client chromium chromium-driver
  run "$SETUP_HOST" --tests --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"==> course packages present"* ]]
  [[ "$output" == *"==> would install test tools (debian): jq shellcheck bats wrk nghttp2-client chromium chromium-driver"* ]]
}

@test "setup-host --tests --dry-run on Ubuntu: chromium (or chromium-browser) and chromium-chromedriver" {
  os_ubuntu2404
  packages_missing bats chromium-browser chromium-chromedriver chromium chromium-driver
  run "$SETUP_HOST" --tests --dry-run
  [ "$status" -eq 0 ]
  [[ "$output" == *"==> would install test tools (ubuntu): bats chromium chromium-chromedriver"* ]]
  # An archive that offers only chromium-browser: that one.
  more_candidates "chromium-browser 2:1snap1-0ubuntu2" "chromium-chromedriver 2:1snap1-0ubuntu2"
  run "$SETUP_HOST" --tests --dry-run
  [[ "$output" == *"==> would install test tools (ubuntu): bats chromium-browser chromium-chromedriver"* ]]
}

@test "setup-host without --tests: the test tools are not even looked at" {
  packages_missing bats chromium
  run "$SETUP_HOST" --check
  [ "$status" -eq 0 ]
  [[ "$output" != *"test tools"* ]]
  run "$SETUP_HOST" --tests --check
  [ "$status" -eq 1 ]
  [[ "$output" == *"==> missing test tools (debian): bats chromium"* ]]
}

@test "setup-host --tests, Chromium fails to install on Ubuntu: the codecs and the other tools are in, exit 1" {
  os_ubuntu2404
  more_candidates "bats 1.10.0-1" "chromium-browser 2:1snap1-0ubuntu2" "chromium-chromedriver 2:1snap1-0ubuntu2"
  packages_missing libspng-dev bats chromium-browser chromium-chromedriver
  fake apt-get 'case "$*" in *chromium*) echo "error: cannot communicate with server: snapd" >&2; exit 100 ;; esac'
  run "$SETUP_HOST" --tests
  [ "$status" -eq 1 ]
  grep -qx 'apt-get install -y -q --no-install-recommends libspng-dev' "$FAKE_LOG"
  grep -qx 'apt-get install -y -q --no-install-recommends bats' "$FAKE_LOG"
  grep -qx 'apt-get install -y -q --no-install-recommends chromium-browser chromium-chromedriver' "$FAKE_LOG"
  # The course's packages come first, in their own call.
  [ "$(grep -n 'apt-get install.* libspng-dev' "$FAKE_LOG" | cut -d: -f1)" -lt "$(grep -n 'apt-get install.* bats' "$FAKE_LOG" | cut -d: -f1)" ]
  [[ "$output" == *"could not install chromium-browser chromium-chromedriver (the course's packages and ONNX Runtime are not affected)"* ]]
}

@test "setup-host --tests, a test tool missing from the archive: reported, not asked for, exit 1" {
  packages_missing wrk
  run "$SETUP_HOST" --tests
  [ "$status" -eq 1 ]
  [[ "$output" == *"test tool wrk: not in this distribution's archive"* ]]
  log_lacks 'apt-get install'
}

@test "setup-host --tests: a candidate is found even when apt-cache writes a long version table after it" {
  # Under pipefail, a `grep -q` that stops at the Candidate line leaves apt-cache writing into a closed
  # pipe (SIGPIPE, 141): the package then read as missing from the archive (seen on a fresh CI machine).
  packages_missing bats
  fake apt-cache 'printf "%s:\n  Installed: (none)\n  Candidate: 1.8.2-1\n  Version table:\n" "${@: -1}"
for ((line = 0; line < 20000; line++)); do echo "     1.8.2-1 500 http://deb.debian.org/debian bookworm/main amd64 Packages"; done
exit 0'
  run "$SETUP_HOST" --tests
  [ "$status" -eq 0 ]
  [[ "$output" != *"not in this distribution's archive"* ]]
  grep -qx 'apt-get install -y -q --no-install-recommends bats' "$FAKE_LOG"
}

# --- Swift ---------------------------------------------------------------------------

# make_toolchain DIR VERSION: a fake toolchain folder (DIR/usr/bin/swift).
make_toolchain() {
  mkdir -p "$1/usr/bin" "$1/usr/lib/swift"
  printf '#!/usr/bin/env bash\necho "Swift version %s (swift-%s-RELEASE)"\n' "$2" "$2" >"$1/usr/bin/swift"
  chmod +x "$1/usr/bin/swift"
}
# The Swift step's lines of the output.
swift_step() { sed -n '/^\[[0-9]*\] Swift/,/^\[[0-9]*\] Python/p' <<<"$output"; }
swift_plan() { swift_step | grep -E '^    (would|  \$)' || true; }

@test "Swift on PATH: nothing done for Swift (and --swift-from is not used)" {
  docker_engine; base_image_present
  run "$PRELOAD" -d --dry-run --swift-from "$BATS_TEST_DIRNAME"/../../samples/cat.jpg
  [ "$status" -eq 2 ]
  make_toolchain "$BATS_TEST_TMPDIR/toolchain" 6.3.1
  run "$PRELOAD" -d --dry-run --swift-from "$BATS_TEST_TMPDIR/toolchain"
  [ "$status" -eq 0 ]
  [[ "$(swift_step)" == *"✓ Swift 6.3.1 ($FAKE/bin/swift)"* ]]
  [[ "$(swift_step)" == *"--swift-from $BATS_TEST_TMPDIR/toolchain not used: Swift is already there"* ]]
  [ -z "$(swift_plan)" ]
  log_lacks 'swift.org'
  [ ! -e "$PRELOAD_SWIFT_HOME" ]
}

@test "--swift-from something else than a toolchain folder or a .tar.gz: usage error, exit 2" {
  run --separate-stderr "$PRELOAD" -d --swift-from /nonexistent
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "preload: --swift-from /nonexistent: neither a toolchain folder (holding usr/bin/swift) nor a .tar.gz" ]
  run --separate-stderr "$PRELOAD" -d --swift-from
  [ "$status" -eq 2 ]
  [ "${stderr_lines[0]}" = "preload: --swift-from needs a toolchain folder or a .tar.gz" ]
}

@test "--swift-from DIR, no Swift: copied into the prefix, PATH for login shells, exit 3" {
  docker_engine; base_image_present; fake_scripts; no_swift
  make_toolchain "$BATS_TEST_TMPDIR/toolchain" 6.3.1
  run "$PRELOAD" -d --yes --swift-from "$BATS_TEST_TMPDIR/toolchain"
  [ "$status" -eq 3 ]
  [ -x "$PRELOAD_SWIFT_HOME/usr/bin/swift" ]
  [ -d "$PRELOAD_SWIFT_HOME/usr/lib/swift" ]
  [ "$(cat "$PRELOAD_PROFILE_DIR/hublot-swift.sh")" = "export PATH=$PRELOAD_SWIFT_HOME/usr/bin:\$PATH" ]
  [[ "$output" == *"local toolchain folder: $BATS_TEST_TMPDIR/toolchain"* ]]
  [[ "$output" == *"  ✓ Swift 6.3.1 in $PRELOAD_SWIFT_HOME (on PATH in new login shells; in this terminal: export PATH=$PRELOAD_SWIFT_HOME/usr/bin:\$PATH)"* ]]
  [[ "$output" == *"- copy the Swift toolchain $BATS_TEST_TMPDIR/toolchain into $PRELOAD_SWIFT_HOME"* ]]
  [[ "$output" == *"Log out and in again so that:"*"swift is on PATH"* ]]
  log_lacks 'swift.org'
}

@test "--swift-from DIR on a fresh Debian 12: the toolchain's system packages first (its swift needs libncurses)" {
  docker_engine; base_image_present; fake_scripts; no_swift
  packages_missing libncurses-dev libxml2-dev libgcc-12-dev
  make_toolchain "$BATS_TEST_TMPDIR/toolchain" 6.3.1
  run "$PRELOAD" -d --yes --swift-from "$BATS_TEST_TMPDIR/toolchain"
  [ "$status" -eq 3 ]
  grep -qx 'apt-get install -y -q --no-install-recommends libncurses-dev libxml2-dev libgcc-12-dev' "$FAKE_LOG"
  [[ "$output" == *"- install the Swift toolchain's system packages: libncurses-dev libxml2-dev libgcc-12-dev"* ]]
}

@test "--swift-from DIR holding a swift that does not run: ✗ said, preload goes on to the end, exit 1" {
  docker_engine; base_image_present; fake_scripts; no_swift
  make_toolchain "$BATS_TEST_TMPDIR/toolchain" 6.3.1
  printf '#!/bin/sh\necho "swift: error while loading shared libraries: libncurses.so.6" >&2\nexit 127\n' \
    >"$BATS_TEST_TMPDIR/toolchain/usr/bin/swift"
  run "$PRELOAD" -d --yes --swift-from "$BATS_TEST_TMPDIR/toolchain"
  [ "$status" -eq 1 ]
  [[ "$output" == *"✗ Swift: the toolchain unpacked into $PRELOAD_SWIFT_HOME does not work (no version)"* ]]
  [[ "$output" == *"Summary (-d"* ]]
}

@test "--swift-from TARBALL (swift.org's layout, no .sig beside it): unpacked into the prefix" {
  docker_engine; base_image_present; fake_scripts; no_swift
  make_toolchain "$BATS_TEST_TMPDIR/swift-6.3.1-RELEASE-debian12" 6.3.1
  tar -czf "$BATS_TEST_TMPDIR/swift-6.3.1-RELEASE-debian12.tar.gz" -C "$BATS_TEST_TMPDIR" swift-6.3.1-RELEASE-debian12
  run "$PRELOAD" -d --yes --swift-from "$BATS_TEST_TMPDIR/swift-6.3.1-RELEASE-debian12.tar.gz"
  [ "$status" -eq 3 ]
  [ -x "$PRELOAD_SWIFT_HOME/usr/bin/swift" ]
  [[ "$output" == *"no swift-6.3.1-RELEASE-debian12.tar.gz.sig beside it: its signature is not checked"* ]]
  [[ "$output" == *"--strip-components=1"* ]]
  [[ "$output" == *"  ✓ Swift 6.3.1 in $PRELOAD_SWIFT_HOME"* ]]
}

@test "--swift-from TARBALL of a toolchain folder (usr/ at the top): unpacked as it is" {
  docker_engine; base_image_present; fake_scripts; no_swift
  make_toolchain "$BATS_TEST_TMPDIR/toolchain" 6.2.1
  tar -czf "$BATS_TEST_TMPDIR/swift.tar.gz" -C "$BATS_TEST_TMPDIR/toolchain" .
  run "$PRELOAD" -d --yes --swift-from "$BATS_TEST_TMPDIR/swift.tar.gz"
  [ "$status" -eq 3 ]
  [ -x "$PRELOAD_SWIFT_HOME/usr/bin/swift" ]
  [[ "$output" == *"--strip-components=0"* ]]
  [[ "$output" == *"  ✓ Swift 6.2.1 in $PRELOAD_SWIFT_HOME"* ]]
}

@test "--swift-from TARBALL with a .sig but no swift.org keys beside it: not installed, exit 1" {
  docker_engine; base_image_present; fake_scripts; no_swift
  make_toolchain "$BATS_TEST_TMPDIR/toolchain" 6.3.1
  tar -czf "$BATS_TEST_TMPDIR/swift.tar.gz" -C "$BATS_TEST_TMPDIR/toolchain" .
  echo signature >"$BATS_TEST_TMPDIR/swift.tar.gz.sig"
  run "$PRELOAD" -d --yes --swift-from "$BATS_TEST_TMPDIR/swift.tar.gz"
  [ "$status" -eq 1 ]
  [[ "$output" == *"✗ Swift: $BATS_TEST_TMPDIR/swift.tar.gz not checked (put swift.org's all-keys.asc beside it)"* ]]
  [ ! -e "$PRELOAD_SWIFT_HOME/usr/bin/swift" ]
}

@test "--swift-from TARBALL --dry-run with its .sig and keys: the gpg check, then the unpacking" {
  docker_engine; base_image_present; no_swift
  make_toolchain "$BATS_TEST_TMPDIR/toolchain" 6.3.1
  tar -czf "$BATS_TEST_TMPDIR/swift.tar.gz" -C "$BATS_TEST_TMPDIR/toolchain" .
  touch "$BATS_TEST_TMPDIR/swift.tar.gz.sig" "$BATS_TEST_TMPDIR/all-keys.asc"
  run "$PRELOAD" -d --dry-run --swift-from "$BATS_TEST_TMPDIR/swift.tar.gz"
  [ "$status" -eq 0 ]
  swift_plan | grep -q "gpg --batch --quiet --import $BATS_TEST_TMPDIR/all-keys.asc"
  swift_plan | grep -q "gpg --batch --verify $BATS_TEST_TMPDIR/swift.tar.gz.sig $BATS_TEST_TMPDIR/swift.tar.gz"
  [[ "$output" == *"  ✗ Swift: missing (a real run installs it from $BATS_TEST_TMPDIR/swift.tar.gz into $PRELOAD_SWIFT_HOME)"* ]]
  [ "$(swift_plan | grep -n 'gpg --batch --verify' | cut -d: -f1)" -lt "$(swift_plan | grep -n 'tar -xzf' | cut -d: -f1)" ]
  [ ! -e "$PRELOAD_SWIFT_HOME" ]
  [ -z "$(changing_calls)" ]
}

@test "Swift in the prefix but not on PATH: the PATH line for login shells is planned" {
  docker_engine; base_image_present; no_swift
  make_toolchain "$PRELOAD_SWIFT_HOME" 6.2.1
  run "$PRELOAD" -d --dry-run
  [[ "$output" == *"Swift 6.2.1 is in $PRELOAD_SWIFT_HOME but not on PATH"* ]]
  swift_plan | grep -qx "    would put $PRELOAD_SWIFT_HOME/usr/bin on the PATH of login shells ($PRELOAD_PROFILE_DIR/hublot-swift.sh)"
  [[ "$output" == *"this terminal does not have it yet: export PATH=$PRELOAD_SWIFT_HOME/usr/bin:\$PATH"* ]]
  # The summary describes the host as it is now.
  [[ "$output" == *"  ✗ Swift 6.2.1: $PRELOAD_SWIFT_HOME/usr/bin is not on PATH yet"* ]]
  if swift_plan | grep -q curl; then return 1; fi
  log_lacks 'swift.org'
}

@test "Swift missing, no Internet, a real run: nothing installed, --swift-from advised, exit 1" {
  os_ubuntu2404; docker_engine; base_image_present; fake_scripts; no_swift
  run "$PRELOAD" -d --yes
  [ "$status" -eq 1 ]
  [[ "$output" == *"swift.org's toolchain for this host: https://download.swift.org/swift-6.3.1-release/ubuntu2404/swift-6.3.1-RELEASE/swift-6.3.1-RELEASE-ubuntu24.04.tar.gz"* ]]
  [[ "$output" == *"✗ download.swift.org does not answer (no Internet, proxy?)"* ]]
  [[ "$output" == *"  ✗ Swift: missing, and swift.org cannot be reached (use --swift-from DIR|TARBALL)"* ]]
  log_lacks '^apt-get install'
  [ ! -e "$PRELOAD_SWIFT_HOME" ]
}

@test "Swift missing, no Internet, --dry-run: swift.org's URL and the signature check for Debian 12/13, Ubuntu 22.04/24.04, x86_64 and aarch64" {
  docker_engine; base_image_present; no_swift
  local os arch dir platform url
  for os in debian12:debian12:debian12 debian13:debian12:debian12 ubuntu2204:ubuntu2204:ubuntu22.04 ubuntu2404:ubuntu2404:ubuntu24.04; do
    for arch in x86_64 aarch64; do
      "os_${os%%:*}"; rm -f "$FAKE_STATE/arch"
      [ "$arch" = x86_64 ] || arch_aarch64
      dir=$(cut -d: -f2 <<<"$os") platform=$(cut -d: -f3 <<<"$os")
      [ "$arch" = x86_64 ] || { dir=$dir-aarch64; platform=$platform-aarch64; }
      url="https://download.swift.org/swift-6.3.1-release/$dir/swift-6.3.1-RELEASE/swift-6.3.1-RELEASE-$platform.tar.gz"
      run "$PRELOAD" -d --dry-run
      [ "$status" -eq 0 ] || { echo "$os $arch: exit $status" >&2; return 1; }
      [[ "$output" == *", $arch, native"* ]]
      [[ "$(swift_step)" == *"✗ download.swift.org does not answer"*"a real run would stop here: give a local toolchain with --swift-from"* ]]
      swift_plan | grep -q -- "-o /tmp/preload-swift.XXXXXX/${url##*/} $url\$" || { echo "$os $arch: no $url" >&2; return 1; }
      swift_plan | grep -q -- " $url.sig\$"
      swift_plan | grep -q -- "-o /tmp/preload-swift.XXXXXX/all-keys.asc https://www.swift.org/keys/all-keys.asc\$"
      swift_plan | grep -q -- "gpg --batch --verify /tmp/preload-swift.XXXXXX/${url##*/}.sig /tmp/preload-swift.XXXXXX/${url##*/}\$"
      swift_plan | grep -q -- "tar -xzf /tmp/preload-swift.XXXXXX/${url##*/} -C $PRELOAD_SWIFT_HOME --strip-components=1"
      [[ "$output" == *"  ✗ Swift: missing (a real run installs 6.3.1 into $PRELOAD_SWIFT_HOME)"* ]]
      [[ "$output" == *"  - check the toolchain's signature (gpg --verify: a good signature from a Swift key)"* ]]
      [ -z "$(changing_calls)" ]
    done
  done
}

@test "Swift missing on Debian 13 with swift.org reachable, --dry-run: its system packages, with Debian 13's gcc 14" {
  os_debian13; docker_engine; base_image_present; no_swift; swift_org_reachable
  packages_missing libgcc-14-dev libstdc++-14-dev libz3-dev
  run "$PRELOAD" -d --dry-run
  [ "$status" -eq 0 ]
  [[ "$(swift_step)" != *"does not answer"* ]]
  swift_plan | grep -qx "    would install the Swift toolchain's system packages: libz3-dev libgcc-14-dev libstdc++-14-dev"
}

@test "swift_target and swift_url: swift.org's download URLs by distribution and architecture" {
  # shellcheck disable=SC1090,SC1091  # preload, sourced for its functions only
  source "$PRELOAD"
  SWIFT_VERSION=6.3.1
  [ "$(swift_url "$(swift_target debian 12 x86_64)")" = https://download.swift.org/swift-6.3.1-release/debian12/swift-6.3.1-RELEASE/swift-6.3.1-RELEASE-debian12.tar.gz ]
  [ "$(swift_url "$(swift_target debian 12 aarch64)")" = https://download.swift.org/swift-6.3.1-release/debian12-aarch64/swift-6.3.1-RELEASE/swift-6.3.1-RELEASE-debian12-aarch64.tar.gz ]
  [ "$(swift_target debian 13 x86_64)" = "debian12 debian12" ]
  [ "$(swift_target ubuntu 22.04 x86_64)" = "ubuntu2204 ubuntu22.04" ]
  [ "$(swift_target ubuntu 24.04 arm64)" = "ubuntu2404-aarch64 ubuntu24.04-aarch64" ]
  [ "$(swift_url "$(swift_target ubuntu 24.04 aarch64)")" = https://download.swift.org/swift-6.3.1-release/ubuntu2404-aarch64/swift-6.3.1-RELEASE/swift-6.3.1-RELEASE-ubuntu24.04-aarch64.tar.gz ]
  SWIFT_VERSION=6.2.3
  [ "$(swift_url "$(swift_target ubuntu 22.04 amd64)")" = https://download.swift.org/swift-6.2.3-release/ubuntu2204/swift-6.2.3-RELEASE/swift-6.2.3-RELEASE-ubuntu22.04.tar.gz ]
  PRELOAD_SWIFT_PLATFORM=debian13 run swift_target debian 13 aarch64
  [ "$output" = "debian13-aarch64 debian13-aarch64" ]
  for unknown in "debian 11 x86_64" "ubuntu 20.04 x86_64" "fedora 41 x86_64" "debian 12 riscv64"; do
    # shellcheck disable=SC2086  # three words
    run swift_target $unknown
    [ "$status" -eq 1 ]
  done
}

@test "Swift missing on Linux Mint 22 (Ubuntu 24.04's base): Ubuntu 24.04's toolchain" {
  docker_engine; base_image_present; no_swift
  printf 'PRETTY_NAME="Linux Mint 22"\nID=linuxmint\nID_LIKE="ubuntu debian"\nVERSION_ID="22"\nVERSION_CODENAME=wilma\nUBUNTU_CODENAME=noble\n' >"$PRELOAD_OS_RELEASE"
  run "$PRELOAD" -d --dry-run
  [ "$status" -eq 0 ]
  [[ "$(swift_step)" == *"/ubuntu2404/swift-6.3.1-RELEASE/swift-6.3.1-RELEASE-ubuntu24.04.tar.gz"* ]]
}

@test "Swift missing on an unknown system (Debian 11): ✗, use --swift-from" {
  docker_engine; base_image_present; no_swift; fake_scripts
  printf 'PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\nID=debian\nVERSION_ID="11"\nVERSION_CODENAME=bullseye\n' >"$PRELOAD_OS_RELEASE"
  run "$PRELOAD" -d --yes
  [ "$status" -eq 1 ]
  [[ "$output" == *"✗ Swift: missing, and no swift.org toolchain for Debian GNU/Linux 11 (bullseye) on x86_64 (use --swift-from)"* ]]
}

@test "Swift missing and curl not installed yet, --dry-run: swift.org not asked, the plan still shown" {
  docker_engine; base_image_present; no_swift
  rm "$FAKE/bin/curl"
  run "$PRELOAD" -d --dry-run
  [ "$status" -eq 0 ]
  [[ "$(swift_step)" == *"curl is not installed yet (the host tools above bring it): swift.org not asked"* ]]
  swift_plan | grep -q 'gpg --batch --verify'
}
