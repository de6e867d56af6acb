// SPDX-License-Identifier: GPL-2.0-only
//
// Replay.minimize on predicates whose answer is known: what it keeps, and how many
// times it asks.

import Measurement
import BuddyPort
import Testing

@Suite("Minimal replays")
struct ReplayTests {
    /// Sixteen operations told apart by their pfn.
    static let ops = (0 ..< 16).map { Operation.free(pfn: $0, order: 0) }

    /// Breaks when the list holds pfn 3 and, after it, pfn 11; the break is at 11.
    static func firstBreak(_ list: [Operation]) -> Int? {
        guard let three = list.firstIndex(of: .free(pfn: 3, order: 0)),
              let eleven = list.firstIndex(of: .free(pfn: 11, order: 0)), three < eleven else { return nil }
        return eleven
    }

    // The whole list breaks at index 11: pfns 12-15 are cut without a call (1 call).
    // Chunks of 6 (12 / 2): without 0-5 or 6-11 it does not break (2 calls). Chunks of
    // 3: without 0-2 it breaks ([3..11]); then without 3-5 not, without 6-8 it breaks
    // ([3, 4, 5, 9, 10, 11]); without 9-11 not (4 calls); the second round of 3 removes
    // nothing (2 calls). Single operations: without 3 not; 4, 5, 9 and 10 go one after
    // the other, 11 cannot (6 calls); the last round removes nothing (2 calls).
    // [3, 11] after 17 calls.
    @Test func keepsWhatTheBreakNeeds() {
        var calls = 0
        let kept = Replay.minimize(Self.ops) { list in
            calls += 1
            return Self.firstBreak(list)
        }
        #expect(kept == [.free(pfn: 3, order: 0), .free(pfn: 11, order: 0)])
        #expect(calls == 17)
    }

    // A list that does not break comes back whole after one call.
    @Test func aListThatDoesNotBreakStaysWhole() {
        var calls = 0
        let kept = Replay.minimize(Array(Self.ops.prefix(11))) { list in
            calls += 1
            return Self.firstBreak(list)
        }
        #expect(kept == Array(Self.ops.prefix(11)))
        #expect(calls == 1)
    }

    // Breaking on any list that holds pfn 0 at its start: the first call breaks at
    // index 0, which cuts the list to [0]; removing it leaves an empty list that does
    // not break. [0] after 2 calls.
    @Test func aBreakAtTheFirstOperation() {
        var calls = 0
        let kept = Replay.minimize(Self.ops) { list in
            calls += 1
            return list.first == .free(pfn: 0, order: 0) ? 0 : nil
        }
        #expect(kept == [.free(pfn: 0, order: 0)])
        #expect(calls == 2)
    }
}
