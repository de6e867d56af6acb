// SPDX-License-Identifier: GPL-2.0-only
//
// Long random runs of valid operations, checking the invariants as they go.

import BuddyModel
import TestVariants
import Testing

/// Drives a model with random valid operations.
struct RandomDriver {
    var rng: SplitMix64
    var model: BuddyModel
    /// Live allocations in an order that allows picking one at random.
    var allocated: [(pfn: Int, order: Int)] = []
    var counts: [String: Int] = [:]

    init(geometry: Geometry, variant: TestVariant, seed: UInt64) throws {
        rng = SplitMix64(seed: seed)
        model = try BuddyModel(rules: variant.rules, geometry: geometry)
    }

    mutating func randomOrder() -> Int {
        // Mostly small orders, now and then any order.
        if Int.random(in: 0 ..< 8, using: &rng) == 0 {
            return Int.random(in: 0 ... model.geometry.maxPageOrder, using: &rng)
        }
        var order = 0
        while order < model.geometry.maxPageOrder && Bool.random(using: &rng) { order += 1 }
        return order
    }

    mutating func step() throws {
        let roll = Int.random(in: 0 ..< 100, using: &rng)
        switch roll {
        case 0 ..< 45:
            let order = randomOrder()
            let type = MigrateType.pcpTypes.randomElement(using: &rng)!
            var flags: AllocFlags = []
            if Int.random(in: 0 ..< 4, using: &rng) == 0 { flags.insert(.noFragment) }
            if type == .movable && Bool.random(using: &rng) { flags.insert(.cma) }
            if let pfn = try model.allocate(order: order, migratetype: type, flags: flags) {
                allocated.append((pfn, order))
                counts["allocate", default: 0] += 1
            } else {
                counts["allocate failed", default: 0] += 1
            }
        case 45 ..< 82:
            guard !allocated.isEmpty else { return }
            let index = Int.random(in: 0 ..< allocated.count, using: &rng)
            let (pfn, order) = allocated[index]
            allocated.swapAt(index, allocated.count - 1)
            allocated.removeLast()
            try model.free(pfn: pfn, order: order)
            counts["free", default: 0] += 1
        case 82 ..< 95:
            let block = Int.random(in: 0 ..< model.geometry.nrPageblocks, using: &rng)
            if model.pageblockState(block).isolated {
                try model.unisolate(pageblock: block)
                counts["unisolate", default: 0] += 1
            } else {
                try model.isolate(pageblock: block)
                counts["isolate", default: 0] += 1
            }
        default:
            var generator = rng
            let queued = model.reportingWorkQueued
            let batches = model.idle { _ in Int.random(in: 0 ..< 8, using: &generator) != 0 }
            rng = generator
            counts[queued ? "reporting pass" : "idle, nothing queued", default: 0] += 1
            counts["batches", default: 0] += batches.count
            counts["failed batches", default: 0] += batches.filter { !$0.succeeded }.count
        }
    }
}

@Suite struct RandomTests {
    static let geometries: [(String, Geometry)] = [("tiny16", .tiny16), ("tiny64", .tiny64),
                                                    ("x86_64", .x86_64)]
    static let cases: [(String, TestVariant)] = geometries.flatMap { name, _ in
        TestVariant.allCases.map { (name, $0) }
    }

