// SPDX-License-Identifier: GPL-2.0-only
//
// The review as plain text for a reply on the mailing list (lines under 80 columns,
// numbers with units), and as an SVG chart of what reaches the host per workload.

import Foundation
import BuddyTypes
import Exploration
import Measurement

extension ReviewReport {
    static func pages(_ n: Int) -> String {
        let kib = n * 4
        if abs(kib) >= 10 * 1024 { return "\(n) pages (\(kib / 1024) MiB)" }
        return "\(n) pages (\(kib) KiB)"
    }

    static func row(_ label: String, _ a: String, _ b: String) -> String {
        "  " + label.padding(toLength: 28, withPad: " ", startingAt: 0)
            + a.padding(toLength: 25, withPad: " ", startingAt: 0) + b
    }

    /// Re-reported pages by event, both variants, largest first; each event that left
    /// pages below page_reporting_order is followed by a row with those pages.
    static func causeRows(_ w: WorkloadComparison) -> [(String, Int, Int)] {
        let split = { (run: LaneMetrics) -> [String: (all: Int, below: Int)] in
            var byEvent: [String: (all: Int, below: Int)] = [:]
            for (key, pages) in run.rereportedByCause {
                let below = key.hasSuffix(WasteCause.belowSuffix)
                let event = below ? String(key.dropLast(WasteCause.belowSuffix.count)) : key
                byEvent[event, default: (0, 0)].all += pages
                if below { byEvent[event, default: (0, 0)].below += pages }
            }
            return byEvent
        }
        let a = split(w.base), b = split(w.variant)
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

    /// A replay: every operation when there are few, else the first and last few (the
    /// JSON report has all of them).
    static func ops(_ ops: [BuddyTypes.Operation], indent: String) -> [String] {
        guard ops.count > 24 else { return ops.map { "\(indent)\($0)," } }
        return ops.prefix(8).map { "\(indent)\($0)," } + ["\(indent)// ... \(ops.count - 16) more (--json has them all)"]
            + ops.suffix(8).map { "\(indent)\($0)," }
    }

    public var text: String {
        var out: [String] = []
        let titles = patches.map { $0.title.map { "\"\($0)\"" } ?? $0.label }
        out.append("Review of \(titles.joined(separator: ", then "))")
        out.append("  variant: \(variant)".wrapped(width: 78, indent: "    "))
        out.append("  against: \(base) (Linux 7.3.4 as the port carries it)".wrapped(width: 78, indent: "    "))
        out.append("")
        out.append("Verdict: \(verdict.rawValue.uppercased())")
        for r in reasons.prefix(8) { out.append("  \(r)".wrapped(width: 78, indent: "    ")) }
        if reasons.count > 8 { out.append("  ... and \(reasons.count - 8) more") }

        out.append("")
        out.append("Hunks (kernel lines are Linux 7.3.4's; counts over every run of this review):")
        for h in hunks {
            var head = "  \(h.index). \(h.kernelFile) \(h.function)"
            if !h.kernelLines.isEmpty { head += " (\(h.kernelLines.joined(separator: ", ")))" }
            head += ": " + (h.applied ? (h.state == "partlyApplied" ? "applied in part" : "applied") : h.state == "alreadyApplied" ? "already applied" : "not modelled")
            out.append(head.wrapped(width: 78, indent: "      "))
            if !h.portLines.isEmpty {
                out.append("     port \(h.portLines.joined(separator: ", ")) -> variant \(h.variantLines.joined(separator: ", "))".wrapped(width: 78, indent: "       "))
            }
            for n in h.notModelled { out.append("     not modelled: \(n)".wrapped(width: 78, indent: "       ")) }
            for l in h.addedLines {
                out.append("     \(String(l.count).leftPadded(9))x  \(l.line): \(l.text)".wrapped(width: 78, indent: "                   "))
            }
            for b in h.branches {
                out.append("     condition `\(b.condition)` (\(b.line)): true \(b.trueCount), false \(b.falseCount)".wrapped(width: 78, indent: "       "))
            }
            if h.applied {
                if h.addedLines.isEmpty {
                    out.append("     adds no line of executable code (declarations, comments or removals only)")
                } else if h.exercised == true {
                    out.append("     every added line ran")
                } else if let why = h.notExercised {
                    out.append("     NOT EXERCISED: \(why)".wrapped(width: 78, indent: "       "))
                }
            }
        }

        out.append("")
        out.append("Behaviour, seed \(seed), base against variant (4 KiB pages):")
        for w in workloads {
            out.append("")
            out.append("\(w.workload) on \(w.geometry): \(w.base.steps) steps")
            out.append("  \(w.summary)".wrapped(width: 78, indent: "  "))
            out.append(Self.row("", "base", "variant"))
            let rows: [(String, String, String)] = [
                ("reporting passes", "\(w.base.passes.count)", "\(w.variant.passes.count)"),
                ("report() calls failed", "\(w.base.failedBatches) of \(w.base.batches)", "\(w.variant.failedBatches) of \(w.variant.batches)"),
                ("pages reported", Self.pages(w.base.reportedPages), Self.pages(w.variant.reportedPages)),
                ("pages re-reported", Self.pages(w.base.rereportedPages), Self.pages(w.variant.rereportedPages)),
                ("pages refaulted", Self.pages(w.base.refaultPages), Self.pages(w.variant.refaultPages)),
                ("  in allocations", "\(w.base.refaultAllocations)", "\(w.variant.refaultAllocations)"),
                ("failed allocations", "\(w.base.failedAllocations) of \(w.base.allocations)", "\(w.variant.failedAllocations) of \(w.variant.allocations)"),
                ("pageblocks claimed", "\(w.base.pageblockClaims)", "\(w.variant.pageblockClaims)"),
            ]
            for (label, a, b) in rows { out.append(Self.row(label, a, b)) }
            let causes = Self.causeRows(w)
            if !causes.isEmpty {
                out.append("  re-reported, by the event that took PG_reported off the page:")
                for (label, a, b) in causes { out.append(Self.row(label, Self.pages(a), Self.pages(b))) }
            }
            if let d = w.firstDifference {
                out.append("  first differs after step \(d.step), \(d.operation): \(d.observables.map(\.rawValue).joined(separator: ", "))".wrapped(width: 78, indent: "    "))
                out.append("    base \(d.base); variant \(d.variant)".wrapped(width: 78, indent: "      "))
                out.append("    differs on new zones after these \(d.replay.count) operations:")
                out += Self.ops(d.replay, indent: "      ")
                let counts = w.stepsDiffering.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                    .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                out.append("    steps differing, by what: \(counts)".wrapped(width: 78, indent: "      "))
            } else {
                out.append("  no difference in \(w.base.steps) steps")
            }
            for (label, run) in [("base", w.base), ("variant", w.variant)] {
                for f in run.failures {
                    out.append("  \(label): \(f.kind.rawValue) failed after step \(f.step): \(f.what)".wrapped(width: 78, indent: "    "))
                    if let at = f.location { out.append("    at \(at)".wrapped(width: 78, indent: "      ")) }
                    out.append(f.replay.isEmpty ? "    so on a new zone already, before any operation"
                               : "    again on a new zone after these \(f.replay.count) operations:")
                    out += Self.ops(f.replay, indent: "      ")
                }
            }
        }

        out.append("")
        let c = campaign
        out.append("Differential generator: \(c.seeds) seeds x \(c.operationsPerSeed) operations on \(c.geometry), base and variant given the same operations:".wrapped(width: 78, indent: "  "))
        if let d = c.first {
            out.append("  \(c.runsDiffering) of \(c.seeds) runs differ; the first (seed \(c.firstSeedDiffering ?? 0)) after step \(d.step), \(d.operation): \(d.observables.map(\.rawValue).joined(separator: ", "))".wrapped(width: 78, indent: "    "))
            out.append("    base \(d.base); variant \(d.variant)".wrapped(width: 78, indent: "      "))
            out.append("    differs on new zones after these \(d.replay.count) operations:")
            out += Self.ops(d.replay, indent: "      ")
            let counts = c.stepsDiffering.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            out.append("  operations after which each observable differed: \(counts)".wrapped(width: 78, indent: "    "))
        } else {
            out.append("  no difference in \(c.operations) operations")
        }
        for f in c.failures {
            out.append("  variant: \(f.kind.rawValue) failed: \(f.what)".wrapped(width: 78, indent: "    "))
            if let at = f.location { out.append("    at \(at)".wrapped(width: 78, indent: "      ")) }
            out.append("    again on a new zone after these \(f.replay.count) operations:")
            out += Self.ops(f.replay, indent: "      ")
        }

        if let l = lockstep {
            out.append("")
            out.append("Base and variant explored in lockstep on \(l.geometry) (every state both reach by the same operations, checked in each):".wrapped(width: 78, indent: "  "))
            out.append(ExplorationText.lockstep(l))
        }
        if let why = lockstepRefused {
            out.append("")
            out.append("Base and variant not explored in lockstep: \(why)".wrapped(width: 78, indent: "  "))
        }

        out.append("")
        let failures = workloads.flatMap(\.variant.failures) + c.failures
        if failures.isEmpty {
            out.append("Checks on the variant: no kernel check fired, every invariant held and every")
            out.append("PG_reported block was one the host held as discarded, in every run above.")
        } else {
            out.append("Checks on the variant: \(failures.count) failed (listed above with replays).")
        }
        if let m = model {
            out.append("")
            out.append("The model's rules for this patch (\(m.rules)), \(m.seeds) seeds x \(m.operations) operations on \(m.geometry):".wrapped(width: 78, indent: "  "))
            if let d = m.divergence {
                out.append("  the variant differs from the model:")
                for line in d.split(separator: "\n") { out.append("    \(line)") }
            } else {
                out.append("  the variant and the model agree after every operation.")
            }
        }
        if !probes.isEmpty {
            out.append("")
            out.append("Directed probes (added code the runs above never ran, driven through the kernel's")
            out.append("entry points: allocations, frees, isolation, idle spells with reporting passes):")
            for p in probes {
                out.append("  hunk \(p.hunk), \(p.function)(): \(p.file):\(p.line) `\(p.text)`".wrapped(width: 78, indent: "    "))
                if !p.callers.isEmpty {
                    out.append("    \(p.function)() is called, in the runs above:")
                    for c in p.callers {
                        out.append("      \(c.count)x from \(c.caller)() at \(c.file):\(c.line), after:".wrapped(width: 78, indent: "        "))
                        for l in c.before + [c.text] { out.append("          \(l)") }
                    }
                }
                for f in p.findings { out.append("    \(f)".wrapped(width: 78, indent: "      ")) }
                if !p.reaching.isEmpty { out += Self.ops(p.reaching, indent: "      ") }
            }
        }
        for p in patches where !p.message.isEmpty {
            out.append("")
            out.append("The commit message of \(p.title.map { "\"\($0)\"" } ?? p.label), with the measurements that speak to it:".wrapped(width: 78, indent: "  "))
            for s in p.message {
                out.append("  > \(s.sentence)".wrapped(width: 78, indent: "  > "))
                if s.measurements.isEmpty { out.append("    (no measurement of this review speaks to it)") }
                for m in s.measurements { out.append("    \(m)".wrapped(width: 78, indent: "      ")) }
            }
        }
        return out.joined(separator: "\n")
    }

