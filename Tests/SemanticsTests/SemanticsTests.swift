// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import Foundation
import PatchReader
import Semantics
import Testing

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

// Line probes are counters shared by every zone of the process: the suite runs its tests
// one after the other, and its probe runs are the only ones in the test process.
@Suite("The reviewer's report", .serialized)
struct SemanticsTests {
    // x86-64: after reporting settles, an order-0 allocation splits a Reported order-10
    // block into 10 buddies; baseline keeps none Reported and re-reports the order-9
    // one (512 pages); patched keeps all 10 and re-reports nothing. Isolating
    // pageblock 1 inside the Reported order-10 block at 0 splits it through
    // split_large_buddy: the other half (512 pages) is reported again in both.
    @Test func scenario() throws {
        let m = try ScenarioMeasurements.measure()
        #expect(m.splitPieces == ["baseline": 10, "patched": 10])
        #expect(m.splitPiecesReported == ["baseline": 0, "patched": 10])
        #expect(m.nextPassPages == ["baseline": 512, "patched": 0])
        #expect(m.afterIsolationSplitPages == ["baseline": 512, "patched": 512])
    }

    // split_large_buddy handed a block that kept PG_reported: the check in
    // __free_one_page fires for the first pageblock in both variants; the patched one
    // marks the second pageblock too, which fires the check again, and when it merges
    // into the first the flag stays on pfn 512, no longer a block head; the next
    // allocation of the block hands that page out with the flag: bad_page.
    @Test func splitLargeBuddyProbe() throws {
        let patched = try DirectedProbes.splitLargeBuddy(variant: .patched)
        #expect(patched.violations.map(\.check) == ["VM_BUG_ON_PAGE", "VM_BUG_ON_PAGE", "bad_page"])
        #expect(patched.violations.map(\.pfn) == [0, 512, 512])
        #expect(patched.violations.map(\.function) == ["__free_one_page", "__free_one_page", "check_new_page_bad"])
        #expect(patched.staleReportedPages == [512])
        let baseline = try DirectedProbes.splitLargeBuddy(variant: .baseline)
        #expect(baseline.violations.map(\.check) == ["VM_BUG_ON_PAGE"])
        #expect(baseline.violations.map(\.pfn) == [0])
        #expect(baseline.staleReportedPages == [])
    }

    // Each hunk is found in the port through its added lines, and the probes say which
    // ran: on the fragmentation workload (tiny64 and x86-64, seed 1), split_large_buddy's
    // marking never runs, expand's does.
    @Test func coverage() throws {
        let data = try Data(contentsOf: repoRoot.appendingPathComponent("fixtures/patches/seed-archive.txt"))
        let patch = try #require(try PatchReader.read([UInt8](data)).patches.first)
        PortZone.resetProbes()
        PortZone.setProbes(enabled: true)
        defer { PortZone.setProbes(enabled: false) }
        for g in [Geometry.tiny64, .x86_64] {
            for w in Workloads.all(geometry: g, seed: 1) {
                _ = try SemanticsRunner.run(w, geometry: g, geometryName: "", seed: 1)
            }
        }
        let port = repoRoot.appendingPathComponent("CModules/CBuddyPort")
        let coverage = try CoverageMap.measure(patch, portRoot: port)
        #expect(coverage.map(\.hunk) == [1, 2, 3, 4, 5, 6])
        #expect(coverage.map(\.function) == ["split_large_buddy", "split_large_buddy", "expand", "expand",
                                             "page_del_and_expand", "try_to_claim_block"])
        #expect(coverage.map(\.exercised) == [true, false, true, true, true, true])
        #expect(coverage.map(\.portLines.count) == [1, 2, 1, 2, 2, 3])
        // The mapped lines hold the hunks' added lines.
        let source = try String(contentsOf: port.appendingPathComponent("port/mm/page_alloc.c"), encoding: .utf8)
            .components(separatedBy: "\n")
        let squeeze = { (s: String) in s.filter { !$0.isWhitespace } }
        for (h, c) in zip(patch.hunks, coverage) {
            let added = h.lines.filter { $0.kind == .added }.map { squeeze($0.text) }
            for line in c.portLines { #expect(added.contains(squeeze(source[line - 1]))) }
        }
        #expect(coverage[0].calls.map(\.returnedTrue) == [0])
        #expect(coverage[1].conditions.map(\.trueCount) == [0])
        #expect(coverage[1].why?.contains("was false in all") == true)
        #expect(coverage[3].conditions.first.map { $0.trueCount > 0 && $0.falseCount > 0 } == true)
        #expect(coverage[4].calls.first.map { ($0.returnedTrue ?? 0) > 0 } == true)
        #expect(coverage[5].calls.first.map { ($0.returnedTrue ?? 0) > 0 } == true)
    }

    // Workloads are reproducible from the seed, and the fragmentation workload on
    // x86-64, seed 1, re-reports 1,536 pages in baseline, all after an allocation split
    // the Reported block that held them, and none in patched.
    @Test func workloads() throws {
        let a = try SemanticsRunner.run(Workloads.all(geometry: .x86_64, seed: 1)[1], geometry: .x86_64,
                                        geometryName: "x86-64", seed: 1)
        let b = try SemanticsRunner.run(Workloads.all(geometry: .x86_64, seed: 1)[1], geometry: .x86_64,
                                        geometryName: "x86-64", seed: 1)
        #expect(a == b)
        #expect(a.workload == "fragmentation")
        #expect(a.baseline.rereportedPages == 1536)
        #expect(a.patched.rereportedPages == 0)
        #expect(a.baseline.rereportedByCause == ["split by an allocation": 1536])
        #expect(a.baseline.violations == [] && a.patched.violations == [])
    }

    // The report's lines stay under 80 columns, the cause rows and the failed calls
    // included, and the JSON reads back to the same value.
    @Test func textFitsAMailReply() throws {
        let w = try SemanticsRunner.run(Workloads.all(geometry: .tiny64, seed: 3)[0], geometry: .tiny64,
                                        geometryName: "tiny64", seed: 3)
        let mix = try SemanticsRunner.run(Workloads.all(geometry: .tiny64, seed: 3)[3], geometry: .tiny64,
                                          geometryName: "tiny64", seed: 3)
        let report = SemanticsReport(seed: 3, workloads: [w, mix], scenario: try ScenarioMeasurements.measure(),
                                     coverage: [], probes: [try DirectedProbes.splitLargeBuddy(variant: .patched)])
        for line in report.text.split(separator: "\n") { #expect(line.count < 80, "\(line)") }
        #expect(report.text.contains("  report() calls failed"))
        #expect(report.text.contains("  pages in failed calls"))
        #expect(report.text.contains("  re-reported, by the event that took PG_reported off the page:"))
        #expect(report.text.contains("    merged with a freed buddy"))
        let json = try JSONEncoder().encode(report)
        #expect(try JSONDecoder().decode(SemanticsReport.self, from: json) == report)
        let svg = SemanticsReport.svgChart(w)
        #expect(svg.hasPrefix("<svg") && svg.contains("<polyline") && svg.hasSuffix("</svg>"))
        #expect(report.claims.map(\.status) == [.confirmed, .confirmed, .contradicted, .confirmed, .confirmed, .contradicted])
    }
}
