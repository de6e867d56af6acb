// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing
@testable import PatchReader

/// pool-series.mbox is `git format-patch --cover-letter --stdout` of two commits to a
/// small C file, its header, a document, a deleted and a new file:
///
///   0/2  cover letter (no diff: not a patch)
///   1/2  Jörg Rödel  mm/pool.c: a new static variable, pool_take() body, new pool_peek()
///   2/2  Pat Reader  pool.rst (no newline at end), pool.h declaration, mm/pool.c
///                    (#define, pool_drain() prototype and body), mm/pool_old.c deleted,
///                    mm/pool_stats.c new
@Suite struct MailTests {
    static let poolTake = TouchedFunction(
        name: "pool_take", file: "mm/pool.c", hunks: [2],
        evidence: ["hunk 2: header section 'pool_take(struct pool *pool, unsigned int count,'"])
    static let poolPeek = TouchedFunction(
        name: "pool_peek", file: "mm/pool.c",
        after: Prototype(name: "pool_peek", returnType: "unsigned int",
                         parameters: [param("const struct pool *", "pool")], specifiers: ["static"]),
        hunks: [3], evidence: ["hunk 3: definition added at line 5"], change: .added, afterBasis: .hunk)

    static let drainParameters = [
        param("struct pool *", "pool"),
        param("int (*)(struct page *page, void *arg)", "release"),
        param("void *", "arg"),
    ]
    static let poolDrain = TouchedFunction(
        name: "pool_drain", file: "mm/pool.c",
        before: Prototype(name: "pool_drain", returnType: "int", parameters: drainParameters),
        after: Prototype(name: "pool_drain", returnType: "int",
                         parameters: drainParameters + [param("unsigned int", "batch")]),
        hunks: [4, 5],
        evidence: [
            "hunk 4: definition in hunk at line 3",
            "hunk 5: header section 'int pool_drain(struct pool *pool, int (*release)(struct page *page, void *arg),'",
        ],
        beforeBasis: .hunk, afterBasis: .hunk)
    static let poolStat = TouchedFunction(
        name: "pool_stat", file: "mm/pool_stats.c",
        after: Prototype(name: "pool_stat", returnType: "unsigned long",
                         parameters: [param("const struct pool *", "pool")]),
        hunks: [7], evidence: ["hunk 7: definition added at line 4"], change: .added, afterBasis: .hunk)

