// SPDX-License-Identifier: GPL-2.0-only
//
// Every re-reported page is counted under the event that took PG_reported off it. The
// scenarios run on tiny16 (16 pages, pageblocks of 4, MAX_PAGE_ORDER 3, reporting from
// order 1, 2 entries per report() call). Boot frees two order-3 blocks, 0 and 8, in that
// list order. A pass stops isolating blocks once taking the next one would leave no
// more free pages than the block's size (__isolate_free_page's watermark check), so
// with the zone all free one pass reports one of them: the first 0+8, the second 8+8,
// and the list is 0, 8 again.

@testable import Semantics
import BuddyPort
import Testing

/// Runs `steps` on one variant with the coverage audit on, and returns the lane.
func scripted(_ variant: Variant, _ steps: [WorkloadStep], geometry: Geometry = .tiny16,
              sourceLocation: SourceLocation = #_sourceLocation) throws -> Lane {
    var lane = try Lane(variant: variant, geometry: geometry,
                        workload: ScriptedWorkload(name: "scripted", steps: steps))
    lane.audit = true
    while try lane.step() != nil {}
    #expect(lane.zone.violations == [], sourceLocation: sourceLocation)
    return lane
}

/// The recorded cause of each pfn in `pfns`, nil where there is none.
func causes(_ lane: Lane, _ pfns: Range<Int>) -> [String?] {
    pfns.map { lane.host.cause(at: $0)?.description }
}

let split = WasteCause(event: .split, belowReportingOrder: false).description
let splitBelow = WasteCause(event: .split, belowReportingOrder: true).description
let merged = WasteCause(event: .freeMerge, belowReportingOrder: false).description
let isolation = WasteCause(event: .isolation, belowReportingOrder: false).description

@Suite("Causes of re-reported pages")
struct WasteCauseTests {
    static let report = WorkloadStep.report(failing: [])
    static let allocate0 = WorkloadStep.allocate(order: 0, migratetype: .movable, flags: [])

    // After two passes an order-0 allocation takes pfn 0 and splits that Reported
    // block:
    //
    //   pfn   0   1   2 3   4 5 6 7   8 ...          15
    //        [A] [1] [ 2 ] [   4   ] [ Reported order 3 ]
    //
    // baseline: the pieces 1 (order 0, below the reporting order), 2 and 4 lose the
    // flag; the next pass re-reports 4+4 and 2+2 (6 pages, split) and leaves 1.
    // patched: the pieces keep it; the next pass sends nothing.
    // Freeing A merges everything back into 0+8 and takes the flag off 2 and 4 (both
    // variants) and 1 (patched); the last pass re-reports pfns 1-7:
    // baseline 1 page split (below reporting order) and 6 merged, patched 7 merged.
    @Test func splitByAnAllocation() throws {
        let steps = [Self.report, Self.report, Self.allocate0, Self.report, .free(pfn: 0, order: 0), Self.report]
        let base = try scripted(.baseline, Array(steps.prefix(3)))
        #expect(base.live.map(\.pfn) == [0])
        #expect(causes(base, 0 ..< 9) == [nil, splitBelow, split, split, split, split, split, split, nil])
        let patched = try scripted(.patched, Array(steps.prefix(3)))
        #expect(causes(patched, 0 ..< 16).allSatisfy { $0 == nil })

        let result = try SemanticsRunner.run(ScriptedWorkload(name: "split", steps: steps),
                                             geometry: .tiny16, geometryName: "tiny16", seed: 0, audit: true)
        #expect(result.baseline.passes.map(\.rereportedPages) == [0, 0, 6, 7])
        #expect(result.baseline.rereportedByCause == [split: 6, splitBelow: 1, merged: 6])
        #expect(result.patched.passes.map(\.rereportedPages) == [0, 0, 7])
        #expect(result.patched.rereportedByCause == [merged: 7])
    }

    // An order-2 allocation takes 0-3 and leaves 4+4; the pass reports 4+4 (8+8 would
    // leave too little free).
    // Freeing 0-3 merges the Reported 4+4 into 0+8: both variants re-report 4 pages
    // merged with a freed buddy.
    @Test func mergedWithAFreedBuddy() throws {
        let steps: [WorkloadStep] = [.allocate(order: 2, migratetype: .movable, flags: []), Self.report,
                                     .free(pfn: 0, order: 2), Self.report]
        for variant in Variant.allCases {
            let lane = try scripted(variant, Array(steps.prefix(3)))
            #expect(causes(lane, 0 ..< 9) == [nil, nil, nil, nil, merged, merged, merged, merged, nil])
        }
        let result = try SemanticsRunner.run(ScriptedWorkload(name: "merge", steps: steps),
                                             geometry: .tiny16, geometryName: "tiny16", seed: 0, audit: true)
        for run in [result.baseline, result.patched] {
            #expect(run.passes.map(\.reportedPages) == [4, 8])
            #expect(run.rereportedByCause == [merged: 4])
        }
    }

