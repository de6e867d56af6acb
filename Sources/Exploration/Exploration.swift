// SPDX-License-Identifier: GPL-2.0-only
//
// Exhaustive exploration of a tiny zone of the port: every state reachable by
// allocations (each order and migratetype asked for), frees of each live allocation,
// isolation changes and idle spells (which run the reporting pass a free requested: its
// batches accepted, or the first failed).
//
// A state is the port's compact encoding (include/buddy_port_checkpoint.h: a few tens
// of bytes, canonical, lossless for every state it accepts); the search goes breadth
// first over those (Engine.swift), rebuilding the port's zone from the encoding before
// each operation, and keeps the visited states as 64-bit fingerprints of their
// encodings (Fingerprints.swift, with the collision bound reported).
//
// The host's discarded pages are not part of a state: a state's host is taken to have
// discarded exactly the pages of its PG_reported blocks. The host of any real path to
// the state has discarded at least those (or the state is unsound, and reported), and
// the pages it holds beyond them only make later states more often sound, so the
// search checks soundness against a host that holds no more than any real one: it
// misses no unsound state. A broken state's path is replayed from boot with the real
// host and shrunk to a minimal one before it is reported.
//
// Checked in every new state: the model's invariants on the port's state
// (PortStateCheck) and soundness of every PG_reported block against the host; on every
// transition: no kernel check (VM_BUG_ON, VM_WARN_ON, bad_page) fired and the state
// has a compact form.

import BuddyPort
import Differential
import class Foundation.ProcessInfo
import Measurement

/// The operations exploration tries in each state.
public struct ExplorationAlphabet: Sendable, Codable, Equatable {
    public var orders: ClosedRange<Int>
    public var types: [MigrateType]
    public var isolation: Bool

    public init(orders: ClosedRange<Int>, types: [MigrateType] = [.movable, .unmovable], isolation: Bool = false) {
        self.orders = orders
        self.types = types
        self.isolation = isolation
    }

    /// The allocations, in the order a state offers them.
    var allocations: [Operation] {
        orders.flatMap { order in types.map { Operation.allocate(order: order, migratetype: $0, flags: []) } }
    }
}

public struct ExplorationViolation: Sendable, Codable, Equatable {
    public var problem: String
    /// A minimal operation list that reaches the broken state from boot.
    public var operations: [String]
}

/// What a search found, independent of how it was run: equal for one run and for the
/// merged shards of the same search.
public struct ExplorationSummary: Sendable, Codable, Equatable {
    public var variant: Variant
    public var geometry: String
    public var alphabet: ExplorationAlphabet
    /// Distinct states found (distinct fingerprints).
    public var states: Int
    /// True when no new state was left to explore within the bound.
    public var closed: Bool
    /// The sum of the states' fingerprints modulo 2^64, in hex: sets of states that
    /// differ have different digests but for a chance of 2^-64.
    public var digest: String
    /// An upper bound on the probability that two of the states share a fingerprint.
    public var collisionBound: Double
    /// The first state of each kind of problem, by problem.
    public var violations: [ExplorationViolation]
}

/// How a search ran.
public struct ExplorationMeasurement: Sendable, Codable, Equatable {
    /// Operations applied (refused calls are none).
    public var transitions: Int
    /// The deepest breadth-first level: the most operations a state needs from boot.
    public var depth: Int
    public var largestLevel: Int
    /// States per breadth-first level, from the boot state's.
    public var levels: [Int]
    public var meanStateBytes: Double
    public var fingerprintSetBytes: Int
    /// The most bytes the frontier and the parent records held at once.
    public var frontierBytes: Int
    public var workers: Int
    public var seconds: Double
    public var statesPerSecond: Double
}

public struct ExplorationResult: Sendable, Codable, Equatable {
    public var summary: ExplorationSummary
    /// Nil for merged shards.
    public var measurement: ExplorationMeasurement?
    /// A shard's part, with the fingerprints its merge needs.
    public var shard: ShardPart?

    public init(summary: ExplorationSummary, measurement: ExplorationMeasurement?, shard: ShardPart?) {
        self.summary = summary
        self.measurement = measurement
        self.shard = shard
    }
}

public enum Exploration {
    /// Progress reports: states known so far, after each breadth-first level.
    public typealias Progress = @Sendable (_ states: Int) -> Void

