// SPDX-License-Identifier: GPL-2.0-only
//
// The Swift driver of the C port: one PortZone owns one bport_zone, created in init and
// destroyed in deinit, running the variant whose table of entry points VariantTables
// holds. Every C call's status goes through `check`, the one place that turns port status
// codes into AllocatorError.

import CBuddyPort
import Foundation
@_exported import BuddyTypes

/// The tables of entry points of the variants this process can run: the baseline,
/// compiled into the package, and the variants registered once they were loaded. A
/// registered variant stays loaded for the life of the process (the strings its kernel
/// checks record live in it).
public enum VariantTables {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var tables: [String: OpaquePointer] = [:]

    /// Registers the table a loaded variant exports (its `bport_variant_ops` symbol).
    /// Throws when the table was built for another ABI or zone layout.
    public static func register(_ variant: Variant, table: UnsafeRawPointer) throws(AllocatorError) {
        let ops = OpaquePointer(table)
        guard bport_ops_check(ops) == BPORT_OK.rawValue else {
            throw .unknownVariant("variant \(variant.name): its table of entry points was built for another ABI or zone layout")
        }
        lock.lock()
        defer { lock.unlock() }
        tables[variant.key] = ops
    }

    /// Whether a zone of `variant` can be made in this process.
    public static func isLoaded(_ variant: Variant) -> Bool {
        table(for: variant) != nil
    }

    static func table(for variant: Variant) -> OpaquePointer? {
        if variant.isBaseline { return bport_baseline() }
        lock.lock()
        defer { lock.unlock() }
        return tables[variant.key]
    }
}

/// One zone of the C port of Linux 7.3's buddy allocator, in one variant.
public final class PortZone {
    let raw: OpaquePointer
    public let variant: Variant
    public let geometry: Geometry

    public init(variant: Variant, geometry: Geometry) throws(AllocatorError) {
        self.variant = variant
        self.geometry = geometry
        guard let ops = VariantTables.table(for: variant) else {
            throw .unknownVariant("variant \(variant.name) is not loaded")
        }
        guard let g = Self.cGeometry(geometry) else {
            throw .invalidGeometry(Self.geometryProblem(geometry))
        }
        var status: Int32 = 0
        let made: OpaquePointer? = geometry.initialMigratetypes.isEmpty
            ? withUnsafePointer(to: g) { bport_zone_create(ops, $0, &status) }
            : geometry.initialMigratetypes.map { UInt8($0.rawValue) }.withUnsafeBufferPointer { mts in
                var withTypes = g
                withTypes.initial_migratetypes = mts.baseAddress
                return withUnsafePointer(to: withTypes) {
                    bport_zone_create(ops, $0, &status)
                }
            }
        guard let made else {
            if status == BPORT_ESYSTEM.rawValue {
                fatalError("out of memory creating a zone of \(geometry.zonePages) pages")
            }
            throw .invalidGeometry(Self.geometryProblem(geometry))
        }
        raw = made
    }

    deinit {
        bport_zone_destroy(raw)
    }

    /// Allocates 2^order pages the way rmqueue_buddy() does; nil when no block fits.
    public func allocate(order: Int, migratetype: MigrateType,
                         flags: AllocFlags = []) throws(AllocatorError) -> Int? {
        guard (0 ... geometry.maxPageOrder).contains(order) else { throw .invalidOrder(order) }
        var pfn: UInt64 = 0
        let status = bport_alloc(raw, UInt32(order), UInt32(migratetype.rawValue),
                                 flags.rawValue, &pfn)
        if status == BPORT_NOMEM.rawValue { return nil }
        try check(status, pfn: nil, order: order, migratetype: migratetype.rawValue,
                  flags: flags.rawValue, pageblock: nil)
        return Int(pfn)
    }

    /// Frees a live allocation the way __free_pages() does.
    public func free(pfn: Int, order: Int) throws(AllocatorError) {
        guard pfn >= 0 else { throw .pfnOutOfRange(pfn: pfn) }
        guard order >= 0, order <= Geometry.orderLimit else { throw .invalidOrder(order) }
        try check(bport_free(raw, UInt64(pfn), UInt32(order)), pfn: pfn, order: order,
                  migratetype: nil, flags: nil, pageblock: nil)
    }

