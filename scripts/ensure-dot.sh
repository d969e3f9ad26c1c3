#!/usr/bin/env bash
# Make sure Graphviz's `dot` is on PATH: install Debian's graphviz when missing, or say how to.
exec bash "$(dirname "$0")/ensure-debian-tool.sh" dot graphviz "Graphviz's dot" \
  "install Graphviz: 'sudo apt-get install graphviz' (Debian/Ubuntu), 'brew install graphviz' (macOS) or 'conda install -c conda-forge graphviz'"