    /// The workers a search uses by default: one per core.
    public static var defaultWorkers: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Why a search cannot start: the boot state of `variant` has no compact form (the
    /// variant leaves something on a page that the encoding does not carry).
    public struct BootRefusal: Error, Sendable, CustomStringConvertible {
        public var variant: Variant
        public var refusal: CompactRefusal
        public var description: String { "the boot state of \(variant) has no compact form: \(refusal)" }
    }

    /// Throws `BootRefusal` when a new zone of `variant` cannot be encoded compactly.
    static func checkBoot(_ variant: Variant, geometry: Geometry) throws {
        let zone = try PortZone(variant: variant, geometry: geometry)
        if case .failure(let why) = zone.compactEncoding() { throw BootRefusal(variant: variant, refusal: why) }
    }

    /// Explores from the boot state; stops once `maxStates` states are known (with more
    /// than one worker, a few more may be).
    public static func explore(variant: Variant, geometry: Geometry, name: String,
                               alphabet: ExplorationAlphabet, maxStates: Int = 50_000_000,
                               workers: Int = defaultWorkers, shard: Shard? = nil,
                               progress: Progress? = nil) throws -> ExplorationResult {
        try checkBoot(variant, geometry: geometry)
        let clock = ContinuousClock()
        let start = clock.now
        let zones = try (0 ..< workers).map { _ in try ZoneWorker(variant: variant, geometry: geometry, alphabet: alphabet) }
        let search = Search(workers: zones, limits: SearchLimits(maxStates: maxStates, workers: workers, shard: shard))
        let outcome = search.run(progress: progress.map { p in { p($0) } })
        var violations: [ExplorationViolation] = []
        for (_, broken) in outcome.broken {
            let path = zones[0].operations(along: outcome.path(to: broken.found))
            let shrunk = try shrink(path, variant: variant, geometry: geometry)
            violations.append(shrunk.problem == Self.notReproduced
                ? ExplorationViolation(problem: "\(broken.problem) (\(Self.notReproduced))", operations: path.map(\.description))
                : ExplorationViolation(problem: shrunk.problem, operations: shrunk.path.map(\.description)))
        }
        violations.sort { ($0.problem, $0.operations.count) < ($1.problem, $1.operations.count) }
        let seconds = (clock.now - start).seconds
        let summary = ExplorationSummary(variant: variant, geometry: name, alphabet: alphabet,
                                         states: outcome.states, closed: outcome.closed,
                                         digest: hex(outcome.fingerprints.digest()),
                                         collisionBound: collisionBound(states: outcome.states),
                                         violations: violations)
        let measurement = ExplorationMeasurement(
            transitions: outcome.transitions, depth: outcome.depth, largestLevel: outcome.largestLevel,
            levels: outcome.levels.map(\.count),
            meanStateBytes: Double(outcome.encodingBytes) / Double(max(1, outcome.states - 1)),
            fingerprintSetBytes: outcome.setBytes, frontierBytes: outcome.frontierBytes, workers: workers, seconds: seconds,
            statesPerSecond: Double(outcome.states) / max(seconds, 1e-9))
        let part = shard.map {
            ShardPart(shard: $0, prefixDepth: outcome.prefixDepth,
                      fingerprints: FingerprintCoding.encode(outcome.fingerprints.sorted()))
        }
        return ExplorationResult(summary: summary, measurement: measurement, shard: part)
    }

    static func hex(_ x: UInt64) -> String {
        let digits = String(x, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    static let notReproduced = "not reproduced by replay"

    /// Applies `op`, keeping the host's discarded pages; false when the call was refused
    /// (the zone is then unchanged). A failed allocation or an idle spell with no work
    /// queued or nothing to send counts as done: the state tells whether anything changed.
    static func apply(_ op: Operation, to zone: PortZone, host: inout UInt64) -> Bool {
        var allocated = -1, calls = 0
        return apply(op, to: zone, host: &host, allocated: &allocated, reportCalls: &calls)
    }

    /// `apply`, with the pfn an allocation got (-1 when it got none) and the report()
    /// calls an idle spell's pass made.
    static func apply(_ op: Operation, to zone: PortZone, host: inout UInt64, allocated: inout Int,
                      reportCalls: inout Int) -> Bool {
        do {
            switch op {
            case .allocate(let order, let mt, let flags):
                if let pfn = try zone.allocate(order: order, migratetype: mt, flags: flags) {
                    host &= ~pfnMask(pfn, order)
                    allocated = pfn
                }
            case .free(let pfn, let order): try zone.free(pfn: pfn, order: order)
            case .isolate(let pb): try zone.isolate(pageblock: pb)
            case .unisolate(let pb): try zone.unisolate(pageblock: pb)
            case .idle(let failing):
                var batch = 0
                var discarded = host
                _ = try zone.idle { ranges in
                    defer { batch += 1 }
                    if failing.contains(batch) { return false }
                    for r in ranges { discarded |= pfnMask(r.pfn, r.order) }
                    return true
                }
                host = discarded
                reportCalls = batch
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
    /// (by default: `problems(in:)`, or a state without compact form) finds broken, and
    /// loses it without any single one of its operations; with the problem it reaches.
    public static func shrink(_ ops: [Operation], variant: Variant, geometry: Geometry,
                              check: Check? = nil) throws -> (path: [Operation], problem: String) {
        let check = check ?? { zone, host in
            if let problem = problems(in: zone, discarded: host).first { return problem }
            if zone.compactCapacity > 0, case .failure(let refusal) = zone.compactEncoding() {
                return "the compact encoding cannot hold the state: \(refusal)"
            }
            return nil
        }
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
        return (path, problem ?? notReproduced)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// One worker's zone: states are rebuilt in it from their encodings.
final class ZoneWorker: SearchWorker {
    let zone: PortZone
    let geometry: Geometry
    let alphabet: ExplorationAlphabet
    let allocations: [Operation]
    let capacity: Int
    private var check: PortStateCheck
    /// The loaded state.
    private var state: UnsafeMutableRawBufferPointer
    private var stateLength = 0
    private var live: [(pfn: Int, order: Int)] = []
    private var allocation: [Int]
    private var isolated: UInt64 = 0
    private var discarded: UInt64 = 0
    /// The host after each operation's `apply`.
    private let hosts: UnsafeMutablePointer<UInt64>
    /// The loaded state as a checkpoint, restored before each operation.
    private let checkpoint: UnsafeMutableRawPointer
    private let reportAccepted = Operation.idle(failing: [])
    private let reportFailing = Operation.idle(failing: [0])
    /// The report() calls of the last pass applied, and whether the loaded state's
    /// accepted pass made none.
    private var reportCalls = 0
    private var passWithoutCalls = false
    /// Where the pageblocks and the blocks start in an encoding.
    private let pageblocksAt: Int, blocksAt: Int

    init(variant: Variant, geometry: Geometry, alphabet: ExplorationAlphabet) throws {
        guard geometry.zonePages <= 64 else {
            throw AllocatorError.invalidGeometry("exploration keeps the host's discarded pages in 64 bits")
        }
        zone = try PortZone(variant: variant, geometry: geometry)
        self.geometry = geometry
        self.alphabet = alphabet
        allocations = alphabet.allocations
        capacity = zone.compactCapacity
        check = PortStateCheck(geometry: geometry)
        allocation = Array(repeating: -1, count: geometry.zonePages)
        state = .allocate(byteCount: capacity, alignment: 16)
        hosts = .allocate(capacity: Lane.operationLimit)
        checkpoint = .allocate(byteCount: zone.checkpointSize, alignment: 16)
        live.reserveCapacity(geometry.zonePages)
        let layout = CompactLayout(geometry)
        pageblocksAt = layout.pageblocksAt
        blocksAt = layout.blocksAt
    }

    deinit {
        state.deallocate()
        hosts.deallocate()
        checkpoint.deallocate()
    }

    func boot(into out: UnsafeMutableRawBufferPointer) -> Int {
        let fresh = try! PortZone(variant: zone.variant, geometry: geometry)
        guard case .success(let n) = fresh.encodeCompact(into: out) else {
            preconditionFailure("the boot state has no compact form")
        }
        return n
    }

    func load(_ bytes: UnsafeRawBufferPointer) {
        state.copyMemory(from: bytes)
        stateLength = bytes.count
        rebuild(bytes)
        zone.saveCheckpoint(into: checkpoint)
        passWithoutCalls = false
        live.removeAll(keepingCapacity: true)
        isolated = 0
        discarded = 0
        if alphabet.isolation {
            for pb in 0 ..< geometry.nrPageblocks where (state[pageblocksAt + pb / 2] >> (pb & 1 == 0 ? 0 : 4)) & 8 != 0 {
                isolated |= 1 << UInt64(pb)
            }
        }
        var pfn = 0, at = blocksAt
        while pfn < geometry.zonePages {
            let b = state[at]
            at += 1
            let order = Int(b & 0x0f)
            if b & 0x80 != 0 {
                if b & 0x10 != 0 { discarded |= pfnMask(pfn, order) }
            } else {
                live.append((pfn, order))
            }
            pfn += 1 << order
        }
    }

    var operationCount: Int {
        allocations.count + live.count + (alphabet.isolation ? geometry.nrPageblocks : 0) + 2
    }

    func operation(_ i: Int) -> Operation {
        var i = i
        if i < allocations.count { return allocations[i] }
        i -= allocations.count
        if i < live.count { return .free(pfn: live[i].pfn, order: live[i].order) }
        i -= live.count
        if alphabet.isolation {
            if i < geometry.nrPageblocks {
                return isolated & (1 << UInt64(i)) != 0 ? .unisolate(pageblock: i) : .isolate(pageblock: i)
            }
            i -= geometry.nrPageblocks
        }
        return i == 0 ? reportAccepted : reportFailing
    }

    private func rebuild(_ bytes: UnsafeRawBufferPointer) {
        do {
            try zone.decodeCompact(bytes)
        } catch {
            preconditionFailure("a state of the search does not decode: \(error)")
        }
    }

    func apply(_ i: Int, into out: UnsafeMutableRawBufferPointer) -> Step {
        let op = operation(i)
        // An idle spell that called report() not once (no work queued, or a pass with
        // nothing to send) goes the same way whether the host would have failed the first
        // call: the failing one is the accepted one again.
        if i == operationCount - 1 && passWithoutCalls { return .refused }
        let (step, _, host) = apply(op, into: out)
        hosts[i] = host
        if i == operationCount - 2 { passWithoutCalls = reportCalls == 0 }
        return step
    }

    /// `op` from the loaded state: what it gave, the pfn an allocation got (or -1), and
    /// the host after it.
    func apply(_ op: Operation, into out: UnsafeMutableRawBufferPointer) -> (Step, allocated: Int, host: UInt64) {
        try! zone.restoreCheckpoint(from: checkpoint)
        var host = discarded
        var allocated = -1, calls = 0
        defer { reportCalls = calls }
        guard Exploration.apply(op, to: zone, host: &host, allocated: &allocated, reportCalls: &calls) else {
            return (.refused, -1, host)
        }
        if zone.violationCount > 0 { return (.broken(zone.violations[0].description), allocated, host) }
        switch zone.encodeCompact(into: out) {
        case .success(let n): return (.state(n), allocated, host)
        case .failure(let refusal):
            return (.broken(check.problems(of: zone, discarded: host).first
                ?? "the compact encoding cannot hold the state: \(refusal)"), allocated, host)
        }
    }

    /// The loaded state again, unchanged.
    func keep(into out: UnsafeMutableRawBufferPointer) -> (Step, allocated: Int, host: UInt64) {
        out.copyMemory(from: UnsafeRawBufferPointer(rebasing: state[..<stateLength]))
        return (.state(stateLength), -1, discarded)
    }

    /// The order of the loaded state's live allocation at `pfn`.
    func liveOrder(at pfn: Int) -> Int? { live.first { $0.pfn == pfn }?.order }

    func inspect(_ successor: UnsafeRawBufferPointer, after i: Int) -> (problem: String?, marks: UInt32) {
        (problem(of: successor, host: hosts[i]), 0)
    }

    /// The first problem of `successor` with the host's discarded pages `host`. The
    /// live allocations are read from the encoding, which the port wrote from them.
    func problem(of successor: UnsafeRawBufferPointer, host: UInt64) -> String? {
        rebuild(successor)
        for pfn in 0 ..< geometry.zonePages { allocation[pfn] = -1 }
        var pfn = 0, at = blocksAt
        while pfn < geometry.zonePages {
            let b = successor[at]
            at += 1
            let order = Int(b & 0x0f)
            if b & 0x80 == 0 { allocation[pfn] = order }
            pfn += 1 << order
        }
        return check.problems(of: zone, allocation: allocation, discarded: host).first
    }
}
