#!/usr/bin/env bash
# Builds the zip an Azure Functions app (Linux, custom handler) runs from, for ONE
# direction:
#
#   deploy/azure/functions/package.sh cf-to-halo-function   # service 01
#   deploy/azure/functions/package.sh halo-to-cf-function   # service 03
#
# The zip holds host.json (naming the binary), the direction's webhook function, the
# healthz/readyz/metrics functions, and the static binary at the root with mode 0755.
# Output: target/azure-functions/<binary>.zip (override with OUT=path). Set BINARY=path
# to pack a binary built elsewhere instead of building one here.
set -euo pipefail

TARGET=x86_64-unknown-linux-gnu
say() { printf 'package: %s\n' "$*" >&2; }

bin=${1:-}
case "$bin" in
  cf-to-halo-function) webhook=cf-webhooks ;;
  halo-to-cf-function) webhook=halo-webhooks ;;
  *) say "usage: $0 cf-to-halo-function|halo-to-cf-function"; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=${OUT:-$root/target/azure-functions/$bin.zip}
case "$out" in /*) ;; *) out=$PWD/$out ;; esac

if [ -z "${BINARY:-}" ]; then
  say "building $bin (static, release)"
  (cd "$root" && RUSTFLAGS='-C target-feature=+crt-static' \
    cargo build --release --locked --target "$TARGET" -p "$bin")
  BINARY=${CARGO_TARGET_DIR:-$root/target}/$TARGET/release/$bin
fi
[ -f "$BINARY" ] || { say "no binary at $BINARY"; exit 1; }
# The Functions host runs the handler on its own Linux image; a static binary does not
# depend on which glibc that image carries.
if readelf -d "$BINARY" | grep -q '(NEEDED)'; then
  say "$BINARY is linked dynamically; build it with RUSTFLAGS='-C target-feature=+crt-static'"
  exit 1
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
sed "s/\"defaultExecutablePath\": \"[^\"]*\"/\"defaultExecutablePath\": \"$bin\"/" \
  "$here/host.json" >"$stage/host.json"
grep -q "\"defaultExecutablePath\": \"$bin\"" "$stage/host.json" \
  || { say "host.json: could not set defaultExecutablePath"; exit 1; }
for function in "$webhook" healthz readyz metrics; do
  mkdir -p "$stage/$function"
  cp "$here/$function/function.json" "$stage/$function/function.json"
done
install -m 0755 "$BINARY" "$stage/$bin"

mkdir -p "$(dirname "$out")"
rm -f "$out"
# Info-ZIP records Unix modes, so the host can execute the handler straight from the zip.
(cd "$stage" && zip -q -X -r "$out" host.json "$webhook" healthz readyz metrics "$bin")
mode=$(zipinfo "$out" "$bin" | awk '{ print $1 }')
case "$mode" in
  -rwx*) ;;
  *) say "the binary lost its executable bit in the zip ($mode)"; exit 1 ;;
esac
say "wrote $out ($(du -h "$out" | cut -f1)):"
zipinfo "$out" >&2
