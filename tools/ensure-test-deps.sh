#!/usr/bin/env bash
# System packages the tests need: Debian's Chromium (browser tests), a Redis server binary, nginx (the reverse
# proxy test) and Prometheus (it scrapes the running app's metrics). With the argument `image`: what `make image`
# needs instead (podman, runc, mmdebstrap).
# Installs them with apt-get where allowed (root, or sudo without a password); says what to install otherwise.
set -euo pipefail

missing=()
if [ "${1:-}" = image ]; then
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
else
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ -x /usr/sbin/nginx ] || missing+=(nginx)
  [ -x /usr/bin/prometheus ] || missing+=(prometheus)
fi
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
