// SPDX-License-Identifier: GPL-2.0-only
//
// Checkpoints of a zone (include/buddy_port_checkpoint.h): its whole state saved into
// memory the caller owns and restored in place, and a canonical 128-bit state hash.
// Exhaustive exploration goes back to a state this way instead of replaying the
// operations that reached it.

import CBuddyPort

extension PortZone {
    /// Bytes one checkpoint of this zone takes.
    public var checkpointSize: Int { Int(bport_checkpoint_size(raw)) }

    /// Saves the zone's state into `buffer`, which holds at least `checkpointSize` bytes.
    public func saveCheckpoint(into buffer: UnsafeMutableRawPointer) {
        // Saving is refused only inside this zone's reporting pass, which the Swift
        // driver never leaves open between calls.
        let status = bport_checkpoint_save(raw, buffer)
        precondition(status == BPORT_OK.rawValue, "checkpoint saved inside a reporting pass")
    }

    /// Puts the zone back into the state `buffer` holds; the buffer must come from
    /// `saveCheckpoint` of this same zone.
    public func restoreCheckpoint(from buffer: UnsafeRawPointer) throws(AllocatorError) {
        let status = bport_checkpoint_restore(raw, buffer)
        if status == BPORT_EREENTERED.rawValue { throw .reentered }
        if status != BPORT_OK.rawValue { throw .invalidGeometry("checkpoint of another zone") }
    }

    /// A hash of everything that decides how the zone behaves from here on: equal
    /// states hash equal; unequal states collide with probability about 2^-128.
    public func stateHash() -> (UInt64, UInt64) {
        var out: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &out) {
            bport_state_hash(raw, $0.baseAddress!.assumingMemoryBound(to: UInt64.self))
        }
        return out
    }
}

/// Why a zone's state has no compact encoding (`bport_compact_encode`).
public struct CompactRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    public var pfn: Int?

    public init(reason: String, pfn: Int?) {
        self.reason = reason
        self.pfn = pfn
    }

    public var description: String { pfn.map { "\(reason) (pfn \($0))" } ?? reason }
}

extension PortZone {
    /// The most bytes the compact encoding of this zone takes; 0 when the zone is too
    /// large for one (more than 256 pages).
    public var compactCapacity: Int {
        geometry.zonePages > Int(BPORT_COMPACT_ZONE_LIMIT) || geometry.maxPageOrder > 15
            ? 0 : Int(bport_compact_capacity(raw))
    }

    /// Writes the compact encoding of the zone's state (include/buddy_port_checkpoint.h)
    /// into `buffer`, which holds at least `compactCapacity` bytes, and returns its
    /// length; a state the encoding cannot hold is refused with the reason.
    public func encodeCompact(into buffer: UnsafeMutableRawBufferPointer) -> Result<Int, CompactRefusal> {
        var why = bport_compact_refusal()
        let n = bport_compact_encode(raw, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                     UInt64(buffer.count), &why)
        precondition(n >= 0, "compact encoding of a zone of \(geometry.zonePages) pages into \(buffer.count) bytes")
        if n == 0 { return .failure(CompactRefusal(reason: String(cString: why.reason), pfn: why.pfn < 0 ? nil : Int(why.pfn))) }
        return .success(Int(n))
    }

    /// The compact encoding of the zone's state, or why it has none.
    public func compactEncoding() -> Result<[UInt8], CompactRefusal> {
        guard compactCapacity > 0 else {
            return .failure(CompactRefusal(reason: "the zone is too large for a compact encoding", pfn: nil))
        }
        var bytes = [UInt8](repeating: 0, count: compactCapacity)
        let n = bytes.withUnsafeMutableBytes { encodeCompact(into: $0) }
        return n.map { Array(bytes.prefix($0)) }
    }

    /// Rebuilds the zone's state from a compact encoding made by a zone of the same
    /// variant and geometry. Throws `.invalidGeometry` when the bytes are no such
    /// encoding; the zone is then in no meaningful state.
    public func decodeCompact(_ bytes: UnsafeRawBufferPointer) throws(AllocatorError) {
        try Self.decoded(bport_compact_decode(raw, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                              UInt64(bytes.count)))
    }

    /// `decodeCompact` of an array.
    public func decodeCompact(_ bytes: [UInt8]) throws(AllocatorError) {
        try Self.decoded(bytes.withUnsafeBytes {
            bport_compact_decode(raw, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64($0.count))
        })
    }

    private static func decoded(_ status: Int32) throws(AllocatorError) {
        if status == BPORT_EREENTERED.rawValue { throw .reentered }
        if status != BPORT_OK.rawValue { throw .invalidGeometry("not a compact encoding of this zone") }
    }
}
