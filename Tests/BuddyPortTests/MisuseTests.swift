// SPDX-License-Identifier: GPL-2.0-only

import BuddyPort
import TestVariants
import Testing

@Suite("Misuse mixed into valid use")
struct MisuseTests {
    /// The kinds of invalid call mixed in, each with the exact error it must get.
    enum Misuse: CaseIterable {
        case doubleFree          // free of a block freed before and not allocated since
        case neverAllocated      // free of an aligned block that is no live allocation
        case wrongOrder          // free of a live allocation with another order
        case pfnOutOfRange       // free of a pfn outside the zone
        case unalignedPfn        // free of a pfn not aligned to the order
        case orderOutOfRange     // free with an order above MAX_PAGE_ORDER or negative
        case badAllocation       // allocate: order, migratetype or flags out of range
        case isolateTwice        // isolate an isolated pageblock
        case unisolateFree       // unisolate a pageblock that is not isolated
        case pageblockOutOfRange // isolate or unisolate outside the zone
        case freeWhileIsolated   // an invalid free inside an isolated pageblock
        case reentered           // any call from the host callback of a reporting pass
    }

    /// What the two zones' driver knows: the live allocations, the blocks freed so far,
    /// the isolated pageblocks.
    struct Book {
        var live: [Block] = []
        var freed: [Block] = []
        var isolated: Set<Int> = []
    }

    struct Block: Hashable {
        var pfn: Int
        var order: Int
    }

