// SPDX-License-Identifier: GPL-2.0-only
//
// Debug sections compressed with zstd (SHF_COMPRESSED, ELFCOMPRESS_ZSTD), which
// libelf 0.188 cannot inflate ("unknown compression type"). The object is copied into
// an anonymous in-memory file (memfd) with each such section inflated here with libzstd
// and appended after the original bytes, and a section header table that points at the
// inflated copies, marked uncompressed; libdwfl then reads that copy. Nothing is written
// to disk, and the original file is not touched. zlib-compressed sections are left to
// libelf.

import CLibElf
import CLibZstd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

private let shfCompressed: UInt64 = 0x800
private let elfCompressZstd: UInt64 = 2

enum Inflate {
    /// A descriptor of an in-memory copy of `elf`'s file with its zstd sections
    /// inflated, or nil when it has none. The caller owns the descriptor.
    static func zstdInflatedCopy(of elf: ELFFile) throws(ObjectError) -> Int32? {
        let info = elf.info
        let is64 = info.elfClass == .elf64
        let bigEndian = info.byteOrder == .bigEndian
        let headerSize = is64 ? 24 : 12
        var inflated: [(index: Int, bytes: [UInt8], align: UInt64)] = []
        for section in info.sections where section.flags & shfCompressed != 0 && section.size >= UInt64(headerSize) {
            let header = try elf.read(at: section.offset, count: headerSize)
            guard header.count == headerSize else { throw .sectionOutsideFile(section.name) }
            let type = field(header, 0, 4, bigEndian)
            guard type == elfCompressZstd else { continue }
            let size = is64 ? field(header, 8, 8, bigEndian) : field(header, 4, 4, bigEndian)
            let align = is64 ? field(header, 16, 8, bigEndian) : field(header, 8, 4, bigEndian)
            // checkDWARFSections has bounded the inflated sizes.
            guard size <= UInt64(ObjectLimits.uncompressedBytes) else {
                throw .tooLarge(what: "section \(section.name), uncompressed,", size: size, limit: ObjectLimits.uncompressedBytes)
            }
            let compressed = try elf.read(at: section.offset + UInt64(headerSize), count: Int(section.size) - headerSize)
            var out = [UInt8](repeating: 0, count: Int(size))
            let written = out.withUnsafeMutableBytes { dst in
                compressed.withUnsafeBytes { src in
                    ZSTD_decompress(dst.baseAddress, dst.count, src.baseAddress, src.count)
                }
            }
            guard ZSTD_isError(written) == 0, written == Int(size) else {
                throw .corruptDWARF("section \(section.name): its zstd data does not inflate to \(size) bytes")
            }
            inflated.append((section.index, out, max(align, 1)))
        }
        guard !inflated.isEmpty else { return nil }

        let fd = CLibZstd_memfd("verify-patch-object")
        guard fd >= 0 else { throw .cannotRead("cannot create an in-memory file: \(String(cString: strerror(errno)))") }
        do throws(ObjectError) {
            let fileSize = elf.fileSize
            try copyFile(from: elf, to: fd, count: fileSize)
            // The section header table, copied and edited in the file's byte order.
            let entrySize = is64 ? 64 : 40
            let shoff = try readField(elf, at: is64 ? 0x28 : 0x20, width: is64 ? 8 : 4, bigEndian)
            var table = try elf.read(at: shoff, count: info.sections.count * entrySize)
            guard table.count == info.sections.count * entrySize else { throw .sectionHeaderTableOutsideFile }
            var end = fileSize
            for (index, bytes, align) in inflated {
                end = (end + align - 1) / align * align
                try write(fd, bytes, at: end)
                let base = index * entrySize
                let flags = field(table, base + 8, is64 ? 8 : 4, bigEndian) & ~shfCompressed
                put(&table, base + 8, is64 ? 8 : 4, flags, bigEndian)
                put(&table, base + (is64 ? 24 : 16), is64 ? 8 : 4, end, bigEndian)
                put(&table, base + (is64 ? 32 : 20), is64 ? 8 : 4, UInt64(bytes.count), bigEndian)
                put(&table, base + (is64 ? 48 : 32), is64 ? 8 : 4, align, bigEndian)
                end += UInt64(bytes.count)
            }
            end = (end + 7) / 8 * 8
            guard is64 || end <= UInt64(UInt32.max) else {
                throw .tooLarge(what: "the inflated ELF32 object", size: end, limit: Int(UInt32.max))
            }
            try write(fd, table, at: end)
            var offset = [UInt8](repeating: 0, count: is64 ? 8 : 4)
            put(&offset, 0, offset.count, end, bigEndian)
            try write(fd, offset, at: is64 ? 0x28 : 0x20)
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    private static func field(_ bytes: [UInt8], _ at: Int, _ width: Int, _ bigEndian: Bool) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<width { value = value << 8 | UInt64(bytes[at + (bigEndian ? i : width - 1 - i)]) }
        return value
    }

    private static func put(_ bytes: inout [UInt8], _ at: Int, _ width: Int, _ value: UInt64, _ bigEndian: Bool) {
        for i in 0..<width {
            let byte = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))
            bytes[at + (bigEndian ? width - 1 - i : i)] = byte
        }
    }

    private static func readField(_ elf: ELFFile, at offset: UInt64, width: Int, _ bigEndian: Bool) throws(ObjectError) -> UInt64 {
        let bytes = try elf.read(at: offset, count: width)
        guard bytes.count == width else { throw .sectionHeaderTableOutsideFile }
        return field(bytes, 0, width, bigEndian)
    }

    private static func copyFile(from elf: ELFFile, to fd: Int32, count: UInt64) throws(ObjectError) {
        let chunk = 1 << 20
        var done: UInt64 = 0
        while done < count {
            let bytes = try elf.read(at: done, count: Int(min(UInt64(chunk), count - done)))
            guard !bytes.isEmpty else { throw .cannotRead("the file ended early") }
            try write(fd, bytes, at: done)
            done += UInt64(bytes.count)
        }
    }

    private static func write(_ fd: Int32, _ bytes: [UInt8], at offset: UInt64) throws(ObjectError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotRead("cannot write the in-memory copy: \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }
}

extension ELFFile {
    /// Up to `count` bytes of the file at `offset`.
    func read(at offset: UInt64, count: Int) throws(ObjectError) -> [UInt8] {
        try withOpenFile { file in
            Result { () throws(ObjectError) -> [UInt8] in try file.read(at: offset, count: count) }
        }.get()
    }

    /// The file's size in bytes.
    var fileSize: UInt64 { withOpenFile { $0.size } }
}
