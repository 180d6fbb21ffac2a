#!/usr/bin/env bash
# System packages the tests need: Debian's Chromium (browser tests) and a Redis server binary.
# Installs them with apt-get where allowed (root, or sudo without a password); says what to install otherwise.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  apt=(apt-get)
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  apt=(sudo apt-get)
else
  echo "Please install: ${missing[*]} (e.g. sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
echo "Installing ${missing[*]} with apt-get ..."
export DEBIAN_FRONTEND=noninteractive
"${apt[@]}" install -y -qq "${missing[@]}" >/dev/null 2>&1 || {
  "${apt[@]}" update -qq >/dev/null
  "${apt[@]}" install -y -qq "${missing[@]}" >/dev/null
}
