// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing
@testable import PatchReader

/// The seed is "[PATCH v9 03/37] mm: page_alloc: propagate PageReported flag across
/// buddy splits" as a web mail archive rendered it (seed-archive.txt), and the same
/// patch written out as git format-patch would have sent it (seed-clean.patch, with
/// the kernel's indentation). Both must read as six hunks in mm/page_alloc.c touching
/// exactly four functions:
///
///   hunks 1, 2  split_large_buddy    body; prototype unchanged
///   hunks 3, 4  expand               prototype gains "bool reported"; body
///   hunk 5      page_del_and_expand  body
///   hunk 6      try_to_claim_block   body
@Suite struct SeedTests {
    static let file = "mm/page_alloc.c"
    static let zone = param("struct zone *", "zone")
    static let page = param("struct page *", "page")
    static let title = "[PATCH v9 03/37] mm: page_alloc: propagate PageReported flag across buddy splits"
    static let subject = "mm: page_alloc: propagate PageReported flag across buddy splits"

    static let splitLargeBuddy = Prototype(
        name: "split_large_buddy", returnType: "void",
        parameters: [zone, page, param("unsigned long", "pfn"), param("int", "order"), param("fpi_t", "fpi")],
        specifiers: ["static"])
    static let expandBefore = Prototype(
        name: "expand", returnType: "unsigned int",
        parameters: [zone, page, param("int", "low"), param("int", "high"), param("int", "migratetype")],
        specifiers: ["static", "inline"])
    static let expandAfter = Prototype(
        name: "expand", returnType: "unsigned int",
        parameters: [zone, page, param("int", "low"), param("int", "high"), param("int", "migratetype"),
                     param("bool", "reported")],
        specifiers: ["static", "inline"])

    static let expected: [TouchedFunction] = [
        TouchedFunction(
            name: "split_large_buddy", file: file, before: splitLargeBuddy, after: splitLargeBuddy,
            hunks: [1, 2],
            evidence: [
                "hunk 1: prototype from header section 'static void split_large_buddy(struct zone *zone, struct page *page,' joined with hunk line 1",
                "hunk 2: header section 'static void split_large_buddy(struct zone *zone, struct page *page,'",
            ],
            beforeBasis: .headerAndHunk, afterBasis: .headerAndHunk),
        TouchedFunction(
            name: "expand", file: file, before: expandBefore, after: expandAfter,
            hunks: [3, 4],
            evidence: [
                "hunk 3: definition in hunk at line 3",
                "hunk 4: header section 'static inline unsigned int expand(struct zone *zone, struct page *page, int low,'",
            ],
            beforeBasis: .hunk, afterBasis: .hunk),
        TouchedFunction(
            name: "page_del_and_expand", file: file, hunks: [5],
            evidence: [
                "hunk 5: header section 'static __always_inline void page_del_and_expand(struct zone *zone,' not joined with hunk line 1: the body uses 'page', 'low', which the joined parameters do not declare",
            ]),
        TouchedFunction(
            name: "try_to_claim_block", file: file, hunks: [6],
            evidence: ["hunk 6: header section 'try_to_claim_block(struct zone *zone, struct page *page,'"]),
    ]

