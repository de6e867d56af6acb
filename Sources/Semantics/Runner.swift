// SPDX-License-Identifier: GPL-2.0-only
//
// Runs a workload on the baseline and the patched port side by side, each with its own
// host oracle, and measures what reaches the host: pages per pass, pages re-reported by
// the event that took PG_reported off them, and where the two variants' allocations or
// free lists first part ways.

import BuddyPort
import Differential
import Exploration

/// One reporting pass, as the host saw it.
public struct PassMetrics: Sendable, Codable, Equatable {
    public var reportedPages: Int
    public var rereportedPages: Int
    public var batches: Int
    public var failedBatches: Int
    /// Pages in the batches the host failed: not discarded, sent again later.
    public var failedPages: Int
}

/// One variant's run of one workload.
public struct VariantRun: Sendable, Codable, Equatable {
    public var variant: Variant
    public var steps: Int
    public var allocations: Int
    public var failedAllocations: Int
    /// Reporting passes that sent something.
    public var passes: [PassMetrics]
    public var reportedPages: Int
    public var rereportedPages: Int
    /// Re-reported pages by the event that took the flag off them
    /// (`WasteCause.description`); the counts sum to `rereportedPages`.
    public var rereportedByCause: [String: Int]
    /// Pageblocks whose migratetype changed (fallback claims, CMA aside).
    public var pageblockClaims: Int
    public var violations: [Violation]
    /// When a kernel check fired: a minimal list of operations that makes the first one
    /// fire again on a new zone (Operation syntax, ready to paste into a test).
    public var violationReplay: [String] = []

    /// report() calls in all passes, and how many of them the host failed.
    public var batches: Int { passes.reduce(0) { $0 + $1.batches } }
    public var failedBatches: Int { passes.reduce(0) { $0 + $1.failedBatches } }
}

/// Where the two variants first behaved differently.
public struct FirstDivergence: Sendable, Codable, Equatable {
    public var step: Int
    public var what: String
}

public struct WorkloadResult: Sendable, Codable, Equatable {
    public var workload: String
    public var summary: String
    public var geometry: String
    public var seed: UInt64
    public var baseline: VariantRun
    public var patched: VariantRun
    /// Nil when allocations and free lists stayed identical throughout.
    public var firstDivergence: FirstDivergence?

    public var savedPages: Int { baseline.rereportedPages - patched.rereportedPages }
    public var savedPercent: Double {
        baseline.rereportedPages == 0 ? 0 : 100 * Double(savedPages) / Double(baseline.rereportedPages)
    }
}

/// What the audit of a lane found wrong after a step: the record of covered pages
/// differs from the zone (the step changed pages outside the blocks the lane re-read),
/// or a page the host holds as discarded is not free, or is free outside a Reported
/// block with no event recorded.
public struct AuditFailure: Error, CustomStringConvertible {
    public var variant: Variant
    public var step: Int
    public var what: String
    public var problem: String
    public var pfns: [Int]

    public var description: String {
        "\(variant), step \(step) (\(what)): \(problem) at pfns "
            + pfns.prefix(8).map(String.init).joined(separator: ", ") + (pfns.count > 8 ? ", ..." : "")
    }
}

/// A zone, its host and its workload.
struct Lane {
    /// The kind of step that changed coverage, with what is needed to name the event.
    enum Change {
        case allocate(claimedPageblocks: Set<Int>)
        case free
        case isolation
        case report(accepted: Bool)
    }

    let zone: PortZone
    var workload: any Workload
    var host: HostOracle
    var coverage: FlagCoverage
    var live: [(pfn: Int, order: Int)] = []
    /// Every step taken, as a differential operation, for replay.
    var log: [Operation] = []
    var livePages = 0
    var lastFailed = false
    var isolated = Set<Int>()
    var run: VariantRun
    var blocks: [PageblockState]
    /// After every step, compare the coverage record with the whole zone and check
    /// that every discarded page is free, and covered or with its event recorded.
    var audit = false

