// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import Testing

/// Fails the test for every kernel check the port recorded.
func expectNoViolations(_ zone: PortZone, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(zone.violations == [], "unexpected kernel check", sourceLocation: sourceLocation)
}

/// The free list of one order and migratetype, head to tail.
func list(_ zone: PortZone, order: Int, _ mt: MigrateType) -> [Int] {
    zone.snapshot().freeLists[order][mt.rawValue]
}

/// Runs reporting passes with a host that accepts everything until a pass reports
/// nothing; returns every batch in order.
func reportUntilQuiet(_ zone: PortZone, maxPasses: Int = 16,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> [[ReportBatch]] {
    var passes: [[ReportBatch]] = []
    for _ in 0 ..< maxPasses {
        let batches = try zone.reportingPass { _ in true }
        if batches.isEmpty { return passes }
        passes.append(batches)
    }
    Issue.record("reporting did not settle in \(maxPasses) passes", sourceLocation: sourceLocation)
    return passes
}

/// The split-off buddies expand() leaves behind when an order-`high` block at `pfn`
/// is cut down to order `low`: (pfn + 2^k, order k) for k = high-1 down to low.
func splitOffBuddies(of pfn: Int, from high: Int, to low: Int) -> [PfnRange] {
    stride(from: high - 1, through: low, by: -1).map { PfnRange(pfn: pfn + (1 << $0), order: $0) }
}
