#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Writes fixtures/objects/limits/: small object files whose headers claim more than a
# reader should take on. The tests and scripts/resource-bounds.sh extend the first two
# to their full size as sparse files (the holes read as zeros):
#
#   many-sections.o   ELF64 header with extended numbering: section 0 says 2^26
#                     section headers follow at offset 64 (4 GiB of headers).
#   huge-symtab.o     .symtab at offset 4096 claiming 2^32 entries of 24 bytes.
#   unit-length-*.o   alloc-x86_64.o with the first .debug_info unit's length set to
#                     0x7ffffff0 (past the section), 0xfffffff0 (a reserved value)
#                     and, as DWARF64, 2^62.
#   compressed-4gib.o alloc-x86_64.o with .debug_info marked SHF_COMPRESSED and an
#                     Elf64_Chdr saying it inflates to 4 GiB.
#   rela-4gib.o       alloc-x86_64.o with .rela.debug_info moved to offset 1 MiB and
#                     4 GiB long (178,956,970 entries), to be extended to hold it.
#
# Needs python3. Output is deterministic.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
out="$here/../fixtures/objects/limits"
mkdir -p "$out"
python3 - "$out" "$here/../fixtures/objects/alloc-x86_64.o" <<'PY'
import struct, sys
out, alloc = sys.argv[1], sys.argv[2]

def ehdr(shoff, shnum, shstrndx):
    ident = b'\x7fELF' + bytes([2, 1, 1, 0]) + bytes(8)
    return ident + struct.pack('<HHIQQQIHHHHHH', 1, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, shnum, shstrndx)

def shdr(name=0, type=0, off=0, size=0, link=0, info=0, align=0, entsize=0):
    return struct.pack('<IIQQQQIIQQ', name, type, 0, 0, off, size, link, info, align, entsize)

with open(f'{out}/many-sections.o', 'wb') as f:
    f.write(ehdr(64, 0, 0))
    f.write(shdr(size=1 << 26))

names = b'\0.shstrtab\0.strtab\0.symtab\0'
with open(f'{out}/huge-symtab.o', 'wb') as f:
    f.write(ehdr(64, 4, 1))
    f.write(shdr())
    f.write(shdr(name=1, type=3, off=512, size=len(names)))
    f.write(shdr(name=11, type=3, off=600, size=1))
    f.write(shdr(name=19, type=2, off=4096, size=(1 << 32) * 24, link=2, align=8, entsize=24))
    f.seek(512)
    f.write(names)
    f.seek(600)
    f.write(b'\0')
    f.seek(4095)
    f.write(b'\0')

src = open(alloc, 'rb').read()
shoff, = struct.unpack_from('<Q', src, 0x28)
shnum, shstrndx = struct.unpack_from('<HH', src, 0x3c)
sections = [struct.unpack_from('<IIQQQQIIQQ', src, shoff + 64 * i) for i in range(shnum)]
strings = sections[shstrndx][4]
def name(s):
    start = strings + s[0]
    return src[start:src.index(b'\0', start)]
index = {name(s): i for i, s in enumerate(sections)}
info = sections[index[b'.debug_info']][4]
for suffix, fields in [('past-section', ('<I', 0x7ffffff0)), ('reserved', ('<I', 0xfffffff0)),
                       ('dwarf64', ('<IQ', 0xffffffff, 1 << 62))]:
    data = bytearray(src)
    struct.pack_into(fields[0], data, info, *fields[1:])
    open(f'{out}/unit-length-{suffix}.o', 'wb').write(data)

def with_section(i, **fields):
    data = bytearray(src)
    values = list(sections[i])
    for k, v in fields.items():
        values[['name', 'type', 'flags', 'addr', 'offset', 'size', 'link', 'info', 'align', 'entsize'].index(k)] = v
    struct.pack_into('<IIQQQQIIQQ', data, shoff + 64 * i, *values)
    return data

i = index[b'.debug_info']
data = with_section(i, flags=sections[i][2] | 0x800)
struct.pack_into('<IIQQ', data, info, 1, 0, 4 << 30, 1)
open(f'{out}/compressed-4gib.o', 'wb').write(data)

i = index[b'.rela.debug_info']
open(f'{out}/rela-4gib.o', 'wb').write(with_section(i, offset=1 << 20, size=(4 << 30) // 24 * 24))
PY
ls -l "$out"
