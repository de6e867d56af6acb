// SPDX-License-Identifier: GPL-2.0-only
//
// Taking a block off the free lists for an allocation (__rmqueue() with RMQUEUE_NORMAL).
//
// The rules:
// - With ALLOC_CMA, when free CMA pages are more than half of all free pages, CMA lists
//   are tried first. Then the requested type's lists, then (with ALLOC_CMA) the CMA lists,
//   then claiming a block of a fallback type, then (without ALLOC_NOFRAGMENT) stealing one.
// - Trying a type's lists means taking the head of the lowest order list of that type at
//   or above the requested order.
// - A block larger than asked for is split: its upper half goes to the head of the list of
//   the next order down, repeatedly, until the lower part has the asked-for order.
//   Patched only: when the block was PG_reported before it left its list, every upper half
//   put on a list is PG_reported too.
// - Fallback types: unmovable -> reclaimable, movable; movable -> reclaimable, unmovable;
//   reclaimable -> unmovable, movable. CMA, high-atomic and isolated lists are never
//   fallbacks.
// - Claiming looks from MAX_PAGE_ORDER down to the asked order (to pageblock_order with
//   ALLOC_NOFRAGMENT and a smaller ask); it stops at the first order where claiming is
//   not worth it (below pageblock_order / 2 for movable asks). At an order with a
//   non-empty fallback list it tries that list's head: a block of at least a pageblock is
//   retyped wholesale and split; a smaller one claims its whole pageblock only if free pages
//   plus compatible pages reach half the pageblock, after which the ask is served from the
//   requested type's lists. A failed claim goes on to the next order down.
// - Stealing takes the head of the first non-empty fallback list from the asked order up
//   and splits it keeping the fallback type.

extension BuddyModel {
    /// The fallbacks[] row of an allocation type, in the order they are tried.
    @inline(__always)
    static func fallbacks(_ type: MigrateType) -> (MigrateType, MigrateType) {
        switch type {
        case .unmovable: (.reclaimable, .movable)
        case .movable: (.reclaimable, .unmovable)
        default: (.unmovable, .movable)
        }
    }

    /// A counter as zone_page_state() reads it: never below zero.
    @inline(__always)
    static func read(_ counter: Int) -> Int { max(counter, 0) }

    /// __rmqueue().
    mutating func takeBlock(order: Int, type: MigrateType, flags: AllocFlags) -> Int? {
        let cma = flags.contains(.cma)
        if cma && Self.read(nrFreeCMAPages) > Self.read(nrFreePages) / 2,
           let pfn = takeSmallest(order: order, type: .cma) {
            return pfn
        }
        if let pfn = takeSmallest(order: order, type: type) { return pfn }
        if cma, let pfn = takeSmallest(order: order, type: .cma) { return pfn }
        if let pfn = claimFallback(order: order, type: type, noFragment: flags.contains(.noFragment)) {
            return pfn
        }
        if !flags.contains(.noFragment), let pfn = stealFallback(order: order, type: type) {
            return pfn
        }
        return nil
    }

    /// __rmqueue_smallest().
    mutating func takeSmallest(order: Int, type: MigrateType) -> Int? {
        for current in order ... maxOrder {
            if let pfn = lists.first(FreeLists.id(order: current, type: type)) {
                takeAndSplit(pfn, low: order, high: current, type: type)
                return pfn
            }
        }
        return nil
    }

    /// page_del_and_expand(): takes the order-`high` block at `pfn` off list (high, type)
    /// and keeps its order-`low` beginning.
    mutating func takeAndSplit(_ pfn: Int, low: Int, high: Int, type: MigrateType) {
        let wasReported = reported.contains(pfn)
        takeOffList(pfn, order: high, type: type)
        let added = split(pfn, low: low, high: high, type: type,
                          reportedHalves: rules == .propagateReportedOnSplit && wasReported)
        account(-((1 << high) - added), type)
    }

