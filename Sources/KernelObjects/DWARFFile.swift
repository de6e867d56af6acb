// SPDX-License-Identifier: GPL-2.0-only
//
// Function prototypes and inlining facts from a file's DWARF, read through libdwfl.
//
// libdwfl's offline reporting is used for every kind of object: for a relocatable
// object it lays out the sections and applies the relocations to the debug sections
// (raw libdw on a `.o` sees unrelocated string offsets and references); for an
// executable or shared object it is a thin layer over libdw.
//
// Cost: compilation units are found by reading only each unit's root DIE. Only units
// whose name matches the caller's filter are searched; when there is no filter, every
// unit's top-level DIEs are searched. A unit is walked below its top level only when
// it defines one of the requested functions, and then only through subprograms,
// lexical blocks and inlined subroutines (never into types).

import CLibDW
import CLibElf

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An object file's DWARF, opened through libdwfl. Not safe for concurrent use; open
/// one per task instead.
public final class DWARFFile {
    let elf: ELFFile
    private let callbacks: UnsafeMutablePointer<Dwfl_Callbacks>
    private let dwfl: OpaquePointer
    private let module: OpaquePointer
    private let dwarf: OpaquePointer
    private let bias: Dwarf_Addr

    /// The file's header and section headers.
    public var info: ObjectInfo { elf.info }

    /// Opens `path`, checks it as `ELFFile` does, and loads its DWARF through libdwfl.
    /// Throws `.noDWARF` when the file has no DWARF and no separate debug file is found.
    public init(path: String) throws(ObjectError) {
        let elf = try ELFFile(path: path)
        if !elf.info.hasDebugInfo { throw noDWARFReason(elf) }
        try checkSelfContained(elf)
        try checkDWARFSections(of: elf)
        let callbacks = UnsafeMutablePointer<Dwfl_Callbacks>.allocate(capacity: 1)
        // No search for separate debug files: libdwfl's standard callbacks follow a
        // .gnu_debuglink or a build ID into other files (a FIFO, /dev/zero, a huge
        // file planted beside the object) and ask debuginfod servers when
        // DEBUGINFOD_URLS is set. The file given is the only one read.
        callbacks.initialize(to: Dwfl_Callbacks(
            find_elf: { _, _, _, _, _, _ in -1 },
            find_debuginfo: { _, _, _, _, _, _, _, _ in -1 },
            section_address: dwfl_offline_section_address,
            debuginfo_path: nil))
        guard let dwfl = dwfl_begin(callbacks) else {
            let error = libraryFailure(.dwfl, "dwfl_begin")
            callbacks.deallocate()
            throw error
        }
        do throws(ObjectError) {
            // libdwfl owns and closes the descriptor it is given; the duplicate refers
            // to the file that was just checked.
            // zstd-compressed debug sections are inflated into an in-memory copy first.
            let descriptor = try Inflate.zstdInflatedCopy(of: elf) ?? elf.withDescriptor { dup($0) }
            guard descriptor >= 0 else { throw .cannotRead("cannot duplicate file descriptor") }
            let module = try checked(.dwfl, "dwfl_report_offline",
                                     dwfl_report_offline(dwfl, "object", path, descriptor))
            try checked(.dwfl, "dwfl_report_end", status: dwfl_report_end(dwfl, nil, nil))
            var bias: Dwarf_Addr = 0
            let found = dwfl_module_getdwarf(module, &bias)
            if found == nil && !elf.info.hasDebugInfo { throw noDWARFReason(elf) }
            let dwarf = try checked(.dwflDebugInfo, "dwfl_module_getdwarf", found)
            self.module = module
            self.dwarf = dwarf
            self.bias = bias
        } catch {
            dwfl_end(dwfl)
            callbacks.deallocate()
            throw error
        }
        self.elf = elf
        self.callbacks = callbacks
        self.dwfl = dwfl
    }

    deinit {
        dwfl_end(dwfl)
        callbacks.deallocate()
    }

    /// The libdw handle, for readers of this file's DWARF in other files of the module;
    /// valid while `self` lives.
    var handle: OpaquePointer { dwarf }

    /// Whether addresses in the DWARF are the symbol table's (an executable or shared
    /// object; a relocatable object's are laid out by libdwfl).
    var addressesAreSymbolValues: Bool { elf.info.type != .relocatable && bias == 0 }

    /// The DW_AT_name of every compilation unit, in order.
    public func compilationUnits() throws(ObjectError) -> [String] {
        var names: [String] = []
        try forEachUnit { unit throws(ObjectError) in names.append(try unit.ownName() ?? "") }
        return names
    }

