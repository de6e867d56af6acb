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

extension Tag {
    static let label = Int32(DW_TAG_label)
    static let callSite = Int32(DW_TAG_call_site)
    static let gnuCallSite = Int32(DW_TAG_GNU_call_site)
    static let enumerator = Int32(DW_TAG_enumerator)
}

extension Attribute {
    static let callLine = UInt32(DW_AT_call_line)
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

    /// The line and file the unit's line table gives `address`; `self` is the unit DIE.
    /// Nil when the table has no row for it.
    func sourceLine(at address: UInt64) throws(ObjectError) -> (line: Int, file: String?)? {
        var d = raw
        guard let row = dwarf_getsrc_die(&d, address) else { return nil }
        var line: Int32 = 0
        guard dwarf_lineno(row, &line) == 0 else { return nil }
        let file = dwarf_linesrc(row, nil, nil).map { String(cString: $0) }
        return (Int(line), file)
    }
}
