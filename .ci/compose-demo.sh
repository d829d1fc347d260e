#!/usr/bin/env bash
# Runs the compose demo the way a user would, but with images packed from binaries built
# on this machine (the Dockerfile's `prebuilt` stage), since CI cannot pull any image.
# Waits for the one-shot demo container, prints its transcript, requires exit code 0, and
# always tears everything down. Where no Docker engine answers it says so loudly and runs
# the no-Docker demo instead.
set -euo pipefail
cd "$(dirname "$0")/.."

LIMIT=${DEMO_TIMEOUT_SECS:-300}
BINS=(mock-halo mock-contraforce cf-to-halo-function cf-to-halo-service
      halo-to-cf-function halo-to-cf-service demo)

if ! docker info >/dev/null 2>&1; then
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  echo "!! NO DOCKER ENGINE ANSWERS: the compose demo cannot run here.              !!" >&2
  echo "!! Running the same scenario without Docker: cargo run --release -p demo    !!" >&2
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!" >&2
  exec timeout "$LIMIT" cargo run --release -p demo
fi

if docker compose version >/dev/null 2>&1; then
  compose() { docker compose "$@"; }
else
  compose() { docker-compose "$@"; }
fi
export COMPOSE_PROJECT_NAME=bridge-ci-demo
export BRIDGE_BUILD_TARGET=prebuilt

teardown() { compose down --volumes --remove-orphans >/dev/null 2>&1 || true; }
trap teardown EXIT
teardown

# The demo needs no link-time optimisation; skipping it saves CI minutes on two cores.
CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  deploy/docker/build-prebuilt.sh "${BINS[@]}"
compose build
compose up -d --no-build

demo=$(compose ps -q demo)
[ -n "$demo" ] || { echo "compose-demo: the demo container did not start" >&2; exit 1; }
if ! code=$(timeout "$LIMIT" docker wait "$demo"); then
  echo "compose-demo: the demo did not finish within ${LIMIT}s" >&2
  compose logs --no-color >&2 || true
  exit 1
fi

echo "== demo transcript"
docker logs "$demo" 2>&1
if [ "$code" != "0" ]; then
  echo "compose-demo: the demo exited with $code; service logs follow" >&2
  compose logs --no-color >&2 || true
  exit 1
fi
echo "compose-demo: the demo passed"
