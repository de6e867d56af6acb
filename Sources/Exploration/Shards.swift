// SPDX-License-Identifier: GPL-2.0-only
//
// Shards of one exploration, for batch engines (GNU parallel, a Slurm job array, a
// Kubernetes Indexed Job: docs/SCALING.md). Every shard runs the same breadth-first
// search up to the first level of at least 64 states per shard (the prefix), keeps
// those states as visited, and explores further only from the prefix states whose
// fingerprint it owns. Every state lies on a shortest path through one prefix state,
// and the owner of that one explores it, so the shards' visited sets together are the
// whole search's; a state reachable from two shards' prefix states is found by both.
// A shard's result carries its fingerprints, and `merge` takes their union.

import Differential

extension Shard {
    /// Whether this shard explores from a prefix state of this fingerprint.
    func owns(_ fp: UInt64) -> Bool { Int((fp >> 32) % UInt64(count)) == index - 1 }
}

/// What a shard's result adds to its summary.
public struct ShardPart: Sendable, Codable, Equatable {
    public var shard: Shard
    /// The level the prefix ends at; nil when the search closed before one had enough
    /// states (then every shard explored everything).
    public var prefixDepth: Int?
    /// The shard's visited fingerprints (FingerprintCoding).
    public var fingerprints: String
}

/// Why shard results cannot be merged.
public struct MergeError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Exploration {
    /// One summary of the shards of one search: every shard 1...N exactly once, the same
    /// variant, geometry and alphabet. States and digest are those of the union of the
    /// shards' fingerprints; closed when every shard closed; of the violations, the one
    /// with the shortest path of each problem.
    public static func merge(_ parts: [ExplorationResult]) throws(MergeError) -> ExplorationSummary {
        guard let first = parts.first else { throw MergeError("no shard results") }
        var seen = Set<Int>()
        var union: [UInt64] = []
        for part in parts {
            guard let shard = part.shard else { throw MergeError("a result that is not a shard's") }
            guard shard.shard.count == first.shard!.shard.count else {
                throw MergeError("shards of \(first.shard!.shard.count) and of \(shard.shard.count)")
            }
            guard part.summary.variant == first.summary.variant, part.summary.geometry == first.summary.geometry,
                  part.summary.alphabet == first.summary.alphabet else {
                throw MergeError("shards of different searches (variant, geometry or operations differ)")
            }
            guard seen.insert(shard.shard.index).inserted else { throw MergeError("shard \(shard.shard) given twice") }
            guard let fps = FingerprintCoding.decode(shard.fingerprints), fps.count == part.summary.states else {
                throw MergeError("shard \(shard.shard): fingerprints do not match its state count")
            }
            union = mergeSorted(union, fps)
        }
        let n = first.shard!.shard.count
        guard seen.count == n else {
            let missing = (1 ... n).filter { !seen.contains($0) }.map { "\($0)/\(n)" }
            throw MergeError("missing shard\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))")
        }
        var best: [String: ExplorationViolation] = [:]
        for v in parts.flatMap(\.summary.violations) {
            let kind = v.problem.filter { !$0.isNumber }
            if let b = best[kind], !Self.shorter(v.operations, than: b.operations) { continue }
            best[kind] = v
        }
        var s = first.summary
        s.states = union.count
        s.closed = parts.allSatisfy(\.summary.closed)
        s.digest = hex(union.reduce(0, &+))
        s.collisionBound = collisionBound(states: union.count)
        s.violations = best.values.sorted { ($0.problem, $0.operations.count) < ($1.problem, $1.operations.count) }
        return s
    }

    /// Fewer operations, or as many and first in lexicographic order.
    static func shorter(_ a: [String], than b: [String]) -> Bool {
        a.count != b.count ? a.count < b.count : a.lexicographicallyPrecedes(b)
    }

    /// The union of two ascending lists without repeats, ascending.
    static func mergeSorted(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] { out.append(a[i]); i += 1 } else if b[j] < a[i] { out.append(b[j]); j += 1 } else {
                out.append(a[i]); i += 1; j += 1
            }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }
}
