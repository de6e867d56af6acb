// SPDX-License-Identifier: GPL-2.0-only
//
// One variant's zone driven by a workload, with a host that remembers what it discarded:
// what reaches the host (pages per pass, pages re-reported by the event that took
// PG_reported off them), what the guest pays (failed allocations, pages handed out that
// the host had discarded), what the allocator did (pageblocks claimed), and whether it
// stayed correct (kernel checks that fired, the zone's invariants, soundness of every
// PG_reported block against the host).

import BuddyPort
import Differential
import Invariants

/// One reporting pass, as the host saw it.
public struct PassMetrics: Sendable, Codable, Equatable {
    public var reportedPages: Int
    public var rereportedPages: Int
    public var batches: Int
    public var failedBatches: Int
    /// Pages in the batches the host failed: not discarded, sent again later.
    public var failedPages: Int
}

/// A check that failed in a lane: a kernel check that fired, an invariant of the zone, or
/// soundness (a PG_reported block the host does not hold as discarded).
public struct CheckFailure: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case kernelCheck = "kernel check"
        case invariant
        case soundness
    }

    public var kind: Kind
    /// The step after which it was seen (1-based).
    public var step: Int
    public var what: String
    /// The kernel check itself, when one fired.
    public var violation: Violation?
    /// Where the check is in the kernel's coordinates ("mm/page_alloc.c:850 (7.3.4)", or
    /// the patch and hunk that added it), when the caller knows the variant's origins.
    public var location: String?
    /// A minimal list of operations that makes it happen again on a new zone.
    public var replay: [Operation] = []
}

/// One variant's run of one workload.
public struct LaneMetrics: Sendable, Codable, Equatable {
    public var variant: Variant
    public var steps = 0
    public var allocations = 0
    public var failedAllocations = 0
    /// Reporting passes that sent something.
    public var passes: [PassMetrics] = []
    public var reportedPages = 0
    public var rereportedPages = 0
    /// Re-reported pages by the event that took the flag off them
    /// (`WasteCause.description`); the counts sum to `rereportedPages`.
    public var rereportedByCause: [String: Int] = [:]
    /// Pageblocks whose migratetype an allocation changed (fallback claims, CMA aside).
    public var pageblockClaims = 0
    /// Allocations that handed out pages the host had discarded, and those pages: each
    /// costs the host a fault when the guest first touches it.
    public var refaultAllocations = 0
    public var refaultPages = 0
    /// The first failure of each kind, if any.
    public var failures: [CheckFailure] = []

    public init(variant: Variant) { self.variant = variant }

    /// report() calls in all passes, and how many of them the host failed.
    public var batches: Int { passes.reduce(0) { $0 + $1.batches } }
    public var failedBatches: Int { passes.reduce(0) { $0 + $1.failedBatches } }
    public var failedBatchPages: Int { passes.reduce(0) { $0 + $1.failedPages } }
    public var broken: Bool { !failures.isEmpty }
}

/// What one step did, as the other variant's lane can compare it.
public struct StepRecord: Sendable, Equatable {
    public var outcome: Outcome
    public var state: [Int]
    public var reporting: ReportingState
    public var workQueued: Bool
}

/// A zone, its host and its workload.
public struct Lane {
    /// The kind of step that changed coverage, with what is needed to name the event.
    enum Change {
        case allocate(claimedPageblocks: Set<Int>)
        case free
        case isolation
        case report(accepted: Bool)
    }

    public let zone: PortZone
    var workload: any Workload
    var host: HostOracle
    var coverage: FlagCoverage
    var invariants: ZoneInvariants
    var live: [(pfn: Int, order: Int)] = []
    /// Every step taken, for replay.
    public private(set) var log: [Operation] = []
    var livePages = 0
    var lastFailed = false
    var isolated = Set<Int>()
    public private(set) var metrics: LaneMetrics
    /// Full invariant checks every this many steps (and after the last); soundness and
    /// kernel checks after every step.
    let invariantInterval: Int
    var encoded: [Int] = []
    /// After every step, compare the coverage record with the whole zone and check
    /// that every discarded page is free, and covered or with its event recorded.
    var audit = false

