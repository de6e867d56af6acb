// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing
@testable import PatchReader

/// How changed lines are placed in functions, for clean diffs and for the same diffs as
/// a mail archive renders them (no leading space on context lines, no indentation).
@Suite struct AttributionTests {
    static func attribute(_ diff: String, _ rendering: Rendering,
                          sourceLocation: SourceLocation = #_sourceLocation) throws -> Attribution {
        let patch = try readOne(rendering.apply("--- a/mm/x.c\n+++ b/mm/x.c\n" + diff), sourceLocation: sourceLocation)
        #expect(patch.mangled == (rendering == .archive), sourceLocation: sourceLocation)
        return PatchReader.attribute(patch)
    }

    /// The kernel's "static struct page *" line is the header; the name line opens the
    /// hunk, so the two together are the whole head.
    @Test(arguments: Rendering.allCases)
    func returnTypeLineInTheHeaderJoinsTheNameLine(_ rendering: Rendering) throws {
        let diff = """
            @@ -2308,6 +2308,7 @@ static struct page *
             try_to_claim_block(struct zone *zone, struct page *page,
             \t\t   int current_order, int order, int start_type,
             \t\t   int block_type, unsigned int alloc_flags)
             {
             \tint free_pages, movable_pages, alike_pages;
            +\tbool was_reported = false;
             \tunsigned long start_pfn;

            """
        let prototype = try #require(Prototype.parse("""
            static struct page *
            try_to_claim_block(struct zone *zone, struct page *page,
            \t\t   int current_order, int order, int start_type,
            \t\t   int block_type, unsigned int alloc_flags)
            """))
        let result = try Self.attribute(diff, rendering)
        #expect(result.functions == [
            TouchedFunction(name: "try_to_claim_block", file: "mm/x.c", before: prototype, after: prototype,
                            hunks: [1],
                            evidence: ["hunk 1: definition at hunk line 1, return type from header section 'static struct page *'"],
                            beforeBasis: .headerAndHunk, afterBasis: .headerAndHunk),
        ])
    }

    /// Without a storage class, the line above a head may hold more of it
    /// ("static __always_inline" before "struct page *__rmqueue_smallest(").
    @Test(arguments: Rendering.allCases)
    func headAtTheTopOfAHunkWithoutStorageClassIsIncomplete(_ rendering: Rendering) throws {
        let diff = """
            @@ -2382,5 +2382,6 @@ static void other(void)
             struct page *__rmqueue_smallest(struct zone *zone, unsigned int order,
             \t\t\t\t\t\tint migratetype)
             {
            +\tbool was_reported = false;
             \tunsigned int current_order;

            """
        let result = try Self.attribute(diff, rendering)
        #expect(result.functions == [
            TouchedFunction(name: "__rmqueue_smallest", file: "mm/x.c", hunks: [1],
                            evidence: ["hunk 1: definition in hunk at line 1; its head begins above the hunk"]),
        ])
    }

    /// A macro loop's arguments are expressions, so `list_for_each_entry_safe(...) {` is
    /// not taken for a definition.
    @Test(arguments: Rendering.allCases)
    func macroLoopIsNotADefinition(_ rendering: Rendering) throws {
        let diff = """
            @@ -50,5 +50,6 @@ int pool_drain(struct pool *pool)
             \tint freed = 0;

             \tlist_for_each_entry_safe(page, next, &pool->list, lru) {
            +\t\tcond_resched();
             \t\tlist_del(&page->lru);

            """
        let result = try Self.attribute(diff, rendering)
        // The header prototype has no storage class, so it may be incomplete.
        #expect(result.functions == [
            TouchedFunction(name: "pool_drain", file: "mm/x.c", hunks: [1],
                            evidence: ["hunk 1: header section 'int pool_drain(struct pool *pool)'"]),
        ])
    }

    /// f's closing brace (column 0, or in archive text a brace followed by a `static`
    /// declaration) ends f: the new variable is outside every function.
    @Test(arguments: Rendering.allCases)
    func changeAfterTheClosingBraceIsOutsideTheFunction(_ rendering: Rendering) throws {
        let diff = """
            @@ -10,6 +10,7 @@ static void f(void)
             \ta();
             \tb();
             }
            +static int counter;

             static void g(void)
             {

            """
        let result = try Self.attribute(diff, rendering)
        #expect(result.functions.isEmpty)
        #expect(result.unattributed == [UnattributedChange(file: "mm/x.c", hunk: 1, lines: [4], reason: .outsideFunction)])
    }

    @Test(arguments: Rendering.allCases)
    func changeAfterAnInnerBraceStaysInTheFunction(_ rendering: Rendering) throws {
        let diff = """
            @@ -10,4 +10,5 @@ static void f(void)
             \t\tx();
             \t}
            +\ty();
             \treturn;

            """
        let result = try Self.attribute(diff, rendering)
        let f = try #require(Prototype.parse("static void f(void)"))
        #expect(result.functions == [
            TouchedFunction(name: "f", file: "mm/x.c", before: f, after: f, hunks: [1],
                            evidence: ["hunk 1: header section 'static void f(void)'"],
                            beforeBasis: .headerSection, afterBasis: .headerSection),
        ])
    }

    @Test(arguments: Rendering.allCases)
    func oneHunkTouchingTwoFunctions(_ rendering: Rendering) throws {
        let diff = """
            @@ -10,7 +10,9 @@ static void f(void)
             \ta();
            +\tb();
             }

             static void g(int x)
             {
            +\tc(x);
             \td();

            """
        let result = try Self.attribute(diff, rendering)
        let f = try #require(Prototype.parse("static void f(void)"))
        let g = try #require(Prototype.parse("static void g(int x)"))
        #expect(result.functions == [
            TouchedFunction(name: "f", file: "mm/x.c", before: f, after: f, hunks: [1],
                            evidence: ["hunk 1: header section 'static void f(void)'"],
                            beforeBasis: .headerSection, afterBasis: .headerSection),
            TouchedFunction(name: "g", file: "mm/x.c", before: g, after: g, hunks: [1],
                            evidence: ["hunk 1: definition in hunk at line 5"],
                            beforeBasis: .hunk, afterBasis: .hunk),
        ])
        #expect(result.unattributed.isEmpty)
    }

    @Test(arguments: Rendering.allCases)
    func removedFunction(_ rendering: Rendering) throws {
        let diff = """
            @@ -10,10 +10,4 @@ static int a;
             int keep;

            -static void old_helper(void)
            -{
            -\tdo_it();
            -}
            -
            -/* end */
             static void next(void)
             {

            """
        let result = try Self.attribute(diff, rendering)
        #expect(result.functions == [
            TouchedFunction(name: "old_helper", file: "mm/x.c", before: Prototype.parse("static void old_helper(void)"),
                            hunks: [1], evidence: ["hunk 1: definition removed at line 3"], change: .removed,
                            beforeBasis: .hunk),
        ])
        #expect(result.unattributed.isEmpty)
    }

    /// A goto label as header (git without the C diff driver) says the hunk is inside a
    /// function, but not which.
    @Test(arguments: Rendering.allCases)
    func labelHeaderLeavesTheFunctionUnnamed(_ rendering: Rendering) throws {
        let diff = """
            @@ -30,3 +30,3 @@ out:
             \tunlock();
            -\treturn 0;
            +\treturn ret;

            """
        let result = try Self.attribute(diff, rendering)
        #expect(result.functions.isEmpty)
        #expect(result.unattributed == [UnattributedChange(file: "mm/x.c", hunk: 1, lines: [2, 3], reason: .unnamedFunction)])
    }

    /// A kernel-doc comment is outside the function it documents; comment-only changes
    /// outside functions are not reported.
    @Test(arguments: Rendering.allCases)
    func commentAboveAFunctionIsNotPartOfIt(_ rendering: Rendering) throws {
        let diff = """
            @@ -20,6 +20,6 @@ static int a;

             /**
            - * f() - old words
            + * f() - new words
              */
             static void f(void)
             {

            """
        let result = try Self.attribute(diff, rendering)
        #expect(result == Attribution(functions: [], unattributed: []))
    }

    /// The hunk begins in f's parameter list, and f's first line is the header. The
    /// body uses only what the joined parameters and its locals declare, so the join
    /// stands; had a parameter line been hidden, a use of it would show.
    @Test(arguments: Rendering.allCases)
    func headerContinuedByTheHunk(_ rendering: Rendering) throws {
        let diff = """
            @@ -40,5 +40,6 @@ static int f(struct zone *zone,
             \t     int order)
             {
             \tint n = order;
            +\tn += zone->nr;
             \treturn n;

            """
        let result = try Self.attribute(diff, rendering)
        let f = try #require(Prototype.parse("static int f(struct zone *zone, int order)"))
        #expect(result.functions.map(\.before) == [f])
        #expect(result.functions.map(\.afterBasis) == [.headerAndHunk])
        #expect(result.functions.first?.evidence == [
            "hunk 1: prototype from header section 'static int f(struct zone *zone,' joined with hunk line 1",
        ])
    }

    /// A hunk that begins in the second line of a condition closes a parenthesis opened
    /// above it; that is a statement, not the end of a function head, and the change
    /// after the block is still in f.
    @Test(arguments: Rendering.allCases)
    func hunkBeginningInsideAConditionStaysInTheFunction(_ rendering: Rendering) throws {
        let closed = """
            @@ -10,5 +10,6 @@ static void f(struct zone *zone)
             \t\t    zone->nr > 1) {
             \t\tg();
             \t}
            +\th();
             \treturn;

            """
        let f = try #require(Prototype.parse("static void f(struct zone *zone)"))
        #expect(try Self.attribute(closed, rendering).functions == [
            TouchedFunction(name: "f", file: "mm/x.c", before: f, after: f, hunks: [1],
                            evidence: ["hunk 1: header section 'static void f(struct zone *zone)'"],
                            beforeBasis: .headerSection, afterBasis: .headerSection),
        ])
        // The same with a header that leaves its parameter list open: the hunk's first
        // line does not read as the rest of that list.
        let open = closed.replacingOccurrences(of: "static void f(struct zone *zone)",
                                               with: "static void f(struct zone *zone,")
        #expect(try Self.attribute(open, rendering).functions == [
            TouchedFunction(name: "f", file: "mm/x.c", hunks: [1],
                            evidence: ["hunk 1: header section 'static void f(struct zone *zone,'"]),
        ])
    }

    /// The parameter list continues into the hunk, but the head has no storage class,
    /// so a line above the header may hold more of it.
    @Test(arguments: Rendering.allCases)
    func headerContinuationWithoutStorageClassHasNoPrototype(_ rendering: Rendering) throws {
        let diff = """
            @@ -40,5 +40,6 @@ struct page *__rmqueue_smallest(struct zone *zone, unsigned int order,
             \t\t\t\t\t\tint migratetype)
             {
             \tunsigned int current_order;
            +\tbool was_reported = false;

            """
        #expect(try Self.attribute(diff, rendering).functions == [
            TouchedFunction(name: "__rmqueue_smallest", file: "mm/x.c", hunks: [1],
                            evidence: ["hunk 1: header section 'struct page *__rmqueue_smallest(struct zone *zone, unsigned int order,' continued at hunk line 1; the head may begin above the header line"]),
        ])
    }

    @Test func undeclaredNames() {
        let body = CLexer.tokens(of: """
            { int n = 1 << high; struct page *p, *q = NULL; u64 v = (u64)x; \
            foo(page, zone->lock, low); out: return n + p->x + pageblock_order + MAX_ORDER; }
            """)
        #expect(Declarations.undeclaredIdentifiers(body: body, parameters: ["zone"])
            == ["high", "x", "page", "low", "pageblock_order"])
    }
}