    /// Isolates one pageblock (start_isolate_page_range over it).
    public func isolate(pageblock: Int) throws(AllocatorError) {
        guard pageblock >= 0 else { throw .pageblockOutOfRange(pageblock) }
        try check(bport_isolate(raw, UInt64(pageblock)), pfn: nil, order: nil,
                  migratetype: nil, flags: nil, pageblock: pageblock)
    }

    /// Undoes the isolation of one pageblock (undo_isolate_page_range over it).
    public func unisolate(pageblock: Int) throws(AllocatorError) {
        guard pageblock >= 0 else { throw .pageblockOutOfRange(pageblock) }
        try check(bport_unisolate(raw, UInt64(pageblock)), pfn: nil, order: nil,
                  migratetype: nil, flags: nil, pageblock: pageblock)
    }

    /// The guest idles for the reporting delay: when the reporting device's delayed work
    /// is queued, page_reporting_process() runs and `host` is the device's report(), once
    /// per batch. Returns the batches, none when no work was queued.
    public func idle(host: HostReport) throws(AllocatorError) -> [ReportBatch] {
        final class Context {
            let host: HostReport
            var batches: [ReportBatch] = []
            init(host: @escaping HostReport) { self.host = host }
        }
        let (status, batches) = withoutActuallyEscaping(host) { host in
            let context = Context(host: host)
            let status = withExtendedLifetime(context) {
                bport_idle(raw, { ctx, ranges, nents in
                    let context = Unmanaged<Context>.fromOpaque(ctx!).takeUnretainedValue()
                    let batch = (0 ..< Int(nents)).map {
                        PfnRange(pfn: Int(ranges![$0].pfn), order: Int(ranges![$0].order))
                    }
                    let ok = context.host(batch)
                    context.batches.append(ReportBatch(ranges: batch, succeeded: ok))
                    return ok ? 0 : 1
                }, Unmanaged.passUnretained(context).toOpaque())
            }
            return (status, context.batches)
        }
        try check(status, pfn: nil, order: nil, migratetype: nil, flags: nil, pageblock: nil)
        return batches
    }

    /// What the owner of a live allocation leaves on one of its pages before freeing the
    /// block: sets `flags` on the page at `pfn`, which a live allocation must hold. Not
    /// `.head` (compound pages are not modelled) nor `.hwpoison` (memory failure is not).
    public func setOwnedPageFlags(pfn: Int, _ flags: PageFlags) throws(AllocatorError) {
        guard pfn >= 0 else { throw .pfnOutOfRange(pfn: pfn) }
        // Refused when no live allocation holds the page: none of any order, so none of
        // order 0 at `pfn`.
        try check(bport_set_owned_page_flags(raw, UInt64(pfn), flags.rawValue), pfn: pfn,
                  order: 0, migratetype: nil, flags: UInt32(truncatingIfNeeded: flags.rawValue),
                  pageblock: nil)
    }

    /// The reporting device's state.
    public var reportingState: ReportingState {
        ReportingState(rawValue: Int(bport_reporting_state(raw))) ?? .idle
    }

    /// Whether the device's delayed work is queued: the next idle runs a pass.
    public var reportingWorkQueued: Bool { bport_reporting_work_queued(raw) }

    /// Everything the zone lets one observe.
    public func snapshot() -> Snapshot {
        Snapshot(pages: pages(in: 0 ..< geometry.zonePages), pageblocks: pageblocks(),
                 freeLists: freeLists(), counters: counters())
    }

    /// The pages of `range`, clipped to the zone.
    public func pages(in range: Range<Int>) -> [PageState] {
        // Clipped before the buffer is made: a range such as 0 ..< Int.max reads the zone.
        let start = max(0, range.lowerBound)
        let count = max(0, min(range.upperBound, geometry.zonePages) - start)
        var c = [bport_page_state](repeating: bport_page_state(), count: count)
        let n = c.withUnsafeMutableBufferPointer {
            bport_read_page_range(raw, UInt64(start), UInt64(count), $0.baseAddress)
        }
        return c.prefix(Int(n)).map {
            PageState(flags: PageFlags(rawValue: $0.flags), isBuddy: $0.buddy, order: Int($0.order))
        }
    }

    /// What the page at `pfn` shows; nil outside the zone.
    public func page(_ pfn: Int) -> PageState? {
        guard pfn >= 0 else { return nil }
        var c = bport_page_state()
        guard bport_read_page_range(raw, UInt64(pfn), 1, &c) == 1 else { return nil }
        return PageState(flags: PageFlags(rawValue: c.flags), isBuddy: c.buddy, order: Int(c.order))
    }

