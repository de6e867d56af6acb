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

    static let call = "found only after the patch: hunk 1: call account_freepages at line 23:4, as on the added line "
        + "\"account_freepages(zone, -(1 << order));\"; before the patch that line is \"return;\" "
        + "(anchored by call compaction_capture on line 22)"
    static let argument = "found only after the patch: hunk 1: code at line 23:32, as on the added line "
        + "\"account_freepages(zone, -(1 << order));\"; before the patch that line is \"return;\" "
        + "(anchored by call compaction_capture on line 22)"
    static let shifted = "found only after the patch: hunk 1: code at line 24:4, as on the context line \"return;\"; "
        + "before the patch that line is \"}\" (anchored by call compaction_capture on line 22)"

    // The added call stands on line 23, right below the context's compaction_capture()
    // on line 22, with its name at column 4 and a row at its argument's `-` (column
    // 32); before the patch line 23 is `return;`, which holds neither. GCC's row for
    // the `return` now on line 24, column 4, stands where the old text has `}`.
    @Test(arguments: [("after-gcc.o", [call, argument, shifted]), ("after-clang.o", [call, argument])])
    func addedCallIsFound(_ object: String, _ findings: [String]) throws {
        let r = try Self.report(object)
        #expect(r.overall == .patched)
        #expect(r.functions.map(\.verdict) == [.patched])
        #expect(r.functions[0].findings.map(\.description) == findings)
    }

    // The same object with its debug sections compressed with zstd, inflated by the
    // reader (libelf 0.188 knows only zlib): the same evidence.
    @Test func zstdCompressedDebugSections() throws {
        let r = try Self.report("after-gcc-zstd.o")
        #expect(r.overall == .patched)
        #expect(r.functions[0].findings.map(\.description) == [Self.call, Self.argument, Self.shifted])
    }

    // The unpatched GCC object lacks the call; a missing call decides nothing, and the
    // rows it has fit both sides' text (the hunk shifts one row, on one line only).
    @Test func absentCallDecidesNothing() throws {
        let r = try Self.report("before-gcc.o")
        #expect(r.overall == .indeterminate)
        #expect(r.functions[0].findings.map(\.description) == [
            "undecided: hunk 1: anchored by call compaction_capture on line 22, the object's code on the hunk's lines fits both sides",
        ])
    }

    // clang leaves no call site for compaction_capture() on one line, so the hunk has
    // no anchor; its old side's layout of rows fits the object at lines 20-25 and the
    // new side's fits nowhere in free_one.
    @Test func anchorlessHunkPlacedByItsRows() throws {
        let r = try Self.report("before-clang.o")
        #expect(r.overall == .unpatched)
        #expect(r.functions[0].findings.map(\.description) == [
            "found only before the patch: hunk 1: no anchor: none of its context's call account_freepages, call compaction_capture "
                + "is on exactly one line of the object's free_one; the old side's lines fit the object's lines 20-25 "
                + "(3 lines with code), the new side's fit nowhere in lines 16-4016",
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
