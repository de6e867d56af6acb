// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import Differential
import Semantics
import Testing

@Suite("Exhaustive exploration")
struct ExplorationTests {
    // The first 20,000 states of tiny16 with every allocation order (0-3, movable and
    // unmovable): every one keeps every invariant in both variants, and the bound stops
    // the search before the space closes.
    @Test(arguments: Variant.allCases)
    func bounded(variant: Variant) throws {
        let r = try Exploration.explore(variant: variant, geometry: .tiny16, name: "tiny16",
                                        alphabet: ExplorationAlphabet(orders: 0 ... 3), maxStates: 20_000)
        #expect(r.states == 20_000)
        #expect(!r.closed)
        #expect(r.violations == [])
    }

    // A 4-page zone (two pageblocks of 2 pages, MAX_PAGE_ORDER 2, isolation included)
    // closes in both variants, every state checked.
    @Test(arguments: [(Variant.baseline, 6204), (.patched, 6204)])
    func closesOnFourPages(variant: Variant, states: Int) throws {
        let g = Geometry(nrPageblocks: 2, pageblockOrder: 1, maxPageOrder: 2, pageReportingOrder: 0,
                         reportingCapacity: 1)
        let r = try Exploration.explore(variant: variant, geometry: g, name: "tiny4",
                                        alphabet: ExplorationAlphabet(orders: 0 ... 2, isolation: true))
        #expect(r.closed)
        #expect(r.violations == [])
        #expect(r.states == states)
    }

    // The 16-page space of `verify-patch explore` (allocation orders 1-3, movable and
    // unmovable) closes, with these many states, none broken.
    @Test(.enabled(if: optimizedBuild, "about a million states per variant"),
          arguments: [(Variant.baseline, 924_798), (.patched, 1_072_436)])
    func closesOnSixteenPages(variant: Variant, states: Int) throws {
        let r = try Exploration.explore(variant: variant, geometry: .tiny16, name: "tiny16",
                                        alphabet: ExplorationAlphabet(orders: 1 ... 3))
        #expect(r.closed)
        #expect(r.violations == [])
        #expect(r.states == states)
    }

    // The checks see what the directed probe does. One pass of tiny16 reports block 0
    // (order 3); a host that discarded only pfns 8-15 makes it unsound. Then
    // split_large_buddy() on it with PG_reported kept: both variants free the pieces
    // with the flag set (the kernel's check in __free_one_page fires); the patched one
    // also leaves PG_reported on pfn 4 after the pieces merge back into block 0.
    @Test(arguments: Variant.allCases)
    func checksSeeTheProbe(variant: Variant) throws {
        let zone = try PortZone(variant: variant, geometry: .tiny16)
        #expect(try zone.reportingPass { _ in true }.flatMap(\.ranges) == [PfnRange(pfn: 0, order: 3)])
        #expect(Exploration.problems(in: zone, discarded: 0x00ff) == [])
        #expect(Exploration.problems(in: zone, discarded: 0xff00)
                == ["reported block at 0 of order 3 is not wholly discarded by the host"])
        try zone.probeSplitReported(pfn: 0)
        let check = "VM_BUG_ON_PAGE(page->flags.f & ((((1UL << __NR_PAGEFLAGS) - 1) & ~(1UL << PG_hwpoison))"
            + " | 0UL | 0UL)) in __free_one_page line 378 pfn 0"
        #expect(Exploration.problems(in: zone, discarded: 0x00ff)
                == (variant == .patched ? [check, "pfn 4 is PG_reported but no free block starts there"] : [check]))
    }

    // Shrinking keeps only what reaching the broken state needs. Here "broken" is two
    // live order-0 allocations: the passes, the larger allocations and the free go.
    @Test func shrinkKeepsWhatIsNeeded() throws {
        let ops: [Operation] = [
            .report(failing: []),
            .allocate(order: 3, migratetype: .movable, flags: []),
            .allocate(order: 1, migratetype: .unmovable, flags: []),
            .allocate(order: 0, migratetype: .movable, flags: []),
            .report(failing: [0]),
            .allocate(order: 2, migratetype: .movable, flags: []),
            .allocate(order: 0, migratetype: .unmovable, flags: []),
            .report(failing: []),
        ]
        let shrunk = try Exploration.shrink(ops, variant: .patched, geometry: .tiny16) { zone, _ in
            let small = (0 ..< 16).filter { zone.allocationOrder(at: $0) == 0 }
            return small.count == 2 ? "two order-0 allocations" : nil
        }
        #expect(shrunk.problem == "two order-0 allocations")
        #expect(shrunk.path == [.allocate(order: 0, migratetype: .movable, flags: []),
                                .allocate(order: 0, migratetype: .unmovable, flags: [])])
    }

    // A workload's replay is cut by chunks: out of 1,000 operations, the break needs
    // the free of pfn 100 and, after it, the free of pfn 700; the result is those two.
    @Test func minimizeByChunks() {
        let ops: [Operation] = (0 ..< 1000).map { .free(pfn: $0, order: 0) }
        let a = Operation.free(pfn: 100, order: 0), b = Operation.free(pfn: 700, order: 0)
        var replays = 0
        let result = Replay.minimize(ops) { candidate in
            replays += 1
            guard let i = candidate.firstIndex(of: a), let j = candidate[i...].firstIndex(of: b) else { return nil }
            return j
        }
        #expect(result == [a, b])
        #expect(replays == 49)
    }
}