    // Two zones get the same valid operations; one of them also gets one invalid call
    // before each. Every invalid call must return its own error and leave the zone's
    // snapshot as it was, and after every valid operation both zones must be identical:
    // the invalid calls left no trace.
    @Test(arguments: TestVariant.allCases, [UInt64(1), 2, 3, 4, 5])
    func invalidCallsLeaveNoTrace(variant: TestVariant, seed: UInt64) throws {
        let g = Geometry.tiny64
        let clean = try makeZone(variant, g)
        let abused = try makeZone(variant, g)
        var rng = SplitMix64(seed: seed)
        var book = Book()
        var made: [Misuse: Int] = [:]
        var reentries = 0

        for step in 0 ..< 3000 {
            // An invalid call, on the abused zone only.
            var misuse = Misuse.allCases[rng.below(Misuse.allCases.count)]
            if misuse == .reentered {
                // Both zones idle; where a pass runs, the abused zone's host makes invalid
                // calls before it answers, the clean zone's host answers alike.
                var answers: [Bool] = []
                let abusedBatches = try abused.idle { _ in
                    for _ in 0 ..< 1 + rng.below(3) {
                        let call = Self.reentrantCall(&rng, g, book)
                        let before = abused.snapshot()
                        #expect(throws: AllocatorError.reentered, "step \(step): \(call.testDescription) in the host") {
                            try call.run(on: abused)
                        }
                        #expect(abused.snapshot() == before, "step \(step): \(call.testDescription) in the host changed the zone")
                        reentries += 1
                    }
                    answers.append(rng.below(4) != 0)
                    return answers.last!
                }
                var answer = 0
                let cleanBatches = try clean.idle { _ in
                    defer { answer += 1 }
                    return answer < answers.count ? answers[answer] : true
                }
                #expect(abusedBatches == cleanBatches, "step \(step)")
            } else {
                // A kind the state offers nothing for gives way to another, .reentered
                // (the last kind) excepted.
                var generated = Self.invalidCall(misuse, &rng, g, book, abused)
                while generated == nil {
                    misuse = Misuse.allCases[rng.below(Misuse.allCases.count - 1)]
                    generated = Self.invalidCall(misuse, &rng, g, book, abused)
                }
                let (call, error) = generated!
                let before = abused.snapshot()
                #expect(throws: error, "step \(step): \(call.testDescription)") { try call.run(on: abused) }
                #expect(abused.snapshot() == before, "step \(step): \(call.testDescription) changed the zone")

                // Then the same valid operation on both.
                try Self.validOperation(&rng, g, &book, clean, abused)
            }
            made[misuse, default: 0] += 1
            // The first difference ends the run: the steps after it would only repeat it.
            try #require(abused.snapshot() == clean.snapshot(), "step \(step): the zones differ")
            if abused.violationCount != 0 || clean.violationCount != 0 { break }
        }
        for misuse in Misuse.allCases {
            #expect(made[misuse, default: 0] >= 100, "\(misuse) made \(made[misuse, default: 0]) times")
        }
        #expect(reentries >= 100)
        expectNoViolations(clean)
        expectNoViolations(abused)
    }

    /// One invalid call of `misuse`'s kind and the error it must get, or nil when the
    /// state offers none (no live allocation, nothing isolated, nothing freed yet).
    static func invalidCall(_ misuse: Misuse, _ rng: inout SplitMix64, _ g: Geometry, _ book: Book,
                            _ zone: PortZone) -> (ZoneCall, AllocatorError)? {
        let pages = g.zonePages, maxOrder = g.maxPageOrder
        func notLive(_ b: Block) -> Bool { !book.live.contains(b) }
        func free(_ b: Block) -> (ZoneCall, AllocatorError) {
            let error: AllocatorError = b.pfn & ((1 << b.order) - 1) == 0
                ? .notAllocated(pfn: b.pfn, order: b.order) : .unalignedPfn(pfn: b.pfn, order: b.order)
            return (.free(pfn: b.pfn, order: b.order), error)
        }
        switch misuse {
        case .doubleFree:
            return rng.pick(book.freed.filter(notLive)).map(free)
        case .neverAllocated:
            let order = rng.below(maxOrder + 1)
            let b = Block(pfn: rng.below(pages >> order) << order, order: order)
            return notLive(b) ? free(b) : nil
        case .wrongOrder:
            guard let a = rng.pick(book.live) else { return nil }
            return free(Block(pfn: a.pfn, order: (a.order + 1 + rng.below(maxOrder)) % (maxOrder + 1)))
        case .pfnOutOfRange:
            let pfn = [pages + rng.below(100), -1 - rng.below(100), Int.max, Int.min][rng.below(4)]
            return (.free(pfn: pfn, order: rng.below(maxOrder + 1)), .pfnOutOfRange(pfn: pfn))
        case .unalignedPfn:
            let order = 1 + rng.below(maxOrder)
            let pfn = (rng.below(pages >> order) << order) + 1 + rng.below((1 << order) - 1)
            return (.free(pfn: pfn, order: order), .unalignedPfn(pfn: pfn, order: order))
        case .orderOutOfRange:
            let order = [maxOrder + 1 + rng.below(Geometry.orderLimit - maxOrder), Geometry.orderLimit + 1 + rng.below(100),
                         -1 - rng.below(100), Int.max, Int.min][rng.below(5)]
            return (.free(pfn: rng.below(pages), order: order), .invalidOrder(order))
        case .badAllocation:
            let order = rng.below(maxOrder + 1), mt = MigrateType.pcpTypes[rng.below(3)]
            switch rng.below(4) {
            case 0:
                let bad = [maxOrder + 1 + rng.below(100), -1 - rng.below(100), Int.max, Int.min][rng.below(4)]
                return (.allocate(order: bad, mt: mt, flags: []), .invalidOrder(bad))
            case 1:
                let bad = [MigrateType.highAtomic, .cma, .isolate][rng.below(3)]
                return (.allocate(order: order, mt: bad, flags: []), .invalidMigratetype(bad.rawValue))
            case 2:
                let bad = AllocFlags(rawValue: UInt32(rng.below(4)) | 4 << rng.below(30))
                return (.allocate(order: order, mt: mt, flags: bad), .invalidFlags(bad.rawValue))
            default:
                let mt = [MigrateType.unmovable, .reclaimable][rng.below(2)]
                let flags: AllocFlags = rng.below(2) == 0 ? .cma : [.cma, .noFragment]
                return (.allocate(order: order, mt: mt, flags: flags), .invalidFlags(flags.rawValue))
            }
        case .isolateTwice:
            return rng.pick(book.isolated.sorted()).map { (.isolate($0), .alreadyIsolated(pageblock: $0)) }
        case .unisolateFree:
            let pb = rng.below(g.nrPageblocks)
            return book.isolated.contains(pb) ? nil : (.unisolate(pb), .notIsolated(pageblock: pb))
        case .pageblockOutOfRange:
            let pb = [g.nrPageblocks + rng.below(100), -1 - rng.below(100), Int.max, Int.min][rng.below(4)]
            return (rng.below(2) == 0 ? .isolate(pb) : .unisolate(pb), .pageblockOutOfRange(pb))
        case .freeWhileIsolated:
            // Inside an isolated pageblock: a free block on the isolate list, a live
            // allocation with another order, a block freed before, or a single page
            // that heads no live order-0 allocation.
            guard let pb = rng.pick(book.isolated.sorted()) else { return nil }
            let inside = (pb << g.pageblockOrder) ..< ((pb + 1) << g.pageblockOrder)
            let lists = zone.snapshot().freeLists
            var candidates: [Block] = (0 ... maxOrder).flatMap { order in
                lists[order][MigrateType.isolate.rawValue].filter(inside.contains).map { Block(pfn: $0, order: order) }
            }
            candidates += book.live.filter { inside.contains($0.pfn) }.map {
                Block(pfn: $0.pfn, order: ($0.order + 1 + rng.below(maxOrder)) % (maxOrder + 1))
            }
            candidates += book.freed.filter { inside.contains($0.pfn) && notLive($0) }
            candidates += inside.map { Block(pfn: $0, order: 0) }.filter(notLive)
            return rng.pick(candidates).map(free)
        case .reentered:
            return nil
        }
    }

    /// A call made from inside the host callback; each would be valid outside it.
    static func reentrantCall(_ rng: inout SplitMix64, _ g: Geometry, _ book: Book) -> ZoneCall {
        let pb = rng.below(g.nrPageblocks)
        let live = rng.pick(book.live)
        switch rng.below(5) {
        case 0: return .allocate(order: rng.below(g.maxPageOrder + 1), mt: MigrateType.pcpTypes[rng.below(3)], flags: [])
        case 1 where live != nil: return .free(pfn: live!.pfn, order: live!.order)
        case 2: return book.isolated.contains(pb) ? .unisolate(pb) : .isolate(pb)
        case 3: return .idle
        default: return book.isolated.contains(pb) ? .unisolate(pb) : .isolate(pb)
        }
    }

    /// One valid operation, the same on both zones, with the same result expected.
    static func validOperation(_ rng: inout SplitMix64, _ g: Geometry, _ book: inout Book,
                               _ clean: PortZone, _ abused: PortZone) throws {
        let roll = rng.below(100)
        if roll < 50 {
            let order = rng.below(g.maxPageOrder + 1), mt = MigrateType.pcpTypes[rng.below(3)]
            let a = try clean.allocate(order: order, migratetype: mt)
            let b = try abused.allocate(order: order, migratetype: mt)
            #expect(a == b)
            if let a { book.live.append(Block(pfn: a, order: order)) }
        } else if roll < 88, !book.live.isEmpty {
            let victim = book.live.remove(at: rng.below(book.live.count))
            try clean.free(pfn: victim.pfn, order: victim.order)
            try abused.free(pfn: victim.pfn, order: victim.order)
            book.freed.append(victim)
            if book.freed.count > 64 { book.freed.removeFirst() }
        } else if roll < 97 {
            let pb = rng.below(g.nrPageblocks)
            if book.isolated.remove(pb) != nil {
                try clean.unisolate(pageblock: pb)
                try abused.unisolate(pageblock: pb)
            } else {
                book.isolated.insert(pb)
                try clean.isolate(pageblock: pb)
                try abused.isolate(pageblock: pb)
            }
        } else {
            let failing = rng.below(3)
            var i = 0, j = 0
            let a = try clean.idle { _ in defer { i += 1 }; return i != failing }
            let b = try abused.idle { _ in defer { j += 1 }; return j != failing }
            #expect(a == b)
        }
    }
}