    /// The free-list neighbours of the free block at `pfn`: the member before it, or `-1 -
    /// list` when it is first, and after it, or `-1 - list` when it is last (list = order *
    /// 6 + migratetype); nil when no free block starts there.
    public func freeListLinks(of pfn: Int) -> (before: Int, after: Int)? {
        guard pfn >= 0 else { return nil }
        var before: Int64 = 0, after: Int64 = 0
        guard bport_read_list_links(raw, UInt64(pfn), &before, &after) == BPORT_OK.rawValue else { return nil }
        return (Int(before), Int(after))
    }

    /// The first and last members of list `order * 6 + migratetype`, nil when it is empty.
    public func freeListEnds(_ list: Int) -> (first: Int, last: Int)? {
        var first: Int64 = 0, last: Int64 = 0
        guard list >= 0, bport_read_list_ends(raw, UInt32(list / MigrateType.count), UInt32(list % MigrateType.count),
                                              &first, &last) == BPORT_OK.rawValue, first >= 0 else { return nil }
        return (Int(first), Int(last))
    }

    /// Every free list, `[order][migratetype]`, head to tail.
    public func freeLists() -> [[[Int]]] {
        let maxOrder = Int(bport_zone_max_order(raw))
        var buffer = [UInt64](repeating: 0, count: 64)
        return (0 ... maxOrder).map { order in
            (0 ..< MigrateType.count).map { mt in
                while true {
                    let n = buffer.withUnsafeMutableBufferPointer {
                        bport_read_free_list(raw, UInt32(order), UInt32(mt), $0.baseAddress,
                                             UInt64($0.count))
                    }
                    if Int(n) <= buffer.count { return buffer.prefix(Int(n)).map { Int($0) } }
                    buffer = [UInt64](repeating: 0, count: Int(n))
                }
            }
        }
    }

    /// The zone's counters.
    public func counters() -> Counters {
        let maxOrder = Int(bport_zone_max_order(raw))
        var c = bport_counters()
        bport_read_counters(raw, &c)
        let nrFree = withUnsafeBytes(of: c.nr_free) { raw in
            (0 ... maxOrder).map { Int(raw.load(fromByteOffset: $0 * 8, as: UInt64.self)) }
        }
        return Counters(freePages: Int(c.nr_free_pages),
                        freePagesBlocks: Int(c.nr_free_pages_blocks),
                        freeCMAPages: Int(c.nr_free_cma_pages),
                        freeHighAtomic: Int(c.nr_free_highatomic),
                        isolatedPageblocks: Int(c.nr_isolate_pageblock),
                        nrFree: nrFree)
    }

    /// Every pageblock's bits.
    public func pageblocks() -> [PageblockState] {
        var c = [bport_pageblock_state](repeating: bport_pageblock_state(),
                                        count: Int(bport_zone_pageblocks(raw)))
        c.withUnsafeMutableBufferPointer { bport_read_pageblocks(raw, $0.baseAddress) }
        return c.map {
            PageblockState(migratetype: MigrateType(rawValue: Int($0.migratetype)) ?? .unmovable,
                           isolated: $0.isolated)
        }
    }

    /// Replaces `buffer` with the flat encoding of the whole state (the layout of
    /// `bport_encode_state`, which is `Snapshot.canonicalEncoding`'s).
    public func encodeState(into buffer: inout [Int]) {
        while true {
            let needed = buffer.withUnsafeMutableBufferPointer { out in
                out.withMemoryRebound(to: Int64.self) {
                    Int(bport_encode_state(raw, $0.baseAddress, UInt64($0.count)))
                }
            }
            if needed == buffer.count { return }
            if needed < buffer.count { buffer.removeLast(buffer.count - needed); return }
            buffer = [Int](repeating: 0, count: needed)
        }
    }

    /// The order of the live allocation headed at `pfn`, if there is one.
    public func allocationOrder(at pfn: Int) -> Int? {
        guard pfn >= 0 else { return nil }
        let order = bport_allocation_order(raw, UInt64(pfn))
        return order < 0 ? nil : Int(order)
    }

    /// How many kernel checks fired since creation or the last clearViolations().
    public var violationCount: Int { Int(bport_violation_count(raw)) }

