// SPDX-License-Identifier: GPL-2.0-only
//
// The ordered sequences of free block heads, one per (order, migratetype) pair.
//
// A pfn belongs to at most one sequence at a time. Every sequence supports, in constant
// time: putting a pfn first or last, taking any pfn out, moving a pfn to the end of another
// sequence, rotating a sequence so that a given member comes first, and stepping from a
// member to the one after it. Each pfn's neighbours are remembered in tables indexed by pfn,
// which is what makes those operations constant time.

struct FreeLists: Sendable {
    /// How many migratetypes each order has lists for.
    static let types = MigrateType.count

    let orders: Int
    private var firstOf: [Int32]
    private var lastOf: [Int32]
    private var sizes: [Int]
    /// For each pfn, the list holding it, or -1.
    private var home: [Int16]
    private var succ: [Int32]
    private var pred: [Int32]
    /// Since the last `forgetChanges()`: the pfns whose place in a list (or whose being
    /// on one) changed, with their neighbours whose links changed, and the lists changed.
    private(set) var changedPfns: [Int32] = []
    private(set) var changedLists: [Int16] = []

    init(orders: Int, pages: Int) {
        self.orders = orders
        let lists = orders * Self.types
        firstOf = Array(repeating: -1, count: lists)
        lastOf = Array(repeating: -1, count: lists)
        sizes = Array(repeating: 0, count: lists)
        home = Array(repeating: -1, count: pages)
        succ = Array(repeating: -1, count: pages)
        pred = Array(repeating: -1, count: pages)
    }

    @inline(__always)
    static func id(order: Int, type: MigrateType) -> Int { order &* types &+ type.rawValue }

    /// The list holding `pfn`, if any.
    @inline(__always)
    func list(of pfn: Int) -> Int? {
        let h = home[pfn]
        return h < 0 ? nil : Int(h)
    }

    @inline(__always)
    func first(_ list: Int) -> Int? {
        let f = firstOf[list]
        return f < 0 ? nil : Int(f)
    }

    @inline(__always)
    func isEmpty(_ list: Int) -> Bool { firstOf[list] < 0 }

    @inline(__always)
    func count(_ list: Int) -> Int { sizes[list] }

    /// The member after `pfn` in its list, or nil when `pfn` is last.
    @inline(__always)
    func next(after pfn: Int) -> Int? {
        let n = succ[pfn]
        return n < 0 ? nil : Int(n)
    }

    mutating func forgetChanges() {
        changedPfns.removeAll(keepingCapacity: true)
        changedLists.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private mutating func changed(_ pfn: Int32) {
        if pfn >= 0 { changedPfns.append(pfn) }
    }

    /// A member's neighbour before it (`-1 - list` when it is first) and after it (`-1 -
    /// list` when it is last); nil when `pfn` is on no list.
    func links(of pfn: Int) -> (before: Int, after: Int)? {
        let list = Int(home[pfn])
        guard list >= 0 else { return nil }
        return (pred[pfn] < 0 ? -1 - list : Int(pred[pfn]), succ[pfn] < 0 ? -1 - list : Int(succ[pfn]))
    }

    /// The first and last members of `list`, or nil when it is empty.
    func ends(_ list: Int) -> (first: Int, last: Int)? {
        firstOf[list] < 0 ? nil : (Int(firstOf[list]), Int(lastOf[list]))
    }

    mutating func insert(_ pfn: Int, into list: Int, atTail: Bool) {
        precondition(home[pfn] < 0, "pfn \(pfn) is already on a free list")
        changed(Int32(pfn))
        changed(atTail ? lastOf[list] : firstOf[list])
        changedLists.append(Int16(list))
        home[pfn] = Int16(list)
        sizes[list] += 1
        let p = Int32(pfn)
        if firstOf[list] < 0 {
            firstOf[list] = p
            lastOf[list] = p
            succ[pfn] = -1
            pred[pfn] = -1
        } else if atTail {
            let last = Int(lastOf[list])
            succ[last] = p
            pred[pfn] = Int32(last)
            succ[pfn] = -1
            lastOf[list] = p
        } else {
            let first = Int(firstOf[list])
            pred[first] = p
            succ[pfn] = Int32(first)
            pred[pfn] = -1
            firstOf[list] = p
        }
    }

    mutating func remove(_ pfn: Int) {
        let list = Int(home[pfn])
        precondition(list >= 0, "pfn \(pfn) is on no free list")
        let before = pred[pfn]
        let after = succ[pfn]
        changed(Int32(pfn))
        changed(before)
        changed(after)
        changedLists.append(Int16(list))
        if before < 0 { firstOf[list] = after } else { succ[Int(before)] = after }
        if after < 0 { lastOf[list] = before } else { pred[Int(after)] = before }
        home[pfn] = -1
        succ[pfn] = -1
        pred[pfn] = -1
        sizes[list] -= 1
    }

    /// Takes `pfn` from wherever it is and appends it to `list`.
    mutating func moveToTail(_ pfn: Int, of list: Int) {
        remove(pfn)
        insert(pfn, into: list, atTail: true)
    }

    /// Rotates the list holding `pfn` so that `pfn` comes first; the members that came
    /// before it follow the old last member, in their old order.
    mutating func rotateToFront(_ pfn: Int) {
        let list = Int(home[pfn])
        precondition(list >= 0, "pfn \(pfn) is on no free list")
        let before = pred[pfn]
        guard before >= 0 else { return }
        let oldFirst = firstOf[list]
        let oldLast = lastOf[list]
        changed(Int32(pfn))
        changed(before)
        changed(oldFirst)
        changed(oldLast)
        changedLists.append(Int16(list))
        succ[Int(oldLast)] = oldFirst
        pred[Int(oldFirst)] = oldLast
        succ[Int(before)] = -1
        pred[pfn] = -1
        firstOf[list] = Int32(pfn)
        lastOf[list] = before
    }

    /// The members of `list`, first to last.
    func contents(_ list: Int) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(sizes[list])
        var at = firstOf[list]
        while at >= 0 {
            out.append(Int(at))
            at = succ[Int(at)]
        }
        return out
    }
}
