// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import PatchApplier
import PatchReader
@testable import PortDrift
import Testing

let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
let portRoot = repo.appendingPathComponent("CModules/CBuddyPort")

/// The port as it is, or with the seed (as the archive rendered it) applied.
func port(patched: Bool) throws -> PortText {
    let baseline = try PortText.load(portRoot: portRoot)
    guard patched else { return baseline }
    let data = try Data(contentsOf: repo.appendingPathComponent("fixtures/patches/seed-archive.txt"))
    return try PortApplier.apply(try PatchReader.read([UInt8](data)).patches, to: baseline).text
}

/// A tree whose mm/page_alloc.c holds the seed's four functions exactly as Linux 7.3.4
/// has them, before (`.removed`) or after (`.added`) the patch, taken from the
/// whole-function diff fixture (git diff -W).
func miniTree(side: HunkLine.Kind) throws -> URL {
    let data = try Data(contentsOf: repo.appendingPathComponent("fixtures/patches/seed-function-context.patch"))
    let patch = try #require(try PatchReader.read([UInt8](data)).patches.first)
    let text = patch.hunks.map { hunk in
        var lines = hunk.lines.filter { $0.kind == .context || $0.kind == side }.map(\.text)
        // git puts a return type that sits on its own line in the hunk header.
        if let first = lines.first, first.range(of: "^[A-Za-z_][A-Za-z0-9_]*\\(", options: .regularExpression) != nil {
            lines.insert(hunk.section, at: 0)
        }
        return lines.joined(separator: "\n")
    }.joined(separator: "\n\n") + "\n"
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("drift-\(UUID().uuidString)")
    for dir in ["mm", "include/linux"] {
        try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
    }
    try Data(text.utf8).write(to: root.appendingPathComponent("mm/page_alloc.c"))
    for empty in ["mm/page_reporting.c", "mm/page_reporting.h", "mm/page_isolation.c",
                  "include/linux/page-isolation.h", "mm/page_alloc.h"] {
        try Data().write(to: root.appendingPathComponent(empty))
    }
    return root
}

@Suite("verify-patch drift")
struct DriftTests {
    static let seedFunctions = ["split_large_buddy", "expand", "page_del_and_expand", "try_to_claim_block"]

    // The four functions the seed touches are token for token the kernel's, in the
    // baseline port and with the seed applied to it; every other ported function is
    // reported as not in this small tree.
    @Test(arguments: [(false, HunkLine.Kind.removed), (true, .added)])
    func seedFunctionsAreTheKernels(patched: Bool, side: HunkLine.Kind) throws {
        let tree = try miniTree(side: side)
        defer { try? FileManager.default.removeItem(at: tree) }
        let report = try PortDrift.compare(port: try port(patched: patched), tree: tree, explanations: [])
        let found = report.functions.filter { $0.kernelFile != nil }
        #expect(found.map(\.name) == Self.seedFunctions)
        #expect(found.allSatisfy { $0.runs.isEmpty })
        #expect(report.functions.count == 78)
    }

    // The seed's variant against the unpatched functions differs exactly in the seed's hunks.
    @Test func wrongVariantShowsTheHunks() throws {
        let tree = try miniTree(side: .removed)
        defer { try? FileManager.default.removeItem(at: tree) }
        let report = try PortDrift.compare(port: try port(patched: true), tree: tree, explanations: [])
        let runs = Dictionary(uniqueKeysWithValues: report.functions.filter { $0.kernelFile != nil }
            .map { ($0.name, $0.runs.map { "\($0.kernel) => \($0.port)" }) })
        #expect(runs["split_large_buddy"] == [" => bool reported = PageReported ( page ) ;",
                                              " => if ( reported ) __SetPageReported ( page ) ;"])
        #expect(runs["expand"] == [" => , bool reported",
                                   " => if ( reported ) __SetPageReported ( & page [ size ] ) ;"])
        #expect(runs["page_del_and_expand"] == [" => bool was_reported = page_reported ( page ) ;",
                                                " => , was_reported"])
        #expect(runs["try_to_claim_block"] == [" => bool was_reported = page_reported ( page ) ;",
                                               " => , was_reported"])
    }

    @Test func tokens() {
        #expect(CText.tokens("a->b <<= 2; /* c */ x // y\n\"s\\\"t\" 'q'") ==
                ["a", "->", "b", "<<=", "2", ";", "x", "\"s\\\"t\"", "'q'"])
    }

    // The kernel's #ifdefs are resolved with the package's kconfig.
    @Test func kernelConfig() {
        #expect(PortDrift.kernelConfig == ["CONFIG_CMA", "CONFIG_MEMORY_ISOLATION", "CONFIG_PAGE_REPORTING", "CONFIG_DEBUG_VM"])
    }

    @Test func conditionals() {
        let lines = ["#ifdef CONFIG_CMA", "a", "#else", "b", "#endif",
                     "#if IS_ENABLED(CONFIG_X) || defined(CONFIG_CMA)", "c", "#elif 1", "d", "#endif",
                     "#ifndef CONFIG_CMA", "e", "#endif"]
        #expect(CText.resolve(lines, defined: ["CONFIG_CMA"]) == ["a", "c"])
        #expect(CText.resolve(lines, defined: []) == ["b", "d", "e"])
    }

    // Every explanation names a deviation PORTING.md lists.
    @Test func explanationsNameDeviations() throws {
        let root = repo.appendingPathComponent("CModules/CBuddyPort")
        let explained = DriftExplanation.parse(try String(contentsOf: root.appendingPathComponent("drift-explained.txt"), encoding: .utf8))
        let porting = try String(contentsOf: root.appendingPathComponent("PORTING.md"), encoding: .utf8)
        #expect(!explained.isEmpty)
        for e in explained {
            let number = try #require(e.deviation.split(separator: " ").dropFirst().first?.trimmingCharacters(in: CharacterSet(charactersIn: ":")))
            #expect(porting.contains("\n\(number). **"), "\(e.deviation)")
        }
    }
}
