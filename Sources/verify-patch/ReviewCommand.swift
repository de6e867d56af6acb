// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import Foundation
import PortVariants
import Review

/// `verify-patch review PATCH...`: the reviewer's report on any patch to the code the
/// port carries.
struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Review a patch series: apply it to the port, build it, run it beside the base, report.",
        discussion: """
            Applies the patches (in order; an mbox holds a series) to the port's text,
            builds the variant with the C compiler on PATH (CC, else clang) with coverage
            counters, caches it (VERIFY_PATCH_CACHE, else ~/.cache/verify-patch), and runs
            named workloads and the differential generator on the base and the variant side
            by side with a host that remembers what it discarded, then explores every
            state of tiny16 both reach by the same operations (up to a million pairs).
            Reports every hunk (in
            the port or not modelled, kernel 7.3.4 lines, how often each added line and
            each condition ran), what differs and a minimal replay of it, the checks on the
            variant (kernel checks, invariants, soundness of PG_reported), the effect per
            workload, directed probes for code that never ran, and each sentence of the
            commit message with the measurements that speak to it.

            Exit codes:
              0  the review was made: the variant is unchanged or changed
              1  the variant is broken: a kernel check fired, or an invariant or
                 soundness failed, on the kernel's own call paths
              2  bad input or usage: a patch that does not read or apply, no compiler,
                 a variant that does not compile
            """)

    @Argument(help: "The patch files, applied in order.")
    var patches: [String]

    @Option(name: .long, help: "A patch the base carries too (repeatable, applied first, in order).")
    var base: [String] = []

    @Option(help: "The seed of every workload and the first of the differential generator's.")
    var seed: Seed = Seed(1)

    @Option(help: "Write an SVG chart of pages reported and re-reported per workload here.")
    var svg: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        try seed.validate(runs: UInt64(ReviewOptions().campaignSeeds))
    }

    func run() throws {
        // Staged before anything runs: an unwritable place fails before the report.
        let chart = try svg.map(StagedOutput.init)
        let read = { (paths: [String]) throws -> [ReviewedPatch] in
            try paths.flatMap { path in try Inputs.readPatches(path).map { ReviewedPatch(label: path, patch: $0) } }
        }
        let series = try read(patches)
        let basePatches = try read(base)
        var options = ReviewOptions()
        options.seed = seed.value
        let report = try Self.review(series, base: basePatches, options: options)
        try chart?.commit(Array(report.svg.utf8))
        if output.json { try Inputs.printJSON(report) } else { print(report.text) }
        if report.verdict == .broken { throw ExitCode(1) }
    }

    /// Builds the variants and reviews, with progress on a terminal.
    static func review(_ series: [ReviewedPatch], base: [ReviewedPatch], options: ReviewOptions) throws -> ReviewReport {
        defer { progress(nil) }
        do {
            let builder = try VariantBuilder()
            return try Reviewer.review(series, base: base, options: options, builder: builder) {
                progress("review: \($0)")
            }
        } catch let error as ReviewError {
            throw InputError(path: (base + series).map(\.label).joined(separator: " "), problem: error.description)
        } catch let error as VariantBuildError {
            throw InputError(path: "variant", problem: error.description)
        }
    }

    /// One line of progress on standard error, overwritten by the next; only on a
    /// terminal, so piped or redirected output stays clean.
    static func progress(_ line: String?) {
        guard isatty(STDERR_FILENO) == 1 else { return }
        FileHandle.standardError.write(Data(("\r" + (line ?? "") + "\u{1b}[K").utf8))
    }
}
