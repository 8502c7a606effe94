#!/usr/bin/env bash
# Prints the path of a Chromium for the real-browser tests (playwright-core drives it).
# Order: $CHROMIUM_PATH, Debian's /usr/bin/chromium, or else Debian's package installed with
# apt-get (as root, or with passwordless sudo). Fails with one line saying what to run when
# it cannot install it here.
set -euo pipefail

if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] || { echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2; exit 1; }
  echo "$CHROMIUM_PATH"; exit 0
fi
debian=/usr/bin/chromium
if [ -x "$debian" ]; then echo "$debian"; exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "no Chromium at $debian and no apt-get to install Debian's package" >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "no Chromium at $debian, and installing it needs root" >&2
  exit 1
fi

echo "installing Debian's chromium with apt-get (once; about a minute)" >&2
start=$(date +%s)
"${as_root[@]}" apt-get update -qq >&2
# Progress as apt prints it: a line per package unpacked and set up.
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q chromium \
  | grep --line-buffered -E '^(Setting up |[0-9]+ upgraded)' >&2 || true
[ -x "$debian" ] || { echo "apt-get install chromium did not install $debian" >&2; exit 1; }
echo "installed $("$debian" --version 2>/dev/null) in $(( $(date +%s) - start ))s" >&2
echo "$debian"
