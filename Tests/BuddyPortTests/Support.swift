// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import TestVariants
import Testing

/// A fresh zone of the variant a test names.
func makeZone(_ variant: TestVariant, _ geometry: Geometry) throws -> PortZone {
    try PortZone(variant: try variant.variant(), geometry: geometry)
}

/// Fails the test for every kernel check the port recorded.
func expectNoViolations(_ zone: PortZone, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(zone.violations == [], "unexpected kernel check", sourceLocation: sourceLocation)
}

/// The free list of one order and migratetype, head to tail.
func list(_ zone: PortZone, order: Int, _ mt: MigrateType) -> [Int] {
    zone.snapshot().freeLists[order][mt.rawValue]
}

/// The reporting device's state and whether its delayed work is queued.
func reporting(_ zone: PortZone) -> (ReportingState, Bool) {
    (zone.reportingState, zone.reportingWorkQueued)
}

/// Runs `calls` in order, a host that accepts everything answering every idle; returns
/// the batches of each idle that ran a pass.
func run(_ calls: [ZoneCall], on zone: PortZone) throws -> [[ReportBatch]] {
    var passes: [[ReportBatch]] = []
    for call in calls {
        if case .idle = call {
            let queued = zone.reportingWorkQueued
            let batches = try zone.idle { _ in true }
            if queued { passes.append(batches) }
        } else {
            try call.run(on: zone)
        }
    }
    return passes
}

/// The split-off buddies expand() leaves behind when an order-`high` block at `pfn`
/// is cut down to order `low`: (pfn + 2^k, order k) for k = high-1 down to low.
func splitOffBuddies(of pfn: Int, from high: Int, to low: Int) -> [PfnRange] {
    stride(from: high - 1, through: low, by: -1).map { PfnRange(pfn: pfn + (1 << $0), order: $0) }
}

extension SplitMix64 {
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func pick<T>(_ choices: [T]) -> T? { choices.isEmpty ? nil : choices[below(choices.count)] }
}

/// One call of PortZone's mutating API, as a value a test can list, print and replay.
enum ZoneCall: CustomTestStringConvertible, Sendable {
    case allocate(order: Int, mt: MigrateType, flags: AllocFlags)
    case free(pfn: Int, order: Int)
    case isolate(Int)
    case unisolate(Int)
    case idle

    var testDescription: String {
        switch self {
        case .allocate(let o, let mt, let f): "allocate(order: \(o), \(mt), flags: \(f.rawValue))"
        case .free(let pfn, let o): "free(pfn: \(pfn), order: \(o))"
        case .isolate(let pb): "isolate(\(pb))"
        case .unisolate(let pb): "unisolate(\(pb))"
        case .idle: "idle"
        }
    }

    /// Runs the call; the host of a pass that runs accepts every batch.
    func run(on zone: PortZone) throws(AllocatorError) {
        switch self {
        case .allocate(let o, let mt, let f): _ = try zone.allocate(order: o, migratetype: mt, flags: f)
        case .free(let pfn, let o): try zone.free(pfn: pfn, order: o)
        case .isolate(let pb): try zone.isolate(pageblock: pb)
        case .unisolate(let pb): try zone.unisolate(pageblock: pb)
        case .idle: _ = try zone.idle { _ in true }
        }
    }
}
