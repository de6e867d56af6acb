// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import TestVariants
import Testing

/// The read-only views given arguments outside the zone: clipped or empty, never a
/// buffer sized by the argument.
@Suite("Reads outside the zone")
struct ReadMisuseTests {
    @Test(arguments: TestVariant.allCases)
    func pageRangesAreClipped(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny64)
        #expect(try zone.allocate(order: 1, migratetype: .movable) == 0)
        let all = zone.pages(in: 0 ..< 64)
        #expect(all.count == 64)
        #expect(zone.pages(in: 0 ..< Int.max) == all)
        #expect(zone.pages(in: Int.min ..< Int.max) == all)
        #expect(zone.pages(in: -10 ..< 2) == Array(all[0 ..< 2]))
        #expect(zone.pages(in: 60 ..< Int.max) == Array(all[60 ..< 64]))
        #expect(zone.pages(in: 64 ..< Int.max) == [])
        #expect(zone.pages(in: Int.max - 1 ..< Int.max) == [])
        #expect(zone.pages(in: -5 ..< -1) == [])
        #expect(zone.pages(in: 3 ..< 3) == [])
        #expect(zone.snapshot().pages == all)
    }

    @Test func allocationOrderOutsideTheZone() throws {
        let zone = try makeZone(.seed, .tiny16)
        #expect(try zone.allocate(order: 2, migratetype: .unmovable) == 0)
        #expect(zone.allocationOrder(at: 0) == 2)
        #expect(zone.allocationOrder(at: 1) == nil)
        #expect(zone.allocationOrder(at: 16) == nil)
        #expect(zone.allocationOrder(at: Int.max) == nil)
        #expect(zone.allocationOrder(at: -1) == nil)
        #expect(zone.allocationOrder(at: Int.min) == nil)
    }
}
