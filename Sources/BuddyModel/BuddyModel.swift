// SPDX-License-Identifier: GPL-2.0-only
//
// The public face of the model: a zone whose free memory is a set of aligned power-of-two
// blocks, each on one ordered free list per (order, migratetype), with pageblock types,
// the PG_reported and PG_lru page flags, the live allocations and what the host discarded.
//
// The rules each operation follows are in the other files of this module:
//   Lists.swift      putting blocks on and taking them off the free lists, and the counters
//   Freeing.swift    returning a block to the lists, merging it with free buddies
//   Allocating.swift finding a block for an allocation, splitting it, falling back
//   Isolating.swift  pageblock isolation and moving the free blocks of a pageblock
//   Reporting.swift  when reporting passes run, and one pass
//   Invariants.swift the consistency checks
//   StateEncoding.swift a flat form of the observable state for fast comparison
// and the containers in FreeLists.swift (ordered free lists) and PfnSet.swift (pfn sets).

@_exported import BuddyTypes

/// Which rules the model follows: Linux 7.3's, or 7.3's with the change "mm: page_alloc:
/// propagate PageReported flag across buddy splits" means to make (the split-off pieces
/// of a PG_reported block keep the flag, in expand() and split_large_buddy()).
public enum ModelRules: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case linux73 = "linux-7.3"
    case propagateReportedOnSplit = "propagate-reported-on-split"

    public var description: String { rawValue }
}

public struct BuddyModel: Sendable {
    public let rules: ModelRules
    public let geometry: Geometry

    // The shape of the zone, copied out of the geometry.
    let maxOrder: Int
    let blockOrder: Int
    let blockPages: Int
    let zonePages: Int
    /// The memory map behind the zone: `zonePages` rounded up to `1 << maxOrder`.
    let mapPages: Int
    let reportingOrder: Int
    let capacity: Int

    // Pageblocks: the migratetype bits and the isolate bit of each.
    var blockType: [MigrateType]
    var blockIsolated: [Bool]
    /// How many pageblocks have the isolate bit set.
    var isolateBits: Int

    // Free blocks: the order of the free block whose first page is at a pfn (-1 when no
    // free block starts there), and the free lists holding those first pages.
    var freeOrder: [Int8]
    var lists: FreeLists

    // The zone's counters, as the kernel keeps them (updated by the rules, not recomputed).
    var nrFree: [Int]
    var nrFreePages: Int
    var nrFreePagesBlocks: Int
    var nrFreeCMAPages: Int
    var nrFreeHighAtomic: Int
    var nrIsolatePageblock: Int

    // Page flags.
    var reported: PfnSet
    var lru: PfnSet

    // Allocations: first pfn to order, and which of them were asked for as movable.
    var live: [Int: Int]
    var movableLive: PfnSet
    var livePages: Int

    // The host oracle.
    var discarded: PfnSet

    // The reporting device: registered once the zone is up, its state, its queued work.
    var registered = false
    public internal(set) var reportingState = ReportingState.idle
    public internal(set) var reportingWorkQueued = false
    var workQueued: Bool {
        get { reportingWorkQueued }
        set { reportingWorkQueued = newValue }
    }

    /// Kernel assertions that fired, in the order they fired. `line` is the line of the
    /// check in the 7.3.4 sources (mm/page_alloc.c unless the function says otherwise).
    public internal(set) var violations: [Violation] = []

    /// Set when the zone has gone through a state in which the kernel's counters stop
    /// describing its free lists (see `accountingCoherent`).
    var incoherentSince: String?

    /// The pfns whose page state (PG_reported, PageBuddy, order) the latest operation
    /// changed, and the ranges whose PG_lru it changed.
    var changedPages: [Int32] = []
    var changedLRU: [Range<Int>] = []
    var changedBlocks: [Int32] = []

    /// The pfn range the latest operation touched, for `checkInvariantsFast()`.
    var touchedLow = Int.max
    var touchedHigh = Int.min
    var touchedAll = false

    // MARK: - Creation

