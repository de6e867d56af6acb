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

    /// The next operation, given the live allocations.
    public mutating func next(live: LiveSet) -> Operation {
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
            // by rank in pfn order, which does not depend on how the set was built
            let (pfn, order) = live.allocation(rank: Int.random(in: 0 ..< live.count, using: &rng))
            return .free(pfn: pfn, order: order)
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

/// The live allocations of a zone, pfn -> order, with the allocation of any rank in pfn
/// order found in time proportional to the zone's size / 512 + 8, not to their number.
public struct LiveSet: Sendable, Equatable {
    private var words: [UInt64]
    /// The members of each run of 8 words (512 pfns).
    private var runs: [Int32]
    private var orders: [Int8]
    public private(set) var count = 0

    public init(pages: Int) {
        words = Array(repeating: 0, count: (pages + 63) / 64)
        runs = Array(repeating: 0, count: (pages + 511) / 512)
        orders = Array(repeating: -1, count: pages)
    }

    public init(pages: Int, _ allocations: [(pfn: Int, order: Int)]) {
        self.init(pages: pages)
        for a in allocations { insert(pfn: a.pfn, order: a.order) }
    }

    public var isEmpty: Bool { count == 0 }

    /// Adds the allocation at `pfn`, or gives the one there its new order.
    public mutating func insert(pfn: Int, order: Int) {
        let fresh = orders[pfn] < 0
        orders[pfn] = Int8(order)
        guard fresh else { return }
        words[pfn >> 6] |= 1 << UInt64(pfn & 63)
        runs[pfn >> 9] += 1
        count += 1
    }

    public mutating func remove(pfn: Int) {
        guard orders[pfn] >= 0 else { return }
        orders[pfn] = -1
        words[pfn >> 6] &= ~(1 << UInt64(pfn & 63))
        runs[pfn >> 9] -= 1
        count -= 1
    }

    public func order(at pfn: Int) -> Int? { orders[pfn] < 0 ? nil : Int(orders[pfn]) }

    /// The allocation of rank `k` (0-based) in ascending pfn order.
    public func allocation(rank k: Int) -> (pfn: Int, order: Int) {
        precondition(k >= 0 && k < count)
        var left = k, run = 0
        while left >= Int(runs[run]) {
            left -= Int(runs[run])
            run += 1
        }
        var w = run * 8
        while left >= words[w].nonzeroBitCount {
            left -= words[w].nonzeroBitCount
            w += 1
        }
        var bits = words[w]
        for _ in 0 ..< left { bits &= bits - 1 }
        let pfn = w * 64 + bits.trailingZeroBitCount
        return (pfn, Int(orders[pfn]))
    }
}
