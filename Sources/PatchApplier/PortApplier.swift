// SPDX-License-Identifier: GPL-2.0-only
//
// Applies a patch series to the port's text. The port carries the kernel's functions
// token for token but not the kernel's comments, has comments of its own, a few marked
// deviations, and lacks the functions between the ones it carries; so each hunk is
// anchored by code alone, within the functions it changes:
//
// - lines compare by their C tokens, comments and white space dropped; blank and
//   comment-only lines of the hunk are not matched;
// - lines of functions the port does not carry are left out (the changes to them are
//   reported as not modelled), which splits a hunk into parts; a part's leading and
//   trailing context outside the functions it changes is trimmed;
// - a part's context and removed lines must match consecutive code lines of the port,
//   within the functions it changes (the whole file for changes outside functions);
// - added lines are inserted with the kernel's text, indented from the code around
//   them when a mail archive lost the indentation.
// Each patch applies to the text the ones before it left, all or nothing: a part whose
// context is missing or found more than once stops the whole series.

import PatchReader
import PortDrift

public enum PortApplier {
    /// The variant `series` makes of `baseline`, patches applied in order. `deviations`
    /// (drift-explained.txt) are differences a port line may have from the kernel line it
    /// matches.
    public static func apply(_ series: [Patch], to baseline: PortText,
                             deviations: [DriftExplanation] = []) throws(PortApplyError) -> PortVariant {
        var work = Work(baseline: baseline, deviations: deviations)
        var records: [PatchRecord] = []
        for (k, patch) in series.enumerated() {
            records.append(try work.apply(patch, number: k + 1))
        }
        return work.finish(records)
    }
}

/// One part of a hunk placed in a port file.
private struct Placement {
    var hunk: Int
    var portFile: String
    var functions: [String]
    /// Positions in the hunk's lines, in order.
    var lines: [Int]
    /// Hunk line -> 0-based port line, for the old side's code lines.
    var matched: [Int: Int]
    /// 0-based port lines of the first and last matched line.
    var start: Int
    var end: Int
}

private struct PartRecord {
    var portFile: String
    var functions: [String]
    var old: [LineOrigin]
    var new: [LineOrigin]
    var added: [LineOrigin]
}

private struct HunkRecord {
    var hunk: Int
    var kernelFile: String
    var parts: [PartRecord] = []
    var notModelled: [UnmodelledChange] = []
    var alreadyApplied = false
}

private struct PatchRecord {
    var patch: Int
    var title: String?
    var alreadyApplied: Bool
    var hunks: [HunkRecord]
}

/// One port file as a patch sees it: its lines and, per line, the code keys it may
/// match (white space dropped; with each deviation undone).
private struct FileView {
    var lines: [String]
    var keys: [Set<String>]
    var functions: [PortFunction]

    func isCode(_ i: Int) -> Bool { !keys[i].isEmpty }

    func function(_ name: String) -> PortFunction? { functions.first { $0.name == name } }

    /// Where `sequence` matches consecutive code lines within `region` (0-based), as the
    /// 0-based port lines of each match; and, when none does, the longest start of it
    /// that does match somewhere.
    func matches(_ sequence: [String], in region: ClosedRange<Int>) -> (found: [[Int]], longest: Int) {
        let code = region.filter(isCode)
        guard !sequence.isEmpty else { return ([], 0) }
        var found: [[Int]] = []
        var longest = 0
        for s in code.indices where keys[code[s]].contains(sequence[0]) {
            var t = 1
            while t < sequence.count && s + t < code.count && keys[code[s + t]].contains(sequence[t]) { t += 1 }
            if t == sequence.count { found.append(Array(code[s ..< s + t])) }
            longest = max(longest, t)
        }
        return (found, longest)
    }
}

private func squeezed(_ key: String) -> String {
    String(key.unicodeScalars.filter { $0 != " " }.map(Character.init))
}

