#!/usr/bin/env bash
# Make sure Graphviz's `dot` is on PATH: install Debian's graphviz when missing, or say how to.
set -euo pipefail
command -v dot >/dev/null 2>&1 && exit 0
how="install Graphviz: 'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS) or 'conda install -c conda-forge graphviz'"
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"; else
    echo "Graphviz's dot is missing and this user cannot run apt-get: $how" >&2; exit 1
  fi
  echo "installing Graphviz (dot) from Debian..."
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends graphviz >/dev/null
  command -v dot >/dev/null 2>&1 && exit 0
fi
echo "Graphviz's dot is missing: $how" >&2
exit 1
