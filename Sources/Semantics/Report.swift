// SPDX-License-Identifier: GPL-2.0-only
//
// The reviewer's report: plain text for a reply on the mailing list (lines under 80
// columns, numbers with units), JSON with everything, an SVG chart.

import BuddyTypes
import Foundation

public struct SemanticsReport: Sendable, Codable, Equatable {
    public var seed: UInt64
    public var workloads: [WorkloadResult]
    public var scenario: ScenarioMeasurements
    public var coverage: [HunkCoverage]
    public var probes: [ProbeFinding]
    public var claims: [Claim]

    public init(seed: UInt64, workloads: [WorkloadResult], scenario: ScenarioMeasurements,
                coverage: [HunkCoverage], probes: [ProbeFinding]) {
        self.seed = seed
        self.workloads = workloads
        self.scenario = scenario
        self.coverage = coverage
        self.probes = probes
        self.claims = []
        self.claims = Claims.evaluate(self)
    }

    static func pages(_ n: Int) -> String {
        let kib = n * 4
        if kib >= 10 * 1024 { return "\(n) pages (\(kib / 1024) MiB)" }
        return "\(n) pages (\(kib) KiB)"
    }

    static func row(_ label: String, _ a: String, _ b: String) -> String {
        "  " + label.padding(toLength: 28, withPad: " ", startingAt: 0)
            + a.padding(toLength: 25, withPad: " ", startingAt: 0) + b
    }

    static func failed(_ run: VariantRun) -> String {
        "\(run.failedBatches) of \(run.batches)"
    }

    /// Re-reported pages by event, both variants, largest first; each event that left
    /// pages below page_reporting_order is followed by a row with those pages.
    static func causeRows(_ w: WorkloadResult) -> [(String, Int, Int)] {
        let split = { (run: VariantRun) -> [String: (all: Int, below: Int)] in
            var byEvent: [String: (all: Int, below: Int)] = [:]
            for (key, pages) in run.rereportedByCause {
                let below = key.hasSuffix(WasteCause.belowSuffix)
                let event = below ? String(key.dropLast(WasteCause.belowSuffix.count)) : key
                byEvent[event, default: (0, 0)].all += pages
                if below { byEvent[event, default: (0, 0)].below += pages }
            }
            return byEvent
        }
        let a = split(w.baseline), b = split(w.patched)
        let events = Set(a.keys).union(b.keys).sorted {
            let x = (a[$0]?.all ?? 0) + (b[$0]?.all ?? 0), y = (a[$1]?.all ?? 0) + (b[$1]?.all ?? 0)
            return x != y ? x > y : $0 < $1
        }
        var rows: [(String, Int, Int)] = []
        for e in events {
            rows.append(("  " + e, a[e]?.all ?? 0, b[e]?.all ?? 0))
            if (a[e]?.below ?? 0) + (b[e]?.below ?? 0) > 0 {
                rows.append(("    below reporting order", a[e]?.below ?? 0, b[e]?.below ?? 0))
            }
        }
        return rows
    }

    static func largestFirst(_ counts: [String: Int]) -> [(event: String, pages: Int)] {
        counts.map { (event: $0.key, pages: $0.value) }.sorted { (x: (event: String, pages: Int), y: (event: String, pages: Int)) -> Bool in
            x.pages != y.pages ? x.pages > y.pages : x.event < y.event
        }
    }

    /// Re-reported pages of `variant` over all workloads, by event, qualifier dropped.
    func rereportedByEvent(_ variant: Variant) -> [String: Int] {
        var total: [String: Int] = [:]
        for w in workloads {
            for (key, pages) in (variant == .baseline ? w.baseline : w.patched).rereportedByCause {
                let event = key.hasSuffix(WasteCause.belowSuffix) ? String(key.dropLast(WasteCause.belowSuffix.count)) : key
                total[event, default: 0] += pages
            }
        }
        return total
    }

