// SPDX-License-Identifier: GPL-2.0-only
//
// Deciding a function's body from where its DWARF places code, line by line.
//
// A hunk shows a few lines of the function before and after the patch. The object's
// DWARF places things on source lines and columns: each row of the line table (the
// start of a statement or expression), each call (inlined subroutines by
// DW_AT_call_line and DW_AT_call_column, call sites by their instruction's row), each
// local, parameter and label (DW_AT_decl_line, DW_AT_decl_column). The two are lined
// up through an anchor: a context line's call, local, label or parameter that the
// object has on exactly one line T. With the anchor at hunk offset i on the old side
// and j on the new side, object line T + d is old-side line i + d if the object is
// unpatched, and new-side line j + d if it is patched.
//
// Each side is then tested against what the object has on that side's lines: a row
// needs code on its line (with a token starting at its column, when the patch's
// whitespace is the kernel's); a call needs its name on the line, or a name the unit
// does not know (a macro could expand to the call); a local or label needs its
// declaration, or such a name. A side is refuted by something the object has where
// that side's text cannot hold it. The object is patched on the hunk's evidence when
// the old side is refuted and the new side is not, unpatched the other way round;
// when both are refuted, the object's text there is neither side (another version of
// the function), and the hunk stays undecided, as when neither is. A fact that is
// absent decides nothing: compilers drop code, macros leave no trace. Every anchor of
// a hunk must agree. Each hunk that cannot be decided says why.

import KernelObjects
import PatchReader

/// What the body evidence of one function instance says.
struct BodyDecision {
    /// One line each: what the object has, where, the two sides' text there, the anchor.
    var patched: [String] = []
    var unpatched: [String] = []
    /// Per hunk without evidence, why.
    var undecided: [String] = []
}

enum BodyEvidence {
    /// The kinds of named fact a patch line and an object both have.
    enum Kind: String, Hashable {
        case call, local, label, parameter, definition
    }

    struct Key: Hashable, CustomStringConvertible {
        var kind: Kind
        var name: String
        var description: String { "\(kind.rawValue) \(name)" }
    }

    /// The named facts of one line of the patch.
    static func keys(_ line: LineFacts, excluding own: String) -> [Key] {
        var keys: [Key] = []
        for c in line.calls where c != own { keys.append(Key(kind: .call, name: c)) }
        for d in line.declarations { keys.append(Key(kind: .local, name: d.name)) }
        for l in line.labels { keys.append(Key(kind: .label, name: l)) }
        for p in line.parameters { keys.append(Key(kind: .parameter, name: p)) }
        if let d = line.definition, d == own { keys.append(Key(kind: .definition, name: d)) }
        return keys
    }

    /// One thing the object places on a line of the function's file.
    struct Observation: Hashable {
        enum What: Hashable {
            /// A line-table row.
            case row
            /// A named fact of the function's body. `exact`: its column is that of the
            /// name itself (DW_AT_call_column, DW_AT_decl_column), not of a row.
            case fact(Key, type: String?, exact: Bool)
        }

        var what: What
        var line: Int
        /// 0 when DWARF gives none.
        var column: Int

        var description: String {
            let place = column > 0 ? "\(line):\(column)" : "\(line)"
            switch what {
            case .row: return "code at line \(place)"
            case .fact(let key, _, _): return "\(key) at line \(place)"
            }
        }
    }

    /// The object's named facts of the function, each with its lines.
    static func objectLines(_ f: FunctionEvidence, file: String) -> [Key: Set<Int>] {
        var lines: [Key: Set<Int>] = [:]
        for o in observations(f, file: file, rows: nil) {
            if case .fact(let key, _, _) = o.what { lines[key, default: []].insert(o.line) }
        }
        return lines
    }

