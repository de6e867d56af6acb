// SPDX-License-Identifier: GPL-2.0-only
//
// Two variants in lockstep: the product of their searches. A state is a pair of zone
// states reached by the same operations, with the pairing of their live allocations
// (an allocation asked of both is one pair, whatever pfn each side gave; a free frees
// a pair on both sides). The search counts the pairs whose observable states differ,
// by what differs, and finds a shortest operation list to the first of them.
//
// Encoding: the first side's compact encoding (with its length first), the second's,
// then the live pairs in ascending order, two bytes each (a side that did not get the
// allocation writes 0xff).

import BuddyPort
import Differential

/// What a reviewer can see differ between two zones.
public enum LockstepObservable: Int, CaseIterable, Codable, Sendable, CustomStringConvertible {
    /// Which free pages carry PG_reported.
    case reportedFlags
    /// Which pages are free, in blocks of which order, and which are allocated.
    case blocks
    /// The order of the same free blocks on their lists.
    case listOrder
    /// The pageblocks' migratetypes and isolation.
    case pageblocks
    /// The free page counters and nr_free.
    case counters
    /// The pfn one allocation got on each side.
    case allocationPfns
    /// The reporting device's state, whether its work is queued, and the zone flags.
    case reportingState

    public var description: String {
        switch self {
        case .reportedFlags: "PG_reported on free pages"
        case .blocks: "free blocks and allocations"
        case .listOrder: "order on the free lists"
        case .pageblocks: "pageblock migratetypes"
        case .counters: "free page counters"
        case .allocationPfns: "pfns of the same allocation"
        case .reportingState: "reporting state, queued work, zone flags"
        }
    }
}

public struct LockstepDifference: Sendable, Codable, Equatable {
    /// A shortest operation list from boot to the first state where the variants differ.
    public var operations: [String]
    public var differs: [LockstepObservable]
    /// Per observable that differs, what each side shows.
    public var details: [String]
}

public struct LockstepResult: Sendable, Codable, Equatable {
    public var variants: [Variant]
    public var geometry: String
    public var alphabet: ExplorationAlphabet
    /// Pairs of states found.
    public var states: Int
    public var closed: Bool
    public var collisionBound: Double
    /// Pairs whose observable states differ, in all and by observable.
    public var differing: Int
    public var differingBy: [String: Int]
    public var first: LockstepDifference?
    public var violations: [ExplorationViolation]
    public var measurement: ExplorationMeasurement
}

extension Exploration {
    /// The product search of two variants.
    public static func lockstep(_ a: Variant, _ b: Variant, geometry: Geometry, name: String,
                                alphabet: ExplorationAlphabet, maxStates: Int = 50_000_000,
                                workers: Int = defaultWorkers, progress: Progress? = nil) throws -> LockstepResult {
        try checkBoot(a, geometry: geometry)
        try checkBoot(b, geometry: geometry)
        let clock = ContinuousClock()
        let start = clock.now
        let pairs = try (0 ..< workers).map { _ in try LockstepWorker(a, b, geometry: geometry, alphabet: alphabet) }
        let search = Search(workers: pairs, limits: SearchLimits(maxStates: maxStates, workers: workers, shard: nil))
        let outcome = search.run(progress: progress.map { p in { p($0) } })
        var violations: [ExplorationViolation] = []
        for (_, broken) in outcome.broken.sorted(by: { $0.value.found < $1.value.found }) {
            let ops = pairs[0].operations(along: outcome.path(to: broken.found))
            violations.append(ExplorationViolation(problem: broken.problem, operations: ops.map(\.description)))
        }
        var first: LockstepDifference?
        // the first level's differing states: the one whose path comes first
        let candidates = outcome.firstMarked.map { (path: outcome.path(to: $0.found), marks: $0.marks) }
        if let best = candidates.min(by: { $0.path.lexicographicallyPrecedes($1.path) }) {
            let ops = pairs[0].operations(along: best.path)
            let details = try pairs[0].describe(after: best.path)
            first = LockstepDifference(operations: ops.map(\.description),
                                       differs: LockstepObservable.allCases.filter { best.marks & (1 << UInt32($0.rawValue)) != 0 },
                                       details: details)
        }
        let seconds = (clock.now - start).seconds
        var by: [String: Int] = [:]
        for o in LockstepObservable.allCases { by[o.description] = outcome.marked[o.rawValue] }
        return LockstepResult(
            variants: [a, b], geometry: name, alphabet: alphabet, states: outcome.states, closed: outcome.closed,
            collisionBound: collisionBound(states: outcome.states), differing: outcome.anyMarked, differingBy: by,
            first: first, violations: violations,
            measurement: ExplorationMeasurement(
                transitions: outcome.transitions, depth: outcome.depth, largestLevel: outcome.largestLevel,
                levels: outcome.levels.map(\.count),
                meanStateBytes: Double(outcome.encodingBytes) / Double(max(1, outcome.states - 1)),
                fingerprintSetBytes: outcome.setBytes, frontierBytes: outcome.frontierBytes, workers: workers,
                seconds: seconds, statesPerSecond: Double(outcome.states) / max(seconds, 1e-9)))
    }
}

