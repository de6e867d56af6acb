// SPDX-License-Identifier: GPL-2.0-only
//
// Checks made before libdwfl loads an object's DWARF. libdwfl applies every
// relocation of a relocatable object's debug sections, and libelf inflates every
// compressed debug section, before a single DIE is read; both trust the sizes the
// section headers state. A few kilobytes of compressed zeros can expand to gigabytes,
// and a relocation section over a hole in a sparse file can hold millions of entries.

import CLibElf

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

private let shfAlloc: UInt64 = 0x2
private let shfCompressed: UInt64 = 0x800

/// Refuses the object when its compressed sections expand to more than
/// `ObjectLimits.uncompressedBytes` together, or when a relocation section of a
/// non-allocated (debug) section has more than two entries per byte of that section.
func checkDWARFSections(of elf: ELFFile) throws(ObjectError) {
    let info = elf.info
    var uncompressed: UInt64 = 0
    for section in info.sections where section.type != UInt32(SHT_NOBITS) && section.size > 0 {
        guard let size = try uncompressedSize(of: section, in: elf) else { continue }
        uncompressed = uncompressed.addingReportingOverflow(size).overflow ? .max : uncompressed + size
        guard uncompressed <= UInt64(ObjectLimits.uncompressedBytes) else {
            throw .tooLarge(what: "the compressed sections, uncompressed,", size: uncompressed, limit: ObjectLimits.uncompressedBytes)
        }
    }

    guard info.type == .relocatable else { return }
    for section in info.sections where section.type == UInt32(SHT_RELA) || section.type == UInt32(SHT_REL) {
        let target = Int(section.info)
        guard target > 0, target < info.sections.count, info.sections[target].flags & shfAlloc == 0,
              section.entrySize > 0 else { continue }
        let entries = section.size / section.entrySize
        // RISC-V pairs two relocations at one place (ADD/SUB), down to single bytes.
        let targetSize = try uncompressedSize(of: info.sections[target], in: elf) ?? info.sections[target].size
        let limit = targetSize.multipliedReportingOverflow(by: 2)
        guard limit.overflow || entries <= limit.partialValue else {
            throw .tooManyEntries(table: "relocation section \(section.name)", count: entries,
                                  limit: Int(clamping: limit.partialValue))
        }
    }
}

/// The size a compressed section expands to: SHF_COMPRESSED (an Elf32_Chdr or
/// Elf64_Chdr in the file's byte order) or a GNU `.zdebug` section ("ZLIB" and a
/// big-endian 64-bit size). Nil for a section stored as is.
private func uncompressedSize(of section: SectionInfo, in elf: ELFFile) throws(ObjectError) -> UInt64? {
    let is64 = elf.info.elfClass == .elf64
    let bigEndian = elf.info.byteOrder == .bigEndian
    if section.flags & shfCompressed != 0 {
        let headerSize = is64 ? 24 : 12
        let bytes = read(elf, at: section.offset, count: headerSize)
        guard bytes.count == headerSize else { throw .sectionOutsideFile(section.name) }
        // ch_size follows ch_type (and, in ELF64, ch_reserved).
        return is64 ? integer(bytes, at: 8, width: 8, bigEndian: bigEndian)
                    : integer(bytes, at: 4, width: 4, bigEndian: bigEndian)
    }
    if section.name.hasPrefix(".zdebug") {
        let bytes = read(elf, at: section.offset, count: 12)
        guard bytes.count == 12, bytes[0..<4].elementsEqual("ZLIB".utf8) else { return nil }
        return integer(bytes, at: 4, width: 8, bigEndian: true)
    }
    return nil
}

/// Up to `count` bytes at `offset`; fewer at the end of the file or on a read error.
private func read(_ elf: ELFFile, at offset: UInt64, count: Int) -> [UInt8] {
    guard offset <= UInt64(Int64.max) else { return [] }
    var bytes = [UInt8](repeating: 0, count: count)
    let n = elf.withDescriptor { descriptor in
        bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
    }
    return Array(bytes.prefix(max(n, 0)))
}

private func integer(_ bytes: [UInt8], at offset: Int, width: Int, bigEndian: Bool) -> UInt64 {
    var value: UInt64 = 0
    for i in 0..<width {
        value = value << 8 | UInt64(bytes[offset + (bigEndian ? i : width - 1 - i)])
    }
    return value
}
