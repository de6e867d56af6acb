// SPDX-License-Identifier: GPL-2.0-only
//
// A flat encoding of everything a Snapshot holds, for comparing two zones after every
// operation without building a Snapshot: the model writes it into a reused buffer, and
// `Snapshot.canonicalEncoding` gives the same integers for any Snapshot, so another side
// can be checked against it once and then produce the layout itself.
//
// Layout (all Int):
//   counters  freePages, freePagesBlocks, freeCMAPages, freeHighAtomic, isolatedPageblocks,
//             then nrFree[0 ... MAX_PAGE_ORDER]
//   pageblocks one entry each: migratetype raw value, plus 8 when isolated
//   pages     one entry per zone pfn: flags raw value << 16, plus 1 << 8 for a buddy head,
//             plus the order
//   lists     for order 0 ... MAX_PAGE_ORDER, for migratetype 0 ..< 6: the member count,
//             then the members head to tail

extension BuddyModel {
    /// Replaces the contents of `buffer` with the encoding of the current state.
    public func encodeState(into buffer: inout [Int]) {
        var members = 0
        for order in 0 ... maxOrder { members += nrFree[order] }
        let lists = (maxOrder + 1) * MigrateType.count
        let size = 5 + (maxOrder + 1) + geometry.nrPageblocks + zonePages + lists + members
        if buffer.count != size {
            buffer.removeAll(keepingCapacity: true)
            buffer.append(contentsOf: repeatElement(0, count: size))
        }
        buffer.withUnsafeMutableBufferPointer { out in
            out[0] = nrFreePages
            out[1] = nrFreePagesBlocks
            out[2] = nrFreeCMAPages
            out[3] = nrFreeHighAtomic
            out[4] = nrIsolatePageblock
            var at = 5
            for order in 0 ... maxOrder {
                out[at] = nrFree[order]
                at += 1
            }
            for block in 0 ..< geometry.nrPageblocks {
                out[at] = blockType[block].rawValue | (blockIsolated[block] ? 8 : 0)
                at += 1
            }
            let reportedShift = UInt64(PageFlags.reported.rawValue.trailingZeroBitCount + 16)
            let lruShift = UInt64(PageFlags.lru.rawValue.trailingZeroBitCount + 16)
            freeOrder.withUnsafeBufferPointer { orders in
                var pfn = 0
                while pfn < zonePages {
                    let reportedWord = reported.word(pfn >> 6)
                    let lruWord = lru.word(pfn >> 6)
                    let end = min(pfn + 64, zonePages)
                    var bit: UInt64 = 0
                    while pfn < end {
                        let order = Int(orders[pfn])
                        var entry = order >= 0 ? 0x100 | order : 0
                        entry |= Int(truncatingIfNeeded: (reportedWord &>> bit & 1) &<< reportedShift)
                        entry |= Int(truncatingIfNeeded: (lruWord &>> bit & 1) &<< lruShift)
                        out[at] = entry
                        at += 1
                        pfn += 1
                        bit += 1
                    }
                }
            }
            for list in 0 ..< lists {
                out[at] = self.lists.count(list)
                at += 1
                var member = self.lists.first(list)
                while let pfn = member {
                    out[at] = pfn
                    at += 1
                    member = self.lists.next(after: pfn)
                }
            }
        }
    }

    /// The encoding of the current state in a new array.
    public var encodedState: [Int] {
        var buffer: [Int] = []
        encodeState(into: &buffer)
        return buffer
    }
}

extension Snapshot {
    /// The encoding `BuddyModel.encodeState(into:)` writes, computed from a Snapshot.
    public var canonicalEncoding: [Int] {
        var out = [counters.freePages, counters.freePagesBlocks, counters.freeCMAPages,
                   counters.freeHighAtomic, counters.isolatedPageblocks]
        out.append(contentsOf: counters.nrFree)
        for block in pageblocks {
            out.append(block.migratetype.rawValue | (block.isolated ? 8 : 0))
        }
        for page in pages {
            out.append(Int(page.flags.rawValue) << 16 | (page.isBuddy ? 1 << 8 : 0) | page.order)
        }
        for order in freeLists {
            for list in order {
                out.append(list.count)
                out.append(contentsOf: list)
            }
        }
        return out
    }
}
