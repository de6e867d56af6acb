// SPDX-License-Identifier: GPL-2.0-only

import Differential
import Exploration
import Foundation
import Testing

/// Runs `executable` with `arguments` once per shard 1/n ... n/n, all at once, each
/// writing its stdout into its own file of `directory`; returns the files.
func runShards(_ n: Int, _ arguments: [String], in directory: URL, name: String) throws -> [String] {
    var processes: [(Process, String)] = []
    for k in 1 ... n {
        let path = directory.appendingPathComponent("\(name)-\(k).json").path
        FileManager.default.createFile(atPath: path, contents: nil)
        let process = Process()
        process.executableURL = verifyPatch
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
    // merged by `merge --json`: per variant the same summary as one unsharded run
    // (states, digest of the fingerprints, collision bound, closed, no violation).
    @Test func exploreShards() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["explore", "--min-order", "2", "--isolation"]
        let files = try runShards(4, arguments, in: directory, name: "explore")
        let merged = try run(verifyPatch, ["merge", "--json"] + files)
        #expect(merged.status == 0)
        #expect(merged.stderr == "")
        let whole = try run(verifyPatch, arguments + ["--json"])
        #expect(whole.status == 0)
        let m = try JSONDecoder().decode([ExplorationResult].self, from: Data(merged.stdout.utf8))
        let w = try JSONDecoder().decode([ExplorationResult].self, from: Data(whole.stdout.utf8))
        #expect(m.map(\.summary) == w.map(\.summary))
        #expect(m.map(\.summary.states) == [41_554, 60_742])
        #expect(m.allSatisfy { $0.measurement == nil && $0.shard == nil })

        // three of the four: one line, exit 2
        let short = try run(verifyPatch, ["merge"] + files.dropLast())
        #expect(short.status == 2)
        #expect(short.stdout == "")
        #expect(short.stderr == "verify-patch: merge: baseline: missing shard 4/4\n")
    }

    // Four `campaign --shard K/4 --json` processes (tiny16 and tiny64, both variants,
    // 40 seeds of 300 operations), merged: the unsharded campaign's result but for its
    // wall time.
    @Test func campaignShards() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["campaign", "--geometries", "tiny16,tiny64", "--seeds", "40", "--operations", "300", "--threads", "1"]
        let files = try runShards(4, arguments, in: directory, name: "campaign")
        let merged = try run(verifyPatch, ["merge", "--json"] + files)
        #expect(merged.status == 0)
        let whole = try run(verifyPatch, arguments + ["--json"])
        var w = try JSONDecoder().decode(CampaignResult.self, from: Data(whole.stdout.utf8))
        let m = try JSONDecoder().decode(CampaignResult.self, from: Data(merged.stdout.utf8))
        #expect(w.seconds != nil)
        w.seconds = nil
        #expect(m == w)
        #expect(m.runs == 160)
        #expect(m.operations == 48_000)
        #expect(m.divergences == [])
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
    // Order-3 allocations only on tiny16: 54 states in each variant; the lines that do
    // not measure time are exact.
    @Test func exploreText() throws {
        let r = try run(verifyPatch, ["explore", "--min-order", "3"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "Exhaustive exploration of tiny16: 16 pages: 4 pageblocks of order 2, MAX_PAGE_ORDER 3, reporting order 1, capacity 2")
        #expect(lines.filter { $0.hasPrefix("  baseline:") || $0.hasPrefix("  patched:") }
                == ["  baseline: 54 states, closed, 0 broken state(s)", "  patched: 54 states, closed, 0 broken state(s)"])
        #expect(lines.contains { $0.hasSuffix("222 transitions, depth 5") })
    }

    // Lockstep of movable orders 2-3 as text: the count, and the first difference with
    // what each side shows.
    @Test func lockstepText() throws {
        let r = try run(verifyPatch, ["explore", "--lockstep", "--min-order", "2", "--movable-only"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("  baseline and patched: 89,752 pairs of states, closed, 0 broken state(s)"))
        #expect(lines.contains("  pairs whose observable states differ: 89,608"))
        #expect(Array(lines.suffix(5)) == [
            "  the first, after 3 operation(s):",
            "      .report(failing: []),",
            "      .allocate(order: 3, migratetype: .movable, flags: []),",
            "      .allocate(order: 2, migratetype: .movable, flags: []),",
            "    PG_reported on free pages: baseline reported free blocks at []; patched reported free blocks at [4]",
        ])
    }

    // Usage that cannot run: exit 2, nothing on stdout.
    @Test(arguments: [["explore", "--lockstep", "--variant", "baseline"], ["explore", "--shard", "5/4"],
                      ["explore", "--lockstep", "--shard", "1/2"], ["campaign", "--geometries", "tiny8"],
                      ["campaign", "--seeds", "0"]])
    func refusedUsage(_ arguments: [String]) throws {
        let r = try run(verifyPatch, arguments)
        #expect(r.status == 2)
        #expect(r.stdout == "")
        #expect(r.stderr.hasPrefix("verify-patch: Error: "))
    }
}
