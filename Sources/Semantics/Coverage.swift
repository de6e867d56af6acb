// SPDX-License-Identifier: GPL-2.0-only
//
// Per-hunk coverage of the patched port: each hunk of the patch is found in the port's
// source through the patch reader (its added lines, white space ignored, inside the
// port's #if BPORT_SEED_PATCH blocks), and the line probes at those lines say how often
// the hunk's code ran and how often each condition it adds was true and false.

import BuddyPort
import Foundation
import PatchReader

public struct ProbedCall: Sendable, Codable, Equatable {
    public var line: Int
    public var call: String
    public var ran: Int
    public var returnedTrue: Int?
}

public struct ConditionCount: Sendable, Codable, Equatable {
    public var line: Int
    public var condition: String
    public var trueCount: Int
    public var falseCount: Int
}

public struct HunkCoverage: Sendable, Codable, Equatable {
    public var hunk: Int
    public var function: String
    public var portFile: String
    /// The port lines the hunk's added lines are on.
    public var portLines: [Int]
    public var calls: [ProbedCall]
    public var conditions: [ConditionCount]
    /// How often the function's loop body ran, when the hunk adds no call of its own.
    public var loopIterations: Int?
    public var exercised: Bool
    /// Why the hunk's new condition stays false, when it does, with the call paths.
    public var why: String?
}

public enum CoverageMap {
    /// Maps each hunk of `patch` to the patched port's lines and reads the probes.
    public static func measure(_ patch: Patch, portRoot: URL) throws -> [HunkCoverage] {
        let file = "port/mm/page_alloc.c"
        let lines = try String(contentsOf: portRoot.appendingPathComponent(file), encoding: .utf8)
            .components(separatedBy: "\n")
        let seedLines = seedRegionLines(lines)
        let functions = PatchReader.touchedFunctions(patch)
        var cursor = 0
        var result: [HunkCoverage] = []
        for hunk in patch.hunks {
            let owner = functions.first { $0.hunks.contains(hunk.index) }?.name ?? "?"
            var mapped: [Int] = []
            for added in hunk.lines where added.kind == .added {
                let key = squeeze(added.text)
                if key.isEmpty || key.hasPrefix("/*") || key.hasPrefix("*") { continue }
                if let i = seedLines.first(where: { $0 >= cursor && squeeze(lines[$0]) == key }) {
                    mapped.append(i + 1)
                    cursor = i + 1
                }
            }
            var calls: [ProbedCall] = []
            var conditions: [ConditionCount] = []
            for line in mapped {
                let text = lines[line - 1]
                // The first probed call the line makes (one probe per line).
                if let call = ["__SetPageReported(", "page_reported(", "PageReported("].first(where: { text.contains($0) }) {
                    let (hits, trues) = PortZone.probe(.patched, file: 0, line: line)
                    calls.append(ProbedCall(line: line, call: text.trimmingCharacters(in: .whitespaces), ran: hits,
                                            returnedTrue: call == "__SetPageReported(" ? nil : trues))
                }
            }
            // An added `if (x)` guards the next mapped line; true as often as that ran.
            for (k, line) in mapped.enumerated() {
                let text = lines[line - 1].trimmingCharacters(in: .whitespaces)
                guard text.hasPrefix("if ("), k + 1 < mapped.count else { continue }
                let guarded = PortZone.probe(.patched, file: 0, line: mapped[k + 1]).hits
                let evaluations = loopIterations(in: lines, around: line)
                conditions.append(ConditionCount(line: line, condition: String(text.dropFirst(3)),
                                                 trueCount: guarded, falseCount: max(0, evaluations - guarded)))
            }
            let iterations = calls.isEmpty && conditions.isEmpty
                ? loopIterations(in: lines, around: mapped.first ?? 0) : nil
            let exercised = (calls.contains { $0.ran > 0 } || (iterations ?? 0) > 0)
                && conditions.allSatisfy { $0.trueCount > 0 }
            var why: String?
            if !exercised, conditions.contains(where: { $0.trueCount == 0 }) {
                why = explainNeverTrue(function: owner, lines: lines, earlier: result)
            }
            result.append(HunkCoverage(hunk: hunk.index, function: owner, portFile: file, portLines: mapped,
                                       calls: calls, conditions: conditions, loopIterations: iterations,
                                       exercised: exercised, why: why))
        }
        return result
    }

    /// Why a condition a hunk adds in `function` stays false: the value it tests, as an
    /// earlier hunk of the same function reads it, and the call paths into the function
    /// with what each does to the block first.
    static func explainNeverTrue(function: String, lines: [String], earlier: [HunkCoverage]) -> String {
        var parts: [String] = []
        if let read = earlier.last(where: { $0.function == function })?.calls.first, read.returnedTrue == 0 {
            parts.append("the value it tests, `\(read.call)` (line \(read.line)), was false in all \(read.ran) calls.")
        }
        var callers: [String] = []
        var enclosing = ""
        var delSeen = false
        for line in lines {
            if let first = line.first, first != " ", first != "\t", first != "{", first != "}", first != "#",
               let open = line.firstIndex(of: "("), !line.hasPrefix("/") {
                enclosing = String(line[..<open]).split(separator: " ").last.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "*")) } ?? ""
                delSeen = false
            }
            if line.contains("del_page_from_free_list(") { delSeen = true }
            if line.contains("\(function)(zone") || line.contains("\(function)(&"), enclosing != function,
               line.hasPrefix("\t") {
                let note = delSeen ? "\(enclosing) (takes the block off its free list first: del_page_from_free_list clears PG_reported)"
                    : "\(enclosing) (hands it a page whose flags were cleared when it was freed or taken off a list)"
                if !callers.contains(note) { callers.append(note) }
            }
        }
        if !callers.isEmpty { parts.append("Callers: " + callers.joined(separator: "; ") + ".") }
        return parts.joined(separator: " ")
    }

    /// Indices of the lines inside `#if BPORT_SEED_PATCH` blocks (before any #else).
    static func seedRegionLines(_ lines: [String]) -> [Int] {
        var inside = false
        var out: [Int] = []
        for (i, line) in lines.enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("#if BPORT_SEED_PATCH") { inside = true; continue }
            if inside && (t.hasPrefix("#else") || t.hasPrefix("#endif")) { inside = false; continue }
            if inside { out.append(i) }
        }
        return out
    }

    /// How often the loop around `line` ran in the patched variant: the probed
    /// set_page_guard() call of expand's loop, or in split_large_buddy the probed
    /// pfn_to_page() at the loop's end plus one last iteration per call.
    static func loopIterations(in lines: [String], around line: Int) -> Int {
        guard line > 0 else { return 0 }
        var start = line - 1
        while start > 0 && !lines[start].hasPrefix("{") { start -= 1 }
        var end = line - 1
        while end < lines.count && lines[end] != "}" { end += 1 }
        for i in start ..< min(end, lines.count) where lines[i].contains("set_page_guard(") {
            return PortZone.probe(.patched, file: 0, line: i + 1).hits
        }
        for i in start ..< min(end, lines.count) where lines[i].contains("page = pfn_to_page(pfn);") {
            let entries = (start ..< end).first { lines[$0].contains("PageReported(page);") && lines[$0].contains("bool") }
                .map { PortZone.probe(.patched, file: 0, line: $0 + 1).hits } ?? 0
            return PortZone.probe(.patched, file: 0, line: i + 1).hits + entries
        }
        return 0
    }

    static func squeeze(_ s: String) -> String {
        String(s.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }.map(Character.init))
    }
}