    /// The checks that fired, oldest first (the first BPORT_VIOLATIONS_KEPT of them).
    public var violations: [Violation] {
        var out: [Violation] = []
        var v = bport_violation()
        var i: UInt64 = 0
        while bport_violation_at(raw, i, &v) {
            out.append(Violation(check: String(cString: v.check),
                                 condition: String(cString: v.condition),
                                 file: Self.portFile(String(cString: v.file)),
                                 function: String(cString: v.function),
                                 line: Int(v.line), pfn: v.pfn < 0 ? nil : Int(v.pfn)))
            i += 1
        }
        return out
    }

    public func clearViolations() {
        bport_clear_violations(raw)
    }

    /// The port file a check's file name belongs to: the kernel files sit under
    /// port/mm/, the shims and the harness under port/.
    static func portFile(_ name: String) -> String {
        ["page_alloc.c", "page_alloc.h", "page_reporting.c", "page_reporting.h",
         "page_isolation.c"].contains(name) ? "port/mm/" + name : "port/" + name
    }

    // MARK: - C boundary

    private func check(_ status: Int32, pfn: Int?, order: Int?, migratetype: Int?,
                       flags: UInt32?, pageblock: Int?) throws(AllocatorError) {
        switch status {
        case BPORT_OK.rawValue: return
        case BPORT_EPFN.rawValue: throw .pfnOutOfRange(pfn: pfn ?? -1)
        case BPORT_EALIGN.rawValue: throw .unalignedPfn(pfn: pfn ?? -1, order: order ?? -1)
        case BPORT_EORDER.rawValue: throw .invalidOrder(order ?? -1)
        case BPORT_EMIGRATETYPE.rawValue: throw .invalidMigratetype(migratetype ?? -1)
        case BPORT_EFLAGS.rawValue: throw .invalidFlags(flags ?? 0)
        case BPORT_ENOTALLOCATED.rawValue: throw .notAllocated(pfn: pfn ?? -1, order: order ?? -1)
        case BPORT_EPAGEBLOCK.rawValue: throw .pageblockOutOfRange(pageblock ?? -1)
        case BPORT_EISOLATED.rawValue: throw .alreadyIsolated(pageblock: pageblock ?? -1)
        case BPORT_ENOTISOLATED.rawValue: throw .notIsolated(pageblock: pageblock ?? -1)
        case BPORT_EREENTERED.rawValue: throw .reentered
        case BPORT_EVARIANT.rawValue: throw .unknownVariant("variant \(variant.name): its table was refused")
        default: fatalError("bport status \(status) has no Swift error")
        }
    }

    private static func cGeometry(_ g: Geometry) -> bport_geometry? {
        guard geometryProblem(g).isEmpty else { return nil }
        return bport_geometry(nr_pageblocks: UInt32(g.nrPageblocks),
                              pageblock_order: UInt32(g.pageblockOrder),
                              max_page_order: UInt32(g.maxPageOrder),
                              page_reporting_order: UInt32(g.pageReportingOrder),
                              reporting_capacity: UInt32(g.reportingCapacity),
                              initial_migratetypes: nil)
    }

    /// Why the port would refuse a geometry; empty when it accepts it.
    static func geometryProblem(_ g: Geometry) -> String {
        if g.nrPageblocks < 1 { return "nrPageblocks must be at least 1" }
        if g.maxPageOrder < 0 || g.maxPageOrder > Geometry.orderLimit {
            return "maxPageOrder must be 0...\(Geometry.orderLimit)"
        }
        if g.pageblockOrder < 0 || g.pageblockOrder > g.maxPageOrder {
            return "pageblockOrder must be 0...maxPageOrder"
        }
        if g.pageReportingOrder < 0 || g.pageReportingOrder > g.maxPageOrder {
            return "pageReportingOrder must be 0...maxPageOrder"
        }
        if g.reportingCapacity < 1 || g.reportingCapacity > Geometry.capacityLimit {
            return "reportingCapacity must be 1...\(Geometry.capacityLimit)"
        }
        if g.nrPageblocks > Geometry.pageLimit || g.zonePages > Geometry.pageLimit {
            return "the zone may hold at most \(Geometry.pageLimit) pages"
        }
        if !g.initialMigratetypes.isEmpty {
            if g.initialMigratetypes.count != g.nrPageblocks {
                return "initialMigratetypes needs one entry per pageblock"
            }
            if g.initialMigratetypes.contains(where: { ![.unmovable, .movable, .reclaimable, .cma].contains($0) }) {
                return "initial migratetypes must be unmovable, movable, reclaimable or cma"
            }
        }
        return ""
    }
}
