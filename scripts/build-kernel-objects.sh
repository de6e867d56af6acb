#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds mm/page_alloc.o with debug info from a Linux source tree, out of tree, into the
# cache: x86_64 defconfig plus DWARF debug info, DEBUG_VM, and free page reporting
# through the virtio balloon.
#
# Usage: scripts/build-kernel-objects.sh SOURCE_TREE OUTPUT_DIR
# Prints OBJECT=<path of page_alloc.o> on its last line. Exit 0 built, 1 build failed,
# 2 usage.
set -euo pipefail
if [ $# -ne 2 ] || [ ! -f "$1/Makefile" ]; then
  echo "usage: build-kernel-objects.sh SOURCE_TREE OUTPUT_DIR" >&2
  exit 2
fi
tree=$(cd "$1" && pwd)
out=$2
mkdir -p "$out"
out=$(cd "$out" && pwd)

for tool in flex bison bc gcc make; do
  command -v "$tool" >/dev/null || { echo "build-kernel-objects.sh: '$tool' is missing" >&2; exit 1; }
done

jobs=$(nproc)
kmake() { make -C "$tree" O="$out" ARCH=x86_64 -j"$jobs" -s "$@"; }

if [ ! -f "$out/.config" ]; then
  kmake defconfig >&2
  "$tree/scripts/config" --file "$out/.config" \
    -e DEBUG_KERNEL -e DEBUG_INFO -d DEBUG_INFO_NONE -e DEBUG_INFO_DWARF5 \
    -d DEBUG_INFO_REDUCED -d DEBUG_INFO_SPLIT -d DEBUG_INFO_BTF \
    -e DEBUG_VM -e VIRTIO_MENU -e VIRTIO -e VIRTIO_PCI -e VIRTIO_BALLOON -e PAGE_REPORTING \
    -e MEMORY_ISOLATION -e CMA -e COMPACTION
  kmake olddefconfig >&2
  for opt in DEBUG_INFO_DWARF5 DEBUG_VM PAGE_REPORTING VIRTIO_BALLOON; do
    grep -q "^CONFIG_$opt=y" "$out/.config" || {
      echo "build-kernel-objects.sh: CONFIG_$opt did not stick in $out/.config" >&2; exit 1; }
  done
fi
kmake mm/page_alloc.o >&2
echo "OBJECT=$out/mm/page_alloc.o"
