#!/usr/bin/env bash
# Prints the path of a Docker Compose v2 binary, standalone (`<path> config` is what
# `docker compose config` does), which test/compose.test.ts uses to check docker-compose.yml
# on machines without a Docker engine: `config` reads and validates the file, it never
# talks to an engine.
# Order: $DOCKER_COMPOSE_PATH, our cached build, a fresh build with Go from the module proxy
# (about 7 minutes with cold Go caches). Debian's docker-compose 1.29 is never used: it
# rejects the top-level `name:`. DOCKER_COMPOSE_VERSION picks another v2 release.
# `--no-build` prints the path only if one exists already, and fails otherwise.
set -euo pipefail

version="${DOCKER_COMPOSE_VERSION:-v2.40.3}"
cache="${ROSE_CACHE_DIR:-$HOME/.cache/rose-checkout}"
dir="$cache/docker-compose-$version"
build=yes
[ "${1:-}" = "--no-build" ] && build=no

if [ -n "${DOCKER_COMPOSE_PATH:-}" ]; then
  [ -x "$DOCKER_COMPOSE_PATH" ] || { echo "DOCKER_COMPOSE_PATH=$DOCKER_COMPOSE_PATH is not an executable" >&2; exit 1; }
  echo "$DOCKER_COMPOSE_PATH"; exit 0
fi
if [ -x "$dir/docker-compose" ]; then echo "$dir/docker-compose"; exit 0; fi
if [ "$build" = no ]; then
  echo "no Docker Compose $version in $dir: run bash scripts/docker-compose.sh (or set DOCKER_COMPOSE_PATH)" >&2
  exit 1
fi
if ! command -v go >/dev/null 2>&1; then
  echo "no Docker Compose $version cached in $dir and no Go toolchain to build it: install Go, or set DOCKER_COMPOSE_PATH" >&2
  exit 1
fi

mkdir -p "$dir"
echo "building Docker Compose $version with Go ($(go version | cut -d' ' -f3); about 7 minutes with cold Go caches; cached in $dir)" >&2
start=$(date +%s)
# Build into a temporary folder and move into place, so that an interrupted build never
# leaves a half-written binary in the cache. `go install module/cmd@version` refuses
# compose's go.mod (it has `exclude` directives), so: fetch the module's source into Go's
# module cache, then build its main package (./cmd) as the main module, with the version
# stamped as compose's own Makefile does.
tmp=$(mktemp -d "$dir/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
module="github.com/docker/compose/v2"
echo "downloading $module@$version and its dependencies from the Go module proxy" >&2
src=$(GOFLAGS= go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
[ -n "$src" ] && [ -d "$src" ] || { echo "go mod download gave no source folder for $module@$version" >&2; exit 1; }
echo "compiling $module/cmd (the dependencies download on the way)" >&2
(cd "$src" && GOFLAGS=-mod=readonly CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X $module/internal.Version=$version" -o "$tmp/docker-compose" ./cmd) >&2
"$tmp/docker-compose" version >&2
mv "$tmp/docker-compose" "$dir/docker-compose"
echo "built Docker Compose $version in $(( $(date +%s) - start ))s" >&2
echo "$dir/docker-compose"
