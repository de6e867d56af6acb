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
            nothing is written. Every path must lie inside the tree; links are not
            followed. The patched files are staged beside the originals and renamed into
            place only when all are written, so a failure leaves the tree as it was.
            Exit 0 applied (or placed, with --dry-run), 1 already applied, 2 refused.
            """)

    @Option(name: .long, help: "The patch to apply.")
    var patch: String

    @Option(name: .long, help: "The root of the source tree (paths in the patch are relative to it).")
    var tree: String

    @Flag(help: "Show where each hunk lands and change nothing.")
    var dryRun = false

    func run() throws {
        let parsed = try Inputs.readPatch(patch)
        let placements: [HunkPlacement]
        do {
            placements = try PatchApplier.apply(parsed, to: URL(fileURLWithPath: tree), dryRun: dryRun)
        } catch .badTree(let problem) {
            throw InputError(path: tree, problem: problem)
        } catch .alreadyApplied(let hunks) {
            print("\(hunks) hunk(s) already applied: the tree carries the patch; nothing written")
            throw ExitStatus.checkFailed.exitCode
        } catch {
            throw InputError(path: patch, problem: error.description)
        }
        for p in placements { print(p) }
        print(dryRun ? "\(placements.count) hunk(s) placed; nothing written (--dry-run)"
                     : "\(placements.count) hunk(s) applied")
    }
}
