// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import PortVariants
import Review
import TestVariants

/// The review the tests run: the workloads on tiny64 only and a short differential
/// campaign, 40 probe runs a geometry and a bounded lockstep exploration, so that a
/// review takes seconds; the CLI's default runs x86-64 too, 200 probe runs and up to a
/// million pairs of states.
func smallOptions() -> ReviewOptions {
    var options = ReviewOptions()
    options.geometries = [("tiny64", .tiny64)]
    options.campaignSeeds = 10
    options.campaignOperations = 1000
    options.modelSeeds = 10
    options.probes.runs = 40
    // The lockstep exploration of tiny16 (orders 1-3) in the optimised build, up to
    // a million pairs of states: a patch that changes nothing closes at the baseline's
    // 924,798 states.
    options.exploration = optimizedBuild ? ("tiny16", .tiny16) : nil
    options.explorationStates = 1_000_000
    return options
}

/// The patches in repository files, every patch of each in order.
func patches(_ paths: [String]) throws -> [ReviewedPatch] {
    try VariantRecipe.read(paths.map { repositoryRoot.appendingPathComponent($0) }, labels: paths)
}

/// Reviews `paths` (after `base`) with the small options and the project's cache.
func review(_ paths: [String], base: [String] = []) throws -> ReviewReport {
    try Reviewer.review(try patches(paths), base: try patches(base), options: smallOptions(),
                        builder: try VariantBuilder())
}
