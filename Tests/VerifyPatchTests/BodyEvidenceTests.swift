// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import KernelObjects
import PatchReader
@testable import PatchVerifier
import Testing

// The real patch "mm/page_reporting: drop stale list head check in
// page_reporting_cycle" changes one condition and keeps the call in it:
//
//   -		if (&page->lru != list && !list_is_first(&page->lru, list))
//   +		if (!list_is_first(&page->lru, list))
//   		    ^ column 8 after the patch, column 30 before it
//
// The objects here are what DWARF says of page_reporting_cycle in Linux 7.3.4
// (list_is_first inlined at 226 and 259, list_rotate_to_front at 227 and 260, rows at
// the `if` and its `(`), with list_is_first's call column set per case. The context's
// list_rotate_to_front stands on two lines of the object: both are tried, and the one
// that places neither side's text (260) is dropped.
@Suite("Deciding a hunk from the columns DWARF gives")
struct BodyEvidenceTests {
    static func expectation() throws -> FunctionExpectation {
        let url = URL(fileURLWithPath: fixture("fixtures/presence/patches/11-page-reporting-stale-list-head-v2.eml"))
        let patch = try #require(try PatchReader.read([UInt8](Data(contentsOf: url))).patches.first)
        return try #require(FunctionExpectation.from(patch).first)
    }

    static func object(listIsFirstColumn: Int) -> FunctionEvidence {
        let file = "mm/page_reporting.c"
        func call(_ name: String, _ line: Int, _ column: Int) -> BodyFact {
            BodyFact(kind: .call, name: name, line: line, column: column, file: file, source: .inlined)
        }
        func local(_ name: String, _ line: Int, _ column: Int) -> BodyFact {
            BodyFact(kind: .variable, name: name, line: line, column: column, file: file, type: "struct page *",
                     depth: 0, source: .declaration)
        }
        let facts = [
            local("page", 164, 15), local("next", 164, 22),
            call("list_is_first", 226, listIsFirstColumn), call("list_rotate_to_front", 227, 4),
            call("list_is_first", 259, 47), call("list_rotate_to_front", 260, 3),
        ]
        let prototype = FunctionPrototype(name: "page_reporting_cycle", returnType: "int", parameters: [],
                                          isVariadic: false, rendered: "int page_reporting_cycle()")
        let function = DWARFFunction(prototype: prototype, compilationUnit: file, declFile: file, declLine: 157,
                                     declaredInline: false, inlinedOnly: false, outOfLineCopies: [],
                                     inlinedCallSites: 0)
        return FunctionEvidence(function: function, body: FunctionBody(facts: facts, instances: 1, lexicalBlocks: 0,
                                                                       lastLine: 280))
    }

    static let rows = SourceRows(columns: [226: [3, 6], 227: [4], 230: [3], 259: [3, 6], 260: [3]])
    static let vocabulary = UnitVocabulary(functions: ["list_is_first", "list_rotate_to_front", "page_reporting_cycle"],
                                           types: ["page"])

    @Test func callAtTheNewColumnIsPatched() throws {
        let d = BodyEvidence.decide(try Self.expectation(), Self.object(listIsFirstColumn: 8),
                                    vocabulary: Self.vocabulary, rows: Self.rows)
        #expect(d.unpatched == [])
        #expect(d.patched == [
            "hunk 1: call list_is_first at line 226:8, as on the added line \"if (!list_is_first(&page->lru, list))\"; "
                + "before the patch that line is \"if (&page->lru != list && !list_is_first(&page->lru, list))\" "
                + "(anchored by call list_rotate_to_front on line 227)",
        ])
    }

    @Test func callAtTheOldColumnIsUnpatched() throws {
        let d = BodyEvidence.decide(try Self.expectation(), Self.object(listIsFirstColumn: 30),
                                    vocabulary: Self.vocabulary, rows: Self.rows)
        #expect(d.patched == [])
        #expect(d.unpatched == [
            "hunk 1: call list_is_first at line 226:30, as on the removed line "
                + "\"if (&page->lru != list && !list_is_first(&page->lru, list))\"; after the patch that line is "
                + "\"if (!list_is_first(&page->lru, list))\" (anchored by call list_rotate_to_front on line 227)",
        ])
    }

    // At column 12 neither text has the call's name (the old line has `->` there):
    // the object's line is a third version at both places the anchor could stand, and
    // the hunk's two lines of code are too few to place it by its rows alone.
    @Test func callAtNeitherColumnDecidesNothing() throws {
        let d = BodyEvidence.decide(try Self.expectation(), Self.object(listIsFirstColumn: 12),
                                    vocabulary: Self.vocabulary, rows: Self.rows)
        #expect(d.patched == [] && d.unpatched == [])
        #expect(d.undecided == [
            "hunk 1: no anchor: none of its context's call list_rotate_to_front is on exactly one line of the object's "
                + "page_reporting_cycle; fewer than three lines of code on a side to place",
        ])
    }
}
