// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing
@testable import PatchReader

/// Inputs the patch reader's fuzz target found (fixtures/fuzz/crashes/patch-reader),
/// each read to exact lines, and the canonical text of each reading back to them.
@Suite struct FuzzFindingTests {
    static let crashes = Fixture.directory.appendingPathComponent("../fuzz/crashes/patch-reader").standardizedFileURL

    static func crash(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: crashes.appendingPathComponent(name)))
    }

    /// Reads `bytes` as one patch and its canonical text back as one patch.
    static func roundTrip(_ bytes: [UInt8]) throws -> (Patch, Patch) {
        let set = try PatchReader.read(bytes)
        try #require(set.patches.count == 1)
        let reread = try PatchReader.read(text: set.patches[0].canonicalText)
        try #require(reread.patches.count == 1)
        return (set.patches[0], reread.patches[0])
    }

    /// A marker followed by a combining mark is one Character; the mark is the line's.
    @Test func combiningMarkAfterMarker() throws {
        let (patch, reread) = try Self.roundTrip(try Self.crash("combining-mark-after-marker.patch"))
        #expect(patch.hunks.map(\.lines) == [[HunkLine(kind: .context, text: "\u{0742}")]])
        #expect(patch.canonicalText == "@@ -2 +1 @@\n \u{0742}\n")
        #expect(reread.hunks.map(\.lines) == patch.hunks.map(\.lines))
    }

    @Test func combiningMarksAfterEveryMarker() throws {
        let text = "--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2 @@\n \u{0301}ctx\n-\u{0301}old\n+\u{0301}new\n"
        let (patch, reread) = try Self.roundTrip(Array(text.utf8))
        #expect(patch.hunks.map(\.lines) == [[
            HunkLine(kind: .context, text: "\u{0301}ctx"),
            HunkLine(kind: .removed, text: "\u{0301}old"),
            HunkLine(kind: .added, text: "\u{0301}new"),
        ]])
        #expect(patch.hunks.map(\.countsMatched) == [true])
        #expect(reread.hunks.map(\.lines) == patch.hunks.map(\.lines))
    }

    /// CR CR LF: both CRs end the line; no line text ends with a CR.
    @Test func carriageReturnsBeforeLineFeed() throws {
        let (patch, reread) = try Self.roundTrip(try Self.crash("cr-cr-lf.patch"))
        #expect(patch.hunks.map(\.lines) == [[HunkLine(kind: .removed, text: "a"), HunkLine(kind: .added, text: "b")]])
        #expect(patch.canonicalText == "@@ -1 +1 @@\n-a\n+b\n")
        #expect(reread.hunks.map(\.lines) == patch.hunks.map(\.lines))
    }

    @Test func carriageReturnsInsideALineStay() {
        #expect(TextDecoding.withoutCarriageReturnsBeforeNewlines(Array("a\r\rb\r\r\nc\r".utf8)) == Array("a\r\rb\nc".utf8))
    }

    /// `&#0;` would make the text binary; the entity stays as written.
    @Test func nulEntityStays() throws {
        let (patch, reread) = try Self.roundTrip(try Self.crash("nul-entity-in-section.patch"))
        #expect(patch.hunks.map(\.section) == ["&#0;"])
        #expect(patch.canonicalText == "@@ -3,0 +6,0 @@ &#0;\n")
        #expect(reread.hunks.map(\.section) == ["&#0;"])
    }

    /// `&#10;` and `&#x0d;` would break a line in two or end it; they stay as written
    /// while the other entities of the same text are decoded.
    @Test func lineBreakEntitiesStay() throws {
        let (patch, reread) = try Self.roundTrip(try Self.crash("line-break-entities.patch"))
        #expect(patch.mangled)
        #expect(patch.hunks.map(\.lines) == [[HunkLine(kind: .removed, text: "a&#10;b &"),
                                              HunkLine(kind: .added, text: "c&#x0d; <")]])
        #expect(reread.hunks.map(\.lines) == patch.hunks.map(\.lines))
    }

    @Test func numericEntities() {
        #expect(HTMLEntities.decode("&#9;&#x41;&#0;&#10;&#13;&#xA;&#X0D;&#65;") == "\tA&#0;&#10;&#13;&#xA;&#X0D;A")
    }

    /// A C-quoted path may hold any byte; the canonical text quotes it back, so a NUL
    /// or a line break in it survives.
    @Test func nulInQuotedPath() throws {
        let (patch, reread) = try Self.roundTrip(try Self.crash("nul-in-quoted-path.patch"))
        #expect(patch.files.map(\.newPath) == ["\0"])
        #expect(patch.canonicalText == "diff --git \"a/\" \"b/\\000\"\n--- a/\n+++ \"b/\\000\"\n@@ -1,0 +6,0 @@\n")
        #expect(reread.files.map(\.oldPath) == patch.files.map(\.oldPath))
        #expect(reread.files.map(\.newPath) == patch.files.map(\.newPath))
    }

    @Test func quotedPathsRoundTrip() throws {
        let (patch, reread) = try Self.roundTrip(try Self.crash("quoted-paths.patch"))
        #expect(patch.files.map(\.oldPath) == ["x\tyé"])
        #expect(patch.files.map(\.newPath) == ["x\ny"])
        #expect(patch.canonicalText == "diff --git \"a/x\\tyé\" \"b/x\\ny\"\n--- \"a/x\\tyé\"\n+++ \"b/x\\ny\"\n@@ -1 +1 @@\n-a\n+b\n")
        #expect(reread.files.map(\.oldPath) == patch.files.map(\.oldPath))
        #expect(reread.files.map(\.newPath) == patch.files.map(\.newPath))
    }

    @Test func quoting() {
        #expect(Patch.quoted("a/\u{7}\u{8}\t\n\u{B}\u{C}\r\"\\\u{1}\u{7F}é x") == "\"a/\\a\\b\\t\\n\\v\\f\\r\\\"\\\\\\001\\177é x\"")
        #expect(!Patch.needsQuoting("mm/page_alloc.c"))
        #expect(!Patch.needsQuoting("dir with space/é.c"))
        #expect(Patch.needsQuoting(" lead"))
        #expect(Patch.needsQuoting("trail "))
        #expect(Patch.needsQuoting("quote\"d"))
    }
}