    @Test func archiveRenderingReadsAsSixHunks() throws {
        let patch = try Fixture.patch("seed-archive.txt")
        #expect(patch.title == Self.title)
        #expect(patch.subject == Self.subject)
        #expect(patch.author == "Michael S. Tsirkin")
        #expect(patch.mangled)
        try #require(patch.files.count == 1)
        let file = patch.files[0]
        #expect(file.oldPath == Self.file)
        #expect(file.newPath == Self.file)
        #expect(file.headers == ["index 227d58dc3de6..1192c4e47da4 100644"])

        let shapes = file.hunks.map { [$0.index, $0.oldStart, $0.oldCount, $0.newStart, $0.newCount] }
        #expect(shapes == [
            [1, 1510, 6, 1510, 7], [2, 1521, 6, 1522, 8], [3, 1699, 7, 1702, 7],
            [4, 1721, 6, 1724, 15], [5, 1731, 9, 1743, 10], [6, 2288, 10, 2301, 12],
        ])
        #expect(file.hunks.allSatisfy { $0.countsMatched })
        #expect(file.hunks.map(\.section) == [
            "static void split_large_buddy(struct zone *zone, struct page *page,",
            "static void split_large_buddy(struct zone *zone, struct page *page,",
            "struct page *__pageblock_pfn_to_page(unsigned long start_pfn,",
            "static inline unsigned int expand(struct zone *zone, struct page *page, int low,",
            "static __always_inline void page_del_and_expand(struct zone *zone,",
            "try_to_claim_block(struct zone *zone, struct page *page,",
        ])
        // Added and removed lines per hunk: 18 insertions, 3 deletions in all.
        let added = file.hunks.map { $0.lines.count(where: { $0.kind == .added }) }
        let removed = file.hunks.map { $0.lines.count(where: { $0.kind == .removed }) }
        #expect(added == [1, 2, 1, 9, 2, 3])
        #expect(removed == [0, 0, 1, 0, 1, 1])

        #expect(file.hunks[0].lines == [
            HunkLine(kind: .context, text: "unsigned long pfn, int order, fpi_t fpi)"),
            HunkLine(kind: .context, text: "{"),
            HunkLine(kind: .context, text: "unsigned long end = pfn + (1 << order);"),
            HunkLine(kind: .added, text: " bool reported = PageReported(page);"),
            HunkLine(kind: .context, text: ""),
            HunkLine(kind: .context, text: "VM_WARN_ON_ONCE(!IS_ALIGNED(pfn, 1 << order));"),
            HunkLine(kind: .context, text: "/* Caller removed page from freelist, buddy info cleared! */"),
        ])
        // The blank added line in hunk 4 and the blank context line that ends hunk 5.
        #expect(file.hunks[3].lines[3] == HunkLine(kind: .added, text: ""))
        #expect(file.hunks[4].lines.last == HunkLine(kind: .context, text: ""))
        // Hunk 6 ends at "}"; the "--" and "MST" of the signature are not hunk lines.
        #expect(file.hunks[5].lines.last == HunkLine(kind: .context, text: "}"))
    }

    @Test func archiveRenderingTouchesFourFunctions() throws {
        let patch = try Fixture.patch("seed-archive.txt")
        #expect(PatchReader.touchedFunctions(patch) == Self.expected)
        #expect(PatchReader.attribute(patch).unattributed.isEmpty)
    }

    @Test func cleanPatchTouchesTheSameFunctions() throws {
        let patch = try Fixture.patch("seed-clean.patch")
        #expect(!patch.mangled)
        #expect(patch.title == Self.title)
        #expect(patch.subject == Self.subject)
        #expect(patch.author == "Michael S. Tsirkin <mst@xxxxxxxxxx>")
        #expect(patch.files[0].hunks[0].lines[3] == HunkLine(kind: .added, text: "\tbool reported = PageReported(page);"))
        #expect(PatchReader.touchedFunctions(patch) == Self.expected)
    }

    @Test func bothRenderingsAreTheSameDiffUpToWhitespace() throws {
        let archive = try Fixture.patch("seed-archive.txt")
        let clean = try Fixture.patch("seed-clean.patch")
        #expect(archive.canonicalText(normalizingWhitespace: true) == clean.canonicalText(normalizingWhitespace: true))
        #expect(archive.canonicalText != clean.canonicalText)
    }

    /// The clean patch's diff, written back, is the fixture's diff byte for byte.
    @Test func canonicalTextOfTheCleanPatchIsItsDiff() throws {
        let text = try Fixture.text("seed-clean.patch")
        let start = try #require(text.range(of: "diff --git "))
        let end = try #require(text.range(of: "-- \n2.43.0"))
        let patch = try Fixture.patch("seed-clean.patch")
        #expect(patch.canonicalText == String(text[start.lowerBound..<end.lowerBound]))
    }

    @Test func readingTheCanonicalTextOfTheArchiveGivesTheSameFunctions() throws {
        let archive = try Fixture.patch("seed-archive.txt")
        let reread = try readOne(archive.canonicalText)
        #expect(!reread.mangled)
        #expect(reread.files == archive.files)
        #expect(PatchReader.touchedFunctions(reread) == Self.expected)
    }

    @Test(arguments: ["seed-archive.txt", "seed-clean.patch"])
    func crlfLineEndsReadTheSame(_ name: String) throws {
        let text = try Fixture.text(name)
        let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(crlf.utf8.count > text.utf8.count)
        #expect(try PatchReader.read(text: crlf) == PatchReader.read(text: text))
    }

    /// The archive page's HTML source escapes <, >, &, and quotes.
    @Test func htmlEscapedArchiveReadsTheSame() throws {
        let text = try Fixture.text("seed-archive.txt")
        let escaped = text
            .replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
        #expect(escaped.contains("__add_to_free_list(&amp;page[size]"))
        #expect(escaped.contains("1 &lt;&lt; order"))
        let patch = try readOne(escaped)
        #expect(patch == (try Fixture.patch("seed-archive.txt")))
        #expect(PatchReader.touchedFunctions(patch) == Self.expected)
    }

    /// A page that kept indentation as non-breaking spaces, markers included.
    @Test func noBreakSpaceIndentationReadsTheSameFunctions() throws {
        let text = try Fixture.text("seed-clean.patch")
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(" ") || line.hasPrefix("+\t") || line.hasPrefix("-\t") {
                lines.append(line.replacingOccurrences(of: "\t", with: "\u{00A0}\u{00A0}\u{00A0}\u{00A0}")
                    .replacingOccurrences(of: " ", with: "\u{00A0}"))
            } else {
                lines.append(String(line))
            }
        }
        let patch = try readOne(lines.joined(separator: "\n"))
        #expect(patch.mangled)
        #expect(patch.files[0].hunks[0].lines[3] == HunkLine(kind: .added, text: "    bool reported = PageReported(page);"))
        #expect(PatchReader.touchedFunctions(patch) == Self.expected)
    }

    /// The archive rendering made from the clean patch by `archiveRendering(of:)` reads
    /// like the real one.
    @Test func simulatedArchiveRenderingMatchesTheSeed() throws {
        let rendered = archiveRendering(of: try Fixture.text("seed-clean.patch"))
        let patch = try readOne(rendered)
        #expect(patch.mangled)
        #expect(patch.files == (try Fixture.patch("seed-archive.txt")).files)
    }

    /// seed-function-context.patch is the same change made to Linux 7.3.4's
    /// mm/page_alloc.c and shown with `git diff -W`: each hunk holds the whole
    /// function, so every prototype is in the diff, page_del_and_expand's five
    /// parameters included (the line "struct page *page, int low," that the seed's
    /// hunk 5 hides is why its header join was refused).
    @Test(arguments: Rendering.allCases)
    func functionContextShowsEveryPrototype(_ rendering: Rendering) throws {
        let text = rendering.apply(try Fixture.text("seed-function-context.patch"))
        let patch = try readOne(text)
        #expect(patch.mangled == (rendering == .archive))
        #expect(patch.hunks.map(\.section) == [
            "static void free_pcppages_bulk(struct zone *zone, int count,",
            "struct page *__pageblock_pfn_to_page(unsigned long start_pfn,",
            "static inline unsigned int expand(struct zone *zone, struct page *page, int low,",
            "static struct page *",
        ])
        #expect(patch.hunks.allSatisfy { $0.countsMatched })
        // Kernel code that continues an expression on a line starting with "-": in the
        // archive rendering it is told from a removed line by the hunk's counts.
        let continued = patch.hunks[3].lines[51]
        #expect(continued.kind == .context)
        #expect(continued.text.hasSuffix("- (free_pages + movable_pages);"))

        let pageDelAndExpand = try #require(Prototype.parse(
            "static __always_inline void page_del_and_expand(struct zone *zone, struct page *page, int low, int high, int migratetype)"))
        let tryToClaimBlock = try #require(Prototype.parse(
            "static struct page *try_to_claim_block(struct zone *zone, struct page *page, int current_order, int order, int start_type, int block_type, unsigned int alloc_flags)"))
        #expect(PatchReader.touchedFunctions(patch) == [
            TouchedFunction(name: "split_large_buddy", file: Self.file, before: Self.splitLargeBuddy,
                            after: Self.splitLargeBuddy, hunks: [1],
                            evidence: ["hunk 1: definition in hunk at line 2"], beforeBasis: .hunk, afterBasis: .hunk),
            TouchedFunction(name: "expand", file: Self.file, before: Self.expandBefore, after: Self.expandAfter,
                            hunks: [2], evidence: ["hunk 2: definition in hunk at line 15"],
                            beforeBasis: .hunk, afterBasis: .hunk),
            TouchedFunction(name: "page_del_and_expand", file: Self.file, before: pageDelAndExpand,
                            after: pageDelAndExpand, hunks: [3], evidence: ["hunk 3: definition in hunk at line 1"],
                            beforeBasis: .hunk, afterBasis: .hunk),
            TouchedFunction(name: "try_to_claim_block", file: Self.file, before: tryToClaimBlock,
                            after: tryToClaimBlock, hunks: [4],
                            evidence: ["hunk 4: definition at hunk line 1, return type from header section 'static struct page *'"],
                            beforeBasis: .headerAndHunk, afterBasis: .headerAndHunk),
        ])
    }

    @Test func touchedFunctionsEncodeAndDecodeAsJSON() throws {
        let data = try JSONEncoder().encode(Self.expected)
        #expect(try JSONDecoder().decode([TouchedFunction].self, from: data) == Self.expected)
        let patch = try Fixture.patch("seed-archive.txt")
        let set = PatchSet(patches: [patch])
        #expect(try JSONDecoder().decode(PatchSet.self, from: JSONEncoder().encode(set)) == set)
    }
}
