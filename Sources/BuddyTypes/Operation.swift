// SPDX-License-Identifier: GPL-2.0-only
//
// The operations every driver of a zone applies (the differential engine, workloads,
// exploration, replays), written so that a printed list can be pasted back into Swift as
// a regression case, and what an operation returned.

/// One call into an allocator. Frees name their pfn and order, so a list stays
/// meaningful when shrinking removes the allocation it refers to (the call is then
/// refused, identically on both sides).
public enum Operation: Hashable, Codable, Sendable, CustomStringConvertible {
    case allocate(order: Int, migratetype: MigrateType, flags: AllocFlags)
    case free(pfn: Int, order: Int)
    case isolate(pageblock: Int)
    case unisolate(pageblock: Int)
    /// The guest idles for the reporting delay: the reporting device's queued work, if
    /// any, runs a pass whose host fails the batches at these indices (0-based, in call
    /// order) and accepts the others.
    case idle(failing: [Int])

    public var description: String {
        switch self {
        case .allocate(let order, let mt, let flags):
            ".allocate(order: \(order), migratetype: .\(Self.name(mt)), flags: \(Self.flagsSource(flags)))"
        case .free(let pfn, let order): ".free(pfn: \(pfn), order: \(order))"
        case .isolate(let pb): ".isolate(pageblock: \(pb))"
        case .unisolate(let pb): ".unisolate(pageblock: \(pb))"
        case .idle(let failing): ".idle(failing: \(failing))"
        }
    }

    public static func name(_ mt: MigrateType) -> String {
        switch mt {
        case .unmovable: "unmovable"
        case .movable: "movable"
        case .reclaimable: "reclaimable"
        case .highAtomic: "highAtomic"
        case .cma: "cma"
        case .isolate: "isolate"
        }
    }

    public static func flagsSource(_ flags: AllocFlags) -> String {
        var parts: [String] = []
        if flags.contains(.noFragment) { parts.append(".noFragment") }
        if flags.contains(.cma) { parts.append(".cma") }
        let rest = flags.subtracting([.noFragment, .cma])
        if !rest.isEmpty { parts.append("AllocFlags(rawValue: \(rest.rawValue))") }
        return "[\(parts.joined(separator: ", "))]"
    }
}

/// What an operation returned.
public enum Outcome: Hashable, Sendable, CustomStringConvertible {
    case allocated(Int?)
    case done
    case refused(AllocatorError)
    case reported([ReportBatch])

    public var description: String {
        switch self {
        case .allocated(let pfn): pfn.map { "allocated pfn \($0)" } ?? "allocation failed"
        case .done: "done"
        case .refused(let error): "refused: \(error)"
        case .reported(let batches):
            "reported " + (batches.isEmpty ? "nothing" : batches.map {
                "[\($0.ranges.map(\.description).joined(separator: ", "))]\($0.succeeded ? "" : " (failed)")"
            }.joined(separator: " "))
        }
    }
}
