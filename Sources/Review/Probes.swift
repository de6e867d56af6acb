// SPDX-License-Identifier: GPL-2.0-only
//
// Directed probes: for a hunk whose added code never ran in the review's runs, a search
// that drives the port only through the kernel's own entry points (allocations, frees,
// pageblock isolation, idle spells in which requested reporting passes run, some with a
// failing report()) on small zones, where every block size and pageblock edge comes up
// often, watching the coverage counters of the line that never ran. The differential
// generator makes the runs; batches of them are measured together, and a batch that runs
// the line is cut down to one run, to the shortest prefix of it, and to a minimal replay
// by the same shrinking as every other replay. What the replay then does, base against
// variant with every check, is the probe's finding. When no run reaches the line, the
// probe says so with how much it tried, and where the function's callers called it from
// in the review's own runs. Nothing here knows any particular patch.

import BuddyPort
import BuddyTypes
import Differential
import Foundation
import Measurement
import PatchApplier
import PortDrift
import PortVariants

/// One call of a function from another, with how often that line ran in the review.
public struct CallSite: Sendable, Codable, Equatable {
    public var caller: String
    public var file: String
    public var line: Int
    public var text: String
    public var count: Int
    /// The caller's lines of code just before the call, nearest last.
    public var before: [String]
}

/// A directed probe of one hunk's added code that the review's runs never ran.
public struct ProbeReview: Sendable, Codable, Equatable {
    public var hunk: Int
    public var function: String
    /// The line the probe tried to run: the first added line of code that never ran.
    public var file: String
    public var line: Int
    public var text: String
    /// The geometries searched, the generator's runs on each and their length.
    public var geometries: [String]
    public var runs: Int
    public var operationsPerRun: Int
    /// The operations the probe ran before it stopped (all of them when nothing reached
    /// the line).
    public var operations: Int
    /// The geometry and the minimal operation list that run the line; nil when none did.
    public var reachedOn: String?
    public var reaching: [BuddyTypes.Operation]
    /// Where the function's callers call it, with how often each call ran in the review.
    public var callers: [CallSite]
    /// What happened once the line ran, or why no run made it run.
    public var findings: [String]
    /// Whether base and variant differ on the reaching replay, and the checks it fails in
    /// the variant (each with its minimal replay).
    public var differs: Bool
    public var failures: [CheckFailure]
}

/// How much a probe tries.
public struct ProbeOptions: Sendable {
    public var geometries: [(name: String, geometry: Geometry)] = [("tiny16", .tiny16), ("tiny64", .tiny64)]
    /// Generator runs per geometry, from the review's seed, and operations each.
    public var runs = 200
    public var operations = 300
    /// Runs measured together before the counters are read.
    public var batch = 25

    public init() {}
}

