// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The command line's contract, every subcommand: help on standard output with exit 0;
/// every usage error one line `verify-patch: WHAT: problem` on standard error, nothing
/// on standard output, exit 2; runs on the fixtures print exactly what
/// fixtures/cli/ records (scripts/make-cli-fixtures.sh).
@Suite("The command line's contract")
struct ContractTests {
    static let seed = "fixtures/patches/seed-archive.txt"
    static let patched = "fixtures/objects/port/patched/page_alloc.o"
    static let baseline = "fixtures/objects/port/baseline/page_alloc.o"

    static let recorded: [(name: String, args: [String], status: Int32)] = [
        ("help", ["--help"], 0),
        ("help-overview", ["overview", "--help"], 0),
        ("help-check", ["check", "--help"], 0),
        ("help-functions", ["functions", "--help"], 0),
        ("help-review", ["review", "--help"], 0),
        ("help-variant", ["variant", "--help"], 0),
        ("help-explore", ["explore", "--help"], 0),
        ("help-campaign", ["campaign", "--help"], 0),
        ("help-merge", ["merge", "--help"], 0),
        ("help-symbols", ["symbols", "--help"], 0),
        ("help-apply", ["apply", "--help"], 0),
        ("help-drift", ["drift", "--help"], 0),
        ("help-demo", ["demo", "--help"], 0),
        ("check-seed", ["check", "--patch", seed, baseline, patched], 1),
        ("functions-seed", ["functions", "--patch", seed], 0),
        ("symbols-alloc", ["symbols", "fixtures/objects/alloc-x86_64.o"], 0),
        ("symbols-alloc-json", ["symbols", "--json", "fixtures/objects/alloc-i686.o", "--name", "page_score"], 0),
    ]

    @Test(arguments: recorded.indices)
    func recordedOutput(_ i: Int) throws {
        let (name, args, status) = Self.recorded[i]
        let expected = try String(contentsOfFile: fixture("fixtures/cli/\(name).txt"), encoding: .utf8)
        let r = try run(verifyPatch, args)
        #expect(r.status == status, "\(args)")
        #expect(r.stderr == "")
        #expect(r.stdout == expected, "\(args)")
    }

    static let usageErrors: [(args: [String], line: String)] = [
        (["nonsense"], "usage: unexpected argument 'nonsense'"),
        (["--nonsense"], "--nonsense: unknown option"),
        (["check"], "--patch: missing"),
        (["check", "--patch"], "--patch: a value is missing"),
        (["check", "--patch", seed], "objects: missing"),
        (["check", "--patch", seed, patched, "--bogus"], "--bogus: unknown option"),
        (["functions"], "--patch: missing"),
        (["functions", "--patch", seed, "extra"], "functions: unexpected argument 'extra'"),
        (["symbols"], "object: missing"),
        (["symbols", "a", "b"], "symbols: unexpected argument 'b'"),
        (["symbols", patched, "--name"], "--name: a value is missing"),
        (["apply", "--patch", seed], "--tree: missing"),
        (["apply", "--tree", "."], "--patch: missing"),
        (["drift"], "--tree: missing"),
        (["review"], "patches: missing"),
        (["review", "--seed", "abc", seed], "--seed: 'abc' is invalid"),
        (["review", "--seed", "18446744073709551615", seed],
         "--seed: 18446744073709551615 leaves no room for the 40 seeds from it; give at most 18446744073709551576"),
        (["review", "--svg", "/nonexistent/chart.svg", seed], "/nonexistent/chart.svg: cannot be written: No such file or directory"),
        (["review", "/nonexistent.patch"], "/nonexistent.patch: no such file"),
        (["variant"], "patches: missing"),
        (["variant", seed, "--out", "."], ".: exists; give a directory to create"),
        (["explore", "--geometry", "tiny8"], "explore: unknown geometry 'tiny8'"),
        (["explore", "--lockstep"], "--lockstep takes a variant: give --patch"),
        (["explore", "--shard", "5/4"], "--shard: '5/4' is invalid"),
        (["explore", "--lockstep", "--patch", seed, "--shard", "1/2"], "explore: --lockstep and --shard exclude each other"),
        (["campaign", "--geometries", "tiny8"], "campaign: unknown geometry 'tiny8'"),
        (["explore", "--patch"], "--patch: a value is missing"),
        (["explore", "--patch", "/nonexistent.patch"], "/nonexistent.patch: no such file"),
        (["campaign", "--seeds", "0"], "campaign: --seeds and --operations must be positive"),
        (["campaign", "--rules", "linux-6.12"], "--rules: 'linux-6.12' is invalid; please provide one of 'linux-7.3' and 'propagate-reported-on-split'."),
        (["merge"], "files: missing"),
        (["merge", "/nonexistent.json"], "/nonexistent.json: no such file"),
        (["demo", "--geometry", "huge"], "--geometry: 'huge' is invalid; please provide one of 'tiny16', 'tiny64' or 'x86-64'."),
        (["demo", "extra"], "demo: unexpected argument 'extra'"),
        (["overview", "--nonsense"], "--nonsense: unknown option"),
    ]

