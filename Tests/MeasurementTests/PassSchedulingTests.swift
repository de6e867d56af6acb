// SPDX-License-Identifier: GPL-2.0-only
//
// Reporting passes run when the kernel runs them, as a lane sees them: what each idle
// step sent, and the reporting state after each step (mm/page_reporting.c in 7.3.4:
// __page_reporting_request() at 110 and 396, the budget at 188 and 201, the state's
// return to idle at 352).

@testable import Measurement
import BuddyPort
import Testing

@Suite("Reporting passes as the kernel schedules them")
struct PassSchedulingTests {
    // tiny64: 64 pages, pageblocks of 8, MAX_PAGE_ORDER 4, reporting from order 2, 2
    // entries per report() call; a pass runs while more than 2 << 2 = 8 pages are free.
    // Boot leaves four order-4 blocks, 0, 16, 32, 48. An order-0 allocation takes pfn
    // 0 and leaves its pieces (none of them Reported):
    //
    //   pfn   0   1   2 3   4 .. 7    8 ...... 15   16+16  32+16  48+16
    //        [A] [o0] [o1] [  o2  ]  [    o3    ]   [ o4 ] [ o4 ] [ o4 ]
    //
    // 1. The allocation requests nothing; registration's request is still queued.
    // 2. The first pass takes 4+4 (order 2) and 8+8 (order 3), which fill the
    //    scatterlist, and sends them when it meets 16 on the order-4 list: the order-4
    //    list's budget, DIV_ROUND_UP(3 blocks, 2 * 16) = 1, drops to 0. It takes 16 and
    //    32, sends them on meeting 48 (budget -1), and meets 48 again with the budget
    //    below 0: it sets the state back to requested and stops, so the pass queues
    //    itself again. Sent: [8+8, 4+4] [32+16, 16+16], 44 pages.
    // 3. The second pass (queued by the first) skips the Reported blocks and sends
    //    [48+16] as its leftover; the state goes back to idle.
    // 4. Nothing is queued: the idle step runs nothing.
    // 5-6. An order-0 allocation takes pfn 1 and requests nothing.
    // 7-8. Freeing pfn 1 leaves it at order 0 (its buddy 0 is allocated), below the
    //    reporting order: nothing requested.
    // 9. Freeing pfn 0 merges 1, 2+2, the Reported 4+4 and 8+8 (both lose the flag)
    //    into 0+16 at the head of the order-4 list, and requests a pass.
    // 10. The pass sends [0+16]: 12 pages again (4-15, merged with a freed buddy); 1-3
    //    were never reported (1 was handed out since, 2+2 sat below order 2).
    @Test func passesRunWhenRequested() throws {
        let steps: [Operation] = [allocate(0), idle, idle, idle, allocate(0), idle, .free(pfn: 1, order: 0), idle,
                                  .free(pfn: 0, order: 0), idle]
        var lane = try Lane(variant: .baseline, geometry: .tiny64,
                            workload: ScriptedWorkload(name: "schedule", steps: steps), audit: true)
        var sent: [[[PfnRange]]] = []
        var queued: [Bool] = []
        var states: [ReportingState] = []
        var results: [Outcome] = []
        for op in steps {
            let record = try lane.take(op)
            if case .reported(let batches) = record.outcome {
                #expect(batches.allSatisfy { $0.succeeded })
                sent.append(batches.map(\.ranges))
            } else {
                results.append(record.outcome)
            }
            queued.append(record.workQueued)
            states.append(record.reporting)
        }
        func r(_ pfn: Int, _ order: Int) -> PfnRange { PfnRange(pfn: pfn, order: order) }
        #expect(results == [.allocated(0), .allocated(1), .done, .done])
        #expect(sent == [[[r(8, 3), r(4, 2)], [r(32, 4), r(16, 4)]], [[r(48, 4)]], [], [], [], [[r(0, 4)]]])
        #expect(queued == [true, true, false, false, false, false, false, false, true, false])
        #expect(states == [.requested, .requested, .idle, .idle, .idle, .idle, .idle, .idle, .requested, .idle])
        #expect(lane.metrics.passes == [pass(reported: 44, batches: 2), pass(reported: 16),
                                        pass(reported: 16, rereported: 12)])
        #expect(lane.metrics.rereportedByCause == [merged: 12])
        #expect(lane.metrics.failures == [])
    }
}
