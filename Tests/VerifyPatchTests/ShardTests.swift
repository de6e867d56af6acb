// SPDX-License-Identifier: GPL-2.0-only

import Differential
import Exploration
import Foundation
import Testing

/// The seed patch, as the commands take it from the repository's root.
let seedPatch = "fixtures/patches/seed-archive.txt"

/// Runs `executable` with `arguments` once per shard 1/n ... n/n, all at once, each
/// writing its stdout into its own file of `directory`; returns the files.
func runShards(_ n: Int, _ arguments: [String], in directory: URL, name: String) throws -> [String] {
    var processes: [(Process, String)] = []
    for k in 1 ... n {
        let path = directory.appendingPathComponent("\(name)-\(k).json").path
        FileManager.default.createFile(atPath: path, contents: nil)
        let process = Process()
        process.executableURL = verifyPatch
        process.currentDirectoryURL = repoRoot
        process.arguments = arguments + ["--shard", "\(k)/\(n)", "--json"]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        process.standardError = FileHandle.nullDevice
        try process.run()
        processes.append((process, path))
    }
    for (p, _) in processes {
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
    }
    return processes.map(\.1)
}

@Suite("Shards as separate processes, merged")
struct ShardTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("verify-patch-shards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    // Four `explore --shard K/4 --json` processes of tiny16 (orders 2-3, isolation),
    // merged by `merge --json`: the same summary as one unsharded run (states, digest of
    // the fingerprints, collision bound, closed, no violation), for the baseline and for
    // the seed's variant.
    @Test(arguments: [([String](), 41_554), (["--patch", seedPatch], 60_742)])
    func exploreShards(_ patch: [String], states: Int) throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["explore", "--min-order", "2", "--isolation"] + patch
        let files = try runShards(4, arguments, in: directory, name: "explore")
        let merged = try run(verifyPatch, ["merge", "--json"] + files)
        #expect(merged.status == 0)
        #expect(merged.stderr == "")
        let whole = try run(verifyPatch, arguments + ["--json"])
        #expect(whole.status == 0)
        let m = try JSONDecoder().decode([ExplorationResult].self, from: Data(merged.stdout.utf8))
        let w = try JSONDecoder().decode([ExplorationResult].self, from: Data(whole.stdout.utf8))
        #expect(m.map(\.summary) == w.map(\.summary))
        #expect(m.map(\.summary.states) == [states])
        #expect(m.allSatisfy { $0.measurement == nil && $0.shard == nil })

        // three of the four: one line, exit 2
        let short = try run(verifyPatch, ["merge"] + files.dropLast())
        #expect(short.status == 2)
        #expect(short.stdout == "")
        #expect(short.stderr == "verify-patch: merge: \(patch.isEmpty ? "baseline" : "baseline + \(seedPatch)"): missing shard 4/4\n")
    }

    // Four `campaign --shard K/4 --json` processes (tiny16 and tiny64, the seed's variant
    // beside the rules the model carries for it, 80 seeds of 300 operations), merged: the
    // unsharded campaign's result but for its wall time.
    @Test func campaignShards() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["campaign", "--geometries", "tiny16,tiny64", "--seeds", "80", "--operations", "300", "--threads", "1",
                         "--patch", seedPatch]
        let files = try runShards(4, arguments, in: directory, name: "campaign")
        let merged = try run(verifyPatch, ["merge", "--json"] + files)
        #expect(merged.status == 0)
        let whole = try run(verifyPatch, arguments + ["--json"])
        var w = try JSONDecoder().decode(ModelCampaignResult.self, from: Data(whole.stdout.utf8))
        let m = try JSONDecoder().decode(ModelCampaignResult.self, from: Data(merged.stdout.utf8))
        #expect(w.seconds != nil)
        w.seconds = nil
        #expect(m == w)
        #expect(m.runs == 160)
        #expect(m.operations == 48_000)
        #expect(m.divergences == [])
        #expect(m.spec.variants.map(\.rules) == [.propagateReportedOnSplit])
    }

    // Files that are no shard results are refused with one line naming the file.
    @Test func refusesWhatIsNoShard() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = directory.appendingPathComponent("note.json")
        try Data("{\"hello\": 1}".utf8).write(to: text)
        let notShard = try run(verifyPatch, ["merge", text.path])
        #expect(notShard.status == 2)
        #expect(notShard.stderr == "verify-patch: \(text.path): not the --json result of explore or campaign\n")
        let whole = directory.appendingPathComponent("whole.json")
        try Data(try run(verifyPatch, ["explore", "--min-order", "3", "--json"]).stdout.utf8).write(to: whole)
        let unsharded = try run(verifyPatch, ["merge", whole.path])
        #expect(unsharded.status == 2)
        #expect(unsharded.stderr == "verify-patch: \(whole.path): not a shard's result (no --shard)\n")
        let fifo = directory.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let pipe = try run(verifyPatch, ["merge", fifo])
        #expect(pipe.status == 2)
        #expect(pipe.stderr == "verify-patch: \(fifo): not a regular file\n")
    }
}

@Suite("explore and campaign on the command line")
struct ExploreCommandTests {
    // Order-3 allocations only on tiny16, the baseline: its states; the lines that do
    // not measure time are exact.
    @Test func exploreText() throws {
        let r = try run(verifyPatch, ["explore", "--min-order", "3"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Exhaustive exploration of tiny16: 16 pages: 4 pageblocks of order 2, MAX_PAGE_ORDER 3, reporting order 1, capacity 2")
        #expect(lines.filter { $0.hasPrefix("  baseline") } == ["  baseline: 54 states, closed, 0 broken state(s)"])
        #expect(lines.contains { $0.hasSuffix("212 transitions, depth 7") })
    }

    // Lockstep of the baseline and the seed's variant, movable orders 2-3, as text: the
    // count, and the first difference with what each side shows.
    @Test func lockstepText() throws {
        let r = try run(verifyPatch, ["explore", "--lockstep", "--patch", seedPatch, "--min-order", "2", "--movable-only"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("  baseline and baseline + \(seedPatch): 196 pairs of states, closed, 0 broken state(s)"))
        #expect(lines.contains("  pairs whose observable states differ: 52"))
        #expect(Array(lines.suffix(5)) == [
            "  the first, after 3 operation(s):",
            "      .idle(failing: []),",
            "      .allocate(order: 3, migratetype: .movable, flags: []),",
            "      .allocate(order: 2, migratetype: .movable, flags: []),",
            "    PG_reported on free pages: baseline reported free blocks at []; baseline + \(seedPatch) reported free blocks at [4]",
        ])
    }

    // A patch that does not read, and a series the model has no rules for without
    // --rules: one line naming the file, exit 2, nothing on stdout.
    @Test func refusedPatches() throws {
        let missing = try run(verifyPatch, ["explore", "--patch", "no-such.patch"])
        #expect(missing.status == 2)
        #expect(missing.stdout == "")
        #expect(missing.stderr == "verify-patch: no-such.patch: no such file\n")
        let other = "fixtures/patches/review/01-expand-name-buddy.patch"
        let unknown = try run(verifyPatch, ["campaign", "--patch", other, "--seeds", "1"])
        #expect(unknown.status == 2)
        #expect(unknown.stdout == "")
        #expect(unknown.stderr == "verify-patch: \(other): the model has no rules for this series; give --rules\n")
    }
}