private struct Work {
    var baseline: PortText
    /// Deviations as code keys: kernel tokens, port tokens, function ("*" for any).
    var deviations: [(kernel: String, port: String, function: String)]
    var lines: [String: [String]] = [:]
    var origins: [String: [LineOrigin]] = [:]

    init(baseline: PortText, deviations: [DriftExplanation]) {
        self.baseline = baseline
        self.deviations = deviations.compactMap { d in
            let port = CodeLines.key(d.port)
            return port.isEmpty ? nil : (CodeLines.key(d.kernel), port, d.function)
        }
    }

    mutating func load(_ file: String) -> Bool {
        if lines[file] != nil { return true }
        guard let text = baseline.lines(of: file) else { return false }
        lines[file] = text
        origins[file] = (0 ..< text.count).map { .baseline(line: $0 + 1) }
        return true
    }

    func view(_ file: String, only: Set<String>?) -> FileView {
        let text = lines[file]!
        let functions = PortLayout.functions(in: text, only: only)
        let keys = CodeLines.keys(text).enumerated().map { i, key -> Set<String> in
            guard !key.isEmpty else { return [] }
            var alternatives: Set<String> = [squeezed(key)]
            let spaced = " " + key + " "
            for d in deviations {
                if d.function != "*" && !functions.contains(where: { $0.name == d.function && $0.lines.contains(i + 1) }) {
                    continue
                }
                guard let r = spaced.range(of: " " + d.port + " ") else { continue }
                let undone = spaced.replacingCharacters(in: r, with: d.kernel.isEmpty ? " " : " " + d.kernel + " ")
                alternatives.insert(squeezed(undone))
            }
            return alternatives
        }
        return FileView(lines: text, keys: keys, functions: functions)
    }

