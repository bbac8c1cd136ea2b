#!/usr/bin/env bash
# Installs Mesa's software Vulkan driver (lavapipe) from Debian bookworm-backports.
# Stock bookworm ships Mesa 22.3, which fails Dawn's feature checks; backports has 25.x.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
  echo "webgrad setup: no WebGPU adapter and not root, so nothing can be installed." >&2
  echo "  Install a Vulkan driver, e.g. on Debian bookworm (as root):" >&2
  echo "    add a deb822 source for suite bookworm-backports, then" >&2
  echo "    apt-get install -y libvulkan1 && apt-get install -y -t bookworm-backports mesa-vulkan-drivers" >&2
  exit 1
fi
if ! grep -qs '^VERSION_CODENAME=bookworm' /etc/os-release; then
  echo "webgrad setup: automatic install only knows Debian bookworm." >&2
  echo "  Install libvulkan1 and Mesa >= 24 (mesa-vulkan-drivers, lavapipe) or a GPU's Vulkan driver, then rerun." >&2
  exit 1
fi

src=/etc/apt/sources.list.d/webgrad-bookworm-backports.sources
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > "$src" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq libvulkan1 >/dev/null
apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers >/dev/null
echo "webgrad setup: installed libvulkan1 and mesa-vulkan-drivers $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)"
