#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Rebuild every file under fixtures/objects/ from the C sources in
# fixtures/objects/src/, then record what readelf and pfunct say about them in
# fixtures/objects/expected/. The tests compare the Swift reader with those records.
#
# Needs: gcc, i686-linux-gnu-gcc, powerpc-linux-gnu-gcc, powerpc64-linux-gnu-gcc,
# binutils (readelf, strip), dwarves (pfunct), coreutils, gawk or mawk, sed.
# Debian: apt-get install gcc gcc-i686-linux-gnu gcc-powerpc-linux-gnu \
#         gcc-powerpc64-linux-gnu binutils dwarves
#
# Output is deterministic for a given toolchain: fixed flags, no build ids, debug
# paths mapped to ".", and the fixtures are written under fixed names.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
fx=$(cd "$here/../fixtures/objects" && pwd -P)
src="$fx/src"
exp="$fx/expected"

for tool in gcc i686-linux-gnu-gcc powerpc-linux-gnu-gcc powerpc64-linux-gnu-gcc \
            readelf strip pfunct awk sed tr head dd; do
  command -v "$tool" >/dev/null || { echo "make-object-fixtures: missing $tool" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rm -f "$fx"/*.o "$fx"/*.so "$fx"/exec-* "$fx"/no-symtab "$exp"/*.txt
mkdir -p "$exp"

# Compiling from inside src/ with relative names keeps DW_AT_name and STT_FILE
# short; the prefix map turns DW_AT_comp_dir into ".".
cd "$src"
common=(-g -O2 -gdwarf-5 -gno-record-gcc-switches "-fdebug-prefix-map=$src=." -Wall -Wno-unused-parameter)

# Relocatable objects: x86-64 (ELF64 LE), i686 (ELF32 LE), powerpc (ELF32 BE),
# powerpc64 (ELF64 BE).
gcc                     "${common[@]}" -fno-pie -c -o "$fx/alloc-x86_64.o" alloc.c
i686-linux-gnu-gcc      "${common[@]}" -fno-pie -c -o "$fx/alloc-i686.o"   alloc.c
powerpc-linux-gnu-gcc   "${common[@]}" -fno-pie -c -o "$fx/alloc-ppc.o"    alloc.c
powerpc64-linux-gnu-gcc "${common[@]}" -fno-pie -c -o "$fx/alloc-ppc64.o"  alloc.c

# A static executable without a C library: two files each with a static helper().
for f in start first second alloc; do
  gcc "${common[@]}" -fno-pie -c -o "$work/$f.o" "$f.c"
done
(cd "$work" && gcc -no-pie -nostdlib -static -Wl,--build-id=none -Wl,-z,noseparate-code \
  -o "$fx/exec-x86_64" start.o first.o second.o alloc.o)

# A shared object with a .localalias symbol.
gcc "${common[@]}" -fPIC -fno-semantic-interposition -c -o "$work/shared.o" shared.c
(cd "$work" && gcc -shared -nostdlib -Wl,--build-id=none -Wl,-z,noseparate-code \
  -Wl,--hash-style=gnu -o "$fx/shared-x86_64.so" shared.o)

# Bad inputs.
: > "$fx/empty.o"
printf '# SPDX-License-Identifier: GPL-2.0-only\nThis is a text file, not an object file.\n' > "$fx/not-elf.o"
head -c 40 "$fx/alloc-x86_64.o" > "$fx/truncated.o"
gcc -O2 -fno-pie -Wall -Wno-unused-parameter -c -o "$fx/no-debug.o" alloc.c
strip --strip-all -o "$fx/no-symtab" "$fx/exec-x86_64"

# put_le FILE OFFSET WIDTH VALUE: overwrite WIDTH bytes at OFFSET, little-endian.
put_le() {
  local file=$1 offset=$2 width=$3 value=$4 bytes="" i
  for ((i = 0; i < width; i++)); do
    bytes+=$(printf '\\x%02x' $(((value >> (8 * i)) & 0xff)))
  done
  printf "$bytes" | dd of="$file" bs=1 seek="$offset" conv=notrunc status=none
}

# section_field OBJECT NAME COLUMN: a column of `readelf -SW` for section NAME
# (1: index, 5: offset in hex, 6: size in hex), read with the "[ N]" bracket joined.
section_field() {
  readelf -SW "$1" | sed -n 's/^ *\[ *\([0-9]*\)\] /\1 /p' |
    awk -v name="$2" -v col="$3" '$2 == name { print $col; exit }'
}

shoff() { readelf -hW "$1" | awk -F: '/Start of section headers/ { print $2 + 0 }'; }

# Section header table beyond the end of the file (e_shoff, ELF64 offset 0x28).
cp "$fx/no-debug.o" "$fx/bad-shoff.o"
put_le "$fx/bad-shoff.o" $((0x28)) 8 $((0x7fff0000))

# Section header entries of the wrong size (e_shentsize, ELF64 offset 0x3a).
cp "$fx/no-debug.o" "$fx/bad-shentsize.o"
put_le "$fx/bad-shentsize.o" $((0x3a)) 2 50

# .symtab whose sh_offset points past the end of the file (Elf64_Shdr offset 0x18).
cp "$fx/no-debug.o" "$fx/symtab-outside.o"
idx=$(section_field "$fx/symtab-outside.o" .symtab 1)
put_le "$fx/symtab-outside.o" $(($(shoff "$fx/symtab-outside.o") + idx * 64 + 0x18)) 8 $((0x7fff0000))

# .debug_info overwritten with a fixed garbage pattern of the same size.
cp "$fx/alloc-x86_64.o" "$fx/corrupt-dwarf.o"
off=$((0x$(section_field "$fx/corrupt-dwarf.o" .debug_info 5)))
size=$((0x$(section_field "$fx/corrupt-dwarf.o" .debug_info 6)))
head -c "$size" /dev/zero | tr '\0' '\335' |
  dd of="$fx/corrupt-dwarf.o" bs=1 seek="$off" conv=notrunc status=none

# A valid unit header (12 bytes: DWARF 5, 32-bit) followed by garbage DIEs.
cp "$fx/alloc-x86_64.o" "$fx/corrupt-dies.o"
head -c $((size - 12)) /dev/zero | tr '\0' '\335' |
  dd of="$fx/corrupt-dies.o" bs=1 seek=$((off + 12)) conv=notrunc status=none

# Records. Names in the records are file names relative to fixtures/objects.
good=(alloc-x86_64.o alloc-i686.o alloc-ppc.o alloc-ppc64.o exec-x86_64 shared-x86_64.so no-debug.o)
dwarf=(alloc-x86_64.o alloc-i686.o alloc-ppc.o alloc-ppc64.o exec-x86_64 shared-x86_64.so)
functions=(expand page_score page_weight count_free check_page set_page_order
           split_page_range zone_totals zone_totals_high zone_report walk_zones
           set_namer zone_is_empty helper first_entry second_entry zone_size zone_size_twice)

# record FILE COMMAND...: COMMAND's output under a licence line, into expected/FILE.
# The tests skip lines starting with "#".
record() {
  local file=$1
  shift
  { echo "# SPDX-License-Identifier: GPL-2.0-only"; "$@"; } > "expected/$file"
}

cd "$fx"
for f in "${good[@]}"; do
  record "$f.readelf-h.txt" readelf -hW "$f"
  record "$f.readelf-S.txt" readelf -SW "$f"
  record "$f.readelf-s.txt" readelf -sW "$f"
done

# DIE summary: one line per compilation unit, subprogram or inlined subroutine, from
# readelf's own DWARF dump, so the tests can count inlined call sites and out-of-line
# copies. Fields: tag, DIE offset (hex), then name, abstract origin (hex offset),
# DW_AT_inline value, entry address (low_pc, else entry_pc, else "ranges") and
# declaration flag, "-" when absent.
summarize_dies() {
  readelf --debug-dump=info "$1" | awk '
    function flush() {
      if (tag == "DW_TAG_compile_unit" || tag == "DW_TAG_subprogram" ||
          tag == "DW_TAG_inlined_subroutine")
        printf "%s %s name=%s origin=%s inline=%s low_pc=%s declaration=%s\n",
          tag, off, name, origin, inl, lowpc, decl
      tag = ""
    }
    /^ *<[0-9a-f]+><[0-9a-f]+>: Abbrev Number: [0-9]+ \(/ {
      flush()
      off = $1; sub(/^<[0-9a-f]+></, "", off); sub(/>:$/, "", off)
      tag = $NF; gsub(/[()]/, "", tag)
      name = "-"; origin = "-"; inl = "-"; lowpc = "-"; decl = "-"
      next
    }
    /DW_AT_name/ { name = $NF }
    /DW_AT_abstract_origin/ { origin = $NF; gsub(/[<>]/, "", origin); sub(/^0x/, "", origin) }
    /DW_AT_inline/ { inl = $4 }
    /DW_AT_low_pc/ { lowpc = $NF }
    /DW_AT_entry_pc/ { if (lowpc == "-") lowpc = $NF }
    /DW_AT_ranges/ { if (lowpc == "-") lowpc = "ranges" }
    /DW_AT_declaration/ { decl = "1" }
    END { flush() }
  '
}

# pfunct -f NAME for each name it knows, each block headed "## NAME".
pfunct_functions() {
  local fn out
  for fn in "${functions[@]}"; do
    out=$(pfunct -f "$fn" "$1" 2>/dev/null || true)
    if [ -n "$out" ]; then
      echo "## $fn"
      echo "$out"
    fi
  done
}

for f in "${dwarf[@]}"; do
  record "$f.pfunct-P.txt" pfunct -P "$f"
  record "$f.pfunct-f.txt" pfunct_functions "$f"
  record "$f.dies.txt" summarize_dies "$f"
done

ls -l "$fx" "$exp"
