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
import Exploration
import Foundation
import Measurement
import PatchApplier
import PatchReader
import PortDrift
import PortSource
import PortVariants

/// A patch of the series under review, as the user named it.
public typealias ReviewedPatch = NamedPatch

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
    /// The directed probes of added code that never ran.
    public var probes = ProbeOptions()
    /// The lockstep exploration of base and variant: the geometry, its operations (the
    /// default alphabet of `verify-patch explore`) and the bound on pairs of states;
    /// nil geometry: none.
    public var exploration: (name: String, geometry: Geometry)? = ("tiny16", .tiny16)
    public var explorationAlphabet = ExplorationAlphabet(orders: 1 ... 3)
    public var explorationStates = 1_000_000

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
        let baseline = PortText.embedded
        let baseVariant = try apply(base)
        let applied = try apply(base + patches)
        progress?("building the variants")
        let baseRun = base.isEmpty ? Variant.baseline
            : try buildOrExplain(VariantRecipe.source(baseVariant, patches: base), builder: builder, flavour: .plain).variant
        let built = try buildOrExplain(VariantRecipe.source(applied, patches: base + patches), builder: builder,
                                       flavour: .coverage)

        let (measured, counts) = try CoverageSession.measure(built, toolchain: builder.toolchain) {
            try runs(base: baseRun, variant: built.variant, options: options, progress: progress)
        }
        var (workloads, campaign) = measured
        // Replays run on the plain build of the same text, so the counts are the runs' own.
        progress?("shrinking the replays")
        let plain = try buildOrExplain(VariantRecipe.source(applied, patches: base + patches), builder: builder,
                                       flavour: .plain).variant
        for i in workloads.indices {
            let geometry = options.geometries.first { $0.name == workloads[i].geometry }!.geometry
            try workloads[i].shrink(base: baseRun, variant: plain, geometry: geometry)
        }
        try campaign.shrink(base: baseRun, variant: plain, geometry: options.campaignGeometry.geometry)

        let lineMap = (PortSource.files[KernelLineMap.fileName]).flatMap { try? KernelLineMap.parse($0) }
        for i in workloads.indices {
            locate(&workloads[i].base.failures, in: baseVariant, lineMap: lineMap)
            locate(&workloads[i].variant.failures, in: applied, lineMap: lineMap)
        }
        locate(&campaign.failures, in: applied, lineMap: lineMap)
        let series = base.count
        let hunks = HunkCoverage.hunks(of: applied, skippingPatches: series, patches: patches,
                                       counts: counts, lineMap: lineMap, baseline: baseline)

        var model: ModelReview?
        if let rules = modelRules(for: patches), base.isEmpty {
            progress?("the variant against the model's rules \(rules)")
            model = modelCheck(built.variant, rules: rules, options: options)
        }

        var lockstep: LockstepResult?
        var lockstepRefused: String?
        if let (name, geometry) = options.exploration {
            progress?("base and variant in lockstep on \(name)")
            do {
                lockstep = try Exploration.lockstep(baseRun, plain, geometry: geometry, name: name,
                                                    alphabet: options.explorationAlphabet,
                                                    maxStates: options.explorationStates)
            } catch let refusal as Exploration.BootRefusal {
                lockstepRefused = refusal.description
            }
        }
        var probes = try Probes.probe(hunks, variant: applied, counts: counts, built: built, plain: plain,
                                      base: baseRun, seed: options.seed, options: options.probes,
                                      toolchain: builder.toolchain, progress: progress)
        for i in probes.indices { locate(&probes[i].failures, in: applied, lineMap: lineMap) }

        var report = ReviewReport(verdict: .unchanged, reasons: [], base: baseRun.name, variant: built.variant.name,
                                  seed: options.seed,
                                  patches: [], hunks: hunks, workloads: workloads, campaign: campaign,
                                  probes: probes, lockstep: lockstep,
                                  lockstepRefused: lockstepRefused, model: model)
        report.patches = patches.map {
            PatchReview(label: $0.label, title: $0.patch.title, author: $0.patch.author,
                        message: CommitMessage.measure($0.patch.message ?? "", report: report))
        }
        let (verdict, reasons) = Self.verdict(report)
        report.verdict = verdict
        report.reasons = reasons
        return report
    }

    /// Sets where each kernel check of `failures` is, in the kernel's coordinates.
    static func locate(_ failures: inout [CheckFailure], in variant: PortVariant, lineMap: KernelLineMap?) {
        for i in failures.indices {
            guard let v = failures[i].violation else { continue }
            failures[i].location = kernelCoordinates(file: v.file, line: v.line, variant: variant, lineMap: lineMap)
        }
    }

    /// A line of a variant's port file in the kernel's coordinates: the Linux 7.3.4 line
    /// its baseline line was typed from, or the patch and hunk that added it.
    public static func kernelCoordinates(file: String, line: Int, variant: PortVariant, lineMap: KernelLineMap?) -> String {
        switch variant.origin(file: file, line: line) {
        case .baseline(let n):
            if let k = lineMap?.kernelLocation(portFile: file, line: n) { return "\(k.file):\(k.line) (7.3.4)" }
            return "\(file):\(n) (the port's own line)"
        case .patch(let p, let h, _):
            return "added by patch \(p), hunk \(h) (\(file):\(line) of the variant)"
        case nil:
            return "\(file):\(line)"
        }
    }

    static func buildOrExplain(_ source: VariantSource, builder: VariantBuilder,
                               flavour: BuildFlavour) throws(ReviewError) -> BuiltVariant {
        do {
            return try builder.build(source, flavour: flavour)
        } catch {
            throw .build(error)
        }
    }

    /// The workloads on every geometry and the differential generator's campaign, base
    /// and variant side by side.
    static func runs(base: Variant, variant: Variant, options: ReviewOptions,
                     progress: ((String) -> Void)?) throws -> ([WorkloadComparison], CampaignResult) {
        var workloads: [WorkloadComparison] = []
        for (name, geometry) in options.geometries {
            for workload in Workloads.all(geometry: geometry, seed: options.seed) {
                progress?("\(workload.name) on \(name)")
                workloads.append(try SideBySide.run(workload, base: base, variant: variant, geometry: geometry,
                                                    geometryName: name, seed: options.seed, shrink: false))
            }
        }
        progress?("the differential generator on \(options.campaignGeometry.name)")
        let campaign = try Campaign.run(base: base, variant: variant, geometry: options.campaignGeometry.geometry,
                                        geometryName: options.campaignGeometry.name,
                                        seeds: options.seed ..< options.seed + UInt64(options.campaignSeeds),
                                        operations: options.campaignOperations, shrink: false)
        return (workloads, campaign)
    }

    /// The port's text with `patches` applied in order.
    public static func apply(_ patches: [ReviewedPatch]) throws(ReviewError) -> PortVariant {
        do {
            return try VariantRecipe.apply(patches)
        } catch {
            throw .apply(error.description)
        }
    }

    /// The rules the model carries for a series of one known patch (known-patches.txt),
    /// nil for any other series.
    public static func modelRules(for patches: [ReviewedPatch]) -> ModelRules? {
        KnownPatches.rules(for: patches.map(\.patch))
    }

    /// The variant `patches` make of the baseline, built (or taken from the cache) and
    /// loaded.
    public static func build(_ patches: [ReviewedPatch], builder: VariantBuilder,
                             flavour: BuildFlavour = .plain) throws -> Variant {
        let applied = try apply(patches)
        return try buildOrExplain(VariantRecipe.source(applied, patches: patches), builder: builder,
                                  flavour: flavour).variant
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
        for p in report.probes {
            for f in p.failures {
                broken.append("directed probe of hunk \(p.hunk) on \(p.reachedOn ?? "?"), step \(f.step): \(f.kind.rawValue): \(f.what)")
            }
        }
        if let l = report.lockstep {
            for v in l.violations {
                broken.append("lockstep exploration on \(l.geometry), after \(v.operations.count) operations: \(v.problem)")
            }
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
        for p in report.probes where p.differs {
            changed.append("directed probe of hunk \(p.hunk) on \(p.reachedOn ?? "?"): base and variant differ after its \(p.reaching.count) operations")
        }
        if let l = report.lockstep, l.differing > 0 {
            changed.append("lockstep exploration on \(l.geometry): \(l.differing) of \(l.states) pairs of states differ; the first after \(l.first?.operations.count ?? 0) operations")
        }
        if !changed.isEmpty { return (.changed, changed) }
        let steps = report.workloads.reduce(0) { $0 + $1.variant.steps } + report.campaign.operations
        let explored = report.lockstep.map { " and \($0.states) explored states of \($0.geometry)\($0.closed ? " (all it reaches)" : " (bound reached)")" } ?? ""
        return (.unchanged, ["no difference in \(steps) operations\(explored)"])
    }
}
