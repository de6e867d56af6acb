// SPDX-License-Identifier: GPL-2.0-only
//
// What the scenario tests share: scripted runs of one lane with the coverage audit on,
// the causes a lane recorded, the operations the scenarios are written in, and variants
// of the baseline broken on purpose by a small edit of the port's text.

@testable import Measurement
import BuddyPort
import PortVariants
import Testing

/// `workload` run to its end on one variant, the zone's invariants checked last.
func run(_ workload: any Workload, on variant: Variant, geometry: Geometry, audit: Bool = false) throws -> Lane {
    var lane = try Lane(variant: variant, geometry: geometry, workload: workload, audit: audit)
    while let op = lane.nextOperation() { _ = try lane.take(op) }
    lane.finalCheck()
    return lane
}

/// Runs `steps` on one variant with the coverage audit on, expects no kernel check and
/// no failed check, and returns the lane.
func scripted(_ variant: Variant, _ steps: [Operation], geometry: Geometry = .tiny16,
              sourceLocation: SourceLocation = #_sourceLocation) throws -> Lane {
    let lane = try run(ScriptedWorkload(name: "scripted", steps: steps), on: variant, geometry: geometry, audit: true)
    #expect(lane.zone.violations == [], sourceLocation: sourceLocation)
    #expect(lane.metrics.failures == [], sourceLocation: sourceLocation)
    return lane
}

/// `steps` on the baseline and `variant` side by side, by default with the coverage
/// audit on.
func sideBySide(_ steps: [Operation], against variant: Variant, geometry: Geometry = .tiny16,
                audit: Bool = true) throws -> WorkloadComparison {
    try SideBySide.run(ScriptedWorkload(name: "scripted", steps: steps), base: .baseline, variant: variant,
                       geometry: geometry, geometryName: "\(geometry.zonePages) pages", seed: 0, audit: audit)
}

/// The recorded cause of each pfn in `pfns`, nil where there is none.
func causes(_ lane: Lane, _ pfns: Range<Int>) -> [String?] {
    pfns.map { lane.host.cause(at: $0)?.description }
}

let split = WasteCause(event: .split, belowReportingOrder: false).description
let splitBelow = WasteCause(event: .split, belowReportingOrder: true).description
let merged = WasteCause(event: .freeMerge, belowReportingOrder: false).description
let isolation = WasteCause(event: .isolation, belowReportingOrder: false).description

/// The operations the scenarios are written in.
let idle = Operation.idle(failing: [])
func allocate(_ order: Int) -> Operation { .allocate(order: order, migratetype: .movable, flags: []) }

func pass(reported: Int, rereported: Int = 0, batches: Int = 1, failed: Int = 0,
          failedPages: Int = 0) -> PassMetrics {
    PassMetrics(reportedPages: reported, rereportedPages: rereported, batches: batches,
                failedBatches: failed, failedPages: failedPages)
}

/// A variant of the baseline broken on purpose: `text`, which must occur exactly once in
/// the port file `file`, taken out. Built with the compiler on PATH (or taken from the
/// project's cache) and loaded.
struct BrokenVariant {
    let variant: Variant
    /// The edited text of `file`, for the lines its kernel checks report.
    let text: String

    init(_ name: String, file: String, removing removed: String,
         sourceLocation: SourceLocation = #_sourceLocation) throws {
        var source = VariantSource.baseline
        let original = try #require(source.files[file], sourceLocation: sourceLocation)
        try #require(original.ranges(of: removed).count == 1,
                     "the text to remove occurs exactly once in \(file)", sourceLocation: sourceLocation)
        text = original.replacing(removed, with: "")
        source.files[file] = text
        source.patches = [name]
        variant = try VariantBuilder().build(source).variant
    }

    /// The 1-based line of the edited file that holds `fragment`; 0 when none does.
    func line(of fragment: String) -> Int {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.firstIndex { $0.contains(fragment) } ?? -1) + 1
    }
}
