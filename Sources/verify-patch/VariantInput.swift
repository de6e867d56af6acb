// SPDX-License-Identifier: GPL-2.0-only
//
// The variant a command's --patch files make of the baseline.

import BuddyPort
import PortVariants
import Review

extension Inputs {
    /// The baseline with the patches in these files applied in order (an mbox holds a
    /// series), built (or taken from the cache) and loaded, with the series read; the
    /// baseline itself for no files. A patch that does not read or apply, or a variant
    /// that does not build, is bad input.
    static func buildVariant(patches paths: [String]) throws -> (variant: Variant, series: [ReviewedPatch]) {
        guard !paths.isEmpty else { return (.baseline, []) }
        let series = try paths.flatMap { path in try readPatches(path).map { ReviewedPatch(label: path, patch: $0) } }
        do {
            return (try Reviewer.build(series, builder: try VariantBuilder()), series)
        } catch let error as ReviewError {
            throw InputError(path: paths.joined(separator: " "), problem: error.description)
        } catch let error as VariantBuildError {
            throw InputError(path: "variant", problem: error.description)
        }
    }
}