    mutating func apply(_ patch: Patch, number: Int) throws(PortApplyError) -> PatchRecord {
        func failure(_ hunk: Int, _ file: String, _ reason: PortApplyError.Reason) -> PortApplyError {
            PortApplyError(patch: number, title: patch.subject ?? patch.title, hunk: hunk, kernelFile: file, reason: reason)
        }
        var records: [HunkRecord] = []
        var placements: [String: [Placement]] = [:]
        var already: [(hunk: Int, part: PartRecord)] = []
        var views: [String: FileView] = [:]

        for file in patch.files {
            let kernelFile = file.path
            guard let source = PortLayout.source(ofKernelFile: kernelFile), load(source.port) else {
                for hunk in file.hunks {
                    let changed = hunk.lines.indices.filter { hunk.lines[$0].kind != .context }.map { $0 + 1 }
                    records.append(HunkRecord(hunk: hunk.index, kernelFile: kernelFile,
                                              notModelled: [UnmodelledChange(function: nil, lines: changed,
                                                                             reason: .fileNotInPort)]))
                }
                continue
            }
            if file.isBinary || file.isNewFile || file.isDeletedFile || file.oldPath != file.newPath {
                let what = file.isBinary ? "a binary change" : file.isNewFile ? "a new file"
                    : file.isDeletedFile ? "a deleted file" : "a rename"
                throw failure(file.hunks.first?.index ?? 0, kernelFile,
                              .unsupported("\(what) of a file the port carries (\(source.port)) is not applied"))
            }
            if views[source.port] == nil { views[source.port] = view(source.port, only: source.only) }
            let view = views[source.port]!
            for hunk in file.hunks {
                var record = HunkRecord(hunk: hunk.index, kernelFile: kernelFile)
                let analysis = HunkAnalysis(hunk, ported: { view.function($0) != nil })
                record.notModelled = analysis.notModelled
                var hunkAlready: [PartRecord] = []
                for part in analysis.parts {
                    let ported = part.functions.filter { view.function($0) != nil }
                    let region: ClosedRange<Int>
                    if ported.isEmpty {
                        region = 0 ... max(view.lines.count - 1, 0)
                    } else {
                        let extents = ported.compactMap(view.function).map(\.lines)
                        region = extents.map(\.lowerBound).min()! - 1 ... extents.map(\.upperBound).max()! - 1
                    }
                    let oldCode = part.lines.filter { hunk.lines[$0].kind != .added && !analysis.oldKeys[$0].isEmpty }
                    guard !oldCode.isEmpty else {
                        if ported.isEmpty {
                            record.notModelled.append(part.unmodelled)
                            continue
                        }
                        throw failure(hunk.index, kernelFile, .noContext(portFile: source.port, functions: part.functions))
                    }
                    var (found, longest) = view.matches(oldCode.map { analysis.oldKeys[$0] }, in: region)
                    var functions = part.functions
                    if found.isEmpty && !ported.isEmpty {
                        // The reader can take a file-scope definition between functions (an
                        // array, a declaration) for part of the function before it: the code
                        // is accepted at file scope, where it matches once and outside every
                        // function of the port.
                        let anywhere = view.matches(oldCode.map { analysis.oldKeys[$0] },
                                                    in: 0 ... max(view.lines.count - 1, 0)).found
                        if anywhere.count == 1, let match = anywhere.first,
                           !view.functions.contains(where: { f in match.contains { f.lines.contains($0 + 1) } }) {
                            found = anywhere
                            functions = []
                        }
                    }
                    if found.count > 1 {
                        throw failure(hunk.index, kernelFile, .ambiguous(portFile: source.port, functions: ported,
                                                                         lines: found.map { $0[0] + 1 }))
                    }
                    if let match = found.first {
                        placements[source.port, default: []].append(Placement(
                            hunk: hunk.index, portFile: source.port, functions: functions, lines: part.lines,
                            matched: Dictionary(uniqueKeysWithValues: zip(oldCode, match)),
                            start: match[0], end: match[match.count - 1]))
                        continue
                    }
                    // Not there as it was: perhaps there as the patch leaves it.
                    let newCode = part.lines.filter { hunk.lines[$0].kind != .removed && !analysis.newKeys[$0].isEmpty }
                    let applied = view.matches(newCode.map { analysis.newKeys[$0] }, in: region).found
                    if applied.count == 1, let match = applied.first {
                        let fileOrigins = origins[source.port]!
                        let addedAt = zip(newCode, match).filter { hunk.lines[$0.0].kind == .added }.map { fileOrigins[$0.1] }
                        hunkAlready.append(PartRecord(portFile: source.port, functions: part.functions, old: [],
                                                      new: Array(fileOrigins[match[0] ... match[match.count - 1]]),
                                                      added: addedAt))
                        continue
                    }
                    if ported.isEmpty {
                        record.notModelled.append(part.unmodelled)
                        continue
                    }
                    throw failure(hunk.index, kernelFile, .contextNotFound(
                        portFile: source.port, functions: ported,
                        line: hunk.lines[oldCode[longest]].text.trimmingCharacters(in: .whitespaces)))
                }
                if !hunkAlready.isEmpty {
                    record.alreadyApplied = true
                    record.parts = hunkAlready
                    already += hunkAlready.map { (hunk.index, $0) }
                }
                records.append(record)
            }
        }

        for (file, list) in placements {
            let sorted = list.sorted { $0.start < $1.start }
            for (a, b) in zip(sorted, sorted.dropFirst()) where b.start <= a.end {
                let (early, late) = a.hunk <= b.hunk ? (a, b) : (b, a)
                throw failure(late.hunk, kernelFileOf(late.hunk, in: patch),
                              .overlapping(portFile: file, otherHunk: early.hunk))
            }
            placements[file] = sorted
        }
        let placedHunks = Set(placements.values.joined().map(\.hunk))
        if !already.isEmpty, let first = placements.values.joined().map(\.hunk).min() {
            let alreadyHunks = Array(Set(already.map(\.hunk)).subtracting(placedHunks)).sorted()
            throw failure(first, kernelFileOf(first, in: patch), .partlyApplied(alreadyApplied: alreadyHunks))
        }

        var hunks = Dictionary(uniqueKeysWithValues: records.map { ($0.hunk, $0) })
        for (file, list) in placements {
            let (text, lineOrigins, parts) = render(list, patch: patch, number: number, file: file)
            lines[file] = text
            origins[file] = lineOrigins
            for (hunk, part) in parts { hunks[hunk]?.parts.append(part) }
        }
        return PatchRecord(patch: number, title: patch.subject ?? patch.title,
                           alreadyApplied: !already.isEmpty,
                           hunks: records.map { hunks[$0.hunk]! })
    }

