// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import BuddyPort

/// Runs the port's two variants through the patch's central scenario and prints what
/// each did: report everything, split a Reported block by an allocation, report again.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show, on the C port, what the patch changes when a Reported block is split.")

    @Option(help: "Geometry: tiny16, tiny64 or x86-64.")
    var geometry: GeometryName = .x86_64

    func run() throws {
        try Self.runScenario(geometry: geometry.geometry)
    }

    static func runScenario(geometry g: Geometry) throws {
        print("Zone: \(g)")
        print("Scenario: report every free block, allocate one page (splitting a Reported")
        print("block), then run one more reporting pass.\n")
        var failed = false
        for variant in Variant.allCases {
            let zone = try PortZone(variant: variant, geometry: g)
            var settle = 0
            while try !zone.reportingPass(host: { _ in true }).isEmpty { settle += 1 }
            guard let pfn = try zone.allocate(order: 0, migratetype: .movable) else {
                print("\(variant): the allocation failed"); failed = true; continue
            }
            let s = zone.snapshot()
            let pieces = (0 ..< g.maxPageOrder).map { pfn + (1 << $0) }.filter { s.pages[$0].isBuddy }
            let flagged = pieces.filter { s.pages[$0].flags.contains(.reported) }
            let again = try zone.reportingPass { _ in true }
            let pages = again.reduce(0) { $0 + $1.pages }
            print("\(variant):")
            print("  reporting settled after \(settle) pass(es); page \(pfn) allocated")
            print("  split-off buddies: \(pieces.count), still Reported: \(flagged.count)")
            print("  next pass re-reports \(pages) pages (\(pages * 4) KiB) in \(again.count) report() call(s)")
            if !zone.violations.isEmpty {
                failed = true
                zone.violations.forEach { print("  kernel check fired: \($0)") }
            }
        }
        if failed { throw ExitCode(1) }
    }
}
