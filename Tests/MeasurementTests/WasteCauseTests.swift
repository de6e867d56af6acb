// SPDX-License-Identifier: GPL-2.0-only
//
// Every re-reported page is counted under the event that took PG_reported off it, with
// reporting passes run when the kernel runs them. The scenarios run on tiny16 (16 pages,
// pageblocks of 4, MAX_PAGE_ORDER 3, reporting from order 1, 2 entries per report()
// call) unless they say otherwise. Boot frees two order-3 blocks, 0 and 8, in that list
// order, and page_reporting_register() requests the first pass (mm/page_reporting.c:396
// in 7.3.4). After that a pass is requested only by a free that leaves a block of order
// >= 1 on a list (page_reporting_notify_free(), mm/page_alloc.c:1028); allocations, the
// putbacks of a pass and of an unisolation (FPI_SKIP_REPORT_NOTIFY) request none, and an
// idle step with nothing requested runs nothing.
//
// All watermarks are 0: a pass runs while more than capacity << order = 4 pages are free
// (mm/page_reporting.c:276), and __isolate_free_page() takes a block only while more
// than its size is free (mm/page_alloc.c:3155). With the zone all free the first pass
// takes 0+8 and leaves 8+8 (8 free is not more than 8): it reports 0+8 and the drain
// puts it back at the tail, flagged:
//
//   order-3 list after the first pass:  [ 8 ] [ 0 Reported ]

@testable import Measurement
import BuddyPort
import Testing
import TestVariants

