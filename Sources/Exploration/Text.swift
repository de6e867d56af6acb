// SPDX-License-Identifier: GPL-2.0-only
//
// Exploration results as text, from the same values --json prints.

import Foundation

public enum ExplorationText {
    static func count(_ n: Int) -> String {
        let digits = String(n)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return out
    }

    static func bytes(_ n: Int) -> String {
        n >= 1 << 30 ? String(format: "%.1f GiB", Double(n) / Double(1 << 30))
            : n >= 1 << 20 ? "\(n >> 20) MiB" : "\(n >> 10) KiB"
    }

    /// The operations line of a search.
    public static func operations(_ a: ExplorationAlphabet, maxOrder: Int) -> String {
        let types = a.types.map(\.description).joined(separator: ", ")
        return """
              operations: allocate orders \(a.orders.lowerBound)-\(a.orders.upperBound) (\(types)), free each live
              allocation, \(a.isolation ? "isolate or unisolate each pageblock, " : "")idle (a pass a free requested
              runs: accepted, or the first batch failed); checked in every state:
              invariants, soundness, kernel checks
            """
    }

    /// One variant's result.
    public static func result(_ r: ExplorationResult) -> String {
        let s = r.summary
        var lines = ["  \(s.variant): \(count(s.states)) states, \(s.closed ? "closed" : "NOT closed (bound reached)"), "
                     + "\(s.violations.count) broken state(s)"]
        if let m = r.measurement {
            lines.append("    \(String(format: "%.1f", m.seconds)) s, \(count(Int(m.statesPerSecond))) states/s on "
                         + "\(m.workers) worker(s), \(count(m.transitions)) transitions, depth \(m.depth)")
            lines.append("    \(String(format: "%.1f", m.meanStateBytes)) bytes a state, widest level "
                         + "\(count(m.largestLevel)), fingerprint set \(bytes(m.fingerprintSetBytes)), "
                         + "frontier \(bytes(m.frontierBytes)), "
                         + "collision bound \(String(format: "%.1e", s.collisionBound))")
        } else {
            lines.append("    collision bound \(String(format: "%.1e", s.collisionBound)), digest \(s.digest)")
        }
        for v in s.violations {
            lines.append("    \(v.problem)")
            lines.append("    reached by:")
            for op in v.operations { lines.append("      \(op),") }
        }
        return lines.joined(separator: "\n")
    }

    /// A lockstep search.
    public static func lockstep(_ r: LockstepResult) -> String {
        let m = r.measurement
        var lines = [
            "  \(r.variants[0]) and \(r.variants[1]): \(count(r.states)) pairs of states, "
                + "\(r.closed ? "closed" : "NOT closed (bound reached)"), \(r.violations.count) broken state(s)",
            "    \(String(format: "%.1f", m.seconds)) s, \(count(Int(m.statesPerSecond))) states/s on \(m.workers) worker(s), "
                + "\(count(m.transitions)) transitions, depth \(m.depth), collision bound \(String(format: "%.1e", r.collisionBound))",
            "  pairs whose observable states differ: \(count(r.differing))",
        ]
        for o in LockstepObservable.allCases where (r.differingBy[o.description] ?? 0) > 0 {
            lines.append("    \(o): \(count(r.differingBy[o.description]!))")
        }
        if let first = r.first {
            lines.append("  the first, after \(first.operations.count) operation(s):")
            for op in first.operations { lines.append("      \(op),") }
            for d in first.details { lines.append("    \(d)") }
        }
        for v in r.violations {
            lines.append("  \(v.problem)")
            lines.append("  reached by:")
            for op in v.operations { lines.append("      \(op),") }
        }
        return lines.joined(separator: "\n")
    }
}
