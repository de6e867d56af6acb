// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing
@testable import PatchReader

/// Damaged patches never trap: each read either refuses the input with a
/// `PatchReadError` or returns patches whose hunks are numbered 1...n, whose canonical
/// text reads back to the same hunk lines, and whose attribution names only existing
/// hunks. The damage is seeded, so a failure names the seed that reproduces it.
@Suite struct RobustnessTests {
    /// SplitMix64: small, seedable, the same on every platform.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pieces = ["@@ -1,3 +1,4 @@ static int f(int a,", "diff --git a/x.c b/x.c", "--- a/x.c", "+++ b/x.c",
                         "--", "-- ", "+", "-", "", "{", "}", "static void g(void)", "*/", "/*", "\\ No newline",
                         "From 0 Mon Sep 17 00:00:00 2001", "&lt;&amp;", "\u{00A0}x", "\t)", "int b)"]

    /// Deletes, duplicates, truncates and inserts lines.
    static func damage(_ text: String, seed: UInt64) -> String {
        var rng = Generator(state: seed)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for _ in 0..<Int.random(in: 1...8, using: &rng) where !lines.isEmpty {
            let k = Int.random(in: 0..<lines.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: lines.remove(at: k)
            case 1: lines.insert(lines[k], at: k)
            case 2: lines[k] = String(lines[k].prefix(Int.random(in: 0...max(0, lines[k].count), using: &rng)))
            default: lines.insert(pieces.randomElement(using: &rng)!, at: k)
            }
        }
        return lines.joined(separator: "\n")
    }

    @Test(arguments: ["seed-archive.txt", "seed-clean.patch", "seed-function-context.patch", "pool-series.mbox"])
    func damagedFixturesReadOrRefuse(_ name: String) throws {
        let original = try Fixture.text(name)
        for seed in UInt64(0)..<150 {
            let text = Self.damage(original, seed: seed)
            let set: PatchSet
            do {
                set = try PatchReader.read(text: text)
            } catch {
                continue
            }
            for patch in set.patches {
                let count = patch.hunks.count
                #expect(patch.hunks.map(\.index) == Array(stride(from: 1, through: count, by: 1)), "seed \(seed)")
                let attribution = PatchReader.attribute(patch)
                #expect(attribution.functions.allSatisfy { !$0.hunks.isEmpty && $0.hunks.allSatisfy { (1...count).contains($0) } },
                        "seed \(seed)")
                if !patch.hunks.isEmpty {
                    // The canonical text carries every hunk line; its counts are those of
                    // the lines, so only the counts can differ on reading it back.
                    let reread = try PatchReader.read(text: patch.canonicalText)
                    #expect(reread.patches.count == 1, "seed \(seed)")
                    #expect(reread.patches.first?.hunks.map(\.lines) == patch.hunks.map(\.lines), "seed \(seed)")
                    #expect(reread.patches.first?.hunks.map(\.section) == patch.hunks.map(\.section), "seed \(seed)")
                }
            }
        }
    }
}
