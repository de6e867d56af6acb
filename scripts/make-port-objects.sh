#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Compiles the port's baseline and the seed variant into relocatable objects with DWARF,
# the way the kernel builds mm/page_alloc.o (-O2, -g), for verify-patch's default run:
#   fixtures/objects/port/baseline/page_alloc.o  the port's text
#   fixtures/objects/port/patched/page_alloc.o   the port's text with the seed patch
#                                                applied by `verify-patch variant`
# Each is compiled through a one-line mm/page_alloc.c that includes the variant unit, so
# its compilation unit is named mm/page_alloc.c as in a kernel build. SOURCES.sha256
# records the files the objects were built from; a test compares it with the tree.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
port="$repo/CModules/CBuddyPort"
dest="$repo/fixtures/objects/port"
seed="fixtures/patches/seed-archive.txt"
cc=${CC:-gcc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$repo" && swift build -c release --product verify-patch >/dev/null)
"$repo/.build/release/verify-patch" variant "$repo/$seed" --out "$work/patched-source" >/dev/null

flags=()
while IFS='=' read -r name value; do
  case "$name" in ''|'#'*) continue ;; esac
  flags+=("-D$name=$value")
done < "$port/kconfig"

for variant in baseline patched; do
  if [ "$variant" = baseline ]; then src="$port"; else src="$work/patched-source"; fi
  mkdir -p "$work/$variant/mm" "$dest/$variant"
  printf '#define BPORT_VARIANT_NAME bport_%s\n#include "port/variant.h"\n' "$variant" > "$work/$variant/mm/page_alloc.c"
  (cd "$work/$variant" && "$cc" -std=gnu11 -O2 -g -gdwarf-5 -fno-pie -fno-omit-frame-pointer \
      "${flags[@]}" -I"$src" -I"$src/include" \
      -fdebug-prefix-map="$work/$variant"=. -fdebug-prefix-map="$src"=. -fdebug-prefix-map="$repo"=. \
      -c mm/page_alloc.c -o "$dest/$variant/page_alloc.o.tmp")
  mv "$dest/$variant/page_alloc.o.tmp" "$dest/$variant/page_alloc.o"
done

# Every file the objects are compiled from: the port, its headers, its configuration and
# the seed patch.
(cd "$repo" && { git ls-files CModules/CBuddyPort | grep -E '^CModules/CBuddyPort/(port/.*\.[ch]|include/.*\.h|kconfig)$'; echo "$seed"; } \
  | sort | xargs sha256sum) \
  > "$dest/SOURCES.sha256"
"$cc" --version | head -n 1 > "$dest/COMPILER"
echo "wrote $dest"
