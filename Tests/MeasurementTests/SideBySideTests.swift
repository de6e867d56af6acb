// SPDX-License-Identifier: GPL-2.0-only
//
// Two variants driven side by side: the first step whose observable state differs,
// what differs, a minimal replay of it, and how many steps each observable differed in.

@testable import Measurement
import BuddyPort
import Testing
import TestVariants

@Suite("Variants side by side")
struct SideBySideTests {
    // piecesAtTheHead (RefaultTests.swift), baseline against the seed. Steps 1-4 run
    // the same code in both. Step 5 splits the Reported 32+16: the seed's expand()
    // marks 36+4 and 40+8, so the page flags differ, and only they (same lists, same
    // blocks, same counters, same result). Steps 6 and 7 keep that difference. Step 8:
    // the calls differ ([4+4, 36+4] against [8+8, 4+4]) and the failed drains leave the
    // order-2 and order-3 lists in different orders. Step 9: the allocation hands out 4
    // against 36, which changes the free lists, the free blocks and the flags.
    // The minimal replay: on new zones the first pass reports all four order-4 blocks,
    // and an order-2 allocation then splits the Reported one at the head (16+16); the
    // allocations before the pass are not needed, and neither the pass nor the
    // allocation can go.
    @Test func firstDifferenceOfTheSeed() throws {
        let seed = try TestVariant.seed.variant()
        let r = try sideBySide(piecesAtTheHead, against: seed, geometry: .tiny64, audit: false)
        #expect(r.firstDifference == Difference(step: 5, observables: [.pageFlags], operation: allocate(2),
                                                base: "allocated pfn 32", variant: "allocated pfn 32",
                                                replay: [idle, allocate(2)]))
        #expect(r.stepsDiffering == [Observable.pageFlags.rawValue: 5, Observable.reportedRanges.rawValue: 1,
                                     Observable.freeLists.rawValue: 2, Observable.result.rawValue: 1,
                                     Observable.freeBlocks.rawValue: 1])
        #expect(r.base.failures == [] && r.variant.failures == [])

        // Where the replay shows it, on its own.
        let replayed = try Replay.firstDifference([idle, allocate(2)], base: .baseline, variant: seed, geometry: .tiny64)
        #expect(replayed?.index == 1 && replayed?.observables == [.pageFlags])
    }

    // The same workload, and the random mix, baseline against itself: nothing differs,
    // and both lanes measure the same.
    @Test func baselineAgainstItself() throws {
        let workloads: [any Workload] = [ScriptedWorkload(name: "pieces", steps: piecesAtTheHead),
                                         Workloads.all(geometry: .tiny64, seed: 1)[3]]
        for w in workloads {
            let r = try SideBySide.run(w, base: .baseline, variant: .baseline, geometry: .tiny64,
                                       geometryName: "tiny64", seed: 1)
            #expect(r.firstDifference == nil, "\(w.name)")
            #expect(r.stepsDiffering == [:], "\(w.name)")
            #expect(r.base == r.variant, "\(w.name)")
            #expect(r.savedPages == 0, "\(w.name)")
        }
    }
}
