// SPDX-License-Identifier: GPL-2.0-only

import BuddyTypes
import Differential
import Foundation
import TestVariants
import Testing

/// A geometry of the default campaign (Differential's CampaignGeometry), by name.
struct CampaignCase: CustomTestStringConvertible, Sendable {
    var name: String
    var geometry: Geometry
    var testDescription: String { name }

    static let all = CampaignGeometry.all.map { CampaignCase(name: $0.name, geometry: $0.geometry) }
}

/// The campaign size: DIFFERENTIAL_SEEDS seeds of DIFFERENTIAL_OPS operations (default
/// 2,000), from seed DIFFERENTIAL_FIRST_SEED (default 1). The default seed count is 200
/// in an optimised build (`swift test -c release`) and 20 in a debug build, which runs
/// the same code about 30 times slower.
enum CampaignSize {
    static func value(_ name: String, default value: Int) -> Int {
        ProcessInfo.processInfo.environment[name].flatMap(Int.init) ?? value
    }
    #if DEBUG
    static let defaultSeeds = 20
    #else
    static let defaultSeeds = 200
    #endif
    static var seeds: Int { value("DIFFERENTIAL_SEEDS", default: defaultSeeds) }
    static var operations: Int { value("DIFFERENTIAL_OPS", default: 2000) }
    static var firstSeed: Int { value("DIFFERENTIAL_FIRST_SEED", default: 1) }
}

@Suite("Port and model agree on random operation sequences")
struct CampaignTests {
    @Test(arguments: CampaignCase.all, TestVariant.allCases)
    func campaign(_ g: CampaignCase, variant: TestVariant) throws {
        let built = try variant.variant()
        let first = UInt64(CampaignSize.firstSeed)
        for seed in first ..< first + UInt64(CampaignSize.seeds) {
            if let divergence = Differential.run(variant: built, rules: variant.rules,
                                                 geometry: g.geometry, seed: seed,
                                                 count: CampaignSize.operations) {
                Issue.record("\(divergence)")
                return
            }
        }
    }
}

@Suite("The campaign in shards")
struct CampaignShardTests {
    // Seeds 1-10 on tiny16, the baseline and the seed's variant (each beside its rules),
    // in three shards of seed ranges 0-2, 3-5 and
    // 6-9: merged, the whole campaign's result but for its time; the digest sees every
    // run's final state, so a shard that ran other seeds would not merge to it.
    @Test func threeShardsMergeToOne() throws {
        let variants = try TestVariant.allCases.map { CampaignVariant(variant: try $0.variant(), rules: $0.rules) }
        let spec = CampaignSpec(geometries: ["tiny16"], variants: variants, firstSeed: 1, seeds: 10, operations: 400)
        var whole = ModelCampaign.run(spec, threads: 2)
        let parts = (1 ... 3).map { ModelCampaign.run(spec, shard: Shard(index: $0, count: 3), threads: 1) }
        #expect(parts.map(\.seedRange) == [0 ..< 3, 3 ..< 6, 6 ..< 10])
        #expect(parts.map(\.runs) == [6, 6, 8])
        whole.seconds = nil
        #expect(try ModelCampaign.merge(parts) == whole)
        #expect(whole.divergences == [])

        var other = spec
        other.firstSeed = 2
        let elsewhere = ModelCampaign.run(other, shard: Shard(index: 3, count: 3), threads: 1)
        #expect(throws: CampaignMergeError("shards of different campaigns")) { try ModelCampaign.merge([parts[0], parts[1], elsewhere]) }
        #expect(throws: CampaignMergeError("missing shard 2/3")) { try ModelCampaign.merge([parts[0], parts[2]]) }
        var tampered = parts
        tampered[1].digest = "not hex"
        #expect(throws: CampaignMergeError("shard 2/3: digest is not hex")) { try ModelCampaign.merge(tampered) }
    }

    @Test func shardText() {
        #expect(Shard("3/4") == Shard(index: 3, count: 4))
        #expect(Shard("0/4") == nil)
        #expect(Shard("5/4") == nil)
        #expect(Shard("1/") == nil)
        #expect(Shard(index: 2, count: 3).range(of: 10) == 3 ..< 6)
    }
}

@Suite("Live allocations by rank")
struct LiveSetTests {
    // 5,000 seeded inserts and removals over 32,768 pfns: every rank names the pfn the
    // sorted keys of a dictionary name, with its order.
    @Test func ranksAreSortedOrder() {
        var rng = SplitMix64(seed: 9)
        var set = LiveSet(pages: 32768)
        var dict: [Int: Int] = [:]
        for step in 0 ..< 5000 {
            let pfn = Int(rng.next() % 32768)
            if dict[pfn] != nil && rng.next() % 2 == 0 {
                set.remove(pfn: pfn)
                dict[pfn] = nil
            } else {
                let order = Int(rng.next() % 11)
                set.insert(pfn: pfn, order: order)
                dict[pfn] = order
            }
            #expect(set.count == dict.count)
            if step % 97 == 0, !dict.isEmpty {
                let sorted = dict.keys.sorted()
                for k in [0, sorted.count / 2, sorted.count - 1] {
                    let a = set.allocation(rank: k)
                    #expect(a.pfn == sorted[k])
                    #expect(a.order == dict[sorted[k]])
                }
            }
        }
    }
}
