// SPDX-License-Identifier: GPL-2.0-only
//
// Breadth first over compact states on every core. A level's states are cut into
// chunks that the workers take in turn; each worker rebuilds a state from its
// encoding, tries every operation, encodes what each leads to, and inserts the
// fingerprint into the shared set; a state that is new is checked and written to the
// worker's segment of the next level. The set grows between rounds, when no worker
// inserts. The frontier holds one level at a time, so memory is the fingerprint set,
// the widest two levels' encodings and 5 bytes of parent record a state.

import BuddyTypes
import Differential
import Dispatch
import Synchronization

/// What trying one operation in a state gave.
enum Step {
    /// The call was refused (the zone is as it was): no transition.
    case refused
    /// A state, encoded in this many bytes.
    case state(Int)
    /// A broken state (a kernel check fired, or it has no compact form), not explored.
    case broken(String)
}

/// One thread's view of the space: it loads states, tries operations on them and
/// checks what they lead to.
protocol SearchWorker: AnyObject, SendableMetatype {
    /// The most bytes one state's encoding takes.
    var capacity: Int { get }
    /// Encodes the boot state.
    func boot(into out: UnsafeMutableRawBufferPointer) -> Int
    /// Makes `state` the one operations start from.
    func load(_ state: UnsafeRawBufferPointer)
    /// How many operations the loaded state offers.
    var operationCount: Int { get }
    /// Operation `i` of the loaded state, for paths.
    func operation(_ i: Int) -> Operation
    /// Operation `i` from the loaded state.
    func apply(_ i: Int, into out: UnsafeMutableRawBufferPointer) -> Step
    /// The problem of `state`, which operation `i` of the loaded state led to, if any,
    /// and its marks (bits the search counts states by; 0 for none).
    func inspect(_ state: UnsafeRawBufferPointer, after i: Int) -> (problem: String?, marks: UInt32)
}

/// A state found by the search, named by its level, its parent's index in the level
/// before and the operation from the parent.
struct Found: Comparable {
    var level: Int
    var parent: Int
    var operation: Int

    static func < (a: Found, b: Found) -> Bool {
        (a.level, a.parent, a.operation) < (b.level, b.parent, b.operation)
    }
}

struct SearchLimits {
    var maxStates: Int
    var workers: Int
    /// Explore only from the states of the prefix level this shard owns.
    var shard: Shard?
    /// The most kinds of broken state kept.
    var violationKinds = 8
}

/// What a search found.
struct SearchOutcome {
    var states: Int
    var transitions: Int
    var closed: Bool
    /// The deepest level with a state.
    var depth: Int
    var largestLevel: Int
    var encodingBytes: Int
    var setBytes: Int
    /// Per kind of problem (digits left out), the first state that had it.
    var broken: [String: (found: Found, problem: String)]
    /// States with each mark bit, and with any.
    var marked: [Int]
    var anyMarked: Int
    /// The marked states of the first level that had any, with their marks.
    var firstMarked: [(found: Found, marks: UInt32)]
    var prefixDepth: Int?
    var fingerprints: FingerprintSet
    var levels: [Level]
    /// The peak of the frontier's and the parent records' bytes.
    var frontierBytes: Int
}

/// What one worker keeps while it expands: only its own thread touches it.
final class Lane {
    let scratch: UnsafeMutableRawBufferPointer
    /// One state's successors, `capacity` bytes apart, their lengths and fingerprints.
    let successors: UnsafeMutableRawBufferPointer
    let lengths: UnsafeMutablePointer<Int>
    let fingerprints: UnsafeMutablePointer<UInt64>
    let capacity: Int
    var segment: Segment
    var transitions = 0
    var encodingBytes = 0
    var broken: [String: (found: Found, problem: String)] = [:]
    var marked = Array(repeating: 0, count: 33)
    var firstMarked: [(found: Found, marks: UInt32)] = []
    /// The sum of the slots touched, kept so the loads stay.
    var touched: UInt64 = 0

    static let operationLimit = 256

    init(capacity: Int, chunk: Int) {
        self.capacity = capacity
        scratch = .allocate(byteCount: capacity, alignment: 16)
        successors = .allocate(byteCount: capacity * Self.operationLimit, alignment: 16)
        lengths = .allocate(capacity: Self.operationLimit)
        fingerprints = .allocate(capacity: Self.operationLimit)
        segment = Segment(chunk: chunk)
    }

