// SPDX-License-Identifier: GPL-2.0-only
//
// Helpers shared by the tests: short ways to read the model.

import BuddyModel
import TestVariants
import Testing

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

/// A model following the rules of `variant`.
func makeModel(_ geometry: Geometry, _ variant: TestVariant = .baseline) throws -> BuddyModel {
    do {
        return try BuddyModel(rules: variant.rules, geometry: geometry)
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
