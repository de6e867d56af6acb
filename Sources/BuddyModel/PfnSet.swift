// SPDX-License-Identifier: GPL-2.0-only
//
// A set of page frame numbers over a fixed range, kept as a bitmap so that membership,
// insertion and removal of single pfns and of whole aligned ranges stay cheap.

struct PfnSet: Sendable, Hashable {
    private var words: [UInt64]
    /// The number of pfns the set can hold: `0 ..< capacity`.
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        words = Array(repeating: 0, count: (capacity + 63) >> 6)
    }

    @inline(__always)
    func contains(_ pfn: Int) -> Bool {
        words[pfn &>> 6] &>> UInt64(pfn & 63) & 1 != 0
    }

    @inline(__always)
    mutating func insert(_ pfn: Int) {
        words[pfn &>> 6] |= 1 &<< UInt64(pfn & 63)
    }

    @inline(__always)
    mutating func remove(_ pfn: Int) {
        words[pfn &>> 6] &= ~(1 &<< UInt64(pfn & 63))
    }

    /// Calls `body` with the word index and the mask of the bits of `range` in that word.
    @inline(__always)
    private static func forEachWord(of range: Range<Int>, _ body: (Int, UInt64) -> Bool) {
        var lo = range.lowerBound
        let hi = range.upperBound
        while lo < hi {
            let word = lo &>> 6
            let first = lo & 63
            let end = min(hi - (word << 6), 64)
            let width = end - first
            let mask: UInt64 = width == 64 ? ~0 : ((1 &<< UInt64(width)) - 1) &<< UInt64(first)
            if !body(word, mask) { return }
            lo = (word + 1) << 6
        }
    }

    mutating func insert(_ range: Range<Int>) {
        Self.forEachWord(of: range) { words[$0] |= $1; return true }
    }

    mutating func remove(_ range: Range<Int>) {
        Self.forEachWord(of: range) { words[$0] &= ~$1; return true }
    }

    /// Whether any pfn of `range` is in the set.
    func intersects(_ range: Range<Int>) -> Bool {
        var hit = false
        Self.forEachWord(of: range) { word, mask in
            hit = words[word] & mask != 0
            return !hit
        }
        return hit
    }

    /// Whether every pfn of `range` is in the set.
    func containsAll(_ range: Range<Int>) -> Bool {
        var all = true
        Self.forEachWord(of: range) { word, mask in
            all = words[word] & mask == mask
            return all
        }
        return all
    }

    /// The members of the set inside `range`, ascending.
    func members(in range: Range<Int>) -> [Int] {
        var out: [Int] = []
        Self.forEachWord(of: range) { word, mask in
            var bits = words[word] & mask
            while bits != 0 {
                out.append(word << 6 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
            return true
        }
        return out
    }

    var isEmpty: Bool { words.allSatisfy { $0 == 0 } }

    /// The bits for pfns `64 * index ..< 64 * index + 64`.
    @inline(__always)
    func word(_ index: Int) -> UInt64 { words[index] }
}
