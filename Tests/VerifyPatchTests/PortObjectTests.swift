// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import PatchReader
import PatchVerifier
import Testing

@Suite("The port's own objects")
struct PortObjectTests {
    static func report(_ object: String) throws -> ObjectReport {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("fixtures/patches/seed-archive.txt")))
        let patch = try #require(try PatchReader.read([UInt8](data)).patches.first)
        return try Verifier.verify(objectAt: fixture(object), expectations: FunctionExpectation.from(patch))
    }

    static let base = "unsigned int expand(struct zone *zone, struct page *page, int low, int high, int migratetype"

    // The baseline object is the port's text compiled (scripts/make-port-objects.sh):
    // expand's prototype decides it, and the other three are placed by the line rows of
    // calls the patch moves (line numbers are port/mm/page_alloc.c's: __free_one_page
    // sits at 504 in split_large_buddy, where the patched text has `if (reported)`).
    @Test func baselineIsUnpatched() throws {
        let r = try Self.report("fixtures/objects/port/baseline/page_alloc.o")
        #expect(r.overall == .unpatched)
        #expect(r.functions.map(\.name) == ["split_large_buddy", "expand", "page_del_and_expand", "try_to_claim_block"])
        #expect(r.functions.map(\.verdict) == [.unpatched, .unpatched, .unpatched, .unpatched])
        #expect(r.functions[1].dwarf.map(\.prototype) == [Self.base + ")"])
        #expect(r.functions[1].findings.map(\.kind) == [.prototypeMatchesBefore])
        #expect(r.functions[0].findings.map(\.description) == [
            "found only before the patch: hunk 2: call __free_one_page at line 504:3, as on the context line "
                + "\"__free_one_page(page, pfn, zone, order, mt, fpi);\"; after the patch that line is \"if (reported)\" "
                + "(anchored by call get_pfnblock_migratetype on line 502)",
        ])
        #expect(r.functions[3].findings.map(\.kind) == [.bodyMatchesBefore, .bodyMatchesBefore, .bodyMatchesBefore])
        #expect(r.functions[2].dwarf.map(\.inlinedOnly) == [true])
        #expect(r.functions[2].symbols == [])
        #expect(r.functions[1].symbols.map(\.name) == ["expand"])
        #expect(r.functions[1].symbols.map(\.binding) == ["LOCAL"])
        #expect(r.functions[1].symbols.map(\.file) == ["page_alloc.c"])
        #expect(r.elfClass == 64 && r.byteOrder == "littleEndian" && r.type == "relocatable")
    }

    // The patched object is the seed's variant compiled: its added call to
    // __SetPageReported sits at 506, where the baseline has `pfn += 1 << order;`.
    @Test func patchedIsPatched() throws {
        let r = try Self.report("fixtures/objects/port/patched/page_alloc.o")
        #expect(r.overall == .patched)
        #expect(r.functions.map(\.verdict) == [.patched, .patched, .patched, .patched])
        #expect(r.functions[1].dwarf.map(\.prototype) == [Self.base + ", _Bool reported)"])
        #expect(r.functions[1].findings.map(\.kind) == [.prototypeMatchesAfter, .bodyMatchesAfter])
        #expect(r.functions[0].findings.first?.description == "found only after the patch: hunk 2: call __SetPageReported at "
                + "line 506:4, as on the added line \"__SetPageReported(page);\"; before the patch that line is "
                + "\"pfn += 1 << order;\" (anchored by call get_pfnblock_migratetype on line 503)")
        #expect(r.functions[3].dwarf.map(\.locals) ==
                [["int free_pages", "int movable_pages", "int alike_pages", "long unsigned int start_pfn",
                  "unsigned int nr_added", "_Bool was_reported"]])
    }

    // The committed objects must be the ones scripts/make-port-objects.sh builds from the
    // port as it is now and the seed: the recorded hashes of the port's sources, its
    // configuration and the seed patch must match the tree.
    @Test func objectsMatchThePortSources() throws {
        let recorded = try String(contentsOfFile: fixture("fixtures/objects/port/SOURCES.sha256"), encoding: .utf8)
        var current: [String] = []
        for line in recorded.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            let path = String(parts[1]).trimmingCharacters(in: .whitespaces)
            let result = try run(URL(fileURLWithPath: "/usr/bin/sha256sum"), [path])
            current.append(result.stdout.trimmingCharacters(in: .newlines))
        }
        #expect(current.joined(separator: "\n") == recorded.trimmingCharacters(in: .newlines),
                "the port changed: run scripts/make-port-objects.sh and commit the objects")
        let listed = Set(recorded.split(separator: "\n").map { String($0.split(separator: " ", maxSplits: 1)[1]).trimmingCharacters(in: .whitespaces) })
        let inTree = try FileManager.default.subpathsOfDirectory(atPath: fixture("CModules/CBuddyPort"))
            .filter { $0 == "kconfig" || (($0.hasPrefix("port/") || $0.hasPrefix("include/"))
                && ($0.hasSuffix(".c") || $0.hasSuffix(".h"))) }
            .map { "CModules/CBuddyPort/" + $0 }
        #expect(listed == Set(inTree + ["fixtures/patches/seed-archive.txt"]), "a source is missing from SOURCES.sha256")
    }
}
