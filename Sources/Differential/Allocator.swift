// SPDX-License-Identifier: GPL-2.0-only
//
// One interface over the C port and the Swift model, so the engine drives both alike.

import BuddyModel
import BuddyPort

/// An allocator the differential engine can drive and observe. The port's methods are
/// a class's and the model's a value's; both meet these requirements.
protocol DrivenAllocator {
    mutating func allocate(order: Int, migratetype: MigrateType, flags: AllocFlags) throws(AllocatorError) -> Int?
    mutating func free(pfn: Int, order: Int) throws(AllocatorError)
    mutating func isolate(pageblock: Int) throws(AllocatorError)
    mutating func unisolate(pageblock: Int) throws(AllocatorError)
    mutating func idle(host: HostReport) throws(AllocatorError) -> [ReportBatch]
    var reportingState: ReportingState { get }
    var reportingWorkQueued: Bool { get }
    func freeLists() -> [[[Int]]]
    func counters() -> Counters
    func pageblocks() -> [PageblockState]
    func pages(in range: Range<Int>) -> [PageState]
    var violations: [Violation] { get }
}

extension DrivenAllocator {
    /// Applies one operation and says what it returned.
    mutating func apply(_ op: Operation) -> Outcome {
        do throws(AllocatorError) {
            switch op {
            case .allocate(let order, let mt, let flags):
                return .allocated(try allocate(order: order, migratetype: mt, flags: flags))
            case .free(let pfn, let order):
                try free(pfn: pfn, order: order)
            case .isolate(let pb):
                try isolate(pageblock: pb)
            case .unisolate(let pb):
                try unisolate(pageblock: pb)
            case .idle(let failing):
                return .reported(try idle(host: hostFailing(failing)))
            }
            return .done
        } catch {
            return .refused(error)
        }
    }
}

/// A host that fails the batches at the given indices of one pass and accepts the rest.
func hostFailing(_ failing: [Int]) -> HostReport {
    var index = 0
    let failing = Set(failing)
    return { _ in defer { index += 1 }; return !failing.contains(index) }
}

extension PortZone: DrivenAllocator {}

extension PortZone {
    /// Applies one operation and says what it returned; an idle spell's host fails the
    /// batches the operation names.
    public func run(_ op: Operation) -> Outcome {
        var zone = self
        return zone.apply(op)
    }
}

extension BuddyModel: DrivenAllocator {
    func freeLists() -> [[[Int]]] {
        (0 ... geometry.maxPageOrder).map { order in
            MigrateType.allCases.map { freeList(order: order, migratetype: $0) }
        }
    }

    func counters() -> Counters { counters }
}
