// SPDX-License-Identifier: GPL-2.0-only
//
// Applies a patch to a source tree even when a mail archive mangled it: each hunk is
// anchored by matching its context and removed lines against the file with all white
// space ignored, lines the patch adds get the indentation the surrounding code implies,
// and nothing is written unless every hunk of every file found exactly one place.

import Foundation
import PatchReader

/// Where one hunk lands.
public struct HunkPlacement: Sendable, Equatable, Codable, CustomStringConvertible {
    public var hunk: Int
    public var file: String
    /// 1-based line of the file where the hunk's first old line sits.
    public var line: Int
    /// `line` minus the line the hunk header names.
    public var offset: Int
    public var removed: Int
    public var added: Int

    public var description: String {
        "hunk \(hunk): \(file):\(line) (offset \(offset >= 0 ? "+" : "")\(offset)), -\(removed) +\(added)"
    }
}

/// Why a patch was not applied. Nothing was written.
public enum ApplyError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingFile(String)
    case unreadable(String, String)
    case noAnchor(hunk: Int, file: String, firstLine: String)
    case ambiguousAnchor(hunk: Int, file: String, lines: [Int])
    case overlapping(hunk: Int, file: String)
    case unsupported(String)
    case writeFailed(String, String)
    /// A path of the patch that cannot name a file inside the tree.
    case badPath(String, String)
    /// The tree given is not a directory that can be opened.
    case badTree(String)
    /// The path names a link (or passes through one), a directory, a FIFO, a device.
    case notRegularFile(String, String)
    case tooLarge(String, limit: Int)
    /// A hunk whose body does not agree with its header or with the file.
    case malformedHunk(hunk: Int, file: String, problem: String)
    /// Two paths of the patch name the same file (a hard link).
    case sameFile(String, String)
    /// Every hunk's new side is in the tree and no hunk's old side is: the tree
    /// already carries the patch.
    case alreadyApplied(hunks: Int)

    public var description: String {
        switch self {
        case .missingFile(let f): "\(f): no such file in the tree"
        case .unreadable(let f, let why): "\(f): cannot be read: \(why)"
        case .noAnchor(let h, let f, let first):
            "hunk \(h): its context is not in \(f) (first line: \"\(first)\")"
        case .ambiguousAnchor(let h, let f, let lines):
            "hunk \(h): its context matches \(f) at lines \(lines.map(String.init).joined(separator: ", ")); refusing to guess"
        case .overlapping(let h, let f): "hunk \(h): overlaps the hunk before it in \(f)"
        case .unsupported(let what): what
        case .writeFailed(let f, let why): "\(f): cannot be written: \(why)"
        case .badPath(let f, let why): "\(f): \(why)"
        case .badTree(let why): why
        case .notRegularFile(let f, let why): "\(f): \(why); not patched"
        case .tooLarge(let f, let limit): "\(f): larger than \(limit >> 20) MiB; not patched"
        case .malformedHunk(let h, let f, let problem): "hunk \(h) (\(f)): \(problem)"
        case .sameFile(let a, let b): "\(a) and \(b) are the same file"
        case .alreadyApplied(let n): "already applied: the new side of all \(n) hunk(s) is in the tree"
        }
    }
}

/// A file's text as lines, and whether its last line ends with a newline.
struct FileText: Equatable {
    var lines: [String]
    var endsWithNewline: Bool

    init(lines: [String], endsWithNewline: Bool) {
        self.lines = lines
        self.endsWithNewline = endsWithNewline
    }

    /// UTF-8 bytes as lines, split at each LF byte (a CR before it stays in the line);
    /// nil when they are not UTF-8. An empty file has no lines.
    init?(_ bytes: [UInt8]) {
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        endsWithNewline = lines.last == ""
        if endsWithNewline { lines.removeLast() }
        if lines == [""] && !endsWithNewline { lines = [] }
        self.lines = lines
    }

    /// Every line ends with a CR: a file with CRLF line ends, whose new lines get one too.
    var isCRLF: Bool { !lines.isEmpty && lines.allSatisfy { $0.utf8.last == 0x0D } }

