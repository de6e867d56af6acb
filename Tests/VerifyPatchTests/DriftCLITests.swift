// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing

/// The Linux 7.3.4 tree scripts/fetch-kernel.sh unpacks, when it is on this machine.
let kernelTree: URL? = {
    let environment = ProcessInfo.processInfo.environment
    let cache = environment["VERIFY_PATCH_CACHE"]
        ?? (environment["XDG_CACHE_HOME"] ?? (environment["HOME"] ?? "") + "/.cache") + "/verify-patch"
    let tree = URL(fileURLWithPath: cache).appendingPathComponent("src/linux-source-7.3-7.3.4-1~bpo13+1")
    return FileManager.default.fileExists(atPath: tree.appendingPathComponent("mm/page_alloc.c").path) ? tree : nil
}()

/// A fresh directory holding the files of `tree` that drift reads, `edit` applied to
/// each file's bytes.
func driftTree(from tree: URL, edit: (String, Data) -> Data = { $1 }) throws -> URL {
    let copy = FileManager.default.temporaryDirectory.appendingPathComponent("drift-cli-\(UUID().uuidString)")
    for file in ["Makefile", "mm/page_alloc.c", "mm/page_alloc.h", "mm/page_reporting.c", "mm/page_reporting.h",
                 "mm/page_isolation.c", "include/linux/page-isolation.h"] {
        let target = copy.appendingPathComponent(file)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try edit(file, try Data(contentsOf: tree.appendingPathComponent(file))).write(to: target)
    }
    return copy
}

@Suite("verify-patch drift, run as a user runs it")
struct DriftCLITests {
    static let seed = "fixtures/patches/seed-archive.txt"

    // Needs the Linux 7.3.4 tree (scripts/fetch-kernel.sh --source-only): skipped without
    // it, run by the integration stage. The seed, applied to a copy of the tree with
    // `verify-patch apply` and to the port with `drift --patch`: no unexplained difference.
    @Test(.enabled(if: kernelTree != nil, "needs the Linux 7.3.4 tree; the integration stage runs it"))
    func seedAppliedToTreeAndPort() throws {
        let tree = try driftTree(from: try #require(kernelTree))
        defer { try? FileManager.default.removeItem(at: tree) }
        let applied = try run(verifyPatch, ["apply", "--patch", Self.seed, "--tree", tree.path])
        #expect(applied.status == 0, "\(applied.stderr)")
        let r = try run(verifyPatch, ["drift", "--tree", tree.path, "--patch", Self.seed])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr == "")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "patch 1 (\"mm: page_alloc: propagate PageReported flag across buddy splits\"): 6 hunks applied")
        #expect(lines.dropFirst().first == "Port (baseline + seed-archive.txt) against \(tree.path):")
        #expect(lines.contains("  expand (mm/page_alloc.c): identical"))
        #expect(lines.contains("  try_to_claim_block (mm/page_alloc.c): identical"))
        #expect(lines.last == "78 functions, 0 unexplained difference(s)")

        // The port as it is, against the patched tree: the seed's hunks are unexplained.
        let baseline = try run(verifyPatch, ["drift", "--tree", tree.path])
        #expect(baseline.status == 1)
        #expect(baseline.stdout.contains("  expand (mm/page_alloc.c): 2 unexplained, 0 explained difference(s)\n"))
    }

    // Needs the Linux 7.3.4 tree; skipped without it, run by the integration stage. The
    // baseline against the pristine tree: nothing unexplained and kernel-lines.txt
    // matches; one line more at the top of mm/page_alloc.c and the map no longer does.
    @Test(.enabled(if: kernelTree != nil, "needs the Linux 7.3.4 tree; the integration stage runs it"))
    func lineMapIsChecked() throws {
        let tree = try #require(kernelTree)
        let r = try run(verifyPatch, ["drift", "--tree", tree.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasSuffix("\n78 functions, 0 unexplained difference(s); kernel-lines.txt matches\n"))

        let shifted = try driftTree(from: tree) { file, data in file == "mm/page_alloc.c" ? Data("\n".utf8) + data : data }
        defer { try? FileManager.default.removeItem(at: shifted) }
        let moved = try run(verifyPatch, ["drift", "--tree", shifted.path])
        #expect(moved.status == 1)
        let lines = moved.stdout.split(separator: "\n").map(String.init)
        let at = try #require(lines.firstIndex(of: "kernel-lines.txt does not match the tree:"))
        #expect(lines[at + 1] == "  get_pageblock_bitmap: kernel-lines.txt has port/mm/page_alloc.c:26-28"
                + " -> mm/page_alloc.c:335-337, the tree gives port/mm/page_alloc.c:26-28 -> mm/page_alloc.c:336-338")
        // Every function of port/mm/page_alloc.c moved down one line.
        #expect(lines.count - at - 2 == 60)
        #expect(lines.last == "78 functions, 0 unexplained difference(s); kernel-lines.txt differs")

        // The map written from the pristine tree is the committed one, byte for byte;
        // from the other tree it is not.
        let written = shifted.appendingPathComponent("kernel-lines.txt")
        let write = try run(verifyPatch, ["drift", "--tree", tree.path, "--write-line-map", written.path])
        #expect(write.status == 0)
        #expect(write.stdout.hasSuffix("; wrote \(written.path)\n"))
        #expect(try Data(contentsOf: written) == Data(contentsOf: repoRoot.appendingPathComponent("CModules/CBuddyPort/kernel-lines.txt")))
        #expect(try run(verifyPatch, ["drift", "--tree", shifted.path, "--write-line-map", written.path]).status == 0)
        #expect(try String(contentsOf: written, encoding: .utf8).contains("get_pageblock_bitmap\tport/mm/page_alloc.c:26-28\tmm/page_alloc.c:336-338\n"))
    }

    // A patch whose context the port does not have: one line naming the patch file, the
    // patch and the hunk, exit 2, nothing on stdout.
    @Test func patchThatDoesNotApplyToThePort() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drift-bad-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("mm"), withIntermediateDirectories: true)
        try Data().write(to: dir.appendingPathComponent("mm/page_alloc.c"))
        let patch = dir.appendingPathComponent("bad.patch")
        try Data("""
            --- a/mm/page_alloc.c
            +++ b/mm/page_alloc.c
            @@ -1719,3 +1719,3 @@ static inline unsigned int expand(struct zone *zone, struct page *page, int low,
             \tunsigned int size = 2 << high;
            -\tunsigned int nr_added = 0;
            +\tunsigned int nr_added = 0U;

            """.utf8).write(to: patch)
        let r = try run(verifyPatch, ["drift", "--tree", dir.path, "--patch", patch.path])
        #expect(r.status == 2)
        #expect(r.stdout == "")
        #expect(r.stderr == "verify-patch: \(patch.path): patch 1, hunk 1 (mm/page_alloc.c): its context is not in"
                + " port/mm/page_alloc.c within expand (line not found: \"unsigned int size = 2 << high;\"); nothing applied\n")
    }

    @Test func writeLineMapTakesNoPatch() throws {
        let r = try run(verifyPatch, ["drift", "--tree", "/nonexistent", "--patch", Self.seed, "--write-line-map", "/tmp/x"])
        #expect(r.status == 2)
        #expect(r.stdout == "")
        #expect(r.stderr == "verify-patch: drift: --write-line-map maps the baseline port; give no --patch\n")
    }
}
