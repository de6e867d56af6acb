// SPDX-License-Identifier: GPL-2.0-only
//
// Runs the C port and the Swift model side by side, one operation at a time, compares
// everything either lets one observe, checks the invariants on both, and on the first
// difference shrinks the operation list to a minimal one that still fails.

import BuddyModel
import BuddyPort

/// The first thing that went wrong in a run, with the operations that lead to it.
public struct Divergence: Error, Sendable, CustomStringConvertible {
    /// The port's variant and the rules the model followed beside it.
    public var variant: Variant
    public var rules: ModelRules
    public var geometry: Geometry
    public var seed: UInt64?
    /// The operations up to and including the one after which the check failed.
    public var operations: [Operation]
    public var problem: String

    /// A replayable case, ready to paste into a Swift Testing file.
    public var replayCase: String {
        let g = geometry
        var geometrySource = "Geometry(nrPageblocks: \(g.nrPageblocks), pageblockOrder: \(g.pageblockOrder), "
            + "maxPageOrder: \(g.maxPageOrder), pageReportingOrder: \(g.pageReportingOrder), "
            + "reportingCapacity: \(g.reportingCapacity)"
        if !g.initialMigratetypes.isEmpty {
            geometrySource += ", initialMigratetypes: [\(g.initialMigratetypes.map { "." + Operation.name($0) }.joined(separator: ", "))]"
        }
        geometrySource += ")"
        let ops = operations.map { "        \($0)," }.joined(separator: "\n")
        let variantSource = variant.isBaseline ? ".baseline"
            : "try builtVariant(patches: [\(variant.patches.map { "\"\($0)\"" }.joined(separator: ", "))])"
        return """
            @Test func regression\(seed.map { "Seed\($0)" } ?? "")() throws {
                // \(problem.split(separator: "\n").first ?? "")
                try Differential.replay(\(variantSource), .\(Self.rulesSource(rules)), \(geometrySource), [
            \(ops)
                ])
            }
            """
    }

    public var description: String {
        """
        port and model differ (variant \(variant), model \(rules), \(geometry)\(seed.map { ", seed \($0)" } ?? ""), \
        after \(operations.count) operation(s)):
        \(problem)
        Replay:
        \(replayCase)
        """
    }

    static func rulesSource(_ rules: ModelRules) -> String {
        switch rules {
        case .linux73: "linux73"
        case .propagateReportedOnSplit: "propagateReportedOnSplit"
        }
    }
}

/// How thoroughly each step is compared.
public struct CheckPolicy: Sendable {
    /// Compare every page of the zone and run the full invariant checks every this many
    /// operations (and after the last); in between, what the operation changed.
    public var fullCheckInterval: Int
    /// The same for zones of more than 1,024 pages, whose whole-zone checks cost as much
    /// as a thousand operations.
    public var largeZoneFullCheckInterval: Int

    public init(fullCheckInterval: Int = 64, largeZoneFullCheckInterval: Int = 1024) {
        self.fullCheckInterval = fullCheckInterval
        self.largeZoneFullCheckInterval = largeZoneFullCheckInterval
    }
}

public enum Differential {
    /// Runs `count` generated operations from `seed`; nil when port and model agree and
    /// every invariant holds throughout, else the shrunk divergence.
    public static func run(variant: Variant, rules: ModelRules, geometry: Geometry, seed: UInt64,
                           count: Int, policy: CheckPolicy = CheckPolicy()) -> Divergence? {
        run(variant: variant, rules: rules, geometry: geometry, seed: seed, count: count, policy: policy,
            finished: nil)
    }

    /// `run`; `finished` sees the port's zone after the last operation when there was no
    /// divergence.
    static func run(variant: Variant, rules: ModelRules, geometry: Geometry, seed: UInt64, count: Int,
                    policy: CheckPolicy, finished: ((PortZone) -> Void)?) -> Divergence? {
        do {
            return try Runner(variant: variant, rules: rules, geometry: geometry, policy: policy)
                .run(seed: seed, count: count, finished: finished)
        } catch {
            return Divergence(variant: variant, rules: rules, geometry: geometry, seed: seed,
                              operations: [], problem: "zone creation failed: \(error)")
        }
    }

    /// Replays a recorded list; throws the divergence when port and model differ or an
    /// invariant fails. Checks everything after every operation.
    public static func replay(_ variant: Variant, _ rules: ModelRules, _ geometry: Geometry,
                              _ operations: [Operation]) throws(Divergence) {
        if let (prefix, problem) = firstFailure(variant: variant, rules: rules, geometry: geometry,
                                                operations: operations,
                                                policy: CheckPolicy(fullCheckInterval: 1, largeZoneFullCheckInterval: 1)) {
            throw Divergence(variant: variant, rules: rules, geometry: geometry, seed: nil,
                             operations: Array(operations.prefix(prefix)), problem: problem)
        }
    }