    // After two passes, isolating pageblock 1 (pfns 4-7) splits the Reported 0+8 into
    // 0+4 and 4+4 (the latter on the isolate list): 8 pages lose the flag in both
    // variants. The pass re-reports 0+4; unisolating merges 4+4 back with it, and the
    // last pass re-reports 0+8: 12 pages, all pageblock isolation.
    @Test func pageblockIsolation() throws {
        let steps: [WorkloadStep] = [Self.report, Self.report, .isolate(1), Self.report, .unisolate(1), Self.report]
        for variant in Variant.allCases {
            let lane = try scripted(variant, Array(steps.prefix(3)))
            #expect(causes(lane, 0 ..< 9) == Array(repeating: isolation, count: 8) + [nil])
        }
        let result = try SemanticsRunner.run(ScriptedWorkload(name: "isolation", steps: steps),
                                             geometry: .tiny16, geometryName: "tiny16", seed: 0, audit: true)
        for run in [result.baseline, result.patched] {
            #expect(run.passes.map(\.rereportedPages) == [0, 0, 4, 8])
            #expect(run.rereportedByCause == [isolation: 12])
        }
    }

    // After the split of splitByAnAllocation, the baseline's next pass fails its only
    // batch (4+4 and 2+2): the host discards nothing, the blocks go back unflagged, and
    // no page changes hands, so the failure takes no flag off. The pass after re-reports
    // the 6 pages under the event that took the flag off them: the split.
    @Test func failedReport() throws {
        let steps = [Self.report, Self.report, Self.allocate0, .report(failing: [0]), Self.report]
        let result = try SemanticsRunner.run(ScriptedWorkload(name: "failed", steps: steps),
                                             geometry: .tiny16, geometryName: "tiny16", seed: 0, audit: true)
        let b = result.baseline
        #expect(b.passes.map(\.batches) == [1, 1, 1, 1])
        #expect(b.passes.map(\.failedBatches) == [0, 0, 1, 0])
        #expect(b.passes.map(\.failedPages) == [0, 0, 6, 0])
        #expect(b.passes.map(\.reportedPages) == [8, 8, 0, 6])
        #expect(b.rereportedByCause == [split: 6])
        #expect(result.patched.passes.map(\.batches) == [1, 1])
        #expect(result.patched.rereportedByCause == [:])
        let lane = try scripted(.baseline, Array(steps.prefix(4)))
        #expect(causes(lane, 0 ..< 9) == [nil, splitBelow, split, split, split, split, split, split, nil])
    }

    // The random mix fails batches from the generator's stream, the same in both
    // variants while they agree; a failed batch ends its pass.
    @Test func randomMixFailsBatches() throws {
        let r = try SemanticsRunner.run(Workloads.all(geometry: .tiny64, seed: 1)[3], geometry: .tiny64,
                                        geometryName: "tiny64", seed: 1)
        #expect(r.baseline.failedBatches > 0 && r.patched.failedBatches > 0)
        for run in [r.baseline, r.patched] {
            #expect(run.passes.allSatisfy { $0.failedBatches <= 1 })
        }
    }

    // Every re-reported page of every workload is counted under a recorded event: the
    // counts sum to the pages re-reported, and "not recorded" never appears.
    @Test func everyPageHasACauseOnTiny64() throws { try everyPageHasACause(name: "tiny64", geometry: .tiny64) }

    // x86-64's workloads take minutes in a debug build.
    @Test(.enabled(if: optimizedBuild, "minutes in a debug build"))
    func everyPageHasACauseOnX86() throws { try everyPageHasACause(name: "x86-64", geometry: .x86_64) }

    func everyPageHasACause(name: String, geometry: Geometry) throws {
        for w in Workloads.all(geometry: geometry, seed: 1) {
            let r = try SemanticsRunner.run(w, geometry: geometry, geometryName: name, seed: 1)
            for run in [r.baseline, r.patched] {
                #expect(run.rereportedByCause.values.reduce(0, +) == run.rereportedPages, "\(w.name) \(run.variant)")
                #expect(run.rereportedByCause[WasteCause.notRecorded, default: 0] == 0, "\(w.name) \(run.variant)")
            }
        }
    }

    // The record of covered pages, kept by re-reading only the blocks each step can
    // change, equals a read of the whole zone after every step of every workload; every
    // page the host holds as discarded is free, and covered or with its event recorded.
    @Test(arguments: ["tiny16", "tiny64"], [UInt64(1), 2, 3])
    func coverageRecordIsExact(name: String, seed: UInt64) throws {
        let geometry = name == "tiny16" ? Geometry.tiny16 : .tiny64
        for w in Workloads.all(geometry: geometry, seed: seed) {
            _ = try SemanticsRunner.run(w, geometry: geometry, geometryName: name, seed: seed, audit: true)
        }
    }

    // The same on x86-64 for the random mix (isolation, failed batches and fallbacks
    // among 4,000 steps; a whole-zone read of 32,768 pages after each).
    @Test(.enabled(if: optimizedBuild, "a whole-zone read after each of 4,000 steps"))
    func coverageRecordIsExactOnX86() throws {
        let w = Workloads.all(geometry: .x86_64, seed: 1)[3]
        _ = try SemanticsRunner.run(w, geometry: .x86_64, geometryName: "x86-64", seed: 1, audit: true)
    }
}
