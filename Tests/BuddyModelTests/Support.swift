// SPDX-License-Identifier: GPL-2.0-only
//
// Helpers shared by the tests: a seeded generator and short ways to read the model.

import BuddyModel
import Testing

/// SplitMix64: a small seeded generator, so random runs repeat exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension BuddyModel {
    /// The non-empty free lists as "order/type" -> head-to-tail pfns.
    var nonEmptyLists: [String: [Int]] {
        var out: [String: [Int]] = [:]
        for order in 0 ... geometry.maxPageOrder {
            for type in MigrateType.allCases {
                let list = freeList(order: order, migratetype: type)
                if !list.isEmpty { out["\(order)/\(type)"] = list }
            }
        }
        return out
    }

    var reportedHeads: [Int] { snapshot().reportedHeads }
}

func makeModel(_ geometry: Geometry, _ variant: Variant = .baseline) throws -> BuddyModel {
    do {
        return try BuddyModel(variant: variant, geometry: geometry)
    } catch {
        Issue.record("creating the model failed: \(error)")
        throw error
    }
}

/// A host that accepts every batch.
func acceptAll(_ batch: [PfnRange]) -> Bool { true }
/// A host that fails every batch.
func refuseAll(_ batch: [PfnRange]) -> Bool { false }

func ranges(_ list: [(Int, Int)]) -> [PfnRange] {
    list.map { PfnRange(pfn: $0.0, order: $0.1) }
}