    public init(rules: ModelRules, geometry: Geometry) throws(AllocatorError) {
        try Self.validate(geometry)
        self.rules = rules
        self.geometry = geometry
        maxOrder = geometry.maxPageOrder
        blockOrder = geometry.pageblockOrder
        blockPages = 1 << geometry.pageblockOrder
        zonePages = geometry.zonePages
        let maxPages = 1 << geometry.maxPageOrder
        mapPages = (zonePages + maxPages - 1) / maxPages * maxPages
        reportingOrder = geometry.pageReportingOrder
        capacity = geometry.reportingCapacity

        blockType = geometry.initialMigratetypes.isEmpty
            ? Array(repeating: .movable, count: geometry.nrPageblocks)
            : geometry.initialMigratetypes
        blockIsolated = Array(repeating: false, count: geometry.nrPageblocks)
        isolateBits = 0

        freeOrder = Array(repeating: -1, count: mapPages)
        lists = FreeLists(orders: maxOrder + 1, pages: mapPages)
        nrFree = Array(repeating: 0, count: maxOrder + 1)
        nrFreePages = 0
        nrFreePagesBlocks = 0
        nrFreeCMAPages = 0
        nrFreeHighAtomic = 0
        nrIsolatePageblock = 0

        reported = PfnSet(capacity: mapPages)
        lru = PfnSet(capacity: mapPages)
        live = [:]
        movableLive = PfnSet(capacity: mapPages)
        livePages = 0
        discarded = PfnSet(capacity: mapPages)

        boot()
    }

    static func validate(_ g: Geometry) throws(AllocatorError) {
        guard g.nrPageblocks >= 1 else {
            throw .invalidGeometry("nrPageblocks \(g.nrPageblocks) is below 1")
        }
        guard g.pageblockOrder >= 0 else {
            throw .invalidGeometry("pageblockOrder \(g.pageblockOrder) is negative")
        }
        guard g.pageblockOrder <= g.maxPageOrder else {
            throw .invalidGeometry(
                "pageblockOrder \(g.pageblockOrder) exceeds maxPageOrder \(g.maxPageOrder)")
        }
        guard g.maxPageOrder <= Geometry.orderLimit else {
            throw .invalidGeometry(
                "maxPageOrder \(g.maxPageOrder) exceeds \(Geometry.orderLimit)")
        }
        guard g.pageReportingOrder >= 0 else {
            throw .invalidGeometry("pageReportingOrder \(g.pageReportingOrder) is negative")
        }
        guard g.pageReportingOrder <= g.maxPageOrder else {
            throw .invalidGeometry(
                "pageReportingOrder \(g.pageReportingOrder) exceeds maxPageOrder \(g.maxPageOrder)")
        }
        guard (1 ... Geometry.capacityLimit).contains(g.reportingCapacity) else {
            throw .invalidGeometry(
                "reportingCapacity \(g.reportingCapacity) is outside 1...\(Geometry.capacityLimit)")
        }
        // Compared without shifting first so that a huge nrPageblocks cannot overflow.
        guard g.nrPageblocks <= Geometry.pageLimit >> g.pageblockOrder else {
            throw .invalidGeometry("the zone exceeds \(Geometry.pageLimit) pages")
        }
        guard g.initialMigratetypes.isEmpty || g.initialMigratetypes.count == g.nrPageblocks else {
            throw .invalidGeometry(
                "initialMigratetypes has \(g.initialMigratetypes.count) entries, not \(g.nrPageblocks)")
        }
        let bootTypes: Set<MigrateType> = [.unmovable, .movable, .reclaimable, .cma]
        if let bad = g.initialMigratetypes.first(where: { !bootTypes.contains($0) }) {
            throw .invalidGeometry("initialMigratetypes holds \(bad)")
        }
    }

    /// Hands the zone's memory to the allocator the way memblock does: the largest aligned
    /// blocks that fit, ascending, each freed to the tail of its list; then the reporting
    /// device registers.
    mutating func boot() {
        var pfn = 0
        while pfn < zonePages {
            var order = pfn == 0 ? maxOrder : min(maxOrder, pfn.trailingZeroBitCount)
            while pfn + (1 << order) > zonePages { order -= 1 }
            freeRange(pfn, order: order, toTail: true)
            pfn += 1 << order
        }
        registerReporting()
        touchedAll = true
    }

    // MARK: - Operations

    public mutating func allocate(order: Int, migratetype: MigrateType,
                                  flags: AllocFlags) throws(AllocatorError) -> Int? {
        guard (0...maxOrder).contains(order) else { throw .invalidOrder(order) }
        guard migratetype.rawValue < MigrateType.pcpTypes.count else {
            throw .invalidMigratetype(migratetype.rawValue)
        }
        guard flags.isSubset(of: [.noFragment, .cma]),
              !flags.contains(.cma) || migratetype == .movable else {
            throw .invalidFlags(flags.rawValue)
        }
        beginOperation()
        guard let pfn = takeBlock(order: order, type: migratetype, flags: flags) else {
            return nil
        }
        handOut(pfn, order: order, movable: migratetype == .movable)
        return pfn
    }

