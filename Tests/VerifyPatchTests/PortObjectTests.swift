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

    @Test func baselineIsUnpatched() throws {
        let r = try Self.report("fixtures/objects/port/baseline/page_alloc.o")
        // The port keeps the patch's lines under `#if`, so its lines are not the
        // kernel's: only expand's prototype decides, and no absent local does.
        #expect(r.overall == .unpatched)
        #expect(r.functions.map(\.verdict) == [.indeterminate, .unpatched, .indeterminate, .indeterminate])
        #expect(r.functions[1].dwarf.map(\.prototype) == [Self.base + ")"])
        #expect(r.functions[1].findings.map(\.kind) == [.prototypeMatchesBefore])
        #expect(r.functions[0].findings.map(\.description) == [
            "undecided: hunk 1: anchored by local end on line 493, the object's code on the hunk's lines fits both sides",
            "undecided: hunk 2: anchored by call get_pfnblock_migratetype on line 505, local mt on line 505, call __free_one_page on line 511, the object's code on the hunk's lines fits both sides",
        ])
        #expect(r.functions[3].findings.map(\.kind) == [.undecidedHunk])
        #expect(r.functions[2].dwarf.map(\.inlinedOnly) == [true])
        #expect(r.functions[2].symbols == [])
        #expect(r.functions[1].symbols.map(\.name) == ["expand"])
        #expect(r.functions[1].symbols.map(\.binding) == ["LOCAL"])
        #expect(r.functions[1].symbols.map(\.file) == ["page_alloc.c"])
        #expect(r.elfClass == 64 && r.byteOrder == "littleEndian" && r.type == "relocatable")
    }

    @Test func patchedIsPatched() throws {
        let r = try Self.report("fixtures/objects/port/patched/page_alloc.o")
        #expect(r.overall == .patched)
        #expect(r.functions.map(\.verdict) == [.indeterminate, .patched, .indeterminate, .indeterminate])
        #expect(r.functions[1].dwarf.map(\.prototype) == [Self.base + ", _Bool reported)"])
        #expect(r.functions[1].findings.map(\.description) == [
            // The `#if` lines around the port's two heads move its lines off the
            // patch's text, so the body's lines place the code on neither side.
            "prototype matches the patched one: unsigned int expand(struct zone *zone, struct page *page, int low, int high, int migratetype, _Bool reported)",
        ])
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
