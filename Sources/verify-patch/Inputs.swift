// SPDX-License-Identifier: GPL-2.0-only
//
// Reading the files a command is given, and turning every problem with them into one
// line that names the file.

import BundledFixtures
import Foundation
import KernelObjects
import PortSource
import PatchReader
import PatchVerifier

enum Inputs {
    /// The largest patch file read; larger ones are refused before reading.
    static let patchSizeLimit = 64 << 20

    /// The one patch in the file at `path`.
    static func readPatch(_ path: String) throws -> Patch {
        let patches = try readPatches(path)
        if patches.count > 1 {
            throw InputError(path: path, problem: "holds \(patches.count) patches; give one")
        }
        return patches[0]
    }

    /// Every patch of a file (an mbox may hold several), each with hunks.
    static func readPatches(_ path: String) throws -> [Patch] {
        let data = try readFile(path, limit: patchSizeLimit)
        let set: PatchSet
        do {
            set = try PatchReader.read(data)
        } catch {
            throw InputError(path: path, problem: "\(error)")
        }
        guard !set.patches.isEmpty, set.patches.allSatisfy({ !$0.hunks.isEmpty }) else {
            throw InputError(path: path, problem: "not a patch: no hunks found")
        }
        return set.patches
    }

    /// The bytes of the regular file `path`, at most `limit` of them. The type is
    /// checked before the file is opened and again on the open descriptor, which is
    /// opened without blocking: a FIFO, a device or a socket is refused, never waited
    /// on. A file over the limit is refused on its stated size, before it is read.
    static func readFile(_ path: String, limit: Int) throws -> [UInt8] {
        var status = stat()
        guard stat(path, &status) == 0 else {
            let code = errno
            throw InputError(path: path, problem: code == ENOENT || code == ENOTDIR ? "no such file"
                             : "cannot be read: \(String(cString: strerror(code)))")
        }
        try checkRegular(path, status)
        if status.st_size > off_t(limit) {
            throw InputError(path: path, problem: "larger than \(limit >> 20) MiB, not read")
        }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else {
            throw InputError(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard fstat(fd, &status) == 0 else {
            throw InputError(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))")
        }
        try checkRegular(path, status)
        if status.st_size == 0 { throw InputError(path: path, problem: "empty file") }
        // One byte past the limit tells a file that grew meanwhile.
        var bytes = [UInt8](repeating: 0, count: min(Int(status.st_size), limit) + 1)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw InputError(path: path, problem: "cannot be read: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            done += n
        }
        if done > limit { throw InputError(path: path, problem: "larger than \(limit >> 20) MiB, not read") }
        bytes.removeLast(bytes.count - done)
        if bytes.isEmpty { throw InputError(path: path, problem: "empty file") }
        return bytes
    }

    static func checkRegular(_ path: String, _ status: stat) throws {
        switch status.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw InputError(path: path, problem: "is a directory")
        case S_IFIFO: throw InputError(path: path, problem: "a FIFO, not a regular file; not read")
        case S_IFCHR, S_IFBLK: throw InputError(path: path, problem: "a device, not a regular file; not read")
        case S_IFSOCK: throw InputError(path: path, problem: "a socket, not a regular file; not read")
        default: throw InputError(path: path, problem: "not a regular file; not read")
        }
    }

    static func verify(_ objects: [String], patchPath: String, patch: Patch) throws -> VerificationReport {
        let expectations = FunctionExpectation.from(patch)
        guard !expectations.isEmpty else {
            throw InputError(path: patchPath, problem: "changes no C function")
        }
        var reports: [ObjectReport] = []
        for object in objects {
            do {
                reports.append(try Verifier.verify(objectAt: object, expectations: expectations))
            } catch {
                throw InputError(path: object, problem: error.description)
            }
        }
        return VerificationReport(patch: patchPath, subject: patch.subject,
                                  expectations: expectations, objects: reports)
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}

/// The repository's fixtures, found from the executable's location or the working
/// directory, so `swift run verify-patch` works from anywhere inside the checkout.
enum Fixtures {
    static let seedPatch = "fixtures/patches/seed-archive.txt"
    static let baselineObject = "fixtures/objects/port/baseline/page_alloc.o"
    static let patchedObject = "fixtures/objects/port/patched/page_alloc.o"

    static func root() throws -> URL {
        let starts = [
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent(),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        ]
        for start in starts {
            var dir = start.standardizedFileURL
            while true {
                if FileManager.default.fileExists(atPath: dir.appendingPathComponent(seedPatch).path) {
                    return dir
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        // Away from the checkout (an installed copy): the files compiled into the
        // binary, laid out as in the checkout, with the port's text for the reports.
        do {
            return try bundled.get()
        } catch {
            throw InputError(path: seedPatch, problem: "not found above the executable or the working directory, "
                             + "and the copy inside the binary cannot be written out: \(error.localizedDescription)")
        }
    }

    /// The files compiled into the binary, written out once per process.
    private static let bundled: Result<URL, any Error> = Result {
        try BundledFixtures.materialize(extra: PortSource.files.map { ("CModules/CBuddyPort/" + $0.key, $0.value) })
    }

    /// A fixture path relative to the working directory when possible, for short output.
    static func path(_ relative: String, in root: URL) -> String {
        let full = root.appendingPathComponent(relative).path
        let cwd = FileManager.default.currentDirectoryPath
        return full.hasPrefix(cwd + "/") ? String(full.dropFirst(cwd.count + 1)) : full
    }
}
