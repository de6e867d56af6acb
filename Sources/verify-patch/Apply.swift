// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import Foundation
import PatchApplier

/// `verify-patch apply --patch FILE --tree DIR [--dry-run]`.
struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply a patch to a source tree, re-anchoring hunks a mail archive mangled.",
        discussion: """
            Each hunk is placed where its context and removed lines match the file with
            white space ignored; lines it adds get the indentation of the code around them.
            A hunk with no such place, or with more than one, stops the whole patch and
            nothing is written. Exit 0 applied (or placed, with --dry-run), 2 refused.
            """)

    @Option(name: .long, help: "The patch to apply.")
    var patch: String

    @Option(name: .long, help: "The root of the source tree (paths in the patch are relative to it).")
    var tree: String

    @Flag(help: "Show where each hunk lands and change nothing.")
    var dryRun = false

    func run() throws {
        let parsed = try Inputs.readPatch(patch)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: tree, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError(path: tree, problem: "not a directory")
        }
        let placements: [HunkPlacement]
        do {
            placements = try PatchApplier.apply(parsed, to: URL(fileURLWithPath: tree), dryRun: dryRun)
        } catch {
            throw InputError(path: patch, problem: error.description)
        }
        for p in placements { print(p) }
        print(dryRun ? "\(placements.count) hunk(s) placed; nothing written (--dry-run)"
                     : "\(placements.count) hunk(s) applied")
    }
}
