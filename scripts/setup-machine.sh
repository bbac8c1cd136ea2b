#!/usr/bin/env bash
# webgrad-setup (also the second half of `npm run setup`): makes sure this machine can run webgrad —
# a WebGPU adapter (installing Mesa's software Vulkan driver, lavapipe, where there is none), a
# font for the training plots' PNGs and, in a clone, Debian's chromium for the browser tests.
# Works from a clone and from an app that installed webgrad (`npx webgrad-setup`). Idempotent and
# quick when everything is in place.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")" && pwd)"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

# The training plots' PNGs need a font for their text (the SVGs do not).
if ! ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core >/dev/null 2>&1 \
      || echo "webgrad setup: could not install fonts-dejavu-core; plot PNGs will have no text" >&2
  else
    echo "webgrad setup: no DejaVu font: plot PNGs will have no text (apt-get install -y fonts-dejavu-core)" >&2
  fi
fi

# The browser tests (test/browser/) drive Debian's chromium headless through playwright-core;
# Playwright's own browser downloads are not used. Without its recommends (printer setup, samba,
# avahi, upower: nothing a headless run uses). Only in a clone of webgrad: an app's
# `npx webgrad-setup` needs no browser. WEBGRAD_CHROMIUM (another Chromium's path) skips it.
if [ -d "$here/../test/browser" ] && [ -z "${WEBGRAD_CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "webgrad setup: installing Debian's chromium for the browser tests"
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }; } >/dev/null 2>&1 \
      || echo "webgrad setup: could not install chromium; the browser tests (test/browser) will fail" >&2
  else
    echo "webgrad setup: no /usr/bin/chromium: the browser tests (test/browser) need it (apt-get install -y chromium, or set WEBGRAD_CHROMIUM to another Chromium)" >&2
  fi
fi

if node "$here/check-gpu.mjs" 2>/dev/null; then
  exit 0
fi
echo "webgrad setup: no WebGPU adapter; installing Mesa's lavapipe (software Vulkan)"
bash "$here/install-lavapipe.sh"
node "$here/check-gpu.mjs"
