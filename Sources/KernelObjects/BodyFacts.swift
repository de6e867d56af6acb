// SPDX-License-Identifier: GPL-2.0-only
//
// What a function's body leaves in DWARF, with the source line of each fact: the
// functions it calls (inlined subroutines by abstract origin, DW_TAG_call_site and
// DW_TAG_GNU_call_site by origin, placed on a line through the line table), the
// locals, parameters and labels it declares, and its lexical blocks. Facts are read
// from every instance of the function in its compilation unit: the defining DIE, the
// concrete out-of-line copies (clones, `.part`, `.cold` ranges belong to them), and
// every inlined instance, so a call that survives in one copy only is still seen.
// Only the function's own body is read: a callee inlined into it is one call fact, its
// own body is not.

import CLibDW

/// One fact about a function body in an object's DWARF.
public struct BodyFact: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Codable {
        case call, variable, parameter, label
    }

    /// Where DWARF keeps the fact.
    public enum Source: String, Hashable, Sendable, Codable {
        /// A DW_TAG_inlined_subroutine: its abstract origin and DW_AT_call_line.
        case inlined
        /// A DW_TAG_call_site (or GNU_call_site): its origin, and the line table's line
        /// for the call instruction.
        case callSite = "call site"
        /// A DW_TAG_variable, DW_TAG_formal_parameter or DW_TAG_label: DW_AT_decl_line.
        case declaration
    }

    public var kind: Kind
    public var name: String
    /// The source line, where DWARF gives one.
    public var line: Int?
    /// The 1-based column on `line` (DW_AT_call_column, DW_AT_decl_column, or the line
    /// table's column for a call site's instruction); nil where DWARF gives none.
    public var column: Int?
    /// The source file of `line`, as the line table names it.
    public var file: String?
    /// Variables and parameters: the type as C.
    public var type: String?
    /// Variables and labels: how many lexical blocks enclose the declaration inside
    /// the function (0: the function's outermost block).
    public var depth: Int?
    public var source: Source

    public init(kind: Kind, name: String, line: Int?, column: Int? = nil, file: String?, type: String? = nil,
                depth: Int? = nil, source: Source) {
        self.kind = kind
        self.name = name
        self.line = line
        self.column = column
        self.file = file
        self.type = type
        self.depth = depth
        self.source = source
    }

    /// `call account_freepages at line 965 (inlined)`.
    public var description: String {
        let what = switch kind {
        case .call: "call \(name)"
        case .variable: "local \(type.map { $0.hasSuffix("*") ? $0 + name : "\($0) \(name)" } ?? name)"
        case .parameter: "parameter \(name)"
        case .label: "label \(name)"
        }
        let place = line.map { line in " at line \(line)" + (column.map { ":\($0)" } ?? "") } ?? ""
        return what + place + " (\(source.rawValue))"
    }
}

/// Everything read from the instances of one function.
public struct FunctionBody: Equatable, Hashable, Sendable, Codable {
    /// Distinct facts, ordered by line, kind and name.
    public var facts: [BodyFact]
    /// DIEs read: the defining DIE, out-of-line copies, inlined instances.
    public var instances: Int
    /// Lexical blocks in the defining DIE.
    public var lexicalBlocks: Int
    /// The line before the next function the unit declares in the same file: the
    /// function's text ends there at the latest. Nil when none follows.
    public var lastLine: Int?

    public init(facts: [BodyFact], instances: Int, lexicalBlocks: Int, lastLine: Int? = nil) {
        self.facts = facts
        self.instances = instances
        self.lexicalBlocks = lexicalBlocks
        self.lastLine = lastLine
    }
}

/// The names a compilation unit declares: what a name in a patch can be in the object.
/// A name on a line that is none of these (nor a local of the function) may be a macro,
/// which can expand to anything.
public struct UnitVocabulary: Equatable, Sendable, Codable {
    /// Every DW_TAG_subprogram at the unit's top level, declarations included.
    public var functions: Set<String>
    /// Every enumerator of an enumeration type at the unit's top level.
    public var enumerators: Set<String>
    /// Every DW_TAG_variable at the unit's top level (globals, declarations included).
    public var variables: Set<String>
    /// Every typedef, structure, union and enumeration name at the unit's top level.
    public var types: Set<String>

    public init(functions: Set<String> = [], enumerators: Set<String> = [], variables: Set<String> = [],
                types: Set<String> = []) {
        self.functions = functions
        self.enumerators = enumerators
        self.variables = variables
        self.types = types
    }

    public mutating func formUnion(_ other: UnitVocabulary) {
        functions.formUnion(other.functions)
        enumerators.formUnion(other.enumerators)
        variables.formUnion(other.variables)
        types.formUnion(other.types)
    }
}

/// Where a unit's line table places code in one source file: for each line, the
/// columns of its rows (0 where the table gives no column). Every row of the unit
/// counts, whichever function's instance its address lies in.
public struct SourceRows: Equatable, Sendable, Codable {
    public var columns: [Int: Set<Int>]

    public init(columns: [Int: Set<Int>] = [:]) {
        self.columns = columns
    }

