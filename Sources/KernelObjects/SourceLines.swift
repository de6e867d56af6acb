// SPDX-License-Identifier: GPL-2.0-only
//
// Source files and lines of DIEs: file attributes (DW_AT_decl_file, DW_AT_call_file)
// resolved through the unit's line table header, and addresses placed on a line
// through the line table.
//
// A file attribute is an index into the file names of the line table header. DWARF 5
// numbers them from 0 (entry 0 is the unit's primary file, which clang names in
// DW_AT_decl_file); DWARF 2 to 4 from 1, with 0 meaning no file. libdw 0.188's
// dwarf_decl_file treats 0 as no file for every version and fails on clang's DWARF 5,
// so the index is resolved here.

import CLibDW
import CLibElf

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension Tag {
    static let label = Int32(DW_TAG_label)
    static let callSite = Int32(DW_TAG_call_site)
    static let gnuCallSite = Int32(DW_TAG_GNU_call_site)
    static let enumerator = Int32(DW_TAG_enumerator)
}

extension Attribute {
    static let callLine = UInt32(DW_AT_call_line)
    static let callColumn = UInt32(DW_AT_call_column)
    static let declColumn = UInt32(DW_AT_decl_column)
    static let callFile = UInt32(DW_AT_call_file)
    static let callOrigin = UInt32(DW_AT_call_origin)
    static let callReturnPC = UInt32(DW_AT_call_return_pc)
}

extension DIE {
    /// The path a file attribute names, or nil when the DIE has none (or names no
    /// file). With `integrate`, the attribute may come from the abstract origin or
    /// specification; its index is then read in that DIE's unit.
    func fileAttribute(_ attribute: UInt32, integrate: Bool = false) throws(ObjectError) -> String? {
        var d = raw
        var attr = Dwarf_Attribute()
        let found = integrate ? dwarf_attr_integrate(&d, attribute, &attr) : dwarf_attr(&d, attribute, &attr)
        guard found != nil else { return nil }
        var index: Dwarf_Word = 0
        try checked(.dw, "dwarf_formudata", status: dwarf_formudata(&attr, &index))
        var unitDie = Dwarf_Die()
        var version: Dwarf_Half = 0
        try checked(.dw, "dwarf_cu_die",
                    dwarf_cu_die(attr.cu, &unitDie, &version, nil, nil, nil, nil, nil))
        if version < 5 && index == 0 { return nil }
        var files: OpaquePointer?
        var count = 0
        try checked(.dw, "dwarf_getsrcfiles", status: dwarf_getsrcfiles(&unitDie, &files, &count))
        guard Int(clamping: index) < count else {
            throw .corruptDWARF("file index \(index) outside the line table's \(count) files")
        }
        return String(cString: try checked(.dw, "dwarf_filesrc", dwarf_filesrc(files, Int(index), nil, nil)))
    }

    /// A call site's return address: DW_AT_call_return_pc (DWARF 5), else the
    /// DW_AT_low_pc of a DW_TAG_GNU_call_site, which GCC sets to the return address.
    func callReturnAddress() throws(ObjectError) -> UInt64? {
        var d = raw
        var attr = Dwarf_Attribute()
        var address: Dwarf_Addr = 0
        if dwarf_attr(&d, Attribute.callReturnPC, &attr) != nil {
            try checked(.dw, "dwarf_formaddr", status: dwarf_formaddr(&attr, &address))
            return address
        }
        if tag == Tag.gnuCallSite, dwarf_attr(&d, Attribute.lowPC, &attr) != nil {
            try checked(.dw, "dwarf_formaddr", status: dwarf_formaddr(&attr, &address))
            return address
        }
        return nil
    }

    /// The line, column (0 when the table gives none) and file the unit's line table
    /// gives `address`; `self` is the unit DIE. Nil when the table has no row for it.
    func sourceLine(at address: UInt64) throws(ObjectError) -> (line: Int, column: Int, file: String?)? {
        var d = raw
        guard let row = dwarf_getsrc_die(&d, address) else { return nil }
        var line: Int32 = 0
        guard dwarf_lineno(row, &line) == 0 else { return nil }
        var column: Int32 = 0
        if dwarf_linecol(row, &column) != 0 { column = 0 }
        let file = dwarf_linesrc(row, nil, nil).map { String(cString: $0) }
        return (Int(line), Int(max(column, 0)), file)
    }

