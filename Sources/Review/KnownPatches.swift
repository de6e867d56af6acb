// SPDX-License-Identifier: GPL-2.0-only
//
// The model's rules for the patches whose intended semantics the model carries
// (known-patches.txt, compiled in): a series made of one such patch is also checked
// against the model.

import BuddyModel
import PatchReader

enum KnownPatches {
    static let table: [String: ModelRules] = {
        guard let text = EmbeddedFiles.text("Sources/Review/known-patches.txt") else {
            preconditionFailure("known-patches.txt is not embedded")
        }
        var out: [String: ModelRules] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count == 2, let rules = ModelRules(rawValue: fields[1]) else {
                preconditionFailure("known-patches.txt: \(line)")
            }
            out[fields[0]] = rules
        }
        return out
    }()

    /// The rules of a series of one known patch, nil otherwise.
    static func rules(for series: [Patch]) -> ModelRules? {
        guard series.count == 1, let subject = series[0].subject else { return nil }
        return table[subject]
    }
}
