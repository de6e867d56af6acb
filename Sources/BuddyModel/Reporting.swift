// SPDX-License-Identifier: GPL-2.0-only
//
// Free page reporting: when passes run (page_reporting_register(), the request state
// machine, page_reporting_process()) and what one pass over the zone does
// (page_reporting_process_zone()).
//
// The rules, when:
// - Registering the device (once the zone is up) requests the first pass.
// - A block that the free path leaves on a list with an order of at least
//   page_reporting_order requests a pass, unless the device is not registered yet or the
//   block is put back by a pass or an unisolation (no notification). A request while one
//   is pending does nothing; a request while a pass is under way is remembered.
// - The first request after idle queues the delayed work; it runs when the guest idles.
//   The work marks the device active, runs one pass, then goes back to idle unless a
//   request arrived meanwhile (a list whose budget ran out makes one), in which case it
//   queues itself again.
//
// The rules, one pass:
// - Nothing happens unless free pages exceed capacity << page_reporting_order.
// - Lists are visited by rising order from page_reporting_order, and within an order by
//   migratetype, skipping the isolate lists.
// - On one list the walk goes head to tail, remembering each member's successor before
//   handling it. PG_reported members are passed over. A list gets ceil(nr_free of its
//   order / (capacity * 16)) reports, plus one; when they are spent the walk stops at the
//   next unreported member and requests another pass. While the scatterlist has room, each unreported member is taken
//   out (the walk stops there if the watermark refuses) and stored from the last slot down.
//   When it is full, the member at hand is rotated to the list's head, the whole list of
//   slots is reported, drained, and the walk restarts from the head. A failed report ends
//   the pass. When the walk stops early, the member it stopped at is rotated to the head.
// - After the last list, the filled slots are reported together.
// - Draining returns the blocks in slot order to the tails of the lists of their
//   pageblocks' types, merging as freeing does; after a successful report a block that is
//   still free with its own order is marked PG_reported.
// - A successful report adds the batch's pfns to what the host discarded.

extension BuddyModel {
    /// page_reporting_register() after boot.
    mutating func registerReporting() {
        reportingState = .idle
        request()
        registered = true
    }

    /// page_reporting_notify_free() for a block of `order` left on a free list.
    mutating func notifyFree(order: Int) {
        guard registered, order >= reportingOrder else { return }
        request()
    }

    /// __page_reporting_request().
    mutating func request() {
        if reportingState == .requested { return }
        let old = reportingState
        reportingState = .requested
        if old != .idle { return }
        workQueued = true
    }

    /// page_reporting_process(), run by the queued work when the guest idles.
    mutating func runQueuedWork(host: HostReport) -> [ReportBatch] {
        guard workQueued else { return [] }
        workQueued = false
        reportingState = .active
        let batches = runReportingPass(host: host)
        if reportingState == .active {
            reportingState = .idle
        } else if reportingState == .requested {
            workQueued = true
        }
        return batches
    }

    mutating func runReportingPass(host: HostReport) -> [ReportBatch] {
        var batches: [ReportBatch] = []
        var slots = [PfnRange](repeating: PfnRange(pfn: 0, order: 0), count: capacity)
        var offset = capacity
        guard freePagesExceed(capacity << reportingOrder) else { return batches }

        for order in reportingOrder ... maxOrder {
            for type in MigrateType.allCases where type != .isolate {
                let ok = reportList(order: order, type: type, slots: &slots, offset: &offset,
                                    host: host, batches: &batches)
                if !ok { return batches }
            }
        }

        if offset < capacity {
            let batch = Array(slots[offset...])
            let ok = deliver(batch, to: host, batches: &batches)
            drain(batch, reported: ok)
        }
        return batches
    }

    /// page_reporting_cycle() for list (order, type). Returns false when a report failed.
    mutating func reportList(order: Int, type: MigrateType, slots: inout [PfnRange],
                             offset: inout Int, host: HostReport,
                             batches: inout [ReportBatch]) -> Bool {
        let list = FreeLists.id(order: order, type: type)
        guard let first = lists.first(list) else { return true }
        let perCall = capacity * 16
        var budget = (nrFree[order] + perCall - 1) / perCall

        var current: Int? = first
        var upcoming: Int? = lists.next(after: first)
        // Where the walk stopped early, if it did.
        var stoppedAt: Int?
        var succeeded = true

        while let page = current {
            if reported.contains(page) {
                // passed over
            } else if budget < 0 {
                reportingState = .requested
                stoppedAt = page
                break
            } else if offset > 0 {
                if takeFreeBlock(page, order: order) == 0 {
                    stoppedAt = page
                    break
                }
                offset -= 1
                slots[offset] = PfnRange(pfn: page, order: order)
            } else {
                if lists.first(list) != page { lists.rotateToFront(page) }
                let ok = deliver(slots, to: host, batches: &batches)
                offset = capacity
                budget -= 1
                drain(slots, reported: ok)
                upcoming = lists.first(list)
                if !ok {
                    succeeded = false
                    break
                }
            }
            current = upcoming
            upcoming = current.flatMap { lists.next(after: $0) }
        }

        if let page = stoppedAt, lists.first(list) != page {
            lists.rotateToFront(page)
        }
        return succeeded
    }

    /// prdev->report(): hands the batch to the host and records the answer.
    mutating func deliver(_ batch: [PfnRange], to host: HostReport,
                          batches: inout [ReportBatch]) -> Bool {
        let ok = host(batch)
        batches.append(ReportBatch(ranges: batch, succeeded: ok))
        if ok {
            for range in batch { discarded.insert(range.pfns) }
        }
        return ok
    }

    /// page_reporting_drain().
    mutating func drain(_ batch: [PfnRange], reported ok: Bool) {
        for range in batch {
            putBack(range.pfn, order: range.order, type: effectiveType(range.pfn))
            if ok && isFreeBlock(range.pfn, order: range.order) {
                reported.insert(range.pfn)
                changedPages.append(Int32(range.pfn))
            }
        }
    }
}
