// SPDX-License-Identifier: GPL-2.0-only
//
// Reviews a patch series against the port: applies it to the port's text, builds the
// variant with coverage counters, runs the workloads and the differential generator on
// the base and the variant side by side (the variant's counters running), maps the
// counts onto the hunks, checks the variant against the model where the project has the
// patch's intended rules, probes the code that never ran, and sets a measurement beside
// each sentence of the commit message. Nothing here knows any particular patch.

import BuddyModel
import BuddyPort
import Differential
import Foundation
import Measurement
import PatchApplier
import PatchReader
import PortDrift
import PortSource
import PortVariants

/// A patch file as the user named it, read.
public struct ReviewedPatch: Sendable {
    public var label: String
    public var patch: Patch

    public init(label: String, patch: Patch) {
        self.label = label
        self.patch = patch
    }
}

/// How much a review runs.
public struct ReviewOptions: Sendable {
    public var seed: UInt64 = 1
    /// The geometries the workloads run on, by name.
    public var geometries: [(name: String, geometry: Geometry)] = [("tiny64", .tiny64), ("x86-64", .x86_64)]
    /// The differential generator's campaign: seeds from `seed` and operations each, on
    /// `campaignGeometry`.
    public var campaignSeeds = 40
    public var campaignOperations = 2000
    public var campaignGeometry: (name: String, geometry: Geometry) = ("tiny64", .tiny64)
    /// The model check's seeds, when the project has the patch's rules.
    public var modelSeeds = 40

    public init() {}
}

/// Why a review could not be made.
public enum ReviewError: Error, Sendable, CustomStringConvertible {
    case apply(String)
    case build(VariantBuildError)

    public var description: String {
        switch self {
        case .apply(let why): why
        case .build(let error): error.description
        }
    }
}

public enum Reviewer {
    /// Reviews `patches` applied after `base` (both in order) against the port with
    /// `base` alone applied.
    public static func review(_ patches: [ReviewedPatch], base: [ReviewedPatch] = [],
                              options: ReviewOptions = ReviewOptions(), builder: VariantBuilder,
                              progress: ((String) -> Void)? = nil) throws -> ReviewReport {
        let baseline = PortText(files: PortSource.files)
        let baseVariant = try apply(base)
        let applied = try apply(base + patches)
        progress?("building the variants")
        let baseRun: Variant
        let built: BuiltVariant
        do {
            baseRun = base.isEmpty ? .baseline
                : try builder.build(VariantSource(files: PortSource.files.merging(baseVariant.text.files) { $1 },
                                                  patches: base.map(\.label))).variant
            built = try builder.build(VariantSource(files: PortSource.files.merging(applied.text.files) { $1 },
                                                    patches: (base + patches).map(\.label)), flavour: .coverage)
        } catch let error as VariantBuildError {
            throw ReviewError.build(error)
        }

        var workloads: [WorkloadComparison] = []
        var campaign: CampaignResult!
        let (_, counts) = try CoverageSession.measure(built, toolchain: builder.toolchain) {
            for (name, geometry) in options.geometries {
                for workload in Workloads.all(geometry: geometry, seed: options.seed) {
                    progress?("\(workload.name) on \(name)")
                    workloads.append(try SideBySide.run(workload, base: baseRun, variant: built.variant,
                                                        geometry: geometry, geometryName: name, seed: options.seed))
                }
            }
            progress?("the differential generator on \(options.campaignGeometry.name)")
            campaign = try Campaign.run(base: baseRun, variant: built.variant,
                                        geometry: options.campaignGeometry.geometry,
                                        geometryName: options.campaignGeometry.name,
                                        seeds: options.seed ..< options.seed + UInt64(options.campaignSeeds),
                                        operations: options.campaignOperations)
        }

        let lineMap = (PortSource.files[KernelLineMap.fileName]).flatMap { try? KernelLineMap.parse($0) }
        let series = base.count
        let hunks = HunkCoverage.hunks(of: applied, skippingPatches: series, patches: patches,
                                       counts: counts, lineMap: lineMap, baseline: baseline)

        var model: ModelReview?
        if let rules = KnownPatches.rules(for: patches.map(\.patch)), base.isEmpty {
            progress?("the variant against the model's rules \(rules)")
            model = modelCheck(built.variant, rules: rules, options: options)
        }

        var report = ReviewReport(verdict: .unchanged, reasons: [], base: baseRun.name, variant: built.variant.name,
                                  seed: options.seed,
                                  patches: [], hunks: hunks, workloads: workloads, campaign: campaign,
                                  probes: [], model: model)
        report.patches = patches.map {
            PatchReview(label: $0.label, title: $0.patch.title, author: $0.patch.author,
                        message: CommitMessage.measure($0.patch.message ?? "", report: report))
        }
        (report.verdict, report.reasons) = verdict(report)
        return report
    }

