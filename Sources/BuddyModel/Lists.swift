// SPDX-License-Identifier: GPL-2.0-only
//
// Pageblock types, the free counters and the three ways a block changes lists.
//
// The rules, as mm/page_alloc.c keeps them:
// - A pageblock's effective type is MIGRATE_ISOLATE while its isolate bit is set, else its
//   migratetype bits. Setting the migratetype bits also clears the isolate bit.
// - NR_FREE_PAGES, NR_FREE_CMA_PAGES and nr_free_highatomic follow the type the caller
//   names when free pages are gained or lost; isolated pages are not counted.
// - Putting a block on a list or taking it off changes nr_free of its order, and
//   NR_FREE_PAGES_BLOCKS when the order is at least pageblock_order and the named type is
//   not MIGRATE_ISOLATE. Taking a block off also clears PG_reported on its first page and
//   ends it being a free block.
// - Moving a block to another list appends it there and moves its pages between the two
//   named types' counters.
// The type the caller names is checked against the first page's pageblock (a warning when
// they differ), but the list the block is actually on is the one it leaves.

extension BuddyModel {
    @inline(__always)
    func effectiveType(_ pfn: Int) -> MigrateType {
        let block = pfn >> blockOrder
        return blockIsolated[block] ? .isolate : blockType[block]
    }

    @inline(__always)
    static func mergeable(_ type: MigrateType) -> Bool { type.rawValue < MigrateType.pcpTypes.count }

    /// Whether a free block of exactly `order` starts at `pfn`.
    @inline(__always)
    func isFreeBlock(_ pfn: Int, order: Int) -> Bool { Int(freeOrder[pfn]) == order }

    /// set_pageblock_migratetype(): sets the type bits of the pageblock holding `pfn`,
    /// clearing its isolate bit.
    mutating func setBlockType(_ pfn: Int, _ type: MigrateType) {
        let block = pfn >> blockOrder
        if blockIsolated[block] {
            fire("VM_WARN_ONCE", "get_pageblock_isolate(page)", in: "set_pageblock_migratetype",
                 line: 540, pfn: pfn)
            blockIsolated[block] = false
            isolateBits -= 1
        }
        blockType[block] = type
        changedBlocks.append(Int32(block))
        touch(block << blockOrder ..< (block + 1) << blockOrder)
    }

    /// Sets or clears the isolate bit of the pageblock holding `pfn`.
    mutating func setIsolateBit(_ pfn: Int, _ on: Bool) {
        let block = pfn >> blockOrder
        if blockIsolated[block] != on {
            blockIsolated[block] = on
            isolateBits += on ? 1 : -1
            changedBlocks.append(Int32(block))
        }
        touch(block << blockOrder ..< (block + 1) << blockOrder)
    }

    /// change_pageblock_range(): gives every pageblock of the order-`order` block at `pfn`
    /// the type `type` (order is at least pageblock_order).
    mutating func retypeBlocks(_ pfn: Int, order: Int, to type: MigrateType) {
        for n in 0 ..< 1 << (order - blockOrder) {
            setBlockType(pfn + n * blockPages, type)
        }
    }

    /// account_freepages().
    @inline(__always)
    mutating func account(_ pages: Int, _ type: MigrateType) {
        switch type {
        case .isolate: return
        case .cma: nrFreeCMAPages += pages
        case .highAtomic: nrFreeHighAtomic += pages
        default: break
        }
        nrFreePages += pages
    }

    /// Puts the order-`order` block at `pfn` on the head or tail of list (order, type), as
    /// a free block (set_buddy_order() plus __add_to_free_list()).
    mutating func putOnList(_ pfn: Int, order: Int, type: MigrateType, tail: Bool) {
        if effectiveType(pfn) != type {
            fire("VM_WARN_ONCE", "get_pageblock_migratetype(page) != migratetype",
                 in: "__add_to_free_list", line: 802, pfn: pfn)
        }
        freeOrder[pfn] = Int8(order)
        changedPages.append(Int32(pfn))
        lists.insert(pfn, into: FreeLists.id(order: order, type: type), atTail: tail)
        nrFree[order] += 1
        if order >= blockOrder && type != .isolate { nrFreePagesBlocks += 1 << order }
        touch(pfn ..< pfn + (1 << order))
    }

    /// __del_page_from_free_list(): the block stops being free and loses PG_reported.
    mutating func takeOffList(_ pfn: Int, order: Int, type: MigrateType) {
        if effectiveType(pfn) != type {
            fire("VM_WARN_ONCE", "get_pageblock_migratetype(page) != migratetype",
                 in: "__del_page_from_free_list", line: 850, pfn: pfn)
        }
        reported.remove(pfn)
        lists.remove(pfn)
        freeOrder[pfn] = -1
        changedPages.append(Int32(pfn))
        nrFree[order] -= 1
        if order >= blockOrder && type != .isolate { nrFreePagesBlocks -= 1 << order }
        touch(pfn ..< pfn + (1 << order))
    }

    /// del_page_from_free_list(): as above, and the free pages are no longer counted.
    mutating func takeOffListAndCount(_ pfn: Int, order: Int, type: MigrateType) {
        takeOffList(pfn, order: order, type: type)
        account(-(1 << order), type)
    }

    /// move_to_free_list(): appends the block to list (order, to).
    mutating func moveToList(_ pfn: Int, order: Int, from: MigrateType, to: MigrateType) {
        if effectiveType(pfn) != from {
            fire("VM_WARN_ONCE", "get_pageblock_migratetype(page) != old_mt",
                 in: "move_to_free_list", line: 828, pfn: pfn)
        }
        lists.moveToTail(pfn, of: FreeLists.id(order: order, type: to))
        account(-(1 << order), from)
        account(1 << order, to)
        if order >= blockOrder && (from == .isolate) != (to == .isolate) {
            nrFreePagesBlocks += from == .isolate ? 1 << order : -(1 << order)
        }
        touch(pfn ..< pfn + (1 << order))
    }

    /// __move_freepages_block(): every free block starting inside the pageblock at `start`
    /// moves to the tail of its order's `to` list, lowest pfn first.
    @discardableResult
    mutating func moveBlocksOfPageblock(_ start: Int, from: MigrateType, to: MigrateType) -> Int {
        var pfn = start
        let end = start + blockPages
        var moved = 0
        while pfn < end {
            let order = Int(freeOrder[pfn])
            if order < 0 {
                pfn += 1
                continue
            }
            moveToList(pfn, order: order, from: from, to: to)
            pfn += 1 << order
            moved += 1 << order
        }
        return moved
    }

    /// move_freepages_block(): moves the free blocks of the pageblock holding `pfn` and
    /// then gives that pageblock the type `to`.
    mutating func movePageblock(_ pfn: Int, from: MigrateType, to: MigrateType) {
        let start = pfn & ~(blockPages - 1)
        moveBlocksOfPageblock(start, from: from, to: to)
        setBlockType(start, to)
    }
}
