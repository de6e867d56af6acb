// SPDX-License-Identifier: GPL-2.0-only
//
// Deciding a function's body from what its DWARF says, line by line.
//
// A hunk shows a few lines of the function before and after the patch; the object's
// DWARF places each call, local, parameter and label of the function on a source line.
// The two are lined up through an anchor: a context line (the same before and after)
// whose call, local or label the object has exactly once in the function, on line T.
// With the anchor at hunk offset i on the old side and j on the new side, line T + d
// of the object is old-side line i + d if the object is unpatched, and new-side line
// j + d if it is patched.
//
// A fact of an added line that the object has on exactly the line the anchor predicts
// is evidence for the patch only when the old side's line at that place is known (it
// lies in the hunk, in this function) and could not have produced it: it neither names
// the fact nor calls anything the object does not know as a function (a macro there
// could expand to the call). The same holds the other way for removed lines. A fact
// that is absent decides nothing: compilers drop calls and locals, macros leave none.
// Each hunk that cannot be decided says why.

import KernelObjects
import PatchReader

/// What the body evidence of one function instance says.
struct BodyDecision {
    /// One line each: the fact, its line, the hunk line, the anchor.
    var patched: [String] = []
    var unpatched: [String] = []
    /// Per hunk without evidence, why.
    var undecided: [String] = []
}

enum BodyEvidence {
    /// How far (in lines) an occurrence of a fact on the other side of a hunk must be
    /// from the predicted line for the fact to count.
    static let shiftWindow = 2

    /// The kinds of fact a patch line and an object both have.
    enum Kind: String, Hashable {
        case call, local, label, parameter, definition
    }

    struct Key: Hashable, CustomStringConvertible {
        var kind: Kind
        var name: String
        var description: String { "\(kind.rawValue) \(name)" }
    }

    static func keys(_ line: LineFacts, excluding own: String) -> [Key] {
        var keys: [Key] = []
        for c in line.calls where c != own { keys.append(Key(kind: .call, name: c)) }
        for d in line.declarations { keys.append(Key(kind: .local, name: d.name)) }
        for l in line.labels { keys.append(Key(kind: .label, name: l)) }
        for p in line.parameters { keys.append(Key(kind: .parameter, name: p)) }
        if let d = line.definition, d == own { keys.append(Key(kind: .definition, name: d)) }
        return keys
    }

    /// The object's facts of the function, by key, each with the lines it stands on.
    static func objectLines(_ f: FunctionEvidence, file: String) -> [Key: Set<Int>] {
        var lines: [Key: Set<Int>] = [:]
        for fact in f.body.facts {
            guard let line = fact.line else { continue }
            if let factFile = fact.file, !sameFile(factFile, file, f.function.declFile) { continue }
            let kind: Kind = switch fact.kind {
            case .call: .call
            case .variable: .local
            case .label: .label
            case .parameter: .parameter
            }
            lines[Key(kind: kind, name: fact.name), default: []].insert(line)
        }
        if let line = f.function.declLine {
            lines[Key(kind: .definition, name: f.function.prototype.name), default: []].insert(line)
        }
        return lines
    }

    static func sameFile(_ path: String, _ patchFile: String, _ declFile: String?) -> Bool {
        if path == declFile { return true }
        return path == patchFile || path.hasSuffix("/" + patchFile)
    }

    struct Anchor {
        var key: Key
        var line: Int
        var old: Int
        var new: Int
    }

