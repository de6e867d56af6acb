// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing
@testable import PatchReader

/// One canonical spelling for prototypes, whatever the source's line breaks and spacing.
@Suite struct PrototypeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var source: String
        var rendered: String
        var returnType: String
        var specifiers: [String]
        var parameters: [Prototype.Parameter]
        var isVariadic = false
        var testDescription: String { rendered }
    }

    static let cases: [Case] = [
        Case(source: "static inline unsigned int expand(struct zone *zone, struct page *page, int low,\n\t\t\t\t  int high, int migratetype)",
             rendered: "static inline unsigned int expand(struct zone *zone, struct page *page, int low, int high, int migratetype)",
             returnType: "unsigned int", specifiers: ["static", "inline"],
             parameters: [param("struct zone *", "zone"), param("struct page *", "page"), param("int", "low"),
                          param("int", "high"), param("int", "migratetype")]),
        Case(source: "static __always_inline struct page *\n__rmqueue_smallest(struct zone *zone, unsigned int order,\n\t\t\t\t\t\tint migratetype)",
             rendered: "static __always_inline struct page *__rmqueue_smallest(struct zone *zone, unsigned int order, int migratetype)",
             returnType: "struct page *", specifiers: ["static", "__always_inline"],
             parameters: [param("struct zone *", "zone"), param("unsigned int", "order"), param("int", "migratetype")]),
        Case(source: "static bool __ref\n_deferred_grow_zone(struct zone *zone, unsigned int order)",
             rendered: "static __ref bool _deferred_grow_zone(struct zone *zone, unsigned int order)",
             returnType: "bool", specifiers: ["static", "__ref"],
             parameters: [param("struct zone *", "zone"), param("unsigned int", "order")]),
        Case(source: "void __init page_alloc_init_late(void)",
             rendered: "__init void page_alloc_init_late(void)",
             returnType: "void", specifiers: ["__init"], parameters: []),
        Case(source: "static __printf(2, 3) void warn_alloc_show(gfp_t gfp, const char *fmt, ...)",
             rendered: "static __printf(2, 3) void warn_alloc_show(gfp_t gfp, const char *fmt, ...)",
             returnType: "void", specifiers: ["static", "__printf(2, 3)"],
             parameters: [param("gfp_t", "gfp"), param("const char *", "fmt")], isVariadic: true),
        Case(source: "int  foo( char * const * argv,unsigned long map [4], int (* cb)(void *) )",
             rendered: "int foo(char *const *argv, unsigned long map[4], int (*cb)(void *))",
             returnType: "int", specifiers: [],
             parameters: [param("char *const *", "argv"), param("unsigned long [4]", "map"), param("int (*)(void *)", "cb")]),
        Case(source: "static void unlock_zone(struct zone *zone) __releases(&zone->lock)",
             rendered: "static __releases(&zone->lock) void unlock_zone(struct zone *zone)",
             returnType: "void", specifiers: ["static", "__releases(&zone->lock)"],
             parameters: [param("struct zone *", "zone")]),
        Case(source: "unsigned long nr_free_pages(void);",
             rendered: "unsigned long nr_free_pages(void)",
             returnType: "unsigned long", specifiers: [], parameters: []),
        Case(source: "extern int bar(int, char **);",
             rendered: "extern int bar(int, char **)",
             returnType: "int", specifiers: ["extern"], parameters: [param("int", nil), param("char **", nil)]),
        Case(source: "static struct page *try_to_claim_block(struct zone *zone, struct page *page, /* comment */\n int order) {",
             rendered: "static struct page *try_to_claim_block(struct zone *zone, struct page *page, int order)",
             returnType: "struct page *", specifiers: ["static"],
             parameters: [param("struct zone *", "zone"), param("struct page *", "page"), param("int", "order")]),
    ]

    @Test(arguments: cases)
    func canonicalSpelling(_ c: Case) throws {
        let prototype = try #require(Prototype.parse(c.source))
        #expect(prototype.rendered == c.rendered)
        #expect(prototype.returnType == c.returnType)
        #expect(prototype.specifiers == c.specifiers)
        #expect(prototype.parameters == c.parameters)
        #expect(prototype.isVariadic == c.isVariadic)
        // The rendering reads back as the same prototype.
        #expect(Prototype.parse(prototype.rendered) == prototype)
    }

    @Test(arguments: [
        "if (x) {",
        "list_for_each_entry(page, &list, lru)",
        "int x = foo(a);",
        "expand(zone, page, low, high, migratetype);",
        "try_to_claim_block(struct zone *zone, struct page *page)",
        "",
    ])
    func notAPrototype(_ text: String) {
        #expect(Prototype.parse(text) == nil)
    }

    @Test func codableRoundTrip() throws {
        let prototype = try #require(Prototype.parse(Self.cases[5].source))
        let data = try JSONEncoder().encode(prototype)
        #expect(try JSONDecoder().decode(Prototype.self, from: data) == prototype)
    }
}
