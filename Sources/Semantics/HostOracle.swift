// SPDX-License-Identifier: GPL-2.0-only
//
// What the host knows: which pfns it has discarded, and through which reported block.
// A successful report adds the batch's pfns; handing pages out by allocation takes them
// back. A page reported while already discarded is a re-report: work wasted.

import BuddyTypes

/// How a re-reported block relates to the reported blocks that discarded its pages
/// before. A block is reported again only after it lost its flag: merging takes the flag
/// off (both variants), a split drops it from the pieces (baseline; in the patched
/// kernel still through split_large_buddy), a failed report's drain does not set it.
public enum WasteCause: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Part of a larger block reported before: a piece of a split, or of a split and
    /// a partial merge back.
    case splitPiece = "part of a larger reported block"
    /// Spans smaller blocks reported before: they merged.
    case merged = "spans smaller reported blocks"
    /// Exactly a block reported before: split and merged back whole, or its flag was
    /// not set after a failed report.
    case sameBlock = "the same block again"
    /// Pages of several of these kinds.
    case mixed = "mixed"

    public var description: String { rawValue }
}

struct HostOracle {
    /// For each pfn, the reported block that discarded it, or nil when backed.
    private var via: [PfnRange?]

    init(pages: Int) { via = Array(repeating: nil, count: pages) }

    /// Records a successful report of `range`; returns the pages that were already
    /// discarded and why they came back.
    mutating func report(_ range: PfnRange) -> (rereported: Int, cause: WasteCause?) {
        var again = 0
        var causes = Set<WasteCause>()
        for pfn in range.pfns where pfn < via.count {
            if let before = via[pfn] {
                again += 1
                if before == range {
                    causes.insert(.sameBlock)
                } else if before.order > range.order {
                    causes.insert(.splitPiece)
                } else {
                    causes.insert(.merged)
                }
            }
            via[pfn] = range
        }
        guard again > 0 else { return (0, nil) }
        return (again, causes.count == 1 ? causes.first! : .mixed)
    }

    /// Pages handed out by an allocation are backed again.
    mutating func allocated(_ pfn: Int, order: Int) {
        for p in pfn ..< min(via.count, pfn + (1 << order)) { via[p] = nil }
    }

    var discardedPages: Int { via.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }
}