    @Test(arguments: usageErrors.indices)
    func usageError(_ i: Int) throws {
        let (args, line) = Self.usageErrors[i]
        let r = try run(verifyPatch, args)
        #expect(r.status == 2, "\(args)")
        #expect(r.stdout == "")
        #expect(r.stderr == "verify-patch: \(line)\n", "\(args)")
    }

    // A path with a line break in it stays on the one error line, C-quoted.
    @Test func pathWithANewline() throws {
        let r = try run(verifyPatch, ["functions", "--patch", "no\nsuch \"file\""])
        #expect(r.status == 2)
        #expect(r.stdout == "")
        #expect(r.stderr == "verify-patch: \"no\\nsuch \\\"file\\\"\": no such file\n")
    }

    // A FIFO as the patch or as an object is refused at once, never waited on.
    @Test func fifoIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let patch = try run(verifyPatch, ["functions", "--patch", fifo])
        #expect(patch.status == 2)
        #expect(patch.stderr == "verify-patch: \(fifo): a FIFO, not a regular file; not read\n")
        let object = try run(verifyPatch, ["check", "--patch", Self.seed, fifo])
        #expect(object.status == 2)
        #expect(object.stderr == "verify-patch: \(fifo): not a regular file\n")
        #expect(object.stdout == "")
    }

    // apply end to end: a tree made of the seed's unpatched functions, applied, applied
    // again (the tree carries it: exit 1), and a patch that leaves the tree.
    @Test func applyEndToEnd() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("mm"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let functions = try String(contentsOfFile: fixture("fixtures/patches/seed-function-context.patch"), encoding: .utf8)
        // The old side of each hunk of the function-context patch, one blank line between.
        var hunks: [[String]] = []
        for line in functions.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("@@") { hunks.append([]); continue }
            guard !hunks.isEmpty, let first = line.first else { continue }
            if first == " " || first == "-" { hunks[hunks.count - 1].append(String(line.dropFirst())) }
            if line.isEmpty { hunks[hunks.count - 1].append("") }
        }
        let text = hunks.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
        try Data(text.utf8).write(to: directory.appendingPathComponent("mm/page_alloc.c"))
        let first = try run(verifyPatch, ["apply", "--patch", Self.seed, "--tree", directory.path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr == "")
        #expect(first.stdout.hasSuffix("6 hunk(s) applied\n"))
        #expect(first.stdout.split(separator: "\n").count == 7)
        let again = try run(verifyPatch, ["apply", "--patch", Self.seed, "--tree", directory.path])
        #expect(again.status == 1)
        #expect(again.stdout == "6 hunk(s) already applied: the tree carries the patch; nothing written\n")
        #expect(again.stderr == "")
        let outside = directory.appendingPathComponent("out.patch")
        try Data("--- a/../x.c\n+++ b/../x.c\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n".utf8).write(to: outside)
        let refused = try run(verifyPatch, ["apply", "--patch", outside.path, "--tree", directory.path])
        #expect(refused.status == 2)
        #expect(refused.stdout == "")
        #expect(refused.stderr == "verify-patch: \(outside.path): ../x.c: '..' would leave the tree\n")
    }

    // A second file that cannot be staged (the file-size limit, as a full disk would)
    // leaves the first as it was.
    @Test func failedWriteLeavesTheTree() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("mm"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let small = "a\nb\nc\n", big = String(repeating: "a\n", count: 20000) + "b\nc\n"
        try Data(small.utf8).write(to: directory.appendingPathComponent("mm/x.c"))
        try Data(big.utf8).write(to: directory.appendingPathComponent("mm/y.c"))
        let patch = "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n"
            + "--- a/mm/y.c\n+++ b/mm/y.c\n@@ -20001,2 +20001,2 @@\n-b\n+B\n c\n"
        try Data(patch.utf8).write(to: directory.appendingPathComponent("p.patch"))
        // 32 blocks of 512 bytes: mm/x.c fits, mm/y.c (40 KB) does not.
        let shell = "ulimit -f 32; exec \"$0\" apply --patch \"$1\" --tree \"$2\""
        let r = try run(URL(fileURLWithPath: "/bin/sh"), ["-c", shell, verifyPatch.path,
                                                          directory.appendingPathComponent("p.patch").path, directory.path])
        #expect(r.status == 2)
        #expect(r.stdout == "")
        #expect(r.stderr.hasPrefix("verify-patch: \(directory.appendingPathComponent("p.patch").path): mm/y.c: cannot be written: "))
        #expect(try String(contentsOf: directory.appendingPathComponent("mm/x.c"), encoding: .utf8) == small)
        #expect(try String(contentsOf: directory.appendingPathComponent("mm/y.c"), encoding: .utf8) == big)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("mm").path).sorted() == ["x.c", "y.c"])
    }

    // A copy of the binary away from the checkout runs the default run from what it
    // carries inside.
    @Test func copiedBinaryRunsTheDefaultRun() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("verify-patch")
        try FileManager.default.copyItem(at: verifyPatch, to: copy)
        let r = try run(copy, [], in: directory)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr == "")
        #expect(r.stdout.contains(": UNPATCHED\n"))
        #expect(r.stdout.contains(": PATCHED\n"))
    }
}
