// SPDX-License-Identifier: GPL-2.0-only
//
// Every input the fuzz targets ever failed on (fixtures/fuzz/crashes/TARGET) and every
// seed they start from, run through the targets' bodies as libFuzzer runs them: each
// must return, with the targets' own checks holding.

import Foundation
import FuzzTargets
import Testing

enum FuzzFixtures {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // FuzzTargetsTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("fixtures")

    /// The regular files in fixtures/`directory`, sorted, without README.md.
    static func files(_ directory: String) -> [String] {
        let url = root.appendingPathComponent(directory)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.sorted().filter { name in
            var isDirectory: ObjCBool = false
            let path = url.appendingPathComponent(name).path
            return name != "README.md" && FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                && !isDirectory.boolValue
        }.map { "\(directory)/\($0)" }
    }

    static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: root.appendingPathComponent(relative)))
    }
}

@Test(arguments: FuzzFixtures.files("fuzz/crashes/patch-reader") + FuzzFixtures.files("patches")
      + FuzzFixtures.files("patches/bad"))
func patchReaderTargetReplays(_ input: String) throws {
    PatchReaderTarget.run(try FuzzFixtures.bytes(input))
}

@Test(arguments: FuzzFixtures.files("fuzz/crashes/elf-symbols") + FuzzFixtures.files("objects")
      + FuzzFixtures.files("objects/limits"))
func elfSymbolsTargetReplays(_ input: String) throws {
    ELFSymbolsTarget.run(try FuzzFixtures.bytes(input))
}

@Test(arguments: FuzzFixtures.files("fuzz/crashes/dwarf") + FuzzFixtures.files("objects")
      + FuzzFixtures.files("objects/limits"))
func dwarfTargetReplays(_ input: String) throws {
    DWARFTarget.run(try FuzzFixtures.bytes(input))
}

@Test func crashInputsAreCommitted() {
    #expect(FuzzFixtures.files("fuzz/crashes/patch-reader") == [
        "fuzz/crashes/patch-reader/combining-mark-after-marker.patch",
        "fuzz/crashes/patch-reader/cr-cr-lf.patch",
        "fuzz/crashes/patch-reader/line-break-entities.patch",
        "fuzz/crashes/patch-reader/nul-entity-in-section.patch",
        "fuzz/crashes/patch-reader/nul-in-quoted-path.patch",
        "fuzz/crashes/patch-reader/quoted-paths.patch",
    ])
}

// The apply target's sandbox is one directory per process: its replays run one at a time.
@Suite(.serialized)
struct ApplyTargetReplays {
    @Test(arguments: FuzzFixtures.files("fuzz/crashes/apply") + FuzzFixtures.files("patches")
          + FuzzFixtures.files("patches/bad"))
    func applyTargetReplays(_ input: String) throws {
        ApplyTarget.run(try FuzzFixtures.bytes(input))
    }

    // A tree file, a NUL, then a patch that applies to it: the applied path of the target.
    @Test func appliedPatch() {
        ApplyTarget.run(Array("a\nb\nc\n\0--- a/mm/page_alloc.c\n+++ b/mm/page_alloc.c\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n".utf8))
    }
}

@Test(arguments: FuzzFixtures.files("fuzz/crashes/check") + FuzzFixtures.files("patches")
      + FuzzFixtures.files("objects/cross").filter { $0.hasSuffix(".patch") })
func checkTargetReplays(_ input: String) throws {
    CheckTarget.run(try FuzzFixtures.bytes(input))
}
