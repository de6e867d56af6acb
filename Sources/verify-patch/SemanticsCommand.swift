// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import BuddyPort
import Differential
import Foundation
import PatchReader
import Semantics

/// `verify-patch semantics`: what the patch changes, saves and risks, measured.
struct SemanticsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "semantics",
        abstract: "Measure what the seed patch changes in what reaches the host, hunk by hunk.",
        discussion: """
            Runs named workloads on the baseline and the patched port with a host that
            remembers what it discarded, maps each hunk of the patch to the port's lines
            and counts how often its code ran, drives split_large_buddy() into the state
            its new lines are written for, and sets every claim of the commit message
            against a measurement. Reproducible from the printed seed.
            Exit 0 when no kernel check fired on a real call path, 1 otherwise.
            """)

    @Option(help: "The seed of every workload.")
    var seed: Seed = Seed(1)

    @Option(help: "Geometries to run: tiny16, tiny64, x86-64 (comma separated).")
    var geometries: GeometryList = GeometryList([.tiny64, .x86_64])

    @Option(help: "Write an SVG chart of re-reported pages per pass (guest-cycle, first geometry) here.")
    var svg: String?

    @OptionGroup var output: OutputOptions

    /// Seeds the differential campaign runs from `--seed` on.
    static let campaignSeeds: UInt64 = 20

    func validate() throws {
        try seed.validate(runs: Self.campaignSeeds)
    }

    func run() throws {
        // Staged before anything runs: an unwritable place fails before the report.
        let chart = try svg.map(StagedOutput.init)
        let report = try Self.measure(seed: seed.value, geometries: geometries.description)
        if let chart, let first = report.workloads.first(where: { $0.workload == "guest-cycle" }) {
            try chart.commit(Array(SemanticsReport.svgChart(first).utf8))
        }
        if output.json { try Inputs.printJSON(report) } else { print(report.text) }
        if report.workloads.contains(where: { !$0.baseline.violations.isEmpty || !$0.patched.violations.isEmpty }) {
            throw ExitCode(1)
        }
    }

    /// One line of progress on standard error, overwritten by the next; only on a
    /// terminal, so piped or redirected output stays clean.
    static func progress(_ line: String?) {
        guard isatty(STDERR_FILENO) == 1 else { return }
        FileHandle.standardError.write(Data(("\r" + (line ?? "") + "\u{1b}[K").utf8))
    }

    static func measure(seed: UInt64, geometries: String) throws -> SemanticsReport {
        defer { progress(nil) }
        let root = try Fixtures.root()
        let patch = try Inputs.readPatch(Fixtures.path(Fixtures.seedPatch, in: root))
        PortZone.resetProbes()
        PortZone.setProbes(enabled: true)
        var results: [WorkloadResult] = []
        guard let list = GeometryList(argument: geometries) else {
            throw UsageError("--geometries", "'\(geometries)' is not a list of tiny16, tiny64, x86-64")
        }
        for geometry in list.names {
            let (name, g) = (geometry.rawValue, geometry.geometry)
            for w in Workloads.all(geometry: g, seed: seed) {
                progress("semantics: \(w.name) on \(name), seed \(seed)")
                results.append(try SemanticsRunner.run(w, geometry: g, geometryName: name, seed: seed))
            }
            // The differential campaign's operations too, on the patched port and model.
            for s in seed ... seed + (campaignSeeds - 1) where g.zonePages <= 1024 {
                progress("semantics: differential campaign on \(name), seed \(s)")
                if let d = Differential.run(variant: .patched, geometry: g, seed: s, count: 2000) {
                    throw CheckFailure(what: "semantics", problem: "port and model differ: \(d.problem)")
                }
            }
        }
        progress("semantics: scenarios, hunk coverage, directed probes")
        let scenario = try ScenarioMeasurements.measure()
        let coverage = try CoverageMap.measure(patch, portRoot: root.appendingPathComponent("CModules/CBuddyPort"))
        PortZone.setProbes(enabled: false)
        let probes = try Variant.allCases.map { try DirectedProbes.splitLargeBuddy(variant: $0) }
        return SemanticsReport(seed: seed, workloads: results, scenario: scenario, coverage: coverage, probes: probes)
    }
}
