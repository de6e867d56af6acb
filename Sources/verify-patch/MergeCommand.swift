// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import BuddyTypes
import Differential
import Exploration
import Foundation

/// `verify-patch merge`: shard results (`explore --shard ... --json`, `campaign --shard
/// ... --json`) combined into one.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the --json results of the shards of one explore or campaign run.",
        discussion: """
            Every shard 1/N ... N/N exactly once, all of the same run. Exploration shards
            merge into the union of their states (their fingerprints), per variant;
            campaign shards into the sum of their runs.
            Exit 0 when the merged result has no broken state or divergence, 1 when it
            has, 2 when the files are no such shards (one line names the file or the
            problem).
            """)

    @Argument(help: "Shard results, as --json wrote them.")
    var files: [String]

    @OptionGroup var output: OutputOptions

    /// The largest result file read.
    static let sizeLimit = 1 << 30

    func run() throws {
        guard !files.isEmpty else { throw ValidationError("no files") }
        var explorations: [(String, [ExplorationResult])] = []
        var campaigns: [ModelCampaignResult] = []
        for path in files {
            let data = try Self.read(path)
            if let parts = try? JSONDecoder().decode([ExplorationResult].self, from: data) {
                explorations.append((path, parts))
            } else if let part = try? JSONDecoder().decode(ModelCampaignResult.self, from: data) {
                campaigns.append(part)
            } else {
                throw InputError(path: path, problem: "not the --json result of explore or campaign")
            }
        }
        guard explorations.isEmpty || campaigns.isEmpty else {
            throw InputError(path: files[0], problem: "exploration and campaign results cannot be merged together")
        }
        if !campaigns.isEmpty {
            let merged: ModelCampaignResult
            do { merged = try ModelCampaign.merge(campaigns) } catch { throw InputError(path: "merge", problem: error.description) }
            if output.json { try Inputs.printJSON(merged) } else { print(CampaignText.result(merged)) }
            if !merged.divergences.isEmpty { throw ExitCode(1) }
            return
        }
        // one merge per variant, in the order the first file names them
        var order: [Variant] = []
        var byVariant: [Variant: [ExplorationResult]] = [:]
        for (path, parts) in explorations {
            for p in parts {
                guard p.shard != nil else { throw InputError(path: path, problem: "not a shard's result (no --shard)") }
                if byVariant[p.summary.variant] == nil { order.append(p.summary.variant) }
                byVariant[p.summary.variant, default: []].append(p)
            }
        }
        var merged: [ExplorationResult] = []
        for v in order {
            do {
                merged.append(ExplorationResult(summary: try Exploration.merge(byVariant[v]!), measurement: nil, shard: nil))
            } catch {
                throw InputError(path: "merge", problem: "\(v): \(error.description)")
            }
        }
        if output.json { try Inputs.printJSON(merged) } else {
            for r in merged { print(ExplorationText.result(r)) }
        }
        if merged.contains(where: { !$0.summary.violations.isEmpty }) { throw ExitCode(1) }
    }

    /// The bytes of a regular file of at most `sizeLimit` bytes.
    static func read(_ path: String) throws -> Data {
        var st = stat()
        guard stat(path, &st) == 0 else { throw InputError(path: path, problem: "no such file") }
        guard st.st_mode & S_IFMT == S_IFREG else { throw InputError(path: path, problem: "not a regular file") }
        guard st.st_size <= sizeLimit else {
            throw InputError(path: path, problem: "larger than \(sizeLimit >> 20) MiB, not read")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError(path: path, problem: "cannot be read") }
        defer { try? handle.close() }
        guard let data = try handle.read(upToCount: sizeLimit + 1), !data.isEmpty else {
            throw InputError(path: path, problem: "empty file")
        }
        guard data.count <= sizeLimit else { throw InputError(path: path, problem: "larger than \(sizeLimit >> 20) MiB, not read") }
        return data
    }
}