    /// Everything the object places on lines of the function's file: its named facts,
    /// and the rows of `rows` (the line table of the function's file).
    static func observations(_ f: FunctionEvidence, file: String, rows: SourceRows?) -> [Observation] {
        var found: [Observation] = []
        for fact in f.body.facts {
            guard let line = fact.line else { continue }
            if let factFile = fact.file, !sameFile(factFile, file, f.function.declFile) { continue }
            let kind: Kind = switch fact.kind {
            case .call: .call
            case .variable: .local
            case .label: .label
            case .parameter: .parameter
            }
            found.append(Observation(what: .fact(Key(kind: kind, name: fact.name), type: fact.type,
                                                 exact: fact.source != .callSite),
                                     line: line, column: fact.column ?? 0))
        }
        if let line = f.function.declLine {
            found.append(Observation(what: .fact(Key(kind: .definition, name: f.function.prototype.name), type: nil,
                                                 exact: false),
                                     line: line, column: 0))
        }
        for (line, columns) in rows?.columns ?? [:] {
            for column in columns { found.append(Observation(what: .row, line: line, column: column)) }
        }
        return found
    }

    static func sameFile(_ path: String, _ patchFile: String, _ declFile: String?) -> Bool {
        if path == declFile { return true }
        return path == patchFile || path.hasSuffix("/" + patchFile)
    }

    /// A context fact the object has on one line: hunk offsets `old` and `new` are
    /// object line `line`.
    struct Anchor {
        var key: Key
        var line: Int
        var old: Int
        var new: Int
        var description: String { "\(key) on line \(line)" }
    }

    /// What the object's observations say of one side of a hunk, placed by one anchor.
    struct SideTest {
        /// Observations on this side's lines that its text cannot hold.
        var refuting: [Observation] = []
        /// Observations on this side's lines that its text holds.
        var held: Set<Observation> = []
        /// The named facts among `held` whose name this side's line has itself (not
        /// merely a name that may be a macro).
        var named: Set<Observation> = []
    }

    /// The names on a line that are none of the unit's functions, enumerators, globals
    /// or types, nor the function's locals, parameters or labels: each may be a macro.
    struct Names {
        var known: Set<String>

        init(vocabulary: UnitVocabulary, function f: FunctionEvidence, expectation e: FunctionExpectation) {
            known = vocabulary.functions.union(vocabulary.enumerators).union(vocabulary.variables)
                .union(vocabulary.types)
            known.formUnion(f.body.facts.filter { $0.kind != .call }.map(\.name))
            for h in e.hunkFacts {
                for line in h.old + h.new {
                    known.formUnion(line.declarations.map(\.name))
                    known.formUnion(line.labels)
                    known.formUnion(line.parameters)
                }
            }
        }

        func mayExpand(_ line: LineFacts) -> Bool {
            line.identifiers.contains { !known.contains($0) }
        }

        func mayExpand(_ name: String) -> Bool { !known.contains(name) }
    }

    /// Calls a compiler makes on its own: builtins, sanitizer checks, stack protection,
    /// and the string functions it calls to copy or clear a structure. Any line of code
    /// can hold one.
    static func isCompilerCall(_ name: String) -> Bool {
        ["__builtin", "__ubsan", "__asan", "__kasan", "__kcsan", "__kmsan", "__msan", "__tsan", "__sanitizer",
         "__stack_chk", "__fentry__", "__x86_"].contains { name.hasPrefix($0) }
            || ["memcpy", "memset", "memmove", "__memcpy", "__memset", "__memmove"].contains(name)
    }

    /// Whether a line of one side names an observation's fact itself: its call, its
    /// declaration, its label or parameter.
    static func names(_ line: LineFacts, _ o: Observation, columns: Bool) -> Bool {
        guard case .fact(let key, _, let exact) = o.what else { return false }
        if columns, exact, o.column > 0 {
            return line.namedColumns.contains { $0.column == o.column && $0.name == key.name }
        }
        switch key.kind {
        case .call: return line.identifiers.contains(key.name)
        case .local: return line.declarations.contains { $0.name == key.name }
        case .label: return line.labels.contains(key.name)
        case .parameter: return line.parameters.contains(key.name)
        case .definition: return line.definition == key.name
        }
    }

