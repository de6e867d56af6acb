// SPDX-License-Identifier: GPL-2.0-only
//
// Named, seeded workloads, each driving one zone through a pattern that free page
// reporting and the buddy allocator's splitting, merging, fallbacks and isolation matter
// for. A workload decides its next operation from its own random stream and the zone's
// live allocations, so the same seed gives two variants the same decisions for as long
// as their allocation results agree. Reporting passes run when the kernel would run them:
// a workload idles (`.idle`), and the pass the frees requested runs then, if any.

import BuddyTypes
import Differential

/// What a workload sees of the zone when it picks its next step.
public struct WorkloadView: Sendable {
    public var live: [(pfn: Int, order: Int)]
    public var livePages: Int
    public var lastAllocationFailed: Bool
    public var isolated: Set<Int>
}

public protocol Workload: Sendable {
    var name: String { get }
    var summary: String { get }
    /// The next step, or nil when the workload is over.
    mutating func next(_ view: WorkloadView) -> Operation?
}

/// The workloads a review runs, for a geometry and a seed.
public enum Workloads {
    public static func all(geometry: Geometry, seed: UInt64) -> [any Workload] {
        [GuestCycle(geometry: geometry, seed: seed),
         Fragmentation(geometry: geometry, seed: seed),
         IsolationCycle(geometry: geometry, seed: seed),
         RandomMix(geometry: geometry, seed: seed)]
    }
}

extension SplitMix64 {
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
    mutating func percent() -> Int { below(100) }
}

/// A guest's life: fill most of memory with mixed orders and migratetypes, free it in
/// random order idling now and then (so requested reporting passes run), repeat.
public struct GuestCycle: Workload {
    public let name = "guest-cycle"
    public let summary = "fill to 90% with mixed orders and types, free in random order with idle spells, repeat"
    let geometry: Geometry
    var rng: SplitMix64
    var cycle = 0
    let cycles = 8
    var filling = true
    var freesSinceReport = 0
    var pendingFrees: [(Int, Int)] = []

    init(geometry: Geometry, seed: UInt64) {
        self.geometry = geometry
        rng = SplitMix64(seed: seed)
    }

    public mutating func next(_ view: WorkloadView) -> Operation? {
        if cycle == cycles { return nil }
        if filling {
            if view.livePages * 10 < geometry.zonePages * 9 && !(view.lastAllocationFailed && rng.below(4) == 0) {
                let o = rng.percent()
                let maxOrder = geometry.maxPageOrder
                let order = o < 50 ? 0 : o < 85 ? min(maxOrder, 1 + rng.below(3)) : rng.below(maxOrder + 1)
                let m = rng.percent()
                let mt: MigrateType = m < 70 ? .movable : m < 90 ? .unmovable : .reclaimable
                return .allocate(order: order, migratetype: mt, flags: [])
            }
            filling = false
            pendingFrees = view.live.map { ($0.pfn, $0.order) }
            // Fisher-Yates with the workload's own stream.
            for i in stride(from: pendingFrees.count - 1, to: 0, by: -1) {
                pendingFrees.swapAt(i, rng.below(i + 1))
            }
            return .idle(failing: [])
        }
        if let (pfn, order) = pendingFrees.popLast() {
            freesSinceReport += 1
            if freesSinceReport >= max(4, view.live.count / 8) {
                freesSinceReport = 0
                pendingFrees.append((pfn, order))
                return .idle(failing: [])
            }
            return .free(pfn: pfn, order: order)
        }
        filling = true
        cycle += 1
        return .idle(failing: [])
    }
}

/// Small unmovable and reclaimable allocations scattered among movable ones, with the
/// movable ones freed again: fallbacks claim whole pageblocks and steal from them.
public struct Fragmentation: Workload {
    public let name = "fragmentation"
    public let summary = "order-0/1 unmovable and reclaimable among movable allocations; movable ones freed; fallback claims"
    let geometry: Geometry
    var rng: SplitMix64
    var steps = 0
    let total: Int

