#!/usr/bin/env bash
# Prints the folder of the full Temporal server, as production runs it: `temporal-server`,
# its schema tool `temporal-sql-tool`, and `config/` with the configuration template that
# the temporalio/server image renders from its environment (Compose sets the same variables).
# Built with `go install` from the server's module on first use, then cached.
set -euo pipefail

version="${TEMPORAL_SERVER_VERSION:-v1.29.1}"
cache="${ROSE_CACHE_DIR:-$HOME/.cache/rose-checkout}"
dir="$cache/temporal-server-$version"

if [ -x "$dir/temporal-server" ] && [ -x "$dir/temporal-sql-tool" ] && [ -f "$dir/config/docker.yaml" ]; then
  echo "$dir"; exit 0
fi
command -v go >/dev/null 2>&1 || { echo "no Go toolchain: install Go (https://go.dev/dl) to build the Temporal server" >&2; exit 1; }

mkdir -p "$dir"
echo "building Temporal server $version with go install (a few minutes the first time; cached in $dir)" >&2
start=$(date +%s)
# Built into a temporary folder and moved into place: an interrupted build leaves nothing.
tmp=$(mktemp -d "$dir/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" GOFLAGS=-mod=mod go install \
  "go.temporal.io/server/cmd/server@$version" "go.temporal.io/server/cmd/tools/sql@$version" >&2
# The image's configuration: a template (config/docker.yaml) and its dynamic config.
module="$(go env GOMODCACHE)/go.temporal.io/server@$version"
mkdir -p "$tmp/config/dynamicconfig"
cp "$module/config/docker.yaml" "$tmp/config/docker.yaml"
cp "$module/config/dynamicconfig/docker.yaml" "$tmp/config/dynamicconfig/docker.yaml"
chmod -R u+w "$tmp/config"
rm -rf "$dir/config"
mv "$tmp/config" "$dir/config"
mv "$tmp/sql" "$dir/temporal-sql-tool"
mv "$tmp/server" "$dir/temporal-server"
echo "built Temporal server $version in $(( $(date +%s) - start ))s" >&2
echo "$dir"