    /// `invariantInterval`: full invariant checks every this many steps; by default every
    /// step on zones of at most 1024 pages, every 256 steps on larger ones.
    public init(variant: Variant, geometry: Geometry, workload: any Workload, audit: Bool = false,
                invariantInterval: Int? = nil) throws {
        zone = try PortZone(variant: variant, geometry: geometry)
        self.workload = workload
        host = HostOracle(pages: geometry.zonePages)
        coverage = FlagCoverage(zone: zone)
        invariants = ZoneInvariants(geometry: geometry)
        metrics = LaneMetrics(variant: variant)
        self.invariantInterval = invariantInterval ?? (geometry.zonePages <= 1024 ? 1 : 256)
        self.audit = audit
    }

    /// The next operation the workload asks for, nil when it is done.
    mutating func nextOperation() -> Operation? {
        workload.next(WorkloadView(live: live, livePages: livePages, lastAllocationFailed: lastFailed,
                                   isolated: isolated))
    }

    /// Takes `op`, checks the zone, and returns what can be compared; without `state`,
    /// the record leaves the zone's encoded state out (cheaper on large zones).
    public mutating func take(_ op: Operation, state: Bool = true) throws -> StepRecord {
        metrics.steps += 1
        log.append(op)
        let violationsBefore = zone.violationCount
        let outcome = try apply(op)
        if audit { try self.audit(after: op) }
        check(violationsBefore: violationsBefore, full: metrics.steps % invariantInterval == 0)
        return StepRecord(outcome: outcome, state: state ? encodedState() : [], reporting: zone.reportingState,
                          workQueued: zone.reportingWorkQueued)
    }

    /// The zone's state as bport_encode_state() writes it.
    mutating func encodedState() -> [Int] {
        zone.encodeState(into: &encoded)
        return encoded
    }

    /// The checks after a step: kernel checks always, invariants when `full` (their
    /// soundness part included), soundness of the blocks the step re-read otherwise.
    mutating func check(violationsBefore: Int, full: Bool) {
        if zone.violationCount > violationsBefore, !metrics.failures.contains(where: { $0.kind == .kernelCheck }) {
            let v = zone.violations.count > violationsBefore ? zone.violations[violationsBefore] : nil
            metrics.failures.append(CheckFailure(kind: .kernelCheck, step: metrics.steps,
                                                 what: v?.description ?? "a kernel check fired", violation: v))
        }
        if full { finalCheck() }
    }

    /// The whole zone's invariants, now.
    mutating func finalCheck() {
        guard !metrics.failures.contains(where: { $0.kind == .invariant || $0.kind == .soundness }) else { return }
        zone.encodeState(into: &encoded)
        let allocation = (0 ..< zone.geometry.zonePages).map { zone.allocationOrder(at: $0) ?? -1 }
        let host = self.host
        let problems = invariants.problems(encoded, allocation: allocation) { host.holds($0) }
        if let first = problems.first {
            let kind: CheckFailure.Kind = first.contains("not wholly discarded") ? .soundness : .invariant
            metrics.failures.append(CheckFailure(kind: kind, step: metrics.steps, what: first, violation: nil))
        }
    }

    private func audit(after op: Operation) throws {
        func fail(_ problem: String, _ pfns: [Int]) -> AuditFailure {
            AuditFailure(variant: zone.variant, step: metrics.steps, what: op.description, problem: problem, pfns: pfns)
        }
        let drift = coverage.disagreements(with: zone)
        if !drift.isEmpty { throw fail("the coverage record differs from the zone", drift) }
        let discarded = (0 ..< zone.geometry.zonePages).filter { host.isDiscarded($0) }
        let held = discarded.filter { coverage.block(at: $0) == nil }
        if !held.isEmpty { throw fail("discarded pages are not free", held) }
        let unexplained = discarded.filter { !coverage.covered[$0] && host.cause(at: $0) == nil }
        if !unexplained.isEmpty { throw fail("discarded pages left their Reported block with no event recorded", unexplained) }
    }