    var bytes: [UInt8] {
        guard !lines.isEmpty else { return [] }
        return Array((lines.joined(separator: "\n") + (endsWithNewline ? "\n" : "")).utf8)
    }
}

public enum PatchApplier {
    /// Places every hunk and, unless `dryRun`, writes the patched files. Every path is
    /// resolved inside `tree` without following a link; each new file is staged in a
    /// fresh temporary file beside the original and all are renamed into place only
    /// once every one is staged and synced. Throws, with the tree exactly as it was,
    /// when a path or a hunk is refused, a hunk has no place or more than one, or a
    /// write fails; `.alreadyApplied` when the tree carries the patch already.
    @discardableResult
    public static func apply(_ patch: Patch, to tree: URL, dryRun: Bool) throws(ApplyError) -> [HunkPlacement] {
        let root = try Tree(path: tree.path)
        // The sections of one file, in patch order, applied one after the other.
        var order: [TreePath] = []
        var sections: [TreePath: [FilePatch]] = [:]
        for file in patch.files {
            if file.isBinary { throw .unsupported("\(file.path): binary patches are not applied") }
            if file.isNewFile || file.isDeletedFile {
                throw .unsupported("\(file.path): creating or deleting files is not supported")
            }
            if file.headers.contains(where: { $0.hasPrefix("rename ") || $0.hasPrefix("copy ") }) {
                throw .unsupported("\(file.path): renaming or copying files is not supported")
            }
            let path = try TreePath(file.newPath)
            if file.oldPath != file.newPath, try TreePath(file.oldPath) != path {
                throw .badPath(file.newPath, "the patch names it \(file.oldPath) on the old side")
            }
            if sections[path] == nil { order.append(path) }
            sections[path, default: []].append(file)
        }
        var files: [(TreeFile, FileText)] = []
        var originals: [FileText] = []
        var placements: [HunkPlacement] = []
        var failure: ApplyError?
        var hunkCount = 0
        for path in order {
            let file = try root.read(path)
            if let other = files.first(where: { $0.0.status.st_dev == file.status.st_dev
                                                && $0.0.status.st_ino == file.status.st_ino }) {
                throw .sameFile(other.0.path.display, path.display)
            }
            guard var text = FileText(file.bytes) else {
                throw .unreadable(path.display, "not UTF-8 text")
            }
            let original = text
            for section in sections[path]! {
                for hunk in section.hunks {
                    hunkCount += 1
                    try checkStructure(hunk, path: path.display)
                }
                do {
                    let (patched, placed) = try applyHunks(section.hunks, to: text, path: path.display)
                    text = patched
                    placements += placed
                } catch {
                    if failure == nil { failure = error }
                }
            }
            files.append((file, text))
            originals.append(original)
        }
        if let failure {
            let applied = zip(order, originals).allSatisfy { path, original in
                sections[path]!.allSatisfy { isApplied($0.hunks, in: original) }
            }
            throw applied && hunkCount > 0 ? .alreadyApplied(hunks: hunkCount) : failure
        }
        if dryRun { return placements }
        var staged: [StagedFile] = []
        do {
            for (file, text) in files where text.bytes != file.bytes {
                staged.append(try TreeWriter.stage(text.bytes, for: file))
            }
            try TreeWriter.syncAll(staged)
            try TreeWriter.checkUnchanged(staged)
        } catch {
            TreeWriter.discard(staged)
            throw error
        }
        try TreeWriter.commit(staged)
        return placements
    }