    public mutating func free(pfn: Int, order: Int) throws(AllocatorError) {
        guard pfn >= 0, pfn < zonePages else { throw .pfnOutOfRange(pfn: pfn) }
        guard (0...maxOrder).contains(order) else { throw .invalidOrder(order) }
        guard pfn & ((1 << order) - 1) == 0 else { throw .unalignedPfn(pfn: pfn, order: order) }
        guard live[pfn] == order else { throw .notAllocated(pfn: pfn, order: order) }
        beginOperation()
        live[pfn] = nil
        livePages -= 1 << order
        movableLive.remove(pfn)
        let pages = pfn ..< pfn + (1 << order)
        if lru.intersects(pages) { changedLRU.append(pages) }
        lru.remove(pages)
        reported.remove(pages)
        touch(pages)
        freeRange(pfn, order: order, toTail: false)
    }

    public mutating func isolate(pageblock: Int) throws(AllocatorError) {
        guard pageblock >= 0, pageblock < geometry.nrPageblocks else {
            throw .pageblockOutOfRange(pageblock)
        }
        guard !blockIsolated[pageblock] else { throw .alreadyIsolated(pageblock: pageblock) }
        beginOperation()
        isolateBlock(pageblock)
    }

    public mutating func unisolate(pageblock: Int) throws(AllocatorError) {
        guard pageblock >= 0, pageblock < geometry.nrPageblocks else {
            throw .pageblockOutOfRange(pageblock)
        }
        guard blockIsolated[pageblock] else { throw .notIsolated(pageblock: pageblock) }
        beginOperation()
        unisolateBlock(pageblock)
    }

    /// The guest idles for the reporting delay: the queued work, if any, runs a pass.
    public mutating func idle(host: HostReport) -> [ReportBatch] {
        beginOperation()
        if workQueued { touchedAll = true }
        return runQueuedWork(host: host)
    }

    // MARK: - Observation

    public var liveAllocations: [Int: Int] { live }

    public var hostDiscarded: Set<Int> { Set(discarded.members(in: 0 ..< mapPages)) }

    /// Whether the host holds every pfn of `range` as discarded (no Set is built).
    public func hostDiscarded(contains range: Range<Int>) -> Bool {
        discarded.containsAll(range)
    }

    /// False once the zone went through a state in which the kernel's own counters may stop
    /// matching its free lists: a kernel assertion fired (see `violations`), or an
    /// unisolation returned a block spanning several pageblocks to a normal list while the
    /// others stayed isolated (unset_migratetype_isolate() does that when pageblocks of a
    /// merged isolated block are unisolated out of order, which needs MAX_PAGE_ORDER >=
    /// pageblock_order + 2). The reason says which. From then on `checkInvariants()` skips
    /// the counter checks and the check that free blocks lie in pageblocks of their list's
    /// type.
    public var accountingCoherent: Bool { incoherentSince == nil }
    public var accountingIncoherence: String? { incoherentSince }

    public func snapshot() -> Snapshot {
        var pages: [PageState] = []
        pages.reserveCapacity(zonePages)
        for pfn in 0 ..< zonePages {
            var flags: PageFlags = []
            if reported.contains(pfn) { flags.insert(.reported) }
            if lru.contains(pfn) { flags.insert(.lru) }
            let order = Int(freeOrder[pfn])
            pages.append(PageState(flags: flags, isBuddy: order >= 0, order: max(order, 0)))
        }
        let pageblocks = (0 ..< geometry.nrPageblocks).map {
            PageblockState(migratetype: blockType[$0], isolated: blockIsolated[$0])
        }
        let freeLists = (0 ... maxOrder).map { order in
            MigrateType.allCases.map { lists.contents(FreeLists.id(order: order, type: $0)) }
        }
        return Snapshot(pages: pages, pageblocks: pageblocks, freeLists: freeLists,
                        counters: counters)
    }

    public var counters: Counters {
        Counters(freePages: nrFreePages, freePagesBlocks: nrFreePagesBlocks,
                 freeCMAPages: nrFreeCMAPages, freeHighAtomic: nrFreeHighAtomic,
                 isolatedPageblocks: nrIsolatePageblock, nrFree: nrFree)
    }

    /// The bits of one pageblock (0 ..< nrPageblocks).
    public func pageblockState(_ pageblock: Int) -> PageblockState {
        PageblockState(migratetype: blockType[pageblock], isolated: blockIsolated[pageblock])
    }

    /// One free list, head to tail.
    public func freeList(order: Int, migratetype: MigrateType) -> [Int] {
        lists.contents(FreeLists.id(order: order, type: migratetype))
    }

    // MARK: - Bookkeeping shared by the rules

