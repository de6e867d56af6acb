// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import Testing
import TestVariants

/// Geometries the compact encoding takes, by name.
struct CompactCase: CustomTestStringConvertible, Sendable {
    var name: String
    var geometry: Geometry
    var testDescription: String { name }

    static let all: [CompactCase] = [
        CompactCase(name: "tiny16", geometry: .tiny16),
        CompactCase(name: "tiny16-pb1", geometry: Geometry(nrPageblocks: 8, pageblockOrder: 1, maxPageOrder: 3,
                                                           pageReportingOrder: 1, reportingCapacity: 2)),
        CompactCase(name: "tiny32", geometry: Geometry(nrPageblocks: 8, pageblockOrder: 2, maxPageOrder: 4,
                                                       pageReportingOrder: 1, reportingCapacity: 2)),
        CompactCase(name: "tiny64-mixed", geometry: Geometry(
            nrPageblocks: 8, pageblockOrder: 3, maxPageOrder: 4, pageReportingOrder: 1, reportingCapacity: 2,
            initialMigratetypes: [.movable, .unmovable, .reclaimable, .movable, .cma, .movable, .unmovable, .movable])),
    ]
}

@Suite("Compact encoding: a zone's state in a few tens of bytes, rebuilt in place")
struct CompactEncodingTests {
    // tiny16 at boot: 19 bytes. Reporting requested and its work queued (registering
    // the device asked for a pass), no zone flags, no boost; 16 free pages, all in
    // blocks of pageblock order or more; nr_free 0, 0, 0, 2; four movable pageblocks
    // (two to a byte); two free order-3 blocks; the order-3 movable list holds 0 then 8
    // (boot frees to the tail).
    @Test func bootBytes() throws {
        let zone = try PortZone(variant: .baseline, geometry: .tiny16)
        #expect(zone.compactCapacity == 4 + 5 + 4 + 2 + 2 * 16)
        #expect(try zone.compactEncoding().get()
                == [1, 1, 0, 0, 16, 16, 0, 0, 0, 0, 0, 0, 2, 0x11, 0x11, 0x83, 0x83, 0, 8])
    }

    // After an idle spell (its pass reports block 0), an order-3 allocation (block 8)
    // and an order-0 one, which splits block 0: the pass left the device idle, no work
    // queued (allocations request none); pfn 0 is allocated (0x10: PG_lru), 1 is a free
    // order-0 block, 2 order 1, 4 order 2, 8 a live order-3 allocation. Baseline: the
    // pieces of the split block lost PG_reported; the seed's variant: they kept it
    // (0x90, 0x91, 0x92). The lists: order 0 [1], 1 [2], 2 [4].
    @Test(arguments: [(TestVariant.baseline, [UInt8]([0x10, 0x80, 0x81, 0x82, 0x13])),
                      (.seed, [0x10, 0x90, 0x91, 0x92, 0x13])])
    func afterReportAndSplit(variant: TestVariant, blocks: [UInt8]) throws {
        let zone = try PortZone(variant: try variant.variant(), geometry: .tiny16)
        #expect(try zone.idle { _ in true }.flatMap(\.ranges) == [PfnRange(pfn: 0, order: 3)])
        #expect(try zone.allocate(order: 3, migratetype: .movable) == 8)
        #expect(try zone.allocate(order: 0, migratetype: .movable) == 0)
        let bytes = try zone.compactEncoding().get()
        #expect(Array(bytes[0 ..< 4]) == [0, 0, 0, 0])
        #expect(Array(bytes[15 ..< 20]) == blocks)
        #expect(Array(bytes[20...]) == [1, 2, 4])
    }

    // The device's queued work is state: a free of order page_reporting_order or more
    // requests a pass and queues it (1, 1), and an idle spell runs it (0, 0); the two
    // states differ only there, and each rebuilds to itself.
    @Test func queuedWorkIsState() throws {
        let zone = try PortZone(variant: .baseline, geometry: .tiny16)
        _ = try zone.idle { _ in true }
        let pfn = try #require(try zone.allocate(order: 1, migratetype: .movable))
        let before = try zone.compactEncoding().get()
        #expect(Array(before[0 ..< 2]) == [0, 0])
        try zone.free(pfn: pfn, order: 1)
        let queued = try zone.compactEncoding().get()
        #expect(Array(queued[0 ..< 2]) == [1, 1])
        #expect(zone.reportingWorkQueued)
        let twin = try PortZone(variant: .baseline, geometry: .tiny16)
        try twin.decodeCompact(queued)
        #expect(twin.reportingWorkQueued)
        #expect(twin.reportingState == .requested)
        #expect(twin.stateHash() == zone.stateHash())
    }

    // A seeded walk of 1,500 operations (allocations of every order and pcp type, frees,
    // isolation changes, idle spells whose first report() fails one time in four) on each
    // geometry, for the baseline and the seed's variant. After every step the state is encoded and rebuilt in a
    // second zone: the same snapshot, live allocations and canonical hash, the same
    // bytes again; then the next operation gives the same result on both.
    @Test(arguments: CompactCase.all, TestVariant.allCases)
    func rebuildsExactly(_ c: CompactCase, variant: TestVariant) throws {
        let g = c.geometry
        let variant = try variant.variant()
        let zone = try PortZone(variant: variant, geometry: g)
        let twin = try PortZone(variant: variant, geometry: g)
        var rng = SplitMix64(seed: 14)
        var live: [(pfn: Int, order: Int)] = []
        var isolated = Set<Int>()
        for step in 0 ..< 1500 {
            let bytes = try zone.compactEncoding().get()
            try twin.decodeCompact(bytes)
            #expect(twin.snapshot() == zone.snapshot(), "step \(step)")
            #expect(twin.stateHash() == zone.stateHash(), "step \(step)")
            #expect((0 ..< g.zonePages).map(twin.allocationOrder) == (0 ..< g.zonePages).map(zone.allocationOrder))
            #expect(try twin.compactEncoding().get() == bytes)
            #expect(bytes.count <= zone.compactCapacity)
            if twin.snapshot() != zone.snapshot() { return }

            let roll = rng.below(100)
            if roll < 45 || live.isEmpty {
                let order = rng.below(g.maxPageOrder + 1)
                let mt = MigrateType.pcpTypes[rng.below(3)]
                let a = try zone.allocate(order: order, migratetype: mt)
                #expect(try twin.allocate(order: order, migratetype: mt) == a)
                if let a { live.append((a, order)) }
            } else if roll < 85 {
                let (pfn, order) = live.remove(at: rng.below(live.count))
                try zone.free(pfn: pfn, order: order)
                try twin.free(pfn: pfn, order: order)
            } else if roll < 93 {
                let pb = rng.below(g.nrPageblocks)
                if isolated.remove(pb) != nil {
                    try zone.unisolate(pageblock: pb)
                    try twin.unisolate(pageblock: pb)
                } else {
                    let a = Result { try zone.isolate(pageblock: pb) }
                    let b = Result { try twin.isolate(pageblock: pb) }
                    let done = (try? a.get()) != nil
                    #expect(((try? b.get()) != nil) == done)
                    if done { isolated.insert(pb) }
                }
            } else {
                let fail = rng.below(4) == 0
                var calls = 0
                let a = try zone.idle { _ in defer { calls += 1 }; return !(fail && calls == 0) }
                calls = 0
                let b = try twin.idle { _ in defer { calls += 1 }; return !(fail && calls == 0) }
                #expect(a == b)
            }
            #expect(twin.snapshot() == zone.snapshot(), "after step \(step)")
        }
        expectNoViolations(zone)
        expectNoViolations(twin)
    }

    // A state outside the encoding's form is refused with its reason: a page an owner
    // left PG_dirty on inside its live order-1 allocation, or on its head.
    @Test(arguments: TestVariant.allCases)
    func refusesWhatItCannotHold(variant: TestVariant) throws {
        let zone = try PortZone(variant: try variant.variant(), geometry: .tiny16)
        let pfn = try #require(try zone.allocate(order: 1, migratetype: .unmovable))
        try zone.setOwnedPageFlags(pfn: pfn + 1, .dirty)
        #expect(throws: CompactRefusal(reason: "a page inside a live allocation is not as allocated", pfn: pfn + 1)) {
            try zone.compactEncoding().get()
        }
        let other = try PortZone(variant: try variant.variant(), geometry: .tiny16)
        let head = try #require(try other.allocate(order: 1, migratetype: .unmovable))
        try other.setOwnedPageFlags(pfn: head, .dirty)
        #expect(throws: CompactRefusal(reason: "a live allocation's head is not as allocated", pfn: head)) {
            try other.compactEncoding().get()
        }
    }

    // Bytes that are no encoding of the zone are refused: cut short, queued work that is
    // neither 0 nor 1, a block order beyond MAX_PAGE_ORDER, a list entry that heads no
    // free block, a free block left off the lists. The zone stays usable: it encodes again once a valid encoding is loaded.
    @Test func refusesBadBytes() throws {
        let zone = try PortZone(variant: try TestVariant.seed.variant(), geometry: .tiny16)
        let boot = try zone.compactEncoding().get()
        var badQueued = boot
        badQueued[1] = 2
        var badOrder = boot
        badOrder[15] = 0x84
        var badEntry = boot
        badEntry[18] = 4
        for bytes in [Array(boot.prefix(10)), Array(boot.prefix(16)), badQueued, badOrder, badEntry, Array(boot.dropLast())] {
            #expect(throws: AllocatorError.invalidGeometry("not a compact encoding of this zone")) {
                try zone.decodeCompact(bytes)
            }
        }
        try zone.decodeCompact(boot)
        #expect(try zone.compactEncoding().get() == boot)
        #expect(try zone.allocate(order: 3, migratetype: .movable) == 0)
    }

    // A zone larger than 256 pages has no compact form.
    @Test func largeZonesHaveNone() throws {
        let zone = try PortZone(variant: .baseline, geometry: .x86_64)
        #expect(zone.compactCapacity == 0)
    }
}
