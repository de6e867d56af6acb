// SPDX-License-Identifier: GPL-2.0-only
//
// The differential campaign as a batch job: seeds x geometries x variants, run on every
// core, cut into shards by seed range for a batch engine (docs/SCALING.md), and merged
// back. Each run adds a digest of the port's final state to the campaign's, modulo
// 2^64, so a merged result names the same runs and the same final states as one
// unsharded run exactly when their digests agree.

import BuddyModel
import BuddyPort
import Dispatch
import Synchronization

/// Shard `index` of `count` (1-based, as `--shard K/N` writes it).
public struct Shard: Sendable, Codable, Hashable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Parses "K/N" with 1 <= K <= N <= 2^20.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]),
              n >= 1, n <= 1 << 20, (1 ... n).contains(k) else { return nil }
        self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// The part of `0 ..< total` this shard takes: contiguous, the parts in order and
    /// differing in size by at most one.
    public func range(of total: Int) -> Range<Int> {
        (index - 1) * total / count ..< index * total / count
    }
}

/// The geometries the campaign runs by name.
public enum CampaignGeometry {
    public static let all: [(name: String, geometry: Geometry)] = [
        ("tiny16", .tiny16),
        ("tiny64", .tiny64),
        // Mixed pageblock types from boot, a CMA block and reporting of order-1 blocks:
        // fallbacks, claims, CMA balancing and merges across types all happen early.
        ("tiny64-mixed", Geometry(
            nrPageblocks: 8, pageblockOrder: 3, maxPageOrder: 4, pageReportingOrder: 1,
            reportingCapacity: 2,
            initialMigratetypes: [.movable, .unmovable, .reclaimable, .movable,
                                  .cma, .movable, .unmovable, .movable])),
        ("x86-64", .x86_64),
    ]

    public static func named(_ name: String) -> Geometry? { all.first { $0.name == name }?.geometry }
}

/// A variant of the port and the rules the model follows beside it.
public struct CampaignVariant: Sendable, Codable, Hashable, CustomStringConvertible {
    public var variant: Variant
    public var rules: ModelRules

    public init(variant: Variant, rules: ModelRules) {
        self.variant = variant
        self.rules = rules
    }

    /// Linux 7.3 as released, beside the model's 7.3 rules.
    public static let baseline = CampaignVariant(variant: .baseline, rules: .linux73)

    public var description: String { "\(variant) (model \(rules))" }
}

/// What a campaign runs.
public struct CampaignSpec: Sendable, Codable, Equatable {
    public var geometries: [String]
    public var variants: [CampaignVariant]
    public var firstSeed: UInt64
    public var seeds: Int
    public var operations: Int

    public init(geometries: [String], variants: [CampaignVariant], firstSeed: UInt64, seeds: Int, operations: Int) {
        self.geometries = geometries
        self.variants = variants
        self.firstSeed = firstSeed
        self.seeds = seeds
        self.operations = operations
    }
}

public struct CampaignDivergence: Sendable, Codable, Equatable {
    public var geometry: String
    public var variant: CampaignVariant
    public var seed: UInt64
    public var problem: String
    /// The shrunk operation list as a Swift Testing case.
    public var replay: String
}

/// What a campaign (or the merge of its shards) found.
public struct ModelCampaignResult: Sendable, Codable, Equatable {
    public var spec: CampaignSpec
    /// The shard this result is; nil for a whole campaign or a merge.
    public var shard: Shard?
    /// The seeds run, `firstSeed + range`.
    public var seedRange: Range<Int>
    public var runs: Int
    public var operations: Int
    /// The sum of the runs' digests modulo 2^64, in hex.
    public var digest: String
    public var divergences: [CampaignDivergence]
    /// Wall time; nil for a merge.
    public var seconds: Double?
}

