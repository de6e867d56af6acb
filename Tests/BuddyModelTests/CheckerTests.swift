// SPDX-License-Identifier: GPL-2.0-only
//
// The invariant checks must notice broken states: each test breaks one rule by reaching
// into the model's internals (debug builds only, where @testable is available).

#if DEBUG
@testable import BuddyModel
import Testing

@Suite struct CheckerTests {
    static func mentions(_ problems: [String], _ text: String) -> Bool {
        problems.contains { $0.contains(text) }
    }

    @Test func reportedOffHead() throws {
        var model = try makeModel(.tiny16)
        model.reported.insert(1)
        #expect(Self.mentions(model.checkInvariants(), "pfn 1 is PG_reported but no free block starts there"))
    }

    @Test func reportedButNotDiscarded() throws {
        var model = try makeModel(.tiny16)
        model.discarded.insert(0 ..< 7)
        model.reported.insert(0)
        #expect(Self.mentions(model.checkInvariants(), "reported block at 0 of order 3 is not wholly discarded"))
        model.discarded.insert(7)
        #expect(model.checkInvariants() == [])
    }

    @Test func lostBlock() throws {
        var model = try makeModel(.tiny16)
        model.lists.remove(8)
        model.freeOrder[8] = -1
        let problems = model.checkInvariants()
        #expect(Self.mentions(problems, "pfn 8 is neither free nor allocated"))
        #expect(Self.mentions(problems, "nr_free[3] is 2 but the lists of order 3 hold 1"))
    }

    @Test func overlap() throws {
        var model = try makeModel(.tiny16)
        model.freeOrder[4] = 2
        model.lists.insert(4, into: FreeLists.id(order: 2, type: .movable), atTail: true)
        #expect(Self.mentions(model.checkInvariants(), "free block at 4 overlaps the block before it"))
    }

    @Test func headOffList() throws {
        var model = try makeModel(.tiny16)
        model.lists.remove(8)
        #expect(Self.mentions(model.checkInvariants(), "free block at 8 of order 3 is on no free list"))
    }

    @Test func counters() throws {
        var model = try makeModel(.tiny16)
        model.nrFreePages -= 1
        model.nrFreePagesBlocks += 4
        model.nrFreeCMAPages = 2
        model.nrIsolatePageblock = 1
        let problems = model.checkInvariants()
        #expect(Self.mentions(problems, "NR_FREE_PAGES is 15"))
        #expect(Self.mentions(problems, "NR_FREE_PAGES_BLOCKS is 20"))
        #expect(Self.mentions(problems, "NR_FREE_CMA_PAGES is 2"))
        #expect(Self.mentions(problems, "nr_isolate_pageblock is 1"))
    }

    @Test func wrongListType() throws {
        var model = try makeModel(.tiny16)
        model.blockType[1] = .unmovable
        #expect(Self.mentions(model.checkInvariants(), "covers pageblock 1 of type Unmovable"))
    }

    @Test func lruMismatch() throws {
        var model = try makeModel(.tiny16)
        _ = try model.allocate(order: 1, migratetype: .unmovable, flags: [])
        model.lru.insert(1)
        #expect(Self.mentions(model.checkInvariants(), "allocation at 0 of order 1 has PG_lru set"))
    }

    /// The fast check sees problems inside what the last operation touched.
    @Test func fastCheckSeesTouchedRange() throws {
        var model = try makeModel(.tiny64)
        _ = try model.allocate(order: 0, migratetype: .movable, flags: [])
        #expect(model.checkInvariantsFast() == [])
        model.reported.insert(3)
        #expect(Self.mentions(model.checkInvariantsFast(), "pfn 3 is PG_reported"))
        model.reported.remove(3)
        // Outside the touched range only the totals are checked.
        model.reported.insert(40)
        #expect(model.checkInvariantsFast() == [])
        #expect(!model.checkInvariants().isEmpty)
    }
}
#endif