enum Probes {
    /// Probes every applied hunk whose added code did not all run.
    static func probe(_ hunks: [HunkReview], variant: PortVariant, counts: CoverageCounts, built: BuiltVariant,
                      plain: Variant, base: Variant, seed: UInt64, options: ProbeOptions,
                      toolchain: Toolchain, progress: ((String) -> Void)?) throws -> [ProbeReview] {
        var out: [ProbeReview] = []
        for hunk in hunks where hunk.exercised == false {
            guard let unrun = hunk.addedLines.first(where: { $0.count == 0 }) else { continue }
            progress?("probing hunk \(hunk.index) (\(unrun.file):\(unrun.line))")
            let text = variant.text.lines(of: unrun.file) ?? []
            let function = PortLayout.functions(in: text).first { $0.lines.contains(unrun.line) }?.name ?? hunk.function
            var review = ProbeReview(hunk: hunk.index, function: function, file: unrun.file, line: unrun.line,
                                     text: unrun.text, geometries: options.geometries.map(\.name),
                                     runs: options.runs, operationsPerRun: options.operations, operations: 0,
                                     reachedOn: nil, reaching: [],
                                     callers: callSites(of: function, in: variant, counts: counts), findings: [],
                                     differs: false, failures: [])
            let target = Target(file: unrun.file, line: unrun.line)
            var total = CoverageCounts(files: [:])
            search: for (name, geometry) in options.geometries {
                var start = seed
                while start < seed + UInt64(options.runs) {
                    let end = min(seed + UInt64(options.runs), start + UInt64(options.batch))
                    let lists = try (start ..< end).map {
                        try generated(geometry: geometry, seed: $0, operations: options.operations, variant: plain)
                    }
                    let (ran, probeCounts) = try runs(lists, geometry: geometry, built: built, toolchain: toolchain, target: target)
                    review.operations += lists.reduce(0) { $0 + $1.count }
                    total.add(probeCounts)
                    if ran {
                        let reaching = try minimal(lists, geometry: geometry, built: built, toolchain: toolchain,
                                                   target: target)
                        review.reachedOn = name
                        review.reaching = reaching
                        (review.findings, review.differs, review.failures)
                            = try consequences(reaching, geometry: geometry, geometryName: name, base: base,
                                               variant: plain, target: target)
                        break search
                    }
                    start = end
                }
            }
            if review.reachedOn == nil {
                review.findings = unreached(review, counts: total, text: text)
            }
            out.append(review)
        }
        return out
    }

    struct Target {
        var file: String
        var line: Int

        func count(in counts: CoverageCounts) -> Int { counts.files[file]?.lines[line] ?? 0 }
    }

    /// One run of the differential generator, its operations chosen against `variant`.
    static func generated(geometry: Geometry, seed: UInt64, operations: Int, variant: Variant) throws -> [BuddyTypes.Operation] {
        let zone = try PortZone(variant: variant, geometry: geometry)
        var generator = OperationGenerator(geometry: geometry, seed: seed)
        var live = LiveSet(pages: geometry.zonePages)
        var ops: [BuddyTypes.Operation] = []
        for _ in 0 ..< operations {
            let op = generator.next(live: live)
            let outcome = zone.run(op)
            if case .allocated(let pfn?) = outcome, case .allocate(let order, _, _) = op { live.insert(pfn: pfn, order: order) }
            if case .free(let pfn, _) = op, outcome == .done { live.remove(pfn: pfn) }
            ops.append(op)
        }
        return ops
    }

    /// Replays each list on a new zone of the coverage build and says whether the target
    /// line ran in any of them.
    static func runs(_ lists: [[BuddyTypes.Operation]], geometry: Geometry, built: BuiltVariant, toolchain: Toolchain,
                     target: Target) throws -> (Bool, CoverageCounts) {
        let ((), counts) = try CoverageSession.measure(built, toolchain: toolchain) {
            for ops in lists {
                let zone = try PortZone(variant: built.variant, geometry: geometry)
                for op in ops { _ = zone.run(op) }
            }
        }
        return (target.count(in: counts) > 0, counts)
    }

    /// The batch cut down to one run, that run to its shortest prefix that runs the line,
    /// and the prefix to a minimal replay.
    static func minimal(_ lists: [[BuddyTypes.Operation]], geometry: Geometry, built: BuiltVariant, toolchain: Toolchain,
                        target: Target) throws -> [BuddyTypes.Operation] {
        func ran(_ ops: [BuddyTypes.Operation]) throws -> Bool {
            try runs([ops], geometry: geometry, built: built, toolchain: toolchain, target: target).0
        }
        var candidates = lists
        while candidates.count > 1 {
            let half = Array(candidates.prefix(candidates.count / 2))
            candidates = try runs(half, geometry: geometry, built: built, toolchain: toolchain, target: target).0
                ? half : Array(candidates.dropFirst(candidates.count / 2))
        }
        let run = candidates[0]
        // The counts only grow along a run: the shortest prefix that runs the line.
        var low = 1, high = run.count
        while low < high {
            let mid = (low + high) / 2
            if try ran(Array(run.prefix(mid))) { high = mid } else { low = mid + 1 }
        }
        return try Replay.minimize(Array(run.prefix(low))) { candidate in
            try ran(candidate) ? candidate.count - 1 : nil
        }
    }

