// SPDX-License-Identifier: GPL-2.0-only
//
// Throughput of the port alone and of the checked differential (port + model +
// comparison + invariants), for BENCHMARKS.md. Run optimised:
//   swift run -c release buddy-bench [seconds-per-measurement]

import BuddyModel
import BuddyPort
import Differential
import Dispatch
import Foundation

let seconds = CommandLine.arguments.dropFirst().first.flatMap(Double.init) ?? 3.0

/// A pre-generated, always-valid mix for the port alone: 48% allocations, 44% frees of
/// live allocations, 7% isolation changes, 1% idle spells (a pass when one was requested).
func portOnly(_ geometry: Geometry, seconds: Double) throws -> Double {
    let zone = try PortZone(variant: .baseline, geometry: geometry)
    var rng = SplitMix64(seed: 7)
    var live: [(Int, Int)] = []
    var isolated = Set<Int>()
    var ops = 0
    let clock = ContinuousClock()
    let start = clock.now
    let budget = Duration.seconds(seconds)
    while clock.now - start < budget {
        for _ in 0 ..< 4096 {
            let r = rng.next()
            switch r % 100 {
            case 0 ..< 48:
                let order = Int((r >> 8) % 4)
                let mt = MigrateType(rawValue: Int((r >> 16) % 3))!
                if let pfn = try zone.allocate(order: order, migratetype: mt) { live.append((pfn, order)) }
            case 48 ..< 92:
                if !live.isEmpty {
                    let i = Int((r >> 8) % UInt64(live.count))
                    let (pfn, order) = live[i]
                    live.swapAt(i, live.count - 1)
                    live.removeLast()
                    try zone.free(pfn: pfn, order: order)
                }
            case 92 ..< 99:
                let pb = Int((r >> 8) % UInt64(geometry.nrPageblocks))
                if isolated.remove(pb) != nil { try zone.unisolate(pageblock: pb) } else {
                    if isolated.count < geometry.nrPageblocks / 4 { isolated.insert(pb); try zone.isolate(pageblock: pb) }
                }
            default:
                _ = try zone.idle { _ in true }
            }
        }
        ops += 4096
    }
    return Double(ops) / (clock.now - start).seconds
}

/// Checked operations per second: generated operations run on port and model with
/// every comparison and invariant check of the campaign, over consecutive seeds, on
/// `threads` threads.
func checked(_ geometry: Geometry, threads: Int, seconds: Double) -> Double {
    let counter = Counter()
    let clock = ContinuousClock()
    let start = clock.now
    DispatchQueue.concurrentPerform(iterations: threads) { t in
        var seed = UInt64(1000 * t + 1)
        let runner = try! Runner(variant: .baseline, rules: .linux73, geometry: geometry)
        while clock.now - start < .seconds(seconds) {
            if let d = runner.run(seed: seed, count: 2000) {
                fatalError("benchmark run diverged: \(d)")
            }
            counter.add(2000)
            seed += 1
        }
    }
    return Double(counter.value) / (clock.now - start).seconds
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0
    func add(_ n: Int) { lock.lock(); total += n; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return total }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

func fmt(_ x: Double) -> String { String(format: "%.2fM", x / 1e6) }

print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; \(seconds) s per measurement")
for (name, g) in [("tiny64 (64 pages)", Geometry.tiny64), ("x86-64 (32768 pages)", Geometry.x86_64)] {
    print("\(name):")
    print("  port alone:               \(fmt(try portOnly(g, seconds: seconds))) ops/s")
    print("  checked, 1 thread:        \(fmt(checked(g, threads: 1, seconds: seconds))) ops/s")
    print("  checked, 2 threads:       \(fmt(checked(g, threads: 2, seconds: seconds))) ops/s")
}
