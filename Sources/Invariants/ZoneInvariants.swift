// SPDX-License-Identifier: GPL-2.0-only
//
// The model's invariants (BuddyModel/Invariants.swift) stated over the flat state encoding
// that the port (bport_encode_state) and the model both write, with the live allocations
// and the host's discarded pages beside it, for a zone of any size: conservation (free
// blocks and live allocations tile the zone), list membership and order, nr_free, the
// pageblock types of listed blocks, the free page counters, PG_reported only on free
// block heads, and soundness (every PG_reported block wholly discarded by the host).
// Every driver of the port checks these: the differential, exploration, the review.

@_exported import BuddyTypes

public struct ZoneInvariants {
    public let geometry: Geometry
    private var owner: [Int8]
    private var freeHead: [Bool]

    public init(geometry: Geometry) {
        self.geometry = geometry
        owner = Array(repeating: 0, count: geometry.zonePages)
        freeHead = Array(repeating: false, count: geometry.zonePages)
    }

    /// The problems of the state `encoded`; `allocation[pfn]` is the order of the live
    /// allocation headed there or -1; `discarded(range)` says whether the host holds every
    /// pfn of `range` as discarded. Empty when every invariant holds.
    public mutating func problems(_ encoded: [Int], allocation: [Int],
                                  discarded: (Range<Int>) -> Bool) -> [String] {
        let g = geometry
        let pages = g.zonePages
        let orders = g.maxPageOrder + 1
        let types = MigrateType.count
        let reportedBit = Int(PageFlags.reported.rawValue) << 16
        var problems: [String] = []
        for i in 0 ..< pages { owner[i] = 0; freeHead[i] = false }

        let counters = Array(encoded[0 ..< 5])
        let nrFree = Array(encoded[5 ..< 5 + orders])
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
                        if !discarded(pfn ..< pfn + size) {
                            problems.append("reported block at \(pfn) of order \(order) is not wholly discarded by the host")
                        }
                    }
                }
            }
            listed += members << order
            if members != nrFree[order] {
                problems.append("nr_free[\(order)] is \(nrFree[order]) but the lists of order \(order) hold \(members)")
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
        let isolatedBlocks = (0 ..< g.nrPageblocks).filter { encoded[blocksAt + $0] & 8 != 0 }.count
        if counters[4] != isolatedBlocks {
            problems.append("nr_isolate_pageblock is \(counters[4]) but \(isolatedBlocks) pageblocks are isolated")
        }
        return problems
    }
}
