// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import PatchApplier
import PatchReader
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A scratch directory holding `tree/` (mm/x.c, mm/y.c: "a b c" on three lines) and
/// `outside/x.c` beside it, for patches that try to leave the tree.
struct Scratch {
    let root: URL
    var tree: URL { root.appendingPathComponent("tree") }
    static let text = "a\nb\nc\n"

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("applier-hostile-\(UUID().uuidString)")
        for dir in ["tree/mm", "outside"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        for file in ["tree/mm/x.c", "tree/mm/y.c", "outside/x.c"] { try write(Self.text, file) }
    }

    func write(_ text: String, _ relative: String) throws {
        try Data(text.utf8).write(to: root.appendingPathComponent(relative))
    }

    func read(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    /// Every entry below the root with its link target or contents.
    func snapshot() throws -> [String: String] {
        var out: [String: String] = [:]
        let walker = FileManager.default.enumerator(atPath: root.path)
        while let relative = walker?.nextObject() as? String {
            let full = root.appendingPathComponent(relative).path
            var status = stat()
            #expect(lstat(full, &status) == 0)
            switch status.st_mode & S_IFMT {
            case S_IFLNK: out[relative] = "-> " + (try FileManager.default.destinationOfSymbolicLink(atPath: full))
            case S_IFREG: out[relative] = "\(status.st_mode & 0o7777) " + (try String(contentsOfFile: full, encoding: .isoLatin1))
            case S_IFIFO: out[relative] = "fifo"
            default: out[relative] = "dir"
            }
        }
        return out
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// A patch changing "b" to "B" in each of `paths`.
func bToB(_ paths: [String]) throws -> Patch {
    let text = paths.map { "--- a/\($0)\n+++ b/\($0)\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n" }.joined()
    return try #require(try PatchReader.read(text: text).patches.first)
}

func patch(_ text: String) throws -> Patch {
    try #require(try PatchReader.read(text: text).patches.first)
}

@Suite("Applying to a tree that fights back")
struct HostileTreeTests {
    // Paths that leave the tree, or name nothing, are refused before any file is read.
    @Test(arguments: [
        ("../outside/x.c", ApplyError.badPath("../outside/x.c", "'..' would leave the tree")),
        ("mm/../../outside/x.c", .badPath("mm/../../outside/x.c", "'..' would leave the tree")),
        ("mm/x.c/../../../outside/x.c", .badPath("mm/x.c/../../../outside/x.c", "'..' would leave the tree")),
        ("/tmp/x.c", .badPath("/tmp/x.c", "an absolute path; only paths inside the tree are patched")),
    ])
    func pathsLeavingTheTree(_ path: String, _ error: ApplyError) throws {
        let s = try Scratch()
        defer { s.remove() }
        let before = try s.snapshot()
        #expect(throws: error) { try PatchApplier.apply(try bToB([path]), to: s.tree, dryRun: false) }
        #expect(try s.snapshot() == before)
    }

    // "." and empty components name the file as the kernel's path walk would.
    @Test func dotAndDoubleSlash() throws {
        let s = try Scratch()
        defer { s.remove() }
        let placed = try PatchApplier.apply(try bToB(["./mm//x.c"]), to: s.tree, dryRun: false)
        #expect(placed.map(\.file) == ["mm/x.c"])
        #expect(try s.read("tree/mm/x.c") == "a\nB\nc\n")
    }

    // A link inside the tree, to a directory or a file out of it, is not followed: the
    // file it points to and the link stay as they were, and so does the link's mode.
    @Test func linksAreNotFollowed() throws {
        let s = try Scratch()
        defer { s.remove() }
        try FileManager.default.createSymbolicLink(atPath: s.tree.appendingPathComponent("out").path,
                                                   withDestinationPath: "../outside")
        try FileManager.default.createSymbolicLink(atPath: s.tree.appendingPathComponent("mm/l.c").path,
                                                   withDestinationPath: "../../outside/x.c")
        let before = try s.snapshot()
        #expect(throws: ApplyError.notRegularFile("out/x.c", "out is a symbolic link; links are not followed")) {
            try PatchApplier.apply(try bToB(["out/x.c"]), to: s.tree, dryRun: false)
        }
        #expect(throws: ApplyError.notRegularFile("mm/l.c", "a symbolic link; links are not followed")) {
            try PatchApplier.apply(try bToB(["mm/x.c", "mm/l.c"]), to: s.tree, dryRun: false)
        }
        #expect(try s.snapshot() == before)
    }

    // A link planted at the name the applier once used for its temporary file is left
    // alone: temporary files are made fresh, exclusively, under random names.
    @Test func plantedTemporaryLink() throws {
        let s = try Scratch()
        defer { s.remove() }
        try FileManager.default.createSymbolicLink(atPath: s.tree.appendingPathComponent("mm/.x.c.verify-patch.tmp").path,
                                                   withDestinationPath: "../../outside/x.c")
        try PatchApplier.apply(try bToB(["mm/x.c"]), to: s.tree, dryRun: false)
        #expect(try s.read("outside/x.c") == Scratch.text)
        #expect(try s.read("tree/mm/x.c") == "a\nB\nc\n")
        let names = try FileManager.default.contentsOfDirectory(atPath: s.tree.appendingPathComponent("mm").path).sorted()
        #expect(names == [".x.c.verify-patch.tmp", "x.c", "y.c"])
    }

    // The patched file keeps its permission bits.
    @Test func modeIsKept() throws {
        let s = try Scratch()
        defer { s.remove() }
        let path = s.tree.appendingPathComponent("mm/x.c").path
        #expect(chmod(path, 0o640) == 0)
        try PatchApplier.apply(try bToB(["mm/x.c"]), to: s.tree, dryRun: false)
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & 0o7777 == 0o640)
    }

