// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import TestVariants
import Testing

@Suite("Invalid calls are refused and change nothing")
struct InvalidCallTests {
    // tiny64 prepared as: order-1 movable allocation at 0 (0-1 allocated), pageblock 7
    // isolated, which split the order-4 block at 48 and left its upper half, 56-63, one
    // order-3 block on the isolate list:
    //
    //   pfn  0   2   4   8       16      32      48      56      64
    //        |A A|2  |4  |8      |16     |16     |8      |8 iso  |
    //
    // (A: allocated; a number: a free block of that many pages; iso: on the isolate list)
    static let cases: [(ZoneCall, AllocatorError)] = [
        (.allocate(order: 5, mt: .movable, flags: []), .invalidOrder(5)),
        (.allocate(order: -1, mt: .movable, flags: []), .invalidOrder(-1)),
        (.allocate(order: 0, mt: .highAtomic, flags: []), .invalidMigratetype(3)),
        (.allocate(order: 0, mt: .cma, flags: []), .invalidMigratetype(4)),
        (.allocate(order: 0, mt: .isolate, flags: []), .invalidMigratetype(5)),
        (.allocate(order: 0, mt: .movable, flags: AllocFlags(rawValue: 4)), .invalidFlags(4)),
        (.allocate(order: 0, mt: .unmovable, flags: .cma), .invalidFlags(2)),
        (.free(pfn: 64, order: 0), .pfnOutOfRange(pfn: 64)),
        (.free(pfn: -3, order: 0), .pfnOutOfRange(pfn: -3)),
        (.free(pfn: 0, order: 5), .invalidOrder(5)),
        (.free(pfn: 1, order: 1), .unalignedPfn(pfn: 1, order: 1)),
        (.free(pfn: 0, order: 0), .notAllocated(pfn: 0, order: 0)),
        (.free(pfn: 0, order: 2), .notAllocated(pfn: 0, order: 2)),
        (.free(pfn: 2, order: 1), .notAllocated(pfn: 2, order: 1)),
        (.free(pfn: 8, order: 3), .notAllocated(pfn: 8, order: 3)),
        (.free(pfn: Int.max, order: 0), .pfnOutOfRange(pfn: Int.max)),
        (.free(pfn: 0, order: 12), .invalidOrder(12)),
        (.free(pfn: 0, order: 13), .invalidOrder(13)),
        (.free(pfn: 0, order: -1), .invalidOrder(-1)),
        // Frees inside the isolated pageblock of blocks that are no live allocation of
        // that order, which the kernel meets with VM_BUG_ON_PAGE() or bad_page().
        (.free(pfn: 56, order: 3), .notAllocated(pfn: 56, order: 3)),
        (.free(pfn: 60, order: 2), .notAllocated(pfn: 60, order: 2)),
        (.free(pfn: 63, order: 0), .notAllocated(pfn: 63, order: 0)),
        (.free(pfn: 58, order: 2), .unalignedPfn(pfn: 58, order: 2)),
        (.free(pfn: 56, order: 4), .unalignedPfn(pfn: 56, order: 4)),
        (.isolate(8), .pageblockOutOfRange(8)),
        (.isolate(-1), .pageblockOutOfRange(-1)),
        (.isolate(7), .alreadyIsolated(pageblock: 7)),
        (.unisolate(0), .notIsolated(pageblock: 0)),
        (.unisolate(8), .pageblockOutOfRange(8)),
    ]

