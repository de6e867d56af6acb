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

// Bodies as mail transports and lists re-encode them, each a real message.
@Suite("Mail bodies: quoted-printable, base64, a patch in a reply")
struct MailBodyTests {
    static func read(_ path: String) throws -> PatchSet {
        try PatchReader.read(try Fixture.bytes(path))
    }

    // Zi Yan's v3 1/2 went out quoted-printable: "=3D" for "=", "=20" for a trailing
    // space, "=\n" joining a long line.
    @Test func quotedPrintable() throws {
        let p = try #require(try Self.read("../presence/patches/13-simplify-migratetype-check-qp.eml").patches.first)
        #expect(p.subject == "mm: page_alloc: simplify pageblock migratetype check in __free_one_page().")
        #expect(p.hunks.count == 4)
        let lines = p.hunks.flatMap(\.lines)
        #expect(lines.first?.text == "\t\tint migratetype, fpi_t fpi_flags)")
        #expect(lines.contains { $0.kind == .removed && $0.text == "\tunsigned int max_order = pageblock_order;" })
        #expect(lines.contains { $0.kind == .added && $0.text == "\t\tif (unlikely(order >= pageblock_order)) {" })
        #expect(!lines.contains { $0.text.contains("=3D") || $0.text.contains("=20") })
        #expect(p.hunks.map(\.countsMatched) == [true, true, true, true])
    }

    // Mailman re-encoded this message of Mike Rapoport's series as base64.
    @Test func base64Body() throws {
        let p = try #require(try Self.read("mail/base64-body.eml").patches.first)
        #expect(p.subject == "mm: simplify find_min_pfn_with_active_regions()")
        #expect(p.files.map(\.path) == ["mm/page_alloc.c"])
        #expect(p.hunks.map { "\($0.oldStart),\($0.oldCount) \($0.newStart),\($0.newCount)" } == ["7045,24 7045,6", "7071,7 7053,7"])
        #expect(PatchReader.touchedFunctions(p).map(\.name) == ["find_min_pfn_for_node", "find_min_pfn_with_active_regions"])
    }

    // Johannes Weiner's reply quotes Mel Gorman's patch ("> >> -..."), then gives his
    // own after a "---" line, as format-patch wrote it: the unquoted one is the patch,
    // with the subject of its own header block.
    @Test func patchInReplyAfterQuotedText() throws {
        let set = try Self.read("mail/reply-with-patch.eml")
        #expect(set.patches.count == 1)
        let p = try #require(set.patches.first)
        #expect(p.subject == "mm: page_alloc: fix CMA and HIGHATOMIC landing on the wrong buddy list")
        #expect(p.author == "Johannes Weiner <hannes@cmpxchg.org>")
        #expect(p.hunks.map(\.oldStart) == [2400, 2408])
        #expect(p.hunks[0].lines.contains { $0.kind == .added && $0.text == "\tint migratetype, pcpmigratetype;" })
        #expect(!p.hunks.flatMap(\.lines).contains { $0.text.contains("get_pcppage_migratetype(page), FPI_NONE") })
    }

    @Test func quotedPrintableDecoding() {
        #expect(MimeBody.quotedPrintable(["a =3D b=", "c=20", "=E2=80=A6 end"]) == Array("a = bc \n\u{2026} end".utf8))
        #expect(MimeBody.quotedPrintable(["=ZZ stays"]) == Array("=ZZ stays".utf8))
    }
}