    /// A few lines for the default run: the verdict, what each workload re-reports and
    /// faults, and whether each hunk's code ran.
    public var shortText: String {
        var out = ["Review (seed \(seed); `verify-patch review` for the full report): \(verdict.rawValue)"]
        for w in workloads {
            out.append(("  \(w.workload) on \(w.geometry): re-reported \(w.base.rereportedPages) pages base, "
                        + "\(w.variant.rereportedPages) variant; refaulted \(w.base.refaultPages) base, \(w.variant.refaultPages) variant")
                .wrapped(width: 78, indent: "    "))
        }
        out.append(("  hunks exercised: " + hunks.map { "\($0.index) \($0.exercised.map { $0 ? "yes" : "NEVER" } ?? "not modelled")" }
            .joined(separator: ", ")).wrapped(width: 78, indent: "    "))
        for p in probes {
            let what = p.reachedOn.map { "runs on \($0) after \(p.reaching.count) operations" }
                ?? "no run made it run (\(p.operations) operations on \(p.geometries.joined(separator: ", ")))"
            out.append("  probe of hunk \(p.hunk), \(p.file):\(p.line): \(what)".wrapped(width: 78, indent: "    "))
        }
        for r in reasons where verdict == .broken { out.append("  \(r)".wrapped(width: 78, indent: "    ")) }
        return out.joined(separator: "\n")
    }

