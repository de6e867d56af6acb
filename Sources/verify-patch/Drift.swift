// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import Foundation
import PortDrift

/// `verify-patch drift --tree DIR --variant baseline|patched`.
struct Drift: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare every ported function with a kernel tree, token by token.",
        discussion: """
            Comments and white space are ignored; the kernel's #ifdefs are resolved for
            the configuration the port follows. Each differing run of tokens is listed,
            with the PORTING.md deviation that explains it (drift-explained.txt).
            Exit 0 when every difference is explained, 1 otherwise, 2 on bad input.
            """)

    @Option(name: .long, help: "The root of a kernel source tree.")
    var tree: String

    @Option(name: .long, help: "baseline (compare with a pristine tree) or patched (a tree with the seed applied).")
    var variant: VariantName = .baseline

    @Flag(help: "List explained differences too.")
    var all = false

    @OptionGroup var output: OutputOptions

    func run() throws {
        guard FileManager.default.fileExists(atPath: tree + "/mm/page_alloc.c") else {
            throw InputError(path: tree, problem: "not a kernel tree (no mm/page_alloc.c)")
        }
        let root = try Fixtures.root().appendingPathComponent("CModules/CBuddyPort")
        let explained = (try? String(contentsOf: root.appendingPathComponent("drift-explained.txt"), encoding: .utf8)) ?? ""
        let report: DriftReport
        do {
            report = try PortDrift.compare(portRoot: root, tree: URL(fileURLWithPath: tree),
                                           patched: variant == .patched,
                                           explanations: DriftExplanation.parse(explained))
        } catch {
            throw InputError(path: tree, problem: error.localizedDescription)
        }
        if output.json {
            try Inputs.printJSON(report)
        } else {
            print("Port (\(report.variant)) against \(report.tree):")
            for f in report.functions {
                guard let file = f.kernelFile else {
                    print("  \(f.name): NOT FOUND in the tree"); continue
                }
                let shown = all ? f.runs : f.unexplained
                let explained = f.runs.count - f.unexplained.count
                let summary = f.runs.isEmpty ? "identical" :
                    "\(f.unexplained.count) unexplained, \(explained) explained difference(s)"
                print("  \(f.name) (\(file)): \(summary)")
                for run in shown {
                    print("    " + run.description.replacingOccurrences(of: "\n", with: "\n"))
                    if let why = run.explainedBy { print("    explained: \(why)") }
                }
            }
            print("\(report.functions.count) functions, \(report.unexplainedCount) unexplained difference(s)")
        }
        if report.unexplainedCount > 0 { throw ExitCode(1) }
    }
}
