// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import TestVariants
import Testing

@Suite("Checkpoints: save a zone, change it, go back")
struct CheckpointTests {
    // tiny16 (two order-3 blocks, 0 and 8): allocate order 0 (pfn 0), save; free it
    // (block 0 whole again), allocate order 2 unmovable (pfn 0), idle: the pass
    // registration requested runs (the free's request found it pending) and sends block
    // 4 of order 2 (block 8 is refused: 8 free pages do not exceed 8). Restore. The zone
    // is back: same snapshot, same hash, the pass requested and its work queued again,
    // the allocation live again, and the next allocation returns what it returns on a
    // zone that never left the saved state.
    @Test(arguments: TestVariant.allCases)
    func restoreGoesBack(variant: TestVariant) throws {
        let zone = try makeZone(variant, .tiny16)
        let twin = try makeZone(variant, .tiny16)
        let pfn = try #require(try zone.allocate(order: 0, migratetype: .movable))
        #expect(pfn == 0)
        #expect(try twin.allocate(order: 0, migratetype: .movable) == pfn)
        let saved = zone.snapshot()
        let hash = zone.stateHash()
        #expect(twin.stateHash() == hash)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: zone.checkpointSize, alignment: 16)
        defer { buffer.deallocate() }
        zone.saveCheckpoint(into: buffer)

        try zone.free(pfn: pfn, order: 0)
        let block = try zone.allocate(order: 2, migratetype: .unmovable)
        #expect(block == 0)
        let sent = try zone.idle { _ in true }.flatMap(\.ranges)
        #expect(sent == [PfnRange(pfn: 4, order: 2)])
        #expect(reporting(zone) == (.idle, false))
        #expect(zone.snapshot() != saved)
        #expect(zone.stateHash() != hash)

        try zone.restoreCheckpoint(from: buffer)
        #expect(zone.snapshot() == saved)
        #expect(zone.stateHash() == hash)
        #expect(reporting(zone) == (.requested, true))
        #expect(zone.allocationOrder(at: pfn) == 0)
        #expect(try zone.allocate(order: 1, migratetype: .movable) == twin.allocate(order: 1, migratetype: .movable))
        #expect(zone.snapshot() == twin.snapshot())
        expectNoViolations(zone)
    }

    // A checkpoint names its zone: another zone of the same geometry refuses it and is
    // left as it was.
    @Test func anotherZoneRefuses() throws {
        let zone = try makeZone(.seed, .tiny16)
        let other = try makeZone(.seed, .tiny16)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: zone.checkpointSize, alignment: 16)
        defer { buffer.deallocate() }
        zone.saveCheckpoint(into: buffer)
        #expect(try other.allocate(order: 3, migratetype: .movable) == 0)
        let before = other.snapshot()
        #expect(throws: AllocatorError.invalidGeometry("checkpoint of another zone")) {
            try other.restoreCheckpoint(from: buffer)
        }
        #expect(other.snapshot() == before)
    }

    // Restoring from inside the zone's own reporting pass is refused: the first idle of
    // a fresh tiny16 zone runs the pass registration requested, whose one report() (block
    // 0) tries it.
    @Test func restoreInsidePassRefused() throws {
        let zone = try PortZone(variant: .baseline, geometry: .tiny16)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: zone.checkpointSize, alignment: 16)
        defer { buffer.deallocate() }
        zone.saveCheckpoint(into: buffer)
        var refused: [AllocatorError] = []
        let batches = try zone.idle { _ in
            do { try zone.restoreCheckpoint(from: buffer) } catch let e as AllocatorError { refused.append(e) } catch {}
            return true
        }
        #expect(batches.map(\.ranges) == [[PfnRange(pfn: 0, order: 3)]])
        #expect(refused == [.reentered])
    }

    // The hash sees the list order: two order-1 blocks whose buddies stay allocated,
    // freed in the two orders, give the same pages and flags but lists in different
    // orders (a free goes to the list head), and different hashes.
    @Test func hashSeesListOrder() throws {
        let a = try makeZone(.seed, .tiny16)
        let b = try makeZone(.seed, .tiny16)
        for zone in [a, b] {
            #expect(try zone.allocate(order: 1, migratetype: .movable) == 0)
            #expect(try zone.allocate(order: 1, migratetype: .movable) == 2)
            #expect(try zone.allocate(order: 1, migratetype: .movable) == 4)
            #expect(try zone.allocate(order: 1, migratetype: .movable) == 6)
        }
        try a.free(pfn: 0, order: 1); try a.free(pfn: 4, order: 1)
        try b.free(pfn: 4, order: 1); try b.free(pfn: 0, order: 1)
        #expect(a.snapshot().pages == b.snapshot().pages)
        #expect(a.snapshot().freeLists[1][MigrateType.movable.rawValue] == [4, 0])
        #expect(b.snapshot().freeLists[1][MigrateType.movable.rawValue] == [0, 4])
        #expect(a.stateHash() != b.stateHash())
    }
}
