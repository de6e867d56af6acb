// SPDX-License-Identifier: GPL-2.0-only
//
// An output file the user named (`--svg FILE`, a JSON file), written the way a package
// manager writes: a fresh temporary file is made in the destination's directory when
// the command starts, so that an unwritable place fails before anything is printed;
// the contents go to it once they are complete, are synced, and the temporary file is
// renamed over the destination. Until then the destination is untouched; a command
// that fails removes the temporary file.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

final class StagedOutput {
    /// Outputs staged and not yet committed, removed by `discardAll()` when the
    /// command exits on an error.
    nonisolated(unsafe) private static var live: [ObjectIdentifier: StagedOutput] = [:]

    let path: String
    private let directory: String
    private var temporary: String?
    private var descriptor: Int32

    /// Makes the temporary file beside `path`. Throws an `InputError` naming `path`
    /// when its directory does not exist or cannot be written, or `path` is a
    /// directory.
    init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        directory = url.deletingLastPathComponent().path
        var status = stat()
        if stat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG {
            throw InputError(path: path, problem: status.st_mode & S_IFMT == S_IFDIR
                             ? "is a directory" : "not a regular file; not written")
        }
        if path.hasSuffix("/") { throw InputError(path: path, problem: "is a directory") }
        var template = Array((directory + "/." + url.lastPathComponent.prefix(200) + ".XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw InputError(path: path, problem: "cannot be written: \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        Self.live[ObjectIdentifier(self)] = self
    }

    /// Removes every temporary file not yet renamed into place.
    static func discardAll() {
        for output in live.values { output.discard() }
    }

    deinit { discard() }

    /// Writes `bytes`, syncs them and renames the file into place.
    func commit(_ bytes: [UInt8]) throws {
        guard let temporary else { return }
        func fail(_ code: Int32) -> InputError {
            discard()
            return InputError(path: path, problem: "cannot be written: \(String(cString: strerror(code)))")
        }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw fail(errno) }
            done += n
        }
        // The mode a new file gets from the umask, as if it had been created directly.
        let mask = umask(0o022)
        umask(mask)
        guard fchmod(descriptor, 0o666 & ~mask) == 0, fsync(descriptor) == 0 else { throw fail(errno) }
        guard close(descriptor) == 0 else {
            descriptor = -1
            throw fail(errno)
        }
        descriptor = -1
        guard rename(temporary, path) == 0 else { throw fail(errno) }
        self.temporary = nil
        Self.live[ObjectIdentifier(self)] = nil
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Removes the temporary file; the destination stays as it was.
    func discard() {
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
        if let temporary { unlink(temporary); self.temporary = nil }
        Self.live[ObjectIdentifier(self)] = nil
    }
}
