#!/usr/bin/env bash
# npm run setup: installs the npm dependencies (which builds dist/) and makes sure a
# WebGPU adapter exists, installing Mesa's software Vulkan driver where there is none.
# Idempotent and quick when everything is already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  echo "webgrad setup: node_modules up to date"
  [ -d dist ] || npm run build
fi

if node scripts/check-gpu.mjs 2>/dev/null; then
  exit 0
fi
echo "webgrad setup: no WebGPU adapter; installing Mesa's lavapipe (software Vulkan)"
bash scripts/install-lavapipe.sh
node scripts/check-gpu.mjs
