// SPDX-License-Identifier: GPL-2.0-only
//
// A workload run on two variants side by side, each with its own host, the same seed:
// the measurements of both, where they first show something different (shrunk to a
// minimal replay), how many steps each observable differed in, and the checks that
// failed in each, with their minimal replays.

import BuddyPort
import Differential

/// Something a zone lets one observe after a step.
public enum Observable: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// The operation's result: the pfn allocated, a failed allocation, a refusal.
    case result = "operation result"
    /// The ranges a reporting pass sent, batch by batch, and the host's answers.
    case reportedRanges = "reported ranges"
    /// Every free list, in order.
    case freeLists = "free lists"
    /// The flags of every page.
    case pageFlags = "page flags"
    /// Which pages head free blocks, and their orders.
    case freeBlocks = "free blocks"
    /// Every pageblock's migratetype and isolation.
    case pageblocks
    /// The zone's free page counters and per-order counts.
    case counters
    /// The reporting device's state and whether its work is queued.
    case reportingState = "reporting state"

    public var description: String { rawValue }

    /// What differs between two steps' records (the layout of bport_encode_state).
    static func differences(_ a: StepRecord, _ b: StepRecord, geometry g: Geometry) -> [Observable] {
        var out: [Observable] = []
        switch (a.outcome, b.outcome) {
        case (.reported(let x), .reported(let y)):
            if x != y { out.append(.reportedRanges) }
        default:
            if a.outcome != b.outcome { out.append(.result) }
        }
        if a.state != b.state {
            let countersEnd = 5 + g.maxPageOrder + 1
            let blocksEnd = countersEnd + g.nrPageblocks
            let pagesEnd = blocksEnd + g.zonePages
            if a.state.count != b.state.count || a.state[pagesEnd...] != b.state[pagesEnd...] { out.append(.freeLists) }
            if a.state[..<countersEnd] != b.state[..<countersEnd] { out.append(.counters) }
            if a.state[countersEnd ..< blocksEnd] != b.state[countersEnd ..< blocksEnd] { out.append(.pageblocks) }
            let pa = a.state[blocksEnd ..< pagesEnd], pb = b.state[blocksEnd ..< pagesEnd]
            if pa != pb {
                if !zip(pa, pb).allSatisfy({ $0 >> 16 == $1 >> 16 }) { out.append(.pageFlags) }
                if !zip(pa, pb).allSatisfy({ $0 & 0xffff == $1 & 0xffff }) { out.append(.freeBlocks) }
            }
        }
        if a.reporting != b.reporting || a.workQueued != b.workQueued { out.append(.reportingState) }
        return out
    }
}

/// Where two variants first showed something different.
public struct Difference: Sendable, Codable, Equatable {
    /// The step (1-based) after which it showed.
    public var step: Int
    public var observables: [Observable]
    /// The operation at that step and what each variant returned.
    public var operation: Operation
    public var base: String
    public var variant: String
    /// A minimal list of operations after which the two differ on new zones.
    public var replay: [Operation]
}

public struct WorkloadComparison: Sendable, Codable, Equatable {
    public var workload: String
    public var summary: String
    public var geometry: String
    public var seed: UInt64
    public var base: LaneMetrics
    public var variant: LaneMetrics
    /// Nil when every step showed the same on both.
    public var firstDifference: Difference?
    /// For each observable, the steps after which it differed (counted while both ran the
    /// same operation).
    public var stepsDiffering: [String: Int]

    /// Re-reported pages the variant saves against the base (negative: it re-reports more).
    public var savedPages: Int { base.rereportedPages - variant.rereportedPages }
}

public enum SideBySide {
    /// Runs `workload` on `base` and `variant` in step with each other. With `audit`, each
    /// lane's record of covered pages is checked against the whole zone after every step.
    /// Without `shrink`, each replay is the whole prefix of the run up to where it showed;
    /// `WorkloadComparison.shrink` cuts them down later (on another build of the same
    /// variants, say, so that a coverage build counts only the run).
    public static func run(_ workload: any Workload, base: Variant, variant: Variant, geometry: Geometry,
                           geometryName: String, seed: UInt64, audit: Bool = false, shrink: Bool = true,
                           progress: ((Int) -> Void)? = nil) throws -> WorkloadComparison {
        var a = try Lane(variant: base, geometry: geometry, workload: workload, audit: audit)
        var b = try Lane(variant: variant, geometry: geometry, workload: workload, audit: audit)
        var first: (step: Int, observables: [Observable], op: Operation, a: Outcome, b: Outcome)?
        var differing: [String: Int] = [:]
        var step = 0
        while true {
            let opA = a.nextOperation(), opB = b.nextOperation()
            if opA == nil && opB == nil { break }
            step += 1
            progress?(step)
            let ra = try opA.map { try a.take($0) }
            let rb = try opB.map { try b.take($0) }
            guard let ra, let rb, opA == opB else {
                if first == nil, let op = opA ?? opB {
                    first = (step, [.result], op, ra?.outcome ?? .done, rb?.outcome ?? .done)
                }
                continue
            }
            let differs = Observable.differences(ra, rb, geometry: geometry)
            for o in differs { differing[o.rawValue, default: 0] += 1 }
            if first == nil, !differs.isEmpty { first = (step, differs, opA!, ra.outcome, rb.outcome) }
        }
        a.finalCheck()
        b.finalCheck()
        var result = WorkloadComparison(workload: workload.name, summary: workload.summary, geometry: geometryName,
                                        seed: seed, base: a.metrics, variant: b.metrics,
                                        firstDifference: nil, stepsDiffering: differing)
        if let first {
            result.firstDifference = Difference(step: first.step, observables: first.observables, operation: first.op,
                                                base: first.a.description, variant: first.b.description,
                                                replay: Array(a.log.prefix(first.step)))
        }
        result.base.failures = withPrefixes(a.metrics.failures, log: a.log)
        result.variant.failures = withPrefixes(b.metrics.failures, log: b.log)
        if shrink { try result.shrink(base: base, variant: variant, geometry: geometry) }
        return result
    }

    /// Each failure with the run's operations up to it as its replay, to be shrunk.
    static func withPrefixes(_ failures: [CheckFailure], log: [Operation]) -> [CheckFailure] {
        failures.map { failure in
            var f = failure
            f.replay = Array(log.prefix(failure.step))
            return f
        }
    }

    static func shrunk(_ failures: [CheckFailure], variant: Variant, geometry: Geometry) throws -> [CheckFailure] {
        try failures.map { failure in
            var f = failure
            f.replay = try Replay.minimalFailure(failure.replay, kind: failure.kind, variant: variant, geometry: geometry)
            return f
        }
    }
}

extension WorkloadComparison {
    /// Cuts the first difference's replay and every failure's replay down to minimal
    /// ones, replaying them on `base` and `variant` (the variants the run ran, or other
    /// builds of the same text).
    public mutating func shrink(base: Variant, variant: Variant, geometry: Geometry) throws {
        if let d = firstDifference {
            firstDifference?.replay = try Replay.minimalDifference(d.replay, base: base, variant: variant, geometry: geometry)
        }
        self.base.failures = try SideBySide.shrunk(self.base.failures, variant: base, geometry: geometry)
        self.variant.failures = try SideBySide.shrunk(self.variant.failures, variant: variant, geometry: geometry)
    }
}
