#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Measures the release verify-patch on inputs that claim more than it should take on,
# with /usr/bin/time: wall time, peak RSS, exit status and the first line of stderr.
# The inputs are made in a temporary directory (sparse files through truncate, the
# crafted headers of fixtures/objects/limits patched with dd) and removed afterwards;
# the sparse files take almost no disk space.
#
#   scripts/resource-bounds.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
scripts/deps.sh
if [ ! -x /usr/bin/time ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq time >&2
fi
vp=${VERIFY_PATCH:-}
if [ -z "$vp" ]; then
  swift build -c release --product verify-patch >&2
  vp="$repo/.build/release/verify-patch"
fi
vmlinux=${VMLINUX:-${VERIFY_PATCH_CACHE:-$HOME/.cache/verify-patch}/vmlinux/7.3.4+deb13-cloud-amd64/vmlinux}
hostile=fixtures/objects/hostile
seed=fixtures/patches/seed-archive.txt
limits=fixtures/objects/limits

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Overwrites 8 bytes at OFFSET of FILE with VALUE, little-endian.
put64() {
  local file=$1 offset=$2 value=$3 bytes="" i
  for i in 0 1 2 3 4 5 6 7; do bytes+=$(printf '\\x%02x' $(( (value >> (8 * i)) & 255 ))); done
  printf "$bytes" | dd of="$file" bs=1 seek="$offset" conv=notrunc status=none
}

# The inputs.
truncate -s 4G "$work/zeros"
cp fixtures/objects/port/patched/page_alloc.o "$work/padded.o" && truncate -s 4G "$work/padded.o"
cp "$limits/many-sections.o" "$work/sections-2p26.o" && truncate -s $(( 64 + (1 << 32) )) "$work/sections-2p26.o"
cp "$limits/many-sections.o" "$work/sections-2p20.o" && put64 "$work/sections-2p20.o" 96 $(( 1 << 20 ))
truncate -s $(( 64 + (1 << 26) )) "$work/sections-2p20.o"
cp "$limits/huge-symtab.o" "$work/symtab-2p32.o" && truncate -s $(( 4096 + (1 << 32) * 24 )) "$work/symtab-2p32.o"
cp "$limits/huge-symtab.o" "$work/symtab-2p22.o" && put64 "$work/symtab-2p22.o" 288 $(( (1 << 22) * 24 ))
truncate -s $(( 4096 + (1 << 22) * 24 )) "$work/symtab-2p22.o"
cp "$limits/rela-4gib.o" "$work/rela-4gib.o" && truncate -s $(( (1 << 20) + (4 << 30) / 24 * 24 )) "$work/rela-4gib.o"
awk 'BEGIN {
  print "diff --git a/mm/page_alloc.c b/mm/page_alloc.c\n--- a/mm/page_alloc.c\n+++ b/mm/page_alloc.c"
  for (i = 0; i < 100000; i++) {
    printf "@@ -%d,3 +%d,4 @@ static int f%d(int a)\n \tint b = a;\n+\tint x%d = b;\n \tb++;\n \treturn b;\n", 10*i+1, 11*i+1, i, i
  }
}' > "$work/hunks-100000.patch"

# Shapes that were superlinear: one line of 60 MiB, 100,000 blank lines, 20,000
# definitions, 100,000 RFC 2047 fragments, 50,000 hunks of one file to apply.
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
head = "--- a/mm/page_alloc.c\n+++ b/mm/page_alloc.c\n"
open(w + "/line-60mib.patch", "w").write(head + "@@ -1,1 +1,2 @@ static void f(void)\n a\n+" + "(){}[];,.*&+-!~" * (4 << 20) + "\n")
open(w + "/blank-100000.patch", "w").write(head + "@@ -1,1 +1,100002 @@ static void f(void)\n a\n+int x = 1;\n" + "+\n" * 100000)
open(w + "/defs-20000.patch", "w").write(head + "@@ -1,1 +1,80001 @@ static void f(void)\n a\n" +
    "".join("+static int f%d(int a)\n+{\n+\treturn a;\n+}\n" % i for i in range(20000)))
