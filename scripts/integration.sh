#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The integration stage: real kernel artifacts, built and verified.
#   1. fetch the newest linux-source-7.x and its cloud-amd64 debug vmlinux (apt, cache);
#   2. apply the seed, as the mail archive rendered it, to a copy of the tree with
#      `verify-patch apply` (the pristine tree is left as it was);
#   3. build mm/page_alloc.o from the pristine and from the patched tree;
#   4. verify: pristine page_alloc.o unpatched, patched page_alloc.o patched,
#      distribution vmlinux unpatched; print the three reports.
#   5. drift: the port against the pristine tree, and with the seed applied to it
#      against the patched tree; the tests that need the tree (DriftCLITests).
# Exit 0 when every verdict is the expected one, 1 otherwise (a fetch or build failure
# included: under CI=true a download failure is never skipped).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
cache="${VERIFY_PATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/verify-patch}"
seed=fixtures/patches/seed-archive.txt
start=$(date +%s)
step() { echo "== [$(( $(date +%s) - start ))s] $*"; }

step "system packages"
scripts/deps.sh
need=()
for p in flex bison bc gcc make xz-utils; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get install -y -qq "${need[@]}" >&2
fi

step "verify-patch (release build)"
swift build -c release --product verify-patch 2>&1 | tail -n 1
vp="$repo/.build/release/verify-patch"

step "fetching kernel source and debug vmlinux"
if ! out=$(scripts/fetch-kernel.sh); then
  echo "integration: fetching the kernel packages failed (see above); nothing was skipped" >&2
  exit 1
fi
tree=$(sed -n 's/^SOURCE_TREE=//p' <<<"$out")
vmlinux=$(sed -n 's/^VMLINUX=//p' <<<"$out")
kver=$(sed -n 's/^KERNEL_VERSION=//p' <<<"$out")
echo "source tree: $tree"
echo "vmlinux:     $vmlinux"

step "applying the seed to a copy of the tree"
name=$(basename "$tree")
patched_tree="$cache/trees/$name+seed"
if [ ! -f "$patched_tree/.applied" ]; then
  rm -rf "$patched_tree"
  mkdir -p "$cache/trees"
  cp -al "$tree" "$patched_tree"          # hard links; apply replaces the files it changes
  before=$(sha256sum "$tree/mm/page_alloc.c")
  "$vp" apply --patch "$seed" --tree "$patched_tree"
  [ "$(sha256sum "$tree/mm/page_alloc.c")" = "$before" ] || {
    echo "integration: applying to the copy changed the pristine tree" >&2; exit 1; }
  touch "$patched_tree/.applied"
else
  echo "using $patched_tree"
fi

step "building pristine mm/page_alloc.o"
pristine_out="$cache/build/$name/pristine"
scripts/build-kernel-objects.sh "$tree" "$pristine_out" | tail -n 1
step "building patched mm/page_alloc.o"
patched_out="$cache/build/$name/patched"
if [ ! -f "$patched_out/.config" ]; then
  rm -rf "$patched_out"; mkdir -p "$patched_out"
  # The prepared build directory is the same for both trees; reuse it.
  cp -a "$pristine_out/." "$patched_out/"
  rm -f "$patched_out/mm/page_alloc.o" "$patched_out/mm/.page_alloc.o.cmd" "$patched_out/Makefile"
fi
scripts/build-kernel-objects.sh "$patched_tree" "$patched_out" | tail -n 1

status=0
expect() { # object expected-exit expected-verdict label
  local report got
  set +e
  report=$("$vp" check --patch "$seed" "$1")
  got=$?
  set -e
  printf '%s\n\n' "$report"
  if [ "$got" -ne "$2" ] || ! grep -qx "$1: $3" <<<"$report"; then
    echo "integration: $4: expected '$3' and exit $2, got exit $got" >&2
    status=1
  fi
}
step "verdicts"
expect "$pristine_out/mm/page_alloc.o" 1 UNPATCHED "pristine page_alloc.o"
expect "$patched_out/mm/page_alloc.o" 0 PATCHED "patched page_alloc.o"
expect "$vmlinux" 1 UNPATCHED "distribution vmlinux $kver"

step "port drift: the port against the pristine tree, with the seed applied against the patched tree"
"$vp" drift --tree "$tree" | tail -n 1 || status=1
"$vp" drift --tree "$patched_tree" --patch "$seed" | tail -n 2 || status=1
"$vp" drift --tree "$tree" >/dev/null || { echo "integration: unexplained drift (baseline)" >&2; status=1; }
"$vp" drift --tree "$patched_tree" --patch "$seed" >/dev/null || { echo "integration: unexplained drift (seed applied)" >&2; status=1; }

step "tests that need the kernel tree"
VERIFY_PATCH_CACHE="$cache" swift test -c release --filter DriftCLITests 2>&1 | tail -n 3 || {
  echo "integration: the tests that need the kernel tree failed" >&2; status=1; }

step "done, exit $status"
exit $status
