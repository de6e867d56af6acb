// SPDX-License-Identifier: GPL-2.0-only
//
// Runs the C port and the Swift model side by side, one operation at a time, compares
// everything either lets one observe, checks the invariants on both, and on the first
// difference shrinks the operation list to a minimal one that still fails.

import BuddyModel
import BuddyPort

/// The first thing that went wrong in a run, with the operations that lead to it.
public struct Divergence: Error, Sendable, CustomStringConvertible {
    public var variant: Variant
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
        return """
            @Test func regression\(seed.map { "Seed\($0)" } ?? "")() throws {
                // \(problem.split(separator: "\n").first ?? "")
                try Differential.replay(.\(variant), \(geometrySource), [
            \(ops)
                ])
            }
            """
    }

    public var description: String {
        """
        port and model differ (variant \(variant), \(geometry)\(seed.map { ", seed \($0)" } ?? ""), \
        after \(operations.count) operation(s)):
        \(problem)
        Replay:
        \(replayCase)
        """
    }
}

/// How thoroughly each step is compared.
public struct CheckPolicy: Sendable {
    /// Compare every page of the zone and run the full invariant checks every this many
    /// operations (and after the last); in between, the pages the operation touched.
    public var fullCheckInterval: Int

    public init(fullCheckInterval: Int = 64) {
        self.fullCheckInterval = fullCheckInterval
    }
}

public enum Differential {
    /// Runs `count` generated operations from `seed`; nil when port and model agree and
    /// every invariant holds throughout, else the shrunk divergence.
    public static func run(variant: Variant, geometry: Geometry, seed: UInt64, count: Int,
                           policy: CheckPolicy = CheckPolicy()) -> Divergence? {
        run(variant: variant, geometry: geometry, seed: seed, count: count, policy: policy, finished: nil)
    }

    /// `run`; `finished` sees the port's zone after the last operation when there was no
    /// divergence.
    static func run(variant: Variant, geometry: Geometry, seed: UInt64, count: Int,
                    policy: CheckPolicy, finished: ((PortZone) -> Void)?) -> Divergence? {
        var generator = OperationGenerator(geometry: geometry, seed: seed)
        var session: Session
        do {
            session = try Session(variant: variant, geometry: geometry, policy: policy)
        } catch {
            return Divergence(variant: variant, geometry: geometry, seed: seed, operations: [],
                              problem: "zone creation failed: \(error)")
        }
        var ops: [Operation] = []
        ops.reserveCapacity(count)
        for step in 0 ..< count {
            let op = generator.next(live: session.model.liveAllocations)
            ops.append(op)
            if session.step(op, full: step == count - 1) != nil {
                let shrunk = shrink(variant: variant, geometry: geometry, operations: ops,
                                    policy: policy)
                return Divergence(variant: variant, geometry: geometry, seed: seed,
                                  operations: shrunk.operations, problem: shrunk.problem)
            }
        }
        finished?(session.port)
        return nil
    }

    /// Replays a recorded list; throws the divergence when port and model differ or an
    /// invariant fails. Checks everything after every operation.
    public static func replay(_ variant: Variant, _ geometry: Geometry,
                              _ operations: [Operation]) throws(Divergence) {
        if let (prefix, problem) = firstFailure(variant: variant, geometry: geometry,
                                                operations: operations,
                                                policy: CheckPolicy(fullCheckInterval: 1)) {
            throw Divergence(variant: variant, geometry: geometry, seed: nil,
                             operations: Array(operations.prefix(prefix)), problem: problem)
        }
    }

    /// The number of operations up to the first failure and its description, or nil.
    static func firstFailure(variant: Variant, geometry: Geometry, operations: [Operation],
                             policy: CheckPolicy) -> (Int, String)? {
        var session: Session
        do {
            session = try Session(variant: variant, geometry: geometry, policy: policy)
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
    static func shrink(variant: Variant, geometry: Geometry, operations: [Operation],
                       policy: CheckPolicy) -> (operations: [Operation], problem: String) {
        let strict = CheckPolicy(fullCheckInterval: 1)
        guard let (end, firstProblem) = firstFailure(variant: variant, geometry: geometry,
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
                if let (n, p) = firstFailure(variant: variant, geometry: geometry,
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

/// One port zone and one model, stepped together.
struct Session {
    var port: PortZone
    var model: BuddyModel
    let policy: CheckPolicy
    let geometry: Geometry
    var steps = 0
    /// Small zones are compared whole after every operation through the flat state
    /// encoding both sides write; large ones by lists, counters and touched pages.
    let compareEncoded: Bool
    var portState: [Int] = []
    var modelState: [Int] = []

    init(variant: Variant, geometry: Geometry, policy: CheckPolicy) throws(AllocatorError) {
        port = try PortZone(variant: variant, geometry: geometry)
        model = try BuddyModel(variant: variant, geometry: geometry)
        self.policy = policy
        self.geometry = geometry
        compareEncoded = geometry.zonePages <= 1024
    }

    /// Applies `op` to both and compares; the description of the first problem, or nil.
    mutating func step(_ op: Operation, full: Bool) -> String? {
        steps += 1
        let portOutcome = port.apply(op)
        let modelOutcome = model.apply(op)
        if portOutcome != modelOutcome {
            return "\(op): port \(portOutcome), model \(modelOutcome)"
        }
        if let v = port.violations.first {
            return "\(op): the port recorded \(v)"
        }
        if let v = model.violations.first {
            return "\(op): the model recorded \(v)"
        }
        let everything = full || steps % policy.fullCheckInterval == 0
        if compareEncoded {
            port.encodeState(into: &portState)
            model.encodeState(into: &modelState)
            if portState == modelState {
                return checkInvariants(op, everything: everything)
            }
        }
        if let problem = describeDifference(op, everything: everything || compareEncoded) {
            return problem
        }
        if compareEncoded {
            let i = portState.indices.first { $0 >= modelState.count || portState[$0] != modelState[$0] } ?? portState.count
            return "\(op): the encoded states differ at index \(i)"
        }
        return checkInvariants(op, everything: everything)
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
        if !range.isEmpty {
            let portPages = port.pages(in: range), modelPages = model.pages(in: range)
            if portPages != modelPages {
                let i = portPages.indices.first { $0 >= modelPages.count || portPages[$0] != modelPages[$0] } ?? portPages.count
                let pfn = range.lowerBound + i
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
            let pages = port.pages(in: 0 ..< geometry.zonePages)
            for (pfn, page) in pages.enumerated() where page.flags.contains(.reported) {
                guard page.isBuddy else {
                    return "\(op): port page \(pfn) is Reported but not a free block head"
                }
                if !model.hostDiscarded(contains: pfn ..< pfn + (1 << page.order)) {
                    return "\(op): port block \(pfn)+\(1 << page.order) is Reported but the host has not discarded all of it"
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
