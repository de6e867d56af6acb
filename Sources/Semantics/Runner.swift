// SPDX-License-Identifier: GPL-2.0-only
//
// Runs a workload on the baseline and the patched port side by side, each with its own
// host oracle, and measures what reaches the host: pages per pass, pages re-reported and
// why, and where the two variants' allocations or free lists first part ways.

import BuddyPort
import Differential

/// One reporting pass, as the host saw it.
public struct PassMetrics: Sendable, Codable, Equatable {
    public var reportedPages: Int
    public var rereportedPages: Int
    public var batches: Int
    public var failedBatches: Int
}

/// One variant's run of one workload.
public struct VariantRun: Sendable, Codable, Equatable {
    public var variant: Variant
    public var steps: Int
    public var allocations: Int
    public var failedAllocations: Int
    /// Reporting passes that sent something.
    public var passes: [PassMetrics]
    public var reportedPages: Int
    public var rereportedPages: Int
    public var rereportedByCause: [String: Int]
    /// Pageblocks whose migratetype changed (fallback claims, CMA aside).
    public var pageblockClaims: Int
    public var violations: [Violation]
}

/// Where the two variants first behaved differently.
public struct FirstDivergence: Sendable, Codable, Equatable {
    public var step: Int
    public var what: String
}

public struct WorkloadResult: Sendable, Codable, Equatable {
    public var workload: String
    public var summary: String
    public var geometry: String
    public var seed: UInt64
    public var baseline: VariantRun
    public var patched: VariantRun
    /// Nil when allocations and free lists stayed identical throughout.
    public var firstDivergence: FirstDivergence?

    public var savedPages: Int { baseline.rereportedPages - patched.rereportedPages }
    public var savedPercent: Double {
        baseline.rereportedPages == 0 ? 0 : 100 * Double(savedPages) / Double(baseline.rereportedPages)
    }
}

/// A zone, its host and its workload.
struct Lane {
    let zone: PortZone
    var workload: any Workload
    var host: HostOracle
    var live: [(pfn: Int, order: Int)] = []
    var livePages = 0
    var lastFailed = false
    var isolated = Set<Int>()
    var run: VariantRun
    var blocks: [PageblockState]

    init(variant: Variant, geometry: Geometry, workload: any Workload) throws {
        zone = try PortZone(variant: variant, geometry: geometry)
        self.workload = workload
        host = HostOracle(pages: geometry.zonePages)
        run = VariantRun(variant: variant, steps: 0, allocations: 0, failedAllocations: 0, passes: [],
                         reportedPages: 0, rereportedPages: 0, rereportedByCause: [:],
                         pageblockClaims: 0, violations: [])
        blocks = zone.pageblocks()
    }

    /// Takes one step; returns a short description of what happened, nil when done.
    mutating func step() throws -> String? {
        let view = WorkloadView(live: live, livePages: livePages, lastAllocationFailed: lastFailed,
                                isolated: isolated)
        guard let next = workload.next(view) else { return nil }
        run.steps += 1
        switch next {
        case .allocate(let order, let mt, let flags):
            run.allocations += 1
            if let pfn = try zone.allocate(order: order, migratetype: mt, flags: flags) {
                live.append((pfn, order))
                livePages += 1 << order
                host.allocated(pfn, order: order)
                lastFailed = false
                let now = zone.pageblocks()
                run.pageblockClaims += zip(blocks, now).filter { $0.migratetype != $1.migratetype }.count
                blocks = now
                return "allocate o\(order) \(mt) -> \(pfn)"
            }
            run.failedAllocations += 1
            lastFailed = true
            return "allocate o\(order) \(mt) -> failed"
        case .free(let pfn, let order):
            if let i = live.firstIndex(where: { $0.pfn == pfn && $0.order == order }) {
                live.remove(at: i)
                livePages -= 1 << order
            }
            try zone.free(pfn: pfn, order: order)
            return "free \(pfn) o\(order)"
        case .isolate(let pb):
            try zone.isolate(pageblock: pb)
            isolated.insert(pb)
            return "isolate \(pb)"
        case .unisolate(let pb):
            try zone.unisolate(pageblock: pb)
            isolated.remove(pb)
            blocks = zone.pageblocks()
            return "unisolate \(pb)"
        case .report:
            var host = self.host
            var pass = PassMetrics(reportedPages: 0, rereportedPages: 0, batches: 0, failedBatches: 0)
            var causes = run.rereportedByCause
            let batches = try zone.reportingPass { ranges in
                for range in ranges {
                    let (again, cause) = host.report(range)
                    pass.rereportedPages += again
                    if let cause { causes[cause.rawValue, default: 0] += again }
                }
                return true
            }
            self.host = host
            run.rereportedByCause = causes
            pass.batches = batches.count
            pass.failedBatches = batches.filter { !$0.succeeded }.count
            pass.reportedPages = batches.reduce(0) { $0 + $1.pages }
            if pass.batches > 0 { run.passes.append(pass) }
            run.reportedPages += pass.reportedPages
            run.rereportedPages += pass.rereportedPages
            let ranges = batches.flatMap(\.ranges).map(\.description)
            return "report of \(ranges.count) block(s): " + ranges.prefix(4).joined(separator: ", ")
                + (ranges.count > 4 ? ", ..." : "")
        }
    }
}

public enum SemanticsRunner {
    /// Runs `workload` on both variants in step with each other.
    public static func run(_ workload: any Workload, geometry: Geometry, geometryName: String,
                           seed: UInt64) throws -> WorkloadResult {
        var base = try Lane(variant: .baseline, geometry: geometry, workload: workload)
        var patched = try Lane(variant: .patched, geometry: geometry, workload: workload)
        var divergence: FirstDivergence?
        var step = 0
        while true {
            let a = try base.step()
            let b = try patched.step()
            if a == nil && b == nil { break }
            step += 1
            if divergence == nil {
                if a != b {
                    divergence = FirstDivergence(step: step, what: "baseline \(a ?? "finished"); patched \(b ?? "finished")")
                } else if base.zone.freeLists() != patched.zone.freeLists() {
                    divergence = FirstDivergence(step: step, what: "free lists differ after \(a ?? "")")
                }
            }
        }
        base.run.violations = base.zone.violations
        patched.run.violations = patched.zone.violations
        return WorkloadResult(workload: workload.name, summary: workload.summary, geometry: geometryName,
                              seed: seed, baseline: base.run, patched: patched.run,
                              firstDivergence: divergence)
    }
}
