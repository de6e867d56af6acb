#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Compiles the C port's two variants into relocatable objects with DWARF, the way the
# kernel builds mm/page_alloc.o (-O2, -g), for verify-patch's default run:
#   fixtures/objects/port/baseline/page_alloc.o
#   fixtures/objects/port/patched/page_alloc.o
# Each is compiled through a one-line mm/page_alloc.c that includes the variant, so its
# compilation unit is named mm/page_alloc.c as in a kernel build. SOURCES.sha256 records
# the port files the objects were built from; a test compares it with the tree.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
port="$repo/CModules/CBuddyPort"
dest="$repo/fixtures/objects/port"
cc=${CC:-gcc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for variant in baseline patched; do
  mkdir -p "$work/$variant/mm" "$dest/$variant"
  printf '#include "variant_%s.c"\n' "$variant" > "$work/$variant/mm/page_alloc.c"
  (cd "$work/$variant" && "$cc" -std=gnu11 -O2 -g -gdwarf-5 -fno-pie -fno-omit-frame-pointer \
      -DCONFIG_CMA=1 -DCONFIG_MEMORY_ISOLATION=1 -DCONFIG_PAGE_REPORTING=1 -DCONFIG_DEBUG_VM=1 \
      -I"$port" -I"$port/include" \
      -fdebug-prefix-map="$work/$variant"=. -fdebug-prefix-map="$repo"=. \
      -c mm/page_alloc.c -o "$dest/$variant/page_alloc.o.tmp")
  mv "$dest/$variant/page_alloc.o.tmp" "$dest/$variant/page_alloc.o"
done

# Every file the objects are compiled from: the variant units, the port and the header.
(cd "$repo" && git ls-files CModules/CBuddyPort | grep -E '^CModules/CBuddyPort/(variant_[a-z]+\.c|port/.*\.[ch]|include/.*\.h)$' \
  | sort | xargs sha256sum) \
  > "$dest/SOURCES.sha256"
"$cc" --version | head -n 1 > "$dest/COMPILER"
echo "wrote $dest"
