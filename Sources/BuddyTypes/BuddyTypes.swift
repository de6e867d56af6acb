// SPDX-License-Identifier: GPL-2.0-only
//
// The vocabulary shared by the C port's Swift driver and the independent Swift model:
// variants, geometry, migratetypes, flags, snapshots, reporting batches and errors.
// Nothing here knows how an allocator works; it only names what one can be asked and
// what one can be seen to hold.

/// Which text of the ported kernel files a zone runs: the baseline (Linux 7.3 as
/// released, compiled into the package) or the baseline with patches applied, built on
/// demand. A variant is named by what it was made from and keyed by the content it was
/// built from; two variants with the same key run the same code.
public struct Variant: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The patches applied to the baseline, in order, as their files were named (empty
    /// for the baseline).
    public var patches: [String]
    /// The digest of the variant's source text and build settings ("baseline" for the
    /// compiled-in baseline). Equality and hashing use the key alone.
    public var key: String

    public init(patches: [String], key: String) {
        self.patches = patches
        self.key = key
    }

    /// Linux 7.3 as released: the port's own text, compiled into the package.
    public static let baseline = Variant(patches: [], key: "baseline")

    public var isBaseline: Bool { key == Variant.baseline.key }
    /// "baseline", or "baseline + " and the patches.
    public var name: String {
        patches.isEmpty ? "baseline" : "baseline + " + patches.joined(separator: " + ")
    }
    public var description: String { name }

    public static func == (a: Variant, b: Variant) -> Bool { a.key == b.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

/// `enum migratetype` of a kernel built with CONFIG_CMA and CONFIG_MEMORY_ISOLATION.
public enum MigrateType: Int, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case unmovable = 0
    case movable = 1
    case reclaimable = 2
    case highAtomic = 3
    case cma = 4
    /// Seen only as the effective type of an isolated pageblock and as a free list.
    case isolate = 5

    /// MIGRATE_PCPTYPES: the types an allocation may ask for.
    public static let pcpTypes: [MigrateType] = [.unmovable, .movable, .reclaimable]
    /// MIGRATE_TYPES.
    public static let count = 6

    public var description: String {
        switch self {
        case .unmovable: "Unmovable"
        case .movable: "Movable"
        case .reclaimable: "Reclaimable"
        case .highAtomic: "HighAtomic"
        case .cma: "CMA"
        case .isolate: "Isolate"
        }
    }
}

/// The shape of one zone, chosen when it is created.
///
/// The zone spans pfns `0 ..< nrPageblocks << pageblockOrder`; the memory map behind it is
/// padded up to a multiple of `1 << maxPageOrder` with reserved pages of no zone, so buddy
/// arithmetic never leaves it.
public struct Geometry: Hashable, Codable, Sendable, CustomStringConvertible {
    public var nrPageblocks: Int
    public var pageblockOrder: Int
    /// MAX_PAGE_ORDER; NR_PAGE_ORDERS is one more.
    public var maxPageOrder: Int
    public var pageReportingOrder: Int
    /// page_reporting_dev_info.capacity: scatterlist entries per report() call, at most
    /// PAGE_REPORTING_CAPACITY (32).
    public var reportingCapacity: Int
    /// The migratetype of each pageblock at boot; empty means all `.movable`, as
    /// memmap_init does. Only unmovable, movable, reclaimable and cma are accepted.
    public var initialMigratetypes: [MigrateType]

    public init(nrPageblocks: Int, pageblockOrder: Int, maxPageOrder: Int,
                pageReportingOrder: Int, reportingCapacity: Int,
                initialMigratetypes: [MigrateType] = []) {
        self.nrPageblocks = nrPageblocks
        self.pageblockOrder = pageblockOrder
        self.maxPageOrder = maxPageOrder
        self.pageReportingOrder = pageReportingOrder
        self.reportingCapacity = reportingCapacity
        self.initialMigratetypes = initialMigratetypes
    }

    public var pageblockPages: Int { 1 << pageblockOrder }
    public var zonePages: Int { nrPageblocks << pageblockOrder }

    /// The largest order a geometry may have, and so the size of `free_area[]` in the port.
    public static let orderLimit = 12
    /// The largest zone a geometry may have, in pages.
    public static let pageLimit = 1 << 22
    /// PAGE_REPORTING_CAPACITY: page_reporting_register() caps the capacity there.
    public static let capacityLimit = 32

    /// x86-64 as Debian builds it: pageblock_order 9, MAX_PAGE_ORDER 10, reporting at
    /// pageblock_order (virtio-balloon's default order), 32 entries per report
    /// (PAGE_REPORTING_CAPACITY), 64 pageblocks = 128 MiB: page_reporting_process_zone()
    /// runs only while more than capacity << page_reporting_order = 64 MiB is free.
    public static let x86_64 = Geometry(nrPageblocks: 64, pageblockOrder: 9, maxPageOrder: 10,
                                        pageReportingOrder: 9, reportingCapacity: 32)
    /// 16 pages: 4 pageblocks of 4 pages, MAX_PAGE_ORDER 3, reporting from order 1.
    public static let tiny16 = Geometry(nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3,
                                        pageReportingOrder: 1, reportingCapacity: 2)
    /// 64 pages: 8 pageblocks of 8 pages, MAX_PAGE_ORDER 4, reporting from order 2.
    public static let tiny64 = Geometry(nrPageblocks: 8, pageblockOrder: 3, maxPageOrder: 4,
                                        pageReportingOrder: 2, reportingCapacity: 2)

    public var description: String {
        "\(zonePages) pages: \(nrPageblocks) pageblocks of order \(pageblockOrder), "
            + "MAX_PAGE_ORDER \(maxPageOrder), reporting order \(pageReportingOrder), "
            + "capacity \(reportingCapacity)"
    }
}

/// The `alloc_flags` bits that reach the buddy lists.
public struct AllocFlags: OptionSet, Hashable, Codable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// ALLOC_NOFRAGMENT: no fallback below pageblock_order, no stealing.
    public static let noFragment = AllocFlags(rawValue: 1 << 0)
    /// ALLOC_CMA: a movable allocation may use CMA pageblocks.
    public static let cma = AllocFlags(rawValue: 1 << 1)
}

