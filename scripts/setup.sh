#!/usr/bin/env bash
# npm run setup: installs the npm dependencies (which builds dist/) and makes sure a
# WebGPU adapter exists, installing Mesa's software Vulkan driver where there is none, and a
# font for the plots.
# Idempotent and quick when everything is already in place.
#   npm run setup -- --bench   also installs what `npm run bench` compares against
#                              (Debian's python3-opencv, for the prepare baseline).
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  echo "webgrad setup: node_modules up to date"
  [ -d dist ] || npm run build
fi

if [ "${1:-}" = "--bench" ] && ! /usr/bin/python3 -c 'import cv2' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-opencv >/dev/null
  else
    echo "webgrad setup: the bench's OpenCV baseline needs python3-opencv (apt-get install -y python3-opencv)" >&2
  fi
fi

# The training plots' PNGs need a font for their text (the SVGs do not).
if ! ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null 2>&1 \
      || echo "webgrad setup: could not install fonts-dejavu-core; plot PNGs will have no text" >&2
  else
    echo "webgrad setup: no DejaVu font: plot PNGs will have no text (apt-get install -y fonts-dejavu-core)" >&2
  fi
fi

if node scripts/check-gpu.mjs 2>/dev/null; then
  exit 0
fi
echo "webgrad setup: no WebGPU adapter; installing Mesa's lavapipe (software Vulkan)"
bash scripts/install-lavapipe.sh
node scripts/check-gpu.mjs
