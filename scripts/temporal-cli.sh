#!/usr/bin/env bash
# Prints the path of a Temporal CLI (its dev server runs our tests and `npm start`).
# Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, our cached build, a fresh `go install`.
# Prints nothing when none is possible, so that @temporalio/testing falls back to its
# own download on machines with internet.
set -euo pipefail

version="${TEMPORAL_CLI_VERSION:-v1.5.1}"
cache="${ROSE_CACHE_DIR:-$HOME/.cache/rose-checkout}"
dir="$cache/temporal-cli-$version"

if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  [ -x "$TEMPORAL_CLI_PATH" ] || { echo "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable" >&2; exit 1; }
  echo "$TEMPORAL_CLI_PATH"; exit 0
fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
if [ -x "$dir/temporal" ]; then echo "$dir/temporal"; exit 0; fi
if ! command -v go >/dev/null 2>&1; then
  echo "no Temporal CLI and no Go toolchain: leaving the download to @temporalio/testing" >&2
  exit 0
fi

mkdir -p "$dir"
echo "building Temporal CLI $version with go install (several minutes the first time; cached in $dir)" >&2
start=$(date +%s)
# Build into a temporary folder and move into place, so that an interrupted build never
# leaves a half-written binary in the cache.
tmp=$(mktemp -d "$dir/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$version" >&2
mv "$tmp/temporal" "$dir/temporal"
echo "built Temporal CLI $version in $(( $(date +%s) - start ))s" >&2
echo "$dir/temporal"
