// SPDX-License-Identifier: GPL-2.0-only
//
// Bounded exhaustive exploration of a tiny zone of the port: every state reachable by
// allocations (each order and migratetype asked for), frees of each live allocation,
// isolation changes and reporting passes (accepted, or the first batch failed).
//
// Depth first, going back to a state through a checkpoint of the zone rather than by
// replay, deduplicated by the port's canonical 128-bit state hash (pages, flags,
// pageblocks, every free list in order, counters, live allocations, watermark boost,
// zone flags, reporting state). The host's discarded set rides along with each state
// and is left out of the key: a block gets PG_reported only when the host has just
// discarded it, or as a piece of a block flagged that way, so pages discarded beyond
// the flagged blocks cannot change whether a later state is sound, and states that
// differ only there are one. Depth first visits exactly the states breadth first
// would; what it loses is shortest paths, so a state that breaks a check is reported
// with its path shrunk by replay to a minimal one (no single operation can be left out).
//
// Checked in every state: the model's invariants on the port's state
// (PortStateCheck), soundness of every PG_reported block against the host, and no
// kernel check (VM_BUG_ON, VM_WARN_ON, bad_page) firing.

import BuddyPort
import Differential

public struct ExplorationResult: Sendable, Codable, Equatable {
    public var variant: Variant
    public var geometry: String
    public var isolation: Bool
    public var states: Int
    public var transitions: Int
    /// The longest operation sequence on the depth-first stack.
    public var maxDepth: Int
    /// True when no new state was left to explore within the bounds.
    public var closed: Bool
    public var seconds: Double
    public var statesPerSecond: Double
    /// The first states that broke an invariant or fired a kernel check, each with a
    /// minimal operation list that reaches it from boot.
    public var violations: [ExplorationViolation]
}

public struct ExplorationViolation: Sendable, Codable, Equatable {
    public var problem: String
    public var operations: [String]
}

/// The operations exploration tries in each state.
public struct ExplorationAlphabet: Sendable {
    public var orders: ClosedRange<Int>
    public var types: [MigrateType]
    public var isolation: Bool

    public init(orders: ClosedRange<Int>, types: [MigrateType] = [.movable, .unmovable], isolation: Bool = false) {
        self.orders = orders
        self.types = types
        self.isolation = isolation
    }
}

public enum Exploration {
    /// Progress reports: states known so far, every `progressEvery` new states.
    public typealias Progress = @Sendable (_ states: Int) -> Void
    static let progressEvery = 1 << 16

