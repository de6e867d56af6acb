#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds the presence fixtures: fixtures/presence/src/{before,after}.c as GCC objects
# (DWARF 5, -O2, as the kernel builds) and as clang objects (DWARF 5, whose decl_file 0
# libdw 0.188 cannot name), the GCC "after" object with its debug sections compressed
# with zstd (which libelf 0.188 cannot inflate), and fix.patch between the two sources.
set -euo pipefail
cd "$(dirname "$0")/../fixtures/presence"
clang=${CLANG:-$(command -v clang)}
out=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Each side is compiled as free.c, the file the patch names, in a scratch directory
# that the DWARF does not name.
for side in before after; do
  cp "src/$side.c" "$tmp/free.c"
  (cd "$tmp" &&
   gcc -O2 -g -gdwarf-5 -fno-pie -fdebug-prefix-map="$tmp"=. -c free.c -o "$out/$side-gcc.o" &&
   "$clang" -O2 -g -gdwarf-5 -fno-pie -fdebug-prefix-map="$tmp"=. -c free.c -o "$out/$side-clang.o")
done
objcopy --compress-debug-sections=zstd "$out/after-gcc.o" "$out/after-gcc-zstd.o"
(cd src && diff -up --label a/free.c --label b/free.c before.c after.c > ../fix.patch) || true
