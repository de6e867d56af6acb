// SPDX-License-Identifier: GPL-2.0-only
//
// The differential generator's operations on two variants: how many seeds' runs differ
// and where the first difference is.

@testable import Measurement
import BuddyPort
import Differential
import Testing
import TestVariants

@Suite("Campaigns of two variants")
struct CampaignTests {
    /// The first step (1-based) at which the baseline, given the generator's operations
    /// for `seed`, hands out the head of a free block that was Reported and larger than
    /// asked, nil when none does within `operations`. Until then the seed runs the same
    /// code on the same state; at that step its expand() marks the pieces, which is the
    /// first thing the two show differently (split_large_buddy()'s marking never runs:
    /// the free path clears the flags of the pages it frees, and isolation takes the
    /// block off its list, which clears the flag, before handing it over).
    static func firstReportedSplit(seed: UInt64, geometry: Geometry, operations: Int) throws -> Int? {
        var generator = OperationGenerator(geometry: geometry, seed: seed)
        var lane = try Lane(variant: .baseline, geometry: geometry,
                            workload: ScriptedWorkload(name: "scan", steps: []), invariantInterval: Int.max)
        var live = LiveSet(pages: geometry.zonePages)
        for step in 1 ... operations {
            let op = generator.next(live: live)
            let before = lane.zone.pages(in: 0 ..< geometry.zonePages)
            let outcome = try lane.take(op).outcome
            if case .allocated(let pfn?) = outcome, case .allocate(let order, _, _) = op {
                live.insert(pfn: pfn, order: order)
                if before[pfn].isBuddy && before[pfn].flags.contains(.reported) && before[pfn].order > order {
                    return step
                }
            }
            if case .free(let pfn, _) = op, outcome == .done { live.remove(pfn: pfn) }
        }
        return nil
    }

    // Three seeds of 400 operations on tiny64, baseline against itself: no run differs,
    // no observable differs in any step, no check fails.
    @Test func baselineAgainstItself() throws {
        let r = try Campaign.run(base: .baseline, variant: .baseline, geometry: .tiny64, geometryName: "tiny64",
                                 seeds: 1 ..< 4, operations: 400)
        #expect(r.operations == 1200)
        #expect(r.runsDiffering == 0)
        #expect(r.stepsDiffering == [:])
        #expect(r.first == nil && r.firstSeedDiffering == nil)
        #expect(r.failures == [])
    }

    // Seeds 1-8 of 20 operations on tiny64, baseline against the seed. The baseline
    // first hands out the head of a larger Reported block at step 12 (seed 1), 4 (2),
    // 4 (3), 2 (4), 31 (5), 5 (6), 2 (7) and 23 (8): six runs differ within 20
    // operations, and the first difference is seed 1's, at step 12, in the page flags
    // alone, both variants having allocated the same pfn. Its replay shows it on its
    // last operation; the seed fails no check.
    @Test func againstTheSeed() throws {
        let seeds: Range<UInt64> = 1 ..< 9
        let seed = try TestVariant.seed.variant()
        let splits = try seeds.map { try Self.firstReportedSplit(seed: $0, geometry: .tiny64, operations: 40) }
        #expect(splits == [12, 4, 4, 2, 31, 5, 2, 23])

        let r = try Campaign.run(base: .baseline, variant: seed, geometry: .tiny64, geometryName: "tiny64",
                                 seeds: seeds, operations: 20)
        #expect(r.runsDiffering == 6)
        #expect(r.firstSeedDiffering == 1)
        let first = try #require(r.first)
        #expect(first.step == 12)
        #expect(first.observables == [.pageFlags])
        #expect(first.base == first.variant)
        guard case .allocate = first.operation else { Issue.record("\(first.operation)"); return }
        let replayed = try Replay.firstDifference(first.replay, base: .baseline, variant: seed, geometry: .tiny64)
        #expect(replayed?.index == first.replay.count - 1)
        #expect(r.failures == [])
    }
}