    func kernelFileOf(_ hunk: Int, in patch: Patch) -> String {
        patch.files.first { $0.hunks.contains { $0.index == hunk } }?.path ?? ""
    }

    /// The file with `placements` (in port order) applied, each line's origin, and the
    /// record of each part.
    func render(_ placements: [Placement], patch: Patch, number: Int,
                file: String) -> ([String], [LineOrigin], [(Int, PartRecord)]) {
        let src = lines[file]!, srcOrigins = origins[file]!
        let hunks = Dictionary(uniqueKeysWithValues: patch.hunks.map { ($0.index, $0) })
        var out: [String] = [], outOrigins: [LineOrigin] = []
        var parts: [(Int, PartRecord)] = []
        var cursor = 0
        func emit(_ line: String, _ origin: LineOrigin) {
            out.append(line)
            outOrigins.append(origin)
        }
        for placement in placements {
            let hunk = hunks[placement.hunk]!
            while cursor < placement.start { emit(src[cursor], srcOrigins[cursor]); cursor += 1 }
            let first = out.count
            var added: [LineOrigin] = []
            var pendingRemoved: [String] = []
            // The port carries no kernel comments: an added line that is only a part of a
            // comment that opens or closes on a line the port does not carry is not
            // inserted (a comment the added lines hold whole is).
            let orphans = HunkAnalysis.orphanCommentLines(hunk)
            // The port line of the next matched line at or after each position of the part.
            var nextMatched = [Int](repeating: 0, count: placement.lines.count + 1)
            nextMatched[placement.lines.count] = (placement.end + 1 ..< src.count).first { !CodeLines.key(src[$0]).isEmpty } ?? src.count
            for pos in stride(from: placement.lines.count - 1, through: 0, by: -1) {
                nextMatched[pos] = placement.matched[placement.lines[pos]] ?? nextMatched[pos + 1]
            }
            for (pos, j) in placement.lines.enumerated() {
                let line = hunk.lines[j]
                switch line.kind {
                case .context, .removed:
                    if let q = placement.matched[j] {
                        while cursor < q { emit(src[cursor], srcOrigins[cursor]); cursor += 1 }
                        if line.kind == .context {
                            emit(src[q], srcOrigins[q])
                            pendingRemoved = []
                        } else {
                            pendingRemoved.append(src[q])
                        }
                        cursor = q + 1
                    } else {
                        // A blank line of the patch takes (or removes) a blank line of the port
                        // that sits before the next matched line.
                        let blank = line.text.trimmingCharacters(in: .whitespaces).isEmpty
                        if blank, cursor < nextMatched[pos], src[cursor].trimmingCharacters(in: .whitespaces).isEmpty {
                            if line.kind == .context { emit(src[cursor], srcOrigins[cursor]) }
                            cursor += 1
                        }
                        if line.kind == .context { pendingRemoved = [] }
                    }
                case .added:
                    if orphans.contains(j) { continue }
                    let origin = LineOrigin.patch(patch: number, hunk: hunk.index, line: j + 1)
                    emit(Indentation.added(line.text, replacing: &pendingRemoved, after: out), origin)
                    added.append(origin)
                }
            }
            parts.append((placement.hunk, PartRecord(
                portFile: file, functions: placement.functions,
                old: Array(srcOrigins[placement.start ... placement.end]),
                new: Array(outOrigins[first...]), added: added)))
        }
        while cursor < src.count { emit(src[cursor], srcOrigins[cursor]); cursor += 1 }
        return (out, outOrigins, parts)
    }

