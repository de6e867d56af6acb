// SPDX-License-Identifier: GPL-2.0-only
//
// The source tree as the applier touches it: opened once by descriptor, every path a
// patch names resolved below it one component at a time without following a link,
// every file read through a descriptor that is checked to be a regular file before a
// byte is read, and every change staged in a fresh temporary file in the file's own
// directory (created exclusively, never through an existing name), synced, and renamed
// into place only when all of them are staged.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The largest file of the tree the applier reads; larger ones are refused unread.
public let treeFileSizeLimit = 64 << 20

/// A path of the patch, checked: relative, no `..`, no empty name.
struct TreePath: Hashable {
    /// The directories, then the file name.
    var components: [String]
    var display: String { components.joined(separator: "/") }

    /// `path` as components, or why it cannot name a file inside the tree. "." and empty
    /// components (`mm//x.c`) are dropped, as the kernel's own path walk drops them.
    init(_ path: String) throws(ApplyError) {
        if path.isEmpty { throw .badPath(path, "the patch names no file") }
        if path.hasPrefix("/") { throw .badPath(path, "an absolute path; only paths inside the tree are patched") }
        if path.utf8.contains(0) { throw .badPath(path, "a NUL byte in the path") }
        var parts: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { throw .badPath(path, "'..' would leave the tree") }
            parts.append(String(part))
        }
        guard !parts.isEmpty else { throw .badPath(path, "the patch names no file") }
        if parts.contains(where: { $0.utf8.count > 255 }) { throw .badPath(path, "a name longer than 255 bytes") }
        components = parts
    }
}

/// One file of the tree, read: where it is, what it holds, and its status.
final class TreeFile {
    let path: TreePath
    /// The open directory that holds the file.
    let directory: Int32
    let name: String
    let bytes: [UInt8]
    let status: stat

    init(path: TreePath, directory: Int32, name: String, bytes: [UInt8], status: stat) {
        self.path = path
        self.directory = directory
        self.name = name
        self.bytes = bytes
        self.status = status
    }

    deinit { close(directory) }
}

/// A directory tree opened by descriptor.
final class Tree {
    private let root: Int32

    /// Opens the directory `path` (the user named it, so a link to it is followed).
    init(path: String) throws(ApplyError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            throw .badTree(code == ENOTDIR ? "not a directory" : code == ENOENT ? "no such directory" : Tree.reason(code))
        }
        root = fd
    }

    deinit { close(root) }

    static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }

    /// Reads the regular file `path` names, refusing a link anywhere on the way, a
    /// directory, a FIFO, a device or a socket, and a file over `treeFileSizeLimit`.
    func read(_ path: TreePath) throws(ApplyError) -> TreeFile {
        var directory = dup(root)
        guard directory >= 0 else { throw .unreadable(path.display, Tree.reason(errno)) }
        var walked: [String] = []
        for component in path.components.dropLast() {
            walked.append(component)
            let next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
            let code = errno
            if next < 0 {
                let kind = Tree.kind(at: directory, component)
                close(directory)
                let here = walked.joined(separator: "/")
                switch (code, kind) {
                case (ENOENT, _): throw .missingFile(path.display)
                case (_, S_IFLNK): throw .notRegularFile(path.display, "\(here) is a symbolic link; links are not followed")
                case (ENOTDIR, _): throw .notRegularFile(path.display, "\(here) is not a directory")
                default: throw .unreadable(path.display, Tree.reason(code))
                }
            }
            close(directory)
            directory = next
        }
        let name = path.components[path.components.count - 1]
        // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: a link is
        // refused, not followed (ELOOP).
        let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        if fd < 0 {
            let code = errno
            let kind = Tree.kind(at: directory, name)
            close(directory)
            switch (code, kind) {
            case (ENOENT, _): throw .missingFile(path.display)
            case (_, S_IFLNK): throw .notRegularFile(path.display, "a symbolic link; links are not followed")
            case (_, S_IFDIR): throw .notRegularFile(path.display, "a directory")
            default: throw .unreadable(path.display, Tree.reason(code))
            }
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let code = errno
            close(directory)
            throw .unreadable(path.display, Tree.reason(code))
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(directory)
            throw .notRegularFile(path.display, Tree.describe(status.st_mode))
        }
        guard status.st_size <= off_t(treeFileSizeLimit) else {
            close(directory)
            throw .tooLarge(path.display, limit: treeFileSizeLimit)
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 {
                let code = errno
                close(directory)
                throw .unreadable(path.display, Tree.reason(code))
            }
            if n == 0 { break }
            done += n
        }
        // One byte more than the size said means the file grew while it was read.
        guard done <= Int(status.st_size) else {
            close(directory)
            throw .unreadable(path.display, "changed while it was read")
        }
        bytes.removeLast(bytes.count - done)
        return TreeFile(path: path, directory: directory, name: name, bytes: bytes, status: status)
    }

    /// The file type at `name` in `directory`, the link itself when it is one; 0 when
    /// nothing is there.
    static func kind(at directory: Int32, _ name: String) -> mode_t {
        var status = stat()
        guard fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0 else { return 0 }
        return status.st_mode & S_IFMT
    }

    static func describe(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        case S_IFLNK: "a symbolic link; links are not followed"
        default: "not a regular file"
        }
    }
}

#if os(Linux)
/// syncfs(2), which Glibc declares only for _GNU_SOURCE.
@_silgen_name("syncfs")
private func linuxSyncfs(_ fd: Int32) -> Int32
#endif

/// New contents for a file of the tree, written to a temporary file beside it.
struct StagedFile {
    let file: TreeFile
    let temporary: String
}