    deinit {
        scratch.deallocate()
        successors.deallocate()
        lengths.deallocate()
        fingerprints.deallocate()
    }

    func record(_ at: Found, _ problem: String) {
        let kind = problem.filter { !$0.isNumber }
        if let seen = broken[kind], seen.found < at { return }
        broken[kind] = (at, problem)
    }
}

/// One search: the shared fingerprint set and the workers' lanes.
final class Search<Worker: SearchWorker>: @unchecked Sendable {
    let workers: [Worker]
    let lanes: [Lane]
    let limits: SearchLimits
    let set: FingerprintSet
    static var chunk: Int { 256 }

    private let taken = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let stop = Atomic<Bool>(false)
    private let full = Atomic<Bool>(false)

    init(workers: [Worker], limits: SearchLimits) {
        self.workers = workers
        self.limits = limits
        set = FingerprintSet(capacity: 1 << 20)
        lanes = workers.map { Lane(capacity: $0.capacity, chunk: Self.chunk) }
    }

    /// Runs the search from the boot state; `progress` hears the states known after
    /// every level.
    func run(progress: ((Int) -> Void)?) -> SearchOutcome {
        let root = Segment(chunk: Self.chunk)
        let scratch = lanes[0].scratch
        let n = workers[0].boot(into: scratch)
        let bootState = UnsafeRawBufferPointer(rebasing: scratch[..<n])
        _ = set.insert(fingerprint(bootState))
        set.add(count: 1)
        root.append(bootState, parent: 0, operation: 0)
        var levels = [Level([root])]
        var prefixDepth: Int?
        var largest = 1
        var closed = true
        var firstMarked: [(found: Found, marks: UInt32)] = []
        var frontierBytes = 0
        while true {
            let level = levels.count - 1
            let current = levels[level]
            if let shard = limits.shard, prefixDepth == nil, current.count >= 64 * shard.count {
                prefixDepth = level
            }
            for lane in lanes { lane.segment = Segment(chunk: Self.chunk) }
            let tasks = current.segments.indices.flatMap { s in
                (0 ..< current.segments[s].chunks).map { (segment: s, chunk: $0) }
            }
            taken.store(0, ordering: .relaxed)
            // rounds: the set grows between them
            while taken.load(ordering: .relaxed) < tasks.count && !stop.load(ordering: .relaxed) {
                full.store(false, ordering: .relaxed)
                let owned = prefixDepth == level ? limits.shard : nil
                DispatchQueue.concurrentPerform(iterations: workers.count) { w in
                    expand(worker: w, level: level, current: current, tasks: tasks, owned: owned)
                }
                set.add(count: pending.exchange(0, ordering: .relaxed))
                if full.load(ordering: .relaxed) { set.grow() }
            }
            for s in current.segments { s.releaseStates() }
            if stop.load(ordering: .relaxed) { closed = false }
            let built = Level(lanes.map(\.segment))
            frontierBytes = max(frontierBytes, levels.reduce(0) { $0 + $1.segments.reduce(0) { $0 + $1.footprint } }
                                    + built.segments.reduce(0) { $0 + $1.footprint })
            if firstMarked.isEmpty {
                firstMarked = lanes.flatMap(\.firstMarked).sorted { $0.found < $1.found }
            }
            for lane in lanes { lane.firstMarked = [] }
            if built.count > 0 { levels.append(built) }
            if built.count == 0 || !closed { break }
            largest = max(largest, built.count)
            progress?(set.count)
        }
        var kinds: [String: (found: Found, problem: String)] = [:]
        for lane in lanes {
            for (kind, v) in lane.broken where kinds[kind].map({ v.found < $0.found }) ?? true { kinds[kind] = v }
        }
        if kinds.count > limits.violationKinds {
            kinds = Dictionary(uniqueKeysWithValues: kinds.sorted { $0.value.found < $1.value.found }
                .prefix(limits.violationKinds).map { ($0.key, $0.value) })
        }
        let marks = (0 ..< 33).map { b in lanes.reduce(0) { $0 + $1.marked[b] } }
        return SearchOutcome(states: set.count, transitions: lanes.reduce(0) { $0 + $1.transitions },
                             closed: closed, depth: levels.count - 1, largestLevel: largest,
                             encodingBytes: lanes.reduce(0) { $0 + $1.encodingBytes }, setBytes: set.bytes,
                             broken: kinds, marked: Array(marks.prefix(32)), anyMarked: marks[32],
                             firstMarked: firstMarked, prefixDepth: prefixDepth,
                             fingerprints: set, levels: levels, frontierBytes: frontierBytes)
    }

