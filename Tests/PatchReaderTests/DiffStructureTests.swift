// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing
@testable import PatchReader

/// File headers, hunk boundaries and line classes of the diff formats read.
@Suite struct DiffStructureTests {
    @Test func diffUWithTimestampsAndDirectoryPrefixes() throws {
        let text = """
            diff -u linux.orig/mm/a.c linux/mm/a.c
            --- linux.orig/mm/a.c\t2026-05-29 11:51:00.000000000 -0400
            +++ linux/mm/a.c\t2026-05-29 11:52:00.000000000 -0400
            @@ -1,3 +1,3 @@
             int a;
            -int b;
            +int c;
             int d;

            """
        let patch = try readOne(text)
        #expect(patch.files == [
            FilePatch(oldPath: "mm/a.c", newPath: "mm/a.c", hunks: [
                Hunk(index: 1, oldStart: 1, oldCount: 3, newStart: 1, newCount: 3, section: "", lines: [
                    HunkLine(kind: .context, text: "int a;"),
                    HunkLine(kind: .removed, text: "int b;"),
                    HunkLine(kind: .added, text: "int c;"),
                    HunkLine(kind: .context, text: "int d;"),
                ], countsMatched: true),
            ]),
        ])
    }

    @Test(arguments: [
        ("a/mm/x.c", "b/mm/x.c", "mm/x.c", "mm/x.c"),
        ("/dev/null", "b/mm/x.c", "/dev/null", "mm/x.c"),
        ("a/mm/x.c", "/dev/null", "mm/x.c", "/dev/null"),
        ("x.c.orig", "x.c", "x.c.orig", "x.c"),
        ("mm/x.c", "mm/x.c", "mm/x.c", "mm/x.c"),
        ("old/mm/x.c", "new/mm/x.c", "mm/x.c", "mm/x.c"),
    ])
    func pathPrefixes(_ old: String, _ new: String, _ strippedOld: String, _ strippedNew: String) {
        let (a, b) = DiffParser.stripPrefixes(old, new)
        #expect([a, b] == [strippedOld, strippedNew])
    }

    @Test func quotedPathsAndRenames() throws {
        let text = """
            diff --git "a/mm/a b.c" "b/mm/a b.c"
            --- "a/mm/a b.c"
            +++ "b/mm/a b.c"
            @@ -1 +1 @@
            -x
            +y
            diff --git a/mm/old.c b/mm/new.c
            similarity index 100%
            rename from mm/old.c
            rename to mm/new.c
            diff --git a/logo.png b/logo.png
            index 1111111..2222222 100644
            Binary files a/logo.png and b/logo.png differ

            """
        let patch = try readOne(text)
        #expect(patch.files.map(\.oldPath) == ["mm/a b.c", "mm/old.c", "logo.png"])
        #expect(patch.files.map(\.newPath) == ["mm/a b.c", "mm/new.c", "logo.png"])
        #expect(patch.files[1].headers == ["similarity index 100%", "rename from mm/old.c", "rename to mm/new.c"])
        #expect(patch.files[1].hunks.isEmpty)
        #expect(patch.files[2].isBinary)
    }

    @Test func gitBinaryPatchDataIsSkipped() throws {
        let text = """
            diff --git a/blob.bin b/blob.bin
            new file mode 100644
            index 0000000..1111111
            GIT binary patch
            literal 12
            TcmZQzWMXDvWn<@Z0RRF52LJ#7

            literal 0
            HcmV?d00001

            diff --git a/mm/a.c b/mm/a.c
            --- a/mm/a.c
            +++ b/mm/a.c
            @@ -1 +1 @@
            -int a;
            +int b;

            """
        let patch = try readOne(text)
        #expect(patch.files.map(\.path) == ["blob.bin", "mm/a.c"])
        #expect(patch.files[0].isBinary && patch.files[0].isNewFile)
        #expect(patch.files[1].hunks.count == 1)
    }

    /// A hunk's counts end it: a removed line reading "-- " inside the counts is a line,
    /// not a signature.
    @Test func countsEndACleanHunk() throws {
        let text = "--- a/n.txt\n+++ b/n.txt\n@@ -1,2 +1 @@\n-- \n keep\n-- \n2.43.0\n"
        let hunk = try #require(try readOne(text).files.first?.hunks.first)
        #expect(hunk.lines == [HunkLine(kind: .removed, text: "- "), HunkLine(kind: .context, text: "keep")])
        #expect(hunk.countsMatched)
    }

    @Test func truncatedHunkIsKeptWithCountsOff() throws {
        let text = "--- a/x.c\n+++ b/x.c\n@@ -1,5 +1,5 @@\n int a;\n-int b;\n+int c;\n"
        let hunk = try #require(try readOne(text).files.first?.hunks.first)
        #expect(hunk.lines.count == 3)
        #expect(!hunk.countsMatched)
    }

    @Test func hugeCountsInAHeaderAreOnlyCounts() throws {
        let hunk = try #require(try readOne("--- a/x.c\n+++ b/x.c\n@@ -1,999999999999 +1,999999999999 @@\n int a;\n").hunks.first)
        #expect(hunk.oldCount == 999_999_999_999)
        #expect(hunk.lines == [HunkLine(kind: .context, text: "int a;")])
        #expect(!hunk.countsMatched)
    }

    /// An archive that dropped a blank context line: the hunk stops at the next "@@",
    /// and its counts are recorded as off.
    @Test func mangledHunkWithALostLineStopsAtTheNextHeader() throws {
        let text = """
            --- a/mm/a.c
            +++ b/mm/a.c
            @@ -10,4 +10,5 @@ static void f(void)
            a();
            + b();
            c();
            @@ -20,1 +21,1 @@ static void g(void)
            - d();
            + e();
            --
            MST
            """
        let patch = try readOne(text)
        #expect(patch.mangled)
        let hunks = patch.files[0].hunks
        #expect(hunks.map(\.lines.count) == [3, 2])
        #expect(hunks.map(\.countsMatched) == [false, true])
        #expect(hunks[0].lines.map(\.kind) == [.context, .added, .context])
    }

    /// Archive text whose counts were reached before the +/- lines ended keeps them.
    @Test func mangledHunkKeepsChangedLinesPastItsCounts() throws {
        let text = """
            --- a/mm/a.c
            +++ b/mm/a.c
            @@ -10,2 +10,2 @@ static void f(void)
            a();
            - b();
            + c();
            + d();
            --
            MST
            """
        let hunk = try #require(try readOne(text).files.first?.hunks.first)
        #expect(hunk.lines.map(\.kind) == [.context, .removed, .added, .added])
        #expect(!hunk.countsMatched)
    }

    /// "- b;" continues "int x = a" but reads, without indentation, as a removed line;
    /// the counts (and the blank line read past the end before the signature) show it
    /// is context.
    @Test(arguments: Rendering.allCases)
    func continuationLineStartingWithMinusIsContext(_ rendering: Rendering) throws {
        let text = """
            --- a/mm/a.c
            +++ b/mm/a.c
            @@ -10,4 +10,4 @@ static int f(int a, int b)
             \tint x = a
             \t\t- b;
             \ty();
            -\treturn x;
            +\treturn -x;

            -- \n2.43.0

            """
        let hunk = try #require(try readOne(rendering.apply(text)).files.first?.hunks.first)
        #expect(hunk.countsMatched)
        #expect(hunk.lines.map(\.kind) == [.context, .context, .context, .removed, .added])
        #expect(hunk.lines[1].text.trimmingCharacters(in: .whitespaces) == "- b;")
    }

    @Test func reclassificationNeedsAnUnambiguousCandidate() {
        // Two isolated "-" lines after unfinished lines, one surplus: no change.
        var lines = [
            HunkLine(kind: .context, text: "x = a"), HunkLine(kind: .removed, text: " b;"),
            HunkLine(kind: .context, text: "y = c"), HunkLine(kind: .removed, text: " d;"),
            HunkLine(kind: .context, text: "z();"),
        ]
        let before = lines
        #expect(!DiffParser.reclassifyContinuations(&lines, oldCount: 5, newCount: 4))
        #expect(lines == before)
        // The same with one of them after a finished statement: it is a removal.
        lines[2] = HunkLine(kind: .context, text: "y = c;")
        #expect(DiffParser.reclassifyContinuations(&lines, oldCount: 5, newCount: 4))
        #expect(lines.map(\.kind) == [.context, .context, .context, .removed, .context])
        #expect(lines[1].text == "- b;")
    }

    @Test func bareHunkWithoutFileHeaders() throws {
        let patch = try readOne("@@ -1 +1 @@ int f(void)\n-int a;\n+int b;\n")
        #expect(patch.files.map(\.path) == [""])
        #expect(patch.files[0].hunks[0].section == "int f(void)")
    }

    /// git's function context for other languages is recorded, not read as C.
    @Test func nonCFilesKeepTheirSectionsButHaveNoFunctions() throws {
        let text = """
            diff --git a/scripts/check.py b/scripts/check.py
            --- a/scripts/check.py
            +++ b/scripts/check.py
            @@ -10,3 +10,3 @@ def check(path):
                 with open(path) as f:
            -        return f.read()
            +        return f.read().strip()
                 return None

            """
        let patch = try readOne(text)
        #expect(patch.files[0].hunks[0].section == "def check(path):")
        #expect(PatchReader.attribute(patch) == Attribution(functions: [], unattributed: []))
    }

    /// A patch of `count` one-line changes, each in its own function.
    static func manyHunks(_ count: Int) -> String {
        var text = "diff --git a/mm/big.c b/mm/big.c\nindex 1111111..2222222 100644\n--- a/mm/big.c\n+++ b/mm/big.c\n"
        text.reserveCapacity(count * 80)
        for k in 0..<count {
            let line = 10 * k + 1
            text += "@@ -\(line),3 +\(line),3 @@ static int f\(k)(int x)\n \tint a;\n-\ta = x;\n+\ta = x + 1;\n \treturn a;\n"
        }
        return text
    }

    /// Reading is linear in the number of hunks; a quadratic step would not finish.
    @Test func oneHundredThousandHunksParse() throws {
        let patch = try readOne(Self.manyHunks(100_000))
        #expect(patch.hunks.count == 100_000)
        #expect(patch.hunks.last?.index == 100_000)
        #expect(patch.hunks.allSatisfy { $0.countsMatched && $0.lines.count == 4 })
    }

    @Test func tenThousandHunksAttribute() throws {
        let patch = try readOne(Self.manyHunks(10_000))
        let functions = PatchReader.touchedFunctions(patch)
        #expect(functions.count == 10_000)
        #expect(functions.last?.name == "f9999")
        #expect(functions.last?.hunks == [10_000])
        #expect(functions.last?.before?.rendered == "static int f9999(int x)")
    }

    @Test func canonicalTextNamesNewAndDeletedFiles() throws {
        let set = try PatchReader.read(Fixture.bytes("pool-series.mbox"))
        let text = set.patches[1].canonicalText
        #expect(text.contains("diff --git a/mm/pool_old.c b/mm/pool_old.c\ndeleted file mode 100644\nindex 5017d00..0000000\n--- a/mm/pool_old.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-old helper\n"))
        #expect(text.contains("--- /dev/null\n+++ b/mm/pool_stats.c\n@@ -0,0 +1,7 @@\n"))
        #expect(text.contains("-A pool keeps pages.\n\\ No newline at end of file\n"))
        #expect(try PatchReader.read(text: text).patches[0].files == set.patches[1].files)
    }
}
