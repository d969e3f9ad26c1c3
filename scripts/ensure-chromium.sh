#!/usr/bin/env bash
# Make sure headless Chromium is at /usr/bin/chromium for the diagram player's browser test: install Debian's
# `chromium` when missing (as root or with sudo), or say how to. The browser comes from Debian's packages,
# never from a download of its own (no `playwright install`).
exec bash "$(dirname "$0")/ensure-debian-tool.sh" chromium chromium "Chromium" \
  "install Chromium: 'sudo apt-get install chromium' (Debian/Ubuntu); the player's browser test is skipped without it"