    @Test(arguments: TestVariant.allCases)
    func refused(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny64)
        #expect(try zone.allocate(order: 1, migratetype: .movable) == 0)
        try zone.isolate(pageblock: 7)
        let before = zone.snapshot()
        #expect(before.freeLists[3][MigrateType.isolate.rawValue] == [56])
        #expect(before.freeLists[3][MigrateType.movable.rawValue] == [48, 8])
        for (call, error) in Self.cases {
            #expect(throws: error, "\(call.testDescription)") { try call.run(on: zone) }
            #expect(zone.snapshot() == before, "\(call.testDescription) changed the zone")
        }
        // The zone still works as if nothing had been tried.
        try zone.free(pfn: 0, order: 1)
        try zone.unisolate(pageblock: 7)
        #expect(zone.snapshot().freeLists[4][1] == [0, 16, 32, 48])
        expectNoViolations(zone)
    }

    @Test func invalidGeometries() {
        let bad: [Geometry] = [
            Geometry(nrPageblocks: 0, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 1, reportingCapacity: 2),
            Geometry(nrPageblocks: 4, pageblockOrder: 4, maxPageOrder: 3, pageReportingOrder: 1, reportingCapacity: 2),
            Geometry(nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 13, pageReportingOrder: 1, reportingCapacity: 2),
            Geometry(nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 4, reportingCapacity: 2),
            Geometry(nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 1, reportingCapacity: 0),
            // page_reporting_register() would cap it at PAGE_REPORTING_CAPACITY (32)
            Geometry(nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 1, reportingCapacity: 33),
            Geometry(nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 1, reportingCapacity: 257),
            Geometry(nrPageblocks: 1 << 20, pageblockOrder: 3, maxPageOrder: 3, pageReportingOrder: 1, reportingCapacity: 2),
            Geometry(nrPageblocks: 2, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 1, reportingCapacity: 2,
                     initialMigratetypes: [.movable]),
            Geometry(nrPageblocks: 2, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 1, reportingCapacity: 2,
                     initialMigratetypes: [.movable, .isolate]),
        ]
        for g in bad {
            #expect(throws: AllocatorError.self, "\(g)") { _ = try PortZone(variant: .baseline, geometry: g) }
        }
        #expect(throws: Never.self) {
            _ = try PortZone(variant: .baseline, geometry: Geometry(
                nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 1,
                reportingCapacity: 32))
        }
    }

    // A variant with no table of entry points in this process is refused by name.
    @Test func unknownVariant() {
        let stranger = Variant(patches: ["never-built.patch"], key: "0123")
        #expect(throws: AllocatorError.unknownVariant("variant baseline + never-built.patch is not loaded")) {
            _ = try PortZone(variant: stranger, geometry: .tiny16)
        }
    }

    // A host that calls back into the zone it is reporting for gets .reentered, and the
    // pass goes on as if the inner call had not been made. The first idle of a fresh
    // tiny64 zone runs the pass registration requested: two report() calls.
    @Test(arguments: TestVariant.allCases)
    func reentry(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny64)
        var inner: [AllocatorError] = []
        let batches = try zone.idle { _ in
            do throws(AllocatorError) { _ = try zone.allocate(order: 0, migratetype: .movable) } catch { inner.append(error) }
            do throws(AllocatorError) { try zone.free(pfn: 0, order: 0) } catch { inner.append(error) }
            do throws(AllocatorError) { try zone.isolate(pageblock: 0) } catch { inner.append(error) }
            do throws(AllocatorError) { try zone.unisolate(pageblock: 0) } catch { inner.append(error) }
            do throws(AllocatorError) { try zone.setOwnedPageFlags(pfn: 0, .locked) } catch { inner.append(error) }
            do throws(AllocatorError) { _ = try zone.idle { _ in true } } catch { inner.append(error) }
            return true
        }
        #expect(inner == Array(repeating: .reentered, count: 12))
        #expect(batches.count == 2)
        #expect(zone.snapshot().reportedHeads == [0, 16, 32, 48])
        expectNoViolations(zone)
    }

    // What the owner of an allocation may set on its pages is checked before anything
    // changes: a page outside the zone, a page no live allocation holds, PG_head and
    // PG_hwpoison are refused.
    @Test func ownedPageFlagsRefused() throws {
        let zone = try PortZone(variant: .baseline, geometry: .tiny16)
        #expect(try zone.allocate(order: 2, migratetype: .unmovable) == 0)
        let before = zone.snapshot()
        #expect(throws: AllocatorError.pfnOutOfRange(pfn: 16)) { try zone.setOwnedPageFlags(pfn: 16, .locked) }
        #expect(throws: AllocatorError.pfnOutOfRange(pfn: -1)) { try zone.setOwnedPageFlags(pfn: -1, .locked) }
        #expect(throws: AllocatorError.notAllocated(pfn: 4, order: 0)) { try zone.setOwnedPageFlags(pfn: 4, .locked) }
        #expect(throws: AllocatorError.invalidFlags(1 << 5)) { try zone.setOwnedPageFlags(pfn: 1, .head) }
        #expect(throws: AllocatorError.invalidFlags(1 << 8)) { try zone.setOwnedPageFlags(pfn: 3, .hwpoison) }
        #expect(zone.snapshot() == before)
        try zone.setOwnedPageFlags(pfn: 3, [.locked, .dirty])
        #expect(zone.snapshot().pages[3].flags == [.locked, .dirty])
    }

    // Creating and destroying many zones leaks nothing measurable; run under
    // `swift test --sanitize=address` for the leak check itself.
    @Test func manyZones() throws {
        for i in 0 ..< 2000 {
            let zone = try makeZone(i % 2 == 0 ? .baseline : .seed, .tiny64)
            #expect(try zone.allocate(order: i % 5, migratetype: .movable) != nil)
        }
    }
}
