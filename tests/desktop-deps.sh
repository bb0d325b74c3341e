#!/usr/bin/env bash
# What the desktop end-to-end tests drive (Debian/Ubuntu, as root): a virtual X server and a
# tray host (Xvfb, trayer), clicks and screenshots (xdotool, ImageMagick), a D-Bus session with
# the real Secret Service (dbus, gnome-keyring, secret-tool), Debian's Chromium and ChromeDriver for
# the review page's browser test, and cargo-deb for the package test.
set -euo pipefail
PKGS="xvfb xauth trayer xdotool imagemagick x11-utils dbus dbus-x11 gnome-keyring libsecret-tools chromium chromium-driver"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  if [ "$(id -u)" != 0 ]; then echo "desktop-deps.sh: run as root to install:$missing" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null; }
fi
command -v cargo-deb >/dev/null || cargo install cargo-deb --locked --quiet
echo "desktop test tools: ok"