    /// Explores from the boot state; stops when `maxStates` states are known.
    public static func explore(variant: Variant, geometry: Geometry, name: String,
                               alphabet: ExplorationAlphabet, maxStates: Int = 5_000_000,
                               progress: Progress? = nil) throws -> ExplorationResult {
        precondition(geometry.zonePages <= 64, "exploration keeps the host's discarded pages in 64 bits")
        let clock = ContinuousClock()
        let start = clock.now
        let zone = try PortZone(variant: variant, geometry: geometry)
        var check = PortStateCheck(geometry: geometry)
        let stack = Stack(checkpointSize: zone.checkpointSize)
        let seen = StateSet(capacity: min(maxStates, 1 << 22))
        var path: [Operation] = []
        var violations: [ExplorationViolation] = []
        var problemKinds = Set<String>()
        var transitions = 0
        var closed = true
        let allocations = alphabet.orders.flatMap { order in
            alphabet.types.map { Operation.allocate(order: order, migratetype: $0, flags: []) }
        }

        func isolatedBlocks() -> UInt64 {
            guard alphabet.isolation else { return 0 }
            var bits: UInt64 = 0
            for (pb, block) in zone.pageblocks().enumerated() where block.isolated { bits |= 1 << UInt64(pb) }
            return bits
        }
        /// The frame's operation number `i`: allocations, frees of the live allocations
        /// in pfn order, isolation changes, the two reporting passes. The zone holds the
        /// frame's state.
        func operation(_ i: Int, _ frame: Frame) -> Operation? {
            var i = i
            if i < allocations.count { return allocations[i] }
            i -= allocations.count
            var live = frame.liveHeads
            if i < live.nonzeroBitCount {
                for _ in 0 ..< i { live &= live - 1 }
                let pfn = live.trailingZeroBitCount
                return .free(pfn: pfn, order: zone.allocationOrder(at: pfn) ?? 0)
            }
            i -= live.nonzeroBitCount
            if alphabet.isolation {
                if i < geometry.nrPageblocks {
                    return frame.isolated & (1 << UInt64(i)) != 0 ? .unisolate(pageblock: i) : .isolate(pageblock: i)
                }
                i -= geometry.nrPageblocks
            }
            switch i {
            case 0: return .report(failing: [])
            case 1: return .report(failing: [0])
            default: return nil
            }
        }

        _ = seen.insert(zone.stateHash())
        for problem in check.problems(of: zone, discarded: 0).prefix(1) {
            violations.append(ExplorationViolation(problem: problem, operations: []))
        }
        stack.push(zone, Frame(discarded: 0, liveHeads: check.liveHeads, isolated: isolatedBlocks()))
        explore: while stack.depth > 0 {
            let top = stack.depth - 1
            let frame = stack.frames[top]
            try zone.restoreCheckpoint(from: stack.checkpoint(top))
            guard let op = operation(frame.next, frame) else {
                stack.pop()
                if !path.isEmpty { path.removeLast() }
                continue
            }
            stack.frames[top].next += 1
            var host = frame.discarded
            let violationsBefore = zone.violationCount
            guard apply(op, to: zone, host: &host) else { continue }
            transitions += 1
            guard seen.insert(zone.stateHash()) else { continue }
            if let problem = check.problems(of: zone, discarded: host, violationsBefore: violationsBefore).first {
                // A broken state is not explored further; the first of each kind is kept.
                let kind = problem.filter { !$0.isNumber }
                if violations.count < 8 && problemKinds.insert(kind).inserted {
                    let ops = try shrink(path + [op], variant: variant, geometry: geometry)
                    violations.append(ExplorationViolation(problem: ops.problem, operations: ops.path.map(\.description)))
                }
                continue
            }
            if seen.count >= maxStates { closed = false; break explore }
            if let progress, seen.count % progressEvery == 0 { progress(seen.count) }
            path.append(op)
            stack.push(zone, Frame(discarded: host, liveHeads: check.liveHeads, isolated: isolatedBlocks()))
        }
        let elapsed = (clock.now - start).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        return ExplorationResult(variant: variant, geometry: name, isolation: alphabet.isolation,
                                 states: seen.count, transitions: transitions, maxDepth: stack.maxDepth,
                                 closed: closed, seconds: seconds,
                                 statesPerSecond: Double(seen.count) / max(seconds, 1e-9),
                                 violations: violations)
    }

    /// Applies `op`, keeping the host's discarded pages; false when the call was refused
    /// (the zone is then unchanged). A failed allocation or a pass with nothing to send
    /// counts as done: the state hash tells whether anything changed.
    static func apply(_ op: Operation, to zone: PortZone, host: inout UInt64) -> Bool {
        do {
            switch op {
            case .allocate(let order, let mt, let flags):
                if let pfn = try zone.allocate(order: order, migratetype: mt, flags: flags) {
                    host &= ~pfnMask(pfn, order)
                }
            case .free(let pfn, let order): try zone.free(pfn: pfn, order: order)
            case .isolate(let pb): try zone.isolate(pageblock: pb)
            case .unisolate(let pb): try zone.unisolate(pageblock: pb)
            case .report(let failing):
                var batch = 0
                var discarded = host
                _ = try zone.reportingPass { ranges in
                    defer { batch += 1 }
                    if failing.contains(batch) { return false }
                    for r in ranges { discarded |= pfnMask(r.pfn, r.order) }
                    return true
                }
                host = discarded
            }
            return true
        } catch {
            return false
        }
    }

    /// What is wrong with a zone's state, given the host's discarded pfns (bit n is pfn
    /// n); nil when nothing is.
    public typealias Check = (_ zone: PortZone, _ discarded: UInt64) -> String?

    /// The checks exploration runs in every state: the model's invariants on the port's
    /// state, soundness, and the kernel checks recorded since `violationsBefore`.
    public static func problems(in zone: PortZone, discarded: UInt64, violationsBefore: Int = 0) -> [String] {
        var check = PortStateCheck(geometry: zone.geometry)
        return check.problems(of: zone, discarded: discarded, violationsBefore: violationsBefore)
    }

    /// Replays `ops` on a new zone, checking after each: the index of the first
    /// operation after which `check` finds a problem, with the problem; nil when none
    /// does or an operation is refused.
    static func firstBreak(_ ops: [Operation], variant: Variant, geometry: Geometry,
                           check: Check) throws -> (at: Int, problem: String)? {
        let zone = try PortZone(variant: variant, geometry: geometry)
        var host: UInt64 = 0
        for (i, op) in ops.enumerated() {
            guard apply(op, to: zone, host: &host) else { return nil }
            if let problem = check(zone, host) { return (i, problem) }
        }
        return nil
    }

