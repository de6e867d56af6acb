// SPDX-License-Identifier: GPL-2.0-only
//
// Decides, per touched function, whether a built object carries the patch, on positive
// evidence only: the DWARF prototype against the expected ones before and after, a
// definition the patch adds or removes whole, and the calls, locals, parameters and
// labels of the function's body line by line (`BodyEvidence`). Evidence for both sides
// makes the verdict `conflicting`; none leaves it `indeterminate`, with the reason per
// hunk. ELF symbols are gathered as evidence.

import KernelObjects
import PatchReader

public enum Verifier {
    /// The report for one object. Throws when the object cannot be read: not ELF,
    /// truncated, no symbol table, no DWARF or corrupt DWARF.
    ///
    /// Only the compilation units of the patched `.c` files are read. A function
    /// defined in a header (`static inline` under `include/`) is looked for in the
    /// units of the patch's `.c` files and of `units`, or in every unit when the
    /// patch and `units` name none.
    public static func verify(objectAt path: String, expectations: [FunctionExpectation],
                              units: [String] = []) throws(ObjectError) -> ObjectReport {
        let elf = try ELFFile(path: path)
        let names = Set(expectations.map(\.name))
        // An address of each patched .c file's code finds its unit without reading the
        // name of every unit.
        let sourceFiles = Set(expectations.map(\.file).filter { $0.hasSuffix(".c") } + units)
        let (symbols, addresses) = try elf.functions(named: names, firstIn: Set(sourceFiles.map(baseName)))

        // Without DWARF nothing tells the two sides apart: DWARFFile refuses the file.
        let dwarf = try DWARFFile(path: path)
        var found: [(unit: String, evidence: FunctionEvidence)] = []
        var vocabulary = UnitVocabulary()
        var rows: [String: SourceRows] = [:]
        let sources = Set(expectations.map(\.file).filter { $0.hasSuffix(".c") } + units)
        var searches: [String?: Set<String>] = [:]
        for e in expectations {
            if e.file.hasSuffix(".h") {
                if sources.isEmpty { searches[nil, default: []].insert(e.name) }
                for unit in sources { searches[unit, default: []].insert(e.name) }
            } else {
                searches[e.file, default: []].insert(e.name)
            }
        }
        for (unit, ofUnit) in searches.sorted(by: { ($0.key ?? "") < ($1.key ?? "") }) {
            let near = unit.flatMap { addresses[baseName($0)] }.map { [$0] } ?? []
            let read = try dwarf.evidence(named: ofUnit, inCompilationUnit: unit, near: near)
            found += read.functions.map { (unit ?? "", $0) }
            vocabulary.formUnion(read.vocabulary)
            rows.merge(read.rows) { a, b in var all = a; all.formUnion(b); return all }
        }
        // What the patch itself defines is a function, whatever this object has.
        vocabulary.functions.formUnion(names)

        let reports = expectations.map { e in
            let mine = found.filter { item in
                item.evidence.function.prototype.name == e.name
                    && (e.file.hasSuffix(".h") ? item.evidence.function.declFile.map { BodyEvidence.sameFile($0, e.file, nil) } ?? false
                                               : item.unit == e.file)
            }.map(\.evidence)
            return report(for: e, symbols: symbols.filter { belongs($0, to: e) }, dwarf: mine,
                          vocabulary: vocabulary, rows: rows)
        }
        return ObjectReport(path: path, elfClass: elf.info.elfClass.rawValue,
                            byteOrder: elf.info.byteOrder.rawValue,
                            type: elf.info.type.description,
                            overall: ObjectReport.overall(of: reports), functions: reports)
    }

