// SPDX-License-Identifier: GPL-2.0-only
//
// Minimal replays: a list of operations cut down, by replaying it on new zones, to one
// that still breaks something and from which no operation can be left out. Chunks go
// first (halves, quarters, ... single operations), so a workload's thousands of steps
// shrink in a few hundred replays; after each success the list is cut just after the
// operation where the break first shows.

import Differential

public enum Replay {
    /// Shrinks `ops` while `firstBreak` finds a break: it returns the index of the
    /// operation after which the list first breaks, or nil when it does not break (or
    /// an operation is refused).
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
}
