// SPDX-License-Identifier: GPL-2.0-only
//
// A commit message's sentences, each with the review's measurements that speak to what
// it says. Which measurement speaks to a sentence is decided by the words it uses (one
// table for every patch: re-reporting, reporting, splitting, merging, isolation, faults,
// fragmentation, failed allocations, work or waste) and by the functions it names that
// the series changes. Each is stated as a measurement; no sentence is judged.

import Foundation
import Measurement

enum CommitMessage {
    /// The sentences of `message` (trailers such as Signed-off-by left out).
    static func sentences(_ message: String) -> [String] {
        var paragraphs: [[String]] = [[]]
        for line in message.split(separator: "\n", omittingEmptySubsequences: false) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { paragraphs.append([]); continue }
            if isTrailer(t) { continue }
            paragraphs[paragraphs.count - 1].append(t)
        }
        var out: [String] = []
        for paragraph in paragraphs where !paragraph.isEmpty {
            let text = paragraph.joined(separator: " ")
            var current = ""
            let chars = Array(text)
            for (i, c) in chars.enumerated() {
                current.append(c)
                let ends = (c == "." || c == "?" || c == "!") && (i + 1 == chars.count || chars[i + 1] == " ")
                // "e.g." and "i.e." do not end a sentence.
                if ends && !current.hasSuffix("e.g.") && !current.hasSuffix("i.e.") {
                    out.append(current.trimmingCharacters(in: .whitespaces))
                    current = ""
                }
            }
            let rest = current.trimmingCharacters(in: .whitespaces)
            if !rest.isEmpty { out.append(rest) }
        }
        return out
    }

    /// "Signed-off-by: ...", "Cc: ...", "Link: ...": a dashed token of letters (or one of
    /// the undashed trailer names), a colon, a space.
    static func isTrailer(_ line: String) -> Bool {
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else { return false }
        let name = line[..<colon]
        guard name.first!.isLetter, name.allSatisfy({ $0.isLetter || $0 == "-" }),
              name.contains("-") || ["Cc", "Link", "Fixes", "Closes", "BugLink"].contains(String(name)) else { return false }
        let after = line.index(after: colon)
        return after < line.endIndex && line[after] == " "
    }

    static func measure(_ message: String, report: ReviewReport) -> [SentenceMeasurement] {
        sentences(message).map { SentenceMeasurement(sentence: $0, measurements: measurements(for: $0, report: report)) }
    }

    /// The measurements for one sentence, in the table's order, each at most once.
    static func measurements(for sentence: String, report: ReviewReport) -> [String] {
        // Words of prose only: identifiers (with an underscore, or a call) are names, not
        // what the sentence says.
        let prose = sentence.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0 == ":" })
            .filter { !$0.contains("_") && !$0.contains("(") }
            .joined(separator: " ").lowercased()
        let s = sentence.lowercased()
        func says(_ words: [String]) -> Bool { words.contains { prose.contains($0) } }
        var out: [String] = []
        let geometry = report.workloads.last?.geometry ?? ""
        let on = report.workloads.filter { $0.geometry == geometry }
        func total(_ f: (LaneMetrics) -> Int) -> (Int, Int) {
            (on.reduce(0) { $0 + f($1.base) }, on.reduce(0) { $0 + f($1.variant) })
        }
        func pair(_ what: String, _ v: (Int, Int)) -> String {
            let diff = v.1 - v.0
            let change = diff == 0 ? "no change" : "\(diff > 0 ? "+" : "")\(diff)"
                + (v.0 == 0 ? "" : String(format: " (%+.1f%%)", 100 * Double(diff) / Double(v.0)))
            return "\(what) over the \(on.count) workloads on \(geometry): base \(v.0), variant \(v.1), \(change)"
        }
        func cause(_ label: String) -> (Int, Int) {
            total { $0.rereportedByCause.filter { $0.key.hasPrefix(label) }.values.reduce(0, +) }
        }
        if says(["re-report", "rereport", "reported again", "report again", "reported twice", "unnecessar"]) {
            out.append(pair("pages re-reported (sent while the host held them discarded)", total(\.rereportedPages)))
        } else if says(["report"]) {
            out.append(pair("pages reported", total(\.reportedPages)))
        }
        if says(["split", "expand", "sub-page", "subpage", "smaller"]) {
            out.append(pair("pages re-reported after an allocation split their Reported block", cause("split by an allocation")))
        }
        if says(["merge", "coalesc", "buddy"]) {
            out.append(pair("pages re-reported after a freed buddy merged their Reported block", cause("merged with a freed buddy")))
        }
        if says(["isolat", "offline", "contig"]) {
            out.append(pair("pages re-reported after a pageblock isolation", cause("pageblock isolation")))
        }
        if says(["fault", "touch", "hypervisor", "host"]) {
            out.append(pair("pages handed out that the host had discarded (a fault each)", total(\.refaultPages)))
        }
        if says(["fragment", "fallback", "steal", "claim", "migratetype"]) {
            out.append(pair("pageblocks claimed by fallbacks", total(\.pageblockClaims)))
        }
        if says(["fail", "oom", "out of memory"]) {
            out.append(pair("failed allocations", total(\.failedAllocations)))
        }
        if says(["waste", "work", "performance", "overhead", "cost", "cheap", "expensive", "small"]) {
            out.append(pair("report() calls", total(\.batches)))
            let (reported, _) = total(\.reportedPages)
            let (again, againVariant) = total(\.rereportedPages)
            if reported > 0 {
                out.append(String(format: "re-reported pages the variant saves over the %d workloads on %@: %d, %.1f%% of the %d pages the base reports",
                                  on.count, geometry, again - againVariant, 100 * Double(again - againVariant) / Double(reported), reported))
            }
        }
        for hunk in report.hunks where hunk.applied && !hunk.addedLines.isEmpty {
            let names = Set(hunk.functions)
            guard names.contains(where: { s.contains($0.lowercased() + "(") || s.contains(" " + $0.lowercased() + " ") }) else { continue }
            let ran = hunk.addedLines.map(\.count)
            let times = ran.min() == ran.max() ? "\(ran[0]) times" : "\(ran.min()!) to \(ran.max()!) times"
            var text = "hunk \(hunk.index) (\(hunk.function)): its \(ran.count) added line\(ran.count == 1 ? "" : "s") of code ran \(times)"
            for b in hunk.branches {
                text += "; `\(b.condition)` true \(b.trueCount), false \(b.falseCount)"
            }
            out.append(text)
        }
        return out
    }
}
