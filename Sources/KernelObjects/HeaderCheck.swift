// SPDX-License-Identifier: GPL-2.0-only
//
// Opening a file and checking its ELF header and section header table against the
// file size before libelf or libdwfl ever see it. libelf trusts e_shentsize and, in
// places, sizes it reads from the file; everything it will index is bounded here.

import CLibElf

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An open, read-only file descriptor, closed when the value goes away.
struct OpenFile: ~Copyable {
    let descriptor: Int32
    let size: UInt64

    /// Opens `path` for reading, refusing anything but a non-empty regular file. The
    /// type is checked before the open (a device is never opened) and on the open
    /// descriptor, which is opened without blocking (a FIFO is never waited on).
    init(path: String) throws(ObjectError) {
        var before = stat()
        if stat(path, &before) == 0 {
            switch before.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw .isDirectory
            default: throw .notRegularFile
            }
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT, ENOTDIR: throw .fileNotFound
            case EISDIR: throw .isDirectory
            default: throw .cannotRead(String(cString: strerror(code)))
            }
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .cannotRead(String(cString: strerror(code)))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: close(fd); throw .isDirectory
        default: close(fd); throw .notRegularFile
        }
        guard info.st_size > 0 else { close(fd); throw .emptyFile }
        descriptor = fd
        size = UInt64(info.st_size)
    }

    deinit { close(descriptor) }

    /// Up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: UInt64, count: Int) throws(ObjectError) -> [UInt8] {
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(String(cString: strerror(errno)))
            }
            if n == 0 { break }
            done += n
        }
        return Array(bytes[0..<done])
    }
}

/// What the header check learned: enough to bound every later read.
struct CheckedHeader: Sendable {
    struct Section: Sendable {
        var nameOffset: UInt32
        var type: UInt32
        var offset: UInt64
        var size: UInt64
        var link: UInt32
    }

    var is64: Bool
    var bigEndian: Bool
    var fileSize: UInt64
    /// Section headers as stored in the file (section 0 included), bounded by the file size.
    var sections: [Section]
    var sectionNameTable: Int?

    /// Whether the contents of `section` lie inside the file (SHT_NOBITS has none).
    func containsContents(of section: Section) -> Bool {
        section.type == UInt32(SHT_NOBITS)
            || (section.offset <= fileSize && section.size <= fileSize - section.offset)
    }
}

/// Decodes fixed-width integers from header bytes in the file's byte order.
private struct FieldReader {
    let bytes: [UInt8]
    let bigEndian: Bool

    func unsigned(at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<width {
            let byte = UInt64(bytes[offset + (bigEndian ? i : width - 1 - i)])
            value = value << 8 | byte
        }
        return value
    }
}

private let elfMagic: [UInt8] = [0x7f, 0x45, 0x4c, 0x46]
private let shnXIndex: UInt64 = 0xffff
private let pnXNum: UInt64 = 0xffff

