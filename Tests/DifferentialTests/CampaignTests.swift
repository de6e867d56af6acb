// SPDX-License-Identifier: GPL-2.0-only

import Differential
import Foundation
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
    @Test(arguments: CampaignCase.all, Variant.allCases)
    func campaign(_ g: CampaignCase, variant: Variant) {
        let first = UInt64(CampaignSize.firstSeed)
        for seed in first ..< first + UInt64(CampaignSize.seeds) {
            if let divergence = Differential.run(variant: variant, geometry: g.geometry,
                                                 seed: seed, count: CampaignSize.operations) {
                Issue.record("\(divergence)")
                return
            }
        }
    }
}