    private mutating func apply(_ op: Operation) throws -> Outcome {
        let pageblockOrder = zone.geometry.pageblockOrder
        do {
            switch op {
            case .allocate(let order, let mt, let flags):
                metrics.allocations += 1
                // What passes, frees and unisolations changed is no claim: compare with
                // the pageblocks just before the allocation.
                let before = zone.pageblocks()
                guard let pfn = try zone.allocate(order: order, migratetype: mt, flags: flags) else {
                    metrics.failedAllocations += 1
                    lastFailed = true
                    return .allocated(nil)
                }
                live.append((pfn, order))
                livePages += 1 << order
                let refaults = host.allocated(pfn, order: order)
                if refaults > 0 {
                    metrics.refaultAllocations += 1
                    metrics.refaultPages += refaults
                }
                lastFailed = false
                let now = zone.pageblocks()
                let claimed = Set(before.indices.filter { before[$0].migratetype != now[$0].migratetype })
                metrics.pageblockClaims += claimed.count
                observe(.allocate(claimedPageblocks: claimed), around: [pfn])
                return .allocated(pfn)
            case .free(let pfn, let order):
                try zone.free(pfn: pfn, order: order)
                if let i = live.firstIndex(where: { $0.pfn == pfn && $0.order == order }) {
                    live.remove(at: i)
                    livePages -= 1 << order
                }
                observe(.free, around: [pfn])
                return .done
            case .isolate(let pb):
                try zone.isolate(pageblock: pb)
                isolated.insert(pb)
                observe(.isolation, around: [pb << pageblockOrder])
                return .done
            case .unisolate(let pb):
                try zone.unisolate(pageblock: pb)
                isolated.remove(pb)
                observe(.isolation, around: [pb << pageblockOrder])
                return .done
            case .idle(let failing):
                return .reported(try idle(failing: Set(failing)))
            }
        } catch let error as AllocatorError {
            return .refused(error)
        }
    }

    /// The guest idles; when a pass runs, its host fails the batches at the indices in
    /// `failing`. Each batch's blocks are re-read when the next batch arrives (its drain
    /// is done by then) and after the pass.
    private mutating func idle(failing: Set<Int>) throws -> [ReportBatch] {
        var pass = PassMetrics(reportedPages: 0, rereportedPages: 0, batches: 0, failedBatches: 0, failedPages: 0)
        var previous: (ranges: [PfnRange], accepted: Bool)?
        let zone = self.zone
        let batches = try zone.idle { ranges in
            if let p = previous { observe(.report(accepted: p.accepted), around: p.ranges.map(\.pfn)) }
            let accepted = !failing.contains(pass.batches)
            pass.batches += 1
            if accepted {
                for range in ranges {
                    for (cause, pages) in host.report(range) {
                        pass.rereportedPages += pages
                        metrics.rereportedByCause[cause, default: 0] += pages
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
        if pass.batches > 0 { metrics.passes.append(pass) }
        metrics.reportedPages += pass.reportedPages
        metrics.rereportedPages += pass.rereportedPages
        return batches
    }

    /// Re-reads the blocks around `pfns` after `change`: records for every page the host
    /// holds as discarded that left its Reported block the event that did it, and checks
    /// that every page left in a Reported block is one the host holds.
    mutating func observe(_ change: Change, around pfns: [Int]) {
        let geometry = zone.geometry
        let scan = coverage.rescan(zone, around: pfns)
        for loss in scan.losses where host.isDiscarded(loss.pfn) {
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
        if let pfn = scan.covered.first(where: { !host.isDiscarded($0) }),
           !metrics.failures.contains(where: { $0.kind == .soundness }) {
            let block = coverage.block(at: pfn).map { "\($0.pfn)+\($0.pages)" } ?? "\(pfn)"
            metrics.failures.append(CheckFailure(
                kind: .soundness, step: metrics.steps,
                what: "block \(block) is PG_reported but the host does not hold pfn \(pfn) as discarded",
                violation: nil))
        }
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
