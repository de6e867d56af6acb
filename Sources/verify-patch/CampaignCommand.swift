// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import BuddyModel
import Differential
import Exploration
import Foundation
import Review

extension ModelRules: ExpressibleByArgument {}

/// `verify-patch campaign`: the differential campaign, or one shard of it.
struct CampaignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Run port and model side by side on seeded random operations, every core busy.",
        discussion: """
            The variant is the baseline with the --patch files applied in order, built like
            `review` builds one, beside the model's rules for it (--rules, else the rules
            the model carries for a series of one known patch); without patches, the
            baseline beside Linux 7.3's rules.
            Geometries: \(CampaignGeometry.all.map(\.name).joined(separator: ", ")).
            With --shard K/N only the K-th of N seed ranges runs; `merge` adds the shards'
            --json results up to the whole campaign's.
            Exit 0 when port and model agree throughout, 1 on a divergence, 2 on bad input
            (a patch that does not read, apply or build, or one the model has no rules for).
            """)

    @Option(help: "Geometries, comma-separated (default: all).")
    var geometries: String = CampaignGeometry.all.map(\.name).joined(separator: ",")

    @Option(help: "A patch the variant carries (repeatable, applied in order; default: none, the baseline).")
    var patch: [String] = []

    @Option(help: "The rules the model follows beside the variant: \(ModelRules.allCases.map(\.rawValue).joined(separator: ", ")).")
    var rules: ModelRules?

    @Option(help: "Seeds per geometry.")
    var seeds: Int = 200

    @Option(help: "The first seed.")
    var firstSeed: UInt64 = 1

    @Option(help: "Operations per seed.")
    var operations: Int = 2000

    @Option(help: "Threads (default: one per core).")
    var threads: Int?

    @Option(help: "Run shard K of N (K/N): the K-th of N contiguous seed ranges.")
    var shard: Shard?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        for name in geometries.split(separator: ",") where CampaignGeometry.named(String(name)) == nil {
            throw ValidationError("unknown geometry '\(name)'")
        }
        guard seeds > 0, operations > 0 else { throw ValidationError("--seeds and --operations must be positive") }
        guard firstSeed <= UInt64.max - UInt64(seeds) else { throw ValidationError("--first-seed is too large") }
        guard threads.map({ (1 ... 256).contains($0) }) ?? true else { throw ValidationError("--threads must be 1 to 256") }
    }

    /// The variant and the model's rules beside it.
    func variant() throws -> CampaignVariant {
        let (variant, series) = try Inputs.buildVariant(patches: patch)
        if let rules { return CampaignVariant(variant: variant, rules: rules) }
        if series.isEmpty { return .baseline }
        guard let known = Reviewer.modelRules(for: series) else {
            throw InputError(path: patch.joined(separator: " "), problem: "the model has no rules for this series; give --rules")
        }
        return CampaignVariant(variant: variant, rules: known)
    }

    func run() throws {
        let spec = CampaignSpec(geometries: geometries.split(separator: ",").map(String.init), variants: [try variant()],
                                firstSeed: firstSeed, seeds: seeds, operations: operations)
        let result = ModelCampaign.run(spec, shard: shard, threads: threads ?? Exploration.defaultWorkers)
        if output.json { try Inputs.printJSON(result) } else { print(CampaignText.result(result)) }
        if !result.divergences.isEmpty { throw ExitCode(1) }
    }
}
