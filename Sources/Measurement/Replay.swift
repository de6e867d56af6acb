// SPDX-License-Identifier: GPL-2.0-only
//
// Minimal replays: a list of operations cut down, by replaying it on new zones, to one
// that still shows what it showed (a check that fails, two variants that differ) and
// from which no operation can be left out. Chunks go first (halves, quarters, ...
// single operations), so thousands of steps shrink in a few hundred replays; after each
// success the list is cut just after the operation where it first shows.

import BuddyPort
import Differential

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
    /// on a new zone, every check run after every operation.
    public static func minimalFailure(_ ops: [Operation], kind: CheckFailure.Kind, variant: Variant,
                                      geometry: Geometry) throws -> [Operation] {
        try minimize(ops) { candidate in
            var lane = try Lane(variant: variant, geometry: geometry,
                                workload: ScriptedWorkload(name: "replay", steps: candidate),
                                invariantInterval: 1)
            for (i, op) in candidate.enumerated() {
                _ = try lane.take(op)
                if lane.metrics.failures.contains(where: { $0.kind == kind }) { return i }
            }
            return nil
        }
    }

    /// The shortest list `minimize` finds after which `base` and `variant`, given the same
    /// operations on new zones, differ in what they show.
    public static func minimalDifference(_ ops: [Operation], base: Variant, variant: Variant,
                                         geometry: Geometry) throws -> [Operation] {
        try minimize(ops) { candidate in try firstDifference(candidate, base: base, variant: variant, geometry: geometry)?.index }
    }

    /// Where `base` and `variant` first differ on the same operations, with what differs.
    public static func firstDifference(_ ops: [Operation], base: Variant, variant: Variant,
                                       geometry: Geometry) throws -> (index: Int, observables: [Observable])? {
        let script = ScriptedWorkload(name: "replay", steps: ops)
        var a = try Lane(variant: base, geometry: geometry, workload: script, invariantInterval: Int.max)
        var b = try Lane(variant: variant, geometry: geometry, workload: script, invariantInterval: Int.max)
        for (i, op) in ops.enumerated() {
            let ra = try a.take(op), rb = try b.take(op)
            let differs = Observable.differences(ra, rb, geometry: geometry)
            if !differs.isEmpty { return (i, differs) }
        }
        return nil
    }
}
