// SPDX-License-Identifier: GPL-2.0-only

import Foundation
@testable import PatchReader
import Testing

@Suite("Patches as real mail carries them")
struct RealMailTests {
    static func patch(_ name: String) throws -> Patch {
        let bytes = try Fixture.bytes("../presence/patches/" + name)
        return try #require(try PatchReader.read(bytes).patches.first)
    }

    // akpm's mm-commits mail: "--- a/mm/page_alloc.c~name" and "+++ a/mm/page_alloc.c".
    @Test func quiltPaths() throws {
        let p = try Self.patch("02-split-large-buddy-mm-commits.eml")
        #expect(p.files.map(\.path) == ["mm/page_alloc.c"])
        #expect(p.files.map(\.oldPath) == ["mm/page_alloc.c"])
        #expect(PatchReader.touchedFunctions(p).map(\.name) == ["split_large_buddy"])
    }

    // A raw message, no mbox "From " line, its headers with "ARC-Seal:i=1; ..." fields.
    @Test func rawMessageSubject() throws {
        let p = try Self.patch("01-split-large-buddy-stable-6.12.eml")
        #expect(p.subject == "mm/page_alloc: dont call pfn_to_page() on possibly non-existent PFN in split_large_buddy()")
        #expect(p.author == "Greg Kroah-Hartman <gregkh@linuxfoundation.org>")
    }

    @Test func lineFacts() {
        let facts = FactReader.read([
            ("\tbool was_reported = page_reported(page);", .added),
            ("out_unlock:", .context),
            ("\tpr_warn(\"bad order %d\\n\" \"!\", order);", .added),
            ("\tstruct page *buddy, *next = NULL;", .removed),
        ])
        #expect(facts.map(\.calls) == [["page_reported"], [], ["pr_warn"], []])
        #expect(facts.map { $0.declarations.map(\.description) } == [["bool was_reported"], [], [], ["struct page *buddy", "struct page *next"]])
        #expect(facts.map(\.labels) == [[], ["out_unlock"], [], []])
        #expect(facts.map(\.strings) == [[], [], ["bad order %d\n!"], []])
    }
}
