#!/usr/bin/env bash
# Make sure the system programs Veil needs are installed.
# Usage: scripts/ensure-system-packages.sh redis postgres chromium
# Installs what is missing with apt-get when it can (root on Debian/Ubuntu); otherwise stops
# and prints the exact command to run.
set -euo pipefail

missing=()
for need in "$@"; do
  case "$need" in
    redis) command -v redis-server >/dev/null 2>&1 || missing+=(redis-server) ;;
    postgres) compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1 \
                || missing+=(postgresql) ;;
    chromium) command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
                || missing+=(chromium) ;;
    *) echo "ensure-system-packages: unknown need '$need'" >&2; exit 2 ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts no services from a non-interactive install inside containers, and Veil
  # starts its own servers anyway, so nothing else is needed here.
  exit 0
fi

echo "Veil needs these system packages: ${missing[*]}" >&2
if command -v apt-get >/dev/null 2>&1; then
  echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
elif command -v brew >/dev/null 2>&1; then
  brew_names=("${missing[@]/redis-server/redis}")
  echo "Install them with:  brew install ${brew_names[*]/chromium/--cask chromium}" >&2
else
  echo "Install them with your system's package manager, then run the command again." >&2
fi
exit 1