    /// DW_AT_decl_file as the line table's index, with DW_AT_decl_line, both looked up
    /// through the specification; nil when either is missing.
    func declPlace() throws(ObjectError) -> (file: UInt64, line: Int)? {
        var d = raw
        var attr = Dwarf_Attribute()
        guard dwarf_attr_integrate(&d, UInt32(DW_AT_decl_file), &attr) != nil else { return nil }
        var file: Dwarf_Word = 0
        try checked(.dw, "dwarf_formudata", status: dwarf_formudata(&attr, &file))
        guard dwarf_attr_integrate(&d, UInt32(DW_AT_decl_line), &attr) != nil else { return nil }
        var line: Dwarf_Word = 0
        try checked(.dw, "dwarf_formudata", status: dwarf_formudata(&attr, &line))
        return (file, Int(clamping: line))
    }

    /// DW_AT_decl_column, looked up through the abstract origin.
    func declColumn() throws(ObjectError) -> Int? {
        var d = raw
        var attr = Dwarf_Attribute()
        guard dwarf_attr_integrate(&d, Attribute.declColumn, &attr) != nil else { return nil }
        var value: Dwarf_Word = 0
        try checked(.dw, "dwarf_formudata", status: dwarf_formudata(&attr, &value))
        return Int(clamping: value)
    }

    /// The rows of the unit's line table in each of `files` (paths as the table names
    /// them); `self` is the unit DIE. One pass over the table; a file is compared by the
    /// table's own name string, which every row of that file shares.
    func lineRows(of files: Set<String>) throws(ObjectError) -> [String: SourceRows] {
        var d = raw
        var lines: OpaquePointer?
        var count = 0
        guard dwarf_getsrclines(&d, &lines, &count) == 0, let lines else { return [:] }
        var known: [UnsafePointer<CChar>: String?] = [:]
        var found: [String: SourceRows] = [:]
        for i in 0..<count {
            guard let row = dwarf_onesrcline(lines, i), let name = dwarf_linesrc(row, nil, nil) else { continue }
            let file: String?
            if let seen = known[name] {
                file = seen
            } else {
                let path = String(cString: name)
                file = files.contains(path) ? path : nil
                known[name] = file
            }
            guard let file else { continue }
            var line: Int32 = 0, column: Int32 = 0
            guard dwarf_lineno(row, &line) == 0, line > 0 else { continue }
            if dwarf_linecol(row, &column) != 0 || column < 0 { column = 0 }
            found[file, default: SourceRows()].columns[Int(line), default: []].insert(Int(column))
        }
        return found
    }
}

extension DWARFFile {
    /// The root DIE of the unit whose code holds `address` (.debug_aranges), or nil.
    ///
    /// libdw finds a unit by reading the header of every unit before it, and each read
    /// maps the pages around it; in a vmlinux of thousands of units that alone is
    /// most of the process's memory. The units are walked here instead, and the pages
    /// of .debug_info already passed are handed back to the kernel (madvise
    /// MADV_DONTNEED on the file's private, unmodified mapping; they are read again
    /// from the page cache if needed). Only for an executable or shared object, whose
    /// debug sections libdwfl does not relocate in place.
    func unit(containing address: UInt64) throws(ObjectError) -> DIE? {
        guard addressesAreSymbolValues, let sections = DebugSections(handle),
              let header = sections.unitHeader(containing: address) else { return nil }
        var release = sections.debugInfo
        var unit: OpaquePointer?
        var walked = 0
        while true {
            var next: OpaquePointer?
            var version: Dwarf_Half = 0
            var unitType: UInt8 = 0
            var root = Dwarf_Die()
            let rc = try checked(.dw, "dwarf_get_units",
                                 status: dwarf_get_units(handle, unit, &next, &version, &unitType, &root, nil))
            if rc != 0 { return nil }
            unit = next
            let die = DIE(root)
            // The unit's first DIE follows its header (at most 24 bytes).
            if die.offset > header { return die.offset <= header + 24 ? die : nil }
            walked += 1
            if walked % 64 == 0 { release?.release(upTo: die.offset) }
        }
    }
}

