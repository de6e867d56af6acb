// SPDX-License-Identifier: GPL-2.0-only
//
// The review of every fixture patch (fixtures/patches/review/README.md says what each
// does and why it should come out as it does), on tiny64 with a short differential
// campaign (smallOptions): the verdict, what became of each hunk, the first difference
// or the first failed check of each workload with its step, and the shortest replays.
// Workloads, in order: guest-cycle, fragmentation, isolation, random-mix. A debug build
// (the sanitized pass) runs three of them; the optimised build runs all.

import BuddyTypes
import Measurement
import Review
import Testing

@Suite("Reviews of the fixture patches")
struct FixtureReviewTests {
    static let dir = "fixtures/patches/review/"

    // A pure refactor (a local names &page[size] in expand()): every added line runs,
    // 18,454 operations show nothing different, and in the optimised build neither does
    // any of the 924,798 states of tiny16 the lockstep exploration reaches.
    @Test func refactorIsUnchanged() throws {
        let r = try review([Self.dir + "01-expand-name-buddy.patch"])
        #expect(r.verdict == .unchanged)
        if optimizedBuild {
            #expect(r.reasons == ["no difference in 18454 operations and 924798 explored states of tiny16 (all it reaches)"])
            #expect(r.lockstep.map { [$0.states, $0.differing, $0.violations.count] } == [924_798, 0, 0])
            #expect(r.lockstep?.closed == true)
        } else {
            #expect(r.reasons == ["no difference in 18454 operations"])
        }
        #expect(r.hunks.map(\.function) == ["expand", "expand"])
        #expect(r.hunks.map(\.exercised) == [true, true])
        #expect(r.hunks.map(\.kernelLines) == [["mm/page_alloc.c:1721-1726"], ["mm/page_alloc.c:1734-1740"]])
        #expect(r.workloads.allSatisfy { $0.firstDifference == nil && $0.base == $0.variant.with(variant: $0.base.variant) })
        #expect(r.campaign.runsDiffering == 0)
    }

