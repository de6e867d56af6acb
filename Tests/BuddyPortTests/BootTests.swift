// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import TestVariants
import Testing

@Suite("Boot: memblock hands the zone to the buddy allocator")
struct BootTests {
    // tiny64: 64 pages, pageblocks of 8, MAX_PAGE_ORDER 4.
    //   pfn 0        16       32       48       64
    //       [ o4     ][ o4     ][ o4     ][ o4     ]   all on the Movable list,
    // added at the tail in pfn order (FPI_TO_TAIL). Then the balloon registers its
    // device: page_reporting_register() calls __page_reporting_request(), which finds
    // the device idle, marks it requested and queues the delayed work (the first pass
    // runs when the guest first idles). The frees of boot came before the static key was
    // enabled and requested nothing.
    @Test(arguments: TestVariant.allCases)
    func tiny64(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny64)
        let s = zone.snapshot()
        #expect(s.freeLists[4][MigrateType.movable.rawValue] == [0, 16, 32, 48])
        #expect(s.freeLists.enumerated().allSatisfy { order, lists in
            order == 4 ? lists.enumerated().allSatisfy { $0.offset == 1 || $0.element.isEmpty }
                       : lists.allSatisfy(\.isEmpty)
        })
        #expect(s.counters == Counters(freePages: 64, freePagesBlocks: 64, freeCMAPages: 0,
                                       freeHighAtomic: 0, isolatedPageblocks: 0,
                                       nrFree: [0, 0, 0, 0, 4]))
        #expect(s.pageblocks == Array(repeating: PageblockState(migratetype: .movable, isolated: false),
                                      count: 8))
        #expect(s.pages.indices.filter { s.pages[$0].isBuddy } == [0, 16, 32, 48])
        #expect(s.pages.allSatisfy { $0.flags.isEmpty })
        #expect(reporting(zone) == (.requested, true))
        expectNoViolations(zone)
    }

    // x86-64: 64 pageblocks of 512 pages, MAX_PAGE_ORDER 10: 32 order-10 blocks.
    @Test(arguments: TestVariant.allCases)
    func x86_64(variant: TestVariant) throws {
        let zone = try makeZone(variant, .x86_64)
        let s = zone.snapshot()
        #expect(s.freeLists[10][MigrateType.movable.rawValue] == Array(stride(from: 0, to: 32768, by: 1024)))
        #expect(s.counters.freePages == 32768)
        #expect(s.counters.freePagesBlocks == 32768)
        #expect(s.counters.nrFree == Array(repeating: 0, count: 10) + [32])
        #expect(reporting(zone) == (.requested, true))
        expectNoViolations(zone)
    }

    // A zone that is not a multiple of the largest block: 3 pageblocks of 4 pages with
    // MAX_PAGE_ORDER 3 boots as an order-3 block at 0 and an order-2 block at 8.
    @Test func ragged() throws {
        let zone = try PortZone(variant: .baseline, geometry: Geometry(
            nrPageblocks: 3, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 1,
            reportingCapacity: 2))
        let s = zone.snapshot()
        #expect(s.freeLists[3][1] == [0])
        #expect(s.freeLists[2][1] == [8])
        #expect(s.counters.freePages == 12)
        expectNoViolations(zone)
    }

    @Test func initialMigratetypes() throws {
        let zone = try PortZone(variant: .baseline, geometry: Geometry(
            nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 1,
            reportingCapacity: 2, initialMigratetypes: [.unmovable, .unmovable, .movable, .cma]))
        let s = zone.snapshot()
        // Blocks of different types at order >= pageblock_order merge only when both
        // types are mergeable: 0-3 and 4-7 merge (both unmovable); 8-11 (movable) and
        // 12-15 (CMA) do not.
        #expect(s.freeLists[3][MigrateType.unmovable.rawValue] == [0])
        #expect(s.freeLists[2][MigrateType.movable.rawValue] == [8])
        #expect(s.freeLists[2][MigrateType.cma.rawValue] == [12])
        #expect(s.counters.freeCMAPages == 4)
        #expect(s.counters.freePages == 16)
        expectNoViolations(zone)
    }
}