@Suite("Causes of re-reported pages")
struct WasteCauseTests {
    // The first pass (registration's) reports 0+8. An order-3 allocation takes 8, the
    // head of the order-3 list; an order-0 allocation (A) then takes 0 and splits the
    // Reported block:
    //
    //   pfn   0   1   2 3   4 5 6 7   8 ...          15
    //        [A] [1] [ 2 ] [   4   ] [ allocated      ]
    //
    // baseline: the pieces 1 (order 0, below the reporting order), 2 and 4 lose the
    // flag (expand() does not set it). seed: expand() marks the three pieces Reported.
    // Freeing 8 (order 3) requests the second pass. Baseline: it takes 2+2 (order 1)
    // and 4+4 (order 2), which fill the scatterlist, sends them when it meets 8 on the
    // order-3 list, then takes 8 and sends it as the leftover: [4+4, 2+2] [8+8],
    // 14 pages, 6 of them again (split); 1+1 stays below the reporting order. Seed: the
    // pieces are skipped as Reported; it sends [8+8] only.
    // Freeing A merges everything back into 0+8 at the head of the order-3 list and
    // requests the third pass, which takes 0+8 (8+8 is Reported, skipped) and re-reports
    // pfns 1-7: baseline 1 page split (below reporting order) and 6 merged (the merge
    // took the flag the second pass had put on 2+2 and 4+4), seed 7 merged.
    // Pages handed out that the host had discarded: pfn 0 only, in both.
    @Test func splitByAnAllocation() throws {
        let steps = [idle, allocate(3), allocate(0), .free(pfn: 8, order: 3), idle, .free(pfn: 0, order: 0), idle]
        let seed = try TestVariant.seed.variant()
        let base = try scripted(.baseline, Array(steps.prefix(3)))
        #expect(base.live.map(\.pfn) == [8, 0])
        #expect(causes(base, 0 ..< 9) == [nil, splitBelow, split, split, split, split, split, split, nil])
        let patched = try scripted(seed, Array(steps.prefix(3)))
        #expect(patched.live.map(\.pfn) == [8, 0])
        #expect(causes(patched, 0 ..< 16).allSatisfy { $0 == nil })

        let result = try sideBySide(steps, against: seed)
        #expect(result.base.passes == [pass(reported: 8), pass(reported: 14, rereported: 6, batches: 2),
                                       pass(reported: 8, rereported: 7)])
        #expect(result.base.rereportedByCause == [split: 6, splitBelow: 1, merged: 6])
        #expect(result.variant.passes == [pass(reported: 8), pass(reported: 8), pass(reported: 8, rereported: 7)])
        #expect(result.variant.rereportedByCause == [merged: 7])
        #expect(result.savedPages == 6)
        for run in [result.base, result.variant] {
            #expect(run.refaultAllocations == 1 && run.refaultPages == 1)
            #expect(run.failures == [])
        }
    }

    // An order-2 allocation takes 0-3 from 0+8 and leaves 4+4 (order 2) and 8+8. The
    // first pass (registration's) takes 4+4 and stops at 8+8 (8 free is not more than
    // 8): it reports 4+4.
    //
    //   pfn   0 1 2 3   4 5 6 7   8 ...          15
    //        [ alloc ] [Reported] [     free       ]
    //
    // Freeing 0-3 merges the Reported 4+4 into 0+8, which takes the flag off it, and
    // requests the second pass (order 3 >= 1); it reports 0+8, 4 pages again, merged
    // with a freed buddy. The same in both variants: the split was of a block that was
    // not Reported.
    @Test func mergedWithAFreedBuddy() throws {
        let steps: [Operation] = [allocate(2), idle, .free(pfn: 0, order: 2), idle]
        let seed = try TestVariant.seed.variant()
        for variant in [Variant.baseline, seed] {
            let lane = try scripted(variant, Array(steps.prefix(3)))
            #expect(causes(lane, 0 ..< 9) == [nil, nil, nil, nil, merged, merged, merged, merged, nil])
        }
        let result = try sideBySide(steps, against: seed)
        for run in [result.base, result.variant] {
            #expect(run.passes == [pass(reported: 4), pass(reported: 8, rereported: 4)])
            #expect(run.rereportedByCause == [merged: 4])
        }
        #expect(result.firstDifference == nil)
    }

    // After the first pass, isolating pageblock 1 (pfns 4-7) takes the Reported 0+8
    // off its list (which clears the flag) and frees it again in pageblocks through
    // split_large_buddy(), as 0+4 (movable) and 4+4 (isolate list):
    //
    //   pfn   0 1 2 3   4 5 6 7   8 ...          15
    //        [  0+4  ] [iso 4+4] [     8+8        ]
    //
    // 8 pages lose the flag in both variants (the seed's marking in split_large_buddy
    // reads the flag after it was cleared). Freeing 0+4 at order 2 requests the second
    // pass; it reports 0+4 (4 pages again, pageblock isolation) and stops at 8+8.
    // Unisolating merges 4+4 back with 0+4 through __putback_isolated_page(), which
    // takes the flag off 0-3 again (isolation) and requests no pass: the last idle runs
    // nothing, and the host still holds 0-7 with their cause.
    @Test func pageblockIsolation() throws {
        let steps: [Operation] = [idle, .isolate(pageblock: 1), idle, .unisolate(pageblock: 1), idle]
        let seed = try TestVariant.seed.variant()
        for variant in [Variant.baseline, seed] {
            let lane = try scripted(variant, Array(steps.prefix(2)))
            #expect(causes(lane, 0 ..< 9) == Array(repeating: isolation, count: 8) + [nil])
            let whole = try scripted(variant, steps)
            #expect(causes(whole, 0 ..< 9) == Array(repeating: isolation, count: 8) + [nil])
            #expect(!whole.zone.reportingWorkQueued && whole.zone.reportingState == .idle)
        }
        let result = try sideBySide(steps, against: seed)
        for run in [result.base, result.variant] {
            #expect(run.passes == [pass(reported: 8), pass(reported: 4, rereported: 4)])
            #expect(run.rereportedByCause == [isolation: 4])
        }
        #expect(result.firstDifference == nil)
    }

    // The split of splitByAnAllocation, then the second pass fails its first report()
    // call. Baseline: that call holds 4+4 and 2+2 (6 pages); seed: it holds 8+8 (the
    // pieces are Reported). A failed call ends the pass (page_reporting_cycle breaks on
    // err) with nothing requested again, so the idle after it runs nothing; the drain
    // puts the blocks back unflagged and no page changes hands, so the failure takes no
    // flag off a discarded page: the causes stay those of the split. Freeing A merges
    // the pieces into 0+8 and requests the third pass, which reports 0+8: baseline
    // re-reports 1-7 as split (6) and split below the reporting order (1), the seed as
    // merged (7).
    @Test func failedReport() throws {
        let steps = [idle, allocate(3), allocate(0), .free(pfn: 8, order: 3), .idle(failing: [0]), idle,
                     .free(pfn: 0, order: 0), idle]
        let seed = try TestVariant.seed.variant()
        let lane = try scripted(.baseline, Array(steps.prefix(6)))
        #expect(causes(lane, 0 ..< 9) == [nil, splitBelow, split, split, split, split, split, split, nil])
        #expect(!lane.zone.reportingWorkQueued)

        let result = try sideBySide(steps, against: seed)
        #expect(result.base.passes == [pass(reported: 8), pass(reported: 0, failed: 1, failedPages: 6),
                                       pass(reported: 8, rereported: 7)])
        #expect(result.base.rereportedByCause == [split: 6, splitBelow: 1])
        #expect(result.variant.passes == [pass(reported: 8), pass(reported: 0, failed: 1, failedPages: 8),
                                          pass(reported: 8, rereported: 7)])
        #expect(result.variant.rereportedByCause == [merged: 7])
    }

    // x86-64 (reporting at pageblock_order 9, 32 entries per call): the first pass takes
    // 31 of the 32 order-10 blocks (the 32nd would leave 1024 free, not more than its
    // size), sends them in one call and puts them back behind the one left, 31744. An
    // order-10 allocation takes 31744; an order-0 allocation splits the Reported block
    // at 30720 into ten pieces, orders 0 to 9:
    //
    //   pfn  30720 30721 ... 30976      31232            31744
    //        [A]   [o0] ...  [ o8 ]     [  o9, 512  ]    [ allocated, 1024 ]
    //
    // baseline: all ten lose the flag, 511 pages below the reporting order. Freeing
    // 31744 requests the second pass: baseline sends [31744+1024, 31232+512] and
    // re-reports 512 pages (split); the seed keeps the pieces Reported and sends
    // [31744+1024] only. Isolating pageblock 1 (512-1023, inside the Reported block at
    // 0) frees it as two order-9 halves and requests the third pass: both variants
    // re-report 0-511 (isolation).
    @Test func splitOnX86() throws {
        let steps = [idle, allocate(10), allocate(0), .free(pfn: 31744, order: 10), idle,
                     .isolate(pageblock: 1), idle]
        let seed = try TestVariant.seed.variant()
        let base = try scripted(.baseline, Array(steps.prefix(3)), geometry: .x86_64)
        #expect(base.live.map(\.pfn) == [31744, 30720])
        #expect(causes(base, 30720 ..< 31745) == [nil] + Array(repeating: splitBelow, count: 511)
            + Array(repeating: split, count: 512) + [nil])

        let result = try sideBySide(steps, against: seed, geometry: .x86_64)
        #expect(result.base.passes == [pass(reported: 31744), pass(reported: 1536, rereported: 512),
                                       pass(reported: 512, rereported: 512)])
        #expect(result.base.rereportedByCause == [split: 512, isolation: 512])
        #expect(result.variant.passes == [pass(reported: 31744), pass(reported: 1024),
                                          pass(reported: 512, rereported: 512)])
        #expect(result.variant.rereportedByCause == [isolation: 512])
    }

    // The random mix fails report() calls from the generator's stream: in every pass,
    // the calls at the indices the idle step names fail and the others succeed, and the
    // first failed call is the pass's last (a failed call ends the pass).
    @Test func randomMixFailsCalls() throws {
        let seed = try TestVariant.seed.variant()
        var failed = 0
        for variant in [Variant.baseline, seed] {
            var lane = try Lane(variant: variant, geometry: .tiny64, workload: Workloads.all(geometry: .tiny64, seed: 1)[3])
            while let op = lane.nextOperation() {
                let record = try lane.take(op)
                guard case .idle(let failing) = op, case .reported(let batches) = record.outcome else { continue }
                for (i, batch) in batches.enumerated() {
                    #expect(batch.succeeded == !failing.contains(i), "\(variant) step \(lane.metrics.steps)")
                    if !batch.succeeded {
                        failed += 1
                        #expect(i == batches.count - 1, "\(variant) step \(lane.metrics.steps)")
                    }
                }
            }
            #expect(lane.metrics.failures == [])
        }
        #expect(failed > 0)
    }

    // Every re-reported page of every workload is counted under a recorded event: the
    // counts sum to the pages re-reported, and "not recorded" never appears. Each
    // variant's lane runs alone: these are properties of one lane.
    @Test func everyPageHasACauseOnTiny64() throws { try everyPageHasACause(geometry: .tiny64) }

    // x86-64's workloads take minutes in a debug build.
    @Test(.enabled(if: optimizedBuild, "minutes in a debug build"))
    func everyPageHasACauseOnX86() throws { try everyPageHasACause(geometry: .x86_64) }

    func everyPageHasACause(geometry: Geometry) throws {
        for variant in [Variant.baseline, try TestVariant.seed.variant()] {
            for w in Workloads.all(geometry: geometry, seed: 1) {
                let m = try run(w, on: variant, geometry: geometry).metrics
                #expect(m.rereportedByCause.values.reduce(0, +) == m.rereportedPages, "\(w.name) \(variant)")
                #expect(m.rereportedByCause[WasteCause.notRecorded, default: 0] == 0, "\(w.name) \(variant)")
                #expect(m.failures == [], "\(w.name) \(variant)")
            }
        }
    }

    // The record of covered pages, kept by re-reading only the blocks each step can
    // change, equals a read of the whole zone after every step of every workload; every
    // page the host holds as discarded is free, and covered or with its event recorded.
    // Seeds 2 and 3 in the optimised build only (half a minute more in a debug build).
    @Test(arguments: ["tiny16", "tiny64"], optimizedBuild ? [UInt64(1), 2, 3] : [1])
    func coverageRecordIsExact(name: String, seed: UInt64) throws {
        let geometry = name == "tiny16" ? Geometry.tiny16 : .tiny64
        for variant in [Variant.baseline, try TestVariant.seed.variant()] {
            for w in Workloads.all(geometry: geometry, seed: seed) {
                _ = try run(w, on: variant, geometry: geometry, audit: true)
            }
        }
    }

    // The same on x86-64 for the random mix (isolation, failed calls and fallbacks
    // among 4,000 steps; a whole-zone read of 32,768 pages after each).
    @Test(.enabled(if: optimizedBuild, "a whole-zone read after each of 4,000 steps"))
    func coverageRecordIsExactOnX86() throws {
        for variant in [Variant.baseline, try TestVariant.seed.variant()] {
            _ = try run(Workloads.all(geometry: .x86_64, seed: 1)[3], on: variant, geometry: .x86_64, audit: true)
        }
    }
}