    /// Whether a line of one side can hold an observation.
    static func holds(_ line: LineFacts, _ o: Observation, columns: Bool, names: Names) -> Bool {
        guard line.hasCode, !line.isDirective else { return false }
        if columns, o.column > 0, !line.columns.contains(o.column) { return false }
        if columns, case .fact(let key, _, true) = o.what, o.column > 0, !isCompilerCall(key.name) {
            // The column is the name's own: the name stands there, or a macro whose
            // expansion holds it.
            guard let word = line.namedColumns.first(where: { $0.column == o.column }) else { return false }
            if word.name != key.name && !names.mayExpand(word.name) { return false }
        }
        switch o.what {
        case .row:
            return true
        case .fact(let key, let type, _):
            switch key.kind {
            case .call:
                return line.identifiers.contains(key.name) || names.mayExpand(line) || isCompilerCall(key.name)
            case .local:
                if let declared = line.declarations.first(where: { $0.name == key.name }) {
                    guard let type, !type.isEmpty else { return true }
                    return FunctionPrototype.normalizeType(type) == FunctionPrototype.normalizeType(declared.type)
                }
                return names.mayExpand(line)
            case .label:
                return line.labels.contains(key.name) || names.mayExpand(line)
            case .parameter:
                return line.parameters.contains(key.name) || line.identifiers.contains(key.name)
            case .definition:
                return line.definition == key.name || line.identifiers.contains(key.name)
            }
        }
    }