    /// A symbol is the function's when its base name matches and, for a LOCAL symbol
    /// attributed to a file, that file is the patched one (symbol tables name files by
    /// their base name).
    static func belongs(_ symbol: Symbol, to e: FunctionExpectation) -> Bool {
        guard symbol.baseName == e.name else { return false }
        guard symbol.binding == .local, let file = symbol.file else { return true }
        return baseName(file) == baseName(e.file) || e.file.hasSuffix(".h")
    }

    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func report(for e: FunctionExpectation, symbols: [Symbol], dwarf: [FunctionEvidence],
                       vocabulary: UnitVocabulary, rows: [String: SourceRows]) -> FunctionReport {
        let symbolEvidence = symbols.map { s in
            SymbolEvidence(name: s.name, binding: "\(s.binding)".uppercased(),
                           type: s.type == .function ? "FUNC" : "\(s.type)".uppercased(),
                           section: s.section.name ?? "\(s.section)", size: s.size,
                           value: s.value, file: s.file,
                           clones: s.clones.map { String($0.description.dropFirst()) })
        }
        var findings: [Finding] = []
        var patched = false, unpatched = false

        if dwarf.isEmpty {
            findings.append(Finding(kind: .notInDWARF, detail: "in a unit named \(e.file)"))
        }
        for function in dwarf {
            let found = decide(e, function, vocabulary: vocabulary, rows: function.function.declFile.flatMap { rows[$0] })
            patched = patched || found.contains { $0.kind.isAfter }
            unpatched = unpatched || found.contains { $0.kind.isBefore }
            // Two definitions of one text (a unit built twice) say the same.
            findings += found.filter { !findings.contains($0) }
        }

        let verdict: Verdict
        if symbols.isEmpty && dwarf.isEmpty {
            verdict = .absent
        } else if patched && unpatched {
            verdict = .conflicting
        } else if patched {
            verdict = .patched
        } else if unpatched {
            verdict = .unpatched
        } else {
            verdict = .indeterminate
        }
        return FunctionReport(
            name: e.name, file: e.file, hunks: e.hunks, verdict: verdict, findings: findings,
            expectedBefore: e.before?.rendered, expectedAfter: e.after?.rendered,
            symbols: symbolEvidence,
            dwarf: dwarf.map { item in
                let f = item.function
                return DWARFEvidence(prototype: f.prototype.rendered, compilationUnit: f.compilationUnit,
                                     declFile: f.declFile, declLine: f.declLine,
                                     inlinedOnly: f.inlinedOnly,
                                     outOfLineCopies: f.outOfLineCopies.map(\.description),
                                     inlinedCallSites: f.inlinedCallSites,
                                     locals: f.locals.map(\.description),
                                     bodyFacts: item.body.facts.count, instances: item.body.instances)
            })
    }

    /// The findings one DWARF definition gives: each names the fact that decided it,
    /// or why a hunk stays undecided.
    static func decide(_ e: FunctionExpectation, _ item: FunctionEvidence,
                       vocabulary: UnitVocabulary, rows: SourceRows?) -> [Finding] {
        let f = item.function
        var findings: [Finding] = []
        if e.prototypeChanged, let before = e.before, let after = e.after {
            let isAfter = f.prototype.isEquivalent(to: dwarfShape(after))
            let isBefore = f.prototype.isEquivalent(to: dwarfShape(before))
            if isAfter && !isBefore {
                findings.append(Finding(kind: .prototypeMatchesAfter, detail: f.prototype.rendered))
            } else if isBefore && !isAfter {
                findings.append(Finding(kind: .prototypeMatchesBefore, detail: f.prototype.rendered))
            } else {
                findings.append(Finding(kind: .prototypeMatchesNeither, detail: f.prototype.rendered))
            }
        }
        // A definition only one side of the patch has: added or removed whole, or a
        // head the patch renames (the old name's head removed, the new one's added),
        // with that side's prototype.
        if e.change == .added || e.definesOnlyAfter, let after = e.after, f.prototype.isEquivalent(to: dwarfShape(after)) {
            findings.append(Finding(kind: .definedAfter, detail: f.prototype.rendered))
        }
        if e.change == .removed || e.definesOnlyBefore, let before = e.before, f.prototype.isEquivalent(to: dwarfShape(before)) {
            findings.append(Finding(kind: .definedBefore, detail: f.prototype.rendered))
        }

        let body = BodyEvidence.decide(e, item, vocabulary: vocabulary, rows: rows)
        findings += body.patched.map { Finding(kind: .bodyMatchesAfter, detail: $0) }
        findings += body.unpatched.map { Finding(kind: .bodyMatchesBefore, detail: $0) }
        if !findings.contains(where: { $0.kind.isAfter || $0.kind.isBefore }) {
            if e.hunkFacts.isEmpty && !e.prototypeChanged {
                findings.append(Finding(kind: .nothingToCompare, detail: f.prototype.rendered))
            }
            findings += body.undecided.map { Finding(kind: .undecidedHunk, detail: $0) }
        }
        return findings
    }

    /// A patch prototype in the form the DWARF reader reports.
    static func dwarfShape(_ p: Prototype) -> FunctionPrototype {
        FunctionPrototype(name: p.name, returnType: p.returnType,
                          parameters: p.parameters.map { Parameter(name: $0.name, type: $0.type) },
                          isVariadic: p.isVariadic, rendered: p.rendered)
    }
}

extension Finding.Kind {
    /// Evidence that exists only after the patch.
    var isAfter: Bool { self == .prototypeMatchesAfter || self == .definedAfter || self == .bodyMatchesAfter }
    /// Evidence that exists only before the patch.
    var isBefore: Bool { self == .prototypeMatchesBefore || self == .definedBefore || self == .bodyMatchesBefore }
}
