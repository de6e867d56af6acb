// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import PatchApplier
import PatchReader
@testable import PortDrift
import Testing

let portRoot = fixtures.deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("CModules/CBuddyPort")
let pageAlloc = "port/mm/page_alloc.c"
let seedTitle = "mm: page_alloc: propagate PageReported flag across buddy splits"

func baselinePort() throws -> PortText {
    try PortText.load(portRoot: portRoot)
}

func deviations() throws -> [DriftExplanation] {
    DriftExplanation.parse(try String(contentsOf: portRoot.appendingPathComponent("drift-explained.txt"), encoding: .utf8))
}

func apply(_ series: [Patch], to port: PortText? = nil) throws -> PortVariant {
    try PortApplier.apply(series, to: try port ?? baselinePort(), deviations: try deviations())
}

func patches(_ text: String) throws -> [Patch] {
    try PatchReader.read(text: text).patches
}

func line(_ variant: PortVariant, _ file: String, _ n: Int) -> String? {
    variant.text.lines(of: file).flatMap { $0.indices.contains(n - 1) ? $0[n - 1] : nil }
}

/// A patch on top of the seed: expand() marks a split piece only when it is not a guard
/// page. Its context is the seed's added lines, so it applies after the seed only. Its
/// hunk begins inside the seed's comment.
let guardPatch = """
    From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
    From: A Reviewer <reviewer@example.org>
    Date: Mon, 1 Jun 2026 10:00:00 +0000
    Subject: [PATCH] mm: page_alloc: do not mark guard pages reported

    ---
     mm/page_alloc.c | 2 +-
     1 file changed, 1 insertion(+), 1 deletion(-)

    diff --git a/mm/page_alloc.c b/mm/page_alloc.c
    --- a/mm/page_alloc.c
    +++ b/mm/page_alloc.c
    @@ -1733,7 +1733,7 @@ static inline unsigned int expand(struct zone *zone, struct page *page, int low,
     \t\t * them reported too. This avoids re-reporting pages that
     \t\t * the host already knows about.
     \t\t */
    -\t\tif (reported)
    +\t\tif (reported && !PageGuard(&page[size]))
     \t\t\t__SetPageReported(&page[size]);
     \t}
     
    --
    2.47.3

    """

