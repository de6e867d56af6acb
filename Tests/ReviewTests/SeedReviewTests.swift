// SPDX-License-Identifier: GPL-2.0-only
//
// The seed ("mm: page_alloc: propagate PageReported flag across buddy splits") reviewed
// through the same path as any patch, on tiny64 with a short campaign (smallOptions):
// - the split pieces keep the flag: expand()'s added marking runs (hunk 4), fed by
//   page_del_and_expand() (hunk 5) and try_to_claim_block() (hunk 6);
// - split_large_buddy()'s marking (hunk 2) never runs: `reported` is read at its entry,
//   and its callers hand it blocks whose PG_reported is already clear (the free path
//   clears PAGE_FLAGS_CHECK_AT_PREP on every page; isolation takes the block off its
//   list first, and __del_page_from_free_list() clears the flag);
// - the variant re-reports less on every workload that splits Reported blocks, moves
//   the re-reports it keeps to merges, hands out more pages the host had discarded, and
//   stays sound (no kernel check, invariant or soundness failure);
// - the directed probe of hunk 2 finds no run of the generator, on tiny16 or tiny64,
//   that makes `reported` true, and names the callers and what they do just before;
// - the model's rules for this patch agree with the variant.

import Measurement
import Review
import Testing

@Suite("The seed's review")
struct SeedReviewTests {
    @Test func findings() throws {
        let r = try review(["fixtures/patches/seed-archive.txt"])
        #expect(r.verdict == .changed)
        #expect(r.hunks.map(\.function) == ["split_large_buddy", "split_large_buddy", "expand", "expand",
                                            "page_del_and_expand", "try_to_claim_block"])
        #expect(r.hunks.allSatisfy { $0.inPort && $0.applied })
        #expect(r.hunks.map(\.exercised) == [true, false, true, true, true, true])
        #expect(r.hunks[1].notExercised == "port/mm/page_alloc.c:506 `__SetPageReported(page);` never ran: the condition "
                + "`reported` (port/mm/page_alloc.c:505) was never true in 5620 evaluations; split_large_buddy() ran 5442 times")
        #expect(r.hunks[3].branches.map { [$0.trueCount, $0.falseCount] } == [[1666, 3091]])
        #expect(r.hunks[3].addedLines.map(\.text) == ["if (reported)", "__SetPageReported(&page[size]);"])
        #expect(r.hunks.map(\.kernelLines) == [["mm/page_alloc.c:1526-1530"], ["mm/page_alloc.c:1537-1542"],
                                               ["mm/page_alloc.c:1717-1721"], ["mm/page_alloc.c:1737-1742"],
                                               ["mm/page_alloc.c:1747-1754"], ["mm/page_alloc.c:2316-2324"]])

        // Re-reported pages, base then variant, per workload.
        #expect(r.workloads.map { [$0.base.rereportedPages, $0.variant.rereportedPages] } ==
                [[417, 389], [0, 0], [1154, 740], [2497, 2391]])
        #expect(r.workloads.map { $0.variant.rereportedByCause["split by an allocation"] ?? 0 } == [0, 0, 0, 0])
        #expect(r.workloads.map { $0.base.rereportedByCause["split by an allocation"] ?? 0 } == [64, 0, 469, 1273])
        #expect(r.workloads.map { [$0.base.refaultPages, $0.variant.refaultPages] } ==
                [[379, 379], [108, 108], [1498, 1492], [1615, 1753]])
        #expect(r.workloads.allSatisfy { $0.base.failures.isEmpty && $0.variant.failures.isEmpty })
        #expect(r.campaign.failures.isEmpty)
        #expect(r.workloads.map { $0.firstDifference?.observables } == [[.pageFlags], [.pageFlags], [.pageFlags], [.pageFlags]])
        // On new zones: the pass registration requested reports the four order-4 blocks;
        // an order-3 allocation splits one, whose order-3 piece keeps the flag.
        #expect(r.workloads[0].firstDifference?.replay.map(\.description) == [
            ".idle(failing: [])", ".allocate(order: 3, migratetype: .movable, flags: [])"])
        // The probe of hunk 2: no run of the generator on tiny16 or tiny64 makes
        // `reported` true; split_large_buddy()'s callers are free_one_page() and
        // __move_freepages_block_isolate(), the latter just after del_page_from_free_list().
        #expect(r.probes.map(\.hunk) == [2])
        let probe = try #require(r.probes.first)
        #expect([probe.file, "\(probe.line)", probe.text] == ["port/mm/page_alloc.c", "506", "__SetPageReported(page);"])
        #expect(probe.reachedOn == nil && probe.reaching.isEmpty && probe.failures.isEmpty && !probe.differs)
        #expect(probe.operations == 24000)
        #expect(probe.callers.map { "\($0.caller):\($0.line):\($0.count)" } == [
            "free_one_page:547:0", "free_one_page:551:5358", "__move_freepages_block_isolate:813:84"])
        #expect(probe.callers.last?.before.first == "del_page_from_free_list(buddy, zone, order,")
        #expect(probe.findings == ["none could be made: 24000 operations in 40 runs of 300 on each of tiny16 and tiny64 never ran port/mm/page_alloc.c:506",
                                   "in those runs split_large_buddy() ran 8078 times; the condition `reported` (port/mm/page_alloc.c:505) was false in all 8708 evaluations"])
        // In lockstep on tiny16 the first pair that differs is three operations away: an
        // order-1 allocation splits 0+8, the pass reports 2+2, 4+4 and 8+8, an
        // unmovable order-1 allocation splits 8+8, whose pieces 10+2 and 12+4 keep
        // PG_reported in the variant only.
        // (The lockstep exploration runs in the optimised build only.)
        if optimizedBuild {
            let lockstep = try #require(r.lockstep)
            #expect(lockstep.closed == false && lockstep.states >= 1_000_000 && lockstep.violations.isEmpty)
            #expect(lockstep.first?.operations == [".allocate(order: 1, migratetype: .movable, flags: [])", ".idle(failing: [])",
                                                   ".allocate(order: 1, migratetype: .unmovable, flags: [])"])
            #expect(lockstep.first?.differs == [.reportedFlags])
        } else {
            #expect(r.lockstep == nil)
        }
        #expect(r.model?.rules == "propagate-reported-on-split")
        #expect(r.model.map { [$0.seeds, $0.operations] } == [10, 1000])
        #expect(r.model?.divergence == nil)

        let sentences = try #require(r.patches.first?.message)
        #expect(sentences.count == 4)
        #expect(sentences[0].measurements.contains(
            "pages re-reported after an allocation split their Reported block over the 4 workloads on tiny64: "
                + "base 2060, variant 0, -2060 (-100.0%)"))
        #expect(sentences[1].measurements.contains(
            "pages handed out that the host had discarded (a fault each) over the 4 workloads on tiny64: "
                + "base 3600, variant 3732, +132 (+3.7%)"))
        #expect(sentences[2].measurements.contains(
            "re-reported pages the variant saves over the 4 workloads on tiny64: 548, 7.1% of the 7744 pages the base reports"))
    }
}