    /// Refuses a hunk whose body disagrees with its header: lines missing (a mail cut
    /// off, a truncated file), lines over, or no line at all.
    static func checkStructure(_ hunk: Hunk, path: String) throws(ApplyError) {
        let old = hunk.lines.count { $0.kind != .added }
        let new = hunk.lines.count { $0.kind != .removed }
        if hunk.lines.isEmpty {
            throw .malformedHunk(hunk: hunk.index, file: path, problem: "no lines")
        }
        if hunk.lines.allSatisfy({ $0.kind == .context }) {
            throw .malformedHunk(hunk: hunk.index, file: path, problem: "changes no line")
        }
        guard hunk.countsMatched, old == hunk.oldCount, new == hunk.newCount else {
            throw .malformedHunk(hunk: hunk.index, file: path, problem:
                "the header counts -\(hunk.oldCount) +\(hunk.newCount) lines, the body holds -\(old) +\(new)")
        }
        for (k, line) in hunk.lines.enumerated() where line.missingNewline {
            // Only the last line of a side can lack its newline.
            let laterOld = hunk.lines[(k + 1)...].contains { $0.kind != .added }
            let laterNew = hunk.lines[(k + 1)...].contains { $0.kind != .removed }
            let lastOfOld = line.kind != .added && !laterOld
            let lastOfNew = line.kind != .removed && !laterNew
            guard lastOfOld || lastOfNew else {
                throw .malformedHunk(hunk: hunk.index, file: path,
                                     problem: "\"\\ No newline at end of file\" after a line that is not the last of its side")
            }
        }
    }

    /// Whether every hunk's new side, and none's old side, has its one place in `text`.
    static func isApplied(_ hunks: [Hunk], in text: FileText) -> Bool {
        let index = AnchorIndex(text.lines.map(squeeze))
        for hunk in hunks {
            let old = hunk.lines.filter { $0.kind != .added }.map { squeeze($0.text) }
            let new = hunk.lines.filter { $0.kind != .removed }.map { squeeze($0.text) }
            guard !new.isEmpty, index.anchors(of: old).isEmpty, index.anchors(of: new).count == 1 else {
                return false
            }
        }
        return true
    }

    /// The file's lines with every hunk applied, and where each landed.
    static func applyHunks(_ hunks: [Hunk], to lines: [String],
                           path: String) throws(ApplyError) -> ([String], [HunkPlacement]) {
        let (text, placements) = try applyHunks(hunks, to: FileText(lines: lines, endsWithNewline: true), path: path)
        return (text.lines, placements)
    }

    /// `text` with every hunk applied, and where each landed. A hunk whose old side
    /// ends with "\\ No newline at end of file" must meet the end of a file that lacks
    /// its last newline; the new side's marker decides whether the result has one.
    static func applyHunks(_ hunks: [Hunk], to text: FileText,
                           path: String) throws(ApplyError) -> (FileText, [HunkPlacement]) {
        let lines = text.lines
        let crlf = text.isCRLF
        let index = AnchorIndex(lines.map(squeeze))
        var out: [String] = []
        var endsWithNewline = text.endsWithNewline
        var placements: [HunkPlacement] = []
        var cursor = 0
        for hunk in hunks {
            let old = hunk.lines.filter { $0.kind != .added }
            let new = hunk.lines.filter { $0.kind != .removed }
            let oldKeys = old.map { squeeze($0.text) }
            var starts = index.anchors(of: oldKeys)
            let oldAtEnd = old.last?.missingNewline == true
            if oldAtEnd {
                starts = text.endsWithNewline ? [] : starts.filter { $0 + old.count == lines.count }
            }
            guard !starts.isEmpty else {
                throw .noAnchor(hunk: hunk.index, file: path,
                                firstLine: old.first?.text.trimmingCharacters(in: .whitespaces) ?? "")
            }
            guard starts.count == 1, let start = starts.first else {
                throw .ambiguousAnchor(hunk: hunk.index, file: path, lines: starts.map { $0 + 1 })
            }
            guard start >= cursor else { throw .overlapping(hunk: hunk.index, file: path) }
            out += lines[cursor ..< start]
            let rendered = render(hunk, original: Array(lines[start ..< start + old.count]))
            out += crlf ? rendered.map { $0.utf8.last == 0x0D ? $0 : $0 + "\r" } : rendered
            cursor = start + old.count
            if cursor == lines.count {
                // The hunk reaches the end of the file: its new side says how it ends.
                if new.last?.missingNewline == true {
                    endsWithNewline = false
                } else if oldAtEnd || !new.isEmpty {
                    endsWithNewline = true
                }
            } else if new.last?.missingNewline == true {
                throw .malformedHunk(hunk: hunk.index, file: path,
                                     problem: "its new side ends the file, but lines follow it")
            }
            placements.append(HunkPlacement(
                hunk: hunk.index, file: path, line: start + 1, offset: start + 1 - hunk.oldStart,
                removed: hunk.lines.filter { $0.kind == .removed }.count,
                added: hunk.lines.filter { $0.kind == .added }.count))
        }
        out += lines[cursor...]
        return (FileText(lines: out, endsWithNewline: endsWithNewline), placements)
    }