    /// expand(): puts the upper halves of the order-`high` block at `pfn` at the heads of
    /// the `type` lists, largest first, leaving the order-`low` beginning. Returns the pages
    /// put back.
    mutating func split(_ pfn: Int, low: Int, high: Int, type: MigrateType,
                        reportedHalves: Bool) -> Int {
        var order = high
        var added = 0
        while order > low {
            order -= 1
            let half = pfn + (1 << order)
            putOnList(half, order: order, type: type, tail: false)
            if reportedHalves { reported.insert(half); changedPages.append(Int32(half)) }
            added += 1 << order
        }
        return added
    }

    /// The answer find_suitable_fallback() gives for one order.
    enum Fallback {
        case found(MigrateType)
        case empty
        case noClaim
    }

    /// should_try_claim_block().
    func worthClaiming(order: Int, type: MigrateType) -> Bool {
        order >= blockOrder || order >= blockOrder / 2
            || type == .reclaimable || type == .unmovable
    }

    /// find_suitable_fallback().
    func suitableFallback(order: Int, type: MigrateType, claimable: Bool) -> Fallback {
        if claimable && !worthClaiming(order: order, type: type) { return .noClaim }
        if nrFree[order] == 0 { return .empty }
        let (first, second) = Self.fallbacks(type)
        if !lists.isEmpty(FreeLists.id(order: order, type: first)) { return .found(first) }
        if !lists.isEmpty(FreeLists.id(order: order, type: second)) { return .found(second) }
        return .empty
    }

    /// __rmqueue_claim().
    mutating func claimFallback(order: Int, type: MigrateType, noFragment: Bool) -> Int? {
        let lowest = order < blockOrder && noFragment ? blockOrder : order
        var current = maxOrder
        while current >= lowest {
            defer { current -= 1 }
            switch suitableFallback(order: current, type: type, claimable: true) {
            case .empty:
                continue
            case .noClaim:
                return nil
            case .found(let blockType):
                let head = lists.first(FreeLists.id(order: current, type: blockType))!
                if let pfn = claim(head, current: current, order: order, start: type,
                                   blockType: blockType) {
                    return pfn
                }
            }
        }
        return nil
    }

    /// try_to_claim_block().
    mutating func claim(_ pfn: Int, current: Int, order: Int, start: MigrateType,
                        blockType: MigrateType) -> Int? {
        if current >= blockOrder {
            let wasReported = reported.contains(pfn)
            takeOffListAndCount(pfn, order: current, type: blockType)
            retypeBlocks(pfn, order: current, to: start)
            let added = split(pfn, low: order, high: current, type: start,
                              reportedHalves: rules == .propagateReportedOnSplit && wasReported)
            account(added, start)
            return pfn
        }

        // The pageblock's free pages and the pages of live movable allocations in it.
        let first = pfn & ~(blockPages - 1)
        var freePages = 0
        var movablePages = 0
        var at = first
        while at < first + blockPages {
            let headOrder = Int(freeOrder[at])
            if headOrder >= 0 {
                freePages += 1 << headOrder
                at += 1 << headOrder
                continue
            }
            if lru.contains(at) { movablePages += 1 }
            at += 1
        }
        let alike: Int
        if start == .movable {
            alike = movablePages
        } else if blockType == .movable {
            alike = blockPages - (freePages + movablePages)
        } else {
            alike = 0
        }
        guard freePages + alike >= 1 << (blockOrder - 1) else { return nil }
        moveBlocksOfPageblock(first, from: blockType, to: start)
        setBlockType(first, start)
        return takeSmallest(order: order, type: start)
    }

    /// __rmqueue_steal().
    mutating func stealFallback(order: Int, type: MigrateType) -> Int? {
        for current in order ... maxOrder {
            guard case .found(let blockType) = suitableFallback(order: current, type: type,
                                                                 claimable: false)
            else { continue }
            let pfn = lists.first(FreeLists.id(order: current, type: blockType))!
            takeAndSplit(pfn, low: order, high: current, type: blockType)
            return pfn
        }
        return nil
    }
}
