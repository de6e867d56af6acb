// SPDX-License-Identifier: GPL-2.0-only
//
// Directed probes (states the new code is written for, produced on purpose) and the
// claims of the patch's commit message, each set against a measurement.

import BuddyPort
import Foundation

/// What a directed probe found. Findings from probes are kept apart from what the
/// workloads reached through the kernel's own call paths.
public struct ProbeFinding: Sendable, Codable, Equatable {
    public var probe: String
    public var variant: Variant
    public var violations: [Violation]
    /// PG_reported on pages that are not free block heads.
    public var staleReportedPages: [Int]
    public var notes: [String]
}

public enum DirectedProbes {
    /// split_large_buddy() handed a block that kept PG_reported (hunks 1 and 2 with their
    /// condition true), on the x86-64 geometry after every free block was reported, then
    /// the allocation of the block that results.
    public static func splitLargeBuddy(variant: Variant) throws -> ProbeFinding {
        let zone = try PortZone(variant: variant, geometry: .x86_64)
        while try !zone.reportingPass(host: { _ in true }).isEmpty {}
        let s = zone.snapshot()
        guard let head = s.reportedHeads.first(where: { s.pages[$0].order == Geometry.x86_64.maxPageOrder }) else {
            return ProbeFinding(probe: "split_large_buddy", variant: variant, violations: [],
                                staleReportedPages: [], notes: ["no Reported order-10 block"])
        }
        try zone.probeSplitReported(pfn: head)
        let after = zone.snapshot()
        let stale = after.reportedPages.filter { !after.pages[$0].isBuddy }
        var notes = ["split the Reported order-10 block at pfn \(head) into two pageblocks"]
        notes.append("pages flagged Reported afterwards: \(after.reportedPages.filter { $0 >= head && $0 < head + 1024 })")
        let before = zone.violationCount
        if let pfn = try zone.allocate(order: Geometry.x86_64.maxPageOrder, migratetype: .movable) {
            notes.append("the next order-10 allocation took pfn \(pfn); kernel checks fired: \(zone.violationCount - before)")
        }
        return ProbeFinding(probe: "split_large_buddy", variant: variant, violations: zone.violations,
                            staleReportedPages: stale, notes: notes)
    }
}

/// One claim of the commit message and the measurement that confirms or contradicts it.
public struct Claim: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case confirmed, contradicted }
    public var claim: String
    public var status: Status
    public var measurement: String
}

/// Scenario measurements the claims rest on, run on the x86-64 geometry.
public struct ScenarioMeasurements: Sendable, Codable, Equatable {
    /// Split-off buddies of a Reported order-10 block after an order-0 allocation,
    /// and how many keep the flag, per variant.
    public var splitPieces: [String: Int]
    public var splitPiecesReported: [String: Int]
    /// Pages the next pass sends again after that split, per variant.
    public var nextPassPages: [String: Int]
    /// Pages the next pass sends again after isolating one pageblock of a Reported
    /// order-10 block (split_large_buddy splits it), per variant.
    public var afterIsolationSplitPages: [String: Int]

    public static func measure() throws -> ScenarioMeasurements {
        var m = ScenarioMeasurements(splitPieces: [:], splitPiecesReported: [:], nextPassPages: [:],
                                     afterIsolationSplitPages: [:])
        for variant in Variant.allCases {
            let zone = try PortZone(variant: variant, geometry: .x86_64)
            while try !zone.reportingPass(host: { _ in true }).isEmpty {}
            if let pfn = try zone.allocate(order: 0, migratetype: .movable) {
                let s = zone.snapshot()
                let pieces = (0 ..< 10).map { pfn + (1 << $0) }.filter { s.pages[$0].isBuddy }
                m.splitPieces[variant.rawValue] = pieces.count
                m.splitPiecesReported[variant.rawValue] = pieces.filter { s.pages[$0].flags.contains(.reported) }.count
                m.nextPassPages[variant.rawValue] = try zone.reportingPass { _ in true }.reduce(0) { $0 + $1.pages }
            }
            let iso = try PortZone(variant: variant, geometry: .x86_64)
            while try !iso.reportingPass(host: { _ in true }).isEmpty {}
            try iso.isolate(pageblock: 1)
            m.afterIsolationSplitPages[variant.rawValue] = try iso.reportingPass { _ in true }.reduce(0) { $0 + $1.pages }
        }
        return m
    }
}