    // fallbacks[] gives unmovable allocations movable blocks first: a file-scope array
    // the port carries; the first allocation that falls back takes another block.
    @Test(.enabled(if: optimizedBuild)) func fallbackOrderIsChanged() throws {
        let r = try review([Self.dir + "02-unmovable-fallback-movable-first.patch"])
        #expect(r.verdict == .changed)
        #expect(r.hunks.map(\.function) == ["(file scope)"])
        #expect(r.hunks.map(\.portLines) == [["port/mm/page_alloc.c:648-652"]])
        #expect(r.workloads.map { $0.firstDifference?.step } == [422, 386, nil, 32])
        #expect(r.workloads[3].firstDifference?.replay.map(\.description) == [
            ".allocate(order: 0, migratetype: .movable, flags: [.noFragment])",
            ".idle(failing: [])",
            ".allocate(order: 0, migratetype: .reclaimable, flags: [.noFragment])",
            ".free(pfn: 48, order: 0)",
            ".allocate(order: 0, migratetype: .unmovable, flags: [])",
        ])
        #expect(r.workloads.allSatisfy { $0.variant.failures.isEmpty })
    }

    // The merged block takes the buddies' PG_reported: the freed pages were never
    // discarded by the host. The isolation workload's replay: an order-2 movable
    // allocation splits block 0; an unmovable one claims block 16 and takes 16+4; the
    // pass registration requested reports the free blocks, 20+4 and 24+8 with them;
    // freeing 16 merges it back into 16+16, which keeps their flag although the host
    // never had pfns 16-19.
    @Test func mergeKeepingTheFlagIsBroken() throws {
        let r = try review([Self.dir + "03-merge-keeps-reported.patch"])
        #expect(r.verdict == .broken)
        #expect(r.hunks.map(\.function) == ["__free_one_page", "__free_one_page", "__free_one_page"])
        #expect(r.workloads.map { $0.variant.failures.map(\.kind) } == [[.soundness], [.soundness], [.soundness], [.soundness]])
        #expect(r.workloads.map { $0.variant.failures.first?.step } == [34, 1771, 7, 12])
        #expect(r.workloads[2].variant.failures[0].what == "block 16+16 is PG_reported but the host does not hold pfn 16 as discarded")
        #expect(r.workloads[2].variant.failures[0].replay.map(\.description) == [
            ".allocate(order: 2, migratetype: .movable, flags: [])",
            ".allocate(order: 2, migratetype: .unmovable, flags: [])",
            ".idle(failing: [])",
            ".free(pfn: 16, order: 2)",
        ])
        #expect(r.workloads.allSatisfy { $0.base.failures.isEmpty })
    }

    // page_reporting_drain() flags pages even after a failed report(): one idle whose
    // second and third calls fail leaves 16+16 Reported although the host refused it.
    @Test(.enabled(if: optimizedBuild)) func flaggingAfterAFailedReportIsBroken() throws {
        let r = try review([Self.dir + "04-drain-fold-error-check.patch"])
        #expect(r.verdict == .broken)
        #expect(r.workloads.map { $0.variant.failures.map(\.kind) } == [[], [], [], [.soundness]])
        #expect(r.workloads[3].variant.failures[0].replay.map(\.description) == [".idle(failing: [1, 2])"])
        #expect(r.campaign.failures.map(\.kind) == [.soundness])
        #expect(r.campaign.failures.map(\.step) == [401])
    }

    // try_to_claim_block() retypes the block before taking it off its list: the list
    // helper's VM_WARN_ONCE fires on the first fallback claim.
    @Test(.enabled(if: optimizedBuild)) func retypeBeforeDeleteTripsAKernelCheck() throws {
        let r = try review([Self.dir + "05-claim-retype-before-delete.patch"])
        #expect(r.verdict == .broken)
        #expect(r.workloads.map { $0.variant.failures.first?.step } == [1, 8, 4, 4])
        let f = r.workloads[0].variant.failures[0]
        #expect(f.kind == .kernelCheck)
        #expect(f.violation?.check == "VM_WARN_ONCE")
        #expect(f.violation?.function == "__del_page_from_free_list")
        #expect(f.replay.map(\.description) == [".allocate(order: 2, migratetype: .reclaimable, flags: [])"])
    }

    @Test(.enabled(if: optimizedBuild)) func stealWithTheWrongTypeTripsAKernelCheck() throws {
        let r = try review([Self.dir + "06-steal-remainder-requester-type.patch"])
        #expect(r.verdict == .broken)
        #expect(r.workloads.map { $0.variant.failures.map(\.kind) } == [[], [.kernelCheck], [.kernelCheck], [.kernelCheck, .invariant]])
        #expect(r.workloads.map { $0.variant.failures.first?.step } == [nil, 96, 769, 1086])
    }

    // page_reporting_process_zone() walks the orders from the highest down: the first
    // pass after an allocation sends its ranges in another order.
    @Test(.enabled(if: optimizedBuild)) func reportingOrderIsChanged() throws {
        let r = try review([Self.dir + "07-report-highest-order-first.patch"])
        #expect(r.verdict == .changed)
        #expect(r.hunks.map(\.kernelFile) == ["mm/page_reporting.c", "mm/page_reporting.c"])
        #expect(r.workloads.map { $0.firstDifference?.step } == [36, 194, 5, 11])
        #expect(r.workloads[0].firstDifference?.observables == [.reportedRanges])
        #expect(r.workloads[0].firstDifference?.replay.map(\.description) == [
            ".allocate(order: 1, migratetype: .movable, flags: [])", ".idle(failing: [])"])
    }

    // One hunk in __rmqueue_claim (ported), one in __alloc_pages_slowpath (not).
    @Test(.enabled(if: optimizedBuild)) func partlyOutsideThePort() throws {
        let r = try review([Self.dir + "08-nofragment-half-pageblock.patch"])
        #expect(r.verdict == .changed)
        #expect(r.hunks.map(\.function) == ["__rmqueue_claim", "__alloc_pages_slowpath"])
        #expect(r.hunks.map(\.inPort) == [true, false])
        #expect(r.hunks.map(\.applied) == [true, false])
        #expect(r.hunks.map(\.exercised) == [true, nil])
        #expect(r.hunks[1].notModelled == ["hunk lines 4-5: __alloc_pages_slowpath is not in the port"])
        #expect(r.workloads.map { $0.firstDifference?.step } == [nil, 171, nil, 581])
    }

    // Split pieces go to the list's tail, but expand() only ever adds them to lists it
    // finds empty, so nothing changes.
    @Test(.enabled(if: optimizedBuild)) func tailInsteadOfHeadIsUnchanged() throws {
        let r = try review([Self.dir + "09-expand-split-buddies-to-tail.patch"])
        #expect(r.verdict == .unchanged)
        #expect(r.hunks.map(\.exercised) == [true])
        #expect(r.lockstep.map { [$0.states, $0.differing] } == [924_798, 0])
    }

    // Reverts of three merged patches: each is unchanged on tiny64 and in every state of
    // tiny16 the lockstep exploration reaches (r2's bug needs
    // MAX_PAGE_ORDER >= pageblock_order + 2, which tiny64 does not have).
    @Test(.enabled(if: optimizedBuild), arguments: ["r1-revert-split-large-buddy-pfn-to-page.patch",
                                                    "r2-revert-change-all-pageblocks-migratetype.patch",
                                                    "r3-revert-page-reporting-stale-list-head.patch"])
    func revertsAreUnchanged(_ name: String) throws {
        let r = try review([Self.dir + name])
        #expect(r.verdict == .unchanged)
        #expect(r.hunks.allSatisfy { $0.applied && $0.exercised == true })
        #expect(r.lockstep.map { [$0.states, $0.differing] } == [924_798, 0])
    }

    // A real debugging patch calls pr_warn() and current, which the port does not have:
    // the variant does not compile, and the review says so in one line.
    @Test func aPatchThatDoesNotCompile() {
        #expect(throws: ReviewError.self) { try review([Self.dir + "real/debug-freelist-migratetype.eml"]) }
        do {
            _ = try review([Self.dir + "real/debug-freelist-migratetype.eml"])
        } catch {
            #expect("\(error)" == "clang: port/mm/page_alloc.c:270:44: error: use of undeclared identifier 'current'")
        }
    }
}

extension LaneMetrics {
    /// These metrics under another variant's name, to compare two lanes' numbers.
    func with(variant: Variant) -> LaneMetrics {
        var copy = self
        copy.variant = variant
        return copy
    }
}