    /// The functions called one of `names` defined (not merely declared) in the
    /// compilation units whose name ends with `unitSuffix` at a path-component
    /// boundary (`mm/page_alloc.c` matches `mm/page_alloc.c` and
    /// `/build/linux/mm/page_alloc.c`, not `xmm/page_alloc.c`); every unit when nil.
    /// One entry per defining DIE, in unit and DIE order, so static functions of the
    /// same name in different units stay apart.
    public func functions(named names: Set<String>, inCompilationUnit unitSuffix: String? = nil)
        throws(ObjectError) -> [DWARFFunction]
    {
        var found: [DWARFFunction] = []
        let budget = RenderBudget(fileSize: elf.withOpenFile { $0.size })
        try forEachUnit { unit throws(ObjectError) in
            let unitName = try unit.ownName() ?? ""
            if let unitSuffix, !unitName.hasPathSuffix(unitSuffix) { return }
            found += try search(unit: unit, unitName: unitName, names: names, budget: budget)
        }
        return found
    }

    /// Calls `body` with the root DIE of each compilation or partial unit.
    func forEachUnit(_ body: (DIE) throws(ObjectError) -> Void) throws(ObjectError) {
        var unit: OpaquePointer?
        while true {
            var next: OpaquePointer?
            var version: Dwarf_Half = 0
            var unitType: UInt8 = 0
            var root = Dwarf_Die()
            let rc = try checked(.dw, "dwarf_get_units",
                                 status: dwarf_get_units(dwarf, unit, &next, &version, &unitType, &root, nil))
            if rc != 0 { return }
            unit = next
            let unitRoot = DIE(root)
            if unitType == UInt8(DW_UT_skeleton) || unitRoot.has(Attribute.gnuDWOName) || unitRoot.has(Attribute.dwoName) {
                // The unit's DIEs are in a .dwo file, which is not looked for.
                let name = (try? unitRoot.string(Attribute.dwoName)) ?? (try? unitRoot.string(Attribute.gnuDWOName))
                throw .noDWARFBecause("split DWARF: the units' DIEs are in \(name.flatMap { $0 } ?? "a .dwo file"), "
                                      + "which is not looked for; give an object built without -gsplit-dwarf")
            }
            guard unitType == UInt8(DW_UT_compile) || unitType == UInt8(DW_UT_partial) else { continue }
            guard unitRoot.tag == Tag.compileUnit || unitRoot.tag == Tag.partialUnit else {
                throw .corruptDWARF("unit at offset 0x\(String(unitRoot.offset, radix: 16)) does not start with a unit DIE")
            }
            try body(unitRoot)
        }
    }

    /// The requested functions defined at the top level of one unit.
    func search(unit: DIE, unitName: String, names: Set<String>,
                budget: RenderBudget) throws(ObjectError) -> [DWARFFunction] {
        var roots: [DIE] = []
        var rootIndex: [UInt64: Int] = [:]
        var concrete: [DIE] = []
        try unit.forEachChild { die throws(ObjectError) in
            guard die.tag == Tag.subprogram else { return }
            if die.has(Attribute.abstractOrigin) {
                // A concrete instance (out-of-line copy or clone) of an abstract DIE.
                concrete.append(die)
            } else if let name = try die.name(), names.contains(name), try !die.flag(Attribute.declaration) {
                // A definition, named directly or through DW_AT_specification.
                rootIndex[die.offset] = roots.count
                roots.append(die)
            }
        }
        guard !roots.isEmpty else { return [] }

        var copies = Array(repeating: [OutOfLineCopy](), count: roots.count)
        for (index, root) in roots.enumerated() where root.hasCode {
            copies[index].append(try outOfLineCopy(root))
        }
        for die in concrete where die.hasCode {
            if let index = try originRoot(of: die, rootIndex) {
                copies[index].append(try outOfLineCopy(die))
            }
        }

        var callSites = Array(repeating: 0, count: roots.count)
        try walkCode(below: unit) { die throws(ObjectError) in
            if let index = try originRoot(of: die, rootIndex) { callSites[index] += 1 }
        }

        var result: [DWARFFunction] = []
        for (index, root) in roots.enumerated() {
            let inline = try root.unsigned(Attribute.inline)
            result.append(DWARFFunction(
                prototype: try prototype(of: root, budget: budget),
                compilationUnit: unitName,
                declFile: try root.declFile(),
                declLine: try root.declLine(),
                declaredInline: inline == UInt64(DW_INL_declared_inlined)
                    || inline == UInt64(DW_INL_declared_not_inlined),
                inlinedOnly: inline != nil && copies[index].isEmpty,
                outOfLineCopies: copies[index],
                inlinedCallSites: callSites[index],
                locals: try locals(of: root, budget: budget)))
        }
        return result
    }

    /// The index of the requested function `die` is an instance of, following
    /// DW_AT_abstract_origin through at most a few concrete layers.
    func originRoot(of die: DIE, _ rootIndex: [UInt64: Int]) throws(ObjectError) -> Int? {
        var current = die
        for _ in 0..<8 {
            guard let origin = try current.reference(Attribute.abstractOrigin) else { return nil }
            if let index = rootIndex[origin.offset] { return index }
            current = origin
        }
        return nil
    }