    /// The minimal replay on base and variant side by side with every check.
    static func consequences(_ ops: [BuddyTypes.Operation], geometry: Geometry, geometryName: String, base: Variant,
                             variant: Variant, target: Target) throws -> ([String], Bool, [CheckFailure]) {
        var findings = ["\(target.file):\(target.line) runs on \(geometryName) after the \(ops.count) operation\(ops.count == 1 ? "" : "s") below"]
        let script = ScriptedWorkload(name: "probe", steps: ops)
        let side = try SideBySide.run(script, base: base, variant: variant, geometry: geometry,
                                      geometryName: geometryName, seed: 0, shrink: true)
        if let d = side.firstDifference {
            findings.append("base and variant first differ after step \(d.step) of it (\(d.observables.map(\.rawValue).joined(separator: ", "))): base \(d.base), variant \(d.variant)")
        } else {
            findings.append("base and variant show the same state after every step of it")
        }
        if side.variant.failures.isEmpty {
            findings.append("no kernel check fired in the variant; invariants and soundness held after every step")
        }
        for f in side.variant.failures {
            findings.append("the variant fails a check at step \(f.step): \(f.kind.rawValue): \(f.what)")
        }
        return (findings, side.firstDifference != nil, side.variant.failures)
    }

    /// Why no run reached the line, as far as the probe's own counts over every run
    /// show (`HunkCoverage.blocking`).
    static func unreached(_ review: ProbeReview, counts: CoverageCounts, text: [String]) -> [String] {
        var findings = ["none could be made: \(review.operations) operations in \(review.runs) runs of \(review.operationsPerRun) on each of \(review.geometries.joined(separator: " and ")) never ran \(review.file):\(review.line)"]
        guard let (function, entry, condition) = HunkCoverage.blocking(line: review.line, file: review.file,
                                                                        text: text, counts: counts) else { return findings }
        var why = "in those runs \(function.name)() ran \(HunkCoverage.times(entry, "time"))"
        if let b = condition {
            why += "; \(HunkCoverage.describe(b, file: review.file, text: text)) was \(b.trueCount == 0 ? "false" : "true") "
                + "in all \(HunkCoverage.times(b.trueCount + b.falseCount, "evaluation"))"
        }
        findings.append(why)
        return findings
    }

    /// Every call of `function` in the variant's port files, by the function that makes
    /// it, with how often the line ran in the review's runs.
    static func callSites(of function: String, in variant: PortVariant, counts: CoverageCounts) -> [CallSite] {
        var sites: [CallSite] = []
        let pattern = try! NSRegularExpression(pattern: "(^|[^A-Za-z0-9_])" + NSRegularExpression.escapedPattern(for: function) + "\\s*\\(")
        for path in variant.text.files.keys.sorted() where path.hasSuffix(".c") || path.hasSuffix(".h") {
            let lines = variant.text.lines(of: path) ?? []
            for caller in PortLayout.functions(in: lines) where caller.name != function {
                for n in caller.lines.dropFirst() where n <= lines.count {
                    let line = lines[n - 1]
                    guard pattern.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil else { continue }
                    let before = (caller.lines.lowerBound ..< n).reversed().map { lines[$0 - 1] }
                        .filter(HunkCoverage.isCode).prefix(3).reversed()
                        .map { $0.trimmingCharacters(in: .whitespaces) }
                    sites.append(CallSite(caller: caller.name, file: path, line: n,
                                          text: line.trimmingCharacters(in: .whitespaces),
                                          count: counts.files[path]?.lines[n] ?? 0, before: Array(before)))
                }
            }
        }
        return sites
    }
}
