// SPDX-License-Identifier: GPL-2.0-only

import BuddyTypes
import Differential
import Foundation
import TestVariants
import Testing

/// Geometries of the default campaign.
struct CampaignGeometry: CustomTestStringConvertible, Sendable {
    var name: String
    var geometry: Geometry
    var testDescription: String { name }

    static let all: [CampaignGeometry] = [
        CampaignGeometry(name: "tiny16", geometry: .tiny16),
        CampaignGeometry(name: "tiny64", geometry: .tiny64),
        // Mixed pageblock types from boot, a CMA block and reporting of order-1 blocks:
        // fallbacks, claims, CMA balancing and merges across types all happen early.
        CampaignGeometry(name: "tiny64-mixed", geometry: Geometry(
            nrPageblocks: 8, pageblockOrder: 3, maxPageOrder: 4, pageReportingOrder: 1,
            reportingCapacity: 2,
            initialMigratetypes: [.movable, .unmovable, .reclaimable, .movable,
                                  .cma, .movable, .unmovable, .movable])),
        CampaignGeometry(name: "x86-64", geometry: .x86_64),
    ]
}

/// The campaign size: DIFFERENTIAL_SEEDS seeds of DIFFERENTIAL_OPS operations (default
/// 2,000), from seed DIFFERENTIAL_FIRST_SEED (default 1). The default seed count is 200
/// in an optimised build (`swift test -c release`) and 20 in a debug build, which runs
/// the same code about 30 times slower.
enum Campaign {
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
    @Test(arguments: CampaignGeometry.all, TestVariant.allCases)
    func campaign(_ g: CampaignGeometry, variant: TestVariant) throws {
        let built = try variant.variant()
        let first = UInt64(Campaign.firstSeed)
        for seed in first ..< first + UInt64(Campaign.seeds) {
            if let divergence = Differential.run(variant: built, rules: variant.rules,
                                                 geometry: g.geometry, seed: seed,
                                                 count: Campaign.operations) {
                Issue.record("\(divergence)")
                return
            }
        }
    }
}