    /// The port's text with `patches` applied in order.
    public static func apply(_ patches: [ReviewedPatch]) throws(ReviewError) -> PortVariant {
        let deviations = DriftExplanation.parse(PortSource.files["drift-explained.txt"] ?? "")
        do {
            return try PortApplier.apply(patches.map(\.patch), to: PortText(files: PortSource.files),
                                         deviations: deviations)
        } catch {
            throw .apply(error.description)
        }
    }

    /// The variant `patches` make of the baseline, built (or taken from the cache) and
    /// loaded.
    public static func build(_ patches: [ReviewedPatch], builder: VariantBuilder,
                             flavour: BuildFlavour = .plain) throws -> Variant {
        let applied = try apply(patches)
        do {
            return try builder.build(VariantSource(files: PortSource.files.merging(applied.text.files) { $1 },
                                                   patches: patches.map(\.label)), flavour: flavour).variant
        } catch let error as VariantBuildError {
            throw ReviewError.build(error)
        }
    }

    /// The variant and the model following `rules`, side by side on the differential
    /// generator.
    static func modelCheck(_ variant: Variant, rules: ModelRules, options: ReviewOptions) -> ModelReview {
        let (name, geometry) = options.campaignGeometry
        for seed in options.seed ..< options.seed + UInt64(options.modelSeeds) {
            if let d = Differential.run(variant: variant, rules: rules, geometry: geometry, seed: seed,
                                        count: options.campaignOperations) {
                return ModelReview(rules: rules.rawValue, geometry: name, seeds: options.modelSeeds,
                                   operations: options.campaignOperations,
                                   divergence: "seed \(seed): " + d.problem + "\n" + d.operations.map(\.description).joined(separator: "\n"))
            }
        }
        return ModelReview(rules: rules.rawValue, geometry: name, seeds: options.modelSeeds,
                           operations: options.campaignOperations, divergence: nil)
    }

    static func verdict(_ report: ReviewReport) -> (ReviewVerdict, [String]) {
        var broken: [String] = []
        for w in report.workloads {
            for f in w.variant.failures {
                broken.append("\(w.workload) on \(w.geometry), step \(f.step): \(f.kind.rawValue): \(f.what)")
            }
        }
        for f in report.campaign.failures {
            broken.append("differential generator on \(report.campaign.geometry), step \(f.step): \(f.kind.rawValue): \(f.what)")
        }
        if !broken.isEmpty { return (.broken, broken) }
        var changed: [String] = []
        for w in report.workloads {
            if let d = w.firstDifference {
                changed.append("\(w.workload) on \(w.geometry): first differs after step \(d.step) (\(d.observables.map(\.rawValue).joined(separator: ", ")))")
            }
        }
        if let d = report.campaign.first {
            changed.append("differential generator on \(report.campaign.geometry): \(report.campaign.runsDiffering) of \(report.campaign.seeds) runs differ; the first after step \(d.step) of seed \(report.campaign.firstSeedDiffering ?? 0)")
        }
        if !changed.isEmpty { return (.changed, changed) }
        let steps = report.workloads.reduce(0) { $0 + $1.variant.steps } + report.campaign.operations
        return (.unchanged, ["no difference in \(steps) operations"])
    }
}
