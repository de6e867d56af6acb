// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import Testing

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
    // tiny16 at boot: 18 bytes. Reporting requested (the boot's frees asked for a pass),
    // no zone flags, no boost; 16 free
    // pages, all in blocks of pageblock order or more; nr_free 0, 0, 0, 2; four movable
    // pageblocks (two to a byte); two free order-3 blocks; the order-3 movable list holds
    // 0 then 8 (boot frees to the tail).
    @Test func bootBytes() throws {
        let zone = try PortZone(variant: .baseline, geometry: .tiny16)
        #expect(zone.compactCapacity == 3 + 5 + 4 + 2 + 2 * 16)
        #expect(try zone.compactEncoding().get()
                == [1, 0, 0, 16, 16, 0, 0, 0, 0, 0, 0, 2, 0x11, 0x11, 0x83, 0x83, 0, 8])
    }

    // After a pass (it reports block 0), an order-3 allocation (block 8) and an order-0
    // one, which splits block 0: the pass left the reporting device active (2); pfn 0 is
    // allocated (0x10: PG_lru), 1 is a free order-0 block, 2 order 1, 4 order 2, 8 a live
    // order-3 allocation. Baseline: the pieces of the split block lost PG_reported;
    // patched: they kept it (0x90, 0x91, 0x92). The lists: order 0 [1], 1 [2], 2 [4].
    @Test(arguments: [(Variant.baseline, [UInt8]([0x10, 0x80, 0x81, 0x82, 0x13])),
                      (.patched, [0x10, 0x90, 0x91, 0x92, 0x13])])
    func afterReportAndSplit(variant: Variant, blocks: [UInt8]) throws {
        let zone = try PortZone(variant: variant, geometry: .tiny16)
        #expect(try zone.reportingPass { _ in true }.flatMap(\.ranges) == [PfnRange(pfn: 0, order: 3)])
        #expect(try zone.allocate(order: 3, migratetype: .movable) == 8)
        #expect(try zone.allocate(order: 0, migratetype: .movable) == 0)
        let bytes = try zone.compactEncoding().get()
        #expect(Array(bytes[0 ..< 3]) == [2, 0, 0])
        #expect(Array(bytes[14 ..< 19]) == blocks)
        #expect(Array(bytes[19...]) == [1, 2, 4])
    }

    // A seeded walk of 1,500 operations (allocations of every order and pcp type, frees,
    // isolation changes, passes whose first report() fails one time in four) on each
    // geometry and variant. After every step the state is encoded and rebuilt in a
    // second zone: the same snapshot, live allocations and canonical hash, the same
    // bytes again; then the next operation gives the same result on both.
    @Test(arguments: CompactCase.all, Variant.allCases)
    func rebuildsExactly(_ c: CompactCase, variant: Variant) throws {
        let g = c.geometry
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
                let a = try zone.reportingPass { _ in defer { calls += 1 }; return !(fail && calls == 0) }
                calls = 0
                let b = try twin.reportingPass { _ in defer { calls += 1 }; return !(fail && calls == 0) }
                #expect(a == b)
            }
            #expect(twin.snapshot() == zone.snapshot(), "after step \(step)")
        }
        expectNoViolations(zone)
        expectNoViolations(twin)
    }

    // A state outside the encoding's form is refused with its reason: the directed
    // probe (split_large_buddy() on block 0 with PG_reported kept) leaves pfn 4
    // PG_reported inside the merged block 0 in the patched variant. In the baseline the
    // state it leaves has a compact form (block 0 whole and unflagged again, the kernel
    // check that fired on the way is no state).
    @Test func refusesWhatItCannotHold() throws {
        let zone = try PortZone(variant: .patched, geometry: .tiny16)
        _ = try zone.reportingPass { _ in true }
        try zone.probeSplitReported(pfn: 0)
        #expect(throws: CompactRefusal(reason: "a page inside a free block is not clear", pfn: 4)) {
            try zone.compactEncoding().get()
        }
        let baseline = try PortZone(variant: .baseline, geometry: .tiny16)
        _ = try baseline.reportingPass { _ in true }
        try baseline.probeSplitReported(pfn: 0)
        #expect(baseline.violationCount == 1)
        #expect(try baseline.compactEncoding().get()
                == [1, 0, 0, 16, 16, 0, 0, 0, 0, 0, 0, 2, 0x11, 0x11, 0x83, 0x83, 0, 8])
    }

    // Bytes that are no encoding of the zone are refused: cut short, a block order
    // beyond MAX_PAGE_ORDER, a list entry that heads no free block, a free block left off
    // the lists. The zone stays usable: it encodes again once a valid encoding is loaded.
    @Test func refusesBadBytes() throws {
        let zone = try PortZone(variant: .patched, geometry: .tiny16)
        let boot = try zone.compactEncoding().get()
        var badOrder = boot
        badOrder[14] = 0x84
        var badEntry = boot
        badEntry[17] = 4
        for bytes in [Array(boot.prefix(10)), Array(boot.prefix(15)), badOrder, badEntry, Array(boot.dropLast())] {
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
