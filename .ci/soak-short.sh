#!/usr/bin/env bash
# The short fault soak (docs/soak.md): both directions in all three editions at once,
# through failing mock upstreams, with the service edition killed twice and one of two
# cluster replicas killed. Exits non-zero on any duplicate or missing ticket, comment or
# status change. Builds the soak and the six service binaries in the dev profile (what
# `cargo test` already compiled), starts PostgreSQL when TEST_DATABASE_URL is unset, and
# is bounded to five minutes of running.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  setup=$(bash .ci/postgres.sh)
  eval "$setup"
fi

cargo build --quiet -p soak -p cf-to-halo-function -p cf-to-halo-service \
  -p cf-to-halo-cluster -p halo-to-cf-function -p halo-to-cf-service -p halo-to-cf-cluster

timeout --kill-after=10 300 "${CARGO_TARGET_DIR:-target}/debug/soak" --scale short