    init(variant: Variant, geometry: Geometry, workload: any Workload) throws {
        zone = try PortZone(variant: variant, geometry: geometry)
        self.workload = workload
        host = HostOracle(pages: geometry.zonePages)
        coverage = FlagCoverage(zone: zone)
        run = VariantRun(variant: variant, steps: 0, allocations: 0, failedAllocations: 0, passes: [],
                         reportedPages: 0, rereportedPages: 0, rereportedByCause: [:],
                         pageblockClaims: 0, violations: [])
        blocks = zone.pageblocks()
    }

    /// When a kernel check fired: the steps cut down to a minimal list that makes it
    /// fire on a new zone; empty otherwise.
    func minimalReplay() throws -> [String] {
        guard zone.violationCount > 0 else { return [] }
        return try Replay.minimalFiring(log, variant: zone.variant, geometry: zone.geometry).map(\.description)
    }

    /// Takes one step; returns a short description of what happened, nil when done.
    mutating func step() throws -> String? {
        let view = WorkloadView(live: live, livePages: livePages, lastAllocationFailed: lastFailed,
                                isolated: isolated)
        guard let next = workload.next(view) else { return nil }
        run.steps += 1
        let what = try take(next)
        if audit { try self.audit(after: what) }
        return what
    }

    private func audit(after what: String) throws {
        func fail(_ problem: String, _ pfns: [Int]) -> AuditFailure {
            AuditFailure(variant: zone.variant, step: run.steps, what: what, problem: problem, pfns: pfns)
        }
        let drift = coverage.disagreements(with: zone)
        if !drift.isEmpty { throw fail("the coverage record differs from the zone", drift) }
        let discarded = (0 ..< zone.geometry.zonePages).filter { host.isDiscarded($0) }
        let held = discarded.filter { coverage.block(at: $0) == nil }
        if !held.isEmpty { throw fail("discarded pages are not free", held) }
        let unexplained = discarded.filter { !coverage.covered[$0] && host.cause(at: $0) == nil }
        if !unexplained.isEmpty { throw fail("discarded pages left their Reported block with no event recorded", unexplained) }
    }

    private mutating func take(_ next: WorkloadStep) throws -> String {
        let pageblockOrder = zone.geometry.pageblockOrder
        log.append(next.operation)
        switch next {
        case .allocate(let order, let mt, let flags):
            run.allocations += 1
            if let pfn = try zone.allocate(order: order, migratetype: mt, flags: flags) {
                live.append((pfn, order))
                livePages += 1 << order
                host.allocated(pfn, order: order)
                lastFailed = false
                let now = zone.pageblocks()
                let claimed = Set(blocks.indices.filter { blocks[$0].migratetype != now[$0].migratetype })
                run.pageblockClaims += claimed.count
                blocks = now
                observe(.allocate(claimedPageblocks: claimed), around: [pfn])
                return "allocate o\(order) \(mt) -> \(pfn)"
            }
            run.failedAllocations += 1
            lastFailed = true
            return "allocate o\(order) \(mt) -> failed"
        case .free(let pfn, let order):
            if let i = live.firstIndex(where: { $0.pfn == pfn && $0.order == order }) {
                live.remove(at: i)
                livePages -= 1 << order
            }
            try zone.free(pfn: pfn, order: order)
            observe(.free, around: [pfn])
            return "free \(pfn) o\(order)"
        case .isolate(let pb):
            try zone.isolate(pageblock: pb)
            isolated.insert(pb)
            observe(.isolation, around: [pb << pageblockOrder])
            return "isolate \(pb)"
        case .unisolate(let pb):
            try zone.unisolate(pageblock: pb)
            isolated.remove(pb)
            blocks = zone.pageblocks()
            observe(.isolation, around: [pb << pageblockOrder])
            return "unisolate \(pb)"
        case .report(let failing):
            return try report(failing: Set(failing))
        }
    }

