// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import Differential
import Exploration
import Foundation

/// `verify-patch campaign`: the differential campaign, or one shard of it.
struct CampaignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Run port and model side by side on seeded random operations, every core busy.",
        discussion: """
            Geometries: \(CampaignGeometry.all.map(\.name).joined(separator: ", ")).
            With --shard K/N only the K-th of N seed ranges runs; `merge` adds the shards'
            --json results up to the whole campaign's.
            Exit 0 when port and model agree throughout, 1 on a divergence.
            """)

    @Option(help: "Geometries, comma-separated (default: all).")
    var geometries: String = CampaignGeometry.all.map(\.name).joined(separator: ",")

    @Option(help: "Variants, comma-separated (default: all).")
    var variant: String?

    @Option(help: "Seeds per geometry and variant.")
    var seeds: Int = 200

    @Option(help: "The first seed.")
    var firstSeed: UInt64 = 1

    @Option(help: "Operations per seed.")
    var operations: Int = 2000

    @Option(help: "Threads (default: one per core).")
    var threads: Int = Exploration.defaultWorkers

    @Option(help: "Run shard K of N (K/N): the K-th of N contiguous seed ranges.")
    var shard: Shard?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        for name in geometries.split(separator: ",") where CampaignGeometry.named(String(name)) == nil {
            throw ValidationError("unknown geometry '\(name)'")
        }
        _ = try variants()
        guard seeds > 0, operations > 0 else { throw ValidationError("--seeds and --operations must be positive") }
        guard firstSeed <= UInt64.max - UInt64(seeds) else { throw ValidationError("--first-seed is too large") }
        guard (1 ... 256).contains(threads) else { throw ValidationError("--threads must be 1 to 256") }
    }

    func variants() throws -> [Variant] {
        guard let variant else { return Variant.allCases }
        return try variant.split(separator: ",").map {
            guard let v = Variant(rawValue: String($0)) else { throw ValidationError("unknown variant '\($0)'") }
            return v
        }
    }

    func run() throws {
        let spec = CampaignSpec(geometries: geometries.split(separator: ",").map(String.init), variants: try variants(),
                                firstSeed: firstSeed, seeds: seeds, operations: operations)
        let result = Campaign.run(spec, shard: shard, threads: threads)
        if output.json { try Inputs.printJSON(result) } else { print(CampaignText.result(result)) }
        if !result.divergences.isEmpty { throw ExitCode(1) }
    }
}
