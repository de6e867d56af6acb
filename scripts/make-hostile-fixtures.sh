#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Rebuilds fixtures/objects/hostile/: small objects that once made the readers hang,
# take exponential time or gigabytes, or call a valid object corrupt. Each has a test
# in Tests/KernelObjectsTests/HostileObjectTests.swift.
#
#   typeof-chain.o        a chain of 40 __typeof__ pointers to functions taking two of
#                         the one before: its C text doubles with each link
#   nested-300.o          a function with 300 nested lexical blocks
#   siblings.o            a function with 2,000 sibling lexical blocks
#   split.o               gcc -gsplit-dwarf (its .dwo is not kept)
#   lto.o                 gcc -flto (GIMPLE and early debug only)
#   btf.o                 gcc -gbtf (BTF, no DWARF)
#   stripped.o            objcopy --strip-debug --add-gnu-debuglink=helper.debug
#   shared-section-names.o 4,000 sections naming one 60 KB string
#   shared-symbol-names.o  8,000 symbols naming one 60 KB string
#   helper.patch          a patch to helper(), the function each C object defines
#
# Needs: gcc (Debian 12's 12.2 for -gbtf), binutils, python3.
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
out="$here/../fixtures/objects/hostile"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
flags=(-g -O0 -gno-record-gcc-switches "-fdebug-prefix-map=$work=." -c)

{
  echo "void (*p0)(void);"
  for i in $(seq 1 39); do echo "__typeof__(p$((i-1))) (*p$i)(__typeof__(p$((i-1))), __typeof__(p$((i-1))));"; done
  echo "int helper(int a) { __typeof__(p39) local = 0; return a + (local != 0); }"
} > typeof-chain.c
{
  echo "int helper(int a) {"
  for i in $(seq 0 299); do echo "{ int v$i = a + $i; a += v$i;"; done
  for i in $(seq 0 299); do printf "}"; done
  echo; echo "int local = a; return local; }"
} > nested-300.c
{
  echo "int helper(int a) {"
  for i in $(seq 0 1999); do echo "{ int v$i = a + $i; a += v$i; }"; done
  echo "int local = a; return local; }"
} > siblings.c
printf 'int helper(int a)\n{\n\tint local = a;\n\treturn local;\n}\n' > helper.c

# Each compiled as helper.c in a directory of its own, so every unit is named helper.c.
for name in typeof-chain nested-300 siblings; do
  mkdir "$name"
  cp "$name.c" "$name/helper.c"
  (cd "$name" && gcc "${flags[@]}" "-fdebug-prefix-map=$work/$name=." helper.c -o "$out/$name.o")
done
gcc "${flags[@]}" -gsplit-dwarf helper.c -o split.o && cp split.o "$out/split.o"
gcc "${flags[@]}" -flto helper.c -o "$out/lto.o"
gcc -gbtf -O0 -c helper.c -o "$out/btf.o"
gcc "${flags[@]}" helper.c -o helper.o
objcopy --only-keep-debug helper.o helper.debug
objcopy --strip-debug --add-gnu-debuglink=helper.debug helper.o "$out/stripped.o"

python3 - "$out" <<'PY'
import struct, sys
out = sys.argv[1]

def elf64(sections, data, shstrndx):
    shoff = (64 + len(data) + 7) & ~7
    body = data + b"\0" * (shoff - 64 - len(data))
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    header += struct.pack("<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, len(sections), shstrndx)
    return header + body + b"".join(struct.pack("<IIQQQQIIQQ", n, t, 0, 0, o, s, l, 0, 1, e)
                                    for (n, t, o, s, l, e) in sections)

name = b"\0" + b"n" * 60000 + b"\0"
count = 4000
sections = [(0, 0, 0, 0, 0, 0)] + [(1, 1, 64, 0, 0, 0)] * (count - 2) + [(1, 3, 64, len(name), 0, 0)]
open(out + "/shared-section-names.o", "wb").write(elf64(sections, name, count - 1))

strtab = b"\0" + b"s" * 60000 + b"\0"
syms = b"\0" * 24 + b"".join(struct.pack("<IBBHQQ", 1, 0x12, 0, 1, 0, 0) for _ in range(8000))
shstr = b"\0.symtab\0.strtab\0.shstrtab\0.text\0"
o_sym, o_shs = 64 + len(strtab), 64 + len(strtab) + len(syms)
sections = [(0, 0, 0, 0, 0, 0), (26, 1, 64, 0, 0, 0), (1, 2, o_sym, len(syms), 3, 24),
            (9, 3, 64, len(strtab), 0, 0), (17, 3, o_shs, len(shstr), 0, 0)]
open(out + "/shared-symbol-names.o", "wb").write(elf64(sections, strtab + syms + shstr, 4))
PY

cat > "$out/helper.patch" <<'PATCH'
--- a/helper.c
+++ b/helper.c
@@ -1,4 +1,4 @@
 int helper(int a)
 {
-	int local = a;
+	long local = a;
 	return local;
PATCH
ls -l "$out"