/// The page flags the port keeps, by the bit the port gives them.
///
/// The kernel's numbering depends on its configuration; the port keeps the kernel's names
/// and aliases (PG_reported is PG_uptodate) with numbers of its own.
public struct PageFlags: OptionSet, Hashable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let locked = PageFlags(rawValue: 1 << 0)
    public static let referenced = PageFlags(rawValue: 1 << 1)
    /// PG_uptodate, which free pages use as PG_reported.
    public static let uptodate = PageFlags(rawValue: 1 << 2)
    public static let reported = uptodate
    public static let dirty = PageFlags(rawValue: 1 << 3)
    /// Set by the harness on every page of a live movable allocation (as if on an LRU).
    public static let lru = PageFlags(rawValue: 1 << 4)
    public static let head = PageFlags(rawValue: 1 << 5)
    public static let reserved = PageFlags(rawValue: 1 << 6)
    public static let `private` = PageFlags(rawValue: 1 << 7)
    public static let hwpoison = PageFlags(rawValue: 1 << 8)

    static let names: [(PageFlags, String)] = [
        (.locked, "locked"), (.referenced, "referenced"), (.uptodate, "reported"),
        (.dirty, "dirty"), (.lru, "lru"), (.head, "head"), (.reserved, "reserved"),
        (.private, "private"), (.hwpoison, "hwpoison"),
    ]

    public var description: String {
        let set = Self.names.filter { contains($0.0) }.map(\.1)
        return set.isEmpty ? "-" : set.joined(separator: "|")
    }
}

/// What one page shows.
public struct PageState: Hashable, Codable, Sendable {
    public var flags: PageFlags
    /// PageBuddy: the head of a free block on a free list.
    public var isBuddy: Bool
    /// page_private: the order of a buddy head, 0 elsewhere.
    public var order: Int

    public init(flags: PageFlags, isBuddy: Bool, order: Int) {
        self.flags = flags
        self.isBuddy = isBuddy
        self.order = order
    }
}

/// The state of one pageblock's bits.
public struct PageblockState: Hashable, Codable, Sendable {
    /// The migratetype bits (never `.isolate`).
    public var migratetype: MigrateType
    /// PB_migrate_isolate.
    public var isolated: Bool

    public init(migratetype: MigrateType, isolated: Bool) {
        self.migratetype = migratetype
        self.isolated = isolated
    }

    /// What get_pfnblock_migratetype() answers.
    public var effective: MigrateType { isolated ? .isolate : migratetype }
}

/// The zone's vmstat counters and per-order counts.
public struct Counters: Hashable, Codable, Sendable {
    /// NR_FREE_PAGES.
    public var freePages: Int
    /// NR_FREE_PAGES_BLOCKS: free pages in blocks of order >= pageblock_order, not isolated.
    public var freePagesBlocks: Int
    /// NR_FREE_CMA_PAGES.
    public var freeCMAPages: Int
    /// zone->nr_free_highatomic.
    public var freeHighAtomic: Int
    /// zone->nr_isolate_pageblock.
    public var isolatedPageblocks: Int
    /// free_area[order].nr_free, for every order 0 ... MAX_PAGE_ORDER.
    public var nrFree: [Int]

    public init(freePages: Int, freePagesBlocks: Int, freeCMAPages: Int, freeHighAtomic: Int,
                isolatedPageblocks: Int, nrFree: [Int]) {
        self.freePages = freePages
        self.freePagesBlocks = freePagesBlocks
        self.freeCMAPages = freeCMAPages
        self.freeHighAtomic = freeHighAtomic
        self.isolatedPageblocks = isolatedPageblocks
        self.nrFree = nrFree
    }
}

/// Everything a zone lets one observe.
public struct Snapshot: Hashable, Codable, Sendable {
    /// One entry per pfn of the zone.
    public var pages: [PageState]
    /// One entry per pageblock.
    public var pageblocks: [PageblockState]
    /// `freeLists[order][migratetype.rawValue]`: head pfns from list head to tail.
    public var freeLists: [[[Int]]]
    public var counters: Counters