    /// The number of operations up to the first failure and its description, or nil.
    static func firstFailure(variant: Variant, rules: ModelRules, geometry: Geometry,
                             operations: [Operation], policy: CheckPolicy) -> (Int, String)? {
        var session: Session
        do {
            session = try Session(variant: variant, rules: rules, geometry: geometry, policy: policy)
        } catch {
            return (0, "zone creation failed: \(error)")
        }
        for (i, op) in operations.enumerated() {
            if let problem = session.step(op, full: i == operations.count - 1) {
                return (i + 1, problem)
            }
        }
        return nil
    }

    /// Delta debugging over the operation list: drop chunks, then single operations,
    /// while some check still fails; the result fails with every operation needed.
    static func shrink(variant: Variant, rules: ModelRules, geometry: Geometry,
                       operations: [Operation], policy: CheckPolicy) -> (operations: [Operation], problem: String) {
        let strict = CheckPolicy(fullCheckInterval: 1, largeZoneFullCheckInterval: 1)
        guard let (end, firstProblem) = firstFailure(variant: variant, rules: rules, geometry: geometry,
                                                     operations: operations, policy: strict)
        else {
            return (operations, "a failure that did not reproduce under full checking")
        }
        var current = Array(operations.prefix(end))
        var problem = firstProblem
        var chunk = max(1, current.count / 2)
        while true {
            var removedAny = false
            var start = 0
            while start < current.count {
                var candidate = current
                candidate.removeSubrange(start ..< min(start + chunk, current.count))
                if let (n, p) = firstFailure(variant: variant, rules: rules, geometry: geometry,
                                             operations: candidate, policy: strict) {
                    current = Array(candidate.prefix(n))
                    problem = p
                    removedAny = true
                } else {
                    start += chunk
                }
            }
            if chunk == 1 && !removedAny { break }
            if !removedAny { chunk = max(1, chunk / 2) }
        }
        return (current, problem)
    }
}

/// Runs seed after seed on one port zone and one model, each run from boot: the zone
/// goes back to its boot checkpoint and the model to its boot value, so a large zone is
/// made (and its memory touched) once, not once a seed.
public final class Runner {
    let variant: Variant
    let rules: ModelRules
    let geometry: Geometry
    let policy: CheckPolicy
    private let port: PortZone
    private let bootModel: BuddyModel
    private let boot: UnsafeMutableRawPointer
    /// The flat encodings' buffers, kept from run to run.
    private var buffers: ([Int], [Int]) = ([], [])

    public init(variant: Variant, rules: ModelRules, geometry: Geometry,
                policy: CheckPolicy = CheckPolicy()) throws(AllocatorError) {
        self.variant = variant
        self.rules = rules
        self.geometry = geometry
        self.policy = policy
        port = try PortZone(variant: variant, geometry: geometry)
        bootModel = try BuddyModel(rules: rules, geometry: geometry)
        boot = .allocate(byteCount: port.checkpointSize, alignment: 16)
        port.saveCheckpoint(into: boot)
    }

    deinit { boot.deallocate() }

    /// `Differential.run` of one seed.
    public func run(seed: UInt64, count: Int) -> Divergence? {
        run(seed: seed, count: count, finished: nil)
    }

    func run(seed: UInt64, count: Int, finished: ((PortZone) -> Void)?) -> Divergence? {
        try! port.restoreCheckpoint(from: boot)
        var generator = OperationGenerator(geometry: geometry, seed: seed)
        var session = Session(port: port, model: bootModel, policy: policy)
        swap(&session.portState, &buffers.0)
        swap(&session.modelState, &buffers.1)
        defer {
            swap(&session.portState, &buffers.0)
            swap(&session.modelState, &buffers.1)
        }
        var ops: [Operation] = []
        ops.reserveCapacity(count)
        for step in 0 ..< count {
            let op = generator.next(live: session.live)
            ops.append(op)
            if session.step(op, full: step == count - 1) != nil {
                let shrunk = Differential.shrink(variant: variant, rules: rules, geometry: geometry,
                                                 operations: ops, policy: policy)
                return Divergence(variant: variant, rules: rules, geometry: geometry, seed: seed,
                                  operations: shrunk.operations, problem: shrunk.problem)
            }
        }
        finished?(session.port)
        return nil
    }
}

/// One port zone and one model, stepped together.
struct Session {
    var port: PortZone
    var model: BuddyModel
    let policy: CheckPolicy
    let geometry: Geometry
    var steps = 0
    /// The live allocations, as the outcomes so far made them.
    var live: LiveSet
    /// Small zones are compared whole after every operation through the flat state
    /// encoding both sides write; large ones by lists, counters and touched pages.
    let compareEncoded: Bool
    var portState: [Int] = []
    var modelState: [Int] = []