// Each mutant of the seed (fixtures/patches/mutants/README.md) reviewed against the seed's
// variant comes out broken or changed, as the README says, and where it breaks.
@Suite("The seed's mutants", .enabled(if: optimizedBuild))
struct MutantReviewTests {
    @Test(arguments: [
        ("m1-expand-marks-page.patch", ReviewVerdict.broken, "guest-cycle on tiny64, step 55: kernel check: bad_page(PAGE_FLAGS_CHECK_AT_PREP flag(s) set) in check_new_page_bad, port/mm/page_alloc.c:609 pfn 48"),
        ("m2-expand-marks-nothing.patch", .changed, "guest-cycle on tiny64: first differs after step 55 (page flags)"),
        ("m3-del-and-expand-reads-late.patch", .changed, "guest-cycle on tiny64: first differs after step 55 (page flags)"),
        ("m4-claim-passes-false.patch", .changed, "guest-cycle on tiny64: first differs after step 56 (page flags)"),
        ("m5-split-large-buddy-inverted.patch", .broken, "guest-cycle on tiny64, step 1: soundness: block 4+4 is PG_reported but the host does not hold pfn 4 as discarded"),
        ("m6-del-and-expand-inverted.patch", .broken, "guest-cycle on tiny64, step 2: soundness: block 17+1 is PG_reported but the host does not hold pfn 17 as discarded"),
        ("m7-claim-reads-late.patch", .changed, "guest-cycle on tiny64: first differs after step 56 (page flags)"),
    ])
    func mutant(_ name: String, verdict: ReviewVerdict, firstReason: String) throws {
        let r = try review(["fixtures/patches/mutants/" + name], base: ["fixtures/patches/seed-archive.txt"])
        #expect(r.verdict == verdict)
        #expect(r.reasons.first == firstReason)
    }

    // m1's check is bad_page() in check_new_page_bad(), at the kernel's line; m5 breaks
    // soundness on a new zone before any operation (every block boot frees gets the flag).
    @Test func locations() throws {
        let m1 = try review(["fixtures/patches/mutants/m1-expand-marks-page.patch"], base: ["fixtures/patches/seed-archive.txt"])
        #expect(m1.workloads[0].variant.failures.first?.location == "mm/page_alloc.c:1766 (7.3.4)")
        let m5 = try review(["fixtures/patches/mutants/m5-split-large-buddy-inverted.patch"], base: ["fixtures/patches/seed-archive.txt"])
        #expect(m5.workloads[0].variant.failures.first?.replay == [])
        #expect(m5.workloads[0].variant.failures.dropFirst().first?.location == "mm/page_alloc.c:953 (7.3.4)")
    }
}
