#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Rebuilds fixtures/objects/cross/: fixtures/objects/src/alloc.c compiled by the cross
# compiler of each Debian architecture the kernel ships besides amd64 (arm64, riscv64,
# s390x, ppc64el, i386), as a kernel build compiles (-O2, DWARF 5), and alloc.patch, a
# patch giving expand() its `bool reported` parameter, which every one of them carries.
# `verify-patch check --patch alloc.patch alloc-ARCH.o` must say PATCHED for each.
#
# Needs: gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu gcc-s390x-linux-gnu
#        gcc-powerpc64le-linux-gnu gcc-i686-linux-gnu (Debian packages).
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
src="$here/../fixtures/objects/src"
out="$here/../fixtures/objects/cross"
mkdir -p "$out"
cd "$src"
common=(-g -O2 -gdwarf-5 -gno-record-gcc-switches "-fdebug-prefix-map=$src=." -Wall -Wno-unused-parameter -c)
for pair in arm64:aarch64-linux-gnu riscv64:riscv64-linux-gnu s390x:s390x-linux-gnu \
            ppc64el:powerpc64le-linux-gnu i386:i686-linux-gnu; do
  arch=${pair%%:*}
  cc=${pair#*:}-gcc
  command -v "$cc" >/dev/null || { echo "make-cross-fixtures: missing $cc" >&2; exit 1; }
  "$cc" "${common[@]}" alloc.c -o "$out/alloc-$arch.o"
done
cat > "$out/alloc.patch" <<'PATCH'
From: Fixture <fixture@example.org>
Subject: [PATCH] alloc: expand() tells whether the block was reported

--- a/alloc.c
+++ b/alloc.c
@@ -50,4 +50,4 @@
  */
 static noinline unsigned int expand(struct zone *zone, struct page *page, int low,
-				    int high, int migratetype)
+				    int high, int migratetype, bool reported)
 {
PATCH
ls -l "$out"
