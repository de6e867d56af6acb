// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import TestVariants
import Testing

/// A geometry with the pfns its scenarios expect.
struct SplitCase: CustomTestStringConvertible, Sendable {
    var name: String
    var geometry: Geometry
    /// What gets every free block of a fresh zone Reported, the guest idling between.
    var settle: [ZoneCall]
    /// The pages each reporting pass of `settle` sent to the host.
    var pagesPerPass: [Int]
    /// The order-MAX list, head to tail, once every free block is Reported.
    var settledMaxList: [Int]
    var testDescription: String { name }

    static let all: [SplitCase] = [
        // tiny64: the pass registration requested reports everything: the first report()
        // takes 16 and 0 (the scatterlist fills from its end), the leftover report takes
        // 48 and 32. Putback goes to the list tail.
        SplitCase(name: "tiny64", geometry: .tiny64, settle: [.idle], pagesPerPass: [64],
                  settledMaxList: [16, 0, 48, 32]),
        // x86-64: __isolate_free_page() refuses the 32nd order-10 block of the first pass
        // (free pages must exceed 1024 after the other 31 left), which requests nothing:
        // the pass ends idle with 31744 at the list head, unreported. Allocating a page
        // of it and freeing that page merges the block back to order 10 >=
        // page_reporting_order, which requests the second pass; it reports 31744 alone.
        SplitCase(name: "x86-64", geometry: .x86_64,
                  settle: [.idle, .allocate(order: 0, mt: .movable, flags: []),
                           .free(pfn: 31744, order: 0), .idle],
                  pagesPerPass: [31 * 1024, 1024],
                  settledMaxList: Array(stride(from: 30720, through: 0, by: -1024)) + [31744]),
    ]

    /// A zone of `variant` with every free block Reported.
    func settledZone(_ variant: TestVariant,
                     sourceLocation: SourceLocation = #_sourceLocation) throws -> PortZone {
        let zone = try makeZone(variant, geometry)
        let passes = try run(settle, on: zone)
        #expect(passes.map { $0.reduce(0) { $0 + $1.pages } } == pagesPerPass,
                sourceLocation: sourceLocation)
        #expect(reporting(zone) == (.idle, false), sourceLocation: sourceLocation)
        return zone
    }
}

@Suite("A Reported block split by an allocation")
struct ReportedSplitTests {
    // Scenario: every free block has been reported; an order-0 movable allocation takes
    // the head of the order-MAX list through __rmqueue_smallest and page_del_and_expand.
    //   tiny64:  [16 ............ 31]  ->  16 | 17 | 18-19 | 20-23 | 24-31
    //                                      got  o0    o1      o2      o3
    // Expected: seed, every split-off buddy is Reported; baseline, none is. An
    // allocation requests no reporting pass.
    @Test(arguments: SplitCase.all, TestVariant.allCases)
    func smallestSplit(_ c: SplitCase, variant: TestVariant) throws {
        let zone = try c.settledZone(variant)
        #expect(list(zone, order: c.geometry.maxPageOrder, .movable) == c.settledMaxList)
        let reportedBefore = zone.snapshot().reportedHeads
        #expect(reportedBefore == c.settledMaxList.sorted())

        let head = c.settledMaxList[0]
        let pfn = try zone.allocate(order: 0, migratetype: .movable)
        #expect(pfn == head)

        let buddies = splitOffBuddies(of: head, from: c.geometry.maxPageOrder, to: 0)
        let s = zone.snapshot()
        for b in buddies {
            #expect(s.freeLists[b.order][MigrateType.movable.rawValue] == [b.pfn])
            #expect(s.pages[b.pfn].isBuddy && s.pages[b.pfn].order == b.order)
        }
        let others = Set(c.settledMaxList.dropFirst())
        let expected = variant == .seed ? others.union(buddies.map(\.pfn)) : others
        #expect(s.reportedHeads == expected.sorted())
        #expect(s.reportedPages == expected.sorted(), "the flag sits on buddy heads only")
        #expect(s.pages[head].flags == [.lru])
        #expect(reporting(zone) == (.idle, false))
        expectNoViolations(zone)
    }

