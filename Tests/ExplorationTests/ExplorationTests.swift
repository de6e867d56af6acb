// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import Differential
import Exploration
import Measurement
import Testing
import TestVariants

/// A 4-page zone: two pageblocks of 2 pages, MAX_PAGE_ORDER 2, reporting from order 0.
let tiny4 = Geometry(nrPageblocks: 2, pageblockOrder: 1, maxPageOrder: 2, pageReportingOrder: 0,
                     reportingCapacity: 1)

/// One search whose state count a test asserts.
struct CountCase: CustomTestStringConvertible, Sendable {
    var name: String
    var geometry: Geometry
    var alphabet: ExplorationAlphabet
    var states: [TestVariant: Int]
    /// Seconds in an optimised build, many minutes in a debug one.
    var long = false
    var testDescription: String { name }
}

/// Every state count the tests assert, in one place: what the port reaches changes
/// whenever its semantics do, and this table is what to regenerate then
/// (`verify-patch explore --json` prints the counts).
enum Counts {
    static let searches: [CountCase] = [
        CountCase(name: "tiny4, orders 0-2, isolation", geometry: tiny4,
                  alphabet: ExplorationAlphabet(orders: 0 ... 2, isolation: true),
                  states: [.baseline: 6204, .seed: 6204]),
        CountCase(name: "tiny16, orders 2-3", geometry: .tiny16, alphabet: ExplorationAlphabet(orders: 2 ... 3),
                  states: [.baseline: 922, .seed: 986]),
        CountCase(name: "tiny16, orders 2-3, isolation", geometry: .tiny16,
                  alphabet: ExplorationAlphabet(orders: 2 ... 3, isolation: true),
                  states: [.baseline: 41_554, .seed: 60_742]),
        CountCase(name: "tiny16, orders 1-3 (explore's default)", geometry: .tiny16,
                  alphabet: ExplorationAlphabet(orders: 1 ... 3),
                  states: [.baseline: 924_798, .seed: 1_072_180], long: true),
    ]

    /// The lockstep search of the baseline and the seed's variant on tiny16, movable orders 2-3: pairs
    /// of states, pairs that differ, and those by observable.
    static let lockstepPairs = 196
    static let lockstepDiffering = 52
    static let lockstepBy: [String: Int] = [
        "PG_reported on free pages": 52, "free blocks and allocations": 0, "order on the free lists": 0,
        "pageblock migratetypes": 0, "free page counters": 0, "pfns of the same allocation": 0,
        "reporting state, queued work, zone flags": 0,
    ]
}

@Suite("Exhaustive exploration")
struct ExplorationTests {
    // Each search closes with its states, none broken, on two workers and on one.
    @Test(arguments: Counts.searches, TestVariant.allCases)
    func closes(_ c: CountCase, variant: TestVariant) throws {
        guard !c.long || optimizedBuild else { return }
        for workers in c.long ? [2] : [1, 2] {
            let r = try Exploration.explore(variant: try variant.variant(), geometry: c.geometry, name: c.name, alphabet: c.alphabet,
                                            workers: workers)
            #expect(r.summary.closed)
            #expect(r.summary.violations == [])
            #expect(r.summary.states == c.states[variant])
            #expect(r.summary.collisionBound < 1e-6)
        }
    }

    // The search's count is the count of a plain breadth-first search that keys states
    // by the port's 128-bit state hash (everything that decides the zone's future) and
    // goes back to a state through a full checkpoint: the compact encoding loses
    // nothing the hash sees, and merges nothing it tells apart.
    @Test(arguments: TestVariant.allCases)
    func agreesWithAPlainSearch(variant: TestVariant) throws {
        let alphabet = ExplorationAlphabet(orders: 0 ... 2, isolation: true)
        let built = try variant.variant()
        let r = try Exploration.explore(variant: built, geometry: tiny4, name: "tiny4", alphabet: alphabet)
        #expect(r.summary.states == (try plainSearch(variant: built, geometry: tiny4, alphabet: alphabet)))
    }

