// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import BuddyPort
import Foundation
import PortVariants
import Review

/// Runs the baseline and a variant through the scenario the seed is about: every free
/// block reported, one page allocated (splitting a Reported block), then a free that
/// requests a pass, and the pass.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show, on the C port, what a patch changes when a Reported block is split.",
        discussion: """
            The variant is the baseline with PATCH applied (default: the seed patch).
            Exit 0 when no kernel check fired, 1 otherwise, 2 on bad input.
            """)

    @Option(help: "Geometry: \(GeometryName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var geometry: GeometryName = .x86_64

    @Option(help: "The patch the variant carries (default: the seed).")
    var patch: String?

    func run() throws {
        let path = try patch ?? Fixtures.path(Fixtures.seedPatch, in: Fixtures.root())
        try Self.runScenario(geometry: geometry.geometry, patch: path)
    }

    static func runScenario(geometry g: Geometry, patch path: String) throws {
        let variant = try Inputs.buildVariant(patches: [path]).variant
        print("Zone: \(g)")
        print("Scenario: the guest idles until reporting settles; the MAX_PAGE_ORDER blocks at")
        print("the head of the list that are not Reported (at least one block) are allocated, so")
        print("that one page allocated next splits a Reported block; then those blocks are freed")
        print("(requesting a pass) and the guest idles again.\n")
        var failed = false
        for v in [Variant.baseline, variant] {
            let zone = try PortZone(variant: v, geometry: g)
            var discarded = Set<Int>()
            var passes = 0
            while zone.reportingWorkQueued {
                for batch in try zone.idle(host: { _ in true }) where batch.succeeded {
                    discarded.formUnion(batch.ranges.flatMap(\.pfns))
                }
                passes += 1
            }
            var big: [Int] = []
            while let head = zone.freeLists()[g.maxPageOrder][MigrateType.movable.rawValue].first,
                  !zone.pages(in: head ..< head + 1)[0].flags.contains(.reported),
                  let pfn = try zone.allocate(order: g.maxPageOrder, migratetype: .movable) {
                big.append(pfn)
                discarded.subtract(pfn ..< pfn + (1 << g.maxPageOrder))
            }
            // Every block Reported: one is taken anyway, to be freed later.
            if big.isEmpty, let pfn = try zone.allocate(order: g.maxPageOrder, migratetype: .movable) {
                big.append(pfn)
                discarded.subtract(pfn ..< pfn + (1 << g.maxPageOrder))
            }
            guard let pfn = try zone.allocate(order: 0, migratetype: .movable) else {
                print("\(v.name): the allocation failed"); failed = true; continue
            }
            discarded.remove(pfn)
            let s = zone.snapshot()
            let pieces = (0 ..< g.maxPageOrder).map { pfn + (1 << $0) }.filter { s.pages[$0].isBuddy }
            let flagged = pieces.filter { s.pages[$0].flags.contains(.reported) }
            for b in big { try zone.free(pfn: b, order: g.maxPageOrder) }
            let again = try zone.idle { _ in true }
            let sent = again.filter(\.succeeded).flatMap { $0.ranges.flatMap(\.pfns) }
            let rereported = sent.filter { discarded.contains($0) }.count
            print("\(v.name):")
            print("  reporting settled after \(passes) pass(es); \(big.count) MAX_PAGE_ORDER block(s) allocated, then page \(pfn)")
            print("  split-off buddies: \(pieces.count), still Reported: \(flagged.count)")
            print("  the pass the frees requested sends \(sent.count) pages, \(rereported) of them (\(rereported * 4) KiB) already discarded")
            if !zone.violations.isEmpty {
                failed = true
                zone.violations.forEach { print("  kernel check fired: \($0)") }
            }
        }
        if failed { throw ExitCode(1) }
    }
}