    init(variant: Variant, rules: ModelRules, geometry: Geometry,
         policy: CheckPolicy) throws(AllocatorError) {
        self.init(port: try PortZone(variant: variant, geometry: geometry),
                  model: try BuddyModel(rules: rules, geometry: geometry), policy: policy)
    }

    /// A session over a port zone and a model in the same state.
    init(port: PortZone, model: BuddyModel, policy: CheckPolicy) {
        self.port = port
        self.model = model
        self.policy = policy
        geometry = port.geometry
        compareEncoded = geometry.zonePages <= 1024
        live = LiveSet(pages: geometry.zonePages)
    }

    /// Applies `op` to both and compares; the description of the first problem, or nil.
    mutating func step(_ op: Operation, full: Bool) -> String? {
        steps += 1
        let portOutcome = port.apply(op)
        let modelOutcome = model.apply(op)
        if portOutcome != modelOutcome {
            return "\(op): port \(portOutcome), model \(modelOutcome)"
        }
        switch (op, portOutcome) {
        case (.allocate(let order, _, _), .allocated(let pfn?)): live.insert(pfn: pfn, order: order)
        case (.free(let pfn, _), .done): live.remove(pfn: pfn)
        default: break
        }
        if let v = port.violations.first {
            return "\(op): the port recorded \(v)"
        }
        if let v = model.violations.first {
            return "\(op): the model recorded \(v)"
        }
        if port.reportingState != model.reportingState || port.reportingWorkQueued != model.reportingWorkQueued {
            return "\(op): the reporting device differs: port \(port.reportingState)"
                + "\(port.reportingWorkQueued ? ", work queued" : ""), model \(model.reportingState)"
                + "\(model.reportingWorkQueued ? ", work queued" : "")"
        }
        if compareEncoded {
            let everything = full || steps % policy.fullCheckInterval == 0
            port.encodeState(into: &portState)
            model.encodeState(into: &modelState)
            if portState == modelState {
                return checkInvariants(op, everything: everything)
            }
            if let problem = describeDifference(op, everything: true) { return problem }
            let i = portState.indices.first { $0 >= modelState.count || portState[$0] != modelState[$0] } ?? portState.count
            return "\(op): the encoded states differ at index \(i)"
        }
        if full || steps % policy.largeZoneFullCheckInterval == 0 {
            // the whole state through the flat encoding both sides write
            port.encodeState(into: &portState)
            model.encodeState(into: &modelState)
            if portState != modelState {
                return describeDifference(op, everything: true) ?? "\(op): the encoded states differ"
            }
            return checkInvariants(op, everything: true)
        }
        return compareChanges(op)
    }

    /// A large zone after one operation: the counters; of pages, free lists and
    /// pageblocks, what the model's operation changed (each such page's state and list
    /// neighbours, each such list's ends, each such pageblock's bits); the model's totals,
    /// and the soundness of every PG_reported block the operation changed. The whole-zone checks catch, at the next
    /// interval, a change the port made and the model did not.
    mutating func compareChanges(_ op: Operation) -> String? {
        let portCounters = port.counters(), modelCounters = model.counters()
        if portCounters != modelCounters {
            return "\(op): counters differ: port \(portCounters), model \(modelCounters)"
        }
        let changes = model.latestChanges
        if !changes.pageblocks.isEmpty {
            let portBlocks = port.pageblocks()
            for b in changes.pageblocks where portBlocks[Int(b)] != model.pageblock(Int(b)) {
                return "\(op): pageblock \(b) differs: port \(portBlocks[Int(b)]), model \(model.pageblock(Int(b)))"
            }
        }
        for p in changes.pfns {
            let pfn = Int(p)
            guard pfn < geometry.zonePages else { continue }
            let modelPage = model.page(pfn)
            if port.page(pfn) != modelPage {
                return "\(op): page \(pfn) differs: port \(port.page(pfn).map { state([$0], 0) } ?? "missing"), model \(state([modelPage], 0))"
            }
            let portLinks = port.freeListLinks(of: pfn), modelLinks = model.freeListLinks(of: pfn)
            if portLinks?.before != modelLinks?.before || portLinks?.after != modelLinks?.after {
                return "\(op): the free-list neighbours of \(pfn) differ: port \(portLinks.map { "\($0)" } ?? "none"), model \(modelLinks.map { "\($0)" } ?? "none")"
            }
            if modelPage.flags.contains(.reported), !model.hostDiscarded(contains: pfn ..< pfn + (1 << modelPage.order)) {
                return "\(op): block \(pfn)+\(1 << modelPage.order) is Reported but the host has not discarded all of it"
            }
        }
        for range in changes.lruRanges {
            if range.count <= 16 {
                for pfn in range where port.page(pfn) != model.page(pfn) {
                    return "\(op): page \(pfn) differs: port \(port.page(pfn).map { state([$0], 0) } ?? "missing"), model \(state([model.page(pfn)], 0))"
                }
                continue
            }
            let portPages = port.pages(in: range), modelPages = model.pages(in: range)
            if portPages != modelPages {
                let i = portPages.indices.first { $0 >= modelPages.count || portPages[$0] != modelPages[$0] } ?? portPages.count
                return "\(op): page \(range.lowerBound + i) differs: port \(state(portPages, i)), model \(state(modelPages, i))"
            }
        }
        for list in changes.lists {
            let p = port.freeListEnds(Int(list)), m = model.freeListEnds(Int(list))
            if p?.first != m?.first || p?.last != m?.last {
                let name = "order \(Int(list) / MigrateType.count) \(MigrateType(rawValue: Int(list) % MigrateType.count)!)"
                return "\(op): the ends of the \(name) list differ: port \(p.map { "\($0)" } ?? "empty"), model \(m.map { "\($0)" } ?? "empty")"
            }
        }
        if let first = model.checkTotals().first { return "\(op): invariant: \(first)" }
        return nil
    }