    /// States reachable from boot, by the 128-bit state hash.
    func plainSearch(variant: Variant, geometry g: Geometry, alphabet: ExplorationAlphabet) throws -> Int {
        let zone = try PortZone(variant: variant, geometry: g)
        var seen: Set<[UInt64]> = []
        func key() -> [UInt64] { let h = zone.stateHash(); return [h.0, h.1] }
        var frontier: [[UInt8]] = []
        func save() -> [UInt8] {
            var b = [UInt8](repeating: 0, count: zone.checkpointSize)
            b.withUnsafeMutableBytes { zone.saveCheckpoint(into: $0.baseAddress!) }
            return b
        }
        seen.insert(key())
        frontier.append(save())
        while let state = frontier.popLast() {
            try state.withUnsafeBytes { try zone.restoreCheckpoint(from: $0.baseAddress!) }
            let live = (0 ..< g.zonePages).compactMap { p in zone.allocationOrder(at: p).map { (p, $0) } }
            let isolated = zone.pageblocks().map(\.isolated)
            var ops: [Operation] = alphabet.orders.flatMap { o in alphabet.types.map { .allocate(order: o, migratetype: $0, flags: []) } }
            ops += live.map { .free(pfn: $0.0, order: $0.1) }
            if alphabet.isolation { ops += isolated.enumerated().map { $0.element ? .unisolate(pageblock: $0.offset) : .isolate(pageblock: $0.offset) } }
            ops += [.idle(failing: []), .idle(failing: [0])]
            for op in ops {
                try state.withUnsafeBytes { try zone.restoreCheckpoint(from: $0.baseAddress!) }
                let done: Bool
                switch op {
                case .allocate(let order, let mt, _): done = (try? zone.allocate(order: order, migratetype: mt)) != nil
                case .free(let pfn, let order): done = (try? zone.free(pfn: pfn, order: order)) != nil
                case .isolate(let pb): done = (try? zone.isolate(pageblock: pb)) != nil
                case .unisolate(let pb): done = (try? zone.unisolate(pageblock: pb)) != nil
                case .idle(let failing):
                    var calls = 0
                    done = (try? zone.idle { _ in defer { calls += 1 }; return !failing.contains(calls) }) != nil
                }
                if done && seen.insert(key()).inserted { frontier.append(save()) }
            }
        }
        return seen.count
    }

    // The first 20,000 states of tiny16 with every allocation order (0-3, movable and
    // unmovable), on one worker: every one keeps every invariant in the baseline and the
    // seed's variant, and the bound stops the search before the space closes.
    @Test(arguments: TestVariant.allCases)
    func bounded(variant: TestVariant) throws {
        let r = try Exploration.explore(variant: try variant.variant(), geometry: .tiny16, name: "tiny16",
                                        alphabet: ExplorationAlphabet(orders: 0 ... 3), maxStates: 20_000, workers: 1)
        #expect(r.summary.states == 20_000)
        #expect(!r.summary.closed)
        #expect(r.summary.violations == [])
    }

