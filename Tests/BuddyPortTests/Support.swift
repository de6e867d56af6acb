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
    case reportingPass

    var testDescription: String {
        switch self {
        case .allocate(let o, let mt, let f): "allocate(order: \(o), \(mt), flags: \(f.rawValue))"
        case .free(let pfn, let o): "free(pfn: \(pfn), order: \(o))"
        case .isolate(let pb): "isolate(\(pb))"
        case .unisolate(let pb): "unisolate(\(pb))"
        case .reportingPass: "reportingPass"
        }
    }

    /// Runs the call; a reporting pass's host accepts every batch.
    func run(on zone: PortZone) throws(AllocatorError) {
        switch self {
        case .allocate(let o, let mt, let f): _ = try zone.allocate(order: o, migratetype: mt, flags: f)
        case .free(let pfn, let o): try zone.free(pfn: pfn, order: o)
        case .isolate(let pb): try zone.isolate(pageblock: pb)
        case .unisolate(let pb): try zone.unisolate(pageblock: pb)
        case .reportingPass: _ = try zone.reportingPass { _ in true }
        }
    }
}
