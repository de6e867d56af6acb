// SPDX-License-Identifier: GPL-2.0-only
//
// The files the default run reads, as compiled into the package (embed.list), and a
// private directory laid out like the checkout that holds them, for a verify-patch
// that runs away from its checkout (copied to /usr/local/bin).

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum BundledFixtures {
    /// Every embedded file, by path below the package root.
    public static var paths: [String] { EmbeddedFiles.paths }

    /// The bytes of an embedded file.
    public static func bytes(_ path: String) -> [UInt8]? { EmbeddedFiles.bytes(path) }

    /// A fresh directory (under TMPDIR, removed when the process exits) holding every
    /// embedded file at its package path and `extra` files (path, text) beside them.
    /// The directory is made with mkdtemp, so it is new and private to this process.
    public static func materialize(extra: [(String, String)] = []) throws -> URL {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/verify-patch-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: base])
        }
        let root = URL(fileURLWithPath: String(cString: made))
        Cleanup.directories.append(root.path)
        if !Cleanup.registered {
            Cleanup.registered = true
            atexit { for dir in Cleanup.directories { try? FileManager.default.removeItem(atPath: dir) } }
        }
        let files = EmbeddedFiles.paths.map { ($0, Data(EmbeddedFiles.bytes($0) ?? [])) } + extra.map { ($0.0, Data($0.1.utf8)) }
        for (path, data) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        return root
    }
}

private enum Cleanup {
    nonisolated(unsafe) static var directories: [String] = []
    nonisolated(unsafe) static var registered = false
}