    static func decide(_ e: FunctionExpectation, _ f: FunctionEvidence, vocabulary: UnitVocabulary) -> BodyDecision {
        var decision = BodyDecision()
        let object = objectLines(f, file: e.file)
        let calledInObject = Set(object.keys.filter { $0.kind == .call }.map(\.name))
        let types = Dictionary(f.body.facts.filter { $0.kind == .variable }.map { ($0.name, $0.type ?? "") },
                               uniquingKeysWith: { a, _ in a })

        for h in e.hunkFacts {
            let old = Dictionary(uniqueKeysWithValues: h.old.map { ($0.offset, $0) })
            let new = Dictionary(uniqueKeysWithValues: h.new.map { ($0.offset, $0) })
            let added = h.new.filter { $0.kind == .added }
            let removed = h.old.filter { $0.kind == .removed }
            let changedKeys = Set((added + removed).flatMap { keys($0, excluding: e.name) })
            if changedKeys.isEmpty {
                let macros = Set((added + removed).flatMap(\.identifiers)).sorted()
                decision.undecided.append("hunk \(h.hunk): its changed lines call no function and declare no local or label"
                                          + (macros.isEmpty ? "" : " (they use \(macros.prefix(8).joined(separator: ", ")))"))
                continue
            }

            // Anchors: context facts the hunk has once and the object has on one line.
            var contextCount: [Key: Int] = [:]
            for pair in h.context {
                guard let line = old[pair.old] else { continue }
                for key in keys(line, excluding: e.name) {
                    contextCount[key, default: 0] += 1
                }
            }
            var anchors: [Anchor] = []
            for pair in h.context {
                guard let line = old[pair.old] else { continue }
                for key in keys(line, excluding: e.name) where contextCount[key] == 1 && !changedKeys.contains(key) {
                    guard let lines = object[key], lines.count == 1, let t = lines.first else { continue }
                    anchors.append(Anchor(key: key, line: t, old: pair.old, new: pair.new))
                }
            }
            // A changed line that keeps some facts (`if (PageLRU(page) || X(page))` made
            // `... || Y(page)`) is its own anchor: the kept fact's line is the line.
            let pairs = changedPairs(h)
            var pairCount: [Key: Int] = [:]
            for line in h.old + h.new { for key in keys(line, excluding: e.name) { pairCount[key, default: 0] += 1 } }
            for (removedLine, addedLine) in pairs {
                let kept = Set(keys(removedLine, excluding: e.name)).intersection(keys(addedLine, excluding: e.name))
                for key in kept where pairCount[key] == 2 {
                    guard let lines = object[key], lines.count == 1, let t = lines.first else { continue }
                    anchors.append(Anchor(key: key, line: t, old: removedLine.offset, new: addedLine.offset))
                }
            }
            if anchors.isEmpty {
                let tried = contextCount.keys.map(\.description).sorted()
                decision.undecided.append("hunk \(h.hunk): no anchor: "
                    + (tried.isEmpty ? "its context lines call no function and declare no local or label"
                       : "none of its context's \(tried.prefix(6).joined(separator: ", ")) is on exactly one line of the object's \(e.name)"))
                continue
            }

            var patched: [String] = [], unpatched: [String] = []
            var notes: Set<String> = []
            func look(_ lines: [LineFacts], otherSide: [Int: LineFacts], otherCount: Int, isAdded: Bool,
                      otherText: [String]) -> [String] {
                var found: [String] = []
                var seen: Set<Key> = []
                for anchor in anchors {
                    let here = isAdded ? anchor.new : anchor.old
                    let there = isAdded ? anchor.old : anchor.new
                    for line in lines {
                        let target = anchor.line + (line.offset - here)
                        let otherOffset = there + (line.offset - here)
                        for key in keys(line, excluding: e.name) where !seen.contains(key) {
                            guard let lines = object[key], lines.contains(target) else { continue }
                            // The other side's own occurrence a line or two away could
                            // be what the object has, moved by lines the hunk does not
                            // show (a blank line, a comment, another change).
                            let near = (otherOffset - Self.shiftWindow)...(otherOffset + Self.shiftWindow)
                            if near.contains(where: { otherSide[$0].map { keys($0, excluding: e.name).contains(key) } ?? false }) {
                                notes.insert("\(key) is also on the other side within \(Self.shiftWindow) lines")
                                continue
                            }
                            if key.kind == .local, let declared = line.declarations.first(where: { $0.name == key.name }),
                               let type = types[key.name], !type.isEmpty,
                               FunctionPrototype.normalizeType(type) != FunctionPrototype.normalizeType(declared.type) {
                                notes.insert("\(key) is \(type) in the object, \(declared.type) in the patch")
                                continue
                            }
                            guard otherOffset >= 0, otherOffset < otherCount, let other = otherSide[otherOffset] else {
                                notes.insert("\(key) at line \(target): the other side of that line is outside the hunk")
                                continue
                            }
                            if keys(other, excluding: e.name).contains(key) { continue }
                            let unknown = other.calls.filter { !vocabulary.functions.contains($0) && !calledInObject.contains($0) }
                            if !unknown.isEmpty {
                                notes.insert("\(key) at line \(target): the other side's line there uses \(unknown.joined(separator: ", ")), which may expand to it")
                                continue
                            }
                            seen.insert(key)
                            let side = isAdded ? "added" : "removed"
                            let otherLine = otherOffset < otherText.count ? otherText[otherOffset].trimmingCharacters(in: .whitespaces) : ""
                            found.append("hunk \(h.hunk): \(key) on line \(target), as on the \(side) line \"\(text(line, isAdded ? h.newText : h.oldText))\"; "
                                         + "\(isAdded ? "before" : "after") the patch that line is \"\(otherLine)\" "
                                         + "(anchored by \(anchor.key) on line \(anchor.line))")
                        }
                    }
                }
                return found
            }
            patched = look(added, otherSide: old, otherCount: h.oldCount, isAdded: true, otherText: h.oldText)
            unpatched = look(removed, otherSide: new, otherCount: h.newCount, isAdded: false, otherText: h.newText)
            decision.patched += Array(Set(patched)).sorted()
            decision.unpatched += Array(Set(unpatched)).sorted()
            if patched.isEmpty && unpatched.isEmpty {
                let anchorText = anchors.map { "\($0.key) on line \($0.line)" }
                let changedCalls = Set((added + removed).flatMap(\.calls))
                let macros = changedCalls.filter { !vocabulary.functions.contains($0) && !calledInObject.contains($0) }.sorted()
                var reason = "hunk \(h.hunk): anchored by \(anchorText.prefix(3).joined(separator: ", ")), "
                    + "but no changed call, local or label is on the line it predicts"
                if !macros.isEmpty {
                    reason += "; \(macros.joined(separator: ", ")) \(macros.count == 1 ? "is" : "are") no function of this unit (a macro leaves no trace)"
                }
                if !notes.isEmpty { reason += "; " + notes.sorted().prefix(3).joined(separator: "; ") }
                decision.undecided.append(reason)
            }
        }
        return decision
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

    private static func text(_ line: LineFacts, _ texts: [String]) -> String {
        line.offset < texts.count ? texts[line.offset].trimmingCharacters(in: .whitespaces) : ""
    }
}
