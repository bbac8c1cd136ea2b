#!/usr/bin/env bash
# npm run setup: installs the npm dependencies (which builds dist/), then scripts/setup-machine.sh
# makes sure a WebGPU adapter exists (installing Mesa's software Vulkan driver where there is none)
# and a font for the plots.
# Idempotent and quick when everything is already in place.
#   npm run setup -- --bench   also installs what `npm run bench` compares against: Debian's
#                              python3-opencv (the prepare baseline) and python3-torch +
#                              python3-torchvision (the PyTorch CPU columns).
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  echo "webgrad setup: node_modules up to date"
  [ -d dist ] || npm run build
fi

if [ "${1:-}" = "--bench" ] && ! /usr/bin/python3 -c 'import cv2, torch, torchvision' 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-opencv python3-torch python3-torchvision >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-opencv python3-torch python3-torchvision >/dev/null; }
  else
    echo "webgrad setup: the bench's baselines need python3-opencv, python3-torch and python3-torchvision (apt-get install -y …)" >&2
  fi
fi

bash scripts/setup-machine.sh
