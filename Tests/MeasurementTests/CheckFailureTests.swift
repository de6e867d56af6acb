// SPDX-License-Identifier: GPL-2.0-only
//
// Checks that fail in a lane come with their kind, the step after which they were seen
// and a minimal replay on new zones. The baseline keeps every check through its API (a
// refused call changes nothing, and exploration of the tiny zones finds no broken
// state), so each failure here comes from a variant of the baseline with a few lines of
// its text taken out, built on demand like any variant, and driven side by side with
// the baseline on tiny16 (the scenarios of WasteCauseTests: the first pass reports 0+8
// and leaves the order-3 list [8, 0 Reported]).

@testable import Measurement
import BuddyPort
import Testing

@Suite("Failed checks and their replays")
struct CheckFailureTests {
    /// page_reporting_drain() without `if (!reported) continue;` (mm/page_reporting.c:133
    /// in 7.3.4): a block the host refused is flagged Reported all the same.
    static func drainFlagsFailedCalls() throws -> BrokenVariant {
        try BrokenVariant("drain flags failed calls", file: "port/mm/page_reporting.c",
                          removing: "\t\tif (!reported)\n\t\t\tcontinue;\n\n")
    }

    /// __del_page_from_free_list() without `if (page_reported(page))
    /// __ClearPageReported(page);` (mm/page_alloc.c:855 in 7.3.4): a block taken off its
    /// list keeps PG_reported.
    static func deleteKeepsTheFlag() throws -> BrokenVariant {
        try BrokenVariant("delete keeps PG_reported", file: "port/mm/page_alloc.c",
                          removing: "\tif (page_reported(page))\n\t\t__ClearPageReported(page);\n\n")
    }

    // drainFlagsFailedCalls: the first pass reports 0+8 (accepted, flagged as in the
    // baseline). An order-3 allocation takes 8; freeing it puts it back at the head and
    // requests the second pass, which takes 8+8 (0+8 is Reported) and sends it; the host
    // fails the call, and the drain flags 8+8 all the same:
    //
    //   pfn   0 ...           7   8 ...           15
    //        [ Reported, held  ] [ Reported, NOT held ]
    //
    // Soundness fails after step 4, in the variant only. The minimal replay is the
    // failed call alone: on a new zone registration's pass sends 0+8, the host fails it
    // and the drain flags it. The two differ first after step 4 too, in the page flags
    // only (both sent the same failed call), with the same replay.
    @Test func soundness() throws {
        let broken = try Self.drainFlagsFailedCalls()
        let steps = [idle, allocate(3), .free(pfn: 8, order: 3), .idle(failing: [0])]
        let r = try sideBySide(steps, against: broken.variant, audit: false)
        #expect(r.base.failures == [])
        #expect(r.variant.failures == [CheckFailure(
            kind: .soundness, step: 4,
            what: "block 8+8 is PG_reported but the host does not hold pfn 8 as discarded",
            violation: nil, replay: [.idle(failing: [0])])])
        #expect(r.firstDifference == Difference(step: 4, observables: [.pageFlags], operation: .idle(failing: [0]),
                                                base: "reported [8+8] (failed)", variant: "reported [8+8] (failed)",
                                                replay: [.idle(failing: [0])]))
    }

    // deleteKeepsTheFlag, through the isolation path: after the first pass an order-0
    // allocation takes 8 (the head) and freeing it merges it back, which requests a
    // pass but runs none. Isolating pageblock 1 takes the Reported 0+8 off its list,
    // flag kept, and split_large_buddy() frees 0+4 with it: VM_BUG_ON_PAGE(page->flags.f
    // & PAGE_FLAGS_CHECK_AT_PREP) in __free_one_page() fires on pfn 0 (mm/page_alloc.c:953
    // in 7.3.4, port line 378, 375 with the three lines out). The recorded condition is
    // the macro's argument as the preprocessor hands it on, PAGE_FLAGS_CHECK_AT_PREP
    // expanded (port/linux_defs.h; no LRU generation bits). 0+4 stays Reported and the
    // host holds it: no other check fails. The minimal replay is the pass and the
    // isolation; the allocation and the free do not matter.
    @Test func kernelCheckOnIsolation() throws {
        let broken = try Self.deleteKeepsTheFlag()
        let steps = [idle, allocate(0), .free(pfn: 8, order: 0), .isolate(pageblock: 1)]
        let r = try sideBySide(steps, against: broken.variant, audit: false)
        let check = Violation(check: "VM_BUG_ON_PAGE",
                              condition: "page->flags.f & ((((1UL << __NR_PAGEFLAGS) - 1) & ~(1UL << PG_hwpoison)) | 0UL | 0UL)",
                              file: "port/mm/page_alloc.c", function: "__free_one_page", line: 375, pfn: 0)
        #expect(broken.line(of: "VM_BUG_ON_PAGE(page->flags.f & PAGE_FLAGS_CHECK_AT_PREP, page);") == 375)
        #expect(r.base.failures == [])
        #expect(r.variant.failures == [CheckFailure(kind: .kernelCheck, step: 4, what: check.description,
                                                    violation: check, replay: [idle, .isolate(pageblock: 1)])])
        #expect(r.firstDifference?.step == 4)
        #expect(r.firstDifference?.replay == [idle, .isolate(pageblock: 1)])
    }

    // deleteKeepsTheFlag, through the allocation path: after the first pass an order-3
    // allocation takes 8 and an order-0 one takes the Reported 0+8, whose head keeps the
    // flag; check_new_pages() finds it: bad_page() in check_new_page_bad()
    // (mm/page_alloc.c:1765-1766 in 7.3.4, port lines 595-596, 592-593 with the three
    // lines out; clang's __LINE__ in a call spread over two lines is the line that
    // closes it, 593), "PAGE_FLAGS_CHECK_AT_PREP flag(s) set", pfn 0. The port hands the
    // page out all the same, and the zone's invariants fail on the same step: pfn 0 is
    // PG_reported and heads no free block. No operation of the three can go from either
    // replay: without the pass nothing is Reported, without the order-3 allocation the
    // order-0 one takes 8, and without the order-0 one nothing is handed out flagged.
    @Test func kernelCheckAndInvariantOnAllocation() throws {
        let broken = try Self.deleteKeepsTheFlag()
        let steps = [idle, allocate(3), allocate(0)]
        let r = try sideBySide(steps, against: broken.variant, audit: false)
        let check = Violation(check: "bad_page", condition: "PAGE_FLAGS_CHECK_AT_PREP flag(s) set",
                              file: "port/mm/page_alloc.c", function: "check_new_page_bad", line: 593, pfn: 0)
        #expect(broken.line(of: "page_bad_reason(page, PAGE_FLAGS_CHECK_AT_PREP));") == 593)
        #expect(r.base.failures == [])
        #expect(r.variant.failures == [
            CheckFailure(kind: .kernelCheck, step: 3, what: check.description, violation: check, replay: steps),
            CheckFailure(kind: .invariant, step: 3, what: "pfn 0 is PG_reported but no free block starts there",
                         violation: nil, replay: steps),
        ])
    }
}
