// SPDX-License-Identifier: GPL-2.0-only
//
// The patch reader's fuzz target: arbitrary bytes read as a patch (diff, mbox, mail
// archive text), then the function attribution and the verifier's expectations.

import PatchReader
import PatchVerifier

public enum PatchReaderTarget {
    /// Reads `bytes` and everything derived from it. Besides not crashing, every patch
    /// read must have hunks numbered 1...n, each touched function must name only those
    /// hunks, and the canonical text of a patch with hunks must read back as one patch
    /// with the same hunk lines; a violation traps, so the fuzzer reports it.
    public static func run(_ bytes: [UInt8]) {
        guard let set = try? PatchReader.read(bytes) else { return }
        for patch in set.patches {
            let hunks = patch.hunks
            require(hunks.map(\.index) == Array(stride(from: 1, through: hunks.count, by: 1)),
                    "hunks are not numbered 1...n")
            // Attribution through the verifier's expectations, which read it once.
            for expectation in FunctionExpectation.from(patch) {
                require(!expectation.hunks.isEmpty, "a touched function without hunks")
                require(expectation.hunks.allSatisfy { $0 >= 1 && $0 <= hunks.count },
                        "a touched function names a hunk that does not exist")
            }
            guard !hunks.isEmpty else { continue }
            guard let reread = try? PatchReader.read(text: patch.canonicalText) else {
                fatalError("the canonical text does not read back")
            }
            require(reread.patches.count == 1, "the canonical text reads as \(reread.patches.count) patches")
            // A clean diff whose every `&` starts an entity and that holds no `<` reads
            // as HTML-escaped archive text; no reader can tell the two apart.
            guard !reread.patches[0].mangled else { continue }
            require(reread.patches[0].hunks.map(\.lines) == hunks.map(\.lines),
                    "the canonical text reads back to other hunk lines")
        }
    }
}
