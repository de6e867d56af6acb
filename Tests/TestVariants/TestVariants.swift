// SPDX-License-Identifier: GPL-2.0-only
//
// The variants the tests run: the baseline and the seed ("mm: page_alloc: propagate
// PageReported flag across buddy splits", fixtures/patches/seed-archive.txt) applied to
// the port and built like any other patch, once per test process, through the project's
// cache. Each comes with the rules the model follows beside it.

import BuddyModel
import Foundation
import PortVariants

/// A variant a test names.
public enum TestVariant: String, CaseIterable, Sendable, CustomStringConvertible {
    case baseline
    case seed

    /// The variant, built (or taken from the cache) and loaded on first use.
    public func variant() throws -> Variant {
        switch self {
        case .baseline: .baseline
        case .seed: try builtVariant(patches: ["fixtures/patches/seed-archive.txt"])
        }
    }

    /// The rules the model follows for this variant.
    public var rules: ModelRules {
        switch self {
        case .baseline: .linux73
        case .seed: .propagateReportedOnSplit
        }
    }

    public var description: String { rawValue }
}

/// The repository this file belongs to.
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private let builtLock = NSLock()
nonisolated(unsafe) private var built: [[String]: Variant] = [:]

/// The baseline with the patches at these repository paths applied in order, built and
/// loaded once per process.
public func builtVariant(patches: [String]) throws -> Variant {
    builtLock.lock()
    defer { builtLock.unlock() }
    if let variant = built[patches] { return variant }
    let files = patches.map { repositoryRoot.appendingPathComponent($0) }
    let variant = try VariantRecipe.build(VariantRecipe.read(files, labels: patches),
                                          builder: try VariantBuilder()).built.variant
    built[patches] = variant
    return variant
}