/// The sections of one side's compact encoding.
struct CompactLayout {
    let geometry: Geometry
    /// The reporting state, whether its work is queued, the zone flags and
    /// watermark_boost come first, then the counters.
    static let countersAt = 4
    let pageblocksAt: Int
    let blocksAt: Int

    init(_ g: Geometry) {
        geometry = g
        pageblocksAt = Self.countersAt + 5 + g.maxPageOrder + 1
        blocksAt = pageblocksAt + (g.nrPageblocks + 1) / 2
    }

    /// Where the list section starts, the pages of PG_reported blocks (bit n is pfn n)
    /// and the number of free blocks.
    func blocks(_ s: UnsafeRawBufferPointer) -> (listsAt: Int, reported: UInt64, freeBlocks: Int) {
        var pfn = 0, at = blocksAt, reported: UInt64 = 0, freeBlocks = 0
        while pfn < geometry.zonePages {
            let b = s[at]
            at += 1
            let order = Int(b & 0x0f)
            if b & 0x80 != 0 {
                freeBlocks += 1
                if b & 0x10 != 0 { reported |= pfnMask(pfn, order) }
            }
            pfn += 1 << order
        }
        return (at, reported, freeBlocks)
    }
}

/// One worker's pair of zones.
final class LockstepWorker: SearchWorker {
    let sides: [ZoneWorker]
    let geometry: Geometry
    let layout: CompactLayout
    let capacity: Int
    private let alphabet: ExplorationAlphabet
    private let sideCapacity: Int
    /// The loaded pair's live allocations: each side's pfn, or -1.
    private var pairs: [(Int, Int)] = []
    /// The pairs and each side's host after each operation.
    private var pairsAfter: [[(Int, Int)]]
    private var hostsAfter: [(UInt64, UInt64)]
    private let out: [UnsafeMutableRawBufferPointer]
    private let reportAccepted = Operation.idle(failing: [])
    private let reportFailing = Operation.idle(failing: [0])

    init(_ a: Variant, _ b: Variant, geometry: Geometry, alphabet: ExplorationAlphabet) throws {
        sides = [try ZoneWorker(variant: a, geometry: geometry, alphabet: alphabet),
                 try ZoneWorker(variant: b, geometry: geometry, alphabet: alphabet)]
        self.geometry = geometry
        self.alphabet = alphabet
        layout = CompactLayout(geometry)
        sideCapacity = sides[0].capacity
        capacity = 1 + 2 * sideCapacity + 2 * geometry.zonePages
        pairsAfter = Array(repeating: [], count: Lane.operationLimit)
        hostsAfter = Array(repeating: (0, 0), count: Lane.operationLimit)
        out = sides.map { .allocate(byteCount: $0.capacity, alignment: 16) }
    }

    deinit { for o in out { o.deallocate() } }

    func boot(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let na = sides[0].boot(into: out[0]), nb = sides[1].boot(into: out[1])
        return write(UnsafeRawBufferPointer(rebasing: out[0][..<na]), UnsafeRawBufferPointer(rebasing: out[1][..<nb]),
                     pairs: [], into: buffer)
    }