    // The same split through fallback claiming: an unmovable order-0 allocation finds no
    // unmovable block, __rmqueue_claim takes the head order-MAX movable block, and
    // try_to_claim_block (current_order >= pageblock_order) converts its pageblocks and
    // expands it onto the unmovable lists.
    @Test(arguments: SplitCase.all, TestVariant.allCases)
    func claimSplit(_ c: SplitCase, variant: TestVariant) throws {
        let zone = try c.settledZone(variant)
        let head = c.settledMaxList[0]
        let pfn = try zone.allocate(order: 0, migratetype: .unmovable)
        #expect(pfn == head)

        let g = c.geometry
        let s = zone.snapshot()
        let claimedBlocks = (head >> g.pageblockOrder) ..< ((head + (1 << g.maxPageOrder)) >> g.pageblockOrder)
        for pb in 0 ..< g.nrPageblocks {
            #expect(s.pageblocks[pb].migratetype == (claimedBlocks.contains(pb) ? .unmovable : .movable))
        }
        let buddies = splitOffBuddies(of: head, from: g.maxPageOrder, to: 0)
        for b in buddies {
            #expect(s.freeLists[b.order][MigrateType.unmovable.rawValue] == [b.pfn])
        }
        let others = Set(c.settledMaxList.dropFirst())
        let expected = variant == .seed ? others.union(buddies.map(\.pfn)) : others
        #expect(s.reportedHeads == expected.sorted())
        #expect(s.pages[head].flags.isEmpty, "an unmovable allocation is not on an LRU")
        #expect(s.counters.freePages == g.zonePages - 1)
        expectNoViolations(zone)
    }

    // Splitting a block below MAX_PAGE_ORDER: after the first split, an order-0
    // allocation takes the order-0 buddy; an order-1 allocation then splits nothing, an
    // order-2 allocation takes the order-2 buddy whole. Only an allocation that splits a
    // Reported block leaves new Reported pieces (seed): allocating 2 pages from the
    // Reported order-3 buddy at head+8 leaves head+12 (o2) and head+10 (o1) Reported.
    @Test(arguments: TestVariant.allCases)
    func innerSplit(variant: TestVariant) throws {
        let zone = try SplitCase.all[0].settledZone(variant)
        #expect(try zone.allocate(order: 0, migratetype: .movable) == 16)
        #expect(try zone.allocate(order: 0, migratetype: .movable) == 17)
        #expect(try zone.allocate(order: 1, migratetype: .movable) == 18)
        #expect(try zone.allocate(order: 2, migratetype: .movable) == 20)
        #expect(try zone.allocate(order: 1, migratetype: .movable) == 24)
        let s = zone.snapshot()
        #expect(s.freeLists[1][1] == [26])
        #expect(s.freeLists[2][1] == [28])
        #expect(s.reportedHeads == (variant == .seed ? [0, 26, 28, 32, 48] : [0, 32, 48]))
        expectNoViolations(zone)
    }
}

@Suite("Merging and reporting after a split")
struct MergeAndReportTests {
    // Scenario: after the split above, freeing the order-0 page at 16 merges it with its
    // Reported buddies 17, 18, 20 and 24 back into one order-4 block. Every merge takes a
    // buddy off its list, which clears its flag: the merged block is not Reported, in
    // either variant, and no page of 16-31 keeps a flag. The merged block is left on a
    // list at order 4 >= page_reporting_order (2): the free requests a pass.
    @Test(arguments: TestVariant.allCases)
    func mergeClearsReported(variant: TestVariant) throws {
        let zone = try SplitCase.all[0].settledZone(variant)
        #expect(try zone.allocate(order: 0, migratetype: .movable) == 16)
        try zone.free(pfn: 16, order: 0)
        let s = zone.snapshot()
        // order 4 >= MAX_PAGE_ORDER - 1: buddy_merge_likely() is false, so the list head
        #expect(s.freeLists[4][1] == [16, 0, 48, 32])
        #expect(s.reportedHeads == [0, 32, 48])
        #expect((16 ..< 32).allSatisfy { s.pages[$0].flags.isEmpty })
        #expect(s.counters.freePages == 64)
        #expect(reporting(zone) == (.requested, true))
        expectNoViolations(zone)
    }

