// SPDX-License-Identifier: GPL-2.0-only
//
// The applier's fuzz target: arbitrary bytes read as a patch and applied to a
// throwaway tree that holds a link out of the tree, a link to a directory outside it
// and a FIFO. An input holding a NUL byte gives the tree's mm/page_alloc.c the bytes
// before it and reads the rest as the patch.

import Foundation
import PatchApplier
import PatchReader

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum ApplyTarget {
    /// The tree's main file when the input does not give one: a few functions in the
    /// kernel's style.
    static let defaultText = """
        static inline void del_page_from_free_list(struct page *page, struct zone *zone,
        \t\t\t\t\t   unsigned int order, int migratetype)
        {
        \t__del_page_from_free_list(page, zone, order, migratetype);
        \taccount_freepages(zone, -(1 << order), migratetype);
        }

        static inline unsigned int expand(struct zone *zone, struct page *page, int low,
        \t\t\t\t  int high, int migratetype)
        {
        \tunsigned int size = 1 << high;
        \tunsigned int nr_added = 0;

        \twhile (high > low) {
        \t\thigh--;
        \t\tsize >>= 1;
        \t\tVM_BUG_ON_PAGE(bad_range(zone, &page[size]), &page[size]);

        \t\tif (set_page_guard(zone, &page[size], high))
        \t\t\tcontinue;

        \t\t__add_to_free_list(&page[size], zone, high, migratetype, false);
        \t\tset_buddy_order(&page[size], high);
        \t\tnr_added += size;
        \t}

        \treturn nr_added;
        }

        """

    /// A file beside the main one, and the file outside the tree the links point to.
    static let otherText = "int other(void)\n{\n\treturn 0;\n}\n"
    static let outsideText = "int outside(void)\n{\n\treturn 1;\n}\n"

    /// The sandbox: `tree/` (mm/page_alloc.c, mm/other.c, mm/fifo.c, link.c and
    /// mm/outside pointing out of the tree) and `outside/target.c`.
    final class Sandbox {
        let root: String
        var tree: String { root + "/tree" }

        init() {
            let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
            var template = Array("\(base)/fuzz-apply-XXXXXX".utf8CString)
            let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
            require(made != nil, "mkdtemp failed")
            root = String(cString: made!)
            for dir in ["tree", "tree/mm", "outside"] { require(mkdir(root + "/" + dir, 0o755) == 0, "mkdir \(dir)") }
            write(outsideText, to: "outside/target.c")
            write(otherText, to: "tree/mm/other.c")
            require(symlink("../outside/target.c", root + "/tree/link.c") == 0, "symlink")
            require(symlink("../../outside", root + "/tree/mm/outside") == 0, "symlink")
            require(mkfifo(root + "/tree/mm/fifo.c", 0o644) == 0, "mkfifo")
            snapshotOutside = snapshot(["outside", ""])
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        /// The contents last written to each file, so unchanged files are not rewritten.
        private var written: [String: String] = [:]

        func write(_ text: String, to relative: String) {
            let path = root + "/" + relative
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o644)
            require(fd >= 0, "cannot write \(relative)")
            let bytes = Array(text.utf8)
            require(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } == bytes.count, "short write")
            close(fd)
            written[relative] = text
        }

        /// Puts `text` back when the file may have changed (after an applied patch) or
        /// holds something else.
        func reset(_ text: String, to relative: String, changed: Bool) {
            if changed || written[relative] != text { write(text, to: relative) }
        }

        var snapshotOutside: [String: String] = [:]

        /// Every entry of the given directories (relative to the root), with the link
        /// target or the contents of each (readdir and lstat: this runs several times
        /// per input).
        func snapshot(_ directories: [String]) -> [String: String] {
            var out: [String: String] = [:]
            for dir in directories {
                let path = dir.isEmpty ? root : root + "/" + dir
                guard let handle = opendir(path) else { continue }
                defer { closedir(handle) }
                while let entry = readdir(handle) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    if name == "." || name == ".." { continue }
                    let full = path + "/" + name
                    var status = stat()
                    guard lstat(full, &status) == 0 else { continue }
                    let key = dir + "/" + name
                    switch status.st_mode & S_IFMT {
                    case S_IFLNK:
                        var buffer = [CChar](repeating: 0, count: 4096)
                        let n = readlink(full, &buffer, buffer.count)
                        out[key] = "link " + String(decoding: buffer.prefix(max(n, 0)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    case S_IFREG: out[key] = "file \(status.st_mode & 0o7777) " + contents(full)
                    case S_IFDIR: out[key] = "dir"
                    case S_IFIFO: out[key] = "fifo"
                    default: out[key] = "other"
                    }
                }
            }
            return out
        }

        private func contents(_ path: String) -> String {
            let fd = open(path, O_RDONLY | O_NONBLOCK)
            guard fd >= 0 else { return "?" }
            defer { close(fd) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 8192)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                bytes += buffer[..<n]
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        func treeSnapshot() -> [String: String] { snapshot(["tree", "tree/mm"]) }
    }

    nonisolated(unsafe) static var sandbox: Sandbox?

    /// Applies the patch in `bytes`. Besides not crashing or blocking: nothing outside
    /// the tree changes; a refused patch leaves the tree exactly as it was, with no
    /// temporary file left; a dry run places the hunks where the real run does; an
    /// applied patch changes only the files it names.
    public static func run(_ bytes: [UInt8]) {
        if sandbox == nil { sandbox = Sandbox() }
        let box = sandbox!
        var text = defaultText
        var patchBytes = bytes[...]
        if let nul = bytes.firstIndex(of: 0) {
            text = String(decoding: bytes[..<nul], as: UTF8.self)
            patchBytes = bytes[(nul + 1)...]
        }
        guard let set = try? PatchReader.read(Array(patchBytes)), !set.patches.isEmpty else { return }
        box.reset(text, to: "tree/mm/page_alloc.c", changed: false)
        box.reset(otherText, to: "tree/mm/other.c", changed: false)
        let tree = URL(fileURLWithPath: box.tree)
        for patch in set.patches {
            let before = box.treeSnapshot()
            let dry = Result { () throws(ApplyError) in try PatchApplier.apply(patch, to: tree, dryRun: true) }
            require(box.treeSnapshot() == before, "a dry run changed the tree")
            let real = Result { () throws(ApplyError) in try PatchApplier.apply(patch, to: tree, dryRun: false) }
            require(box.snapshot(["outside", ""]) == box.snapshotOutside, "something outside the tree changed")
            let after = box.treeSnapshot()
            switch (dry, real) {
            case (.success(let planned), .success(let placed)):
                require(planned == placed, "the dry run placed the hunks elsewhere")
                require(Set(after.keys) == Set(before.keys), "applying left or removed a file")
                let named = Set(patch.files.map { "tree/" + $0.path })
                for (key, value) in after where before[key] != value {
                    require(named.contains(key) || key.hasSuffix("/page_alloc.c") || key.hasSuffix("/other.c"),
                            "applying changed \(key), which the patch does not name")
                    require(value.hasPrefix("file "), "applying replaced \(key) by something else")
                }
            case (.failure(let planned), .failure(let failed)):
                require(planned == failed, "the dry run and the real run fail differently: \(planned), \(failed)")
                require(after == before, "a refused patch changed the tree: \(failed)")
            case (.success, .failure(let failed)):
                // Only writing can fail after a dry run succeeded.
                guard case .writeFailed = failed else { fatalError("the dry run succeeded, the real run failed: \(failed)") }
                require(after == before, "a failed write changed the tree")
            case (.failure(let planned), .success):
                fatalError("the dry run failed (\(planned)), the real run succeeded")
            }
            let applied: Bool
            if case .success = real { applied = true } else { applied = false }
            box.reset(text, to: "tree/mm/page_alloc.c", changed: applied)
            box.reset(otherText, to: "tree/mm/other.c", changed: applied)
        }
    }
}
