// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import PatchReader
import PatchVerifier
import Testing

@Suite("What the seed patch leads one to expect")
struct ExpectationTests {
    static func expectations(_ file: String) throws -> [FunctionExpectation] {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture(file)))
        let set = try PatchReader.read([UInt8](data))
        return FunctionExpectation.from(try #require(set.patches.first))
    }

    @Test(arguments: ["fixtures/patches/seed-archive.txt", "fixtures/patches/seed-clean.patch",
                      "fixtures/patches/seed-archive-crlf.txt"])
    func seed(_ file: String) throws {
        let e = try Self.expectations(file)
        #expect(e.map(\.name) == ["split_large_buddy", "expand", "page_del_and_expand", "try_to_claim_block"])
        #expect(e.map(\.file) == Array(repeating: "mm/page_alloc.c", count: 4))
        #expect(e.map(\.hunks) == [[1, 2], [3, 4], [5], [6]])
        #expect(e.map(\.prototypeChanged) == [false, true, false, false])
        #expect(e[1].before?.rendered == "static inline unsigned int expand(struct zone *zone, struct page *page, int low, int high, int migratetype)")
        #expect(e[1].after?.rendered == "static inline unsigned int expand(struct zone *zone, struct page *page, int low, int high, int migratetype, bool reported)")
        #expect(e.map { $0.addedLocals.map(\.description) } ==
                [["bool reported"], [], ["bool was_reported"], ["bool was_reported"]])
        #expect(e.map { $0.addedLocals.map(\.hunk) } == [[1], [], [5], [6]])
        #expect(e.allSatisfy { $0.removedLocals.isEmpty })
    }

    @Test func declarations() {
        let cases: [(String, String?)] = [
            ("bool reported = PageReported(page);", "bool reported"),
            ("\tunsigned long flags;", "unsigned long flags"),
            ("struct page *buddy = NULL;", "struct page *buddy"),
            ("const char *reason;", "const char *reason"),
            ("fpi_t fpi = FPI_NONE;", "fpi_t fpi"),
            ("reported = false;", nil),
            ("return page;", nil),
            ("nr_pages -= expand(zone, page, low, high, migratetype);", nil),
            ("if (reported)", nil),
            ("__SetPageReported(&page[size]);", nil),
        ]
        for (line, expected) in cases {
            let found = FunctionExpectation.localDeclaration(in: line)
                .map { LocalDeclaration(type: $0.type, name: $0.name, hunk: 0).description }
            #expect(found == expected, "\(line)")
        }
    }
}