    // Scenario: after the split, idling runs nothing (the allocation requested no pass).
    // Freeing an order-4 block (0, Reported before it was allocated) requests one, which
    // reports what is not Reported at orders >= page_reporting_order (2 in tiny64), by
    // rising order. Baseline: the order-2 block at 20 and the order-3 block at 24 fill
    // the scatterlist from its end and go out as [24, 20] when the walk of the order-4
    // list meets 0; 0 then goes alone in the leftover report(). Seed: the pieces kept the
    // flag, only 0 goes. The order-0 and order-1 pieces at 17 and 18 are below the
    // reporting order.
    @Test(arguments: TestVariant.allCases)
    func nextPassReportsLess(variant: TestVariant) throws {
        let zone = try SplitCase.all[0].settledZone(variant)
        #expect(try zone.allocate(order: 0, migratetype: .movable) == 16)
        #expect(try zone.idle { _ in true } == [])
        #expect(try zone.allocate(order: 4, migratetype: .movable) == 0)
        try zone.free(pfn: 0, order: 4)
        #expect(reporting(zone) == (.requested, true))
        let batches = try zone.idle { _ in true }
        let block0 = ReportBatch(ranges: [PfnRange(pfn: 0, order: 4)], succeeded: true)
        switch variant {
        case .seed:
            #expect(batches == [block0])
        case .baseline:
            #expect(batches == [ReportBatch(ranges: [PfnRange(pfn: 24, order: 3),
                                                     PfnRange(pfn: 20, order: 2)],
                                            succeeded: true), block0])
        }
        #expect(zone.snapshot().reportedHeads == [0, 17, 18, 20, 24, 32, 48]
            .filter { variant == .seed || ![17, 18].contains($0) })
        #expect(reporting(zone) == (.idle, false))
        expectNoViolations(zone)
    }

    // The same on x86-64: the first order-0 allocation after reporting settles splits
    // the Reported order-10 block at 30720 into ten pieces. Freeing the next order-10
    // block (29696, allocated from the list head) requests a pass. Baseline reports the
    // order-9 piece at 31232 again (512 pages), taken first at order 9 and so in the last
    // slot, beside 29696; seed reports 29696 alone.
    @Test(arguments: TestVariant.allCases)
    func nextPassReportsLessX86(variant: TestVariant) throws {
        let zone = try SplitCase.all[1].settledZone(variant)
        #expect(try zone.allocate(order: 0, migratetype: .movable) == 30720)
        #expect(try zone.allocate(order: 10, migratetype: .movable) == 29696)
        try zone.free(pfn: 29696, order: 10)
        let batches = try zone.idle { _ in true }
        let ranges = variant == .seed ? [PfnRange(pfn: 29696, order: 10)]
            : [PfnRange(pfn: 29696, order: 10), PfnRange(pfn: 31232, order: 9)]
        #expect(batches == [ReportBatch(ranges: ranges, succeeded: true)])
        expectNoViolations(zone)
    }

    // Scenario: the host fails the first report() of a fresh tiny64 zone ([16+16, 0+16]).
    // The drain puts both blocks back without the flag and the pass stops there; the
    // failure requests nothing, so the device goes idle with no work queued.
    @Test(arguments: TestVariant.allCases)
    func failedReportMarksNothing(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny64)
        var calls = 0
        let batches = try zone.idle { _ in calls += 1; return false }
        #expect(calls == 1)
        #expect(batches == [ReportBatch(ranges: [PfnRange(pfn: 16, order: 4), PfnRange(pfn: 0, order: 4)],
                                        succeeded: false)])
        let s = zone.snapshot()
        #expect(s.reportedPages == [])
        #expect(s.freeLists[4][1] == [32, 48, 16, 0])
        #expect(s.counters.freePages == 64)
        #expect(reporting(zone) == (.idle, false))
        expectNoViolations(zone)
    }

    // A failed report after a split: the pieces a seed zone marked stay Reported (the
    // host discarded them before), and the failure only leaves the batch it concerned
    // unmarked. The order-3 allocation at 16 leaves 24 (o3) split off; freeing the
    // order-4 block 0 (allocated from the list head) requests the pass. Baseline: 24
    // (order 3) takes the last slot, 0 (order 4) the first, both in the leftover
    // report(), which fails. Seed: 24 is Reported and passed over; 0 goes alone.
    @Test(arguments: TestVariant.allCases)
    func failedReportAfterSplit(variant: TestVariant) throws {
        let zone = try SplitCase.all[0].settledZone(variant)
        #expect(try zone.allocate(order: 3, migratetype: .movable) == 16)
        #expect(try zone.allocate(order: 4, migratetype: .movable) == 0)
        try zone.free(pfn: 0, order: 4)
        let batches = try zone.idle { _ in false }
        let ranges = variant == .seed ? [PfnRange(pfn: 0, order: 4)]
            : [PfnRange(pfn: 0, order: 4), PfnRange(pfn: 24, order: 3)]
        #expect(batches == [ReportBatch(ranges: ranges, succeeded: false)])
        #expect(zone.snapshot().reportedHeads == (variant == .seed ? [24, 32, 48] : [32, 48]))
        expectNoViolations(zone)
    }
}
