// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import BuddyPort
import Differential
import Exploration
import Foundation

/// `verify-patch explore`: every reachable state of a tiny zone, each variant.
struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Explore every reachable state of a tiny zone in each variant, checking invariants.",
        discussion: """
            Geometries: \(Exploration.geometries.map { "\($0.name) (\($0.geometry))" }.joined(separator: "; ")).
            Exit 0 when every state explored keeps every invariant, 1 otherwise.
            """)

    @Option(help: "The zone: tiny16, tiny16-c1, tiny16-r2, tiny16-pb1 or tiny32.")
    var geometry: String = "tiny16"

    @Option(help: "The variants to explore, comma-separated (default: all).")
    var variant: String?

    @Flag(help: "Add isolating and unisolating each pageblock to the operations.")
    var isolation = false

    @Flag(help: "Allocate movable pages only (otherwise movable and unmovable).")
    var movableOnly = false

    @Flag(help: "Allocate reclaimable pages too: three migratetypes.")
    var reclaimable = false

    @Option(help: "Smallest allocation order (the largest is MAX_PAGE_ORDER).")
    var minOrder: Int = 1

    @Option(help: "Stop after this many states per variant (50 million take about 2 GiB).")
    var maxStates: Int = 50_000_000

    @Option(help: "Threads per search (default: one per core).")
    var workers: Int = Exploration.defaultWorkers

    @Flag(help: "Explore two variants in lockstep: count the states where they differ, and a shortest way to the first.")
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
        guard (1 ... 256).contains(workers) else { throw ValidationError("--workers must be 1 to 256") }
        guard !(movableOnly && reclaimable) else {
            throw ValidationError("--movable-only and --reclaimable exclude each other")
        }
        _ = try variants()
        if lockstep {
            guard try variants().count == 2 else { throw ValidationError("--lockstep takes two variants") }
            guard shard == nil else { throw ValidationError("--lockstep and --shard exclude each other") }
        }
    }

    func variants() throws -> [Variant] {
        guard let variant else { return Variant.allCases }
        return try variant.split(separator: ",").map {
            guard let v = Variant(rawValue: String($0)) else { throw ValidationError("unknown variant '\($0)'") }
            return v
        }
    }

    func run() throws {
        let g = Exploration.geometry(named: geometry)!
        let alphabet = ExplorationAlphabet(orders: minOrder ... g.maxPageOrder,
                                           types: movableOnly ? [.movable]
                                               : reclaimable ? [.movable, .unmovable, .reclaimable] : [.movable, .unmovable],
                                           isolation: isolation)
        let showProgress = isatty(STDERR_FILENO) == 1
        if lockstep {
            let (a, b) = (try variants()[0], try variants()[1])
            var progress: Exploration.Progress?
            if showProgress {
                progress = { (states: Int) in
                    FileHandle.standardError.write(Data("\rexploring \(a) and \(b): \(states) states\u{1b}[K".utf8))
                }
            }
            let r = try Exploration.lockstep(a, b, geometry: g, name: geometry, alphabet: alphabet,
                                             maxStates: maxStates, workers: workers, progress: progress)
            if showProgress { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
            if output.json { try Inputs.printJSON(r) } else {
                print("Lockstep exploration of \(geometry): \(g)")
                print(ExplorationText.operations(alphabet, maxOrder: g.maxPageOrder))
                print(ExplorationText.lockstep(r))
            }
            if !r.violations.isEmpty { throw ExitCode(1) }
            return
        }
        var results: [ExplorationResult] = []
        for v in try variants() {
            var progress: Exploration.Progress?
            if showProgress {
                let name = v.description
                progress = { (states: Int) in
                    FileHandle.standardError.write(Data("\rexploring \(name): \(states) states\u{1b}[K".utf8))
                }
            }
            results.append(try Exploration.explore(variant: v, geometry: g, name: geometry, alphabet: alphabet,
                                                   maxStates: maxStates, workers: workers,
                                                   shard: shard, progress: progress))
            if showProgress { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
        }
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
