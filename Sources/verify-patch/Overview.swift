// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import PatchVerifier
import Review

/// The default run: the seed patch against the port's own objects, baseline and
/// patched, then the port's scenario.
struct Overview: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify the seed patch against the port's own objects (the default).",
        discussion: """
            Exit 0 when the baseline object is found unpatched and the patched one patched,
            and the scenario runs without a kernel check firing; 1 otherwise.
            """)

    @OptionGroup var output: OutputOptions

    func run() throws {
        let root = try Fixtures.root()
        let patchPath = Fixtures.path(Fixtures.seedPatch, in: root)
        let objects = [Fixtures.baselineObject, Fixtures.patchedObject].map { Fixtures.path($0, in: root) }
        let patch = try Inputs.readPatch(patchPath)
        let report = try Inputs.verify(objects, patchPath: patchPath, patch: patch)
        if output.json {
            try Inputs.printJSON(report)
        } else {
            print(TextReport.render(report))
            print("")
        }
        let expected = report.objects.map(\.overall) == [.unpatched, .patched]
        var scenarioFailed = false
        if !output.json {
            do { try Demo.runScenario(geometry: .x86_64, patch: patchPath) } catch is ExitCode { scenarioFailed = true }
            print("")
            // The short review runs on tiny64 with a short campaign and no lockstep
            // exploration, so that the default run stays quick; `verify-patch review` runs
            // x86-64 too and explores tiny16.
            var options = ReviewOptions()
            options.geometries = [("tiny64", .tiny64)]
            options.campaignSeeds = 10
            options.campaignOperations = 1000
            options.modelSeeds = 10
            options.probes.runs = 40
            options.exploration = nil
            let review = try ReviewCommand.review([ReviewedPatch(label: patchPath, patch: patch)], base: [],
                                                  options: options)
            print(review.shortText)
            if review.verdict == .broken { scenarioFailed = true }
        }
        if !expected || scenarioFailed { throw ExitCode(1) }
    }
}
