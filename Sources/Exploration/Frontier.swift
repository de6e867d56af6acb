// SPDX-License-Identifier: GPL-2.0-only
//
// The breadth-first frontier: each level's states as compact encodings, written by the
// workers into segments of their own, and for every state ever found its parent's
// index in the level before and the operation that led to it (5 bytes a state), so a
// shortest path to any state can be read back. The encodings of a level are freed once
// the next level is built; only the parent records stay.

/// The states one worker found in one level.
final class Segment {
    /// Entries of one length byte and that many bytes of encoding.
    private(set) var bytes: UnsafeMutableRawPointer?
    private(set) var used = 0
    private var allocated = 0
    private(set) var count = 0
    /// Byte offsets of entries 0, chunk, 2 chunk, ...
    private(set) var chunkOffsets: [Int] = []
    private(set) var parents: [UInt32] = []
    private(set) var operations: [UInt8] = []
    let chunk: Int

    init(chunk: Int) { self.chunk = chunk }

    deinit { bytes?.deallocate() }

    func append(_ state: UnsafeRawBufferPointer, parent: Int, operation: Int) {
        precondition(state.count < 256 && operation < 256 && parent <= Int(UInt32.max))
        if used + 1 + state.count > allocated {
            let size = max(4096, allocated * 2, used + 1 + state.count)
            let grown = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            if let bytes {
                grown.copyMemory(from: bytes, byteCount: used)
                bytes.deallocate()
            }
            bytes = grown
            allocated = size
        }
        if count % chunk == 0 { chunkOffsets.append(used) }
        bytes!.storeBytes(of: UInt8(state.count), toByteOffset: used, as: UInt8.self)
        (bytes! + used + 1).copyMemory(from: state.baseAddress!, byteCount: state.count)
        used += 1 + state.count
        parents.append(UInt32(parent))
        operations.append(UInt8(operation))
        count += 1
    }

    /// Calls `body` with each entry of chunk `c` and its index in the segment.
    @inline(__always)
    func forEach(inChunk c: Int, _ body: (Int, UnsafeRawBufferPointer) -> Bool) {
        guard let bytes else { return }
        var offset = chunkOffsets[c]
        for k in c * chunk ..< min(count, (c + 1) * chunk) {
            let length = Int(bytes.load(fromByteOffset: offset, as: UInt8.self))
            if !body(k, UnsafeRawBufferPointer(start: bytes + offset + 1, count: length)) { return }
            offset += 1 + length
        }
    }

    var chunks: Int { chunkOffsets.count }

    /// Drops the encodings, keeping the parent records.
    func releaseStates() {
        bytes?.deallocate()
        bytes = nil
        used = 0
        allocated = 0
        chunkOffsets = []
    }

    /// Bytes held, encodings and parent records.
    var footprint: Int { allocated + parents.capacity * 4 + operations.capacity + chunkOffsets.capacity * 8 }
}

/// One level of the search: the workers' segments in worker order. A state's index in
/// the level counts the states of the segments before its own.
struct Level: @unchecked Sendable {
    var segments: [Segment]
    var bases: [Int]
    var count: Int

    init(_ segments: [Segment]) {
        self.segments = segments
        var base = 0
        bases = segments.map { s in defer { base += s.count }; return base }
        count = base
    }

    /// The parent index and operation of state `index`.
    func parent(of index: Int) -> (parent: Int, operation: Int) {
        var s = segments.count - 1
        while bases[s] > index { s -= 1 }
        let k = index - bases[s]
        return (Int(segments[s].parents[k]), Int(segments[s].operations[k]))
    }
}
