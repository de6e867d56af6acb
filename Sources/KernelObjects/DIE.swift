// SPDX-License-Identifier: GPL-2.0-only
//
// Small typed accessors over libdw's Dwarf_Die. A Dwarf_Die points into the Dwarf
// handle it came from, so these values are used only while a DWARFFile method runs
// and never leave it.

import CLibDW

/// DWARF tags and attributes used here, as the types libdw's functions take.
enum Tag {
    static let arrayType = Int32(DW_TAG_array_type)
    static let enumerationType = Int32(DW_TAG_enumeration_type)
    static let formalParameter = Int32(DW_TAG_formal_parameter)
    static let lexicalBlock = Int32(DW_TAG_lexical_block)
    static let pointerType = Int32(DW_TAG_pointer_type)
    static let referenceType = Int32(DW_TAG_reference_type)
    static let compileUnit = Int32(DW_TAG_compile_unit)
    static let partialUnit = Int32(DW_TAG_partial_unit)
    static let structureType = Int32(DW_TAG_structure_type)
    static let subroutineType = Int32(DW_TAG_subroutine_type)
    static let typedef = Int32(DW_TAG_typedef)
    static let unionType = Int32(DW_TAG_union_type)
    static let unspecifiedParameters = Int32(DW_TAG_unspecified_parameters)
    static let inlinedSubroutine = Int32(DW_TAG_inlined_subroutine)
    static let subrangeType = Int32(DW_TAG_subrange_type)
    static let baseType = Int32(DW_TAG_base_type)
    static let constType = Int32(DW_TAG_const_type)
    static let subprogram = Int32(DW_TAG_subprogram)
    static let volatileType = Int32(DW_TAG_volatile_type)
    static let restrictType = Int32(DW_TAG_restrict_type)
    static let atomicType = Int32(DW_TAG_atomic_type)
    static let unspecifiedType = Int32(DW_TAG_unspecified_type)
    static let classType = Int32(DW_TAG_class_type)
    static let rvalueReferenceType = Int32(DW_TAG_rvalue_reference_type)
    static let tryBlock = Int32(DW_TAG_try_block)
    static let catchBlock = Int32(DW_TAG_catch_block)
    static let variable = Int32(DW_TAG_variable)
}

enum Attribute {
    static let name = UInt32(DW_AT_name)
    static let type = UInt32(DW_AT_type)
    static let abstractOrigin = UInt32(DW_AT_abstract_origin)
    static let specification = UInt32(DW_AT_specification)
    static let declaration = UInt32(DW_AT_declaration)
    static let inline = UInt32(DW_AT_inline)
    static let lowPC = UInt32(DW_AT_low_pc)
    static let entryPC = UInt32(DW_AT_entry_pc)
    static let ranges = UInt32(DW_AT_ranges)
    static let prototyped = UInt32(DW_AT_prototyped)
    static let upperBound = UInt32(DW_AT_upper_bound)
    static let count = UInt32(DW_AT_count)
    static let linkageName = UInt32(DW_AT_linkage_name)
    static let mipsLinkageName = UInt32(DW_AT_MIPS_linkage_name)
    static let dwoName = UInt32(DW_AT_dwo_name)
    static let gnuDWOName = UInt32(0x2130)  // DW_AT_GNU_dwo_name
}

/// A Dwarf_Die with the queries this package needs. Failures of libdw on present
/// attributes surface as `.corruptDWARF`.
struct DIE {
    var raw: Dwarf_Die

    init(_ raw: Dwarf_Die) { self.raw = raw }

    var tag: Int32 {
        var d = raw
        return dwarf_tag(&d)
    }

    /// The DIE's offset in .debug_info, unique across the file.
    var offset: UInt64 {
        var d = raw
        return dwarf_dieoffset(&d)
    }

    /// Whether the DIE itself (not its abstract origin) carries `attribute`.
    func has(_ attribute: UInt32) -> Bool {
        var d = raw
        return dwarf_hasattr(&d, attribute) != 0
    }

    /// The attribute on the DIE itself, or, with `integrate`, reached through
    /// DW_AT_abstract_origin and DW_AT_specification.
    private func attribute(_ attribute: UInt32, integrate: Bool) -> Dwarf_Attribute? {
        var d = raw
        var attr = Dwarf_Attribute()
        let found = integrate ? dwarf_attr_integrate(&d, attribute, &attr) : dwarf_attr(&d, attribute, &attr)
        return found == nil ? nil : attr
    }

