# shellcheck shell=bash
# Downloads Debian 13 (trixie) .deb files on an older Debian host without
# touching the host's apt sources: apt runs with a private configuration in a
# scratch folder. Sourced by scripts that need a trixie package on bookworm.

# Prints the Debian mirror the host already uses.
trixie_apt_mirror() {
  local mirror
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  printf '%s\n' "${mirror:-http://deb.debian.org/debian}"
}

# trixie_apt_download DIR PACKAGE... : downloads the packages' .deb files into DIR.
trixie_apt_download() {
  local dir=$1; shift
  local state=$dir/.apt
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' \
    "$(trixie_apt_mirror)" >"$state/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/nonexistent
              -o "Dir::State::Lists=$state/lists" -o "Dir::Cache=$state/cache"
              -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" -q update >/dev/null
  (cd "$dir" && apt-get "${opts[@]}" -q download "$@" >/dev/null)
}
