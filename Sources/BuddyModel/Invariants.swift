// SPDX-License-Identifier: GPL-2.0-only
//
// Consistency checks over the model's state.
//
// Always required:
// - conservation: the zone's pages are tiled, without gaps or overlaps, by free blocks and
//   live allocations, each aligned to its order and inside the zone; nothing outside the
//   zone is free or flagged;
// - every free block's first page is on exactly one free list, of the block's order, and
//   every list member is such a first page;
// - nr_free of each order is the number of list members of that order;
// - PG_reported only on first pages of free blocks, and every such block lies wholly inside
//   what the host discarded (soundness);
// - PG_lru exactly on the pages of live movable allocations.
// While `accountingCoherent` (see BuddyModel) also:
// - every free block's pageblocks all have the effective type of the list it is on;
// - the free page counters equal the sizes of the blocks on the lists they describe, and
//   nr_isolate_pageblock equals the number of pageblocks with the isolate bit.

extension BuddyModel {
    /// Every check over the whole zone. Empty when all hold.
    public func checkInvariants() -> [String] {
        var problems: [String] = []
        checkRange(0 ..< mapPages, into: &problems)
        checkLiveAllocations(into: &problems)
        checkTotals(into: &problems)
        return problems
    }

    /// The checks restricted to the pfns the latest operation touched (widened to the
    /// blocks holding its ends), plus the zone-wide totals, which the model keeps at hand.
    /// Creation checks the whole zone.
    public func checkInvariantsFast() -> [String] {
        if touchedAll { return checkInvariants() }
        var problems: [String] = []
        if touchedLow < touchedHigh {
            let low = min(touchedLow, zonePages)
            let high = min(touchedHigh, mapPages)
            var start = low
            var end = high
            if low < zonePages, let (head, _) = tileHolding(low) { start = head }
            if high > 0, high <= zonePages, let (head, order) = tileHolding(high - 1) {
                end = head + (1 << order)
            }
            if start > low || end < high {
                // No tile found where one should be: fall back to MAX_PAGE_ORDER blocks.
                let unit = 1 << maxOrder
                start = touchedLow / unit * unit
                end = min(mapPages, (touchedHigh + unit - 1) / unit * unit)
            }
            checkRange(start ..< end, into: &problems)
        }
        checkTotals(into: &problems)
        return problems
    }

    /// The zone-wide totals alone (list lengths against nr_free and the counters).
    public func checkTotals() -> [String] {
        var problems: [String] = []
        checkTotals(into: &problems)
        return problems
    }

    /// The free block or live allocation holding `pfn`, as (first pfn, order).
    func tileHolding(_ pfn: Int) -> (Int, Int)? {
        for order in 0 ... maxOrder {
            let head = pfn & ~((1 << order) - 1)
            if Int(freeOrder[head]) == order || live[head] == order { return (head, order) }
        }
        return nil
    }