    public mutating func formUnion(_ other: SourceRows) {
        columns.merge(other.columns) { $0.union($1) }
    }
}

/// What one search of an object's units found.
public struct UnitEvidence: Equatable, Sendable, Codable {
    public var functions: [FunctionEvidence]
    public var vocabulary: UnitVocabulary
    /// The line-table rows of each file that defines one of the functions, by the path
    /// the line table gives it (the functions' `declFile`).
    public var rows: [String: SourceRows]

    public init(functions: [FunctionEvidence] = [], vocabulary: UnitVocabulary = UnitVocabulary(),
                rows: [String: SourceRows] = [:]) {
        self.functions = functions
        self.vocabulary = vocabulary
        self.rows = rows
    }
}

/// A function's DWARF description and what its body leaves in the object.
public struct FunctionEvidence: Equatable, Sendable, Codable {
    public var function: DWARFFunction
    public var body: FunctionBody

    public init(function: DWARFFunction, body: FunctionBody) {
        self.function = function
        self.body = body
    }
}

extension DWARFFile {
    /// The functions called one of `names` defined in the units `unitSuffix` selects
    /// (see `functions(named:inCompilationUnit:)`), each with its body's facts, the
    /// vocabulary of those units together, and the line-table rows of the files that
    /// define the functions.
    ///
    /// `near` are addresses of code the wanted units compiled (a symbol of each file): the
    /// units that hold them are found through .debug_aranges and only those are read.
    /// When none of them is such a unit, or the file has no address ranges, every unit's
    /// name is read instead.
    public func evidence(named names: Set<String>, inCompilationUnit unitSuffix: String? = nil,
                         near addresses: [UInt64] = []) throws(ObjectError) -> UnitEvidence
    {
        var found = UnitEvidence()
        let budget = RenderBudget(fileSize: elf.withOpenFile { $0.size })
        var units: [DIE] = []
        if unitSuffix != nil, addressesAreSymbolValues {
            var seen: Set<UInt64> = []
            for address in addresses {
                guard let unit = try unit(containing: address), seen.insert(unit.offset).inserted else { continue }
                units.append(unit)
            }
        }
        var matching: [DIE] = []
        for unit in units {
            let name = try unit.ownName() ?? ""
            if unitSuffix.map({ name.hasPathSuffix($0) }) ?? true { matching.append(unit) }
        }
        func read(_ unit: DIE) throws(ObjectError) {
            let unitName = try unit.ownName() ?? ""
            if let unitSuffix, !unitName.hasPathSuffix(unitSuffix) { return }
            let functions = try search(unit: unit, unitName: unitName, names: names, budget: budget)
            let reader = BodyReader(file: self, unit: unit, budget: budget)
            let bodies = try reader.read(names: names, vocabulary: &found.vocabulary)
            // Both walks take the defining DIEs in DIE order with the same test.
            guard bodies.count == functions.count else {
                throw .corruptDWARF("unit \(unitName): definitions read differently")
            }
            for (function, body) in zip(functions, bodies) {
                found.functions.append(FunctionEvidence(function: function, body: body))
            }
            let files = Set(functions.compactMap(\.declFile))
            if !files.isEmpty {
                for (file, rows) in try unit.lineRows(of: files) { found.rows[file, default: SourceRows()].formUnion(rows) }
            }
        }
        if matching.isEmpty {
            try forEachUnit { unit throws(ObjectError) in try read(unit) }
        } else {
            for unit in matching { try read(unit) }
        }
        return found
    }
}

/// Reads body facts from one compilation unit.
private struct BodyReader {
    let file: DWARFFile
    let unit: DIE
    let budget: RenderBudget

    /// A bound on the code DIEs one unit's walk visits (the largest unit of a Debian
    /// vmlinux has about a million DIEs in all).
    static let maximumDIEs = 1 << 24

