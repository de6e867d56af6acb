// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import BuddyPort
import Dispatch
import Foundation
import Semantics

/// Results written by concurrent workers, one slot each.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<ExplorationResult, any Error>?]
    private var counts: [Int]
    init(count: Int) {
        slots = Array(repeating: nil, count: count)
        counts = Array(repeating: 0, count: count)
    }
    func set(_ i: Int, _ r: Result<ExplorationResult, any Error>) { lock.lock(); slots[i] = r; lock.unlock() }
    var values: [Result<ExplorationResult, any Error>?] { lock.lock(); defer { lock.unlock() }; return slots }
    /// Records worker i's state count; returns all counts.
    func progress(_ i: Int, _ states: Int) -> [Int] { lock.lock(); defer { lock.unlock() }; counts[i] = states; return counts }
}

/// `verify-patch explore`: every reachable state of a tiny zone, both variants.
struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Explore every reachable state of a tiny zone in both variants, checking invariants.",
        discussion: """
            Geometries: \(Self.geometries.map { "\($0.name) (\($0.geometry))" }.joined(separator: "; ")).
            Exit 0 when every state explored keeps every invariant, 1 otherwise.
            """)

    static let geometries: [(name: String, geometry: Geometry)] = [
        ("tiny16", .tiny16),
        ("tiny16-c1", Geometry(nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 1,
                               reportingCapacity: 1)),
        ("tiny16-r2", Geometry(nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3, pageReportingOrder: 2,
                               reportingCapacity: 1)),
        ("tiny16-pb1", Geometry(nrPageblocks: 8, pageblockOrder: 1, maxPageOrder: 3, pageReportingOrder: 1,
                                reportingCapacity: 2)),
        ("tiny32", Geometry(nrPageblocks: 8, pageblockOrder: 2, maxPageOrder: 4, pageReportingOrder: 1,
                            reportingCapacity: 2)),
    ]

    @Option(help: "The zone: tiny16, tiny16-c1, tiny16-r2, tiny16-pb1 or tiny32.")
    var geometry: ExploreGeometryName = .tiny16

    @Flag(help: "Add isolating and unisolating each pageblock to the operations.")
    var isolation = false

    @Flag(help: "Allocate movable pages only (otherwise movable and unmovable).")
    var movableOnly = false

    @Flag(help: "Allocate reclaimable pages too: three migratetypes.")
    var reclaimable = false

    @Option(help: "Smallest allocation order (the largest is MAX_PAGE_ORDER).")
    var minOrder: Int = 1

    @Option(help: "Stop after this many states per variant.")
    var maxStates: Int = 5_000_000

    @OptionGroup var output: OutputOptions

    func validate() throws {
        let g = Self.geometry(geometry)
        guard (0 ... g.maxPageOrder).contains(minOrder) else {
            throw UsageError("--min-order", "\(minOrder) is not from 0 to \(g.maxPageOrder), the orders of \(geometry.rawValue)")
        }
        guard maxStates > 0 else { throw UsageError("--max-states", "\(maxStates) is not positive") }
        guard !(movableOnly && reclaimable) else {
            throw UsageError("--movable-only", "and --reclaimable exclude each other")
        }
    }

    static func geometry(_ name: ExploreGeometryName) -> Geometry {
        geometries.first { $0.name == name.rawValue }!.geometry
    }

    func run() throws {
        let g = Self.geometry(geometry)
        let alphabet = ExplorationAlphabet(orders: minOrder ... g.maxPageOrder,
                                           types: movableOnly ? [.movable]
                                               : reclaimable ? [.movable, .unmovable, .reclaimable] : [.movable, .unmovable],
                                           isolation: isolation)
        // The two variants on the two cores; progress on a terminal only.
        let variants = Variant.allCases
        let box = ResultBox(count: variants.count)
        let showProgress = isatty(STDERR_FILENO) == 1
        let (name, bound) = (geometry.rawValue, maxStates)
        DispatchQueue.concurrentPerform(iterations: variants.count) { (i: Int) in
            var progress: Exploration.Progress?
            if showProgress {
                progress = { (states: Int) in
                    let counts = box.progress(i, states)
                    let line = zip(variants, counts).map { "\($0): \($1) states" }.joined(separator: ", ")
                    FileHandle.standardError.write(Data("\rexploring \(name): \(line)\u{1b}[K".utf8))
                }
            }
            let result = Result<ExplorationResult, any Error> {
                try Exploration.explore(variant: variants[i], geometry: g, name: name, alphabet: alphabet,
                                        maxStates: bound, progress: progress)
            }
            box.set(i, result)
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
        let results = try box.values.map { try $0!.get() }
        if output.json { try Inputs.printJSON(results); return }
        print("Exhaustive exploration of \(geometry.rawValue): \(g)")
        let types = alphabet.types.map(\.description).joined(separator: ", ")
        print("  operations: allocate orders \(minOrder)-\(g.maxPageOrder) (\(types)), free each live")
        print("  allocation, \(isolation ? "isolate or unisolate each pageblock, " : "")report (accepted, or")
        print("  the first batch failed); checked in every state: invariants, soundness,")
        print("  kernel checks")
        for r in results {
            print("  \(r.variant): \(r.states) states, \(r.transitions) transitions, "
                  + "\(r.closed ? "closed" : "NOT closed (bound reached)")")
            print("    \(String(format: "%.1f", r.seconds)) s, \(Int(r.statesPerSecond)) states/s, "
                  + "longest path \(r.maxDepth) operations, \(r.violations.count) broken state(s)")
            for v in r.violations {
                print("    \(v.problem)")
                print("    reached by:")
                for op in v.operations { print("      \(op),") }
            }
        }
        if results.contains(where: { !$0.violations.isEmpty }) { throw ExitCode(1) }
    }
}
