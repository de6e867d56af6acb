#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Installs the system packages the build needs (libelf, libdw and libzstd headers),
# only those that are missing. Uses sudo when not root. Exit 0 when all are present afterwards.
set -euo pipefail

packages=(libelf-dev libdw-dev libzstd-dev pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps.sh: installing ${missing[*]}" >&2
$sudo apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
