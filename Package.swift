// swift-tools-version: 6.0
// SPDX-License-Identifier: GPL-2.0-only

import PackageDescription

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
        // Linux 7.3's buddy allocator and page reporting, ported to user space in two
        // variants (baseline, patched) from one source.
        .target(
            name: "CBuddyPort",
            path: "CModules/CBuddyPort",
            exclude: ["port", "PORTING.md", "drift-explained.txt"],
            cSettings: [
                .define("CONFIG_CMA", to: "1"),
                .define("CONFIG_MEMORY_ISOLATION", to: "1"),
                .define("CONFIG_PAGE_REPORTING", to: "1"),
                .define("CONFIG_DEBUG_VM", to: "1"),
            ]
        ),
        // libelf and libdw, as Debian packages them.
        .systemLibrary(name: "CLibElf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(name: "CLibDW", pkgConfig: "libdw", providers: [.apt(["libdw-dev"])]),
        // ELF symbols (libelf) and DWARF prototypes (libdwfl) of built kernel objects.
        .target(name: "KernelObjects", dependencies: ["CLibElf", "CLibDW"]),
        // Unified diffs, mbox files and mail-archive renderings of patches.
        .target(name: "PatchReader"),
        // Applies patches, mangled ones included, to a source tree: all hunks or none.
        .target(name: "PatchApplier", dependencies: ["PatchReader"]),
        // The port against a kernel tree, token by token.
        .target(name: "PortDrift"),
        // Verdicts: does a built object carry a patch, and on what evidence.
        .target(name: "PatchVerifier", dependencies: ["PatchReader", "KernelObjects"]),
        // The words port and model share: variants, geometry, snapshots, errors.
        .target(name: "BuddyTypes"),
        // Swift driver owning one port zone.
        .target(name: "BuddyPort", dependencies: ["CBuddyPort", "BuddyTypes"]),
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
                "Semantics",
                "Exploration",
                "Differential",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Every reachable state of a tiny zone of the port: compact states, fingerprints,
        // breadth first on every core, shards, variants in lockstep.
        .target(name: "Exploration", dependencies: ["BuddyPort", "Differential"]),
        // What the patch changes, saves and risks, measured on named workloads.
        .target(name: "Semantics", dependencies: ["BuddyPort", "BuddyModel", "Differential", "Exploration", "PatchReader"]),
        // Throughput of the port and of the checked differential (BENCHMARKS.md).
        .executableTarget(name: "buddy-bench", dependencies: ["Differential"]),
        .testTarget(name: "BuddyPortTests", dependencies: ["BuddyPort"]),
        .testTarget(name: "BuddyModelTests", dependencies: ["BuddyModel"]),
        .testTarget(name: "DifferentialTests", dependencies: ["Differential"]),
        .testTarget(name: "KernelObjectsTests", dependencies: ["KernelObjects"]),
        .testTarget(name: "PatchReaderTests", dependencies: ["PatchReader"]),
        .testTarget(name: "PatchApplierTests", dependencies: ["PatchApplier", "PatchReader"]),
        .testTarget(name: "PortDriftTests", dependencies: ["PortDrift", "PatchReader"]),
        .testTarget(name: "ExplorationTests", dependencies: ["Exploration", "BuddyPort", "Differential"]),
        .testTarget(name: "SemanticsTests", dependencies: ["Semantics", "BuddyPort", "Differential", "PatchReader"]),
        .testTarget(name: "VerifyPatchTests", dependencies: ["PatchVerifier", "PatchReader", "Exploration", "Differential", "verify-patch"]),
        // Fuzzing (FUZZING.md): the targets' bodies, shared with their regression tests,
        // and libFuzzer executables that are stubs unless scripts/fuzz.sh builds them.
        .target(name: "CFuzzSupport"),
        .target(name: "FuzzTargets", dependencies: ["CFuzzSupport", "PatchReader", "PatchVerifier", "KernelObjects"]),
        .executableTarget(name: "fuzz-patch-reader", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "fuzz-elf-symbols", dependencies: ["FuzzTargets"]),
        .executableTarget(name: "fuzz-dwarf", dependencies: ["FuzzTargets"]),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"]),
    ]
)
