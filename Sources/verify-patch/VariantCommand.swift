// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import Foundation
import PatchApplier
import PortVariants
import Review

/// `verify-patch variant PATCH... --out DIR`: the port's text with patches applied.
struct VariantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "variant",
        abstract: "Apply patches to the port's text and show what became of each hunk, or write the text out.",
        discussion: """
            Each hunk is applied to the port, or not modelled (the functions or file it
            changes that the port does not carry, named), all or nothing per series. With
            --out, the variant's source (port/, include/, kconfig) is written into DIR,
            which must not exist; a translation unit that includes port/variant.h after
            defining BPORT_VARIANT_NAME compiles it.
            Exit 0 when the series applied, 2 when it did not or on bad input.
            """)

    @Argument(help: "The patch files, applied in order.")
    var patches: [String]

    @Option(help: "A directory to create and write the variant's source into.")
    var out: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        if let out, FileManager.default.fileExists(atPath: out) {
            throw InputError(path: out, problem: "exists; give a directory to create")
        }
        let series = try patches.flatMap { path in try Inputs.readPatches(path).map { ReviewedPatch(label: path, patch: $0) } }
        let applied: PortVariant
        do {
            applied = try Reviewer.apply(series)
        } catch {
            throw InputError(path: patches.joined(separator: " "), problem: error.description)
        }
        if let out {
            let files = VariantRecipe.source(applied, patches: series).files
            let root = URL(fileURLWithPath: out)
            do {
                for (path, text) in files.sorted(by: { $0.key < $1.key }) {
                    let url = root.appendingPathComponent(path)
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(text.utf8).write(to: url)
                }
            } catch {
                throw InputError(path: out, problem: "cannot be written: \(error.localizedDescription)")
            }
        }
        if output.json {
            try Inputs.printJSON(applied.patches)
            return
        }
        for p in applied.patches {
            print("patch \(p.patch)\(p.title.map { ": \($0)" } ?? "")\(p.alreadyApplied ? " (already applied)" : "")")
            for h in p.hunks {
                let parts = h.parts.map { part in
                    "\(part.portFile) \(part.functions.joined(separator: ", "))"
                        + (part.variantLines.map { " lines \($0.lowerBound)-\($0.upperBound)" } ?? "")
                }
                print("  hunk \(h.hunk) (\(h.kernelFile)): \(h.state.rawValue)"
                      + (parts.isEmpty ? "" : ": " + parts.joined(separator: "; ")))
                for n in h.notModelled { print("    not modelled: \(n)") }
            }
        }
        if let out { print("wrote \(out)") }
    }
}