    /// Every index where the old side matches, white space ignored. Blank old lines must
    /// meet blank file lines.
    static func anchors(of oldKeys: [String], in keys: [String]) -> [Int] {
        guard !oldKeys.isEmpty, oldKeys.count <= keys.count else { return [] }
        var found: [Int] = []
        for start in 0 ... keys.count - oldKeys.count where keys[start] == oldKeys[0] {
            var i = 1
            while i < oldKeys.count && keys[start + i] == oldKeys[i] { i += 1 }
            if i == oldKeys.count { found.append(start) }
        }
        return found
    }

    /// The squeezed lines of a file, indexed so that placing a hunk costs the
    /// occurrences of its rarest line (each checked in constant time against a rolling
    /// hash of the lines), not a scan of the whole file per hunk.
    struct AnchorIndex {
        /// Matches reported for one hunk; more are not looked for.
        static let matchLimit = 64
        let keys: [String]
        private var positions: [String: [Int]] = [:]
        private var prefix: [UInt64]
        private static let base: UInt64 = 0x100_0000_01b3

        init(_ keys: [String]) {
            self.keys = keys
            prefix = [0]
            prefix.reserveCapacity(keys.count + 1)
            for (i, key) in keys.enumerated() {
                positions[key, default: []].append(i)
                prefix.append(prefix[i] &* Self.base &+ Self.hash(key))
            }
        }

        private static func hash(_ key: String) -> UInt64 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in key.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            return h | 1
        }

        /// What `PatchApplier.anchors(of:in:)` finds, in order, up to `matchLimit`.
        func anchors(of oldKeys: [String]) -> [Int] {
            guard !oldKeys.isEmpty, oldKeys.count <= keys.count else { return [] }
            var pivot = 0
            var fewest = Int.max
            for (o, key) in oldKeys.enumerated() {
                let count = positions[key]?.count ?? 0
                if count == 0 { return [] }
                if count < fewest { fewest = count; pivot = o }
            }
            var h: UInt64 = 0, power: UInt64 = 1
            for key in oldKeys {
                h = h &* Self.base &+ Self.hash(key)
                power = power &* Self.base
            }
            let length = oldKeys.count
            var found: [Int] = []
            for p in positions[oldKeys[pivot]]! {
                let start = p - pivot
                guard start >= 0, start + length <= keys.count else { continue }
                guard prefix[start + length] &- prefix[start] &* power == h else { continue }
                guard keys[start ..< start + length].elementsEqual(oldKeys) else { continue }
                found.append(start)
                if found.count >= Self.matchLimit { break }
            }
            return found
        }
    }

    static func squeeze(_ s: String) -> String {
        String(s.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) }.map(Character.init))
    }

    /// The hunk's new side: context and removed lines come from the file as it is, added
    /// lines keep the patch's indentation when it has any and otherwise get the
    /// indentation the code around them implies.
    static func render(_ hunk: Hunk, original: [String]) -> [String] {
        var out: [String] = []
        var oldIndex = 0
        var pendingRemoved: [String] = []
        for line in hunk.lines {
            switch line.kind {
            case .context:
                out.append(original[oldIndex])
                oldIndex += 1
                pendingRemoved = []
            case .removed:
                pendingRemoved.append(original[oldIndex])
                oldIndex += 1
            case .added:
                out.append(Indentation.added(line.text, replacing: &pendingRemoved, after: out))
            }
        }
        return out
    }
}
