#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fetch a Linux source package and the matching cloud-amd64 debug vmlinux with apt
# alone, into a cache directory outside the repository: the newest 7.x by default, or
# the newest of another series (`--series 6.12`).
#
# The mirror is whatever the machine's own apt sources name for Debian; nothing here
# names a host. apt runs with a private sources list, lists directory and archive cache,
# so the system's apt state is left untouched.
#
# Usage: scripts/fetch-kernel.sh [--series 7|6.12|...] [--source-only|--dbg-only]
# Env:   VERIFY_PATCH_CACHE  cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/verify-patch)
#        KERNEL_SUITES       suites to search, newest preferred last (default: "trixie-backports
#                            sid" for series 7, "bookworm-backports" for 6.x)
# Prints, on its last lines, KEY=VALUE pairs: SOURCE_TREE, VMLINUX, KERNEL_VERSION.
# Exit: 0 fetched or cached, 1 nothing suitable found or a download failed, 2 usage.
set -euo pipefail

want_source=1 want_dbg=1 series=7
while [ $# -gt 0 ]; do
  case "$1" in
    --source-only) want_dbg=0 ;;
    --dbg-only) want_source=0 ;;
    --series)
      [ $# -ge 2 ] || { echo "fetch-kernel.sh: --series needs a value" >&2; exit 2; }
      series=$2; shift ;;
    *) echo "fetch-kernel.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
# A series is a major version (7: its newest 7.x) or major.minor (6.12).
case "$series" in
  [0-9]) series_re="$series\\.[0-9]+"; default_suites="trixie-backports sid" ;;
  [0-9].[0-9]|[0-9].[0-9][0-9]) series_re="${series%%.*}\\.${series#*.}"; default_suites="bookworm-backports" ;;
  *) echo "fetch-kernel.sh: --series takes 7 or 6.12, not '$series'" >&2; exit 2 ;;
esac
[ "${series%%.*}" -ge 7 ] && default_suites="trixie-backports sid"

cache="${VERIFY_PATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/verify-patch}"
suites="${KERNEL_SUITES:-$default_suites}"
# One private apt state per set of suites, so that lists of one never stand in for another.
if [ "$suites" = "trixie-backports sid" ]; then apt_root="$cache/apt"; else apt_root="$cache/apt-${suites// /+}"; fi
mkdir -p "$apt_root/lists/partial" "$apt_root/archives/partial" "$cache/debs"

# The Debian mirror the machine already uses: first URI of a deb822 or one-line source
# whose path ends in /debian (not -security, not a third-party repository).
mirror_uri() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }' "$f"
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; break } }' "$f"
  done
}
uri=$(mirror_uri | grep -E '/debian/?$' | head -n 1 || true)
if [ -z "$uri" ]; then
  echo "fetch-kernel.sh: no Debian mirror found in the machine's apt sources" >&2
  exit 1
fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

{
  for s in $suites; do
    echo "deb [signed-by=$keyring] $uri $s main"
  done
} > "$apt_root/sources.list"

apt_opts=(
  -o "Dir::Etc::SourceList=$apt_root/sources.list"
  -o "Dir::Etc::SourceParts=-"
  -o "Dir::State::Lists=$apt_root/lists"
  -o "Dir::Cache=$apt_root"
  -o "Dir::Cache::archives=$apt_root/archives"
  -o "Dir::State::status=$apt_root/status"
  -o "APT::Architecture=amd64"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
touch "$apt_root/status"

# Refresh the private lists at most once a day.
stamp="$apt_root/lists/.updated"
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mtime +0 2>/dev/null)" ]; then
  echo "fetch-kernel.sh: updating private package lists for: $suites" >&2
  if ! apt-get "${apt_opts[@]}" -qq update >&2; then
    echo "fetch-kernel.sh: apt-get update failed for suites '$suites'" >&2
    exit 1
  fi
  touch "$stamp"
fi

newest() { # newest package name matching a regex, by Debian version order of the name
  apt-cache "${apt_opts[@]}" pkgnames 2>/dev/null | grep -E "$1" | sort -V | tail -n 1
}
candidate() { apt-cache "${apt_opts[@]}" policy "$1" | awk '/Candidate:/ { print $2 }'; }

download() { # package -> path of the cached .deb
  local pkg=$1 ver deb
  ver=$(candidate "$pkg")
  deb=$(ls "$cache/debs/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1 || true)
  if [ -z "$deb" ]; then
    echo "fetch-kernel.sh: downloading $pkg $ver" >&2
    if ! (cd "$cache/debs" && apt-get "${apt_opts[@]}" -qq download "$pkg=$ver" >&2); then
      echo "fetch-kernel.sh: download of $pkg $ver failed" >&2
      exit 1
    fi
    deb=$(ls "$cache/debs/${pkg}_${ver//:/%3a}_"*.deb | head -n 1)
  else
    echo "fetch-kernel.sh: using cached $pkg $ver" >&2
  fi
  printf '%s\n' "$deb"
}

if [ "$want_source" = 1 ]; then
  src_pkg=$(newest "^linux-source-$series_re\$")
  if [ -z "$src_pkg" ]; then
    echo "fetch-kernel.sh: no linux-source-$series package in suites '$suites'" >&2
    exit 1
  fi
  src_ver=$(candidate "$src_pkg")
  tree="$cache/src/$src_pkg-$src_ver"
  if [ ! -f "$tree/.complete" ]; then
    deb=$(download "$src_pkg")
    rm -rf "$tree" "$tree.tmp"; mkdir -p "$tree.tmp"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tree.tmp" --wildcards '*.tar.xz'
    tarball=$(find "$tree.tmp" -name 'linux-source-*.tar.xz' | head -n 1)
    tar -xJf "$tarball" -C "$tree.tmp"
    rm -f "$tarball"
    inner=$(find "$tree.tmp" -mindepth 1 -maxdepth 4 -type d -name 'linux-source-*' | head -n 1)
    mv "$inner" "$tree"; rm -rf "$tree.tmp"
    touch "$tree/.complete"
  fi
  echo "fetch-kernel.sh: took $src_pkg $src_ver" >&2
  echo "SOURCE_TREE=$tree"
fi

if [ "$want_dbg" = 1 ]; then
  dbg_pkg=$(newest "^linux-image-$series_re[.0-9]*[-+][0-9a-z.+~-]*cloud-amd64-dbg\$")
  if [ -z "$dbg_pkg" ]; then
    echo "fetch-kernel.sh: no linux-image-$series cloud-amd64 debug package in suites '$suites'" >&2
    exit 1
  fi
  dbg_ver=$(candidate "$dbg_pkg")
  kver=${dbg_pkg#linux-image-}; kver=${kver%-dbg}
  vmlinux="$cache/vmlinux/$kver/vmlinux"
  if [ ! -f "$vmlinux" ]; then
    deb=$(download "$dbg_pkg")
    mkdir -p "$cache/vmlinux/$kver"
    rm -rf "$vmlinux.d"; mkdir -p "$vmlinux.d"
    # The package holds the image once and links to it from other paths.
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$vmlinux.d" --wildcards '*vmlinux*'
    real=$(find "$vmlinux.d" -type f -name 'vmlinux*' -size +1M | head -n 1)
    if [ -z "$real" ]; then
      echo "fetch-kernel.sh: no vmlinux image in $deb" >&2
      exit 1
    fi
    mv "$real" "$vmlinux"; rm -rf "$vmlinux.d"
  fi
  echo "fetch-kernel.sh: took $dbg_pkg $dbg_ver" >&2
  echo "VMLINUX=$vmlinux"
  echo "KERNEL_VERSION=$kver"
fi
