// SPDX-License-Identifier: GPL-2.0-only
//
// Pageblock isolation and unisolation.

import BuddyModel
import TestVariants
import Testing

@Suite struct IsolationTests {
    /// A pageblock inside a larger free block: the block is split into pageblocks.
    @Test(arguments: TestVariant.allCases)
    func isolateInsideLargerBuddy(variant: TestVariant) throws {
        var model = try makeModel(.tiny16, variant)
        try model.isolate(pageblock: 1)
        #expect(model.nonEmptyLists == ["2/Movable": [0], "2/Isolate": [4], "3/Movable": [8]])
        let snap = model.snapshot()
        #expect(snap.pageblocks[1] == PageblockState(migratetype: .movable, isolated: true))
        #expect(snap.pageblocks[1].effective == .isolate)
        #expect(snap.counters == Counters(freePages: 12, freePagesBlocks: 12, freeCMAPages: 0,
                                          freeHighAtomic: 0, isolatedPageblocks: 1,
                                          nrFree: [0, 0, 2, 1]))
        #expect(model.checkInvariants() == [])

        // Unisolating finds the free movable buddy and merges back, at the tail.
        try model.unisolate(pageblock: 1)
        #expect(model.nonEmptyLists == ["3/Movable": [8, 0]])
        #expect(model.counters == Counters(freePages: 16, freePagesBlocks: 16, freeCMAPages: 0,
                                           freeHighAtomic: 0, isolatedPageblocks: 0,
                                           nrFree: [0, 0, 0, 2]))
        #expect(model.checkInvariants() == [])
    }

    @Test func isolateTwoNeighboursAndUndo() throws {
        var model = try makeModel(.tiny64)
        try model.isolate(pageblock: 1)
        #expect(model.nonEmptyLists == ["3/Movable": [0], "3/Isolate": [8],
                                        "4/Movable": [16, 32, 48]])
        // Pageblock 0 is a free block of exactly pageblock order: it is moved, not split.
        try model.isolate(pageblock: 0)
        #expect(model.nonEmptyLists == ["3/Isolate": [8, 0], "4/Movable": [16, 32, 48]])
        #expect(model.counters.freePages == 48)
        #expect(model.counters.freePagesBlocks == 48)
        #expect(model.counters.isolatedPageblocks == 2)
        // Its buddy is isolated, so unisolating 0 only moves it back.
        try model.unisolate(pageblock: 0)
        #expect(model.nonEmptyLists == ["3/Movable": [0], "3/Isolate": [8],
                                        "4/Movable": [16, 32, 48]])
        // Now 8's buddy is free and not isolated: it is taken out and freed to merge.
        try model.unisolate(pageblock: 1)
        #expect(model.nonEmptyLists == ["4/Movable": [16, 32, 48, 0]])
        #expect(model.counters.freePages == 64)
        #expect(model.counters.isolatedPageblocks == 0)
        #expect(model.checkInvariants() == [])
    }

    /// Pages freed into an isolated pageblock go to the isolate list and are not counted.
    @Test func freeIntoIsolatedBlock() throws {
        var model = try makeModel(.tiny16)
        #expect(try model.allocate(order: 0, migratetype: .movable, flags: []) == 0)
        try model.isolate(pageblock: 0)
        // Pageblock 0's free blocks (1, 2) move to the isolate lists.
        #expect(model.nonEmptyLists == ["0/Isolate": [1], "1/Isolate": [2],
                                        "2/Movable": [4], "3/Movable": [8]])
        #expect(model.counters.freePages == 12)
        try model.free(pfn: 0, order: 0)
        #expect(model.nonEmptyLists == ["2/Isolate": [0], "2/Movable": [4], "3/Movable": [8]])
        #expect(model.counters.freePages == 12)
        #expect(model.counters.freePagesBlocks == 12)
        #expect(model.checkInvariants() == [])
        // No allocation may use isolated pages.
        #expect(try model.allocate(order: 2, migratetype: .movable, flags: []) == 4)
        #expect(try model.allocate(order: 3, migratetype: .movable, flags: []) == 8)
        #expect(try model.allocate(order: 0, migratetype: .unmovable, flags: []) == nil)
        try model.unisolate(pageblock: 0)
        #expect(model.nonEmptyLists == ["2/Movable": [0]])
        #expect(model.counters.freePages == 4)
        #expect(model.checkInvariants() == [])
    }

    /// Two isolated pageblocks whose free pages merged into one block larger than a
    /// pageblock: unisolating the first with a free non-isolated buddy returns the whole
    /// block to the movable list while the second pageblock keeps its isolate bit, as
    /// unset_migratetype_isolate() does.
    @Test func unisolateMergedIsolatedBlocks() throws {
        var model = try makeModel(.tiny64)
        #expect(try model.allocate(order: 3, migratetype: .movable, flags: []) == 0)
        try model.isolate(pageblock: 0)
        try model.isolate(pageblock: 1)
        #expect(model.nonEmptyLists == ["3/Isolate": [8], "4/Movable": [16, 32, 48]])
        try model.free(pfn: 0, order: 3)
        #expect(model.nonEmptyLists == ["4/Isolate": [0], "4/Movable": [16, 32, 48]])
        #expect(model.counters.freePages == 48)
        #expect(model.accountingCoherent)
        // MAX_PAGE_ORDER is 4: the order-4 block at 0 is not below it, so pageblock 0 is
        // unisolated by splitting the block into its pageblocks.
        try model.unisolate(pageblock: 0)
        #expect(model.nonEmptyLists == ["3/Movable": [0], "3/Isolate": [8],
                                        "4/Movable": [16, 32, 48]])
        #expect(model.checkInvariants() == [])

        // With MAX_PAGE_ORDER 5 the merged block has a buddy, and the kernel's shortcut
        // applies.
        let geometry = Geometry(nrPageblocks: 8, pageblockOrder: 3, maxPageOrder: 5,
                                pageReportingOrder: 2, reportingCapacity: 2)
        var wide = try makeModel(geometry)
        #expect(wide.nonEmptyLists == ["5/Movable": [0, 32]])
        #expect(try wide.allocate(order: 4, migratetype: .movable, flags: []) == 0)
        try wide.isolate(pageblock: 0)
        try wide.isolate(pageblock: 1)
        try wide.free(pfn: 0, order: 4)
        #expect(wide.nonEmptyLists == ["4/Isolate": [0], "4/Movable": [16], "5/Movable": [32]])
        try wide.unisolate(pageblock: 0)
        #expect(wide.nonEmptyLists == ["5/Movable": [32, 0]])
        let snap = wide.snapshot()
        #expect(snap.pageblocks[0].isolated == false)
        #expect(snap.pageblocks[1].isolated == true)
        #expect(snap.counters.isolatedPageblocks == 1)
        #expect(snap.counters.freePages == 64)
        #expect(!wide.accountingCoherent)
        #expect(wide.checkInvariants() == [])
        // Pageblock 1 lies inside that order-5 block: it is split into pageblocks and
        // freed again, the last piece merging back up and going to the head.
        try wide.unisolate(pageblock: 1)
        #expect(wide.nonEmptyLists == ["5/Movable": [0, 32]])
        #expect(wide.counters.isolatedPageblocks == 0)
        #expect(wide.checkInvariants() == [])
    }
}