/// Checks the ELF header, the program header table's bounds and the section header
/// table of the open file, reading at most the header and the section headers.
func checkHeader(of file: borrowing OpenFile) throws(ObjectError) -> CheckedHeader {
    let ident = try file.read(at: 0, count: 64)
    guard ident.count >= 4, Array(ident[0..<4]) == elfMagic else { throw .notELF }
    guard ident.count >= 16 else { throw .truncatedHeader }

    let is64: Bool
    switch ident[4] {
    case 1: is64 = false
    case 2: is64 = true
    default: throw .unsupportedELF("unknown ELF class \(ident[4])")
    }
    let bigEndian: Bool
    switch ident[5] {
    case 1: bigEndian = false
    case 2: bigEndian = true
    default: throw .unsupportedELF("unknown data encoding \(ident[5])")
    }
    guard ident[6] == 1 else { throw .unsupportedELF("unknown ELF version \(ident[6])") }

    let headerSize = is64 ? 64 : 52
    guard ident.count >= headerSize else { throw .truncatedHeader }
    let header = FieldReader(bytes: ident, bigEndian: bigEndian)
    let word = is64 ? 8 : 4
    // Offsets of e_phoff, e_shoff and the 16-bit fields after e_flags.
    let phoff = header.unsigned(at: 24 + word, width: word)
    let shoff = header.unsigned(at: 24 + 2 * word, width: word)
    let half = 24 + 3 * word + 4 + 2  // e_phentsize
    let phentsize = Int(header.unsigned(at: half, width: 2))
    var phnum = header.unsigned(at: half + 2, width: 2)
    let shentsize = Int(header.unsigned(at: half + 4, width: 2))
    var shnum = header.unsigned(at: half + 6, width: 2)
    var shstrndx = header.unsigned(at: half + 8, width: 2)

    let size = file.size
    let expectedShentsize = is64 ? 64 : 40
    var sections: [CheckedHeader.Section] = []

    if shoff != 0 {
        guard shentsize == expectedShentsize else {
            throw .badSectionHeaderEntrySize(actual: shentsize, expected: expectedShentsize)
        }
        let entry = UInt64(expectedShentsize)
        guard shoff <= size, size - shoff >= entry else { throw .sectionHeaderTableOutsideFile }
        let first = try section(at: shoff, in: file, is64: is64, bigEndian: bigEndian)
        // Extended numbering: the real counts live in section 0.
        if shnum == 0 { shnum = first.size }
        if shstrndx == shnXIndex { shstrndx = UInt64(first.link) }
        if phnum == pnXNum { phnum = UInt64(first.info) }
        guard shnum <= (size - shoff) / entry else { throw .sectionHeaderTableOutsideFile }
        guard shnum <= UInt64(ObjectLimits.sections) else {
            throw .tooManyEntries(table: "section header table", count: shnum, limit: ObjectLimits.sections)
        }
        let table = try file.read(at: shoff, count: Int(shnum * entry))
        guard table.count == Int(shnum * entry) else { throw .sectionHeaderTableOutsideFile }
        sections.reserveCapacity(Int(shnum))
        for index in 0..<Int(shnum) {
            let raw = decodeSection(table, at: index * expectedShentsize, is64: is64, bigEndian: bigEndian)
            sections.append(raw.section)
        }
    } else if shnum != 0 {
        throw .sectionHeaderTableOutsideFile
    }

    if phoff != 0 && phnum != 0 {
        let expected = is64 ? 56 : 32
        guard phentsize == expected else {
            throw .badProgramHeaderEntrySize(actual: phentsize, expected: expected)
        }
        guard phoff <= size, phnum <= (size - phoff) / UInt64(expected) else {
            throw .programHeaderTableOutsideFile
        }
    }

    var nameTable: Int?
    if !sections.isEmpty && shstrndx != 0 {
        guard shstrndx < UInt64(sections.count) else { throw .badSectionNameTable }
        let names = sections[Int(shstrndx)]
        guard names.type == UInt32(SHT_STRTAB) else { throw .badSectionNameTable }
        guard names.offset <= size, names.size <= size - names.offset else {
            throw .sectionOutsideFile("name string table")
        }
        nameTable = Int(shstrndx)
    }

    return CheckedHeader(is64: is64, bigEndian: bigEndian, fileSize: size,
                         sections: sections, sectionNameTable: nameTable)
}

private struct RawSection {
    var section: CheckedHeader.Section
    var info: UInt32
}

private func section(at offset: UInt64, in file: borrowing OpenFile, is64: Bool,
                     bigEndian: Bool) throws(ObjectError) -> (size: UInt64, link: UInt32, info: UInt32) {
    let bytes = try file.read(at: offset, count: is64 ? 64 : 40)
    guard bytes.count == (is64 ? 64 : 40) else { throw .sectionHeaderTableOutsideFile }
    let raw = decodeSection(bytes, at: 0, is64: is64, bigEndian: bigEndian)
    return (raw.section.size, raw.section.link, raw.info)
}

/// One Elf32_Shdr or Elf64_Shdr at `base` in `bytes`.
private func decodeSection(_ bytes: [UInt8], at base: Int, is64: Bool, bigEndian: Bool) -> RawSection {
    let r = FieldReader(bytes: bytes, bigEndian: bigEndian)
    if is64 {
        return RawSection(
            section: .init(nameOffset: UInt32(r.unsigned(at: base, width: 4)),
                           type: UInt32(r.unsigned(at: base + 4, width: 4)),
                           offset: r.unsigned(at: base + 24, width: 8),
                           size: r.unsigned(at: base + 32, width: 8),
                           link: UInt32(r.unsigned(at: base + 40, width: 4))),
            info: UInt32(r.unsigned(at: base + 44, width: 4)))
    }
    return RawSection(
        section: .init(nameOffset: UInt32(r.unsigned(at: base, width: 4)),
                       type: UInt32(r.unsigned(at: base + 4, width: 4)),
                       offset: r.unsigned(at: base + 16, width: 4),
                       size: r.unsigned(at: base + 20, width: 4),
                       link: UInt32(r.unsigned(at: base + 24, width: 4))),
        info: UInt32(r.unsigned(at: base + 28, width: 4)))
}