    /// The checks of the pfns of `range`, whose ends are multiples of 1 << MAX_PAGE_ORDER
    /// (or the end of the memory map), so no block crosses them.
    func checkRange(_ range: Range<Int>, into problems: inout [String]) {
        var nextStop = range.lowerBound
        for pfn in range {
            let order = Int(freeOrder[pfn])
            let listed = lists.list(of: pfn)
            if pfn >= zonePages {
                if order >= 0 { problems.append("pfn \(pfn) beyond the zone is a free block") }
                if listed != nil { problems.append("pfn \(pfn) beyond the zone is on a free list") }
                if reported.contains(pfn) { problems.append("pfn \(pfn) beyond the zone is PG_reported") }
                if lru.contains(pfn) { problems.append("pfn \(pfn) beyond the zone is PG_lru") }
                continue
            }

            if order >= 0 {
                if order > maxOrder {
                    problems.append("free block at \(pfn) has order \(order) above MAX_PAGE_ORDER")
                    continue
                }
                if pfn & ((1 << order) - 1) != 0 {
                    problems.append("free block at \(pfn) is not aligned to its order \(order)")
                }
                if pfn + (1 << order) > zonePages {
                    problems.append("free block at \(pfn) of order \(order) runs past the zone")
                }
                if let list = listed {
                    if list / FreeLists.types != order {
                        problems.append("free block at \(pfn) of order \(order) is on a list of order \(list / FreeLists.types)")
                    } else if accountingCoherent {
                        let type = MigrateType(rawValue: list % FreeLists.types)!
                        let blocks = max(1, (1 << order) >> blockOrder)
                        for n in 0 ..< blocks where effectiveType(pfn + n * blockPages) != type {
                            problems.append("free block at \(pfn) on the \(type) list of order \(order) covers pageblock \((pfn >> blockOrder) + n) of type \(effectiveType(pfn + n * blockPages))")
                        }
                    }
                } else {
                    problems.append("free block at \(pfn) of order \(order) is on no free list")
                }
                if reported.contains(pfn) && !discarded.containsAll(pfn ..< pfn + (1 << order)) {
                    problems.append("reported block at \(pfn) of order \(order) is not wholly discarded by the host")
                }
            } else {
                if listed != nil { problems.append("pfn \(pfn) is on a free list but no free block starts there") }
                if reported.contains(pfn) { problems.append("pfn \(pfn) is PG_reported but no free block starts there") }
            }

            if pfn == nextStop {
                let liveOrder = live[pfn]
                switch (order >= 0, liveOrder) {
                case (true, nil):
                    nextStop = pfn + (1 << order)
                case (false, let k?):
                    nextStop = pfn + (1 << k)
                    let movable = movableLive.contains(pfn)
                    let pages = pfn ..< pfn + (1 << k)
                    if movable ? !lru.containsAll(pages) : lru.intersects(pages) {
                        problems.append("allocation at \(pfn) of order \(k) has PG_lru \(movable ? "missing" : "set") on some page")
                    }
                case (true, let k?):
                    problems.append("pfn \(pfn) starts both a free block and an allocation of order \(k)")
                    nextStop = pfn + (1 << max(order, k))
                case (false, nil):
                    problems.append("pfn \(pfn) is neither free nor allocated")
                    nextStop = pfn + 1
                }
            } else if order >= 0 {
                problems.append("free block at \(pfn) overlaps the block before it")
            }
        }
        if nextStop != min(range.upperBound, zonePages) && range.lowerBound < zonePages {
            problems.append("the last block before pfn \(min(range.upperBound, zonePages)) ends at \(nextStop)")
        }
    }

    /// Each live allocation is aligned, inside the zone, and the only thing at its pfns
    /// (with the tiling of `checkRange`, being a tile start is enough).
    func checkLiveAllocations(into problems: inout [String]) {
        for (pfn, order) in live {
            if order < 0 || order > maxOrder || pfn & ((1 << order) - 1) != 0
                || pfn < 0 || pfn + (1 << order) > zonePages {
                problems.append("allocation at \(pfn) of order \(order) is malformed")
            }
        }
        var total = 0
        for order in live.values { total += 1 << order }
        if total != livePages { problems.append("live allocations hold \(total) pages, not \(livePages)") }
    }

    /// The zone-wide totals, from the list lengths: O(orders * migratetypes).
    func checkTotals(into problems: inout [String]) {
        var listedPages = 0
        var inBlocks = 0
        var cmaPages = 0
        var highAtomicPages = 0
        var isolatedPages = 0
        for order in 0 ... maxOrder {
            var members = 0
            for type in 0 ..< FreeLists.types {
                let count = lists.count(order * FreeLists.types + type)
                members += count
                let pages = count << order
                switch type {
                case MigrateType.isolate.rawValue: isolatedPages += pages
                case MigrateType.cma.rawValue: cmaPages += pages
                case MigrateType.highAtomic.rawValue: highAtomicPages += pages
                default: break
                }
                if order >= blockOrder && type != MigrateType.isolate.rawValue { inBlocks += pages }
            }
            listedPages += members << order
            if members != nrFree[order] {
                problems.append("nr_free[\(order)] is \(nrFree[order]) but the lists of order \(order) hold \(members)")
            }
        }
        if listedPages + livePages != zonePages {
            problems.append("free \(listedPages) + allocated \(livePages) pages != zone \(zonePages)")
        }
        guard accountingCoherent else { return }
        let counted = listedPages - isolatedPages
        if nrFreePages != counted {
            problems.append("NR_FREE_PAGES is \(nrFreePages) but the non-isolate lists hold \(counted)")
        }
        if nrFreeCMAPages != cmaPages {
            problems.append("NR_FREE_CMA_PAGES is \(nrFreeCMAPages) but the CMA lists hold \(cmaPages)")
        }
        if nrFreeHighAtomic != highAtomicPages {
            problems.append("nr_free_highatomic is \(nrFreeHighAtomic) but the high-atomic lists hold \(highAtomicPages)")
        }
        if nrFreePagesBlocks != inBlocks {
            problems.append("NR_FREE_PAGES_BLOCKS is \(nrFreePagesBlocks) but the lists hold \(inBlocks) in non-isolated blocks of order >= \(blockOrder)")
        }
        if nrIsolatePageblock != isolateBits {
            problems.append("nr_isolate_pageblock is \(nrIsolatePageblock) but \(isolateBits) pageblocks are isolated")
        }
    }
}