    func finish(_ records: [PatchRecord]) -> PortVariant {
        var text = baseline
        var changed: [String: [LineOrigin]] = [:]
        var position: [String: [LineOrigin: Int]] = [:]
        for (file, lineOrigins) in origins
        where lineOrigins != (0 ..< lineOrigins.count).map({ .baseline(line: $0 + 1) })
            || baseline.lines(of: file)?.count != lineOrigins.count {
            text.files[file] = PortText.text(lines[file]!)
            changed[file] = lineOrigins
            position[file] = Dictionary(lineOrigins.enumerated().map { ($1, $0 + 1) }, uniquingKeysWith: { a, _ in a })
        }
        func range(_ values: [Int]) -> ClosedRange<Int>? {
            guard let low = values.min(), let high = values.max() else { return nil }
            return low ... high
        }
        /// The line an origin sits at in the variant.
        func line(_ origin: LineOrigin, in file: String) -> Int? {
            if let at = position[file] { return at[origin] }
            if case .baseline(let line) = origin { return line }
            return nil
        }
        let patches = records.map { record in
            PortPatchOutcome(patch: record.patch, title: record.title, alreadyApplied: record.alreadyApplied,
                             hunks: record.hunks.map { hunk in
                PortHunkOutcome(hunk: hunk.hunk, kernelFile: hunk.kernelFile, parts: hunk.parts.map { part in
                    let baselineLines = part.old.compactMap { origin -> Int? in
                        if case .baseline(let line) = origin { return line }
                        return nil
                    }
                    return AppliedPart(portFile: part.portFile, functions: part.functions,
                                       baselineLines: range(baselineLines),
                                       variantLines: range(part.new.compactMap { line($0, in: part.portFile) }),
                                       addedLines: part.added.compactMap { line($0, in: part.portFile) }.sorted())
                }, notModelled: hunk.notModelled, alreadyApplied: hunk.alreadyApplied)
            })
        }
        return PortVariant(text: text, origins: changed, patches: patches)
    }
}

/// A hunk split by function: the parts the port may carry, and the changes it does not.
private struct HunkAnalysis {
    struct Part {
        /// Positions in the hunk's lines.
        var lines: [Int]
        /// The functions whose lines it changes (nil-free), in hunk order.
        var functions: [String]
        /// The changed lines, 1-based.
        var changed: [Int]

        var unmodelled: UnmodelledChange {
            UnmodelledChange(function: functions.first, lines: changed, reason: .contextNotInPort)
        }
    }

    var oldKeys: [String]
    var newKeys: [String]
    var parts: [Part] = []
    var notModelled: [UnmodelledChange] = []

