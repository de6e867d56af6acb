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

/// Why a file without `.debug_info` has none, when its sections tell.
func noDWARFReason(_ elf: ELFFile) -> ObjectError {
    let names = elf.info.sections.map(\.name)
    if names.contains(where: { $0.hasPrefix(".gnu.lto_") || $0.hasPrefix(".gnu.debuglto_") }) {
        return .noDWARFBecause("a GCC LTO object, whose code and DWARF are made when it is linked; give the linked object")
    }
    if names.contains(where: { $0.hasPrefix(".debug_info.dwo") }) {
        return .noDWARFBecause("a split DWARF file (.dwo), whose addresses are in the object it was split from; "
                               + "give an object built without -gsplit-dwarf")
    }
    if let link = elf.info.sections.first(where: { $0.name == ".gnu_debuglink" }) {
        let name = debugLinkName(link, in: elf).map { " (\(printable($0)))" } ?? ""
        return .noDWARFBecause("stripped; its .gnu_debuglink names a separate debug file\(name), which is not looked for: give that file")
    }
    if names.contains(".BTF") {
        return .noDWARFBecause("BTF only, which carries no parameter names or locals of inlined functions; give an object built with -g")
    }
    return .noDWARF
}

/// Refuses DWARF that needs another file: `.gnu_debugaltlink` (dwz) or `.debug_sup`.
func checkSelfContained(_ elf: ELFFile) throws(ObjectError) {
    for section in elf.info.sections where section.name == ".gnu_debugaltlink" || section.name == ".debug_sup" {
        let name = debugLinkName(section, in: elf, skip: section.name == ".debug_sup" ? 3 : 0)
        throw .supplementaryDWARF(name.map(printable) ?? section.name)
    }
}

/// The NUL-terminated file name at the start of a link section (after `skip` bytes).
private func debugLinkName(_ section: SectionInfo, in elf: ELFFile, skip: Int = 0) -> String? {
    let bytes = read(elf, at: section.offset &+ UInt64(skip), count: Int(min(section.size, 4096)))
    guard let end = bytes.firstIndex(of: 0), end > 0 else { return nil }
    return String(decoding: bytes[..<end], as: UTF8.self)
}

/// A name from the file, with control characters escaped so it stays on one line.
private func printable(_ name: String) -> String {
    var out = ""
    for s in name.unicodeScalars {
        if s.value < 0x20 || s.value == 0x7f { out += "\\x" + String(s.value, radix: 16) } else { out.unicodeScalars.append(s) }
    }
    return out
}
