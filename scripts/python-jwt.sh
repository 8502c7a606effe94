#!/usr/bin/env bash
# Prints the path of a Python that has PyJWT (with cryptography, for EdDSA and RS256), in a
# venv cached under ~/.cache/rose-checkout: the tests sign shopper tokens as a storefront
# written in Python would (README, "Shopper tokens").
set -euo pipefail

version="${PYJWT_VERSION:-2.10.1}"
cache="${ROSE_CACHE_DIR:-$HOME/.cache/rose-checkout}"
dir="$cache/pyjwt-$version"
python="$dir/bin/python"

if [ -x "$python" ] && "$python" -c 'import jwt, cryptography' 2>/dev/null; then
  echo "$python"
  exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "python-jwt needs python3 on PATH" >&2; exit 1; }

echo "installing PyJWT $version from PyPI into $dir" >&2
rm -rf "$dir"
python3 -m venv "$dir" >&2
"$dir/bin/pip" install -q --disable-pip-version-check "PyJWT[crypto]==$version" >&2
"$python" -c 'import jwt, cryptography' || { echo "PyJWT did not install into $dir" >&2; exit 1; }
echo "$python"