    // Four shards of a search (tiny16, orders 2-3, isolation), merged, are the search:
    // the same states, digest and collision bound, closed, no violation; each shard
    // alone holds fewer.
    @Test(arguments: TestVariant.allCases)
    func fourShardsMergeToOne(variant: TestVariant) throws {
        let variant = try variant.variant()
        let alphabet = ExplorationAlphabet(orders: 2 ... 3, isolation: true)
        let whole = try Exploration.explore(variant: variant, geometry: .tiny16, name: "tiny16", alphabet: alphabet)
        let parts = try (1 ... 4).map {
            try Exploration.explore(variant: variant, geometry: .tiny16, name: "tiny16", alphabet: alphabet,
                                    shard: Shard(index: $0, count: 4))
        }
        #expect(parts.allSatisfy { $0.summary.states < whole.summary.states })
        #expect(parts.allSatisfy { $0.shard?.prefixDepth != nil })
        #expect(try Exploration.merge(parts) == whole.summary)
        #expect(throws: MergeError("missing shard 3/4")) { try Exploration.merge([parts[0], parts[1], parts[3]]) }
        #expect(throws: MergeError("shard 2/4 given twice")) { try Exploration.merge([parts[1]] + parts) }
        #expect(throws: MergeError("a result that is not a shard's")) { try Exploration.merge([whole]) }
        var tampered = parts
        tampered[0].shard!.fingerprints = "AAAA"
        #expect(throws: MergeError("shard 1/4: fingerprints do not match its state count")) {
            try Exploration.merge(tampered)
        }
    }

    // The baseline and the seed's variant in lockstep on tiny16, movable orders 2-3: the
    // pairs of states, those whose observable states differ, and a shortest way to the
    // first: the guest idles and the pass the boot requested reports block 0 (order 3),
    // an order-3 allocation takes block 8, an order-2 one splits block 0, whose other
    // half keeps PG_reported in the seed's variant only. Pairs that do not differ are as
    // many as either variant's states (144); in this alphabet only the flags differ.
    @Test func lockstep() throws {
        let seed = try TestVariant.seed.variant()
        let r = try Exploration.lockstep(.baseline, seed, geometry: .tiny16, name: "tiny16",
                                         alphabet: ExplorationAlphabet(orders: 2 ... 3, types: [.movable]))
        #expect(r.closed)
        #expect(r.violations == [])
        #expect(r.states == Counts.lockstepPairs)
        #expect(r.differing == Counts.lockstepDiffering)
        #expect(r.differingBy == Counts.lockstepBy)
        let first = try #require(r.first)
        #expect(first.operations == [".idle(failing: [])", ".allocate(order: 3, migratetype: .movable, flags: [])",
                                     ".allocate(order: 2, migratetype: .movable, flags: [])"])
        #expect(first.differs == [.reportedFlags])
        #expect(first.details == ["PG_reported on free pages: baseline reported free blocks at []; \(seed) reported free blocks at [4]"])
        // the same, replayed on two zones
        let zones = try [Variant.baseline, seed].map { try PortZone(variant: $0, geometry: .tiny16) }
        for z in zones {
            #expect(try z.idle { _ in true }.flatMap(\.ranges) == [PfnRange(pfn: 0, order: 3)])
            #expect(try z.allocate(order: 3, migratetype: .movable) == 8)
            #expect(try z.allocate(order: 2, migratetype: .movable) == 0)
        }
        #expect(zones.map { $0.snapshot().reportedHeads } == [[], [4]])
    }

    // The checks exploration runs see soundness and the kernel's checks. The pass the
    // boot requested reports block 0 (order 3) of tiny16; a host that discarded only
    // pfns 8-15 makes it unsound. An owner that leaves PG_private on a page it frees
    // makes the kernel's bad-page check fire on the free, and the page is leaked, as
    // bad_page() leaves it: neither free nor allocated.
    @Test(arguments: TestVariant.allCases)
    func checksSeeSoundnessAndKernelChecks(variant: TestVariant) throws {
        let zone = try PortZone(variant: try variant.variant(), geometry: .tiny16)
        #expect(try zone.idle { _ in true }.flatMap(\.ranges) == [PfnRange(pfn: 0, order: 3)])
        #expect(Exploration.problems(in: zone, discarded: 0x00ff) == [])
        #expect(Exploration.problems(in: zone, discarded: 0xff00)
                == ["reported block at 0 of order 3 is not wholly discarded by the host"])
        let pfn = try #require(try zone.allocate(order: 0, migratetype: .unmovable))
        try zone.setOwnedPageFlags(pfn: pfn, .private)
        try zone.free(pfn: pfn, order: 0)
        #expect(pfn == 8)
        #expect(Exploration.problems(in: zone, discarded: ~0) == [
            "bad_page(PAGE_FLAGS_CHECK_AT_FREE flag(s) set) in free_page_is_bad, port/mm/page_alloc.c:481 pfn 8",
            "pfn 8 is neither free nor allocated", "free 15 + allocated 0 pages != zone 16",
        ])
    }

    // Shrinking keeps only what reaching the broken state needs. Here "broken" is two
    // live order-0 allocations: the idle spells, the larger allocations and the free go.
    @Test func shrinkKeepsWhatIsNeeded() throws {
        let ops: [Operation] = [
            .idle(failing: []),
            .allocate(order: 3, migratetype: .movable, flags: []),
            .allocate(order: 1, migratetype: .unmovable, flags: []),
            .allocate(order: 0, migratetype: .movable, flags: []),
            .idle(failing: [0]),
            .allocate(order: 2, migratetype: .movable, flags: []),
            .allocate(order: 0, migratetype: .unmovable, flags: []),
            .idle(failing: []),
        ]
        let shrunk = try Exploration.shrink(ops, variant: try TestVariant.seed.variant(), geometry: .tiny16) { zone, _ in
            let small = (0 ..< 16).filter { zone.allocationOrder(at: $0) == 0 }
            return small.count == 2 ? "two order-0 allocations" : nil
        }
        #expect(shrunk.problem == "two order-0 allocations")
        #expect(shrunk.path == [.allocate(order: 0, migratetype: .movable, flags: []),
                                .allocate(order: 0, migratetype: .unmovable, flags: [])])
    }

    // A workload's replay is cut by chunks: out of 1,000 operations, the break needs
    // the free of pfn 100 and, after it, the free of pfn 700; the result is those two.
    @Test func minimizeByChunks() {
        let ops: [Operation] = (0 ..< 1000).map { .free(pfn: $0, order: 0) }
        let a = Operation.free(pfn: 100, order: 0), b = Operation.free(pfn: 700, order: 0)
        var replays = 0
        let result = Replay.minimize(ops) { candidate in
            replays += 1
            guard let i = candidate.firstIndex(of: a), let j = candidate[i...].firstIndex(of: b) else { return nil }
            return j
        }
        #expect(result == [a, b])
        #expect(replays == 49)
    }
}
