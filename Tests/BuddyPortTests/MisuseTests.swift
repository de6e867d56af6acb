// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import Testing

/// SplitMix64, for reproducible misuse sequences.
struct Rng {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

@Suite("Misuse mixed into valid use")
struct MisuseTests {
    // Two zones get the same valid operations; one of them also gets a random invalid
    // call before each. Every invalid call must be refused without a change, and in the
    // end both zones must be identical: the invalid calls left no trace.
    @Test(arguments: Variant.allCases, [UInt64(1), 2, 3, 4, 5])
    func invalidCallsLeaveNoTrace(variant: Variant, seed: UInt64) throws {
        let g = Geometry.tiny64
        let clean = try PortZone(variant: variant, geometry: g)
        let abused = try PortZone(variant: variant, geometry: g)
        var rng = Rng(state: seed)
        var live: [(pfn: Int, order: Int)] = []
        var isolated = Set<Int>()
        for _ in 0 ..< 3000 {
            // An invalid call first, on the abused zone only.
            let before = abused.snapshot()
            let refused: Bool
            do throws(AllocatorError) {
                switch rng.below(9) {
                case 0: // double free, or free of something never allocated
                    let pfn = rng.below(g.zonePages)
                    if abused.allocationOrder(at: pfn) != nil { refused = true; break }
                    try abused.free(pfn: pfn, order: rng.below(g.maxPageOrder + 1))
                    refused = false
                case 1: // free with the wrong order
                    guard let a = live.randomElement(using: &rng) else { refused = true; break }
                    try abused.free(pfn: a.pfn, order: (a.order + 1 + rng.below(g.maxPageOrder)) % (g.maxPageOrder + 1))
                    refused = false
                case 2: try abused.free(pfn: g.zonePages + rng.below(100), order: 0); refused = false
                case 3: try abused.free(pfn: 1 + 2 * rng.below(g.zonePages / 2), order: 1 + rng.below(g.maxPageOrder)); refused = false
                case 4: _ = try abused.allocate(order: g.maxPageOrder + 1 + rng.below(5), migratetype: .movable); refused = false
                case 5: _ = try abused.allocate(order: 0, migratetype: [.highAtomic, .cma, .isolate][rng.below(3)]); refused = false
                case 6: // isolate twice
                    guard let pb = isolated.randomElement(using: &rng) else { refused = true; break }
                    try abused.isolate(pageblock: pb); refused = false
                case 7: // unisolate what is not isolated
                    let pb = rng.below(g.nrPageblocks)
                    if isolated.contains(pb) { refused = true; break }
                    try abused.unisolate(pageblock: pb); refused = false
                default: try abused.isolate(pageblock: g.nrPageblocks + rng.below(4)); refused = false
                }
            } catch {
                refused = true
            }
            #expect(refused, "an invalid call was accepted")
            #expect(abused.snapshot() == before, "a refused call changed the zone")

            // Then the same valid operation on both.
            let roll = rng.below(100)
            if roll < 50 {
                let order = rng.below(4), mt = MigrateType.pcpTypes[rng.below(3)]
                let a = try clean.allocate(order: order, migratetype: mt)
                let b = try abused.allocate(order: order, migratetype: mt)
                #expect(a == b)
                if let a { live.append((a, order)) }
            } else if roll < 90, !live.isEmpty {
                let i = rng.below(live.count)
                let victim = live.remove(at: i)
                try clean.free(pfn: victim.pfn, order: victim.order)
                try abused.free(pfn: victim.pfn, order: victim.order)
            } else if roll < 97 {
                let pb = rng.below(g.nrPageblocks)
                if isolated.remove(pb) != nil {
                    try clean.unisolate(pageblock: pb); try abused.unisolate(pageblock: pb)
                } else {
                    isolated.insert(pb)
                    try clean.isolate(pageblock: pb); try abused.isolate(pageblock: pb)
                }
            } else {
                let a = try clean.reportingPass { _ in true }
                let b = try abused.reportingPass { _ in true }
                #expect(a == b)
            }
        }
        #expect(clean.snapshot() == abused.snapshot())
        expectNoViolations(clean)
        expectNoViolations(abused)
    }
}

extension Array {
    func randomElement(using rng: inout Rng) -> Element? {
        isEmpty ? nil : self[rng.below(count)]
    }
}

extension Set where Element == Int {
    func randomElement(using rng: inout Rng) -> Int? {
        isEmpty ? nil : sorted()[rng.below(count)]
    }
}