    /// The first observable difference between port and model, described.
    func describeDifference(_ op: Operation, everything: Bool) -> String? {
        let portLists = port.freeLists(), modelLists = model.freeLists()
        if portLists != modelLists {
            return "\(op): free lists differ\n" + describeListDifference(portLists, modelLists)
        }
        let portCounters = port.counters(), modelCounters = model.counters()
        if portCounters != modelCounters {
            return "\(op): counters differ: port \(portCounters), model \(modelCounters)"
        }
        let portBlocks = port.pageblocks(), modelBlocks = model.pageblocks()
        if portBlocks != modelBlocks {
            let pb = portBlocks.indices.first { portBlocks[$0] != modelBlocks[$0] } ?? 0
            return "\(op): pageblock \(pb) differs: port \(portBlocks[pb]), model \(modelBlocks[pb])"
        }
        let range = everything ? 0 ..< geometry.zonePages : model.touchedRange
        // a chunk at a time, so a large zone's pages are never all copied at once
        for start in stride(from: range.lowerBound, to: range.upperBound, by: 1024) {
            let chunk = start ..< min(start + 1024, range.upperBound)
            let portPages = port.pages(in: chunk), modelPages = model.pages(in: chunk)
            if portPages != modelPages {
                let i = portPages.indices.first { $0 >= modelPages.count || portPages[$0] != modelPages[$0] } ?? portPages.count
                let pfn = chunk.lowerBound + i
                return "\(op): page \(pfn) differs: port \(state(portPages, i)), model \(state(modelPages, i))"
            }
        }
        return nil
    }

    /// The model's invariants, and the soundness of the port's Reported flags.
    func checkInvariants(_ op: Operation, everything: Bool) -> String? {
        let problems = everything ? model.checkInvariants() : model.checkInvariantsFast()
        if let first = problems.first {
            return "\(op): invariant: \(first)"
        }
        // Soundness of the port itself: every block it flags Reported is wholly
        // discarded by the host (the model's oracle, equal on both sides so far).
        if everything {
            for start in stride(from: 0, to: geometry.zonePages, by: 1024) {
                let chunk = start ..< min(start + 1024, geometry.zonePages)
                for (i, page) in port.pages(in: chunk).enumerated() where page.flags.contains(.reported) {
                    let pfn = start + i
                    guard page.isBuddy else {
                        return "\(op): port page \(pfn) is Reported but not a free block head"
                    }
                    if !model.hostDiscarded(contains: pfn ..< pfn + (1 << page.order)) {
                        return "\(op): port block \(pfn)+\(1 << page.order) is Reported but the host has not discarded all of it"
                    }
                }
            }
        }
        return nil
    }

    private func state(_ pages: [PageState], _ i: Int) -> String {
        guard i < pages.count else { return "missing" }
        let p = pages[i]
        return "\(p.isBuddy ? "buddy o\(p.order)" : "not buddy") flags \(p.flags)"
    }

    private func describeListDifference(_ a: [[[Int]]], _ b: [[[Int]]]) -> String {
        var lines: [String] = []
        for order in a.indices {
            for mt in a[order].indices where a[order][mt] != b[order][mt] {
                let name = MigrateType(rawValue: mt)!.description
                lines.append("  order \(order) \(name): port \(a[order][mt]), model \(b[order][mt])")
            }
        }
        return lines.joined(separator: "\n")
    }
}
