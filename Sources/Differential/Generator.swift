// SPDX-License-Identifier: GPL-2.0-only
//
// Seeded random operation sequences that reach deep states: zones filled nearly full and
// drained again, fragmented by mixed migratetypes, fallbacks that claim whole pageblocks,
// isolation across large buddies, and idle spells in between that let requested
// reporting passes run, some failing.

import BuddyTypes

/// Picks the next operation from a seed and the allocations currently live.
public struct OperationGenerator: Sendable {
    public let geometry: Geometry
    private var rng: SplitMix64
    private var phase = Phase.fill
    private var phaseLeft = 0
    private var isolated: Set<Int> = []

    enum Phase: CaseIterable { case fill, drain, churn, fragment }

    public init(geometry: Geometry, seed: UInt64) {
        self.geometry = geometry
        rng = SplitMix64(seed: seed)
    }

    /// The next operation; `live` is pfn -> order of the live allocations.
    public mutating func next(live: [Int: Int]) -> Operation {
        if phaseLeft == 0 {
            phase = Phase.allCases.randomElement(using: &rng)!
            phaseLeft = Int.random(in: 20 ... 200, using: &rng)
        }
        phaseLeft -= 1

        let roll = Int.random(in: 0 ..< 100, using: &rng)
        // The rest of the 100 goes to isolation changes.
        let (alloc, free, report) = switch phase {
        case .fill: (72, 10, 12)
        case .drain: (15, 67, 12)
        case .churn: (42, 40, 12)
        case .fragment: (55, 35, 5)
        }
        if roll < alloc || (roll < alloc + free && live.isEmpty) {
            return allocation()
        }
        if roll < alloc + free {
            // The lowest-pfn order of a dictionary is not stable; sort for reproducibility.
            let pfns = live.keys.sorted()
            let pfn = pfns.randomElement(using: &rng)!
            return .free(pfn: pfn, order: live[pfn]!)
        }
        if roll < alloc + free + report {
            let fail = Int.random(in: 0 ..< 10, using: &rng)
            return .idle(failing: fail == 0 ? [0] : fail == 1 ? [1, 2] : [])
        }
        return isolation()
    }

    private mutating func allocation() -> Operation {
        let maxOrder = geometry.maxPageOrder
        let o = Int.random(in: 0 ..< 100, using: &rng)
        let order: Int
        if phase == .fragment {
            order = o < 80 ? 0 : Int.random(in: 0 ... min(2, maxOrder), using: &rng)
        } else if o < 45 {
            order = 0
        } else if o < 85 {
            order = Int.random(in: 0 ... min(3, maxOrder), using: &rng)
        } else {
            order = Int.random(in: 0 ... maxOrder, using: &rng)
        }
        let m = Int.random(in: 0 ..< 100, using: &rng)
        let mt: MigrateType = m < 55 ? .movable : m < 80 ? .unmovable : .reclaimable
        var flags: AllocFlags = []
        if Int.random(in: 0 ..< 100, using: &rng) < 15 { flags.insert(.noFragment) }
        if mt == .movable && Int.random(in: 0 ..< 100, using: &rng) < 30 { flags.insert(.cma) }
        return .allocate(order: order, migratetype: mt, flags: flags)
    }

    private mutating func isolation() -> Operation {
        let pb = Int.random(in: 0 ..< geometry.nrPageblocks, using: &rng)
        // Mostly keep the isolated set small; now and then try the refused direction.
        if Int.random(in: 0 ..< 20, using: &rng) == 0 {
            return isolated.contains(pb) ? .isolate(pageblock: pb) : .unisolate(pageblock: pb)
        }
        if isolated.contains(pb) || isolated.count >= max(1, geometry.nrPageblocks / 4) {
            let target = isolated.contains(pb) ? pb : isolated.sorted().randomElement(using: &rng)!
            isolated.remove(target)
            return .unisolate(pageblock: target)
        }
        isolated.insert(pb)
        return .isolate(pageblock: pb)
    }
}
