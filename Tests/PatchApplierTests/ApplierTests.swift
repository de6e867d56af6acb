// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import PatchApplier
import PatchReader
import Testing

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/patches")

func readPatch(_ name: String) throws -> Patch {
    let data = try Data(contentsOf: fixtures.appendingPathComponent(name))
    return try #require(try PatchReader.read([UInt8](data)).patches.first)
}

/// A tree holding mm/page_alloc.c made of the whole functions that
/// seed-function-context.patch (git diff -W) shows, old side or new side, one blank line
/// between them: the seed's four functions exactly as Linux 7.3.4 has them.
func miniTree(side: HunkLine.Kind) throws -> (URL, String) {
    let patch = try readPatch("seed-function-context.patch")
    let text = patch.hunks.map { hunk in
        hunk.lines.filter { $0.kind == .context || $0.kind == side }.map(\.text).joined(separator: "\n")
    }.joined(separator: "\n\n") + "\n"
    let root = FileManager.default.temporaryDirectory
        .appendingPathComponent("applier-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: root.appendingPathComponent("mm"), withIntermediateDirectories: true)
    try Data(text.utf8).write(to: root.appendingPathComponent("mm/page_alloc.c"))
    return (root, text)
}

@Suite("Applying the seed, mangled or not")
struct ApplierTests {
    // The archive rendering lost every leading space and all indentation; applied to the
    // unpatched functions it must give exactly what git's own diff says the patched
    // functions are, tabs and alignment spaces included.
    @Test(arguments: ["seed-archive.txt", "seed-clean.patch", "seed-archive-crlf.txt"])
    func seedGivesThePatchedFunctions(_ name: String) throws {
        let (tree, _) = try miniTree(side: .removed)
        defer { try? FileManager.default.removeItem(at: tree) }
        let (_, expected) = try miniTree(side: .added)
        let placements = try PatchApplier.apply(try readPatch(name), to: tree, dryRun: false)
        #expect(placements.map(\.hunk) == [1, 2, 3, 4, 5, 6])
        #expect(placements.map(\.removed) == [0, 0, 1, 0, 1, 1])
        #expect(placements.map(\.added) == [1, 2, 1, 9, 2, 3])
        let result = try String(contentsOf: tree.appendingPathComponent("mm/page_alloc.c"), encoding: .utf8)
        #expect(result == expected)
    }

    @Test func dryRunWritesNothing() throws {
        let (tree, original) = try miniTree(side: .removed)
        defer { try? FileManager.default.removeItem(at: tree) }
        let placements = try PatchApplier.apply(try readPatch("seed-archive.txt"), to: tree, dryRun: true)
        #expect(placements.map(\.line) == [3, 14, 37, 59, 69, 86])
        let after = try String(contentsOf: tree.appendingPathComponent("mm/page_alloc.c"), encoding: .utf8)
        #expect(after == original)
    }

    // A tree that lacks one anchor: the patch is refused naming the hunk, and the file
    // is left exactly as it was (all hunks or none).
    @Test func missingAnchorChangesNothing() throws {
        let (tree, original) = try miniTree(side: .removed)
        defer { try? FileManager.default.removeItem(at: tree) }
        let file = tree.appendingPathComponent("mm/page_alloc.c")
        let damaged = original.replacingOccurrences(of: "\tnr_pages -= expand(zone, page, low, high, migratetype);",
                                                    with: "\tnr_pages -= expand(zone, page, low, high, mt);")
        #expect(damaged != original)
        try Data(damaged.utf8).write(to: file)
        #expect(throws: ApplyError.noAnchor(hunk: 5, file: "mm/page_alloc.c", firstLine: "int high, int migratetype)")) {
            try PatchApplier.apply(try readPatch("seed-archive.txt"), to: tree, dryRun: false)
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == damaged)
    }

    @Test func ambiguousAnchorIsRefused() throws {
        let (tree, original) = try miniTree(side: .removed)
        defer { try? FileManager.default.removeItem(at: tree) }
        let file = tree.appendingPathComponent("mm/page_alloc.c")
        try Data((original + "\n" + original).utf8).write(to: file)
        #expect(throws: ApplyError.ambiguousAnchor(hunk: 1, file: "mm/page_alloc.c", lines: [3, 156])) {
            try PatchApplier.apply(try readPatch("seed-archive.txt"), to: tree, dryRun: true)
        }
    }

    @Test func missingFile() throws {
        let tree = FileManager.default.temporaryDirectory.appendingPathComponent("applier-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tree, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tree) }
        #expect(throws: ApplyError.missingFile("mm/page_alloc.c")) {
            try PatchApplier.apply(try readPatch("seed-archive.txt"), to: tree, dryRun: true)
        }
    }
}
