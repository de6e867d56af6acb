// SPDX-License-Identifier: GPL-2.0-only
//
// What the host knows: which pfns it has discarded. A successful report adds the batch's
// pfns; handing pages out by allocation takes them back. A page reported while already
// discarded is a re-report: work wasted. Beside each discarded page the oracle keeps
// the event that took PG_reported off it (recorded by the lane that watches the zone),
// and counts each re-report under that event.

import BuddyTypes

/// Why a page the host holds as discarded was reported again: the event that took it
/// out of a Reported free block while it stayed free, as seen around one workload step.
public struct WasteCause: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Event: Hashable, Sendable, Codable {
        /// An allocation split the Reported block (rmqueue's expand, or a fallback claim
        /// of a whole block): the page is left in a smaller free block without the flag.
        case split
        /// An allocation left the page's block where it was, with the same order, but
        /// without the flag, while claiming the block's pageblock.
        case fallbackClaim
        /// Freeing a neighbour merged the Reported block into a larger one: merging
        /// takes the buddy off its list, which clears the flag.
        case freeMerge
        /// Isolating or unisolating a pageblock split or merged the block.
        case isolation
        /// The drain of a batch the host failed merged the block with a returned one.
        case failedReport
        /// The drain of an accepted batch returned the page's own block merged with a
        /// neighbour, so the drain did not flag it.
        case reportMerge
        /// None of the above, by the kind of step.
        case other(String)

        public var label: String {
            switch self {
            case .split: "split by an allocation"
            case .fallbackClaim: "moved by a fallback claim"
            case .freeMerge: "merged with a freed buddy"
            case .isolation: "pageblock isolation"
            case .failedReport: "failed report"
            case .reportMerge: "merged on report putback"
            case .other(let step): "other: \(step)"
            }
        }
    }

    public var event: Event
    /// The free block holding the page after the event is below page_reporting_order:
    /// it cannot be reported until it merges.
    public var belowReportingOrder: Bool

    public init(event: Event, belowReportingOrder: Bool) {
        self.event = event
        self.belowReportingOrder = belowReportingOrder
    }

    /// The key of `VariantRun.rereportedByCause`.
    public var description: String {
        event.label + (belowReportingOrder ? Self.belowSuffix : "")
    }

    public static let belowSuffix = ", below reporting order"
    /// The key for a re-reported page without a record; it means the lane missed an
    /// event, and stays absent.
    public static let notRecorded = "not recorded"
}

public struct HostOracle {
    private var discarded: [Bool]
    /// For each discarded page that left its Reported block: the event that took it out.
    private var lost: [WasteCause?]

    public init(pages: Int) {
        discarded = Array(repeating: false, count: pages)
        lost = Array(repeating: nil, count: pages)
    }

    /// Records a successful report of `range`; returns, by cause, how many of its pages
    /// were already discarded.
    mutating func report(_ range: PfnRange) -> [String: Int] {
        var again: [String: Int] = [:]
        for pfn in range.pfns where pfn < discarded.count {
            if discarded[pfn] {
                again[lost[pfn]?.description ?? WasteCause.notRecorded, default: 0] += 1
            }
            discarded[pfn] = true
            lost[pfn] = nil
        }
        return again
    }

    /// Pages handed out by an allocation are backed again; returns how many of them the
    /// host had discarded (each faults on the guest's first touch).
    mutating func allocated(_ pfn: Int, order: Int) -> Int {
        var refaults = 0
        for p in pfn ..< min(discarded.count, pfn + (1 << order)) {
            if discarded[p] { refaults += 1 }
            discarded[p] = false
            lost[p] = nil
        }
        return refaults
    }

    /// Whether the host holds every pfn of `range` as discarded.
    func holds(_ range: Range<Int>) -> Bool {
        range.allSatisfy { $0 < discarded.count && discarded[$0] }
    }

    func isDiscarded(_ pfn: Int) -> Bool { discarded[pfn] }

    /// A discarded page left its Reported block because of `cause`.
    mutating func lose(_ pfn: Int, cause: WasteCause) {
        if discarded[pfn] { lost[pfn] = cause }
    }

    /// The event recorded for a discarded page that is no longer in a Reported block.
    func cause(at pfn: Int) -> WasteCause? { lost[pfn] }

    var discardedPages: Int { discarded.reduce(0) { $0 + ($1 ? 1 : 0) } }
}