    static func decide(_ e: FunctionExpectation, _ f: FunctionEvidence, vocabulary: UnitVocabulary,
                       rows: SourceRows?) -> BodyDecision {
        var decision = BodyDecision()
        let all = observations(f, file: e.file, rows: rows)
        var objectLines: [Key: Set<Int>] = [:]
        var byLine: [Int: [Observation]] = [:]
        for o in all {
            if case .fact(let key, _, _) = o.what { objectLines[key, default: []].insert(o.line) }
            byLine[o.line, default: []].append(o)
        }
        let names = Names(vocabulary: vocabulary, function: f, expectation: e)

        for h in e.hunkFacts {
            let old = Dictionary(uniqueKeysWithValues: h.old.map { ($0.offset, $0) })
            let new = Dictionary(uniqueKeysWithValues: h.new.map { ($0.offset, $0) })
            let changed = h.new.filter { $0.kind == .added } + h.old.filter { $0.kind == .removed }
            let changedKeys = Set(changed.flatMap { keys($0, excluding: e.name) })

            // Anchors: context facts the hunk has once and the object has on one line.
            var contextCount: [Key: Int] = [:]
            for pair in h.context {
                guard let line = old[pair.old] else { continue }
                for key in keys(line, excluding: e.name) { contextCount[key, default: 0] += 1 }
            }
            var anchors: [Anchor] = []
            for pair in h.context {
                guard let line = old[pair.old] else { continue }
                for key in keys(line, excluding: e.name) where contextCount[key] == 1 && !changedKeys.contains(key) {
                    guard let lines = objectLines[key], lines.count == 1, let t = lines.first else { continue }
                    anchors.append(Anchor(key: key, line: t, old: pair.old, new: pair.new))
                }
            }
            // A changed line that keeps some facts (`if (PageLRU(page) || X(page))` made
            // `... || Y(page)`) is its own anchor: the kept fact's line is the line.
            var pairCount: [Key: Int] = [:]
            for line in h.old + h.new { for key in keys(line, excluding: e.name) { pairCount[key, default: 0] += 1 } }
            for (removedLine, addedLine) in changedPairs(h) {
                let kept = Set(keys(removedLine, excluding: e.name)).intersection(keys(addedLine, excluding: e.name))
                for key in kept where pairCount[key] == 2 {
                    guard let lines = objectLines[key], lines.count == 1, let t = lines.first else { continue }
                    anchors.append(Anchor(key: key, line: t, old: removedLine.offset, new: addedLine.offset))
                }
            }
            if anchors.isEmpty {
                // A context fact the object has on a few lines: each is tried, and
                // one that places neither side's text there is dropped. The rest must
                // all tell the same side (a place where nothing tells them apart
                // could be the true one).
                var candidates: [Anchor] = []
                for pair in h.context {
                    guard let line = old[pair.old] else { continue }
                    for key in keys(line, excluding: e.name) where contextCount[key] == 1 && !changedKeys.contains(key) {
                        guard let lines = objectLines[key], lines.count > 1, lines.count <= Self.maximumPlaces else { continue }
                        candidates += lines.sorted().map { Anchor(key: key, line: $0, old: pair.old, new: pair.new) }
                    }
                }
                for (removedLine, addedLine) in changedPairs(h) {
                    let kept = Set(keys(removedLine, excluding: e.name)).intersection(keys(addedLine, excluding: e.name))
                    for key in kept where pairCount[key] == 2 {
                        guard let lines = objectLines[key], lines.count > 1, lines.count <= Self.maximumPlaces else { continue }
                        candidates += lines.sorted().map { Anchor(key: key, line: $0, old: removedLine.offset, new: addedLine.offset) }
                    }
                }
                let placed = candidates.filter { a in
                    let o = test(side: old, shift: a.line - a.old, byLine: byLine, columns: h.columns, names: names)
                    let n = test(side: new, shift: a.line - a.new, byLine: byLine, columns: h.columns, names: names)
                    return outcome(old: o, new: n, columns: h.columns) != 3
                }
                let told = Set(placed.map { a in
                    outcome(old: test(side: old, shift: a.line - a.old, byLine: byLine, columns: h.columns, names: names),
                            new: test(side: new, shift: a.line - a.new, byLine: byLine, columns: h.columns, names: names),
                            columns: h.columns)
                })
                if told == [1] || told == [2] { anchors = placed }
            }
            if anchors.isEmpty {
                let tried = contextCount.keys.map(\.description).sorted()
                let why = "no anchor: " + (tried.isEmpty ? "its context lines call no function and declare no local or label"
                    : "none of its context's \(tried.prefix(6).joined(separator: ", ")) is on exactly one line of the object's \(e.name)")
                switch unanchored(h, f, old: old, new: new, byLine: byLine, names: names) {
                case .patched(let text): decision.patched.append("hunk \(h.hunk): \(why); \(text)")
                case .unpatched(let text): decision.unpatched.append("hunk \(h.hunk): \(why); \(text)")
                case .undecided(let text): decision.undecided.append("hunk \(h.hunk): \(why)" + (text.map { "; " + $0 } ?? ""))
                }
                continue
            }

            // Each anchor places both sides; all must agree.
            var verdicts: [(anchor: Anchor, oldTest: SideTest, newTest: SideTest)] = []
            for anchor in anchors {
                let oldTest = test(side: old, shift: anchor.line - anchor.old, byLine: byLine, columns: h.columns, names: names)
                let newTest = test(side: new, shift: anchor.line - anchor.new, byLine: byLine, columns: h.columns, names: names)
                verdicts.append((anchor, oldTest, newTest))
            }
            // 1: patched, 2: unpatched, 3: neither side, 0: no telling.
            let outcomes = Set(verdicts.map { v in outcome(old: v.oldTest, new: v.newTest, columns: h.columns) })
            let anchorText = anchors.prefix(3).map(\.description).joined(separator: ", ")
            guard outcomes.count == 1, let outcome = outcomes.first else {
                decision.undecided.append("hunk \(h.hunk): its anchors (\(anchorText)) place the object's code on different sides")
                continue
            }
            let first = verdicts[0]
            switch outcome {
            case 1:
                decision.patched += evidence(h, first.anchor, telling(first.oldTest.refuting, by: first.newTest, columns: h.columns),
                                             sideIsNew: true, old: old, new: new)
            case 2:
                decision.unpatched += evidence(h, first.anchor, telling(first.newTest.refuting, by: first.oldTest, columns: h.columns),
                                               sideIsNew: false, old: old, new: new)
            case 3:
                let o = first.oldTest.refuting[0], n = first.newTest.refuting[0]
                decision.undecided.append("hunk \(h.hunk): anchored by \(anchorText), the object's code fits neither side "
                    + "(\(o.description): before the patch that line is \"\(text(o.line - (first.anchor.line - first.anchor.old), h.oldText))\"; "
                    + "\(n.description): after it that line is \"\(text(n.line - (first.anchor.line - first.anchor.new), h.newText))\")")
            default:
                var reason = "hunk \(h.hunk): anchored by \(anchorText), the object's code on the hunk's lines fits both sides"
                let changedCalls = Set(changed.flatMap(\.calls))
                let macros = changedCalls.filter { !vocabulary.functions.contains($0) && objectLines[Key(kind: .call, name: $0)] == nil }.sorted()
                if !macros.isEmpty {
                    reason += "; \(macros.joined(separator: ", ")) \(macros.count == 1 ? "is" : "are") no function of this unit (a macro leaves no trace)"
                }
                decision.undecided.append(reason)
            }
        }
        return decision
    }

