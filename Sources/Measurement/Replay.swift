// SPDX-License-Identifier: GPL-2.0-only
//
// Minimal replays: a list of operations cut down, by replaying it on new zones, to one
// that still shows what it showed (a check that fails, two variants that differ) and
// from which no operation can be left out. Chunks go first (halves, quarters, ...
// single operations), so thousands of steps shrink in a few hundred replays; after each
// success the list is cut just after the operation where it first shows.

import BuddyPort
import Differential
import Invariants

public enum Replay {
    /// Shrinks `ops` while `firstBreak` finds a break: it returns the index of the
    /// operation after which the list first breaks, or nil when it does not break.
    public static func minimize(_ ops: [Operation], firstBreak: ([Operation]) throws -> Int?) rethrows -> [Operation] {
        guard let at = try firstBreak(ops) else { return ops }
        var best = Array(ops.prefix(at + 1))
        var chunk = max(1, best.count / 2)
        while true {
            var start = 0
            var removed = false
            while start < best.count {
                var candidate = best
                candidate.removeSubrange(start ..< min(start + chunk, best.count))
                if let at = try firstBreak(candidate) {
                    best = Array(candidate.prefix(at + 1))
                    removed = true
                } else {
                    start += chunk
                }
            }
            if chunk == 1 && !removed { return best }
            if !removed { chunk = max(1, chunk / 2) }
        }
    }

    /// The shortest list `minimize` finds that makes a check of `kind` fail in `variant`
    /// on a new zone: a kernel check after any operation, an invariant or soundness (the
    /// host's discarded pages beside the zone) after the last.
    public static func minimalFailure(_ ops: [Operation], kind: CheckFailure.Kind, variant: Variant,
                                      geometry: Geometry) throws -> [Operation] {
        var invariants = ZoneInvariants(geometry: geometry)
        return try minimize(ops) { candidate in
            var zone = try ReplayZone(variant: variant, geometry: geometry)
            for (i, op) in candidate.enumerated() {
                _ = zone.take(op)
                if kind == .kernelCheck && zone.zone.violationCount > 0 { return i }
            }
            guard kind != .kernelCheck, let first = zone.problems(&invariants).first else { return nil }
            let unsound = first.contains("not wholly discarded")
            return (kind == .soundness) == unsound ? candidate.count - 1 : nil
        }
    }

    /// The shortest list `minimize` finds after which `base` and `variant`, given the same
    /// operations on new zones, differ in what they show.
    public static func minimalDifference(_ ops: [Operation], base: Variant, variant: Variant,
                                         geometry: Geometry) throws -> [Operation] {
        try minimize(ops) { candidate in try firstDifference(candidate, base: base, variant: variant, geometry: geometry)?.index }
    }

    /// Where `base` and `variant` first differ on the same operations, with what differs:
    /// the operations' results and the reporting state are compared after every
    /// operation, the whole state after the last.
    public static func firstDifference(_ ops: [Operation], base: Variant, variant: Variant,
                                       geometry: Geometry) throws -> (index: Int, observables: [Observable])? {
        var a = try ReplayZone(variant: base, geometry: geometry)
        var b = try ReplayZone(variant: variant, geometry: geometry)
        for (i, op) in ops.enumerated() {
            let last = i == ops.count - 1
            let ra = a.take(op, state: last), rb = b.take(op, state: last)
            let differs = Observable.differences(ra, rb, geometry: geometry)
            if !differs.isEmpty { return (i, differs) }
        }
        return nil
    }
}

/// A zone replayed without a lane's measurements: the operations' results and, for
/// soundness, the pages the host holds as discarded.
struct ReplayZone {
    let zone: PortZone
    var discarded: [Bool]
    var encoded: [Int] = []

    init(variant: Variant, geometry: Geometry) throws {
        zone = try PortZone(variant: variant, geometry: geometry)
        discarded = Array(repeating: false, count: geometry.zonePages)
    }

    mutating func take(_ op: Operation, state: Bool = false) -> StepRecord {
        let outcome = zone.run(op)
        switch outcome {
        case .reported(let batches):
            for batch in batches where batch.succeeded {
                for range in batch.ranges { for pfn in range.pfns where pfn < discarded.count { discarded[pfn] = true } }
            }
        case .allocated(let pfn?):
            if case .allocate(let order, _, _) = op {
                for p in pfn ..< min(pfn + (1 << order), discarded.count) { discarded[p] = false }
            }
        default:
            break
        }
        if state { zone.encodeState(into: &encoded) }
        return StepRecord(outcome: outcome, state: state ? encoded : [], reporting: zone.reportingState,
                          workQueued: zone.reportingWorkQueued)
    }

    mutating func problems(_ invariants: inout ZoneInvariants) -> [String] {
        zone.encodeState(into: &encoded)
        let allocation = (0 ..< zone.geometry.zonePages).map { zone.allocationOrder(at: $0) ?? -1 }
        let discarded = self.discarded
        return invariants.problems(encoded, allocation: allocation) { $0.allSatisfy { $0 < discarded.count && discarded[$0] } }
    }
}