    /// Pages reported and re-reported per workload, base against variant.
    public var svg: String {
        let rowHeight = 46.0, left = 230.0, width = 760.0, top = 40.0
        let height = top + rowHeight * Double(workloads.count) + 40
        let maxValue = Double(workloads.map { max($0.base.reportedPages, $0.variant.reportedPages) }.max() ?? 1)
        func bar(_ y: Double, _ value: Int, _ color: String) -> String {
            let w = maxValue == 0 ? 0 : Double(value) / maxValue * (width - left - 120)
            return String(format: "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.1f\" height=\"9\" fill=\"%@\"/>", left, y, w, color)
                + String(format: "<text x=\"%.1f\" y=\"%.1f\">%d</text>", left + w + 4, y + 8, value)
        }
        var body: [String] = []
        for (i, w) in workloads.enumerated() {
            let y = top + Double(i) * rowHeight
            body.append("<text x=\"8\" y=\"\(y + 18)\">\(w.workload), \(w.geometry)</text>")
            body.append(bar(y, w.base.reportedPages, "#e6b0aa"))
            body.append(bar(y + 10, w.base.rereportedPages, "#c0392b"))
            body.append(bar(y + 20, w.variant.reportedPages, "#a9cce3"))
            body.append(bar(y + 30, w.variant.rereportedPages, "#2471a3"))
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="8" y="18">Pages reported and re-reported (darker) per workload, seed \(seed): base red, variant blue</text>
            \(body.joined(separator: "\n"))
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

    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
