// SPDX-License-Identifier: GPL-2.0-only
//
// The model's invariants (BuddyModel/Invariants.swift), checked on the port's state as
// bport_encode_state() writes it, with the live allocations and the host's discarded
// pages beside it. Exhaustive exploration runs these on every state it reaches.

import BuddyPort

/// The pfns of the block of `order` at `pfn`, one bit each (zones of at most 64 pages).
func pfnMask(_ pfn: Int, _ order: Int) -> UInt64 {
    (1 << order) >= 64 ? ~0 : ((1 << UInt64(1 << order)) - 1) << UInt64(pfn)
}

struct PortStateCheck {
    let geometry: Geometry
    private var owner: [Int8]
    private var freeHead: [Bool]
    private var encoded: [Int] = []
    /// Per pfn, the order of the live allocation headed there or -1, as of the last
    /// `problems(of:)`.
    private(set) var allocation: [Int]
    /// The pfns that head live allocations, as of the last `problems(of:)`.
    private(set) var liveHeads: UInt64 = 0

    init(geometry: Geometry) {
        self.geometry = geometry
        owner = Array(repeating: 0, count: geometry.zonePages)
        freeHead = Array(repeating: false, count: geometry.zonePages)
        allocation = Array(repeating: -1, count: geometry.zonePages)
    }

    /// The problems of `zone`'s state: the invariants below, then, first in the list,
    /// the first kernel check recorded beyond `violationsBefore`.
    mutating func problems(of zone: PortZone, discarded: UInt64, violationsBefore: Int = 0) -> [String] {
        liveHeads = 0
        for pfn in 0 ..< geometry.zonePages {
            let order = zone.allocationOrder(at: pfn) ?? -1
            allocation[pfn] = order
            if order >= 0 && pfn < 64 { liveHeads |= 1 << UInt64(pfn) }
        }
        return problems(of: zone, allocation: allocation, discarded: discarded, violationsBefore: violationsBefore)
    }

    /// `problems(of:discarded:violationsBefore:)` with the live allocations known:
    /// `allocation[pfn]` is the order of the one headed at pfn, or -1.
    mutating func problems(of zone: PortZone, allocation: [Int], discarded: UInt64, violationsBefore: Int = 0) -> [String] {
        zone.encodeState(into: &encoded)
        var problems = problems(encoded, allocation: allocation, discarded: discarded)
        if zone.violationCount > violationsBefore {
            problems.insert(zone.violations[violationsBefore].description, at: 0)
        }
        return problems
    }

