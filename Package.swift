// swift-tools-version: 6.1
// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import PackageDescription

/// The kernel configuration the port follows, from its one place (CModules/CBuddyPort/kconfig).
let kernelConfig: [CSetting] = {
    let path = Context.packageDirectory + "/CModules/CBuddyPort/kconfig"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        fatalError("\(path) cannot be read")
    }
    return text.split(separator: "\n").compactMap { line -> CSetting? in
        let entry = line.trimmingCharacters(in: .whitespaces)
        guard !entry.isEmpty, !entry.hasPrefix("#") else { return nil }
        let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
        return .define(parts[0], to: parts.count > 1 ? parts[1] : "1")
    }
}()

let package = Package(
    name: "verify-patch",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "verify-patch", targets: ["verify-patch"]),
        .library(name: "BuddyPort", targets: ["BuddyPort"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Linux 7.3's buddy allocator and page reporting, ported to user space: the
        // baseline variant and the C API every variant is driven through.
        .target(
            name: "CBuddyPort",
            path: "CModules/CBuddyPort",
            exclude: ["port", "PORTING.md", "drift-explained.txt", "kconfig", "kernel-lines.txt"],
            cSettings: kernelConfig
        ),
        // libelf and libdw, as Debian packages them.
        .systemLibrary(name: "CLibElf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(name: "CLibDW", pkgConfig: "libdw", providers: [.apt(["libdw-dev"])]),
        // libzstd, for debug sections compressed with zstd (libelf 0.188 has no zstd).
        .systemLibrary(name: "CLibZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // ELF symbols (libelf) and DWARF prototypes (libdwfl) of built kernel objects.
        .target(name: "KernelObjects", dependencies: ["CLibElf", "CLibDW", "CLibZstd"]),
        // Unified diffs, mbox files and mail-archive renderings of patches.
        .target(name: "PatchReader"),
        // Applies patches, mangled ones included, to a source tree: all hunks or none.
        .target(name: "PatchApplier", dependencies: ["PatchReader", "PortDrift"]),
        // The port against a kernel tree, token by token.
        .target(name: "PortDrift", dependencies: ["PortSource"]),
        // Verdicts: does a built object carry a patch, and on what evidence.
        .target(name: "PatchVerifier", dependencies: ["PatchReader", "KernelObjects"]),
        // The words port and model share: variants, geometry, snapshots, errors.
        .target(name: "BuddyTypes"),
        // Swift driver owning one port zone, of any loaded variant.
        .target(name: "BuddyPort", dependencies: ["CBuddyPort", "BuddyTypes"]),
        // The port's text inside the binary (embed.list), so that a copied verify-patch
        // builds variants.
        .target(name: "PortSource", exclude: ["embed.list"], plugins: ["EmbedFiles"]),
        // What the default run reads (the seed patch, the port's objects), inside the
        // binary, so that a copied verify-patch runs it.
        .target(name: "BundledFixtures", exclude: ["embed.list"], plugins: ["EmbedFiles"]),
        // Compiles the files a target's embed.list names into it (Plugins/EmbedFiles).
        .executableTarget(name: "embed-files"),
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["embed-files"]),
        // Variants built on demand: the port's text with patches applied, compiled,
        // cached and loaded; coverage of a variant's lines and branches.
        .target(name: "PortVariants", dependencies: ["BuddyPort", "PortSource", "PatchApplier", "PatchReader", "PortDrift"]),
        // The model's invariants over the flat state encoding, for any driver of any zone.
        .target(name: "Invariants", dependencies: ["BuddyTypes"]),
        // Two variants measured side by side: workloads with a host that remembers what it
        // discarded, re-reports by cause, refaults, checks, first differences, replays.
        .target(name: "Measurement", dependencies: ["BuddyPort", "Differential", "Invariants"]),
        // The reviewer's report on any patch series: hunks in the port, coverage of what
        // they add, behaviour against the base, checks, probes, the commit message.
        .target(name: "Review",
                dependencies: ["Measurement", "PortVariants", "PatchApplier", "PatchReader", "PortDrift",
                               "PortSource", "BuddyModel", "Differential", "Exploration"],
                exclude: ["embed.list", "known-patches.txt"],
                plugins: ["EmbedFiles"]),
        // The same allocator semantics written from the rules, sharing no code with the port.
        .target(name: "BuddyModel", dependencies: ["BuddyTypes"]),
        // Port and model side by side: generated operations, comparison, shrinking.
        .target(name: "Differential", dependencies: ["BuddyPort", "BuddyModel"]),
        .executableTarget(
            name: "verify-patch",
            dependencies: [
                "BuddyPort",
                "PatchVerifier",
                "PatchApplier",
                "PortDrift",
                "Review",
                "BundledFixtures",
                "PortSource",
                "Exploration",
                "Differential",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Every reachable state of a tiny zone of the port: compact states, fingerprints,
        // breadth first on every core, shards, variants in lockstep.
        .target(name: "Exploration", dependencies: ["BuddyPort", "Differential", "Invariants", "Measurement"]),
        // Throughput of the port and of the checked differential (BENCHMARKS.md).
        .executableTarget(name: "buddy-bench", dependencies: ["Differential"]),
        .testTarget(name: "BuddyPortTests", dependencies: ["BuddyPort", "TestVariants"]),
        .testTarget(name: "PortVariantsTests", dependencies: ["PortVariants", "Differential"]),
        // The variants the tests run (the baseline and the seed, built like any patch).
        .target(name: "TestVariants", dependencies: ["PortVariants", "BuddyModel"], path: "Tests/TestVariants"),
        .testTarget(name: "BuddyModelTests", dependencies: ["BuddyModel", "TestVariants"]),
        .testTarget(name: "DifferentialTests", dependencies: ["Differential", "TestVariants"]),
        .testTarget(name: "KernelObjectsTests", dependencies: ["KernelObjects"]),
        .testTarget(name: "PatchReaderTests", dependencies: ["PatchReader"]),
        .testTarget(name: "PatchApplierTests", dependencies: ["PatchApplier", "PatchReader", "PortDrift"]),
        .testTarget(name: "PortDriftTests", dependencies: ["PortDrift", "PatchReader", "PatchApplier"]),
        .testTarget(name: "MeasurementTests", dependencies: ["Measurement", "TestVariants"]),
        .testTarget(name: "ReviewTests", dependencies: ["Review", "Measurement", "TestVariants"]),
        .testTarget(name: "ExplorationTests", dependencies: ["Exploration", "BuddyPort", "Differential", "TestVariants"]),
        .testTarget(name: "VerifyPatchTests", dependencies: ["PatchVerifier", "PatchReader", "Exploration", "Differential", "verify-patch"]),
        // Fuzzing (FUZZING.md): the targets' bodies, shared with their regression tests,
        // and libFuzzer executables that are stubs unless scripts/fuzz.sh builds them.
        .target(name: "CFuzzSupport"),
        .target(name: "FuzzTargets", dependencies: ["CFuzzSupport", "PatchReader", "PatchVerifier", "PatchApplier", "KernelObjects"]),
        .executableTarget(name: "fuzz-patch-reader", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "fuzz-elf-symbols", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "fuzz-dwarf", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "fuzz-apply", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "fuzz-check", dependencies: ["FuzzTargets"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
    ]
)