    public init(pages: [PageState], pageblocks: [PageblockState], freeLists: [[[Int]]],
                counters: Counters) {
        self.pages = pages
        self.pageblocks = pageblocks
        self.freeLists = freeLists
        self.counters = counters
    }

    /// Pfns of every free block head flagged Reported, ascending.
    public var reportedHeads: [Int] {
        pages.indices.filter { pages[$0].isBuddy && pages[$0].flags.contains(.reported) }
    }

    /// Pfns of every page flagged PG_reported/PG_uptodate, buddy head or not, ascending.
    public var reportedPages: [Int] {
        pages.indices.filter { pages[$0].flags.contains(.reported) }
    }
}

/// One scatterlist entry handed to the host: a free block of 2^order pages.
public struct PfnRange: Hashable, Codable, Sendable, CustomStringConvertible {
    public var pfn: Int
    public var order: Int

    public init(pfn: Int, order: Int) {
        self.pfn = pfn
        self.order = order
    }

    public var pages: Int { 1 << order }
    public var pfns: Range<Int> { pfn ..< pfn + pages }
    public var description: String { "\(pfn)+\(pages)" }
}

/// One `prdev->report()` call: the ranges in scatterlist order and what the host said.
public struct ReportBatch: Hashable, Codable, Sendable {
    public var ranges: [PfnRange]
    public var succeeded: Bool

    public init(ranges: [PfnRange], succeeded: Bool) {
        self.ranges = ranges
        self.succeeded = succeeded
    }

    public var pages: Int { ranges.reduce(0) { $0 + $1.pages } }
}

/// The state of the reporting device (the enum of mm/page_reporting.c): idle, a pass
/// requested (its delayed work queued), or a pass under way.
public enum ReportingState: Int, Hashable, Codable, Sendable, CustomStringConvertible {
    case idle = 0
    case requested = 1
    case active = 2

    public var description: String {
        switch self {
        case .idle: "idle"
        case .requested: "requested"
        case .active: "active"
        }
    }
}

/// What the host does with a batch: accept it (return true) or fail it.
public typealias HostReport = (_ ranges: [PfnRange]) -> Bool

/// Why a call was refused. A refused call leaves the zone as it was.
public enum AllocatorError: Error, Hashable, Codable, Sendable, CustomStringConvertible {
    case invalidGeometry(String)
    case pfnOutOfRange(pfn: Int)
    case unalignedPfn(pfn: Int, order: Int)
    case invalidOrder(Int)
    case invalidMigratetype(Int)
    case invalidFlags(UInt32)
    case notAllocated(pfn: Int, order: Int)
    case pageblockOutOfRange(Int)
    case alreadyIsolated(pageblock: Int)
    case notIsolated(pageblock: Int)
    case reentered
    /// The variant has no table of entry points in this process, or its table was refused.
    case unknownVariant(String)

    public var description: String {
        switch self {
        case .invalidGeometry(let why): "invalid geometry: \(why)"
        case .pfnOutOfRange(let pfn): "pfn \(pfn) is outside the zone"
        case .unalignedPfn(let pfn, let order): "pfn \(pfn) is not aligned to order \(order)"
        case .invalidOrder(let order): "order \(order) is out of range"
        case .invalidMigratetype(let mt): "migratetype \(mt) cannot be asked for"
        case .invalidFlags(let flags): "alloc flags 0x\(String(flags, radix: 16)) are not valid here"
        case .notAllocated(let pfn, let order): "no live order-\(order) allocation at pfn \(pfn)"
        case .pageblockOutOfRange(let pb): "pageblock \(pb) is outside the zone"
        case .alreadyIsolated(let pb): "pageblock \(pb) is already isolated"
        case .notIsolated(let pb): "pageblock \(pb) is not isolated"
        case .reentered: "a reporting pass is already running on this zone"
        case .unknownVariant(let why): why
        }
    }
}

/// A kernel assertion (VM_BUG_ON*, VM_WARN_ON*, VM_WARN_ONCE, bad_page) that fired. The
/// port records it and carries on where the kernel would stop or taint.
public struct Violation: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The macro that fired, e.g. "VM_BUG_ON_PAGE".
    public var check: String
    /// The condition text or message, as written at the check.
    public var condition: String
    /// The source file that holds the check: a port file ("port/mm/page_alloc.c") for
    /// the port, a kernel file ("mm/page_alloc.c") for the model.
    public var file: String
    /// The function that holds the check.
    public var function: String
    /// The line of `file` that holds the check.
    public var line: Int
    /// The page the check names, if any.
    public var pfn: Int?

    public init(check: String, condition: String, file: String, function: String, line: Int,
                pfn: Int?) {
        self.check = check
        self.condition = condition
        self.file = file
        self.function = function
        self.line = line
        self.pfn = pfn
    }

    public var description: String {
        let at = pfn.map { " pfn \($0)" } ?? ""
        return "\(check)(\(condition)) in \(function), \(file):\(line)\(at)"
    }
}
