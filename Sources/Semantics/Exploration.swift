// SPDX-License-Identifier: GPL-2.0-only
//
// Bounded exhaustive exploration of a tiny zone: every state reachable by allocations
// (each order, two migratetypes), frees of each live allocation, isolation changes and
// reporting passes (accepted, or the first batch failed), breadth first, deduplicated by
// a 128-bit hash of the state's canonical encoding (pages, flags, pageblocks, every free
// list in order, counters) with the live allocations. The host's discarded set is left out of the key:
// a block gets PG_reported only when the host has just discarded it, or as a piece of a
// block flagged that way, so pages discarded beyond the flagged blocks cannot change
// whether a later state is sound, and states that differ only there are one.
// The model's invariants (soundness of every Reported block included) are checked in
// every state; a state that breaks one is reported with the shortest operation list
// that reaches it.

import BuddyModel
import Differential

public struct ExplorationResult: Sendable, Codable, Equatable {
    public var variant: Variant
    public var geometry: String
    public var isolation: Bool
    public var states: Int
    public var transitions: Int
    public var depth: Int
    /// True when no new state was left to explore within the bounds.
    public var closed: Bool
    public var seconds: Double
    public var statesPerSecond: Double
    /// The first states that broke an invariant or fired a kernel check, each with the
    /// operations that reach it.
    public var violations: [ExplorationViolation]
}

public struct ExplorationViolation: Sendable, Codable, Equatable {
    public var problem: String
    public var operations: [String]
}

public enum Exploration {
    /// A 128-bit hash of the canonical state: two independent 64-bit mixes.
    struct Key: Hashable {
        var a: UInt64
        var b: UInt64
    }

    /// Explores from the boot state; stops when `maxStates` states are known.
    public static func explore(variant: Variant, geometry: Geometry, name: String,
                               isolation: Bool = false, types: [MigrateType] = [.movable, .unmovable],
                               orders: ClosedRange<Int>? = nil,
                               maxStates: Int = 2_000_000) throws -> ExplorationResult {
        let clock = ContinuousClock()
        let start = clock.now
        let root = try BuddyModel(variant: variant, geometry: geometry)
        var seen: [Key: Int] = [:]
        var parents: [(parent: Int, op: Operation)] = [(-1, .report(failing: []))]
        var frontier: [(Int, BuddyModel)] = [(0, root)]
        seen[key(root)] = 0
        var transitions = 0
        var depth = 0
        var violations: [ExplorationViolation] = []
        var closed = true
        var buffer: [Int] = []
        outer: while !frontier.isEmpty {
            var next: [(Int, BuddyModel)] = []
            for (index, state) in frontier {
                for op in operations(state, geometry, isolation: isolation, types: types,
                                     orders: orders ?? 0 ... geometry.maxPageOrder) {
                    var s = state
                    let before = s.violations.count
                    // A refused call, a failed allocation or a pass with nothing to send
                    // leaves the state as it was: no new state.
                    var changed = true
                    switch op {
                    case .allocate(let o, let mt, let f):
                        changed = ((try? s.allocate(order: o, migratetype: mt, flags: f)) ?? nil) != nil
                    case .free(let pfn, let o): changed = (try? s.free(pfn: pfn, order: o)) != nil
                    case .isolate(let pb): changed = (try? s.isolate(pageblock: pb)) != nil
                    case .unisolate(let pb): changed = (try? s.unisolate(pageblock: pb)) != nil
                    case .report(let failing):
                        var i = 0
                        changed = !s.reportingPass { _ in defer { i += 1 }; return !failing.contains(i) }.isEmpty
                    }
                    transitions += 1
                    if !changed { continue }
                    s.encodeState(into: &buffer)
                    let k = key(s, buffer)
                    if seen[k] != nil { continue }
                    let id = parents.count
                    seen[k] = id
                    parents.append((index, op))
                    let problems = s.checkInvariantsFast()
                    if s.violations.count > before || !problems.isEmpty {
                        if violations.count < 5 {
                            let problem = problems.first ?? "\(s.violations[before])"
                            violations.append(ExplorationViolation(problem: problem, operations: path(to: id, parents)))
                        }
                        continue
                    }
                    next.append((id, s))
                    if seen.count >= maxStates { closed = false; break outer }
                }
            }
            if !next.isEmpty { depth += 1 }
            frontier = next
        }
        let elapsed = (clock.now - start).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        return ExplorationResult(variant: variant, geometry: name, isolation: isolation, states: seen.count, transitions: transitions,
                                 depth: depth, closed: closed, seconds: seconds,
                                 statesPerSecond: Double(seen.count) / max(seconds, 1e-9),
                                 violations: violations)
    }

    static func operations(_ s: BuddyModel, _ g: Geometry, isolation: Bool, types: [MigrateType],
                           orders: ClosedRange<Int>) -> [Operation] {
        var ops: [Operation] = []
        for order in orders {
            for mt in types {
                ops.append(.allocate(order: order, migratetype: mt, flags: []))
            }
        }
        for (pfn, order) in s.liveAllocations.sorted(by: { $0.key < $1.key }) {
            ops.append(.free(pfn: pfn, order: order))
        }
        for pb in 0 ..< g.nrPageblocks where isolation {
            ops.append(s.pageblockState(pb).isolated ? .unisolate(pageblock: pb) : .isolate(pageblock: pb))
        }
        ops.append(.report(failing: []))
        ops.append(.report(failing: [0]))
        return ops
    }

    static func key(_ s: BuddyModel, _ encoded: [Int]? = nil) -> Key {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x9E37_79B9_7F4A_7C15
        func mix(_ v: Int) {
            let x = UInt64(bitPattern: Int64(v))
            a = (a ^ x) &* 0x0000_0100_0000_01b3
            b = (b &+ x &* 0xBF58_476D_1CE4_E5B9) ^ (b >> 29)
            b = b &* 0x94D0_49BB_1331_11EB
        }
        for v in encoded ?? s.encodedState { mix(v) }
        mix(-1)
        // Live allocations in pfn order: at most one starts at each pfn.
        let live = s.liveAllocations
        for pfn in 0 ..< s.geometry.zonePages { if let order = live[pfn] { mix(pfn << 8 | order) } }
        return Key(a: a, b: b)
    }

    static func path(to id: Int, _ parents: [(parent: Int, op: Operation)]) -> [String] {
        var ops: [String] = []
        var i = id
        while i > 0 {
            ops.append(parents[i].op.description)
            i = parents[i].parent
        }
        return ops.reversed()
    }
}