    func read(names: Set<String>, vocabulary: inout UnitVocabulary) throws(ObjectError) -> [FunctionBody] {
        var roots: [DIE] = []
        var rootIndex: [UInt64: Int] = [:]
        var concrete: [DIE] = []
        // Where each function the unit declares starts, by file index.
        var starts: [UInt64: [Int]] = [:]
        try unit.forEachChild { die throws(ObjectError) in
            switch die.tag {
            case Tag.subprogram:
                if let place = try die.declPlace() { starts[place.file, default: []].append(place.line) }
                if die.has(Attribute.abstractOrigin) {
                    concrete.append(die)
                } else if let name = try die.name() {
                    vocabulary.functions.insert(name)
                    if names.contains(name), try !die.flag(Attribute.declaration) {
                        rootIndex[die.offset] = roots.count
                        roots.append(die)
                    }
                }
            case Tag.enumerationType:
                if let name = try die.ownName() { vocabulary.types.insert(name) }
                try die.forEachChild { e throws(ObjectError) in
                    if e.tag == Tag.enumerator, let name = try e.ownName() { vocabulary.enumerators.insert(name) }
                }
            case Tag.variable:
                if let name = try die.name() { vocabulary.variables.insert(name) }
            case Tag.typedef, Tag.structureType, Tag.unionType:
                if let name = try die.ownName() { vocabulary.types.insert(name) }
            default:
                break
            }
        }
        guard !roots.isEmpty else { return [] }

        var facts = Array(repeating: Set<BodyFact>(), count: roots.count)
        var instances = Array(repeating: 0, count: roots.count)
        var blocks = Array(repeating: 0, count: roots.count)
        for (index, root) in roots.enumerated() {
            try collect(root, into: &facts[index], blocks: &blocks[index])
            instances[index] += 1
        }
        for die in concrete {
            guard let index = try originRoot(of: die, rootIndex) else { continue }
            var ignored = 0
            try collect(die, into: &facts[index], blocks: &ignored)
            instances[index] += 1
        }
        // Inlined instances anywhere in the unit's code.
        var pending: [DIE] = [unit]
        var visited = 0
        while let parent = pending.popLast() {
            try parent.forEachChild { child throws(ObjectError) in
                visited += 1
                guard visited <= Self.maximumDIEs else {
                    throw .tooManyEntries(table: "code DIEs of a unit", count: UInt64(visited), limit: Self.maximumDIEs)
                }
                switch child.tag {
                case Tag.inlinedSubroutine:
                    if let index = try originRoot(of: child, rootIndex) {
                        var ignored = 0
                        try collect(child, into: &facts[index], blocks: &ignored)
                        instances[index] += 1
                    }
                    pending.append(child)
                case Tag.subprogram, Tag.lexicalBlock, Tag.tryBlock, Tag.catchBlock:
                    pending.append(child)
                default:
                    break
                }
            }
        }
        var lastLines: [Int?] = []
        for root in roots {
            guard let place = try root.declPlace() else { lastLines.append(nil); continue }
            lastLines.append(starts[place.file]?.filter { $0 > place.line }.min().map { $0 - 1 })
        }
        return roots.indices.map { i in
            FunctionBody(facts: facts[i].sorted { ($0.line ?? 0, $0.kind.rawValue, $0.name) < ($1.line ?? 0, $1.kind.rawValue, $1.name) },
                         instances: instances[i], lexicalBlocks: blocks[i], lastLine: lastLines[i])
        }
    }

    private func originRoot(of die: DIE, _ rootIndex: [UInt64: Int]) throws(ObjectError) -> Int? {
        try file.originRoot(of: die, rootIndex)
    }

    /// The facts of one instance's own body: its children and those of its lexical
    /// blocks, not the bodies of what is inlined into it.
    private func collect(_ instance: DIE, into facts: inout Set<BodyFact>, blocks: inout Int) throws(ObjectError) {
        var pending: [(DIE, Int)] = [(instance, 0)]
        var visited = 0
        while let (parent, depth) = pending.popLast() {
            try parent.forEachChild { child throws(ObjectError) in
                visited += 1
                guard visited <= Self.maximumDIEs else {
                    throw .tooManyEntries(table: "DIEs of a function", count: UInt64(visited), limit: Self.maximumDIEs)
                }
                switch child.tag {
                case Tag.variable, Tag.formalParameter:
                    guard let name = try child.name() else { return }
                    let isParameter = child.tag == Tag.formalParameter
                    if isParameter && depth > 0 { return }
                    let type = try renderType(try child.reference(Attribute.type, integrate: true), budget: budget)
                    facts.insert(BodyFact(kind: isParameter ? .parameter : .variable, name: name,
                                          line: try child.declLine(), column: try child.declColumn(),
                                          file: try child.declFile(),
                                          type: type, depth: isParameter ? nil : depth, source: .declaration))
                case Tag.label:
                    guard let name = try child.name() else { return }
                    facts.insert(BodyFact(kind: .label, name: name, line: try child.declLine(),
                                          column: try child.declColumn(), file: try child.declFile(),
                                          depth: depth, source: .declaration))
                case Tag.lexicalBlock, Tag.tryBlock, Tag.catchBlock:
                    blocks += 1
                    pending.append((child, depth + 1))
                case Tag.inlinedSubroutine:
                    guard let name = try child.name() else { return }
                    let line = try child.unsigned(Attribute.callLine).map { Int(clamping: $0) }
                    let column = try child.unsigned(Attribute.callColumn).map { Int(clamping: $0) }
                    let file = try child.fileAttribute(Attribute.callFile)
                    facts.insert(BodyFact(kind: .call, name: name, line: line, column: column, file: file,
                                          source: .inlined))
                case Tag.callSite, Tag.gnuCallSite:
                    var origin = try child.reference(Attribute.callOrigin)
                    if origin == nil { origin = try child.reference(Attribute.abstractOrigin) }
                    guard let origin, let name = try origin.name() else { return }
                    var place: (line: Int, column: Int, file: String?)?
                    if let address = try child.callReturnAddress(), address > 0 {
                        place = try unit.sourceLine(at: address - 1)
                    }
                    facts.insert(BodyFact(kind: .call, name: name, line: place?.line,
                                          column: place.flatMap { $0.column > 0 ? $0.column : nil },
                                          file: place?.file, source: .callSite))
                default:
                    break
                }
            }
        }
    }
}