    func string(_ attribute: UInt32, integrate: Bool = false) throws(ObjectError) -> String? {
        guard var attr = self.attribute(attribute, integrate: integrate) else { return nil }
        let text = try checked(.dw, "dwarf_formstring", dwarf_formstring(&attr))
        return String(cString: text)
    }

    func unsigned(_ attribute: UInt32) throws(ObjectError) -> UInt64? {
        guard var attr = self.attribute(attribute, integrate: false) else { return nil }
        var value: Dwarf_Word = 0
        try checked(.dw, "dwarf_formudata", status: dwarf_formudata(&attr, &value))
        return value
    }

    func flag(_ attribute: UInt32) throws(ObjectError) -> Bool {
        guard var attr = self.attribute(attribute, integrate: false) else { return false }
        var value = false
        try checked(.dw, "dwarf_formflag", status: dwarf_formflag(&attr, &value))
        return value
    }

    /// The DIE a reference attribute points to.
    func reference(_ attribute: UInt32, integrate: Bool = false) throws(ObjectError) -> DIE? {
        guard var attr = self.attribute(attribute, integrate: integrate) else { return nil }
        var target = Dwarf_Die()
        try checked(.dw, "dwarf_formref_die", dwarf_formref_die(&attr, &target))
        return DIE(target)
    }

    /// The DIE's own DW_AT_name.
    func ownName() throws(ObjectError) -> String? { try string(Attribute.name) }

    /// DW_AT_name, looked up through DW_AT_abstract_origin/DW_AT_specification.
    func name() throws(ObjectError) -> String? { try string(Attribute.name, integrate: true) }

    /// The first child, if any.
    func firstChild() throws(ObjectError) -> DIE? {
        var d = raw
        var child = Dwarf_Die()
        let rc = try checked(.dw, "dwarf_child", status: dwarf_child(&d, &child))
        return rc == 0 ? DIE(child) : nil
    }

    /// The next sibling, if any.
    func nextSibling() throws(ObjectError) -> DIE? {
        var d = raw
        var sibling = Dwarf_Die()
        let rc = try checked(.dw, "dwarf_siblingof", status: dwarf_siblingof(&d, &sibling))
        return rc == 0 ? DIE(sibling) : nil
    }

    /// Calls `body` for each direct child, in order. Siblings must lie at increasing
    /// offsets; a DW_AT_sibling pointing backwards would otherwise loop forever.
    func forEachChild(_ body: (DIE) throws(ObjectError) -> Void) throws(ObjectError) {
        var next = try firstChild()
        var previous = offset
        while let child = next {
            let current = child.offset
            guard current > previous else {
                throw .corruptDWARF("DIE at offset 0x\(String(current, radix: 16)) does not follow its predecessor")
            }
            previous = current
            try body(child)
            next = try child.nextSibling()
        }
    }

    /// Whether the DIE has code of its own: DW_AT_low_pc, DW_AT_entry_pc or DW_AT_ranges.
    var hasCode: Bool {
        has(Attribute.lowPC) || has(Attribute.entryPC) || has(Attribute.ranges)
    }

    /// The entry address of a DIE with code: DW_AT_entry_pc, else DW_AT_low_pc, else the
    /// start of the first range.
    func entryAddress() throws(ObjectError) -> UInt64? {
        var d = raw
        var address: Dwarf_Addr = 0
        if has(Attribute.entryPC) || has(Attribute.lowPC) {
            try checked(.dw, "dwarf_entrypc", status: dwarf_entrypc(&d, &address))
            return address
        }
        if has(Attribute.ranges) {
            var base: Dwarf_Addr = 0
            var start: Dwarf_Addr = 0
            var end: Dwarf_Addr = 0
            let rc = try checked(.dw, "dwarf_ranges", status: dwarf_ranges(&d, 0, &base, &start, &end))
            return rc > 0 ? start : nil
        }
        return nil
    }

    /// DW_AT_decl_file as a path, looked up through the abstract origin.
    func declFile() throws(ObjectError) -> String? {
        try fileAttribute(UInt32(DW_AT_decl_file), integrate: true)
    }

    /// DW_AT_decl_line, looked up through the abstract origin.
    func declLine() throws(ObjectError) -> Int? {
        var d = raw
        guard dwarf_hasattr_integrate(&d, UInt32(DW_AT_decl_line)) != 0 else { return nil }
        var line: Int32 = 0
        try checked(.dw, "dwarf_decl_line", status: dwarf_decl_line(&d, &line))
        return Int(line)
    }
}
