// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing
@testable import PatchReader

#if canImport(Glibc)
import Glibc
#endif

/// A patch of 100,000 hunks (10 MB, well under the command's 64 MiB limit), generated
/// here: read in time linear in its size (about 50 µs a hunk in a release build,
/// including attribution; scripts/resource-bounds.sh measures the command). The time
/// and the process's peak RSS are printed, not asserted.
@Suite struct ResourceBoundTests {
    static let hunkCount = 100_000

    /// One function per hunk, each hunk adding a local: `static int fN(int a)`.
    static func manyHunks() -> String {
        var text = "diff --git a/mm/page_alloc.c b/mm/page_alloc.c\n--- a/mm/page_alloc.c\n+++ b/mm/page_alloc.c\n"
        text.reserveCapacity(hunkCount * 100)
        for i in 0..<hunkCount {
            let start = 10 * i + 1
            text += "@@ -\(start),3 +\(start + i),4 @@ static int f\(i)(int a)\n"
            text += " \tint b = a;\n+\tint x\(i) = b;\n \tb++;\n \treturn b;\n"
        }
        return text
    }

    @Test func patchOf100000Hunks() throws {
        let text = Self.manyHunks()
        #expect(text.utf8.count == 10_065_750)
        let start = ContinuousClock.now
        let set = try PatchReader.read(text: text)
        let read = ContinuousClock.now
        try #require(set.patches.count == 1)
        let patch = set.patches[0]
        let functions = PatchReader.touchedFunctions(patch)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("100,000 hunks: read in \(read - start), attributed in \(ContinuousClock.now - read), "
              + "peak RSS of the test process \(usage.ru_maxrss / 1024) MiB")

        #expect(patch.hunks.count == Self.hunkCount)
        #expect(patch.hunks.allSatisfy { $0.countsMatched })
        #expect(patch.hunks.last?.lines == [
            HunkLine(kind: .context, text: "\tint b = a;"),
            HunkLine(kind: .added, text: "\tint x99999 = b;"),
            HunkLine(kind: .context, text: "\tb++;"),
            HunkLine(kind: .context, text: "\treturn b;"),
        ])
        #expect(functions.count == Self.hunkCount)
        #expect(functions.map { $0.name } == (0..<Self.hunkCount).map { "f\($0)" })
        #expect(functions.map { $0.hunks } == (1...Self.hunkCount).map { [$0] })
        #expect(functions.last?.after?.rendered == "static int f99999(int a)")
    }
}
