// SPDX-License-Identifier: GPL-2.0-only
//
// Allocation, splitting, freeing, merging and the fallback paths.

import BuddyModel
import TestVariants
import Testing

@Suite struct AllocationTests {
    @Test(arguments: TestVariant.allCases)
    func splitThenMergeBack(variant: TestVariant) throws {
        var model = try makeModel(.tiny16, variant)
        let boot = model.snapshot()
        let pfn = try model.allocate(order: 0, migratetype: .movable, flags: [])
        #expect(pfn == 0)
        #expect(model.nonEmptyLists == ["0/Movable": [1], "1/Movable": [2], "2/Movable": [4],
                                        "3/Movable": [8]])
        #expect(model.liveAllocations == [0: 0])
        let snap = model.snapshot()
        #expect(snap.pages[0] == PageState(flags: .lru, isBuddy: false, order: 0))
        #expect(snap.pages[1] == PageState(flags: [], isBuddy: true, order: 0))
        #expect(snap.pages[2] == PageState(flags: [], isBuddy: true, order: 1))
        #expect(snap.pages[4] == PageState(flags: [], isBuddy: true, order: 2))
        #expect(snap.counters == Counters(freePages: 15, freePagesBlocks: 12, freeCMAPages: 0,
                                          freeHighAtomic: 0, isolatedPageblocks: 0,
                                          nrFree: [1, 1, 1, 1]))
        #expect(model.checkInvariants() == [])
        #expect(model.checkInvariantsFast() == [])

        try model.free(pfn: 0, order: 0)
        #expect(model.snapshot() == boot)
        #expect(model.liveAllocations.isEmpty)
        #expect(model.checkInvariants() == [])
    }

    @Test func unmovableAllocationsHaveNoLRU() throws {
        var model = try makeModel(.tiny16)
        let pfn = try #require(try model.allocate(order: 1, migratetype: .unmovable, flags: []))
        // The movable block at 0 is claimed whole: order 3 >= pageblock_order.
        #expect(pfn == 0)
        let snap = model.snapshot()
        #expect(snap.pages[0].flags == [])
        #expect(snap.pages[1].flags == [])
        #expect(snap.pageblocks.map(\.migratetype) == [.unmovable, .unmovable, .movable, .movable])
        #expect(model.nonEmptyLists == ["1/Unmovable": [2], "2/Unmovable": [4],
                                        "3/Movable": [8]])
        #expect(model.checkInvariants() == [])
    }

    /// buddy_merge_likely(): a freed block goes to the tail when the block it would form has
    /// a free buddy.
    @Test func mergeLikelyPutsAtTail() throws {
        var model = try makeModel(.tiny64)
        var got: [Int?] = []
        for _ in 0 ..< 4 {
            got.append(try model.allocate(order: 1, migratetype: .movable, flags: []))
        }
        got.append(try model.allocate(order: 3, migratetype: .movable, flags: []))
        got.append(try model.allocate(order: 2, migratetype: .movable, flags: []))
        #expect(got == [0, 2, 4, 6, 8, 16])
        #expect(model.nonEmptyLists == ["2/Movable": [20], "3/Movable": [24],
                                        "4/Movable": [32, 48]])
        // At MAX_PAGE_ORDER - 1 the head is always chosen.
        try model.free(pfn: 8, order: 3)
        #expect(model.freeList(order: 3, migratetype: .movable) == [8, 24])
        // The order-2 block 4 would form has no free buddy (0 is allocated): head.
        try model.free(pfn: 4, order: 1)
        #expect(model.freeList(order: 1, migratetype: .movable) == [4])
        try model.free(pfn: 0, order: 1)
        #expect(model.freeList(order: 1, migratetype: .movable) == [0, 4])
        // 2 merges with 0 into an order-2 block; the order-3 block that would form has a
        // free order-3 buddy (8): tail.
        try model.free(pfn: 2, order: 1)
        #expect(model.freeList(order: 2, migratetype: .movable) == [20, 0])
        #expect(model.freeList(order: 1, migratetype: .movable) == [4])
        // 6 merges with 4, 0 and 8 up to order 4, which goes to the head.
        try model.free(pfn: 6, order: 1)
        #expect(model.nonEmptyLists == ["2/Movable": [20], "3/Movable": [24],
                                        "4/Movable": [0, 32, 48]])
        #expect(model.liveAllocations == [16: 2])
        #expect(model.checkInvariants() == [])
    }

    /// try_to_claim_block() below pageblock_order: enough free pages claim the pageblock.
    @Test(arguments: TestVariant.allCases)
    func claimWholePageblock(variant: TestVariant) throws {
        var geometry = Geometry.tiny64
        geometry.initialMigratetypes = [.movable] + Array(repeating: .cma, count: 7)
        var model = try makeModel(geometry, variant)
        #expect(model.nonEmptyLists == ["3/Movable": [0], "3/CMA": [8], "4/CMA": [16, 32, 48]])
        #expect(model.counters.freeCMAPages == 56)

        #expect(try model.allocate(order: 0, migratetype: .movable, flags: []) == 0)
        #expect(model.nonEmptyLists == ["0/Movable": [1], "1/Movable": [2], "2/Movable": [4],
                                        "3/CMA": [8], "4/CMA": [16, 32, 48]])
        // Pageblock 0 holds 7 free pages and 1 movable page: 7 + 0 alike >= 4, so the
        // unmovable allocation claims it, moving its free blocks to the unmovable lists.
        #expect(try model.allocate(order: 0, migratetype: .unmovable, flags: []) == 1)
        #expect(model.nonEmptyLists == ["1/Unmovable": [2], "2/Unmovable": [4],
                                        "3/CMA": [8], "4/CMA": [16, 32, 48]])
        let snap = model.snapshot()
        #expect(snap.pageblocks[0] == PageblockState(migratetype: .unmovable, isolated: false))
        #expect(snap.pages[0].flags == .lru)
        #expect(snap.pages[1].flags == [])
        #expect(snap.counters.freePages == 62)
        #expect(snap.counters.freeCMAPages == 56)
        #expect(model.liveAllocations == [0: 0, 1: 0])
        #expect(model.checkInvariants() == [])
    }

    /// Too few free or compatible pages: no claim; the page is stolen unless NOFRAGMENT.
    @Test func stealWhenClaimFails() throws {
        var geometry = Geometry.tiny64
        geometry.initialMigratetypes = [.unmovable] + Array(repeating: .cma, count: 7)
        var model = try makeModel(geometry)
        var got: [Int?] = []
        for _ in 0 ..< 5 {
            got.append(try model.allocate(order: 0, migratetype: .unmovable, flags: []))
        }
        #expect(got == [0, 1, 2, 3, 4])
        #expect(model.nonEmptyLists == ["0/Unmovable": [5], "1/Unmovable": [6], "3/CMA": [8],
                                        "4/CMA": [16, 32, 48]])
        let before = model.snapshot()
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: .noFragment) == nil)
        #expect(model.snapshot() == before)
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: []) == 5)
        #expect(model.snapshot().pageblocks[0].migratetype == .unmovable)
        #expect(model.snapshot().pages[5].flags == .lru)
        #expect(model.nonEmptyLists == ["1/Unmovable": [6], "3/CMA": [8], "4/CMA": [16, 32, 48]])
        #expect(model.checkInvariants() == [])
    }

    /// ALLOC_CMA: the CMA lists are tried after the movable ones, or first when CMA holds
    /// more than half of the free pages.
    @Test func cmaAllocation() throws {
        var geometry = Geometry.tiny16
        geometry.initialMigratetypes = [.movable, .cma, .cma, .cma]
        var model = try makeModel(geometry)
        #expect(model.nonEmptyLists == ["2/Movable": [0], "2/CMA": [4], "3/CMA": [8]])
        // 12 of 16 free pages are CMA: more than half, so CMA comes first.
        #expect(try model.allocate(order: 2, migratetype: .movable, flags: .cma) == 4)
        // Now CMA holds 8 of 12: still more than half.
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: .cma) == 8)
        // 7 of 11 is still more than half; CMA again, from the order-0 page split off.
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: .cma) == 9)
        // 6 of 10: more than half again.
        #expect(try model.allocate(order: 1, migratetype: .movable, flags: .cma) == 10)
        // 4 of 8 is not more than half: the movable lists come first.
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: .cma) == 0)
        // Without ALLOC_CMA CMA pages are never used: only the 3 movable pages remain.
        #expect(try model.allocate(order: 2, migratetype: .movable, flags: []) == nil)
        #expect(model.counters.freeCMAPages == 4)
        #expect(model.counters.freePages == 7)
        #expect(model.checkInvariants() == [])
    }

    @Test func refusedCallsChangeNothing() throws {
        var model = try makeModel(.tiny16)
        _ = try model.allocate(order: 1, migratetype: .movable, flags: [])
        let before = model.snapshot()

        func expectError(_ expected: AllocatorError, _ body: (inout BuddyModel) throws -> Void) {
            do {
                try body(&model)
                Issue.record("expected \(expected)")
            } catch {
                #expect(error as? AllocatorError == expected)
            }
            #expect(model.snapshot() == before)
        }
        expectError(.invalidOrder(4)) { _ = try $0.allocate(order: 4, migratetype: .movable, flags: []) }
        expectError(.invalidOrder(-1)) { _ = try $0.allocate(order: -1, migratetype: .movable, flags: []) }
        expectError(.invalidMigratetype(4)) { _ = try $0.allocate(order: 0, migratetype: .cma, flags: []) }
        expectError(.invalidMigratetype(3)) { _ = try $0.allocate(order: 0, migratetype: .highAtomic, flags: []) }
        expectError(.invalidMigratetype(5)) { _ = try $0.allocate(order: 0, migratetype: .isolate, flags: []) }
        expectError(.invalidOrder(9)) { _ = try $0.allocate(order: 9, migratetype: .isolate, flags: .cma) }
        expectError(.invalidFlags(4)) {
            _ = try $0.allocate(order: 0, migratetype: .movable, flags: AllocFlags(rawValue: 4))
        }
        expectError(.invalidFlags(2)) { _ = try $0.allocate(order: 0, migratetype: .unmovable, flags: .cma) }
        expectError(.pfnOutOfRange(pfn: 16)) { try $0.free(pfn: 16, order: 9) }
        expectError(.pfnOutOfRange(pfn: -1)) { try $0.free(pfn: -1, order: 0) }
        expectError(.invalidOrder(4)) { try $0.free(pfn: 1, order: 4) }
        expectError(.unalignedPfn(pfn: 1, order: 1)) { try $0.free(pfn: 1, order: 1) }
        expectError(.notAllocated(pfn: 0, order: 0)) { try $0.free(pfn: 0, order: 0) }
        expectError(.notAllocated(pfn: 2, order: 1)) { try $0.free(pfn: 2, order: 1) }
        expectError(.pageblockOutOfRange(4)) { try $0.isolate(pageblock: 4) }
        expectError(.pageblockOutOfRange(-1)) { try $0.unisolate(pageblock: -1) }
        expectError(.notIsolated(pageblock: 1)) { try $0.unisolate(pageblock: 1) }
        try model.isolate(pageblock: 2)
        let isolated = model.snapshot()
        do {
            try model.isolate(pageblock: 2)
            Issue.record("isolating twice succeeded")
        } catch {
            #expect(error == .alreadyIsolated(pageblock: 2))
        }
        #expect(model.snapshot() == isolated)
    }
}