    /// DIEs that hold code nested deeper than this below their unit are refused:
    /// libdw finds a DIE's next sibling by reading past all its children when the
    /// producer left out DW_AT_sibling, so a walk costs its DIEs times their depth.
    /// GCC's kernel objects stay below 20.
    static let maximumNesting = 256

    /// Calls `body` for every DW_TAG_inlined_subroutine under `unit`, descending only
    /// through DIEs that can contain code.
    private func walkCode(below unit: DIE, _ body: (DIE) throws(ObjectError) -> Void) throws(ObjectError) {
        var pending: [(DIE, Int)] = [(unit, 0)]
        while let (parent, depth) = pending.popLast() {
            try parent.forEachChild { child throws(ObjectError) in
                switch child.tag {
                case Tag.inlinedSubroutine:
                    try body(child)
                    pending.append((try Self.nested(child, depth), depth + 1))
                case Tag.subprogram, Tag.lexicalBlock, Tag.tryBlock, Tag.catchBlock:
                    pending.append((try Self.nested(child, depth), depth + 1))
                default:
                    break
                }
            }
        }
    }

    private static func nested(_ die: DIE, _ depth: Int) throws(ObjectError) -> DIE {
        guard depth < maximumNesting else {
            throw .tooComplex("DIEs nested more than \(maximumNesting) deep (at offset 0x\(String(die.offset, radix: 16))); not read")
        }
        return die
    }

    /// The named DW_TAG_variable DIEs of a function body, lexical blocks included, in
    /// breadth-first order.
    private func locals(of function: DIE, budget: RenderBudget) throws(ObjectError) -> [Parameter] {
        var found: [Parameter] = []
        var pending: [(DIE, Int)] = [(function, 0)]
        var next = 0
        while next < pending.count {
            let (parent, depth) = pending[next]
            next += 1
            try parent.forEachChild { child throws(ObjectError) in
                if child.tag == Tag.variable, let name = try child.name() {
                    let type = try child.reference(Attribute.type, integrate: true)
                    found.append(Parameter(name: name, type: try renderType(type, budget: budget)))
                } else if child.tag == Tag.lexicalBlock {
                    pending.append((try Self.nested(child, depth), depth + 1))
                }
            }
        }
        return found
    }

    private func prototype(of die: DIE, budget: RenderBudget) throws(ObjectError) -> FunctionPrototype {
        let name = try die.name() ?? ""
        let list = try parameterList(of: die, budget: budget)
        let returnType = try die.reference(Attribute.type, integrate: true)
        var parameters: [Parameter] = []
        for parameter in list.parameters {
            parameters.append(Parameter(name: parameter.name, type: try renderType(parameter.type, budget: budget)))
        }
        return FunctionPrototype(
            name: name,
            returnType: try renderType(returnType, budget: budget),
            parameters: parameters,
            isVariadic: list.isVariadic,
            rendered: try renderType(returnType, declarator: "\(name)(\(list.text))", budget: budget))
    }

    private func outOfLineCopy(_ die: DIE) throws(ObjectError) -> OutOfLineCopy {
        var parameters: [String] = []
        try die.forEachChild { child throws(ObjectError) in
            if child.tag == Tag.formalParameter { parameters.append(try child.name() ?? "") }
        }
        var linkage = try die.string(Attribute.linkageName, integrate: true)
        if linkage == nil { linkage = try die.string(Attribute.mipsLinkageName, integrate: true) }
        guard let entry = try die.entryAddress() else {
            return OutOfLineCopy(symbol: linkage, address: 0, parameters: parameters)
        }
        let located = try locate(entry)
        return OutOfLineCopy(symbol: linkage ?? located.symbol, address: located.address,
                             parameters: parameters)
    }

    /// The symbol starting exactly at the DWARF address `address`, and the address as
    /// the symbol table states it (section-relative in a relocatable object).
    private func locate(_ address: Dwarf_Addr) throws(ObjectError) -> (symbol: String?, address: UInt64) {
        let absolute = address &+ bias
        var offset: GElf_Off = 0
        var sym = GElf_Sym()
        var shndx: GElf_Word = 0
        var symbolElf: OpaquePointer?
        var symbolBias: Dwarf_Addr = 0
        var symbol: String?
        if let name = dwfl_module_addrinfo(module, absolute, &offset, &sym, &shndx, &symbolElf, &symbolBias),
           offset == 0 {
            symbol = String(cString: name)
        }
        var relative = absolute
        try checked(.dwfl, "dwfl_module_relocate_address",
                    status: dwfl_module_relocate_address(module, &relative))
        return (symbol, relative)
    }
}

extension ELFFile {
    /// Lends the file descriptor to `body`; it must not be closed or escape.
    func withDescriptor<R>(_ body: (Int32) -> R) -> R {
        withOpenFile { file in body(file.descriptor) }
    }
}

extension String {
    /// Whether the path ends with `suffix` at a path-component boundary.
    func hasPathSuffix(_ suffix: String) -> Bool {
        self == suffix || hasSuffix("/" + suffix) || (suffix.hasPrefix("/") && hasSuffix(suffix))
    }
}