    init(_ hunk: Hunk, ported: (String) -> Bool) {
        let n = hunk.lines.count
        oldKeys = Self.keys(hunk, side: .removed)
        newKeys = Self.keys(hunk, side: .added)
        let functions = PatchReader.functions(of: hunk)
        let (oldKeys, newKeys) = (oldKeys, newKeys)
        func isCode(_ j: Int) -> Bool { !(hunk.lines[j].kind == .added ? newKeys[j] : oldKeys[j]).isEmpty }
        func isChanged(_ j: Int) -> Bool { hunk.lines[j].kind != .context }

        // The function each line belongs to; a changed blank or comment line outside
        // every function goes with the code next to it.
        var owner = functions.owners
        for j in 0 ..< n where isChanged(j) && owner[j] == nil && !isCode(j) {
            let next = (j + 1 ..< n).first(where: isCode) ?? (0 ..< j).last(where: isCode)
            owner[j] = next.flatMap { functions.owners[$0] }
        }
        func carried(_ name: String?) -> Bool {
            guard let name else { return true }
            return ported(name) || functions.added.contains(name)
        }

        var unported: [String] = []
        var unportedLines: [String: [Int]] = [:]
        for j in 0 ..< n where isChanged(j) {
            guard let name = owner[j], !carried(name) else { continue }
            if unportedLines[name] == nil { unported.append(name) }
            unportedLines[name, default: []].append(j + 1)
        }
        notModelled = unported.map { UnmodelledChange(function: $0, lines: unportedLines[$0]!, reason: .functionNotInPort) }

        // Runs of lines the port may carry, split where a function it does not carry lies.
        var runs: [[Int]] = [[]]
        for j in 0 ..< n {
            if carried(owner[j]) { runs[runs.count - 1].append(j) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
        }
        for run in runs where run.contains(where: isChanged) {
            var names: [String] = []
            for j in run where isChanged(j) {
                if let name = owner[j], !names.contains(name) { names.append(name) }
            }
            var lines = run[...]
            if !names.isEmpty {
                let keep: (Int) -> Bool = { isChanged($0) || owner[$0].map(names.contains) ?? false }
                while let j = lines.first, !keep(j) { lines.removeFirst() }
                while let j = lines.last, !keep(j) { lines.removeLast() }
                if !lines.contains(where: { hunk.lines[$0].kind != .added && !oldKeys[$0].isEmpty }) { lines = run[...] }
            }
            parts.append(Part(lines: Array(lines), functions: names,
                              changed: run.filter(isChanged).map { $0 + 1 }))
        }
    }

    /// The added lines that hold only part of a comment which the port cannot carry
    /// whole: on the new side, read as one stream, each maximal run of comment-only lines
    /// is kept when every line of it is added, its first line opens the comment and its
    /// last closes it; otherwise its added lines are orphans (the comment opens or closes
    /// on a context line, which the port does not have).
    static func orphanCommentLines(_ hunk: Hunk) -> Set<Int> {
        let newSide = hunk.lines.indices.filter { hunk.lines[$0].kind != .removed }
        let keys = keys(hunk, side: .added)
        func commentOnly(_ j: Int) -> Bool {
            keys[j].isEmpty && !hunk.lines[j].text.trimmingCharacters(in: .whitespaces).isEmpty
        }
        var orphans = Set<Int>()
        var k = 0
        while k < newSide.count {
            guard commentOnly(newSide[k]) else { k += 1; continue }
            var end = k
            while end + 1 < newSide.count && commentOnly(newSide[end + 1]) { end += 1 }
            let run = newSide[k ... end]
            let first = hunk.lines[run.first!].text.trimmingCharacters(in: .whitespaces)
            let last = hunk.lines[run.last!].text.trimmingCharacters(in: .whitespaces)
            let whole = run.allSatisfy { hunk.lines[$0].kind == .added }
                && (first.hasPrefix("/*") || first.hasPrefix("//"))
                && (last.hasSuffix("*/") || last.hasPrefix("//"))
            if !whole { orphans.formUnion(run.filter { hunk.lines[$0].kind == .added }) }
            k = end + 1
        }
        return orphans
    }

    /// The code key of each line on one side (`.removed`: the old side, `.added`: the
    /// new side), "" for lines of the other side.
    static func keys(_ hunk: Hunk, side: HunkLine.Kind) -> [String] {
        let indices = hunk.lines.indices.filter { hunk.lines[$0].kind == .context || hunk.lines[$0].kind == side }
        let keys = CodeLines.keys(indices.map { hunk.lines[$0].text })
        var out = [String](repeating: "", count: hunk.lines.count)
        for (k, j) in indices.enumerated() { out[j] = squeezed(keys[k]) }
        return out
    }
}
