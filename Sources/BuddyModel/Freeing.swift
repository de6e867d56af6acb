// SPDX-License-Identifier: GPL-2.0-only
//
// Returning pages to the free lists.
//
// The rules (__free_pages_prepare(), free_one_page(), split_large_buddy(),
// __free_one_page()):
// - Freeing a live allocation takes its pages off the LRU and clears the flags of every
//   page of the block, PG_reported among them. No page of an allocation carries a flag
//   that free_page_is_bad() checks, so no free is refused.
// - A freed block larger than a pageblock is freed as its pageblock-sized pieces, lowest
//   first, each with the effective type of its own pageblock.
// - A freed block first counts as free pages of its type, then merges upward while the
//   block of the same order next to it (its buddy) is free with exactly that order, up to
//   MAX_PAGE_ORDER. From pageblock_order upward the two types must be equal or both
//   mergeable (unmovable, movable, reclaimable); a merged buddy of another type has its
//   pageblocks retyped to the freed block's type.
// - The merged block goes to the tail of its list when the caller asks for the tail;
//   otherwise to the tail only when its order is below MAX_PAGE_ORDER - 1 and the block of
//   the next order up that it would merge with next is free with that order; else the head.
// - The merged block notifies page reporting when its order is at least
//   page_reporting_order and the caller did not ask to skip it (__putback_isolated_page()
//   does); before the device is registered nothing is notified.
// - Under `.propagateReportedOnSplit` only: a block that was PG_reported when
//   split_large_buddy() was handed it passes the flag to each piece before the piece is
//   freed.

extension BuddyModel {
    /// free_one_page() for `order`-block at `pfn`: FPI_TO_TAIL when `toTail`.
    mutating func freeRange(_ pfn: Int, order: Int, toTail: Bool) {
        let wasReported = rules == .propagateReportedOnSplit && reported.contains(pfn)
        let end = pfn + (1 << order)
        let pieceOrder = min(order, blockOrder)
        var piece = pfn
        repeat {
            let type = effectiveType(piece)
            if wasReported { reported.insert(piece); changedPages.append(Int32(piece)) }
            release(piece, order: pieceOrder, type: type, toTail: toTail, notify: true)
            piece += 1 << pieceOrder
        } while piece != end
    }

    /// __free_one_page(): frees the order-`order` block at `pfn` as `type`.
    mutating func release(_ pfn: Int, order: Int, type: MigrateType, toTail: Bool, notify: Bool) {
        if reported.contains(pfn) || lru.contains(pfn) {
            fire("VM_BUG_ON_PAGE", "page->flags.f & PAGE_FLAGS_CHECK_AT_PREP",
                 in: "__free_one_page", line: 953, pfn: pfn)
        }
        account(1 << order, type)

        var head = pfn
        var order = order
        // The last buddy looked at; it decides where the block goes on its list.
        var buddy = 0
        while order < maxOrder {
            buddy = head ^ (1 << order)
            guard isFreeBlock(buddy, order: order) else { break }
            var buddyType = type
            if order >= blockOrder {
                buddyType = effectiveType(buddy)
                if buddyType != type && (!Self.mergeable(type) || !Self.mergeable(buddyType)) {
                    break
                }
            }
            takeOffList(buddy, order: order, type: buddyType)
            if buddyType != type {
                retypeBlocks(buddy, order: order, to: type)
            }
            head &= buddy
            order += 1
        }

        let tail = toTail || mergeLikely(head, buddy: buddy, order: order)
        putOnList(head, order: order, type: type, tail: tail)
        if notify { notifyFree(order: order) }
    }

    /// buddy_merge_likely(): whether the block that `head` would form with `buddy` has a
    /// free buddy of its own order.
    func mergeLikely(_ head: Int, buddy: Int, order: Int) -> Bool {
        guard order < maxOrder - 1 else { return false }
        let higher = buddy & head
        return isFreeBlock(higher ^ (1 << (order + 1)), order: order + 1)
    }
}
