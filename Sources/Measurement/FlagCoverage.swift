// SPDX-License-Identifier: GPL-2.0-only
//
// Which pages sit in a Reported free block, kept per pfn. A page is covered when it is
// free and the head of its free buddy block has PageReported. After a step the lane
// re-reads only the MAX_PAGE_ORDER-aligned blocks the step can have changed (no buddy
// block, merge, split or pageblock move reaches past one), and learns which pages went
// from covered to free but not covered, with their block before and after.

import BuddyPort

struct FlagCoverage {
    /// A page that left its Reported block and stayed free.
    struct Loss: Equatable {
        var pfn: Int
        /// The Reported block that held it.
        var before: PfnRange
        /// The free block that holds it now, without the flag.
        var after: PfnRange
    }

    let zonePages: Int
    let blockPages: Int
    private(set) var covered: [Bool]
    /// The head of the free block holding each pfn, -1 when the page is not free.
    private var head: [Int32]
    /// The order of that block.
    private var order: [UInt8]

    init(zone: PortZone) {
        zonePages = zone.geometry.zonePages
        blockPages = 1 << zone.geometry.maxPageOrder
        covered = Array(repeating: false, count: zonePages)
        head = Array(repeating: -1, count: zonePages)
        order = Array(repeating: 0, count: zonePages)
        _ = read(zone, stride(from: 0, to: zonePages, by: blockPages))
    }

    /// The free block holding `pfn`, nil when the page is not free.
    func block(at pfn: Int) -> PfnRange? {
        head[pfn] < 0 ? nil : PfnRange(pfn: Int(head[pfn]), order: Int(order[pfn]))
    }

    /// Re-reads the aligned blocks holding `pfns`; returns the pages that were covered
    /// and are now free but not covered, and the pages of those blocks covered now.
    mutating func rescan(_ zone: PortZone, around pfns: some Sequence<Int>) -> (losses: [Loss], covered: [Int]) {
        let starts = Set(pfns.filter { $0 >= 0 && $0 < zonePages }.map { $0 & ~(blockPages - 1) }).sorted()
        let losses = read(zone, starts)
        let covered = starts.flatMap { start in
            (start ..< min(start + blockPages, zonePages)).filter { self.covered[$0] }
        }
        return (losses, covered)
    }

    /// Sets `range` the way the drain of an accepted batch leaves it when the block
    /// goes back unmerged: one free block, Reported. The rescan after the drain says
    /// whether it did.
    mutating func assumeReported(_ range: PfnRange) {
        for pfn in range.pfns where pfn < zonePages {
            covered[pfn] = true
            head[pfn] = Int32(range.pfn)
            order[pfn] = UInt8(range.order)
        }
    }

    /// Pages where this record and a fresh read of the whole zone disagree.
    func disagreements(with zone: PortZone) -> [Int] {
        let fresh = FlagCoverage(zone: zone)
        return (0 ..< zonePages).filter {
            covered[$0] != fresh.covered[$0] || head[$0] != fresh.head[$0]
                || (head[$0] >= 0 && order[$0] != fresh.order[$0])
        }
    }

    private mutating func read(_ zone: PortZone, _ starts: some Sequence<Int>) -> [Loss] {
        var losses: [Loss] = []
        for start in starts {
            let pages = zone.pages(in: start ..< start + blockPages)
            var i = 0
            while i < pages.count {
                let page = pages[i]
                let span = page.isBuddy ? min(1 << page.order, pages.count - i) : 1
                let reported = page.isBuddy && page.flags.contains(.reported)
                for j in i ..< i + span {
                    let pfn = start + j
                    if covered[pfn] && page.isBuddy && !reported {
                        losses.append(Loss(pfn: pfn, before: block(at: pfn)!,
                                           after: PfnRange(pfn: start + i, order: page.order)))
                    }
                    covered[pfn] = reported
                    head[pfn] = page.isBuddy ? Int32(start + i) : -1
                    order[pfn] = page.isBuddy ? UInt8(page.order) : 0
                }
                i += span
            }
        }
        return losses
    }
}