/// .debug_aranges and the mapped pages of .debug_info, read from the Elf a Dwarf was
/// opened on. libdw's own dwarf_getaranges reads the header of every unit to turn
/// each range's unit offset into a DIE offset; the ranges are read here instead.
private struct DebugSections {
    var aranges: UnsafeRawBufferPointer
    var bigEndian: Bool
    var debugInfo: DebugInfoPages?

    init?(_ dwarf: OpaquePointer) {
        guard let elf = dwarf_getelf(dwarf), let ident = elf_getident(elf, nil) else { return nil }
        bigEndian = ident[5] == 2
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else { return nil }
        var found: UnsafeRawBufferPointer?
        var info: DebugInfoPages?
        var scn: OpaquePointer? = nil
        while let s = elf_nextscn(elf, scn) {
            scn = s
            var shdr = GElf_Shdr()
            guard gelf_getshdr(s, &shdr) != nil, shdr.sh_flags & 0x800 == 0,
                  let name = elf_strptr(elf, shstrndx, Int(shdr.sh_name)) else { continue }
            switch String(cString: name) {
            case ".debug_aranges":
                guard let data = elf_getdata(s, nil), let buffer = data.pointee.d_buf else { continue }
                found = UnsafeRawBufferPointer(start: buffer, count: data.pointee.d_size)
            case ".debug_info":
                info = DebugInfoPages(elf, s)
            default:
                break
            }
        }
        guard let found else { return nil }
        aranges = found
        debugInfo = info
    }

    private func integer(_ at: Int, _ width: Int) -> UInt64? {
        guard at >= 0, width <= 8, at + width <= aranges.count else { return nil }
        var value: UInt64 = 0
        for i in 0..<width { value = value << 8 | UInt64(aranges[at + (bigEndian ? i : width - 1 - i)]) }
        return value
    }

    /// The .debug_info offset of the header of the unit whose ranges hold `address`.
    func unitHeader(containing address: UInt64) -> UInt64? {
        var set = 0
        while set < aranges.count {
            guard var length = integer(set, 4) else { return nil }
            var p = set + 4
            var offsetSize = 4
            if length == 0xffff_ffff {
                guard let long = integer(p, 8) else { return nil }
                length = long
                p += 8
                offsetSize = 8
            }
            guard length <= UInt64(aranges.count - p) else { return nil }
            let end = p + Int(length)
            guard let unit = integer(p + 2, offsetSize), let addressSize = integer(p + 2 + offsetSize, 1),
                  let segmentSize = integer(p + 3 + offsetSize, 1), addressSize == 4 || addressSize == 8 else { return nil }
            p += 4 + offsetSize
            // The (address, length) pairs start at a multiple of their size.
            let tuple = 2 * Int(addressSize) + Int(segmentSize)
            p = set + (p - set + tuple - 1) / tuple * tuple
            while p + tuple <= end {
                guard let start = integer(p + Int(segmentSize), Int(addressSize)),
                      let size = integer(p + Int(segmentSize) + Int(addressSize), Int(addressSize)) else { return nil }
                if start == 0 && size == 0 { break }
                if address >= start && address - start < size { return unit }
                p += tuple
            }
            set = end
        }
        return nil
    }
}

/// The mapped pages of a Dwarf's .debug_info, when they are the file's own (not a
/// buffer libelf inflated a compressed section into).
private struct DebugInfoPages {
    let base: UnsafeMutableRawPointer
    let size: Int
    var released = 0

    init?(_ elf: OpaquePointer, _ scn: OpaquePointer) {
        var fileSize = 0
        guard let raw = elf_rawfile(elf, &fileSize), let data = elf_getdata(scn, nil),
              let buffer = data.pointee.d_buf else { return nil }
        let start = UnsafeMutableRawPointer(raw), end = start + fileSize
        guard buffer >= start, buffer + data.pointee.d_size <= end else { return nil }
        base = buffer
        size = data.pointee.d_size
    }

    /// Hands back the whole pages of .debug_info before DIE offset `offset`.
    mutating func release(upTo offset: UInt64) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (Int(bitPattern: base) + released + page - 1) / page * page
        let last = (Int(bitPattern: base) + min(Int(clamping: offset), size)) / page * page
        guard last > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        madvise(pointer, last - first, MADV_DONTNEED)
        released = last - Int(bitPattern: base)
    }
}