    @Test(arguments: cases)
    func invariantsHold(geometryName: String, variant: TestVariant) throws {
        let geometry = try #require(Self.geometries.first { $0.0 == geometryName }?.1)
        let fullEvery = geometry.zonePages > 1024 ? 1000 : 50
        var incoherentRuns = 0
        var totals: [String: Int] = [:]
        for seed in 1 ... 20 as ClosedRange<UInt64> {
            var driver = try RandomDriver(geometry: geometry, variant: variant,
                                          seed: seed &* 0x1234_5678_9ABC_DEF1)
            for op in 1 ... 10_000 {
                try driver.step()
                let fast = driver.model.checkInvariantsFast()
                if !fast.isEmpty {
                    Issue.record("seed \(seed) op \(op): \(fast.prefix(5))")
                    return
                }
                if op % fullEvery == 0 {
                    let full = driver.model.checkInvariants()
                    if !full.isEmpty {
                        Issue.record("seed \(seed) op \(op) (full): \(full.prefix(5))")
                        return
                    }
                }
            }
            #expect(driver.model.checkInvariants() == [])
            #expect(Set(driver.model.liveAllocations.map { [$0.key, $0.value] })
                == Set(driver.allocated.map { [$0.pfn, $0.order] }))
            // The only assertions that may fire are the migratetype warnings of states the
            // kernel's own callers never produce; PG_reported never reaches a freed or
            // allocated page.
            for violation in driver.model.violations {
                #expect(violation.check == "VM_WARN_ONCE", "seed \(seed): \(violation)")
            }
            if !driver.model.accountingCoherent { incoherentRuns += 1 }
            for (key, value) in driver.counts { totals[key, default: 0] += value }
        }
        print("\(geometryName) \(variant): \(totals.sorted { $0.key < $1.key }), "
            + "runs that lost counter coherence: \(incoherentRuns)")
    }

    /// Unusual shapes: blocks two orders above a pageblock, single-page pageblocks,
    /// pageblocks of MAX_PAGE_ORDER, mixed boot types, a ragged zone end, a one-page zone.
    static let edgeGeometries: [(String, Geometry)] = [
        ("wide", Geometry(nrPageblocks: 16, pageblockOrder: 2, maxPageOrder: 5,
                          pageReportingOrder: 1, reportingCapacity: 3)),
        ("pbo0", Geometry(nrPageblocks: 32, pageblockOrder: 0, maxPageOrder: 3,
                          pageReportingOrder: 0, reportingCapacity: 1)),
        ("pbo1", Geometry(nrPageblocks: 16, pageblockOrder: 1, maxPageOrder: 4,
                          pageReportingOrder: 0, reportingCapacity: 2)),
        ("pboMax", Geometry(nrPageblocks: 4, pageblockOrder: 3, maxPageOrder: 3,
                            pageReportingOrder: 3, reportingCapacity: 1)),
        ("mixed", Geometry(nrPageblocks: 8, pageblockOrder: 3, maxPageOrder: 5,
                           pageReportingOrder: 2, reportingCapacity: 2,
                           initialMigratetypes: [.unmovable, .cma, .movable, .reclaimable,
                                                 .cma, .cma, .movable, .unmovable])),
        ("ragged", Geometry(nrPageblocks: 5, pageblockOrder: 2, maxPageOrder: 4,
                            pageReportingOrder: 2, reportingCapacity: 4)),
        ("single", Geometry(nrPageblocks: 1, pageblockOrder: 0, maxPageOrder: 0,
                            pageReportingOrder: 0, reportingCapacity: 1)),
    ]
    static let edgeCases: [(String, TestVariant)] = edgeGeometries.flatMap { name, _ in
        TestVariant.allCases.map { (name, $0) }
    }

    @Test(arguments: edgeCases)
    func edgeGeometriesHold(geometryName: String, variant: TestVariant) throws {
        let geometry = try #require(Self.edgeGeometries.first { $0.0 == geometryName }?.1)
        var incoherentRuns = 0
        var warnings = 0
        for seed in 1 ... 5 as ClosedRange<UInt64> {
            var driver = try RandomDriver(geometry: geometry, variant: variant, seed: seed)
            for op in 1 ... 10_000 {
                try driver.step()
                let fast = driver.model.checkInvariantsFast()
                if !fast.isEmpty {
                    Issue.record("seed \(seed) op \(op): \(fast.prefix(5))")
                    return
                }
                if op % 100 == 0 {
                    let full = driver.model.checkInvariants()
                    if !full.isEmpty {
                        Issue.record("seed \(seed) op \(op) (full): \(full.prefix(5))")
                        return
                    }
                }
                if op % 500 == 0 {
                    #expect(driver.model.encodedState == driver.model.snapshot().canonicalEncoding)
                }
            }
            for violation in driver.model.violations {
                #expect(violation.check == "VM_WARN_ONCE", "seed \(seed): \(violation)")
            }
            warnings += driver.model.violations.count
            if !driver.model.accountingCoherent { incoherentRuns += 1 }
        }
        print("\(geometryName) \(variant): runs that lost counter coherence: \(incoherentRuns), "
            + "warnings: \(warnings)")
    }

    /// Freeing everything returns the zone to a state with the boot free page counts.
    @Test(arguments: TestVariant.allCases)
    func freeEverythingRestoresTotals(variant: TestVariant) throws {
        var driver = try RandomDriver(geometry: .tiny64, variant: variant, seed: 7)
        for _ in 0 ..< 2_000 { try driver.step() }
        for block in 0 ..< 8 where driver.model.pageblockState(block).isolated {
            try driver.model.unisolate(pageblock: block)
        }
        for (pfn, order) in driver.allocated { try driver.model.free(pfn: pfn, order: order) }
        #expect(driver.model.liveAllocations.isEmpty)
        #expect(driver.model.checkInvariants() == [])
        if driver.model.accountingCoherent {
            #expect(driver.model.counters.freePages == 64)
        }
    }
}