    public var text: String {
        var out: [String] = []
        out.append("Workloads, seed \(seed), baseline against patched (4 KiB pages):")
        for w in workloads {
            out.append("")
            out.append("\(w.workload) on \(w.geometry): \(w.baseline.steps) steps")
            out.append("  \(w.summary)".wrapped(width: 78, indent: "  "))
            let rows: [(String, String, String)] = [
                ("reporting passes", "\(w.baseline.passes.count)", "\(w.patched.passes.count)"),
                ("report() calls failed", Self.failed(w.baseline), Self.failed(w.patched)),
                ("pages reported", Self.pages(w.baseline.reportedPages), Self.pages(w.patched.reportedPages)),
                ("pages re-reported", Self.pages(w.baseline.rereportedPages), Self.pages(w.patched.rereportedPages)),
                ("pageblocks claimed", "\(w.baseline.pageblockClaims)", "\(w.patched.pageblockClaims)"),
                ("failed allocations", "\(w.baseline.failedAllocations)", "\(w.patched.failedAllocations)"),
            ]
            out.append(Self.row("", "baseline", "patched"))
            for (label, a, b) in rows { out.append(Self.row(label, a, b)) }
            let failedPages = { (run: VariantRun) in run.passes.reduce(0) { $0 + $1.failedPages } }
            if w.baseline.failedBatches + w.patched.failedBatches > 0 {
                out.insert(Self.row("pages in failed calls", Self.pages(failedPages(w.baseline)),
                                    Self.pages(failedPages(w.patched))), at: out.count - rows.count + 2)
            }
            let percent = String(format: "%.1f", w.savedPercent)
            out.append("  saving: \(Self.pages(w.savedPages)) re-reported less (\(percent)%)")
            let causes = Self.causeRows(w)
            if !causes.isEmpty {
                out.append("  re-reported, by the event that took PG_reported off the page:")
                for (label, a, b) in causes { out.append(Self.row(label, Self.pages(a), Self.pages(b))) }
            }
            let failedLabel = WasteCause.Event.failedReport.label
            if w.baseline.failedBatches + w.patched.failedBatches > 0
                && !causes.contains(where: { $0.0 == "  " + failedLabel }) {
                out.append("  no discarded page lost PG_reported in a failed report() call")
            }
            if let d = w.firstDivergence {
                out.append("  variants part ways at step \(d.step): \(d.what)".wrapped(width: 78, indent: "    "))
            } else {
                out.append("  allocations and free lists identical in both variants")
            }
            for (label, run) in [("baseline", w.baseline), ("patched", w.patched)] {
                for v in run.violations.prefix(3) {
                    out.append("  \(label): kernel check fired: \(v)".wrapped(width: 78, indent: "    "))
                }
                if !run.violationReplay.isEmpty {
                    out.append("  \(label): the first fires again after these \(run.violationReplay.count) operations:")
                    for op in run.violationReplay { out.append("    \(op),") }
                }
            }
        }
        out.append("")
        out.append("Hunk coverage (port/mm/page_alloc.c of the patched port, all workloads")
        out.append("and a differential campaign):")
        for h in coverage {
            let lines = h.portLines.map(String.init).joined(separator: ", ")
            out.append("  hunk \(h.hunk) (\(h.function), lines \(lines)): "
                       + (h.exercised ? "exercised" : "NEVER EXERCISED"))
            for c in h.calls {
                let truth = c.returnedTrue.map { ", true \($0), false \(c.ran - $0)" } ?? ""
                out.append("    \(c.call) ran \(c.ran) times\(truth)".wrapped(width: 78, indent: "      "))
            }
            for c in h.conditions {
                out.append("    condition \(c.condition): true \(c.trueCount), false \(c.falseCount)")
            }
            if let n = h.loopIterations { out.append("    no statement of its own; the function's loop ran \(n) times") }
            if let why = h.why { out.append("    \(why)".wrapped(width: 78, indent: "      ")) }
        }
        out.append("")
        out.append("Directed probes (states produced on purpose, not by a real caller):")
        for p in probes {
            out.append("  \(p.probe), \(p.variant): \(p.violations.count) kernel check(s) fired")
            for note in p.notes { out.append("    \(note)".wrapped(width: 78, indent: "      ")) }
            for v in p.violations.prefix(4) { out.append("    \(v)".wrapped(width: 78, indent: "      ")) }
            if !p.staleReportedPages.isEmpty {
                out.append("    PG_reported left on pages that are no free block head: \(p.staleReportedPages)")
            }
        }
        out.append("")
        out.append("The commit message against the measurements:")
        for c in claims {
            out.append("  [\(c.status.rawValue)] \(c.claim)".wrapped(width: 78, indent: "    "))
            out.append("    \(c.measurement)".wrapped(width: 78, indent: "    "))
        }
        return out.joined(separator: "\n")
    }

