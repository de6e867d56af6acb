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
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<ExplorationResult, any Error>) { lock.lock(); slots[i] = r; lock.unlock() }
    var values: [Result<ExplorationResult, any Error>?] { lock.lock(); defer { lock.unlock() }; return slots }
}

/// `verify-patch explore`: every reachable state of a tiny zone, both variants.
struct ExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Explore every reachable state of a tiny zone in both variants, checking invariants.",
        discussion: "Exit 0 when every state explored keeps every invariant, 1 otherwise.")

    @Option(help: "tiny16 (16 pages, capacity 2) or tiny16-c1 (capacity 1).")
    var geometry: String = "tiny16"

    @Flag(help: "Add isolating and unisolating each pageblock to the operations.")
    var isolation = false

    @Flag(help: "Allocate movable pages only (otherwise movable and unmovable).")
    var movableOnly = false

    @Option(help: "Smallest allocation order (the largest is MAX_PAGE_ORDER).")
    var minOrder: Int = 0

    @Option(help: "Stop after this many states.")
    var maxStates: Int = 2_000_000

    @OptionGroup var output: OutputOptions

    func run() throws {
        let known = ["tiny16": Geometry.tiny16,
                     "tiny16-c1": Geometry(nrPageblocks: 4, pageblockOrder: 2, maxPageOrder: 3,
                                           pageReportingOrder: 1, reportingCapacity: 1)]
        guard let g = known[geometry] else { throw ValidationError("unknown geometry '\(geometry)'") }
        // The two variants on the two cores.
        let variants = Variant.allCases
        let box = ResultBox(count: variants.count)
        let (name, iso, types, orders, bound) = (geometry, isolation,
            movableOnly ? [MigrateType.movable] : [.movable, .unmovable], minOrder ... g.maxPageOrder, maxStates)
        DispatchQueue.concurrentPerform(iterations: variants.count) { i in
            box.set(i, Result { try Exploration.explore(variant: variants[i], geometry: g, name: name, isolation: iso,
                                                      types: types, orders: orders, maxStates: bound) })
        }
        let results = try box.values.map { try $0!.get() }
        if output.json { try Inputs.printJSON(results); return }
        print("Exhaustive exploration of \(geometry): \(g)")
        print("  operations: allocate orders \(minOrder)-\(g.maxPageOrder) \(movableOnly ? "movable" : "movable or unmovable"), free each live")
        print("  allocation, \(isolation ? "isolate or unisolate each pageblock, " : "")report (accepted, or the")
        print("  first batch failed)")
        for r in results {
            print("  \(r.variant): \(r.states) states, \(r.transitions) transitions, depth \(r.depth), "
                  + "\(r.closed ? "closed" : "NOT closed (bound reached)")")
            print("    \(String(format: "%.1f", r.seconds)) s, \(Int(r.statesPerSecond)) states/s, "
                  + "\(r.violations.count) state(s) breaking an invariant")
            for v in r.violations {
                print("    \(v.problem)")
                for op in v.operations { print("      \(op),") }
            }
        }
        if results.contains(where: { !$0.violations.isEmpty }) { throw ExitCode(1) }
    }
}