    mutating func beginOperation() {
        touchedLow = Int.max
        touchedHigh = Int.min
        touchedAll = false
        changedPages.removeAll(keepingCapacity: true)
        changedLRU.removeAll(keepingCapacity: true)
        changedBlocks.removeAll(keepingCapacity: true)
        lists.forgetChanges()
    }

    @inline(__always)
    mutating func touch(_ pfns: Range<Int>) {
        if pfns.lowerBound < touchedLow { touchedLow = pfns.lowerBound }
        if pfns.upperBound > touchedHigh { touchedHigh = pfns.upperBound }
    }

    mutating func fire(_ check: String, _ condition: String, in function: String,
                       line: Int, pfn: Int?) {
        let file = function == "unset_migratetype_isolate" ? "mm/page_isolation.c" : "mm/page_alloc.c"
        violations.append(Violation(check: check, condition: condition, file: file,
                                    function: function, line: line, pfn: pfn))
        loseCoherence("\(check)(\(condition)) in \(function)")
    }

    mutating func loseCoherence(_ why: String) {
        if incoherentSince == nil { incoherentSince = why }
    }

    /// Records an allocation that was taken off the free lists: the page checks of
    /// check_new_pages(), PG_lru for movable allocations, and the host forgetting the pages.
    mutating func handOut(_ pfn: Int, order: Int, movable: Bool) {
        let pages = pfn ..< pfn + (1 << order)
        touch(pages)
        // check_new_pages() stops at the first page with a flag set.
        if reported.intersects(pages) || lru.intersects(pages),
           let bad = pages.first(where: { reported.contains($0) || lru.contains($0) }) {
            fire("bad_page", "PAGE_FLAGS_CHECK_AT_PREP flag set", in: "check_new_page_bad",
                 line: 1765, pfn: bad)
        }
        if movable {
            lru.insert(pages)
            changedLRU.append(pages)
            movableLive.insert(pfn)
        }
        live[pfn] = order
        livePages += 1 << order
        discarded.remove(pages)
    }
}

// MARK: - Observation for side-by-side comparison

extension BuddyModel {
    /// The pfns of the zone the latest operation touched (the whole zone after creation
    /// and reporting passes); pages outside it are as they were.
    public var touchedRange: Range<Int> {
        if touchedAll { return 0 ..< zonePages }
        guard touchedLow < touchedHigh else { return 0 ..< 0 }
        return max(0, touchedLow) ..< min(zonePages, touchedHigh)
    }

    /// The pages of `range`, clipped to the zone, as a snapshot shows them.
    public func pages(in range: Range<Int>) -> [PageState] {
        let low = max(0, range.lowerBound), high = min(zonePages, range.upperBound)
        guard low < high else { return [] }
        return (low ..< high).map(page)
    }

    /// What the page at `pfn` (inside the zone) shows.
    @inline(__always)
    public func page(_ pfn: Int) -> PageState {
        var flags: PageFlags = []
        if reported.contains(pfn) { flags.insert(.reported) }
        if lru.contains(pfn) { flags.insert(.lru) }
        let order = Int(freeOrder[pfn])
        return PageState(flags: flags, isBuddy: order >= 0, order: max(order, 0))
    }

    /// What the latest operation changed: the pfns whose page state or place on a free
    /// list changed (with list neighbours whose links changed), the ranges whose PG_lru
    /// changed, the lists it changed (ids order * 6 + migratetype) and the pageblocks. The
    /// operation left everything else as it was.
    public var latestChanges: (pfns: [Int32], lruRanges: [Range<Int>], lists: [Int16], pageblocks: [Int32]) {
        (changedPages + lists.changedPfns, changedLRU, lists.changedLists, changedBlocks)
    }

    /// The bits of one pageblock.
    public func pageblock(_ index: Int) -> PageblockState {
        PageblockState(migratetype: blockType[index], isolated: blockIsolated[index])
    }

    /// The free-list neighbours of `pfn`: the member before it, or `-1 - list` when it is
    /// first, and after it, or `-1 - list` when it is last; nil when it is on no list.
    public func freeListLinks(of pfn: Int) -> (before: Int, after: Int)? { lists.links(of: pfn) }

    /// The first and last members of list `order * 6 + migratetype`, nil when empty.
    public func freeListEnds(_ list: Int) -> (first: Int, last: Int)? { lists.ends(list) }

    /// Every pageblock's bits.
    public func pageblocks() -> [PageblockState] {
        (0 ..< geometry.nrPageblocks).map {
            PageblockState(migratetype: blockType[$0], isolated: blockIsolated[$0])
        }
    }
}
