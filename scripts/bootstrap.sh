#!/usr/bin/env bash
# Installs the Debian packages auxsweep builds against, if any are missing:
# oneDNN (libdnnl-dev) for the numeric core, SQLite (libsqlite3-dev) for the embedded results store,
# PostgreSQL's server (postgresql) for the tests' throwaway store server, and Slurm with munge
# (slurm-wlm, munge) for the tests' single-node cluster (both in scripts/services/), libpng and
# libjpeg-turbo (libpng-dev, libjpeg62-turbo-dev) for folder data sets; for `serve`'s tests and
# benchmark, headless Chromium (chromium, driven over its DevTools protocol), curl and wrk.
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -euo pipefail
packages=(libdnnl-dev libsqlite3-dev postgresql slurm-wlm munge libpng-dev libjpeg62-turbo-dev chromium curl wrk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
command -v swift >/dev/null || { echo "bootstrap: swift is not on PATH; install Swift 6 first" >&2; exit 1; }
if [[ $(id -u) -ne 0 ]]; then
  echo "bootstrap: missing Debian packages: ${missing[*]}" >&2
  echo "bootstrap: run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "bootstrap: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
