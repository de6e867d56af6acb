// SPDX-License-Identifier: GPL-2.0-only
//
// Decides, per touched function, whether a built object carries the patch: the DWARF
// prototype against the expected ones before and after, and when the prototype does not
// change, the local variables the hunks declare. ELF symbols are gathered as evidence.

import KernelObjects
import PatchReader

public enum Verifier {
    /// The report for one object. Throws when the object cannot be read: not ELF,
    /// truncated, no symbol table, no DWARF or corrupt DWARF.
    public static func verify(objectAt path: String,
                              expectations: [FunctionExpectation]) throws(ObjectError) -> ObjectReport {
        let elf = try ELFFile(path: path)
        let names = Set(expectations.map(\.name))
        let symbols = try elf.functions(named: names)

        // Without DWARF nothing tells the two sides apart: DWARFFile refuses the file.
        let dwarf = try DWARFFile(path: path)
        var dwarfFunctions: [DWARFFunction] = []
        // Only the compilation units of the patched files are read.
        for file in Set(expectations.map(\.file)).sorted() {
            let ofFile = expectations.filter { $0.file == file }.map(\.name)
            dwarfFunctions += try dwarf.functions(named: Set(ofFile), inCompilationUnit: file)
        }

        let reports = expectations.map { e in
            report(for: e, symbols: symbols.filter { belongs($0, to: e) },
                   dwarf: dwarfFunctions.filter { $0.prototype.name == e.name })
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
        return baseName(file) == baseName(e.file)
    }

    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func report(for e: FunctionExpectation, symbols: [Symbol],
                       dwarf: [DWARFFunction]) -> FunctionReport {
        let symbolEvidence = symbols.map { s in
            SymbolEvidence(name: s.name, binding: "\(s.binding)".uppercased(),
                           type: s.type == .function ? "FUNC" : "\(s.type)".uppercased(),
                           section: s.section.name ?? "\(s.section)", size: s.size,
                           value: s.value, file: s.file,
                           clones: s.clones.map { String($0.description.dropFirst()) })
        }
        var findings: [Finding] = []
        var verdicts: [Verdict] = []

        if dwarf.isEmpty {
            findings.append(Finding(kind: .notInDWARF, detail: "in a unit named \(e.file)"))
        }
        for function in dwarf {
            let (verdict, found) = decide(e, function)
            verdicts.append(verdict)
            findings += found
        }

        let verdict: Verdict
        if symbols.isEmpty && dwarf.isEmpty {
            verdict = .absent
        } else if let first = verdicts.first, verdicts.allSatisfy({ $0 == first }) {
            verdict = first
        } else {
            verdict = .indeterminate
        }
        return FunctionReport(
            name: e.name, file: e.file, hunks: e.hunks, verdict: verdict, findings: findings,
            expectedBefore: e.before?.rendered, expectedAfter: e.after?.rendered,
            symbols: symbolEvidence,
            dwarf: dwarf.map { f in
                DWARFEvidence(prototype: f.prototype.rendered, compilationUnit: f.compilationUnit,
                              declFile: f.declFile, declLine: f.declLine,
                              inlinedOnly: f.inlinedOnly,
                              outOfLineCopies: f.outOfLineCopies.map(\.description),
                              inlinedCallSites: f.inlinedCallSites,
                              locals: f.locals.map(\.description))
            })
    }

    /// The verdict one DWARF definition supports, and why.
    static func decide(_ e: FunctionExpectation, _ f: DWARFFunction) -> (Verdict, [Finding]) {
        var findings: [Finding] = []
        var byPrototype: Verdict?
        if e.prototypeChanged, let before = e.before, let after = e.after {
            let isAfter = f.prototype.isEquivalent(to: dwarfShape(after))
            let isBefore = f.prototype.isEquivalent(to: dwarfShape(before))
            if isAfter && !isBefore {
                byPrototype = .patched
                findings.append(Finding(kind: .prototypeMatchesAfter, detail: f.prototype.rendered))
            } else if isBefore && !isAfter {
                byPrototype = .unpatched
                findings.append(Finding(kind: .prototypeMatchesBefore, detail: f.prototype.rendered))
            } else {
                byPrototype = .indeterminate
                findings.append(Finding(kind: .prototypeMatchesNeither, detail: f.prototype.rendered))
            }
        }

        var byLocals: Verdict?
        if !e.addedLocals.isEmpty || !e.removedLocals.isEmpty {
            let has = { (l: LocalDeclaration) in
                f.locals.contains { $0.name == l.name
                    && FunctionPrototype.normalizeType($0.type) == FunctionPrototype.normalizeType(l.type) }
            }
            let added = e.addedLocals.map(has), removed = e.removedLocals.map(has)
            func describe(_ locals: [LocalDeclaration], _ present: [Bool]) -> [String] {
                zip(locals, present).map { "\($1 ? "declares" : "lacks") \($0) (hunk \($0.hunk))" }
            }
            let detail = (describe(e.addedLocals, added) + describe(e.removedLocals, removed))
                .joined(separator: ", ")
            if added.allSatisfy({ $0 }) && removed.allSatisfy({ !$0 }) {
                byLocals = .patched
                findings.append(Finding(kind: .localsMatchAfter, detail: detail))
            } else if added.allSatisfy({ !$0 }) && removed.allSatisfy({ $0 }) {
                byLocals = .unpatched
                findings.append(Finding(kind: .localsMatchBefore, detail: detail))
            } else {
                byLocals = .indeterminate
                findings.append(Finding(kind: .localsMixed, detail: detail))
            }
        }

        switch (byPrototype, byLocals) {
        case (nil, nil):
            findings.append(Finding(kind: .nothingToCompare, detail: f.prototype.rendered))
            return (.indeterminate, findings)
        case (let p?, nil): return (p, findings)
        case (nil, let l?): return (l, findings)
        case (let p?, let l?):
            if p == l { return (p, findings) }
            if p == .indeterminate { return (l, findings) }
            if l == .indeterminate { return (p, findings) }
            return (.indeterminate, findings)
        }
    }

    /// A patch prototype in the form the DWARF reader reports.
    static func dwarfShape(_ p: Prototype) -> FunctionPrototype {
        FunctionPrototype(name: p.name, returnType: p.returnType,
                          parameters: p.parameters.map { Parameter(name: $0.name, type: $0.type) },
                          isVariadic: p.isVariadic, rendered: p.rendered)
    }
}