    // A FIFO, a directory or a device at a patched path is refused without blocking.
    @Test func notRegularFiles() throws {
        let s = try Scratch()
        defer { s.remove() }
        #expect(mkfifo(s.tree.appendingPathComponent("mm/fifo.c").path, 0o644) == 0)
        try FileManager.default.createDirectory(at: s.tree.appendingPathComponent("mm/dir.c"), withIntermediateDirectories: true)
        #expect(throws: ApplyError.notRegularFile("mm/fifo.c", "a FIFO")) {
            try PatchApplier.apply(try bToB(["mm/fifo.c"]), to: s.tree, dryRun: true)
        }
        #expect(throws: ApplyError.notRegularFile("mm/dir.c", "a directory")) {
            try PatchApplier.apply(try bToB(["mm/dir.c"]), to: s.tree, dryRun: true)
        }
        #expect(throws: ApplyError.notRegularFile("mm/x.c/y.c", "mm/x.c is not a directory")) {
            try PatchApplier.apply(try bToB(["mm/x.c/y.c"]), to: s.tree, dryRun: true)
        }
    }

    // Two files, the second immutable: refused before the first is renamed into place,
    // and no temporary file is left.
    @Test func secondFileImmutable() throws {
        let s = try Scratch()
        defer { s.remove() }
        let y = s.tree.appendingPathComponent("mm/y.c").path
        let chattr = Process()
        chattr.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        chattr.arguments = ["+i", y]
        try chattr.run()
        chattr.waitUntilExit()
        // chattr needs CAP_LINUX_IMMUTABLE and a file system that keeps the flag.
        try #require(chattr.terminationStatus == 0, "chattr +i is not available here")
        defer {
            let undo = Process()
            undo.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
            undo.arguments = ["-i", y]
            try? undo.run()
            undo.waitUntilExit()
        }
        let before = try s.snapshot()
        #expect(throws: ApplyError.writeFailed("mm/y.c", "the file is immutable")) {
            try PatchApplier.apply(try bToB(["mm/x.c", "mm/y.c"]), to: s.tree, dryRun: false)
        }
        #expect(try s.snapshot() == before)
    }

    // A hunk whose counts run past its body (a mail cut off) is refused whole.
    @Test func countsPastTheBody() throws {
        let s = try Scratch()
        defer { s.remove() }
        let cut = "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n--- a/mm/y.c\n+++ b/mm/y.c\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n+B2\n"
        #expect(throws: ApplyError.malformedHunk(hunk: 2, file: "mm/y.c", problem: "the header counts -3 +4 lines, the body holds -2 +3")) {
            try PatchApplier.apply(try patch(cut), to: s.tree, dryRun: false)
        }
        #expect(try s.read("tree/mm/x.c") == Scratch.text)
        #expect(try s.read("tree/mm/y.c") == Scratch.text)
    }

    // Two sections for one file: both are applied, the second to the result of the first.
    @Test func twoSectionsForOneFile() throws {
        let s = try Scratch()
        defer { s.remove() }
        let text = "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n--- a/mm/x.c\n+++ b/mm/x.c\n@@ -2,2 +2,2 @@\n b\n-c\n+C\n"
        let placed = try PatchApplier.apply(try patch(text), to: s.tree, dryRun: false)
        #expect(placed.map(\.line) == [1, 2])
        #expect(try s.read("tree/mm/x.c") == "A\nb\nC\n")
    }

    // "\ No newline at end of file": on the new side the file ends without one; on the
    // old side the hunk must meet the end of a file that lacks it.
    @Test func noNewlineAtEndOfFile() throws {
        let s = try Scratch()
        defer { s.remove() }
        let drop = "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -2,2 +2,2 @@\n b\n-c\n+C\n\\ No newline at end of file\n"
        try PatchApplier.apply(try patch(drop), to: s.tree, dryRun: false)
        #expect(try s.read("tree/mm/x.c") == "a\nb\nC")
        let add = "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -2,2 +2,2 @@\n b\n-C\n\\ No newline at end of file\n+c\n"
        try PatchApplier.apply(try patch(add), to: s.tree, dryRun: false)
        #expect(try s.read("tree/mm/x.c") == "a\nb\nc\n")
        // The old side says the file ends without a newline, and this one has one.
        #expect(throws: ApplyError.noAnchor(hunk: 1, file: "mm/y.c", firstLine: "b")) {
            try PatchApplier.apply(try patch(add.replacingOccurrences(of: "mm/x.c", with: "mm/y.c")
                .replacingOccurrences(of: "-C", with: "-c")), to: s.tree, dryRun: false)
        }
    }

    // Applying twice: the second run says the tree carries the patch and writes nothing.
    @Test func alreadyApplied() throws {
        let s = try Scratch()
        defer { s.remove() }
        let p = try bToB(["mm/x.c", "mm/y.c"])
        try PatchApplier.apply(p, to: s.tree, dryRun: false)
        let before = try s.snapshot()
        #expect(throws: ApplyError.alreadyApplied(hunks: 2)) { try PatchApplier.apply(p, to: s.tree, dryRun: false) }
        #expect(try s.snapshot() == before)
    }

    // Two names of one file (a hard link) would have the second change undo the first.
    @Test func hardLinkedPaths() throws {
        let s = try Scratch()
        defer { s.remove() }
        #expect(link(s.tree.appendingPathComponent("mm/x.c").path, s.tree.appendingPathComponent("mm/z.c").path) == 0)
        #expect(throws: ApplyError.sameFile("mm/x.c", "mm/z.c")) {
            try PatchApplier.apply(try bToB(["mm/x.c", "mm/z.c"]), to: s.tree, dryRun: false)
        }
    }

    @Test func treeIsNotADirectory() throws {
        let s = try Scratch()
        defer { s.remove() }
        #expect(throws: ApplyError.badTree("not a directory")) {
            try PatchApplier.apply(try bToB(["mm/x.c"]), to: s.tree.appendingPathComponent("mm/x.c"), dryRun: true)
        }
        #expect(throws: ApplyError.badTree("no such directory")) {
            try PatchApplier.apply(try bToB(["mm/x.c"]), to: s.root.appendingPathComponent("none"), dryRun: true)
        }
    }
}
