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