    /// The problems of the state `encoded`; `allocation[pfn]` is the order of the live
    /// allocation headed there or -1, `discarded` bit n is pfn n held by the host.
    mutating func problems(_ encoded: [Int], allocation: [Int], discarded: UInt64) -> [String] {
        let g = geometry
        let pages = g.zonePages
        let orders = g.maxPageOrder + 1
        let types = MigrateType.count
        let reportedBit = Int(PageFlags.reported.rawValue) << 16
        var problems: [String] = []
        for i in 0 ..< pages { owner[i] = 0; freeHead[i] = false }

        let counters = encoded[0 ..< 5]
        let nrFree = encoded[5 ..< 5 + orders]
        let blocksAt = 5 + orders
        let pagesAt = blocksAt + g.nrPageblocks
        func page(_ pfn: Int) -> Int { encoded[pagesAt + pfn] }
        func effectiveType(_ pfn: Int) -> Int {
            let bits = encoded[blocksAt + (pfn >> g.pageblockOrder)]
            return bits & 8 != 0 ? MigrateType.isolate.rawValue : bits & 7
        }

        var at = pagesAt + pages
        var listed = 0, isolatedPages = 0, cmaPages = 0, highAtomicPages = 0, inBlocks = 0
        for order in 0 ..< orders {
            var members = 0
            for type in 0 ..< types {
                let count = encoded[at]
                at += 1
                members += count
                let size = 1 << order
                switch type {
                case MigrateType.isolate.rawValue: isolatedPages += count << order
                case MigrateType.cma.rawValue: cmaPages += count << order
                case MigrateType.highAtomic.rawValue: highAtomicPages += count << order
                default: break
                }
                if order >= g.pageblockOrder && type != MigrateType.isolate.rawValue { inBlocks += count << order }
                for _ in 0 ..< count {
                    let pfn = encoded[at]
                    at += 1
                    guard pfn >= 0, pfn & (size - 1) == 0, pfn + size <= pages else {
                        problems.append("free list of order \(order) holds pfn \(pfn), not an aligned block in the zone")
                        continue
                    }
                    let head = page(pfn)
                    if head & 0x100 == 0 || head & 0xff != order {
                        problems.append("free block at \(pfn) on a list of order \(order) has PageBuddy \(head & 0x100 != 0), order \(head & 0xff)")
                    }
                    freeHead[pfn] = true
                    for p in pfn ..< pfn + size {
                        if owner[p] != 0 { problems.append("pfn \(p) is in two free blocks") }
                        owner[p] = 1
                        if p != pfn && page(p) & 0x100 != 0 { problems.append("pfn \(p) inside the free block at \(pfn) is PageBuddy") }
                    }
                    for n in 0 ..< max(1, size >> g.pageblockOrder) {
                        let t = effectiveType(pfn + n << g.pageblockOrder)
                        if t != type {
                            problems.append("free block at \(pfn) on the list of type \(type), order \(order) covers pageblock \((pfn >> g.pageblockOrder) + n) of type \(t)")
                        }
                    }
                    if head & reportedBit != 0 {
                        let mask = pfnMask(pfn, order)
                        if discarded & mask != mask {
                            problems.append("reported block at \(pfn) of order \(order) is not wholly discarded by the host")
                        }
                    }
                }
            }
            listed += members << order
            if members != nrFree[5 + order] {
                problems.append("nr_free[\(order)] is \(nrFree[5 + order]) but the lists of order \(order) hold \(members)")
            }
        }
        var allocated = 0
        for pfn in 0 ..< pages where allocation[pfn] >= 0 {
            let size = 1 << allocation[pfn]
            allocated += size
            for p in pfn ..< min(pfn + size, pages) {
                if owner[p] != 0 { problems.append("pfn \(p) is both \(owner[p] == 1 ? "free" : "allocated twice") and allocated at \(pfn)") }
                owner[p] = 2
            }
        }
        for pfn in 0 ..< pages {
            if owner[pfn] == 0 { problems.append("pfn \(pfn) is neither free nor allocated") }
            if page(pfn) & reportedBit != 0 && !freeHead[pfn] {
                problems.append("pfn \(pfn) is PG_reported but no free block starts there")
            }
            if page(pfn) & 0x100 != 0 && !freeHead[pfn] && owner[pfn] != 1 {
                problems.append("pfn \(pfn) is PageBuddy but on no free list")
            }
        }
        if listed + allocated != pages {
            problems.append("free \(listed) + allocated \(allocated) pages != zone \(pages)")
        }
        if counters[0] != listed - isolatedPages {
            problems.append("NR_FREE_PAGES is \(counters[0]) but the non-isolate lists hold \(listed - isolatedPages)")
        }
        if counters[1] != inBlocks {
            problems.append("NR_FREE_PAGES_BLOCKS is \(counters[1]) but the lists hold \(inBlocks) in non-isolated blocks of order >= \(g.pageblockOrder)")
        }
        if counters[2] != cmaPages { problems.append("NR_FREE_CMA_PAGES is \(counters[2]) but the CMA lists hold \(cmaPages)") }
        if counters[3] != highAtomicPages {
            problems.append("nr_free_highatomic is \(counters[3]) but the high-atomic lists hold \(highAtomicPages)")
        }
        var isolatedBlocks = 0
        for pb in 0 ..< g.nrPageblocks where encoded[blocksAt + pb] & 8 != 0 { isolatedBlocks += 1 }
        if counters[4] != isolatedBlocks {
            problems.append("nr_isolate_pageblock is \(counters[4]) but \(isolatedBlocks) pageblocks are isolated")
        }
        return problems
    }
}
