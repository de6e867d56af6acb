// SPDX-License-Identifier: GPL-2.0-only
//
// The zone invariants (Invariants/ZoneInvariants.swift) on a port zone of at most 64
// pages, with the host's discarded pages as one bit a pfn and the first kernel check the
// port recorded. Exhaustive exploration runs these on every state it reaches.

import BuddyPort
import Invariants

/// The pfns of the block of `order` at `pfn`, one bit each (zones of at most 64 pages).
func pfnMask(_ pfn: Int, _ order: Int) -> UInt64 {
    (1 << order) >= 64 ? ~0 : ((1 << UInt64(1 << order)) - 1) << UInt64(pfn)
}

struct PortStateCheck {
    let geometry: Geometry
    private var invariants: ZoneInvariants
    private var encoded: [Int] = []
    /// Per pfn, the order of the live allocation headed there or -1, as of the last
    /// `problems(of:)`.
    private(set) var allocation: [Int]

    init(geometry: Geometry) {
        self.geometry = geometry
        invariants = ZoneInvariants(geometry: geometry)
        allocation = Array(repeating: -1, count: geometry.zonePages)
    }

    /// The problems of `zone`'s state: the invariants, then, first in the list, the
    /// first kernel check recorded beyond `violationsBefore`.
    mutating func problems(of zone: PortZone, discarded: UInt64, violationsBefore: Int = 0) -> [String] {
        for pfn in 0 ..< geometry.zonePages { allocation[pfn] = zone.allocationOrder(at: pfn) ?? -1 }
        return problems(of: zone, allocation: allocation, discarded: discarded, violationsBefore: violationsBefore)
    }

    /// `problems(of:discarded:violationsBefore:)` with the live allocations known:
    /// `allocation[pfn]` is the order of the one headed at pfn, or -1.
    mutating func problems(of zone: PortZone, allocation: [Int], discarded: UInt64,
                           violationsBefore: Int = 0) -> [String] {
        zone.encodeState(into: &encoded)
        var problems = invariants.problems(encoded, allocation: allocation) { range in
            let mask = pfnMask(range.lowerBound, range.count.trailingZeroBitCount)
            return discarded & mask == mask
        }
        if zone.violationCount > violationsBefore {
            problems.insert(zone.violations[violationsBefore].description, at: 0)
        }
        return problems
    }
}