public enum ModelCampaign {
    /// Runs the spec's seeds (the shard's range of them) on `threads` threads.
    public static func run(_ spec: CampaignSpec, shard: Shard? = nil, threads: Int) -> ModelCampaignResult {
        let clock = ContinuousClock()
        let start = clock.now
        let range = (shard ?? Shard(index: 1, count: 1)).range(of: spec.seeds)
        let geometries = spec.geometries.map { CampaignGeometry.named($0)! }
        let jobs = geometries.indices.flatMap { g in
            spec.variants.flatMap { v in range.map { (g, v, spec.firstSeed + UInt64($0)) } }
        }
        let next = Atomic<Int>(0)
        let box = Results(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
            // one runner per geometry and variant this thread meets
            var runners: [Int: Runner] = [:]
            while true {
                let j = next.add(1, ordering: .relaxed).oldValue
                guard j < jobs.count else { return }
                let (g, v, seed) = jobs[j]
                var digest: UInt64 = 0
                let key = g * spec.variants.count + spec.variants.firstIndex(of: v)!
                let runner: Runner
                do {
                    if let r = runners[key] { runner = r } else {
                        runner = try Runner(variant: v.variant, rules: v.rules, geometry: geometries[g])
                        runners[key] = runner
                    }
                } catch {
                    box.set(j, 0, CampaignDivergence(geometry: spec.geometries[g], variant: v, seed: seed,
                                                     problem: "zone creation failed: \(error)", replay: ""))
                    continue
                }
                let d = runner.run(seed: seed, count: spec.operations, finished: { zone in
                    digest = runDigest(zone, geometry: spec.geometries[g], variant: v, seed: seed)
                })
                box.set(j, digest, d.map {
                    CampaignDivergence(geometry: spec.geometries[g], variant: v, seed: seed,
                                       problem: $0.problem, replay: $0.replayCase)
                })
            }
        }
        let elapsed = clock.now - start
        return ModelCampaignResult(spec: spec, shard: shard, seedRange: range, runs: jobs.count,
                              operations: jobs.count * spec.operations,
                              digest: hex(box.digests.reduce(0, &+)),
                              divergences: box.divergences.compactMap { $0 },
                              seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// One run's digest: its geometry, variant and seed with the port's final state.
    static func runDigest(_ zone: PortZone, geometry: String, variant: CampaignVariant, seed: UInt64) -> UInt64 {
        var state: [Int] = []
        zone.encodeState(into: &state)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ x: UInt64) {
            h = (h ^ x) &* 0x0000_0100_0000_01b3
            h ^= h >> 29
        }
        for b in "\(geometry)/\(variant.variant.key)/\(variant.rules)".utf8 { mix(UInt64(b)) }
        mix(seed)
        for x in state { mix(UInt64(bitPattern: Int64(x))) }
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }

    static func hex(_ x: UInt64) -> String {
        let digits = String(x, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The shards 1...N of one campaign, each exactly once, as one result: equal to the
    /// unsharded run's but for its time.
    public static func merge(_ parts: [ModelCampaignResult]) throws(CampaignMergeError) -> ModelCampaignResult {
        guard let first = parts.first, let n = first.shard?.count else { throw CampaignMergeError("no shard results") }
        var seen = Set<Int>()
        for p in parts {
            guard let s = p.shard else { throw CampaignMergeError("a result that is not a shard's") }
            guard s.count == n else { throw CampaignMergeError("shards of \(n) and of \(s.count)") }
            guard p.spec == first.spec else { throw CampaignMergeError("shards of different campaigns") }
            guard p.seedRange == s.range(of: p.spec.seeds) else {
                throw CampaignMergeError("shard \(s) covers seeds \(p.seedRange), not its range")
            }
            guard seen.insert(s.index).inserted else { throw CampaignMergeError("shard \(s) given twice") }
        }
        guard seen.count == n else {
            let missing = (1 ... n).filter { !seen.contains($0) }.map { "\($0)/\(n)" }
            throw CampaignMergeError("missing shard\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))")
        }
        var digest: UInt64 = 0
        for p in parts {
            guard let d = UInt64(p.digest, radix: 16) else { throw CampaignMergeError("shard \(p.shard!): digest is not hex") }
            digest &+= d
        }
        let sorted = parts.sorted { $0.shard!.index < $1.shard!.index }
        return ModelCampaignResult(spec: first.spec, shard: nil, seedRange: 0 ..< first.spec.seeds,
                              runs: parts.reduce(0) { $0 + $1.runs }, operations: parts.reduce(0) { $0 + $1.operations },
                              digest: hex(digest), divergences: sorted.flatMap(\.divergences), seconds: nil)
    }
}

public struct CampaignMergeError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The runs' digests and divergences, one slot each, written by the worker threads.
private final class Results: @unchecked Sendable {
    private let lock = Mutex(())
    private(set) var digests: [UInt64]
    private(set) var divergences: [CampaignDivergence?]

    init(count: Int) {
        digests = Array(repeating: 0, count: count)
        divergences = Array(repeating: nil, count: count)
    }

    func set(_ i: Int, _ digest: UInt64, _ divergence: CampaignDivergence?) {
        lock.withLock { _ in
            digests[i] = digest
            divergences[i] = divergence
        }
    }
}

/// Campaign results as text, from the same values --json prints.
public enum CampaignText {
    public static func result(_ r: ModelCampaignResult) -> String {
        let s = r.spec
        func seeds(_ r: Range<Int>) -> String {
            r.isEmpty ? "no seeds" : "seeds \(s.firstSeed + UInt64(r.lowerBound))-\(s.firstSeed + UInt64(r.upperBound - 1))"
        }
        let part = r.shard.map { "\(seeds(r.seedRange)) of \(seeds(0 ..< s.seeds)), shard \($0)" } ?? seeds(r.seedRange)
        var lines = [
            "Differential campaign: \(s.geometries.joined(separator: ", ")); "
                + "\(s.variants.map(\.description).joined(separator: ", ")); \(part); \(s.operations) operations a seed",
            "  \(r.runs) runs, \(r.operations) operations, \(r.divergences.count) divergence(s); digest \(r.digest)"
                + (r.seconds.map { "; \(($0 * 10).rounded() / 10) s" } ?? ""),
        ]
        for d in r.divergences {
            lines.append("  \(d.geometry), \(d.variant), seed \(d.seed): \(d.problem)")
            lines.append(d.replay)
        }
        return lines.joined(separator: "\n")
    }
}