    /// A few lines for the default run: savings per workload, hunk coverage, claims.
    public var shortText: String {
        var out: [String] = ["Semantics (seed \(seed); `verify-patch semantics` for the full report):"]
        for w in workloads {
            out.append(("  \(w.workload) on \(w.geometry): re-reported \(w.baseline.rereportedPages) pages"
                       + " baseline, \(w.patched.rereportedPages) patched (\(String(format: "%.1f", w.savedPercent))% saved)")
                .wrapped(width: 78, indent: "    "))
        }
        let left = rereportedByEvent(.patched)
        let leftTotal = left.values.reduce(0, +)
        if leftTotal > 0 {
            let top = Self.largestFirst(left).prefix(2)
                .map { "\($0.pages * 100 / leftTotal)% \($0.event)" }.joined(separator: ", ")
            out.append("  left in patched: \(Self.pages(leftTotal)) re-reported, by cause \(top)".wrapped(width: 78, indent: "    "))
        }
        out.append("  hunks exercised: " + coverage.map { "\($0.hunk) \($0.exercised ? "yes" : "NEVER")" }
            .joined(separator: ", "))
        for c in claims {
            out.append("  [\(c.status.rawValue)] \(c.claim)".wrapped(width: 78, indent: "    "))
        }
        return out.joined(separator: "\n")
    }

    /// Re-reported pages per reporting pass, baseline against patched.
    public static func svgChart(_ w: WorkloadResult) -> String {
        let width = 720.0, height = 320.0, left = 60.0, bottom = 40.0, top = 30.0, right = 20.0
        let a = w.baseline.passes.map(\.rereportedPages), b = w.patched.passes.map(\.rereportedPages)
        let n = max(a.count, b.count, 2)
        let maxY = Double(max(a.max() ?? 0, b.max() ?? 0, 1))
        func x(_ i: Int) -> Double { left + Double(i) / Double(n - 1) * (width - left - right) }
        func y(_ v: Int) -> Double { height - bottom - Double(v) / maxY * (height - bottom - top) }
        func line(_ values: [Int], _ color: String) -> String {
            let points = values.enumerated().map { String(format: "%.1f,%.1f", x($0.offset), y($0.element)) }
            return "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>"
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(Int(left))" y="18">Re-reported pages per reporting pass: \(w.workload), \(w.geometry), seed \(w.seed)</text>
            <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
            <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>
            <text x="\(left - 8)" y="\(top + 4)" text-anchor="end">\(Int(maxY))</text>
            <text x="\(left - 8)" y="\(height - bottom + 4)" text-anchor="end">0</text>
            <text x="\((width + left) / 2)" y="\(height - 8)" text-anchor="middle">reporting pass (1 to \(n))</text>
            \(line(a, "#c0392b"))
            \(line(b, "#2471a3"))
            <text x="\(width - right - 150)" y="\(top + 14)" fill="#c0392b">baseline: \(w.baseline.rereportedPages) pages</text>
            <text x="\(width - right - 150)" y="\(top + 30)" fill="#2471a3">patched: \(w.patched.rereportedPages) pages</text>
            </svg>
            """
    }
}

extension String {
    /// Folds at spaces so no line is longer than `width`; continuation lines get `indent`.
    func wrapped(width: Int, indent: String) -> String {
        let lead = String(prefix { $0 == " " })
        var lines: [String] = []
        var current = lead
        for word in dropFirst(lead.count).split(separator: " ") {
            let candidate = current == lead ? current + word : current + " " + word
            if candidate.count > width && current != lead {
                lines.append(current)
                current = indent + word
            } else {
                current = candidate
            }
        }
        lines.append(current)
        return lines.joined(separator: "\n")
    }
}
