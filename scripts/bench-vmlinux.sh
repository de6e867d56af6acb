#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# verify-patch against pfunct (dwarves) on a distribution debug vmlinux, for the seed
# patch's four functions: wall time (hyperfine, warm page cache) and peak memory
# (/usr/bin/time). Also the symbol scan against readelf -sW and nm, and the cost of
# check with the body evidence on a body-only fix and a six-file patch, and the peak
# memory of symbols --json.
#
# Usage: scripts/bench-vmlinux.sh [VMLINUX]   (default: fetched by fetch-kernel.sh)
# Needs: hyperfine, time, dwarves, binutils (the script installs them with apt).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
missing=()
for p in hyperfine time dwarves binutils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
vmlinux=${1:-$(scripts/fetch-kernel.sh --dbg-only | sed -n 's/^VMLINUX=//p')}
scripts/deps.sh
swift build -c release --product verify-patch >&2
vp="$repo/.build/release/verify-patch"
seed=fixtures/patches/seed-archive.txt
functions=(split_large_buddy expand page_del_and_expand try_to_claim_block)
pf="for f in ${functions[*]}; do pfunct -f \$f $vmlinux; done >/dev/null"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m); date: $(date -u +%F); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "vmlinux: $vmlinux ($(du -m "$vmlinux" | cut -f1) MiB)"
cat "$vmlinux" > /dev/null   # warm the page cache for both tools

hyperfine --warmup 1 --runs 5 --export-markdown /tmp/bench-prototypes.md \
  -n "verify-patch check (4 functions)" "$vp check --patch $seed $vmlinux >/dev/null || true" \
  -n "pfunct -f (4 functions)" "$pf"
body=fixtures/presence/patches/01-split-large-buddy-stable-6.12.eml
wide=fixtures/presence/patches/08-defrag-mode-watermarks.eml
hyperfine --warmup 2 --runs 10 --export-markdown /tmp/bench-check.md \
  -n "verify-patch check (seed)" "$vp check --patch $seed $vmlinux >/dev/null || true" \
  -n "verify-patch check (body-only fix)" "$vp check --patch $body $vmlinux >/dev/null || true" \
  -n "verify-patch check (six files)" "$vp check --patch $wide $vmlinux >/dev/null || true"
hyperfine --warmup 1 --runs 5 --export-markdown /tmp/bench-symbols.md \
  -n "verify-patch symbols" "$vp symbols $vmlinux >/dev/null" \
  -n "readelf -sW" "readelf -sW $vmlinux >/dev/null" \
  -n "nm" "nm $vmlinux >/dev/null"

peak() { /usr/bin/time -f '%M' bash -c "$1" 2>&1 >/dev/null | tail -n 1; }
echo
echo "peak resident memory (KiB):"
echo "  verify-patch check: $(peak "$vp check --patch $seed $vmlinux >/dev/null || true")"
echo "  pfunct -f expand:   $(peak "pfunct -f expand $vmlinux >/dev/null")"
echo "  verify-patch check (body-only fix): $(peak "$vp check --patch $body $vmlinux >/dev/null || true")"
echo "  verify-patch check (six files): $(peak "$vp check --patch $wide $vmlinux >/dev/null || true")"
echo "  verify-patch symbols: $(peak "$vp symbols $vmlinux >/dev/null")"
echo "  verify-patch symbols --json: $(peak "$vp symbols --json $vmlinux >/dev/null")"
echo "  readelf -sW:        $(peak "readelf -sW $vmlinux >/dev/null")"
echo "  nm:                 $(peak "nm $vmlinux >/dev/null")"
cat /tmp/bench-prototypes.md /tmp/bench-check.md /tmp/bench-symbols.md