/// Stages, commits and, on failure, undoes a set of file replacements.
enum TreeWriter {
    /// Writes `contents` to a fresh temporary file in the directory of `file`, with the
    /// file's permission bits (and owner, when running as root), and with `sync`
    /// syncs it (otherwise `syncAll` does, for all of them at once).
    static func stage(_ contents: [UInt8], for file: TreeFile, sync: Bool = false) throws(ApplyError) -> StagedFile {
        let display = file.path.display
        let mode = file.status.st_mode & 0o7777
        var temporary = ""
        var fd: Int32 = -1
        // Created exclusively (O_EXCL): an existing name, a planted link included, is
        // never opened; another random name is tried instead.
        for _ in 0..<100 {
            temporary = temporaryName(for: file.name)
            fd = openat(file.directory, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw .writeFailed(display, Tree.reason(errno)) }
        func fail(_ code: Int32) -> ApplyError {
            close(fd)
            unlinkat(file.directory, temporary, 0)
            return .writeFailed(display, Tree.reason(code))
        }
        var done = 0
        while done < contents.count {
            let n = contents.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw fail(errno) }
            done += n
        }
        if geteuid() == 0 { _ = fchown(fd, file.status.st_uid, file.status.st_gid) }
        guard fchmod(fd, mode) == 0 else { throw fail(errno) }
        if sync { guard fsync(fd) == 0 else { throw fail(errno) } }
        guard close(fd) == 0 else {
            let code = errno
            unlinkat(file.directory, temporary, 0)
            throw .writeFailed(display, Tree.reason(code))
        }
        return StagedFile(file: file, temporary: temporary)
    }

    /// `.NAME.XXXXXX` with six random letters and digits, or `.verify-patch.XXXXXX`
    /// when the name is too long to carry.
    static func temporaryName(for name: String) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        let suffix = String((0..<6).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
        let base = name.utf8.count <= 240 ? name : "verify-patch"
        return ".\(base).\(suffix)"
    }

    /// Brings every staged file to the disk before anything is renamed: one syncfs(2)
    /// of the file system holding them (one call however many files), or an fsync of
    /// each where syncfs is not there.
    static func syncAll(_ staged: [StagedFile]) throws(ApplyError) {
        guard let first = staged.first else { return }
        #if os(Linux)
        if Set(staged.map { $0.file.status.st_dev }).count == 1 && linuxSyncfs(first.file.directory) == 0 { return }
        #endif
        for s in staged {
            let fd = openat(s.file.directory, s.temporary, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw .writeFailed(s.file.path.display, Tree.reason(errno)) }
            defer { close(fd) }
            guard fsync(fd) == 0 else { throw .writeFailed(s.file.path.display, Tree.reason(errno)) }
        }
    }

    /// Removes staged temporaries that were not renamed.
    static func discard(_ staged: [StagedFile]) {
        for s in staged { unlinkat(s.file.directory, s.temporary, 0) }
    }

    /// Refuses, before anything is renamed, a file that was replaced or changed since it
    /// was read, and one marked immutable or append-only (rename(2) over it fails).
    static func checkUnchanged(_ staged: [StagedFile]) throws(ApplyError) {
        for s in staged {
            let display = s.file.path.display
            var now = stat()
            guard fstatat(s.file.directory, s.file.name, &now, AT_SYMLINK_NOFOLLOW) == 0 else {
                throw .writeFailed(display, Tree.reason(errno))
            }
            let then = s.file.status
            guard now.st_dev == then.st_dev, now.st_ino == then.st_ino, now.st_size == then.st_size,
                  now.st_mtim.tv_sec == then.st_mtim.tv_sec, now.st_mtim.tv_nsec == then.st_mtim.tv_nsec else {
                throw .writeFailed(display, "changed while the patch was applied")
            }
            if let flags = inodeFlags(s.file) {
                if flags & 0x10 != 0 { throw .writeFailed(display, "the file is immutable") }
                if flags & 0x20 != 0 { throw .writeFailed(display, "the file is append-only") }
            }
        }
    }

    /// The inode flags (FS_IOC_GETFLAGS) of the file, when the file system keeps them.
    private static func inodeFlags(_ file: TreeFile) -> Int32? {
        #if os(Linux)
        let fd = openat(file.directory, file.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var flags: Int32 = 0
        let getFlags: UInt = 0x8008_6601  // _IOR('f', 1, long)
        guard ioctl(fd, getFlags, &flags) == 0 else { return nil }
        return flags
        #else
        return nil
        #endif
    }

    /// Renames every staged file over its original. When one rename fails, the files
    /// already replaced get their original bytes back (staged and renamed the same way)
    /// and the rest are discarded, so the tree is as it was.
    static func commit(_ staged: [StagedFile]) throws(ApplyError) {
        for (k, s) in staged.enumerated() {
            guard renameat(s.file.directory, s.temporary, s.file.directory, s.file.name) == 0 else {
                let error = ApplyError.writeFailed(s.file.path.display, Tree.reason(errno))
                discard(Array(staged[k...]))
                for done in staged[..<k].reversed() {
                    if let back = try? stage(done.file.bytes, for: done.file, sync: true) {
                        if renameat(back.file.directory, back.temporary, back.file.directory, back.file.name) != 0 {
                            discard([back])
                        }
                    }
                }
                throw error
            }
        }
        // The renames themselves reach the disk with their directories, each once.
        var synced: Set<[UInt64]> = []
        for s in staged {
            var status = stat()
            guard fstat(s.file.directory, &status) == 0 else { continue }
            if synced.insert([UInt64(status.st_dev), UInt64(status.st_ino)]).inserted { fsync(s.file.directory) }
        }
    }
}