    init(geometry: Geometry, seed: UInt64) {
        self.geometry = geometry
        rng = SplitMix64(seed: seed &+ 1)
        total = max(2000, geometry.zonePages / 2)
    }

    public mutating func next(_ view: WorkloadView) -> Operation? {
        steps += 1
        if steps > total { return nil }
        if steps % 97 == 0 { return .idle(failing: []) }
        let r = rng.percent()
        if r < 55 || view.live.isEmpty {
            let m = rng.percent()
            let mt: MigrateType = m < 60 ? .movable : m < 85 ? .unmovable : .reclaimable
            let order = mt == .movable ? rng.below(min(4, geometry.maxPageOrder + 1)) : rng.below(2)
            return .allocate(order: order, migratetype: mt, flags: rng.below(5) == 0 ? .noFragment : [])
        }
        let victim = view.live[rng.below(view.live.count)]
        return .free(pfn: victim.pfn, order: victim.order)
    }
}

/// Memory offlining and contiguous allocations: pageblocks isolated, idled around,
/// allocated around, and given back.
public struct IsolationCycle: Workload {
    public let name = "isolation"
    public let summary = "isolate and unisolate pageblocks among allocations, frees and idle spells"
    let geometry: Geometry
    var rng: SplitMix64
    var steps = 0
    let total: Int

    init(geometry: Geometry, seed: UInt64) {
        self.geometry = geometry
        rng = SplitMix64(seed: seed &+ 2)
        total = max(2000, geometry.zonePages / 4)
    }

    public mutating func next(_ view: WorkloadView) -> Operation? {
        steps += 1
        if steps > total { return nil }
        let r = rng.percent()
        if r < 8 {
            if let pb = view.isolated.sorted().first, rng.below(2) == 0 { return .unisolate(pageblock: pb) }
            let pb = rng.below(geometry.nrPageblocks)
            return view.isolated.contains(pb) ? .unisolate(pageblock: pb) : .isolate(pageblock: pb)
        }
        if r < 18 { return .idle(failing: []) }
        if r < 60 || view.live.isEmpty {
            let order = rng.below(min(geometry.maxPageOrder, geometry.pageblockOrder) + 1)
            return .allocate(order: order, migratetype: rng.below(4) == 0 ? .unmovable : .movable, flags: [])
        }
        let victim = view.live[rng.below(view.live.count)]
        return .free(pfn: victim.pfn, order: victim.order)
    }
}

/// The differential engine's random mix, with its failing batches: about one idle spell
/// in ten fails the first report() call of the pass it runs and one in ten its second,
/// decided by the generator's seeded stream like its other operations.
public struct RandomMix: Workload {
    public let name = "random-mix"
    public let summary = "the differential campaign's generator: fill, drain, churn and fragment phases; some report() calls fail"
    var generator: OperationGenerator
    var steps = 0
    let total = 4000

    init(geometry: Geometry, seed: UInt64) {
        generator = OperationGenerator(geometry: geometry, seed: seed &+ 3)
    }

    public mutating func next(_ view: WorkloadView) -> Operation? {
        steps += 1
        if steps > total { return nil }
        let op = generator.next(live: LiveSet(pages: generator.geometry.zonePages, view.live))
        switch op {
        case .isolate(let pb): return view.isolated.contains(pb) ? .idle(failing: []) : op
        case .unisolate(let pb): return view.isolated.contains(pb) ? op : .idle(failing: [])
        default: return op
        }
    }
}

/// A fixed list of steps, for scenarios whose pfns are known in advance.
public struct ScriptedWorkload: Workload {
    public let name: String
    public let summary: String
    var steps: [Operation]
    var position = 0

    public init(name: String, summary: String = "", steps: [Operation]) {
        self.name = name
        self.summary = summary
        self.steps = steps
    }

    public mutating func next(_ view: WorkloadView) -> Operation? {
        guard position < steps.count else { return nil }
        defer { position += 1 }
        return steps[position]
    }
}