    enum Placement {
        case patched(String), unpatched(String), undecided(String?)
    }

    /// A hunk without an anchor, placed by the object's code alone. Each side is tried
    /// at every line of the function's text in the object (from its definition to the
    /// next function of the file): a place fits when nothing the object has on the
    /// side's lines refutes them and code stands on at least half of the side's code
    /// lines (three at least). The object is patched when the new side fits somewhere
    /// and the old side fits nowhere, unpatched the other way round. Only where the
    /// columns are the source's: without them too many places fit.
    static func unanchored(_ h: HunkExpectation, _ f: FunctionEvidence, old: [Int: LineFacts], new: [Int: LineFacts],
                           byLine: [Int: [Observation]], names: Names) -> Placement {
        guard h.columns, let start = f.function.declLine else { return .undecided(nil) }
        let end = f.body.lastLine ?? (start + maximumSpan)
        guard end > start, end - start <= maximumSpan else { return .undecided(nil) }
        func fits(_ side: [Int: LineFacts]) -> [(shift: Int, lines: Int)]? {
            let code = side.values.filter { $0.hasCode && !$0.isDirective }.count
            guard code >= 3, let first = side.keys.min(), let last = side.keys.max() else { return nil }
            let needed = max(3, (code + 1) / 2)
            var found: [(Int, Int)] = []
            var shift = start - first
            while shift + last <= end {
                let t = test(side: side, shift: shift, byLine: byLine, columns: true, names: names)
                let lines = Set(t.held.map(\.line)).count
                if t.refuting.isEmpty && lines >= needed { found.append((shift, lines)) }
                shift += 1
            }
            return found
        }
        guard let oldFits = fits(old), let newFits = fits(new) else {
            return .undecided("fewer than three lines of code on a side to place")
        }
        let span = "lines \(start)-\(end)"
        func place(_ fit: (shift: Int, lines: Int), _ side: [Int: LineFacts]) -> String {
            let lines = side.keys.sorted()
            return "lines \(fit.shift + lines[0])-\(fit.shift + lines[lines.count - 1]) (\(fit.lines) lines with code)"
        }
        switch (oldFits.isEmpty, newFits.isEmpty) {
        case (true, false):
            return .patched("the new side's lines fit the object's \(place(newFits[0], new)), the old side's fit nowhere in \(span)")
        case (false, true):
            return .unpatched("the old side's lines fit the object's \(place(oldFits[0], old)), the new side's fit nowhere in \(span)")
        case (false, false):
            return .undecided("both sides' lines fit the object's code in \(span)")
        case (true, true):
            return .undecided("neither side's lines fit the object's code in \(span)")
        }
    }

    /// The most lines of the object a context fact may stand on to be tried as an
    /// anchor on each of them.
    static let maximumPlaces = 4

    /// The longest function text searched for an anchorless hunk's place.
    static let maximumSpan = 4000

    /// Patched (1) when the object has something on the old side's lines that the old
    /// text cannot hold and the new text holds, and nothing the new text cannot hold;
    /// unpatched (2) the other way round; neither side (3) when both are refuted; 0
    /// when nothing tells the sides apart. What tells them apart must be a named fact
    /// the side's line names itself, or, where the columns are the source's, rows on
    /// two lines at least: a single row, or rows where only lines are known, could be
    /// a line the hunk does not show moving the code (a comment the kernel's version
    /// words differently).
    static func outcome(old: SideTest, new: SideTest, columns: Bool) -> Int {
        func supported(_ refuting: [Observation], by side: SideTest) -> Bool {
            let shown = refuting.filter(side.held.contains)
            if shown.contains(where: side.named.contains) { return true }
            return columns && Set(shown.filter { $0.what == .row }.map(\.line)).count >= 2
        }
        switch (old.refuting.isEmpty, new.refuting.isEmpty) {
        case (false, false): return 3
        case (false, true): return supported(old.refuting, by: new) ? 1 : 0
        case (true, false): return supported(new.refuting, by: old) ? 2 : 0
        case (true, true): return 0
        }
    }

