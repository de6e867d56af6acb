// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import Dispatch
import TestVariants
import Testing

/// Zones of different geometries and variants share the port's code but not its
/// per-zone globals (`port_cur`): a host callback may drive another zone, even through
/// that zone's own reporting pass, and zones on different threads do not meet.
@Suite("Zones side by side")
struct CrossZoneTests {
    /// The operations the host runs on the other zone per batch, and the same ones run
    /// afterwards on a twin.
    static func drive(_ zone: PortZone, round: Int) throws(AllocatorError) -> [String] {
        var log: [String] = []
        let pfn = try zone.allocate(order: round % 3, migratetype: .movable)
        log.append("allocate \(String(describing: pfn))")
        try zone.isolate(pageblock: round % zone.geometry.nrPageblocks)
        let batches = try zone.idle { _ in true }
        log.append("idle \(batches)")
        try zone.unisolate(pageblock: round % zone.geometry.nrPageblocks)
        if let pfn { try zone.free(pfn: pfn, order: round % 3) }
        return log
    }

    // The outer zone's first idle runs the pass registration requested: two report()
    // calls, each driving the inner zone of the other variant one round (its first idle
    // runs its own first pass, from inside the outer zone's).
    @Test(arguments: TestVariant.allCases)
    func hostDrivesAnotherZone(variant: TestVariant) throws {
        let other: TestVariant = variant == .baseline ? .seed : .baseline
        let zone = try makeZone(variant, .tiny64)
        let inner = try makeZone(other, .tiny16)
        var rounds = 0
        var innerLog: [String] = []
        var innerErrors: [AllocatorError] = []
        let batches = try zone.idle { _ in
            do throws(AllocatorError) { innerLog += try Self.drive(inner, round: rounds) } catch { innerErrors.append(error) }
            rounds += 1
            return true
        }

        // The same work one zone after the other.
        let zoneTwin = try makeZone(variant, .tiny64)
        let innerTwin = try makeZone(other, .tiny16)
        let twinBatches = try zoneTwin.idle { _ in true }
        var twinLog: [String] = []
        for round in 0 ..< rounds { twinLog += try Self.drive(innerTwin, round: round) }

        #expect(innerErrors == [])
        #expect(rounds == 2)
        #expect(batches == twinBatches)
        #expect(batches.map(\.ranges) == [[PfnRange(pfn: 16, order: 4), PfnRange(pfn: 0, order: 4)],
                                          [PfnRange(pfn: 48, order: 4), PfnRange(pfn: 32, order: 4)]])
        #expect(innerLog.first == "allocate Optional(0)")
        #expect(innerLog.count == 4)
        #expect(innerLog == twinLog)
        #expect(zone.snapshot() == zoneTwin.snapshot())
        #expect(inner.snapshot() == innerTwin.snapshot())
        expectNoViolations(zone)
        expectNoViolations(inner)
    }

    /// A zone and its driver, handed to another thread; each zone is used by one
    /// thread at a time.
    final class Driven: @unchecked Sendable {
        let zone: PortZone
        var log: [String] = []
        init(_ zone: PortZone) { self.zone = zone }

        /// Seeded allocations, frees, isolation changes and idle spells.
        func run(seed: UInt64, steps: Int) throws {
            var rng = SplitMix64(seed: seed)
            var live: [(pfn: Int, order: Int)] = []
            let g = zone.geometry
            for _ in 0 ..< steps {
                switch rng.below(10) {
                case 0 ..< 5:
                    let order = rng.below(g.maxPageOrder + 1)
                    let pfn = try zone.allocate(order: order, migratetype: MigrateType.pcpTypes[rng.below(3)])
                    log.append("a\(order) \(String(describing: pfn))")
                    if let pfn { live.append((pfn, order)) }
                case 5 ..< 9:
                    guard !live.isEmpty else { continue }
                    let victim = live.remove(at: rng.below(live.count))
                    try zone.free(pfn: victim.pfn, order: victim.order)
                    log.append("f\(victim.pfn)")
                default:
                    log.append("r\(try zone.idle { _ in rng.below(4) != 0 })")
                }
            }
        }
    }

    @Test func zonesOnTwoThreads() throws {
        let geometries: [Geometry] = [.tiny64, .x86_64]
        let concurrent = try geometries.enumerated().map { i, g in
            Driven(try makeZone(i == 0 ? .seed : .baseline, g))
        }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: concurrent.count) { i in
            do { try concurrent[i].run(seed: UInt64(i + 1), steps: 4000) } catch { failures.record(error) }
        }
        #expect(failures.errors.isEmpty)
        for (i, g) in geometries.enumerated() {
            let alone = Driven(try makeZone(i == 0 ? .seed : .baseline, g))
            try alone.run(seed: UInt64(i + 1), steps: 4000)
            #expect(concurrent[i].log == alone.log)
            #expect(concurrent[i].zone.snapshot() == alone.zone.snapshot())
            expectNoViolations(concurrent[i].zone)
        }
    }
}

/// Errors collected from several threads.
final class Failures: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private(set) var errors: [String] = []

    func record(_ error: any Error) {
        lock.wait()
        errors.append("\(error)")
        lock.signal()
    }
}