    /// One reporting pass whose host fails the batches at the indices in `failing`.
    /// Each batch's blocks are re-read when the next batch arrives (its drain is done
    /// by then) and after the pass.
    private mutating func report(failing: Set<Int>) throws -> String {
        var pass = PassMetrics(reportedPages: 0, rereportedPages: 0, batches: 0, failedBatches: 0, failedPages: 0)
        var previous: (ranges: [PfnRange], accepted: Bool)?
        let zone = self.zone
        let batches = try zone.reportingPass { ranges in
            if let p = previous { observe(.report(accepted: p.accepted), around: p.ranges.map(\.pfn)) }
            let accepted = !failing.contains(pass.batches)
            pass.batches += 1
            if accepted {
                for range in ranges {
                    for (cause, pages) in host.report(range) {
                        pass.rereportedPages += pages
                        run.rereportedByCause[cause, default: 0] += pages
                    }
                    coverage.assumeReported(range)
                }
            } else {
                pass.failedBatches += 1
                pass.failedPages += ranges.reduce(0) { $0 + $1.pages }
            }
            previous = (ranges, accepted)
            return accepted
        }
        if let p = previous { observe(.report(accepted: p.accepted), around: p.ranges.map(\.pfn)) }
        pass.reportedPages = batches.filter(\.succeeded).reduce(0) { $0 + $1.pages }
        if pass.batches > 0 { run.passes.append(pass) }
        run.reportedPages += pass.reportedPages
        run.rereportedPages += pass.rereportedPages
        let ranges = batches.flatMap(\.ranges).map(\.description)
        let failed = batches.contains { !$0.succeeded } ? " (failed batches: \(pass.failedBatches))" : ""
        return "report of \(ranges.count) block(s)\(failed): " + ranges.prefix(4).joined(separator: ", ")
            + (ranges.count > 4 ? ", ..." : "")
    }

    /// Re-reads the blocks around `pfns` after `change`, and records for every page the
    /// host holds as discarded that left its Reported block the event that did it.
    mutating func observe(_ change: Change, around pfns: [Int]) {
        let geometry = zone.geometry
        for loss in coverage.rescan(zone, around: pfns) where host.isDiscarded(loss.pfn) {
            let event: WasteCause.Event
            switch change {
            case .allocate(let claimed):
                if loss.after.order < loss.before.order {
                    event = .split
                } else if loss.after == loss.before && claimed.contains(loss.pfn >> geometry.pageblockOrder) {
                    event = .fallbackClaim
                } else {
                    event = .other("allocate")
                }
            case .free:
                event = loss.after.order > loss.before.order ? .freeMerge : .other("free")
            case .isolation:
                event = .isolation
            case .report(let accepted):
                event = !accepted ? .failedReport : loss.after.order > loss.before.order ? .reportMerge : .other("report")
            }
            host.lose(loss.pfn, cause: WasteCause(event: event,
                                                  belowReportingOrder: loss.after.order < geometry.pageReportingOrder))
        }
    }
}

public enum SemanticsRunner {
    /// Runs `workload` on both variants in step with each other. With `audit`, the
    /// record of covered pages is checked against the whole zone after every step
    /// (slow on large zones), and every discarded page is free and either covered or
    /// has its event recorded; a failure throws `AuditFailure`.
    public static func run(_ workload: any Workload, geometry: Geometry, geometryName: String,
                           seed: UInt64, audit: Bool = false) throws -> WorkloadResult {
        var base = try Lane(variant: .baseline, geometry: geometry, workload: workload)
        var patched = try Lane(variant: .patched, geometry: geometry, workload: workload)
        base.audit = audit
        patched.audit = audit
        var divergence: FirstDivergence?
        var step = 0
        while true {
            let a = try base.step()
            let b = try patched.step()
            if a == nil && b == nil { break }
            step += 1
            if divergence == nil {
                if a != b {
                    divergence = FirstDivergence(step: step, what: "baseline \(a ?? "finished"); patched \(b ?? "finished")")
                } else if base.zone.freeLists() != patched.zone.freeLists() {
                    divergence = FirstDivergence(step: step, what: "free lists differ after \(a ?? "")")
                }
            }
        }
        base.run.violationReplay = try base.minimalReplay()
        patched.run.violationReplay = try patched.minimalReplay()
        base.run.violations = base.zone.violations
        patched.run.violations = patched.zone.violations
        return WorkloadResult(workload: workload.name, summary: workload.summary, geometry: geometryName,
                              seed: seed, baseline: base.run, patched: patched.run,
                              firstDivergence: divergence)
    }
}
