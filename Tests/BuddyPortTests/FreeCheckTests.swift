// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import Foundation
import TestVariants
import Testing

/// The free path checks and clears every page of a block as __free_pages_prepare() does:
/// the tail pages first (free_page_is_bad(), nonzero private), then the head; a block
/// that fails a check is leaked, and the flags of every good page are cleared
/// (PAGE_FLAGS_CHECK_AT_PREP, PG_reported among them).
@Suite("Every page of a freed block is checked and cleared")
struct FreeCheckTests {
    /// The line of the port's page_alloc.c holding `text`. The seed's hunks all lie below
    /// free_page_is_bad(), so its line is the same in both variants.
    static func portLine(_ text: String) throws -> Int {
        let file = repositoryRoot.appendingPathComponent("CModules/CBuddyPort/port/mm/page_alloc.c")
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        return try #require(lines.firstIndex { $0.contains(text) }) + 1
    }

    // tiny16 after the first pass (block 0 Reported, list [8, 0]): an order-2 movable
    // allocation takes 8 (12 split off). Its owner leaves PG_uptodate, which free pages
    // read as PG_reported and free_page_is_bad() does not check, on the tail page 9.
    // The free clears it with the rest of PAGE_FLAGS_CHECK_AT_PREP; the block merges
    // with 12 into an order-3 block at the list head, not Reported, and requests a pass.
    @Test(arguments: TestVariant.allCases)
    func tailFlagClearedAtFree(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny16)
        #expect(try zone.idle { _ in true }.flatMap(\.ranges) == [PfnRange(pfn: 0, order: 3)])
        #expect(try zone.allocate(order: 2, migratetype: .movable) == 8)
        try zone.setOwnedPageFlags(pfn: 9, .uptodate)
        #expect(zone.pages(in: 8 ..< 12).map(\.flags) == [[.lru], [.lru, .uptodate], [.lru], [.lru]])
        try zone.free(pfn: 8, order: 2)
        let s = zone.snapshot()
        #expect(s.freeLists[3][MigrateType.movable.rawValue] == [8, 0])
        #expect((8 ..< 16).allSatisfy { s.pages[$0].flags.isEmpty })
        #expect(s.reportedHeads == [0])
        #expect(s.counters.freePages == 16)
        #expect(reporting(zone) == (.requested, true))
        expectNoViolations(zone)
    }

    // The same allocation with PG_locked, which PAGE_FLAGS_CHECK_AT_FREE holds, left on
    // the tail page 10 as well: free_page_is_bad() calls bad_page() for page 10 and the
    // loop goes on without clearing it; page 9 and 11 are cleared; the head passes its
    // check, but a bad tail makes __free_pages_prepare() return false, so the block is
    // leaked: on no free list, no longer a live allocation, its pages not counted free,
    // no pass requested.
    @Test(arguments: TestVariant.allCases)
    func badTailPageLeaksBlock(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny16)
        _ = try zone.idle { _ in true }
        #expect(try zone.allocate(order: 2, migratetype: .movable) == 8)
        try zone.setOwnedPageFlags(pfn: 9, .uptodate)
        try zone.setOwnedPageFlags(pfn: 10, .locked)
        let lists = zone.freeLists()
        try zone.free(pfn: 8, order: 2)
        #expect(zone.violations == [Violation(
            check: "bad_page", condition: "PAGE_FLAGS_CHECK_AT_FREE flag(s) set",
            file: "port/mm/page_alloc.c", function: "free_page_is_bad",
            line: try Self.portLine("bad_page(page, page_bad_reason(page, PAGE_FLAGS_CHECK_AT_FREE));"),
            pfn: 10)])
        let s = zone.snapshot()
        #expect(s.freeLists == lists)
        #expect(s.freeLists[2][MigrateType.movable.rawValue] == [12])
        #expect(s.pages[8 ..< 12].map(\.flags) == [[], [], [.locked], []])
        #expect(s.pages[8 ..< 12].allSatisfy { !$0.isBuddy })
        #expect(s.counters.freePages == 12)
        #expect(zone.allocationOrder(at: 8) == nil)
        #expect(throws: AllocatorError.notAllocated(pfn: 8, order: 2)) { try zone.free(pfn: 8, order: 2) }
        #expect(reporting(zone) == (.idle, false))
    }
}
