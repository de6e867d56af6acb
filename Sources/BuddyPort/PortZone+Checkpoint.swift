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
