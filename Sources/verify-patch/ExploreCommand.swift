// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import BuddyPort
import Differential
import Exploration
import Foundation

/// `verify-patch explore`: every reachable state of a tiny zone of a variant.
struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Explore every reachable state of a tiny zone of a variant, checking invariants.",
        discussion: """
            The variant is the baseline with the --patch files applied in order, built like
            `review` builds one; without patches, the baseline. With --lockstep, the
            baseline and the variant side by side.
            Geometries: \(Exploration.geometries.map { "\($0.name) (\($0.geometry))" }.joined(separator: "; ")).
            Exit 0 when every state explored keeps every invariant, 1 otherwise, 2 on bad
            input (a patch that does not read, apply or build).
            """)

    @Option(help: "The zone: tiny16, tiny16-c1, tiny16-r2, tiny16-pb1 or tiny32.")
    var geometry: String = "tiny16"

    @Option(help: "A patch the variant carries (repeatable, applied in order; default: none, the baseline).")
    var patch: [String] = []

    @Flag(help: "Add isolating and unisolating each pageblock to the operations.")
    var isolation = false

    @Flag(help: "Allocate movable pages only (otherwise movable and unmovable).")
    var movableOnly = false

    @Flag(help: "Allocate reclaimable pages too: three migratetypes.")
    var reclaimable = false

    @Option(help: "Smallest allocation order (the largest is MAX_PAGE_ORDER).")
    var minOrder: Int = 1

    @Option(help: "Stop after this many states (50 million take about 2 GiB).")
    var maxStates: Int = 50_000_000

    @Option(help: "Threads per search (default: one per core).")
    var workers: Int?

    @Flag(help: "Explore the baseline and the variant in lockstep: count the states where they differ, and a shortest way to the first.")
    var lockstep = false

    @Option(help: "Explore shard K of N (K/N): the part of the search behind the prefix states it owns; --json carries what `merge` needs.")
    var shard: Shard?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard let g = Exploration.geometry(named: geometry) else {
            throw ValidationError("unknown geometry '\(geometry)'")
        }
        guard (0 ... g.maxPageOrder).contains(minOrder) else {
            throw ValidationError("--min-order must be 0 to \(g.maxPageOrder) for \(geometry)")
        }
        guard maxStates > 0 else { throw ValidationError("--max-states must be positive") }
        guard workers.map({ (1 ... 256).contains($0) }) ?? true else { throw ValidationError("--workers must be 1 to 256") }
        guard !(movableOnly && reclaimable) else {
            throw ValidationError("--movable-only and --reclaimable exclude each other")
        }
        if lockstep {
            guard !patch.isEmpty else { throw ValidationError("--lockstep takes a variant: give --patch") }
            guard shard == nil else { throw ValidationError("--lockstep and --shard exclude each other") }
        }
    }

    func run() throws {
        let g = Exploration.geometry(named: geometry)!
        let alphabet = ExplorationAlphabet(orders: minOrder ... g.maxPageOrder,
                                           types: movableOnly ? [.movable]
                                               : reclaimable ? [.movable, .unmovable, .reclaimable] : [.movable, .unmovable],
                                           isolation: isolation)
        let showProgress = isatty(STDERR_FILENO) == 1
        let variant = try Inputs.buildVariant(patches: patch).variant
        if lockstep {
            let (a, b) = (Variant.baseline, variant)
            var progress: Exploration.Progress?
            if showProgress {
                progress = { (states: Int) in
                    FileHandle.standardError.write(Data("\rexploring \(a) and \(b): \(states) states\u{1b}[K".utf8))
                }
            }
            let r = try Exploration.lockstep(a, b, geometry: g, name: geometry, alphabet: alphabet,
                                             maxStates: maxStates, workers: workers ?? Exploration.defaultWorkers, progress: progress)
            if showProgress { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
            if output.json { try Inputs.printJSON(r) } else {
                print("Lockstep exploration of \(geometry): \(g)")
                print(ExplorationText.operations(alphabet, maxOrder: g.maxPageOrder))
                print(ExplorationText.lockstep(r))
            }
            if !r.violations.isEmpty { throw ExitCode(1) }
            return
        }
        var progress: Exploration.Progress?
        if showProgress {
            let name = variant.description
            progress = { (states: Int) in
                FileHandle.standardError.write(Data("\rexploring \(name): \(states) states\u{1b}[K".utf8))
            }
        }
        let results = [try Exploration.explore(variant: variant, geometry: g, name: geometry, alphabet: alphabet,
                                               maxStates: maxStates, workers: workers ?? Exploration.defaultWorkers,
                                               shard: shard, progress: progress)]
        if showProgress { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
        if output.json { try Inputs.printJSON(results); return }
        print("Exhaustive exploration of \(geometry): \(g)\(shard.map { ", shard \($0)" } ?? "")")
        print(ExplorationText.operations(alphabet, maxOrder: g.maxPageOrder))
        for r in results { print(ExplorationText.result(r)) }
        if results.contains(where: { !$0.summary.violations.isEmpty }) { throw ExitCode(1) }
    }
}

extension Shard: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