    /// `ops` shrunk by `Replay.minimize` to a list that still reaches a state `check`
    /// (by default: `problems(in:)`) finds broken, and loses it without any single one
    /// of its operations; with the problem it reaches.
    public static func shrink(_ ops: [Operation], variant: Variant, geometry: Geometry,
                              check: Check? = nil) throws -> (path: [Operation], problem: String) {
        let check = check ?? { zone, host in problems(in: zone, discarded: host).first }
        // minimize keeps the list of its last successful replay, so the last problem
        // seen is the shrunk list's.
        var problem: String?
        let path = try Replay.minimize(ops) { candidate in
            guard let found = try firstBreak(candidate, variant: variant, geometry: geometry, check: check) else {
                return nil
            }
            problem = found.problem
            return found.at
        }
        return (path, problem ?? "not reproduced by replay")
    }
}

/// A set of 128-bit state hashes: open addressing, linear probing, grown at half full.
/// The slots live in memory the set owns (a class, so copies share and one deinit frees).
final class StateSet {
    private var slots: UnsafeMutablePointer<UInt64>
    private var capacity: Int
    private(set) var count = 0

    init(capacity wanted: Int) {
        var n = 1024
        while n < wanted * 2 { n <<= 1 }
        capacity = n
        slots = .allocate(capacity: 2 * n)
        slots.initialize(repeating: 0, count: 2 * n)
    }

    deinit { slots.deallocate() }

    /// Inserts the hash; false when it was there already.
    func insert(_ h: (UInt64, UInt64)) -> Bool {
        // (0, 0) marks an empty slot.
        let (a, b) = h == (0, 0) ? (1, 0) : h
        if (count + 1) * 2 > capacity { grow() }
        let mask = capacity - 1
        var i = Int(truncatingIfNeeded: a ^ (b >> 7)) & mask
        while true {
            let sa = slots[2 * i], sb = slots[2 * i + 1]
            if sa == 0 && sb == 0 {
                slots[2 * i] = a
                slots[2 * i + 1] = b
                count += 1
                return true
            }
            if sa == a && sb == b { return false }
            i = (i + 1) & mask
        }
    }

    private func grow() {
        let old = slots, oldCapacity = capacity
        capacity *= 2
        slots = .allocate(capacity: 2 * capacity)
        slots.initialize(repeating: 0, count: 2 * capacity)
        count = 0
        for i in 0 ..< oldCapacity where old[2 * i] != 0 || old[2 * i + 1] != 0 {
            _ = insert((old[2 * i], old[2 * i + 1]))
        }
        old.deallocate()
    }
}

/// One state on the depth-first stack: what rides along with its checkpoint.
struct Frame {
    /// The host's discarded pfns, one bit each.
    var discarded: UInt64
    /// The pfns that head live allocations.
    var liveHeads: UInt64
    /// The isolated pageblocks.
    var isolated: UInt64
    /// The next operation to try.
    var next = 0

    init(discarded: UInt64, liveHeads: UInt64, isolated: UInt64) {
        self.discarded = discarded
        self.liveHeads = liveHeads
        self.isolated = isolated
    }
}

/// The depth-first stack: frames, and their checkpoints in chunks that never move.
final class Stack {
    static let chunkFrames = 4096
    let checkpointSize: Int
    var frames: [Frame] = []
    private var chunks: [UnsafeMutableRawPointer] = []
    private(set) var maxDepth = 0

    init(checkpointSize: Int) { self.checkpointSize = checkpointSize }

    var depth: Int { frames.count }

    func checkpoint(_ depth: Int) -> UnsafeMutableRawPointer {
        chunks[depth / Self.chunkFrames] + (depth % Self.chunkFrames) * checkpointSize
    }

    func push(_ zone: PortZone, _ frame: Frame) {
        if frames.count == chunks.count * Self.chunkFrames {
            chunks.append(.allocate(byteCount: Self.chunkFrames * checkpointSize, alignment: 16))
        }
        zone.saveCheckpoint(into: checkpoint(frames.count))
        frames.append(frame)
        maxDepth = max(maxDepth, frames.count - 1)
    }

    func pop() { frames.removeLast() }

    deinit { for c in chunks { c.deallocate() } }
}
