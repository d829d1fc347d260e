#!/usr/bin/env bash
# Builds static release binaries on this machine and packs each into an image through the
# Dockerfile's `prebuilt` stage, which pulls no base image (CI cannot pull any).
#
#   deploy/docker/build-prebuilt.sh                      # all nine binaries (with demo)
#   deploy/docker/build-prebuilt.sh mock-halo cf-to-halo-service
#
# Environment: CARGO_TARGET_DIR (default: the workspace's target/), IMAGE_PREFIX (default
# contraforce-halo), IMAGE_TAG (default local), SKIP_BUILD=1 to pack binaries already built
# (statically) in the target folder, SKIP_DOCKER=1 to stop after copying the binaries into
# deploy/docker/prebuilt/. Images are built only when `docker info` answers.
set -euo pipefail

TARGET=x86_64-unknown-linux-gnu
ALL=(
  cf-to-halo-function cf-to-halo-service halo-to-cf-function halo-to-cf-service
  cf-to-halo-cluster halo-to-cf-cluster mock-halo mock-contraforce demo
)

say() { printf 'build-prebuilt: %s\n' "$*" >&2; }

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=("${ALL[@]}")

for bin in "${bins[@]}"; do
  case " ${ALL[*]} " in
    *" $bin "*) ;;
    *) say "unknown binary '$bin'; known: ${ALL[*]}"; exit 2 ;;
  esac
done

if [ "${SKIP_BUILD:-0}" = 1 ]; then
  say "SKIP_BUILD=1: packing the binaries already in the target folder"
else
  packages=()
  for bin in "${bins[@]}"; do packages+=(-p "$bin"); done
  say "cargo build --release --target $TARGET ${packages[*]} (static)"
  RUSTFLAGS='-C target-feature=+crt-static' \
    cargo build --release --locked --target "$TARGET" "${packages[@]}"
fi

out_dir=${CARGO_TARGET_DIR:-$root/target}/$TARGET/release
mkdir -p deploy/docker/prebuilt
for bin in "${bins[@]}"; do
  # A dynamic section with NEEDED entries means a shared library would be loaded at run
  # time, which a scratch image does not have.
  if readelf -d "$out_dir/$bin" | grep -q '(NEEDED)'; then
    say "$bin is linked dynamically; refusing to pack it"
    exit 1
  fi
  install -m 0755 "$out_dir/$bin" "deploy/docker/prebuilt/$bin"
  say "deploy/docker/prebuilt/$bin ($(du -h "deploy/docker/prebuilt/$bin" | cut -f1))"
done

if [ "${SKIP_DOCKER:-0}" = 1 ]; then
  say "SKIP_DOCKER=1: no images built"
  exit 0
fi
if ! docker info >/dev/null 2>&1; then
  say "docker does not answer; binaries are in deploy/docker/prebuilt/, no images built"
  exit 0
fi
for bin in "${bins[@]}"; do
  image="${IMAGE_PREFIX:-contraforce-halo}/$bin:${IMAGE_TAG:-local}"
  case "$bin" in
    mock-halo) port=8081 ;;
    mock-contraforce) port=8082 ;;
    *) port=8080 ;;
  esac
  say "docker build --target prebuilt -> $image"
  docker build --target prebuilt --build-arg "BIN=$bin" --build-arg "EXPOSE_PORT=$port" \
    -t "$image" -f deploy/docker/Dockerfile .
done