    private func expand(worker w: Int, level: Int, current: Level, tasks: [(segment: Int, chunk: Int)],
                        owned shard: Shard?) {
        let worker = workers[w]
        let lane = lanes[w]
        let segment = lane.segment
        let bound = limits.maxStates
        let perChunk = Self.chunk * 64
        var transitions = 0, bytes = 0
        defer {
            lane.transitions += transitions
            lane.encodingBytes += bytes
        }
        while true {
            if stop.load(ordering: .relaxed) || full.load(ordering: .relaxed) { return }
            // leave room for every worker to finish a chunk before the set grows
            if set.count + pending.load(ordering: .relaxed) + workers.count * perChunk > set.capacity * 3 / 4 {
                full.store(true, ordering: .relaxed)
                return
            }
            let t = taken.add(1, ordering: .relaxed).oldValue
            if t >= tasks.count { return }
            let (s, c) = tasks[t]
            let base = current.bases[s]
            var found = 0
            let known = set.count + pending.load(ordering: .relaxed)
            current.segments[s].forEach(inChunk: c) { k, state in
                if let shard, !shard.owns(fingerprint(state)) { return true }
                let parent = base + k
                worker.load(state)
                let operations = worker.operationCount
                precondition(operations <= Lane.operationLimit)
                // every successor first, then their fingerprints' slots all at once, so
                // the cache misses of the set overlap
                for i in 0 ..< operations {
                    let slot = UnsafeMutableRawBufferPointer(rebasing: lane.successors[i * lane.capacity ..< (i + 1) * lane.capacity])
                    lane.lengths[i] = 0
                    switch worker.apply(i, into: slot) {
                    case .refused:
                        continue
                    case .broken(let problem):
                        transitions += 1
                        lane.record(Found(level: level + 1, parent: parent, operation: i), problem)
                    case .state(let n):
                        transitions += 1
                        lane.lengths[i] = n
                        lane.fingerprints[i] = fingerprint(UnsafeRawBufferPointer(rebasing: slot[..<n]))
                    }
                }
                var touched: UInt64 = 0
                for i in 0 ..< operations where lane.lengths[i] > 0 { touched &+= set.touch(lane.fingerprints[i]) }
                lane.touched &+= touched
                for i in 0 ..< operations where lane.lengths[i] > 0 {
                    guard set.insert(lane.fingerprints[i]) else { continue }
                    found += 1
                    let successor = UnsafeRawBufferPointer(rebasing: lane.successors[i * lane.capacity ..< i * lane.capacity + lane.lengths[i]])
                    let (problem, marks) = worker.inspect(successor, after: i)
                    let at = Found(level: level + 1, parent: parent, operation: i)
                    if let problem {
                        lane.record(at, problem)
                        continue
                    }
                    if marks != 0 {
                        for b in 0 ..< 32 where marks & (1 << UInt32(b)) != 0 { lane.marked[b] += 1 }
                        lane.marked[32] += 1
                        if lane.firstMarked.count < 64 { lane.firstMarked.append((at, marks)) }
                    }
                    bytes += successor.count
                    segment.append(successor, parent: parent, operation: i)
                    if known + found >= bound {
                        stop.store(true, ordering: .relaxed)
                        return false
                    }
                }
                return true
            }
            pending.add(found, ordering: .relaxed)
        }
    }
}

extension SearchOutcome {
    /// The operation indices from the boot state to `found`.
    func path(to found: Found) -> [Int] {
        var ops = [found.operation]
        var index = found.parent
        var level = found.level - 1
        while level > 0 {
            let (parent, op) = levels[level].parent(of: index)
            ops.append(op)
            index = parent
            level -= 1
        }
        return ops.reversed()
    }
}

extension SearchWorker {
    /// The operations of a path of indices, replayed from the boot state.
    func operations(along path: [Int]) -> [Operation] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var n = boot(into: buffer)
        var ops: [Operation] = []
        for i in path {
            let state = [UInt8](UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            state.withUnsafeBytes { load($0) }
            ops.append(operation(i))
            guard case .state(let m) = apply(i, into: buffer) else { break }
            n = m
        }
        return ops
    }
}