public enum Claims {
    public static func evaluate(_ report: SemanticsReport) -> [Claim] {
        let s = report.scenario
        let cov = Dictionary(report.coverage.map { ($0.hunk, $0) }, uniquingKeysWith: { a, _ in a })
        func total(_ f: (WorkloadResult) -> Int) -> Int { report.workloads.reduce(0) { $0 + f($1) } }
        let splitLabel = WasteCause.Event.split.label
        let baseSplit = report.rereportedByEvent(.baseline)[splitLabel] ?? 0
        let patchedSplit = report.rereportedByEvent(.patched)[splitLabel] ?? 0
        let left = report.rereportedByEvent(.patched)
        let leftTotal = left.values.reduce(0, +)
        let leftTop = SemanticsReport.largestFirst(left).first
        let saved = total(\.savedPages), baseWaste = total(\.baseline.rereportedPages)
        var claims: [Claim] = []
        claims.append(Claim(
            claim: "When a reported free page is split via expand(), the sub-pages placed back on the free lists lose the PageReported flag.",
            status: s.splitPiecesReported["baseline"] == 0 && (s.splitPieces["baseline"] ?? 0) > 0 ? .confirmed : .contradicted,
            measurement: "baseline, x86-64: an order-0 allocation from a Reported order-10 block leaves \(s.splitPieces["baseline"] ?? 0) split-off buddies, \(s.splitPiecesReported["baseline"] ?? 0) of them Reported."))
        claims.append(Claim(
            claim: "They will be unnecessarily re-reported to the hypervisor in the next reporting cycle.",
            status: (s.nextPassPages["baseline"] ?? 0) > 0 ? .confirmed : .contradicted,
            measurement: "baseline: the next pass sends \(s.nextPassPages["baseline"] ?? 0) pages the host had discarded; over the workloads, \(baseSplit) pages were re-reported after an allocation split the Reported block that held them (patched: \(patchedSplit))."))
        let h5 = cov[5]?.calls.first?.returnedTrue ?? 0, h6 = cov[6]?.calls.first?.returnedTrue ?? 0
        claims.append(Claim(
            claim: "Propagate the PageReported flag to sub-pages during expand(), both in page_del_and_expand() and try_to_claim_block().",
            status: s.splitPiecesReported["patched"] == s.splitPieces["patched"] && h5 > 0 && h6 > 0 ? .confirmed : .contradicted,
            measurement: "patched: \(s.splitPiecesReported["patched"] ?? 0) of \(s.splitPieces["patched"] ?? 0) split-off buddies keep the flag; the workloads reached page_del_and_expand with a Reported block \(h5) times and try_to_claim_block's whole-block claim \(h6) times."))
        claims.append(Claim(
            claim: "So that they are recognized as already-reported (not re-reported).",
            status: s.nextPassPages["patched"] == 0 ? .confirmed : .contradicted,
            measurement: "patched: the next pass after the split sends \(s.nextPassPages["patched"] ?? 0) pages."))
        // "Small" is taken as: the pages the patch saves are under a tenth of the pages
        // the baseline sends to the host over the same workloads.
        let baseReported = total(\.baseline.reportedPages)
        let savedShare = baseReported == 0 ? 0 : Double(saved) / Double(baseReported)
        claims.append(Claim(
            claim: "While I was unable to quantify the performance difference, it is an obvious waste, even if small.",
            status: saved > 0 && savedShare < 0.1 ? .confirmed : .contradicted,
            measurement: "over the workloads of seed \(report.seed): the patch saves \(saved) of \(baseWaste) re-reported pages (\(baseWaste == 0 ? 0 : saved * 100 / baseWaste)%), \(String(format: "%.1f", savedShare * 100))% of the \(baseReported) pages the baseline reports (small: under 10%); of the \(leftTotal) pages the patched kernel still re-reports, \(leftTop.map { "the largest share (\($0.pages * 100 / max(leftTotal, 1))%) lost the flag by \"\($0.event)\"" } ?? "none")."))
        let h1 = cov[1]?.calls.first, h2 = cov[2]?.calls.first
        claims.append(Claim(
            claim: "(not in the message) The patch also makes split_large_buddy() carry the flag to the pageblocks it splits a block into.",
            status: (h1?.returnedTrue ?? 0) == 0 ? .contradicted : .confirmed,
            measurement: "PageReported(page) at its entry was true \(h1?.returnedTrue ?? 0) times in \(h1?.ran ?? 0) calls and the marking ran \(h2?.ran ?? 0) times: every caller takes the block off its free list first, which clears the flag. Isolating one pageblock of a Reported order-10 block re-reports \(s.afterIsolationSplitPages["patched"] ?? 0) pages in the patched kernel (baseline \(s.afterIsolationSplitPages["baseline"] ?? 0))."))
        return claims
    }
}
