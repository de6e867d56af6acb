// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing
@testable import PatchReader

/// Input that is not a patch is refused with one typed error each; the description is
/// one line the caller prefixes with the file name.
@Suite struct RefusalTests {
    static let prose = """
        Dear reviewers,

        I have been thinking about the page allocator - in particular about how
        free pages are reported - and would like to discuss it at the summit.
        +1 to the idea of a BoF.

        Thanks!

        """

    @Test(arguments: [
        ("empty", [], PatchReadError.empty),
        ("only whitespace", Array(" \n\t\r\n\n".utf8), .empty),
        ("NUL byte", Array("--- a/x\n".utf8) + [0] + Array("+++ b/x\n".utf8), .binary(offset: 8)),
        ("ELF header", [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00], .binary(offset: 7)),
        ("C1 control bytes", Array("--- a/x\n".utf8) + [0x81, 0x82] + Array("\n".utf8), .encoding),
        ("truncated UTF-8 then control", [0xE2, 0x82, 0x0A, 0x01], .encoding),
        ("prose", Array(prose.utf8), .notAPatch("no hunks found")),
        ("file headers without hunks", Array("--- a/x.c\n+++ b/x.c\n".utf8), .notAPatch("no hunks found")),
        ("malformed hunk header", Array("--- a/x.c\n+++ b/x.c\n@@ -1,2 +1,2\n x\n".utf8),
         .notAPatch("malformed hunk header at line 3")),
        ("combined diff", Array("diff --cc x.c\n--- a/x.c\n+++ b/x.c\n@@@ -1,1 -1,1 +1,1 @@@\n- a\n +b\n".utf8),
         .notAPatch("combined diff hunks (@@@) are not supported")),
    ] as [(String, [UInt8], PatchReadError)])
    func refused(_ what: String, _ bytes: [UInt8], _ error: PatchReadError) {
        #expect(readError(bytes) == error, "\(what)")
    }

    @Test func descriptionsAreOneLine() {
        #expect(PatchReadError.empty.description == "empty file")
        #expect(PatchReadError.binary(offset: 123).description == "binary data at byte 123")
        #expect(PatchReadError.encoding.description == "unknown text encoding")
        #expect(PatchReadError.notAPatch("no hunks found").description == "not a patch: no hunks found")
    }

    @Test func textEntryPointRefusesTheSame() {
        #expect(throws: PatchReadError.empty) { try PatchReader.read(text: "") }
        #expect(throws: PatchReadError.notAPatch("no hunks found")) { try PatchReader.read(text: Self.prose) }
        #expect(throws: PatchReadError.binary(offset: 3)) { try PatchReader.read(text: "abc\u{0}def") }
    }

    /// A Latin-1 file (é as the single byte 0xE9) that is plainly text is read.
    @Test func latin1TextIsAccepted() throws {
        var bytes = Array("From: Ren".utf8) + [0xE9] + Array(" Example <r@example.org>\n\n".utf8)
        bytes += Array("--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-int a;\n+int b; /* caf".utf8) + [0xE9] + Array(" */\n".utf8)
        let set = try PatchReader.read(bytes)
        #expect(set.patches[0].author == "René Example <r@example.org>")
        #expect(set.patches[0].files[0].hunks[0].lines[1].text == "int b; /* café */")
    }

    @Test func utf8ByteOrderMarkAndUTF16AreAccepted() throws {
        let diff = "--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-int a;\n+int \u{00E9};\n"
        let plain = try PatchReader.read(text: diff)
        #expect(try PatchReader.read([0xEF, 0xBB, 0xBF] + Array(diff.utf8)) == plain)
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in diff.utf16 { utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        #expect(try PatchReader.read(utf16) == plain)
    }
}
