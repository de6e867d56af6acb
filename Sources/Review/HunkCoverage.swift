// SPDX-License-Identifier: GPL-2.0-only
//
// Each hunk of the series as the port took it, with the coverage counts of the lines it
// added: how often each added line of code ran, how often each condition on those lines
// was true and false, and for a hunk whose added code did not all run, the condition
// that kept it from running as far as the counts show it (the nearest condition before
// the first line that never ran, in the same function, with an outcome that never
// happened), or that its function never ran at all.

import Foundation
import PatchApplier
import PatchReader
import PortDrift
import PortVariants

enum HunkCoverage {
    static func hunks(of variant: PortVariant, skippingPatches skipped: Int, patches: [ReviewedPatch],
                      counts: CoverageCounts, lineMap: KernelLineMap?, baseline: PortText) -> [HunkReview] {
        var out: [HunkReview] = []
        for outcome in variant.patches.dropFirst(skipped) {
            let patch = patches[outcome.patch - skipped - 1]
            let attributed = PatchReader.touchedFunctions(patch.patch)
            for hunk in outcome.hunks {
                let named = attributed.filter { $0.hunks.contains(hunk.hunk) }.map(\.name)
                var functions = hunk.parts.flatMap(\.functions)
                for change in hunk.notModelled { if let f = change.function, !functions.contains(f) { functions.append(f) } }
                if hunk.parts.isEmpty { for f in named where !functions.contains(f) { functions.append(f) } }
                var review = HunkReview(
                    index: out.count + 1, patch: outcome.patch - skipped, hunk: hunk.hunk, kernelFile: hunk.kernelFile,
                    function: functions.first ?? "(file scope)", functions: functions,
                    inPort: !hunk.parts.isEmpty || functions.contains {
                        PortLayout.carries(function: $0, kernelFile: hunk.kernelFile, in: baseline)
                    }, applied: hunk.state == .applied || hunk.state == .partlyApplied,
                    state: hunk.state.rawValue, notModelled: hunk.notModelled.map(\.description),
                    kernelLines: [], portLines: [], variantLines: [], addedLines: [], branches: [],
                    exercised: nil, notExercised: nil)
                for part in hunk.parts {
                    if let lines = part.baselineLines {
                        review.portLines.append("\(part.portFile):\(span(lines))")
                        if let map = lineMap {
                            let kernel = lines.compactMap { map.kernelLocation(portFile: part.portFile, line: $0) }
                            if let first = kernel.first, let last = kernel.last {
                                review.kernelLines.append(first.file + ":" + (first.line == last.line ? "\(first.line)" : "\(first.line)-\(last.line)"))
                            }
                        }
                    }
                    if let lines = part.variantLines { review.variantLines.append("\(part.portFile):\(span(lines))") }
                    let text = variant.text.lines(of: part.portFile) ?? []
                    let file = counts.files[part.portFile]
                    for line in part.addedLines {
                        guard let count = file?.lines[line], line >= 1, line <= text.count,
                              isCode(text[line - 1]) else { continue }
                        review.addedLines.append(LineCount(file: part.portFile, line: line,
                                                           text: text[line - 1].trimmingCharacters(in: .whitespaces),
                                                           count: count))
                    }
                    let added = Set(part.addedLines)
                    for b in file?.branches ?? [] where added.contains(b.line) {
                        review.branches.append(BranchCount(file: part.portFile, line: b.line,
                                                           condition: condition(b, in: text), trueCount: b.trueCount,
                                                           falseCount: b.falseCount))
                    }
                }
                if review.applied {
                    review.exercised = review.addedLines.allSatisfy { $0.count > 0 }
                    if review.exercised == false {
                        review.notExercised = whyNotRun(review, variant: variant, counts: counts)
                    }
                }
                out.append(review)
            }
        }
        return out
    }

    /// "494" or "494-507".
    static func span(_ lines: ClosedRange<Int>) -> String {
        lines.count == 1 ? "\(lines.lowerBound)" : "\(lines.lowerBound)-\(lines.upperBound)"
    }

    /// A line that holds code: not blank, not only a comment or a brace.
    static func isCode(_ line: String) -> Bool {
        let t = line.trimmingCharacters(in: .whitespaces)
        return !t.isEmpty && t != "{" && t != "}" && !t.hasPrefix("//") && !t.hasPrefix("/*") && !t.hasPrefix("*")
    }

    /// The source text of a branch's condition.
    static func condition(_ b: BranchCoverage, in text: [String]) -> String {
        guard b.line >= 1, b.line <= text.count else { return "?" }
        if b.endLine == b.line {
            let chars = Array(text[b.line - 1])
            let from = max(0, b.column - 1), to = min(chars.count, max(from, b.endColumn - 1))
            return String(chars[from ..< to])
        }
        var parts: [String] = []
        for line in b.line ... min(b.endLine, text.count) {
            let chars = Array(text[line - 1])
            let from = line == b.line ? max(0, b.column - 1) : 0
            let to = line == b.endLine ? min(chars.count, max(from, b.endColumn - 1)) : chars.count
            parts.append(String(chars[from ..< to]).trimmingCharacters(in: .whitespaces))
        }
        return parts.joined(separator: " ")
    }

    /// What kept `line` of `file` from running, as far as `counts` show: the function
    /// that holds it, how often that function ran, and the last condition before the
    /// line in the function with an outcome that never happened. Nil when no function
    /// holds the line.
    static func blocking(line: Int, file: String, text: [String], counts: CoverageCounts)
        -> (function: PortFunction, entry: Int, condition: BranchCoverage?)? {
        guard let function = PortLayout.functions(in: text).first(where: { $0.lines.contains(line) }) else { return nil }
        let fileCounts = counts.files[file]
        let entry = function.lines.compactMap { fileCounts?.lines[$0] }.first ?? 0
        let condition = (fileCounts?.branches ?? []).filter {
            function.lines.contains($0.line) && $0.line <= line && ($0.trueCount == 0 || $0.falseCount == 0)
        }.max { ($0.line, $0.column) < ($1.line, $1.column) }
        return (function, entry, condition)
    }

    /// "the condition `reported` (port/mm/page_alloc.c:505)".
    static func describe(_ b: BranchCoverage, file: String, text: [String]) -> String {
        "the condition `\(condition(b, in: text))` (\(file):\(b.line))"
    }

    static func times(_ n: Int, _ what: String) -> String { "\(n) \(what)\(n == 1 ? "" : "s")" }

    /// Why the first added line that never ran did not: its function never ran, or the
    /// nearest condition before it in that function had an outcome that never happened.
    static func whyNotRun(_ review: HunkReview, variant: PortVariant, counts: CoverageCounts) -> String {
        guard let unrun = review.addedLines.first(where: { $0.count == 0 }) else { return "" }
        let text = variant.text.lines(of: unrun.file) ?? []
        let where_ = "\(unrun.file):\(unrun.line) `\(unrun.text)`"
        guard let (function, entry, condition) = blocking(line: unrun.line, file: unrun.file, text: text, counts: counts) else {
            return "\(where_) never ran"
        }
        if entry == 0 {
            return "\(where_) never ran: \(function.name)() never ran"
        }
        let ran = "\(function.name)() ran \(times(entry, "time"))"
        guard let b = condition else { return "\(where_) never ran though \(ran)" }
        return "\(where_) never ran: \(describe(b, file: unrun.file, text: text)) "
            + "was never \(b.trueCount == 0 ? "true" : "false") in \(times(b.trueCount + b.falseCount, "evaluation")); \(ran)"
    }
}
