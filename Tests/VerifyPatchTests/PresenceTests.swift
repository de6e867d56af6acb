// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import PatchReader
import PatchVerifier
import Testing

// fix.patch adds `account_freepages(zone, -(1 << order));` inside the capture branch of
// free_one(), as the kernel fix of __free_one_page did; the objects are before.c and
// after.c built by GCC and by clang, DWARF 5 (scripts/make-presence-fixtures.sh).
@Suite("Body-only changes decided from the object")
struct PresenceTests {
    static func report(_ object: String) throws -> ObjectReport {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("fixtures/presence/fix.patch")))
        let patch = try #require(try PatchReader.read([UInt8](data)).patches.first)
        return try Verifier.verify(objectAt: fixture("fixtures/presence/" + object),
                                   expectations: FunctionExpectation.from(patch))
    }

    static let found = "found only after the patch: hunk 1: call account_freepages on line 23, as on the added line "
        + "\"account_freepages(zone, -(1 << order));\"; before the patch that line is \"return;\" "
        + "(anchored by call compaction_capture on line 22)"

    // The added call stands on line 23, right below the context's compaction_capture()
    // on line 22; before the patch line 23 is `return;`, which calls nothing.
    @Test(arguments: ["after-gcc.o", "after-clang.o"])
    func addedCallIsFound(_ object: String) throws {
        let r = try Self.report(object)
        #expect(r.overall == .patched)
        #expect(r.functions.map(\.verdict) == [.patched])
        #expect(r.functions[0].findings.map(\.description) == [Self.found])
    }

    // The unpatched object lacks the call; a missing call decides nothing.
    @Test func absentCallDecidesNothing() throws {
        let r = try Self.report("before-gcc.o")
        #expect(r.overall == .indeterminate)
        #expect(r.functions[0].findings.map(\.description) == [
            "undecided: hunk 1: anchored by call compaction_capture on line 22, but no changed call, local or label is on the line it predicts",
        ])
    }

    // clang names the primary source file with DW_AT_decl_file 0 in DWARF 5.
    @Test func clangDeclFileZero() throws {
        let r = try Self.report("before-clang.o")
        #expect(r.functions[0].dwarf.map(\.declFile) == ["./free.c"])
        #expect(r.functions[0].dwarf.map(\.declLine) == [16])
    }

    // The rename of __PageMovable() to page_has_movable_ops() (a real mail, eight
    // files): prep_move_freepages_block's changed line keeps PageLRU(), its anchor.
    @Test func changedLineIsItsOwnAnchor() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("fixtures/presence/patches/03-rename-pagemovable.eml")))
        let patch = try #require(try PatchReader.read([UInt8](data)).patches.first)
        let e = try #require(FunctionExpectation.from(patch).first { $0.name == "prep_move_freepages_block" })
        #expect(e.file == "mm/page_alloc.c")
        let h = try #require(e.hunkFacts.first)
        #expect(h.old.filter { $0.kind == .removed }.map(\.calls) == [["PageLRU", "__PageMovable"]])
        #expect(h.new.filter { $0.kind == .added }.map(\.calls) == [["PageLRU", "page_has_movable_ops"]])
    }
}