    @Test func seriesHoldsTwoPatchesAndNoCoverLetter() throws {
        let set = try PatchReader.read(Fixture.bytes("pool-series.mbox"))
        try #require(set.patches.count == 2)
        let (first, second) = (set.patches[0], set.patches[1])
        #expect(first.title == "[PATCH 1/2] mm: pool: count misses and add pool_peek()")
        #expect(first.subject == "mm: pool: count misses and add pool_peek()")
        #expect(first.author == "Jörg Rödel <joro@example.org>")
        #expect(second.title == "[PATCH 2/2] mm: pool: let pool_drain() stop after a batch")
        #expect(second.subject == "mm: pool: let pool_drain() stop after a batch")
        #expect(second.author == "Pat Reader <pat@example.org>")
        #expect(!first.mangled && !second.mangled)

        #expect(first.files.map(\.path) == ["mm/pool.c"])
        #expect(first.hunks.map(\.index) == [1, 2, 3])
        #expect(second.files.map(\.oldPath) == [
            "Documentation/mm/pool.rst", "include/linux/pool.h", "mm/pool.c", "mm/pool_old.c", "/dev/null",
        ])
        #expect(second.files.map(\.newPath) == [
            "Documentation/mm/pool.rst", "include/linux/pool.h", "mm/pool.c", "/dev/null", "mm/pool_stats.c",
        ])
        #expect(second.hunks.map(\.index) == [1, 2, 3, 4, 5, 6, 7])
        #expect(second.hunks.allSatisfy { $0.countsMatched })

        let deleted = second.files[3], created = second.files[4]
        #expect(deleted.isDeletedFile && !deleted.isNewFile && deleted.path == "mm/pool_old.c")
        #expect(deleted.headers == ["deleted file mode 100644", "index 5017d00..0000000"])
        #expect(created.isNewFile && created.path == "mm/pool_stats.c")
        #expect(created.headers == ["new file mode 100644", "index 0000000..2b37108"])
        #expect([created.hunks[0].oldStart, created.hunks[0].oldCount, created.hunks[0].newStart,
                 created.hunks[0].newCount] == [0, 0, 1, 7] as [Int])
        #expect([deleted.hunks[0].oldStart, deleted.hunks[0].oldCount] == [1, 1] as [Int])

        // "\ No newline at end of file" marks the line before it, on each side.
        let doc = second.files[0].hunks[0]
        #expect(doc.lines.suffix(2) == [
            HunkLine(kind: .removed, text: "A pool keeps pages.", missingNewline: true),
            HunkLine(kind: .added, text: "A pool keeps pages and gives them back in batches.", missingNewline: true),
        ])
    }

    @Test func firstPatchTouchesTakeAndAddsPeek() throws {
        let set = try PatchReader.read(Fixture.bytes("pool-series.mbox"))
        let attribution = PatchReader.attribute(set.patches[0])
        #expect(attribution.functions == [Self.poolTake, Self.poolPeek])
        // "static unsigned long pool_misses;" is outside every function.
        #expect(attribution.unattributed == [
            UnattributedChange(file: "mm/pool.c", hunk: 1, lines: [4], reason: .outsideFunction),
        ])
    }

    @Test func secondPatchChangesDrainAndAddsStat() throws {
        let set = try PatchReader.read(Fixture.bytes("pool-series.mbox"))
        let attribution = PatchReader.attribute(set.patches[1])
        #expect(attribution.functions == [Self.poolDrain, Self.poolStat])
        #expect(Self.poolDrain.prototypeChanged)
        #expect(Self.poolDrain.after?.rendered
            == "int pool_drain(struct pool *pool, int (*release)(struct page *page, void *arg), void *arg, unsigned int batch)")
        // The header's declaration, the #define, the deleted file's line, the new file's
        // #include: outside functions. pool.rst is not C and is not read.
        #expect(attribution.unattributed == [
            UnattributedChange(file: "include/linux/pool.h", hunk: 2, lines: [4, 5], reason: .outsideFunction),
            UnattributedChange(file: "mm/pool.c", hunk: 3, lines: [4, 5], reason: .outsideFunction),
            UnattributedChange(file: "mm/pool_old.c", hunk: 6, lines: [1], reason: .outsideFunction),
            UnattributedChange(file: "mm/pool_stats.c", hunk: 7, lines: [2], reason: .outsideFunction),
        ])
    }

    /// The series as a mail archive would render it attributes the same way.
    @Test func archiveRenderingOfTheSeriesAttributesTheSame() throws {
        let text = try Fixture.text("pool-series.mbox")
        let clean = try PatchReader.read(text: text)
        let rendered = try PatchReader.read(text: archiveRendering(of: text))
        try #require(rendered.patches.count == 2)
        #expect(rendered.patches.allSatisfy { $0.mangled })
        for (a, b) in zip(clean.patches, rendered.patches) {
            #expect(PatchReader.attribute(a) == PatchReader.attribute(b))
        }
    }

    @Test(arguments: [
        ("From 4911e092236aa3ff6132c56393946872c638a6f9 Mon Sep 17 00:00:00 2001", true),
        ("From MAILER-DAEMON Fri Jul  8 12:08:34 2011", true),
        ("From: Pat Reader <pat@example.org>", false),
        ("From the caller's point of view, nothing changes.", false),
        ("From abc Mon", false),
    ])
    func mboxSeparators(_ line: String, _ expected: Bool) {
        #expect(MailHeaders.isMboxSeparator(Substring(line)) == expected)
    }

    @Test(arguments: [
        ("[PATCH v9 03/37] mm: page_alloc: propagate PageReported flag", "mm: page_alloc: propagate PageReported flag"),
        ("[RFC][PATCH 1/2] mm: foo", "mm: foo"),
        ("Re: [PATCH] mm: foo", "mm: foo"),
        ("mm: foo", "mm: foo"),
        ("[PATCH]", nil),
    ] as [(String, String?)])
    func subjects(_ title: String, _ subject: String?) {
        #expect(MailHeaders.subject(fromTitle: title) == subject)
    }

    @Test(arguments: [
        ("=?UTF-8?q?J=C3=B6rg=20R=C3=B6del?= <joro@example.org>", "Jörg Rödel <joro@example.org>"),
        ("=?utf-8?B?SsO2cmc=?= =?utf-8?B?IFLDtmRlbA==?=", "Jörg Rödel"),
        ("=?iso-8859-1?q?J=F6rg?= Example", "Jörg Example"),
        ("plain <a@b>", "plain <a@b>"),
        ("=?x-unknown?q?abc?=", "=?x-unknown?q?abc?="),
    ])
    func encodedWords(_ raw: String, _ decoded: String) {
        #expect(RFC2047.decode(raw) == decoded)
    }

    @Test func foldedSubjectAndInBodyFromOverrideTheMailHeaders() throws {
        let text = """
            From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
            From: Sender <sender@example.org>
            Subject: [PATCH] mm: a subject that git folded
             onto a second line

            From: Real Author <author@example.org>

            Body.
            ---
            diff --git a/mm/a.c b/mm/a.c
            --- a/mm/a.c
            +++ b/mm/a.c
            @@ -1 +1 @@
            -int a;
            +int b;

            """
        let patch = try readOne(text)
        #expect(patch.title == "[PATCH] mm: a subject that git folded onto a second line")
        #expect(patch.author == "Real Author <author@example.org>")
    }

    @Test func gitLogOutputTakesTheFirstMessageLineAsTitle() throws {
        let text = """
            commit 0123456789abcdef0123456789abcdef01234567
            Author: Pat Reader <pat@example.org>
            Date:   Mon Sep 17 00:00:00 2001 +0000

                mm: log title

                Longer text.

            diff --git a/mm/a.c b/mm/a.c
            --- a/mm/a.c
            +++ b/mm/a.c
            @@ -1 +1 @@
            -int a;
            +int b;

            """
        let patch = try readOne(text)
        #expect(patch.title == "mm: log title")
        #expect(patch.subject == "mm: log title")
        #expect(patch.author == "Pat Reader <pat@example.org>")
    }

    @Test func plainDiffHasNoTitle() throws {
        let patch = try readOne("--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-int a;\n+int b;\n")
        #expect(patch.title == nil && patch.subject == nil && patch.author == nil)
    }
}
