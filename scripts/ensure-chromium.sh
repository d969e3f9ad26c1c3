#!/usr/bin/env bash
# Make sure headless Chromium is at /usr/bin/chromium for the diagram player's browser test: install Debian's
# `chromium` when missing (as root or with sudo), or say how to. The browser comes from Debian's packages,
# never from a download of its own (no `playwright install`).
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
how="install Chromium: 'sudo apt-get install chromium' (Debian/Ubuntu); the player's browser test is skipped without it"
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
    echo "Chromium is missing and this user cannot run apt-get: $how" >&2; exit 1
  fi
  echo "installing Chromium from Debian..."
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
  command -v chromium >/dev/null 2>&1 && exit 0
fi
echo "Chromium is missing: $how" >&2
exit 1