@Suite("Applying patches to the port's text")
struct PortApplierTests {
    // The seed, as the archive rendered it (indentation lost, context lines without their
    // space, a kernel comment in the context; also with CRLF line ends) and as git writes it: every hunk lands in
    // the port; every line the variant keeps is the baseline's line it came from, the
    // three lines the hunks replace (expand's last parameter line and its two calls) are
    // the only ones gone; and each added line sits at a known line with the kernel's
    // indentation. (The integration stage checks the variant token for token against
    // the 7.3.4 tree with the seed applied.)
    @Test(arguments: ["seed-archive.txt", "seed-archive-crlf.txt", "seed-clean.patch"])
    func seedGivesThePatchedPort(_ name: String) throws {
        let baseline = try baselinePort()
        let variant = try apply([try readPatch(name)], to: baseline)

        let before = try #require(baseline.lines(of: pageAlloc)), after = try #require(variant.text.lines(of: pageAlloc))
        let origins = try #require(variant.origins[pageAlloc])
        #expect(origins.count == after.count)
        var kept = Set<Int>()
        for (i, origin) in origins.enumerated() {
            if case .baseline(let n) = origin {
                #expect(after[i] == before[n - 1])
                kept.insert(n)
            }
        }
        #expect(Set(1 ... before.count).subtracting(kept).sorted() == [555, 583, 913])
        #expect(variant.text.files.filter { $0.key != pageAlloc } == baseline.files.filter { $0.key != pageAlloc })
        #expect(Array(variant.origins.keys) == [pageAlloc])

        let patch = try #require(variant.patches.first)
        #expect(variant.patches.count == 1)
        #expect(patch.title == seedTitle)
        #expect(!patch.alreadyApplied)
        #expect(patch.hunks.map(\.state) == Array(repeating: .applied, count: 6))
        #expect(patch.hunks.map(\.hunk) == [1, 2, 3, 4, 5, 6])
        #expect(patch.hunks.map(\.parts) == [
            [AppliedPart(portFile: pageAlloc, functions: ["split_large_buddy"], baselineLines: 491 ... 495,
                         variantLines: 491 ... 496, addedLines: [494])],
            [AppliedPart(portFile: pageAlloc, functions: ["split_large_buddy"], baselineLines: 501 ... 506,
                         variantLines: 502 ... 509, addedLines: [505, 506])],
            [AppliedPart(portFile: pageAlloc, functions: ["expand"], baselineLines: 554 ... 558,
                         variantLines: 557 ... 561, addedLines: [558])],
            [AppliedPart(portFile: pageAlloc, functions: ["expand"], baselineLines: 568 ... 573,
                         variantLines: 571 ... 585, addedLines: Array(574 ... 582))],
            [AppliedPart(portFile: pageAlloc, functions: ["page_del_and_expand"], baselineLines: 578 ... 585,
                         variantLines: 590 ... 598, addedLines: [593, 596])],
            [AppliedPart(portFile: pageAlloc, functions: ["try_to_claim_block"], baselineLines: 908 ... 916,
                         variantLines: 921 ... 931, addedLines: [923, 927, 928])],
        ])
        #expect(patch.hunks.allSatisfy { $0.notModelled.isEmpty })

        // The added lines, with the kernel's indentation, and where each came from.
        let added: [(Int, String, LineOrigin)] = [
            (494, "\tbool reported = PageReported(page);", .patch(patch: 1, hunk: 1, line: 4)),
            (505, "\t\tif (reported)", .patch(patch: 1, hunk: 2, line: 4)),
            (506, "\t\t\t__SetPageReported(page);", .patch(patch: 1, hunk: 2, line: 5)),
            (558, "\t\t\t\t  int high, int migratetype, bool reported)", .patch(patch: 1, hunk: 3, line: 5)),
            (574, "", .patch(patch: 1, hunk: 4, line: 4)),
            (575, "\t\t/*", .patch(patch: 1, hunk: 4, line: 5)),
            (580, "\t\t */", .patch(patch: 1, hunk: 4, line: 10)),
            (581, "\t\tif (reported)", .patch(patch: 1, hunk: 4, line: 11)),
            (582, "\t\t\t__SetPageReported(&page[size]);", .patch(patch: 1, hunk: 4, line: 12)),
            (593, "\tbool was_reported = page_reported(page);", .patch(patch: 1, hunk: 5, line: 4)),
            (596, "\tnr_pages -= expand(zone, page, low, high, migratetype, was_reported);", .patch(patch: 1, hunk: 5, line: 8)),
            (923, "\t\tbool was_reported = page_reported(page);", .patch(patch: 1, hunk: 6, line: 4)),
            (927, "\t\tnr_added = expand(zone, page, order, current_order, start_type,", .patch(patch: 1, hunk: 6, line: 9)),
            (928, "\t\t\t\t  was_reported);", .patch(patch: 1, hunk: 6, line: 10)),
        ]
        for (n, text, origin) in added {
            #expect(line(variant, pageAlloc, n) == text, "line \(n)")
            #expect(variant.origin(file: pageAlloc, line: n) == origin, "line \(n)")
        }
        // Kept lines keep their baseline line; the removed ones are gone.
        #expect(variant.origin(file: pageAlloc, line: 493) == .baseline(line: 493))
        #expect(variant.origin(file: pageAlloc, line: 495) == .baseline(line: 494))
        #expect(variant.origin(file: pageAlloc, line: 597) == .baseline(line: 584))
        #expect(variant.origins[pageAlloc]?.contains(.baseline(line: 555)) == false)
        #expect(variant.origins[pageAlloc]?.count == baseline.lines(of: pageAlloc)!.count + 15)
        #expect(variant.origin(file: "port/mm/page_reporting.c", line: 95) == .baseline(line: 95))
    }

    // A hunk that changes only a function the port does not carry, and one in a file the
    // port does not carry: both not modelled, named; the port is left as it was.
    @Test func unportedFunctionAndFile() throws {
        let patch = try patches("""
            diff --git a/mm/page_alloc.c b/mm/page_alloc.c
            --- a/mm/page_alloc.c
            +++ b/mm/page_alloc.c
            @@ -1596,6 +1596,7 @@ static void __free_pages_ok(struct page *page, unsigned int order,
             \tunsigned long pfn = page_to_pfn(page);
             \tstruct zone *zone = page_zone(page);
             
            +\tVM_BUG_ON_PAGE(PageTail(page), page);
             \tif (__free_pages_prepare(page, order, fpi_flags))
             \t\tfree_one_page(zone, page, pfn, order, fpi_flags);
             }
            diff --git a/mm/internal.h b/mm/internal.h
            --- a/mm/internal.h
            +++ b/mm/internal.h
            @@ -10,4 +10,5 @@
             #include <linux/mm.h>
            +#include <linux/page_reporting.h>
             #include <linux/pagemap.h>
             
            """)
        let baseline = try baselinePort()
        let variant = try apply(patch, to: baseline)
        #expect(variant.text == baseline)
        #expect(variant.origins.isEmpty)
        #expect(variant.patches.first?.hunks == [
            PortHunkOutcome(hunk: 1, kernelFile: "mm/page_alloc.c", parts: [],
                            notModelled: [UnmodelledChange(function: "__free_pages_ok", lines: [4], reason: .functionNotInPort)],
                            alreadyApplied: false),
            PortHunkOutcome(hunk: 2, kernelFile: "mm/internal.h", parts: [],
                            notModelled: [UnmodelledChange(function: nil, lines: [2], reason: .fileNotInPort)],
                            alreadyApplied: false),
        ])
        #expect(variant.patches.first?.hunks.map(\.state) == [.notModelled, .notModelled])
        #expect(variant.patches.first?.hunks[0].notModelled[0].description == "hunk line 4: __free_pages_ok is not in the port")
    }

    // One hunk across the end of free_pcppages_bulk() (not ported) and the start of
    // split_large_buddy() (ported): the ported part is applied, its leading context (the
    // end of the other function, a blank line, a kernel comment) trimmed; the other is
    // named with the hunk line it changes.
    //
    //   hunk lines 1-7   free_pcppages_bulk()   line 4 added     not modelled
    //   hunk lines 8-9   blank, comment          trimmed
    //   hunk lines 10-16 split_large_buddy()    line 14 added    applied at 494
    @Test func partlyInThePort() throws {
        let patch = try patches("""
            diff --git a/mm/page_alloc.c b/mm/page_alloc.c
            --- a/mm/page_alloc.c
            +++ b/mm/page_alloc.c
            @@ -1517,14 +1517,16 @@ static void free_pcppages_bulk(struct zone *zone, int count,
             
             \t\t\t__free_one_page(page, pfn, zone, order, mt, FPI_NONE);
             \t\t\ttrace_mm_page_pcpu_drain(page, order, mt);
            +\t\t\tcount_vm_event(PGFREE);
             \t\t} while (count > 0 && !list_empty(list));
             \t}
             }
             
             /* Split a multi-block free page into its individual pageblocks. */
             static void split_large_buddy(struct zone *zone, struct page *page,
             \t\t\t      unsigned long pfn, int order, fpi_t fpi)
             {
             \tunsigned long end = pfn + (1 << order);
            +\tunsigned long start = pfn;
             
             \tVM_WARN_ON_ONCE(!IS_ALIGNED(pfn, 1 << order));
            """)
        let variant = try apply(patch)
        let hunk = try #require(variant.patches.first?.hunks.first)
        #expect(hunk.state == .partlyApplied)
        #expect(hunk.notModelled == [UnmodelledChange(function: "free_pcppages_bulk", lines: [4], reason: .functionNotInPort)])
        #expect(hunk.parts == [AppliedPart(portFile: pageAlloc, functions: ["split_large_buddy"], baselineLines: 490 ... 495,
                                           variantLines: 490 ... 496, addedLines: [494])])
        #expect(line(variant, pageAlloc, 494) == "\tunsigned long start = pfn;")
        #expect(variant.origin(file: pageAlloc, line: 494) == .patch(patch: 1, hunk: 1, line: 14))
    }

    // Context that is not in the port: the series is refused, naming the patch, the hunk
    // and the first line not found, and nothing of it is applied (the seed before it
    // included).
    @Test func missingContextRefusesTheSeries() throws {
        let bad = try patches("""
            diff --git a/mm/page_alloc.c b/mm/page_alloc.c
            --- a/mm/page_alloc.c
            +++ b/mm/page_alloc.c
            @@ -1719,7 +1719,7 @@ static inline unsigned int expand(struct zone *zone, struct page *page, int low,
             {
             \tunsigned int size = 2 << high;
            -\tunsigned int nr_added = 0;
            +\tunsigned int nr_added = 0U;
             
             \twhile (high > low) {
            """)
        let error = PortApplyError(patch: 2, title: nil, hunk: 1, kernelFile: "mm/page_alloc.c",
                                   reason: .contextNotFound(portFile: pageAlloc, functions: ["expand"],
                                                            line: "unsigned int size = 2 << high;"))
        #expect(throws: error) { try apply([try readPatch("seed-clean.patch")] + bad) }
        #expect(error.description == "patch 2, hunk 1 (mm/page_alloc.c): its context is not in port/mm/page_alloc.c"
                + " within expand (line not found: \"unsigned int size = 2 << high;\"); nothing applied")
    }

    // Context found twice within the function it changes: refused, with both places.
    @Test func ambiguousContextIsRefused() throws {
        let patch = try patches("""
            diff --git a/mm/page_reporting.c b/mm/page_reporting.c
            --- a/mm/page_reporting.c
            +++ b/mm/page_reporting.c
            @@ -210,6 +210,7 @@ page_reporting_cycle(struct page_reporting_dev_info *prdev, struct zone *zone,
             \t\t\tnext = page;
             \t\t\tbreak;
             \t\t}
            +\t\tcond_resched();
            """)
        #expect(throws: PortApplyError(patch: 1, title: nil, hunk: 1, kernelFile: "mm/page_reporting.c",
                                       reason: .ambiguous(portFile: "port/mm/page_reporting.c",
                                                          functions: ["page_reporting_cycle"], lines: [104, 110]))) {
            try apply(patch)
        }
    }

    // A series applies in order: the second patch changes a line the first one added, so
    // it applies after it and not alone; origins are composed over the series. The same
    // two patches as one mbox give the same variant.
    @Test func seriesAppliesInOrder() throws {
        let seed = try readPatch("seed-clean.patch")
        let guarded = try patches(guardPatch)
        let variant = try apply([seed] + guarded)
        #expect(variant.patches.map(\.title) == [seedTitle, "mm: page_alloc: do not mark guard pages reported"])
        #expect(line(variant, pageAlloc, 581) == "\t\tif (reported && !PageGuard(&page[size]))")
        #expect(variant.origin(file: pageAlloc, line: 580) == .patch(patch: 1, hunk: 4, line: 10))
        #expect(variant.origin(file: pageAlloc, line: 581) == .patch(patch: 2, hunk: 1, line: 5))
        #expect(variant.origin(file: pageAlloc, line: 582) == .patch(patch: 1, hunk: 4, line: 12))
        #expect(variant.origin(file: pageAlloc, line: 583) == .baseline(line: 571))
        #expect(variant.patches[1].hunks.map(\.parts) == [[
            AppliedPart(portFile: pageAlloc, functions: ["expand"], baselineLines: 571 ... 571,
                        variantLines: 581 ... 584, addedLines: [581]),
        ]])
        // The first patch's hunk 4 keeps the lines the second did not replace.
        #expect(variant.patches[0].hunks[3].parts.first?.addedLines == [574, 575, 576, 577, 578, 579, 580, 582])

        #expect(throws: PortApplyError(patch: 1, title: "mm: page_alloc: do not mark guard pages reported",
                                       hunk: 1, kernelFile: "mm/page_alloc.c",
                                       reason: .contextNotFound(portFile: pageAlloc, functions: ["expand"],
                                                                line: "if (reported)"))) {
            try apply(guarded)
        }
        let mbox = try String(contentsOf: fixtures.appendingPathComponent("seed-clean.patch"), encoding: .utf8) + "\n" + guardPatch
        let fromMbox = try apply(try patches(mbox))
        #expect(fromMbox.text == variant.text)
        #expect(fromMbox.origins == variant.origins)
    }

    // Applying a patch that is already in the port changes nothing and says so, whether
    // it comes twice in one series or is applied to a variant that holds it.
    @Test func reapplyingReportsAlreadyApplied() throws {
        let once = try apply([try readPatch("seed-archive.txt")])
        let twice = try apply([try readPatch("seed-archive.txt"), try readPatch("seed-clean.patch")])
        #expect(twice.text == once.text)
        #expect(twice.origins == once.origins)
        #expect(twice.patches.map(\.alreadyApplied) == [false, true])
        #expect(twice.patches[1].hunks.map(\.state) == Array(repeating: .alreadyApplied, count: 6))
        #expect(twice.patches[1].hunks.map { $0.parts.map(\.addedLines) } ==
                [[[494]], [[505, 506]], [[558]], [[581, 582]], [[593, 596]], [[923, 927, 928]]])

        let again = try apply([try readPatch("seed-clean.patch")], to: once.text)
        #expect(again.text == once.text)
        #expect(again.origins.isEmpty)
        #expect(again.patches.map(\.alreadyApplied) == [true])
    }

    // A patch some of whose hunks are in the port and others not is refused.
    @Test func partlyAppliedPatchIsRefused() throws {
        var first = try readPatch("seed-clean.patch")
        first.files[0].hunks = [first.files[0].hunks[0]]
        #expect(throws: PortApplyError(patch: 2, title: seedTitle, hunk: 2, kernelFile: "mm/page_alloc.c",
                                       reason: .partlyApplied(alreadyApplied: [1]))) {
            try apply([first, try readPatch("seed-clean.patch")])
        }
    }

    // The port's own deviation (added `static`) does not stop a hunk whose context is
    // the kernel's line without it.
    @Test func deviationsAreUndoneForMatching() throws {
        let patch = try patches("""
            diff --git a/mm/page_alloc.c b/mm/page_alloc.c
            --- a/mm/page_alloc.c
            +++ b/mm/page_alloc.c
            @@ -418,6 +418,7 @@ static void set_pageblock_migratetype(struct page *page, int migratetype);
             bool get_pfnblock_bit(const struct page *page, unsigned long pfn,
             \t\t      enum pageblock_bits pb_bit)
             {
            +\tVM_WARN_ON_ONCE(!page);
             \tunsigned long *bitmap_word;
             \tunsigned long bitidx;
             
            """)
        let variant = try apply(patch)
        #expect(variant.patches[0].hunks[0].parts == [AppliedPart(portFile: pageAlloc, functions: ["get_pfnblock_bit"],
                                                                  baselineLines: 76 ... 80, variantLines: 76 ... 82,
                                                                  addedLines: [79])])
        #expect(line(variant, pageAlloc, 76) == "static bool get_pfnblock_bit(const struct page *page, unsigned long pfn,")
        #expect(throws: PortApplyError(patch: 1, title: nil, hunk: 1, kernelFile: "mm/page_alloc.c",
                                       reason: .contextNotFound(portFile: pageAlloc, functions: ["get_pfnblock_bit"],
                                                                line: "bool get_pfnblock_bit(const struct page *page, unsigned long pfn,"))) {
            try PortApplier.apply(patch, to: try baselinePort())
        }
    }

    // The port's text is the baseline kernel text only: no conditional of any patch in
    // page_alloc.c, every file under port/ as it is on disk, and the text compiled into
    // the package the same.
    @Test func baselineText() throws {
        let baseline = try baselinePort()
        let directives = try #require(baseline.lines(of: pageAlloc)).filter {
            $0.hasPrefix("#if") || $0.hasPrefix("#else") || $0.hasPrefix("#endif")
        }
        #expect(directives == [])
        #expect(baseline.lines(of: pageAlloc)?.count == 1176)
        #expect(baseline.files[pageAlloc] == (try String(contentsOf: portRoot.appendingPathComponent(pageAlloc), encoding: .utf8)))
        #expect(PortText.embedded == baseline)
        let isolation = try String(contentsOf: portRoot.appendingPathComponent("port/mm/page_isolation.c"), encoding: .utf8)
        #expect(baseline.files["port/mm/page_isolation.c"] == isolation)
        #expect(baseline.files.keys.sorted() == [
            "port/harness.h", "port/harness_ops.h", "port/linux_defs.h", "port/linux_instrumented.h",
            "port/linux_stubs.h", "port/mm/page_alloc.c", "port/mm/page_alloc.h", "port/mm/page_isolation.c",
            "port/mm/page_reporting.c", "port/mm/page_reporting.h", "port/variant.h",
        ])
    }
}