open(w + "/rfc2047.patch", "w").write("Subject: " + "=?utf-8?q?a" * 100000 + "\n\n" + head + "@@ -1,1 +1,1 @@ static void f(void)\n-a\n+b\n")
import os
os.makedirs(w + "/tree/mm")
open(w + "/tree/mm/x.c", "w").write("".join("l%d\n" % i for i in range(200000)))
open(w + "/hunks-50000.patch", "w").write("--- a/mm/x.c\n+++ b/mm/x.c\n" +
    "".join("@@ -%d,1 +%d,1 @@\n-l%d\n+L%d\n" % (i + 1, i + 1, i, i) for i in range(0, 200000, 4)))
PY

printf '%-44s %9s %10s %5s  %s\n' input seconds "peak RSS" exit "stderr (first line)"
measure() {
  local label=$1
  shift
  local status=0
  /usr/bin/time -f '%e %M' -o "$work/time" "$vp" "$@" >/dev/null 2>"$work/stderr" || status=$?
  read -r seconds kib < <(tail -n 1 "$work/time")
  printf '%-44s %9s %7s MiB %5s  %s\n' "$label" "$seconds" $(( kib / 1024 )) "$status" \
    "$(head -n 1 "$work/stderr" | sed "s|$work/||" | cut -c1-110)"
}

measure "patch: 4 GiB sparse" functions --patch "$work/zeros"
measure "patch: 100,000 hunks (10 MB): functions" functions --patch "$work/hunks-100000.patch"
measure "patch: 100,000 hunks: check port object" check --patch "$work/hunks-100000.patch" \
  fixtures/objects/port/patched/page_alloc.o
measure "object: 4 GiB of zeros" check --patch "$seed" "$work/zeros"
measure "object: port object padded to 4 GiB" check --patch "$seed" "$work/padded.o"
measure "object: 2^26 section headers (4 GiB)" symbols "$work/sections-2p26.o"
measure "object: 2^20 section headers (the limit)" symbols "$work/sections-2p20.o"
measure "object: symbol table of 2^32 entries" symbols "$work/symtab-2p32.o"
measure "object: symbol table of 2^22 (the limit)" symbols --name none "$work/symtab-2p22.o"
measure "object: section inflating to 4 GiB" check --patch "$seed" "$limits/compressed-4gib.o"
measure "object: 4 GiB .rela.debug_info" check --patch "$seed" "$work/rela-4gib.o"
measure "object: DWARF unit length past section" check --patch "$seed" "$limits/unit-length-past-section.o"
measure "object: DWARF unit length reserved" check --patch "$seed" "$limits/unit-length-reserved.o"
measure "object: DWARF64 unit length 2^62" check --patch "$seed" "$limits/unit-length-dwarf64.o"
measure "patch: one line of 60 MiB punctuation" functions --patch "$work/line-60mib.patch"
measure "patch: 100,000 blank lines in one hunk" functions --patch "$work/blank-100000.patch"
measure "patch: 20,000 definitions in one hunk" functions --patch "$work/defs-20000.patch"
measure "patch: 100,000 RFC 2047 fragments" functions --patch "$work/rfc2047.patch"
measure "apply: 50,000 hunks to one file" apply --patch "$work/hunks-50000.patch" --tree "$work/tree" --dry-run
measure "object: __typeof__ chain of 40" check --patch "$hostile/helper.patch" "$hostile/typeof-chain.o"
measure "object: 300 nested lexical blocks" check --patch "$hostile/helper.patch" "$hostile/nested-300.o"
measure "object: 4,000 sections sharing a name" symbols "$hostile/shared-section-names.o"
measure "object: 8,000 symbols sharing a name" symbols "$hostile/shared-symbol-names.o"
if [ -f "$vmlinux" ]; then
  measure "vmlinux 7.3.4: symbols --json" symbols --json "$vmlinux"
  measure "vmlinux 7.3.4: symbols" symbols "$vmlinux"
  measure "vmlinux 7.3.4: check the seed" check --patch "$seed" "$vmlinux"
fi
