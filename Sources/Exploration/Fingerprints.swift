// SPDX-License-Identifier: GPL-2.0-only
//
// The visited set: 64-bit fingerprints of compact states, as TLC keeps them. Two
// different states share a fingerprint with probability 2^-64 (the hash below is
// assumed to behave as a random function on the encodings), so a search of n states
// merges two of them, and so misses what lies only behind one, with probability at
// most n(n-1)/2 * 2^-64; the result reports that bound. Fingerprint 0 marks an empty
// slot, so a hash of 0 is stored as 1, which adds at most n * 2^-64.

import struct Foundation.Data
import Synchronization

/// The 64-bit fingerprint of a compact state.
@inline(__always)
func fingerprint(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    var h: UInt64 = 0x9e37_79b9_7f4a_7c15 ^ UInt64(bytes.count)
    var i = 0
    while i + 8 <= bytes.count {
        h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xbf58_476d_1ce4_e5b9
        h ^= h >> 31
        i += 8
    }
    if i < bytes.count {
        var w: UInt64 = 0
        for j in i ..< bytes.count { w |= UInt64(bytes[j]) << UInt64(8 * (j - i)) }
        h = (h ^ w) &* 0x94d0_49bb_1331_11eb
        h ^= h >> 29
    }
    // splitmix64's finaliser
    h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
    h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
    h ^= h >> 31
    return h == 0 ? 1 : h
}

/// The probability bound of the header for `states` distinct states.
func collisionBound(states: Int) -> Double {
    let n = Double(states)
    return (n * (n - 1) / 2 + n) / 18_446_744_073_709_551_616.0
}

/// A set of fingerprints that several threads insert into at once: open addressing,
/// linear probing, one atomic word per slot. Growing is not concurrent: the search
/// grows it between rounds, when no thread inserts.
final class FingerprintSet: @unchecked Sendable {
    private var slots: UnsafeMutablePointer<Atomic<UInt64>>
    private(set) var capacity: Int
    /// Fingerprints held; updated by `grow` and `add(count:)`, not by `insert`.
    private(set) var count = 0

    init(capacity wanted: Int) {
        var n = 1 << 16
        while n < wanted { n <<= 1 }
        capacity = n
        slots = Self.allocate(n)
    }

    deinit { slots.deallocate() }

    private static func allocate(_ n: Int) -> UnsafeMutablePointer<Atomic<UInt64>> {
        let p = UnsafeMutablePointer<Atomic<UInt64>>.allocate(capacity: n)
        for i in 0 ..< n { (p + i).initialize(to: Atomic(0)) }
        return p
    }

    /// Bytes the slots take.
    var bytes: Int { capacity * 8 }

    /// Inserts `fp` (never 0); false when it was there already. Safe from several threads.
    @inline(__always)
    func insert(_ fp: UInt64) -> Bool {
        let mask = capacity - 1
        var i = Int(truncatingIfNeeded: fp) & mask
        while true {
            let seen = slots[i].load(ordering: .relaxed)
            if seen == fp { return false }
            if seen == 0 {
                let (stored, found) = slots[i].compareExchange(expected: 0, desired: fp, ordering: .relaxed)
                if stored { return true }
                if found == fp { return false }
            }
            i = (i + 1) & mask
        }
    }

    /// Reads the slot `fp` hashes to, so that a later `insert` finds it in the cache.
    @inline(__always)
    func touch(_ fp: UInt64) -> UInt64 {
        slots[Int(truncatingIfNeeded: fp) & (capacity - 1)].load(ordering: .relaxed)
    }

    func contains(_ fp: UInt64) -> Bool {
        let mask = capacity - 1
        var i = Int(truncatingIfNeeded: fp) & mask
        while true {
            let seen = slots[i].load(ordering: .relaxed)
            if seen == fp { return true }
            if seen == 0 { return false }
            i = (i + 1) & mask
        }
    }

    /// Counts `n` insertions made since the last call.
    func add(count n: Int) { count += n }

    /// Doubles the capacity (no thread may insert meanwhile).
    func grow() {
        let old = slots, oldCapacity = capacity
        capacity *= 2
        slots = Self.allocate(capacity)
        let mask = capacity - 1
        for i in 0 ..< oldCapacity {
            let fp = old[i].load(ordering: .relaxed)
            if fp == 0 { continue }
            var j = Int(truncatingIfNeeded: fp) & mask
            while slots[j].load(ordering: .relaxed) != 0 { j = (j + 1) & mask }
            slots[j].store(fp, ordering: .relaxed)
        }
        old.deallocate()
    }

    /// Every fingerprint held, ascending.
    func sorted() -> [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(count)
        for i in 0 ..< capacity {
            let fp = slots[i].load(ordering: .relaxed)
            if fp != 0 { out.append(fp) }
        }
        out.sort()
        return out
    }

    /// The sum of every fingerprint held, modulo 2^64: equal sets have equal digests,
    /// whatever order their members came in.
    func digest() -> UInt64 {
        var sum: UInt64 = 0
        for i in 0 ..< capacity { sum &+= slots[i].load(ordering: .relaxed) }
        return sum
    }
}

/// Sorted fingerprints as text: gaps between neighbours as LEB128 varints, base64. A
/// search of n states over 2^64 leaves gaps of about 2^64/n, so a fingerprint costs
/// about (64 - log2 n) / 7 bytes before base64 (6 bytes a state at a million).
enum FingerprintCoding {
    static func encode(_ sorted: [UInt64]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sorted.count * 7)
        var previous: UInt64 = 0
        for fp in sorted {
            var gap = fp &- previous
            previous = fp
            while gap >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: gap) | 0x80)
                gap >>= 7
            }
            bytes.append(UInt8(gap))
        }
        return Data(bytes).base64EncodedString()
    }

    /// The fingerprints, or nil when the text is not such an encoding (not base64, a
    /// varint cut short or too long, fingerprints not strictly ascending, or a zero).
    static func decode(_ text: String) -> [UInt64]? {
        guard let bytes = Data(base64Encoded: text) else { return nil }
        var out: [UInt64] = []
        var previous: UInt64 = 0
        var gap: UInt64 = 0, shift: UInt64 = 0
        for b in bytes {
            guard shift < 64, shift < 63 || b & 0x7f <= 1 else { return nil }
            gap |= UInt64(b & 0x7f) << shift
            if b & 0x80 != 0 { shift += 7; continue }
            let (fp, overflow) = previous.addingReportingOverflow(gap)
            guard !overflow, gap != 0 else { return nil }
            out.append(fp)
            previous = fp
            gap = 0
            shift = 0
        }
        guard shift == 0 else { return nil }
        return out
    }
}
