// SPDX-License-Identifier: GPL-2.0-only
//
// Pageblock isolation (mm/page_isolation.c) and taking a free block out for reporting.
//
// The rules:
// - Isolating or unisolating a pageblock that lies inside a free block larger than a
//   pageblock (found by looking at the aligned candidates of rising order that could hold
//   its first pfn) takes that block off its list, flips the isolate bit, and frees the block
//   again as pageblock pieces, each with its own pageblock's type. Otherwise every free
//   block starting in the pageblock moves to the tail of the isolate list (or back to the
//   list of the pageblock's type bits), and the bit flips. With pageblock_order equal to
//   MAX_PAGE_ORDER no free block can be larger, so only the move happens.
// - Unisolating a pageblock that starts with a free block of order at least
//   pageblock_order (and below MAX_PAGE_ORDER) whose buddy is free with the same order in a
//   non-isolated pageblock instead takes that block out, clears the isolate bit of the
//   first pageblock only, and returns the block to the tail of the list of that pageblock's
//   type, so it can merge.
// - Taking a free block out (__isolate_free_page()) outside an isolated pageblock needs
//   more than 2^order free pages in the zone. A block of at least half a pageblock then
//   turns each mergeable pageblock it lies in to movable, moving that pageblock's other
//   free blocks to the tails of the movable lists. The kernel's comparison with
//   pageblock_order - 1 is unsigned, and its loop stops one page short of the block's end,
//   so nothing is retyped when pageblock_order is 0 or when the block is a single page.

extension BuddyModel {
    mutating func isolateBlock(_ pageblock: Int) {
        moveForIsolation(pageblock << blockOrder, isolate: true)
        nrIsolatePageblock += 1
    }

    /// unset_migratetype_isolate().
    mutating func unisolateBlock(_ pageblock: Int) {
        let start = pageblock << blockOrder
        var takenOrder: Int?
        let order = Int(freeOrder[start])
        if order >= blockOrder && order < maxOrder {
            let buddy = start ^ (1 << order)
            if isFreeBlock(buddy, order: order) && !blockIsolated[buddy >> blockOrder] {
                if takeFreeBlock(start, order: order) != 0 {
                    takenOrder = order
                } else {
                    fire("VM_WARN_ON", "!isolated_page", in: "unset_migratetype_isolate",
                         line: 255, pfn: start)
                }
            }
        }
        if let order = takenOrder {
            setIsolateBit(start, false)
            let others = (pageblock + 1 ..< pageblock + (1 << (order - blockOrder)))
            if others.contains(where: { blockIsolated[$0] }) {
                loseCoherence(
                    "unisolate(pageblock: \(pageblock)) returned an order-\(order) block to a "
                        + "non-isolate list while other pageblocks in it stay isolated")
            }
            putBack(start, order: order, type: effectiveType(start))
        } else {
            moveForIsolation(start, isolate: false)
        }
        nrIsolatePageblock -= 1
    }

    /// __move_freepages_block_isolate() for the pageblock starting at `start`, whose
    /// isolate bit is known to differ from `isolate`.
    mutating func moveForIsolation(_ start: Int, isolate: Bool) {
        if blockOrder != maxOrder {
            let head = largeBlockHolding(start)
            let order = Int(freeOrder[head])
            if order > blockOrder {
                takeOffListAndCount(head, order: order, type: effectiveType(head))
                setIsolateBit(start, isolate)
                freeRange(head, order: order, toTail: false)
                return
            }
        }
        let bits = blockType[start >> blockOrder]
        moveBlocksOfPageblock(start, from: isolate ? bits : .isolate, to: isolate ? .isolate : bits)
        setIsolateBit(start, isolate)
    }

    /// find_large_buddy(): the first pfn of a free block that holds `start` and starts at
    /// or before it, else `start`.
    func largeBlockHolding(_ start: Int) -> Int {
        var order = start != 0 ? start.trailingZeroBitCount : maxOrder
        var pfn = start
        while freeOrder[pfn] < 0 {
            order += 1
            if order > maxOrder { return start }
            pfn &= ~0 << order
        }
        return pfn + (1 << Int(freeOrder[pfn])) > start ? pfn : start
    }

    /// The order-0 watermark test of zone_watermark_ok(zone, 0, mark, 0, ALLOC_CMA) with
    /// zero watermarks and reserves: free pages, less high-atomic ones, must exceed `mark`.
    func freePagesExceed(_ mark: Int) -> Bool {
        Self.read(nrFreePages) - nrFreeHighAtomic > mark
    }

    /// __isolate_free_page(): takes the free order-`order` block at `pfn` off its list.
    /// Returns the pages taken, 0 when the watermark refuses.
    mutating func takeFreeBlock(_ pfn: Int, order: Int) -> Int {
        let type = effectiveType(pfn)
        if type != .isolate && !freePagesExceed(1 << order) { return 0 }
        takeOffListAndCount(pfn, order: order, type: type)
        // `order >= pageblock_order - 1` in unsigned arithmetic: never true when
        // pageblock_order is 0.
        if blockOrder > 0 && order >= blockOrder - 1 {
            let last = pfn + (1 << order) - 1
            var page = pfn
            while page < last {
                let blockType = effectiveType(page)
                if Self.mergeable(blockType) {
                    movePageblock(page, from: blockType, to: .movable)
                }
                page += blockPages
            }
        }
        return 1 << order
    }

    /// __putback_isolated_page(): frees the block to the tail of its list, no notification.
    mutating func putBack(_ pfn: Int, order: Int, type: MigrateType) {
        release(pfn, order: order, type: type, toTail: true, notify: false)
    }
}
