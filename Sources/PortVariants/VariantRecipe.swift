// SPDX-License-Identifier: GPL-2.0-only
//
// A variant from its recipe: the baseline port's text, compiled into the package, with a
// series of patches applied in order by the port applier, then built and loaded.

import BuddyPort
import Foundation
import PatchApplier
import PatchReader
import PortDrift
import PortSource

/// A patch as the user named it, read.
public struct NamedPatch: Sendable {
    public var label: String
    public var patch: Patch

    public init(label: String, patch: Patch) {
        self.label = label
        self.patch = patch
    }
}

public enum VariantRecipe {
    /// The port's text with `patches` applied in order: what became of each hunk, and
    /// where each line came from.
    public static func apply(_ patches: [NamedPatch]) throws(PortApplyError) -> PortVariant {
        let deviations = DriftExplanation.parse(PortSource.files["drift-explained.txt"] ?? "")
        return try PortApplier.apply(patches.map(\.patch), to: PortText.embedded, deviations: deviations)
    }

    /// What the builder compiles for `applied`: every file of the port, those the series
    /// changed as it left them.
    public static func source(_ applied: PortVariant, patches: [NamedPatch]) -> VariantSource {
        VariantSource(files: PortSource.files.merging(applied.text.files) { $1 }, patches: patches.map(\.label))
    }

    /// Applies, builds (or takes from the cache) and loads.
    public static func build(_ patches: [NamedPatch], builder: VariantBuilder,
                             flavour: BuildFlavour = .plain) throws -> (built: BuiltVariant, applied: PortVariant) {
        let applied = try apply(patches)
        return (try builder.build(source(applied, patches: patches), flavour: flavour), applied)
    }

    /// The patches in the files at `urls`, every patch of each file in order, labelled by
    /// `labels` (one per file).
    public static func read(_ urls: [URL], labels: [String]) throws -> [NamedPatch] {
        try zip(urls, labels).flatMap { url, label in
            try PatchReader.read([UInt8](Data(contentsOf: url))).patches.map { NamedPatch(label: label, patch: $0) }
        }
    }
}
