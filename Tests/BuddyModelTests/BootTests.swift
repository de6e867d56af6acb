// SPDX-License-Identifier: GPL-2.0-only
//
// The state right after creation.

import BuddyModel
import TestVariants
import Testing

@Suite struct BootTests {
    @Test(arguments: TestVariant.allCases)
    func tiny16(variant: TestVariant) throws {
        let model = try makeModel(.tiny16, variant)
        #expect(model.nonEmptyLists == ["3/Movable": [0, 8]])
        let snap = model.snapshot()
        #expect(snap.counters == Counters(freePages: 16, freePagesBlocks: 16, freeCMAPages: 0,
                                          freeHighAtomic: 0, isolatedPageblocks: 0,
                                          nrFree: [0, 0, 0, 2]))
        #expect(snap.pages.count == 16)
        #expect(snap.pages.indices.filter { snap.pages[$0].isBuddy } == [0, 8])
        #expect(snap.pages[0] == PageState(flags: [], isBuddy: true, order: 3))
        #expect(snap.pages[1] == PageState(flags: [], isBuddy: false, order: 0))
        #expect(snap.pageblocks == Array(repeating: PageblockState(migratetype: .movable,
                                                                    isolated: false), count: 4))
        #expect(snap.freeLists.count == 4)
        #expect(snap.freeLists.allSatisfy { $0.count == 6 })
        #expect(model.liveAllocations.isEmpty)
        #expect(model.hostDiscarded.isEmpty)
        #expect(model.checkInvariants() == [])
        #expect(model.violations == [])
        // The device registers once the zone is up, and registration requests the first
        // pass; the frees of boot came before it and requested nothing.
        #expect(model.reportingState == .requested)
        #expect(model.reportingWorkQueued)
    }

    @Test(arguments: TestVariant.allCases)
    func tiny64(variant: TestVariant) throws {
        let model = try makeModel(.tiny64, variant)
        #expect(model.nonEmptyLists == ["4/Movable": [0, 16, 32, 48]])
        #expect(model.counters == Counters(freePages: 64, freePagesBlocks: 64, freeCMAPages: 0,
                                           freeHighAtomic: 0, isolatedPageblocks: 0,
                                           nrFree: [0, 0, 0, 0, 4]))
        #expect(model.checkInvariants() == [])
    }

    @Test(arguments: TestVariant.allCases)
    func x86_64(variant: TestVariant) throws {
        let geometry = Geometry.x86_64
        let model = try makeModel(geometry, variant)
        let blocks = Array(stride(from: 0, to: geometry.zonePages, by: 1024))
        #expect(model.nonEmptyLists == ["10/Movable": blocks])
        var nrFree = Array(repeating: 0, count: 11)
        nrFree[10] = blocks.count
        #expect(model.counters == Counters(freePages: geometry.zonePages,
                                           freePagesBlocks: geometry.zonePages,
                                           freeCMAPages: 0, freeHighAtomic: 0,
                                           isolatedPageblocks: 0, nrFree: nrFree))
        #expect(model.checkInvariants() == [])
    }

    /// A zone that is not a multiple of MAX_PAGE_ORDER blocks ends with smaller blocks.
    @Test func ragged() throws {
        let geometry = Geometry(nrPageblocks: 3, pageblockOrder: 2, maxPageOrder: 3,
                                pageReportingOrder: 1, reportingCapacity: 2)
        let model = try makeModel(geometry)
        #expect(model.nonEmptyLists == ["3/Movable": [0], "2/Movable": [8]])
        #expect(model.counters.freePages == 12)
        #expect(model.snapshot().pages.count == 12)
        #expect(model.checkInvariants() == [])
    }

    /// CMA pageblocks never merge with other types; movable ones merge among themselves.
    @Test func cmaBlocks() throws {
        var geometry = Geometry.tiny16
        geometry.initialMigratetypes = [.movable, .cma, .movable, .movable]
        let model = try makeModel(geometry)
        #expect(model.nonEmptyLists == ["2/Movable": [0], "2/CMA": [4], "3/Movable": [8]])
        #expect(model.counters == Counters(freePages: 16, freePagesBlocks: 16, freeCMAPages: 4,
                                           freeHighAtomic: 0, isolatedPageblocks: 0,
                                           nrFree: [0, 0, 2, 1]))
        #expect(model.checkInvariants() == [])
    }

    /// Mergeable types of different kinds merge at boot, the buddy taking the freed type.
    @Test func mixedMergeableTypes() throws {
        var geometry = Geometry.tiny16
        geometry.initialMigratetypes = [.unmovable, .movable, .reclaimable, .unmovable]
        let model = try makeModel(geometry)
        // pfn 4 (movable) merges with pfn 0 (unmovable), retyping pageblock 0 to movable;
        // pfn 12 (unmovable) merges with pfn 8 (reclaimable), retyping pageblock 2.
        #expect(model.nonEmptyLists == ["3/Movable": [0], "3/Unmovable": [8]])
        #expect(model.snapshot().pageblocks.map(\.migratetype)
            == [.movable, .movable, .unmovable, .unmovable])
        #expect(model.checkInvariants() == [])
    }

    @Test func geometryValidation() {
        func refused(_ g: Geometry) -> Bool {
            do {
                _ = try BuddyModel(rules: .linux73, geometry: g)
                return false
            } catch {
                if case .invalidGeometry = error { return true }
                return false
            }
        }
        var g = Geometry.tiny16
        g.nrPageblocks = 0
        #expect(refused(g))
        g = .tiny16
        g.pageblockOrder = -1
        #expect(refused(g))
        g = .tiny16
        g.pageblockOrder = 4
        #expect(refused(g))
        g = .tiny16
        g.maxPageOrder = 13
        g.pageblockOrder = 2
        #expect(refused(g))
        g = .tiny16
        g.pageReportingOrder = 4
        #expect(refused(g))
        g = .tiny16
        g.pageReportingOrder = -1
        #expect(refused(g))
        g = .tiny16
        g.reportingCapacity = 0
        #expect(refused(g))
        g = .tiny16
        g.reportingCapacity = 257
        #expect(refused(g))
        // PAGE_REPORTING_CAPACITY, 32, is the most page_reporting_register() keeps.
        g = .tiny16
        g.reportingCapacity = 33
        #expect(refused(g))
        g = .tiny16
        g.nrPageblocks = (Geometry.pageLimit >> 2) + 1
        #expect(refused(g))
        g = .tiny16
        g.nrPageblocks = Int.max
        #expect(refused(g))
        g = .tiny16
        g.initialMigratetypes = [.movable]
        #expect(refused(g))
        g = .tiny16
        g.initialMigratetypes = [.movable, .movable, .highAtomic, .movable]
        #expect(refused(g))
        g = .tiny16
        g.initialMigratetypes = [.movable, .movable, .isolate, .movable]
        #expect(refused(g))
        g = .tiny16
        g.reportingCapacity = 32
        g.pageblockOrder = 0
        g.pageReportingOrder = 0
        #expect(!refused(g))
        g = Geometry(nrPageblocks: 1, pageblockOrder: 0, maxPageOrder: 0, pageReportingOrder: 0,
                     reportingCapacity: 1)
        #expect(!refused(g))
    }
}