    private func write(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, pairs: [(Int, Int)],
                       into buffer: UnsafeMutableRawBufferPointer) -> Int {
        buffer[0] = UInt8(a.count)
        UnsafeMutableRawBufferPointer(rebasing: buffer[1...]).copyMemory(from: a)
        UnsafeMutableRawBufferPointer(rebasing: buffer[(1 + a.count)...]).copyMemory(from: b)
        var at = 1 + a.count + b.count
        for (x, y) in pairs.sorted(by: { ($0.0 < 0 ? 255 : $0.0, $0.1 < 0 ? 255 : $0.1) < ($1.0 < 0 ? 255 : $1.0, $1.1 < 0 ? 255 : $1.1) }) {
            buffer[at] = x < 0 ? 0xff : UInt8(x)
            buffer[at + 1] = y < 0 ? 0xff : UInt8(y)
            at += 2
        }
        return at
    }

    /// A pair's encoding cut into the two sides' and the pairs.
    private func split(_ s: UnsafeRawBufferPointer) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer) {
        let na = Int(s[0])
        let a = UnsafeRawBufferPointer(rebasing: s[1 ..< 1 + na])
        let rest = UnsafeRawBufferPointer(rebasing: s[(1 + na)...])
        // the second side: its blocks, then one list entry per free block
        let blocks = layout.blocks(rest)
        let nb = blocks.listsAt + blocks.freeBlocks
        return (a, UnsafeRawBufferPointer(rebasing: rest[..<nb]), UnsafeRawBufferPointer(rebasing: rest[nb...]))
    }

    func load(_ s: UnsafeRawBufferPointer) {
        let (a, b, p) = split(s)
        sides[0].load(a)
        sides[1].load(b)
        pairs.removeAll(keepingCapacity: true)
        var i = 0
        while i < p.count {
            pairs.append((p[i] == 0xff ? -1 : Int(p[i]), p[i + 1] == 0xff ? -1 : Int(p[i + 1])))
            i += 2
        }
    }

    var operationCount: Int {
        sides[0].allocations.count + pairs.count + (alphabet.isolation ? 2 * geometry.nrPageblocks : 0) + 2
    }

    /// Operation `i` as both sides are asked it; a free names the first side's pfn (or
    /// the second's, when only it got the allocation).
    func operation(_ i: Int) -> Operation {
        var i = i
        let allocations = sides[0].allocations
        if i < allocations.count { return allocations[i] }
        i -= allocations.count
        if i < pairs.count {
            let (x, y) = pairs[i]
            return x >= 0 ? .free(pfn: x, order: sides[0].liveOrder(at: x) ?? 0)
                : .free(pfn: y, order: sides[1].liveOrder(at: y) ?? 0)
        }
        i -= pairs.count
        if alphabet.isolation {
            if i < 2 * geometry.nrPageblocks {
                return i % 2 == 0 ? .isolate(pageblock: i / 2) : .unisolate(pageblock: i / 2)
            }
            i -= 2 * geometry.nrPageblocks
        }
        return i == 0 ? reportAccepted : reportFailing
    }

    func apply(_ i: Int, into buffer: UnsafeMutableRawBufferPointer) -> Step {
        let allocations = sides[0].allocations
        var after = pairs
        var results: [(Step, allocated: Int, host: UInt64)] = []
        if i >= allocations.count && i < allocations.count + pairs.count {
            // a free of one pair: each side frees its own pfn, if it has one
            let (x, y) = pairs[i - allocations.count]
            for (k, pfn) in [x, y].enumerated() {
                let side = sides[k]
                results.append(pfn < 0 ? side.keep(into: out[k])
                    : side.apply(.free(pfn: pfn, order: side.liveOrder(at: pfn)!), into: out[k]))
            }
            after.remove(at: i - allocations.count)
        } else {
            let op = operation(i)
            for (k, side) in sides.enumerated() { results.append(side.apply(op, into: out[k])) }
            if case .refused = results[0].0, case .refused = results[1].0 { return .refused }
            // a side that refuses stays where it was
            for k in 0 ..< 2 { if case .refused = results[k].0 { results[k] = sides[k].keep(into: out[k]) } }
            if results[0].allocated >= 0 || results[1].allocated >= 0 {
                after.append((results[0].allocated, results[1].allocated))
            }
        }
        var lengths: [Int] = []
        for (k, r) in results.enumerated() {
            switch r.0 {
            case .refused: return .refused
            case .broken(let problem): return .broken("\(sides[k].zone.variant): \(problem)")
            case .state(let n): lengths.append(n)
            }
        }
        pairsAfter[i] = after
        hostsAfter[i] = (results[0].host, results[1].host)
        return .state(write(UnsafeRawBufferPointer(rebasing: out[0][..<lengths[0]]),
                            UnsafeRawBufferPointer(rebasing: out[1][..<lengths[1]]), pairs: after, into: buffer))
    }

    func inspect(_ s: UnsafeRawBufferPointer, after i: Int) -> (problem: String?, marks: UInt32) {
        let (a, b, p) = split(s)
        let hosts = [hostsAfter[i].0, hostsAfter[i].1]
        for (k, side) in [a, b].enumerated() {
            if let problem = sides[k].problem(of: side, host: hosts[k]) { return ("\(sides[k].zone.variant): \(problem)", 0) }
        }
        return (nil, marks(a, b, p))
    }

    func marks(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, _ p: UnsafeRawBufferPointer) -> UInt32 {
        var m: UInt32 = 0
        func set(_ o: LockstepObservable) { m |= 1 << UInt32(o.rawValue) }
        func same(_ r: Range<Int>) -> Bool { r.allSatisfy { a[$0] == b[$0] } }
        if !same(0 ..< CompactLayout.countersAt) { set(.reportingState) }
        if !same(CompactLayout.countersAt ..< layout.pageblocksAt) { set(.counters) }
        if !same(layout.pageblocksAt ..< layout.blocksAt) { set(.pageblocks) }
        let x = layout.blocks(a), y = layout.blocks(b)
        if x.reported != y.reported { set(.reportedFlags) }
        let tiling = x.listsAt == y.listsAt && (layout.blocksAt ..< x.listsAt).allSatisfy {
            a[$0] & 0x80 != 0 ? a[$0] | 0x10 == b[$0] | 0x10 : a[$0] == b[$0]
        }
        if !tiling { set(.blocks) } else if a.count != b.count || !(x.listsAt ..< a.count).allSatisfy({ a[$0] == b[$0] }) {
            set(.listOrder)
        }
        var i = 0
        while i < p.count {
            if p[i] != p[i + 1] { set(.allocationPfns) }
            i += 2
        }
        return m
    }

    /// What differs after `path`, side by side.
    func describe(after path: [Int]) throws -> [String] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var n = boot(into: buffer)
        for i in path {
            let state = [UInt8](UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            state.withUnsafeBytes { load($0) }
            guard case .state(let m) = apply(i, into: buffer) else { return [] }
            n = m
        }
        let s = UnsafeRawBufferPointer(rebasing: buffer[..<n])
        let (a, b, p) = split(s)
        let marks = marks(a, b, p)
        let names = sides.map(\.zone.variant.description)
        var lines: [String] = []
        for o in LockstepObservable.allCases where marks & (1 << UInt32(o.rawValue)) != 0 {
            let views = [a, b].enumerated().map { k, side in
                sides[k].load(side)
                return view(o, sides[k].zone, pairs: p, side: k)
            }
            lines.append("\(o): \(names[0]) \(views[0]); \(names[1]) \(views[1])")
        }
        return lines
    }

    private func view(_ o: LockstepObservable, _ zone: PortZone, pairs p: UnsafeRawBufferPointer, side: Int) -> String {
        let snapshot = zone.snapshot()
        switch o {
        case .reportedFlags: return "reported free blocks at \(snapshot.reportedHeads)"
        case .blocks, .listOrder:
            return (0 ... geometry.maxPageOrder).compactMap { order in
                let lists = snapshot.freeLists[order].enumerated().filter { !$0.element.isEmpty }
                return lists.isEmpty ? nil : "order \(order): " + lists.map { "\(MigrateType(rawValue: $0.offset)!) \($0.element)" }.joined(separator: " ")
            }.joined(separator: ", ")
        case .pageblocks: return snapshot.pageblocks.map { "\($0.effective)" }.joined(separator: ",")
        case .counters: return "\(snapshot.counters.nrFree) free \(snapshot.counters.freePages)"
        case .allocationPfns:
            return stride(from: side, to: p.count, by: 2).map { p[$0] == 0xff ? "-" : "\(p[$0])" }.joined(separator: ",")
        case .reportingState: return "\(zone.reportingState)\(zone.reportingWorkQueued ? ", work queued" : "")"
        }
    }
}
