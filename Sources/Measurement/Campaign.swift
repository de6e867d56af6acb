// SPDX-License-Identifier: GPL-2.0-only
//
// The differential generator run on two variants: each seed's operations (chosen from
// the base's live allocations) go to both, and after every operation what the two show
// is compared. Over the campaign: how many runs differ, which observables, how often,
// the first difference shrunk to a minimal replay, and the checks that failed in the
// variant.

import BuddyPort
import Differential

public struct CampaignResult: Sendable, Codable, Equatable {
    public var geometry: String
    public var firstSeed: UInt64
    public var seeds: Int
    public var operationsPerSeed: Int
    /// Operations run on each variant.
    public var operations: Int { seeds * operationsPerSeed }
    /// Seeds whose runs showed a difference.
    public var runsDiffering: Int
    /// For each observable, the operations after which it differed, over all seeds.
    public var stepsDiffering: [String: Int]
    /// The first difference of the lowest seed that showed one.
    public var first: Difference?
    public var firstSeedDiffering: UInt64?
    /// The first failed check of each kind in the variant, over all seeds.
    public var failures: [CheckFailure]
}

public enum Campaign {
    /// Without `shrink`, the replays are the runs' prefixes; `CampaignResult.shrink` cuts
    /// them down later.
    public static func run(base: Variant, variant: Variant, geometry: Geometry, geometryName: String,
                           seeds: Range<UInt64>, operations: Int, shrink: Bool = true) throws -> CampaignResult {
        var result = CampaignResult(geometry: geometryName, firstSeed: seeds.lowerBound, seeds: seeds.count,
                                    operationsPerSeed: operations, runsDiffering: 0, stepsDiffering: [:],
                                    first: nil, firstSeedDiffering: nil, failures: [])
        for seed in seeds {
            var generator = OperationGenerator(geometry: geometry, seed: seed)
            let script = ScriptedWorkload(name: "campaign", steps: [])
            var a = try Lane(variant: base, geometry: geometry, workload: script)
            var b = try Lane(variant: variant, geometry: geometry, workload: script)
            var live = LiveSet(pages: geometry.zonePages)
            var differed = false
            for step in 0 ..< operations {
                let op = generator.next(live: live)
                let ra = try a.take(op), rb = try b.take(op)
                if case .allocated(let pfn?) = ra.outcome, case .allocate(let order, _, _) = op { live.insert(pfn: pfn, order: order) }
                if case .free(let pfn, _) = op, ra.outcome == .done { live.remove(pfn: pfn) }
                let differs = Observable.differences(ra, rb, geometry: geometry)
                for o in differs { result.stepsDiffering[o.rawValue, default: 0] += 1 }
                if !differs.isEmpty && !differed {
                    differed = true
                    result.runsDiffering += 1
                    if result.first == nil {
                        result.first = Difference(step: step + 1, observables: differs, operation: op,
                                                  base: ra.outcome.description, variant: rb.outcome.description,
                                                  replay: Array(a.log.prefix(step + 1)))
                        result.firstSeedDiffering = seed
                    }
                }
            }
            b.finalCheck()
            for failure in b.metrics.failures where !result.failures.contains(where: { $0.kind == failure.kind }) {
                result.failures += SideBySide.withPrefixes([failure], log: b.log)
            }
        }
        if shrink { try result.shrink(base: base, variant: variant, geometry: geometry) }
        return result
    }
}

extension CampaignResult {
    /// Cuts the first difference's replay and every failure's replay down to minimal ones.
    public mutating func shrink(base: Variant, variant: Variant, geometry: Geometry) throws {
        if let d = first {
            first?.replay = try Replay.minimalDifference(d.replay, base: base, variant: variant, geometry: geometry)
        }
        failures = try SideBySide.shrunk(failures, variant: variant, geometry: geometry)
    }
}
