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
    /// The source file of `line`, as the line table names it.
    public var file: String?
    /// Variables and parameters: the type as C.
    public var type: String?
    /// Variables and labels: how many lexical blocks enclose the declaration inside
    /// the function (0: the function's outermost block).
    public var depth: Int?
    public var source: Source

    public init(kind: Kind, name: String, line: Int?, file: String?, type: String? = nil,
                depth: Int? = nil, source: Source) {
        self.kind = kind
        self.name = name
        self.line = line
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
        return what + (line.map { " at line \($0)" } ?? "") + " (\(source.rawValue))"
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

    public init(facts: [BodyFact], instances: Int, lexicalBlocks: Int) {
        self.facts = facts
        self.instances = instances
        self.lexicalBlocks = lexicalBlocks
    }
}

/// The names a compilation unit declares: what a name in a patch can be in the object.
public struct UnitVocabulary: Equatable, Sendable, Codable {
    /// Every DW_TAG_subprogram at the unit's top level, declarations included.
    public var functions: Set<String>
    /// Every enumerator of an enumeration type at the unit's top level.
    public var enumerators: Set<String>

    public init(functions: Set<String> = [], enumerators: Set<String> = []) {
        self.functions = functions
        self.enumerators = enumerators
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
    /// (see `functions(named:inCompilationUnit:)`), each with its body's facts, and the
    /// vocabulary of those units together.
    public func evidence(named names: Set<String>, inCompilationUnit unitSuffix: String? = nil)
        throws(ObjectError) -> (functions: [FunctionEvidence], vocabulary: UnitVocabulary)
    {
        var found: [FunctionEvidence] = []
        var vocabulary = UnitVocabulary()
        try forEachUnit { unit throws(ObjectError) in
            let unitName = try unit.ownName() ?? ""
            if let unitSuffix, !unitName.hasPathSuffix(unitSuffix) { return }
            let functions = try search(unit: unit, unitName: unitName, names: names)
            let reader = BodyReader(file: self, unit: unit)
            let bodies = try reader.read(names: names, vocabulary: &vocabulary)
            // Both walks take the defining DIEs in DIE order with the same test.
            guard bodies.count == functions.count else {
                throw .corruptDWARF("unit \(unitName): definitions read differently")
            }
            for (function, body) in zip(functions, bodies) {
                found.append(FunctionEvidence(function: function, body: body))
            }
        }
        return (found, vocabulary)
    }
}

/// Reads body facts from one compilation unit.
private struct BodyReader {
    let file: DWARFFile
    let unit: DIE

    /// A bound on the code DIEs one unit's walk visits (the largest unit of a Debian
    /// vmlinux has about a million DIEs in all).
    static let maximumDIEs = 1 << 24

    func read(names: Set<String>, vocabulary: inout UnitVocabulary) throws(ObjectError) -> [FunctionBody] {
        var roots: [DIE] = []
        var rootIndex: [UInt64: Int] = [:]
        var concrete: [DIE] = []
        try unit.forEachChild { die throws(ObjectError) in
            switch die.tag {
            case Tag.subprogram:
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
                try die.forEachChild { e throws(ObjectError) in
                    if e.tag == Tag.enumerator, let name = try e.ownName() { vocabulary.enumerators.insert(name) }
                }
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
        return roots.indices.map { i in
            FunctionBody(facts: facts[i].sorted { ($0.line ?? 0, $0.kind.rawValue, $0.name) < ($1.line ?? 0, $1.kind.rawValue, $1.name) },
                         instances: instances[i], lexicalBlocks: blocks[i])
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
                    let type = try renderType(try child.reference(Attribute.type, integrate: true))
                    facts.insert(BodyFact(kind: isParameter ? .parameter : .variable, name: name,
                                          line: try child.declLine(), file: try child.declFile(),
                                          type: type, depth: isParameter ? nil : depth, source: .declaration))
                case Tag.label:
                    guard let name = try child.name() else { return }
                    facts.insert(BodyFact(kind: .label, name: name, line: try child.declLine(),
                                          file: try child.declFile(), depth: depth, source: .declaration))
                case Tag.lexicalBlock, Tag.tryBlock, Tag.catchBlock:
                    blocks += 1
                    pending.append((child, depth + 1))
                case Tag.inlinedSubroutine:
                    guard let name = try child.name() else { return }
                    let line = try child.unsigned(Attribute.callLine).map { Int(clamping: $0) }
                    let file = try child.fileAttribute(Attribute.callFile)
                    facts.insert(BodyFact(kind: .call, name: name, line: line, file: file, source: .inlined))
                case Tag.callSite, Tag.gnuCallSite:
                    var origin = try child.reference(Attribute.callOrigin)
                    if origin == nil { origin = try child.reference(Attribute.abstractOrigin) }
                    guard let origin, let name = try origin.name() else { return }
                    var place: (line: Int, file: String?)?
                    if let address = try child.callReturnAddress(), address > 0 {
                        place = try unit.sourceLine(at: address - 1)
                    }
                    facts.insert(BodyFact(kind: .call, name: name, line: place?.line, file: place?.file,
                                          source: .callSite))
                default:
                    break
                }
            }
        }
    }
}