    /// The observations that tell the sides apart, named facts first, at most three.
    static func telling(_ refuting: [Observation], by side: SideTest, columns: Bool) -> [Observation] {
        let shown = refuting.filter(side.held.contains)
        let named = shown.filter(side.named.contains)
        let rows = columns ? shown.filter { $0.what == .row } : []
        var seen: Set<String> = []
        return Array((named + rows).filter { seen.insert($0.description).inserted }.prefix(3))
    }

    /// Tests one side placed at `shift` (object line = shift + offset) against what the
    /// object has on that side's lines.
    static func test(side: [Int: LineFacts], shift: Int, byLine: [Int: [Observation]], columns: Bool,
                     names: Names) -> SideTest {
        var result = SideTest()
        for (offset, line) in side {
            for o in byLine[shift + offset] ?? [] {
                if holds(line, o, columns: columns, names: names) {
                    result.held.insert(o)
                    if Self.names(line, o, columns: columns) { result.named.insert(o) }
                } else {
                    result.refuting.append(o)
                }
            }
        }
        result.refuting.sort { ($0.line, $0.column, $0.description) < ($1.line, $1.column, $1.description) }
        return result
    }

    /// The findings for one decided hunk: what the object has where the refuted side
    /// cannot hold it.
    static func evidence(_ h: HunkExpectation, _ anchor: Anchor, _ chosen: [Observation], sideIsNew: Bool,
                         old: [Int: LineFacts], new: [Int: LineFacts]) -> [String] {
        let oldShift = anchor.line - anchor.old, newShift = anchor.line - anchor.new
        return chosen.map { o in
            let newOffset = o.line - newShift, oldOffset = o.line - oldShift
            let newText = text(newOffset, h.newText), oldText = text(oldOffset, h.oldText)
            let kept = sideIsNew ? new[newOffset] : old[oldOffset]
            let kind = kept.map { $0.kind == .context ? "context" : ($0.kind == .added ? "added" : "removed") } ?? "context"
            if sideIsNew {
                return "hunk \(h.hunk): \(o.description), as on the \(kind) line \"\(newText)\"; "
                    + "before the patch that line is \"\(oldText)\" (anchored by \(anchor.description))"
            }
            return "hunk \(h.hunk): \(o.description), as on the \(kind) line \"\(oldText)\"; "
                + "after the patch that line is \"\(newText)\" (anchored by \(anchor.description))"
        }
    }

    /// The removed and added lines of each run of changes that replaces n lines with n
    /// lines, paired in order.
    static func changedPairs(_ h: HunkExpectation) -> [(LineFacts, LineFacts)] {
        let old = Dictionary(uniqueKeysWithValues: h.old.map { ($0.offset, $0) })
        let new = Dictionary(uniqueKeysWithValues: h.new.map { ($0.offset, $0) })
        var pairs: [(LineFacts, LineFacts)] = []
        // Between two context pairs, the old side's lines are removed ones and the new
        // side's added ones.
        let bounds = [HunkExpectation.ContextPair(old: -1, new: -1)] + h.context
            + [HunkExpectation.ContextPair(old: h.oldCount, new: h.newCount)]
        for (a, b) in zip(bounds, bounds.dropFirst()) {
            let removed = (a.old + 1)..<b.old, added = (a.new + 1)..<b.new
            guard removed.count == added.count, !removed.isEmpty else { continue }
            for (r, n) in zip(removed, added) {
                if let rl = old[r], let nl = new[n], rl.kind == .removed, nl.kind == .added { pairs.append((rl, nl)) }
            }
        }
        return pairs
    }

    /// The text of a side's line at `offset`, or a note that it lies outside the hunk.
    private static func text(_ offset: Int, _ texts: [String]) -> String {
        guard offset >= 0, offset < texts.count else { return "(outside the hunk)" }
        return texts[offset].trimmingCharacters(in: .whitespaces)
    }
}
