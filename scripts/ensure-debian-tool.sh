#!/usr/bin/env bash
# ensure-debian-tool.sh COMMAND PACKAGE NAME HOW: make sure COMMAND is on PATH, installing Debian's PACKAGE when it
# is missing (as root or with sudo; never a download of its own), or say how to install it and fail.
set -euo pipefail
command="$1" package="$2" name="$3" how="$4"
command -v "$command" >/dev/null 2>&1 && exit 0
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
    echo "$name is missing and this user cannot run apt-get: $how" >&2; exit 1
  fi
  echo "installing $name from Debian..."
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$package" >/dev/null
  command -v "$command" >/dev/null 2>&1 && exit 0
fi
echo "$name is missing: $how" >&2
exit 1
