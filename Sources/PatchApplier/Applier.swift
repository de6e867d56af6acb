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
        }
    }
}

public enum PatchApplier {
    /// Places every hunk and, unless `dryRun`, writes the patched files (each through a
    /// temporary file renamed over the original). Throws before writing anything when a
    /// hunk has no place or more than one.
    @discardableResult
    public static func apply(_ patch: Patch, to tree: URL, dryRun: Bool) throws(ApplyError) -> [HunkPlacement] {
        var results: [(URL, [String], Bool)] = []
        var placements: [HunkPlacement] = []
        for file in patch.files {
            if file.isBinary { throw .unsupported("\(file.path): binary patches are not applied") }
            if file.isNewFile || file.isDeletedFile {
                throw .unsupported("\(file.path): creating or deleting files is not supported")
            }
            let url = tree.appendingPathComponent(file.path)
            guard FileManager.default.fileExists(atPath: url.path) else { throw .missingFile(file.path) }
            let text: String
            do { text = try String(contentsOf: url, encoding: .utf8) } catch {
                throw .unreadable(file.path, error.localizedDescription)
            }
            var lines = text.components(separatedBy: "\n")
            let endsWithNewline = lines.last == ""
            if endsWithNewline { lines.removeLast() }
            let (patched, placed) = try applyHunks(file.hunks, to: lines, path: file.path)
            results.append((url, patched, endsWithNewline))
            placements += placed
        }
        if dryRun { return placements }
        for (url, lines, endsWithNewline) in results {
            let text = lines.joined(separator: "\n") + (endsWithNewline ? "\n" : "")
            let temporary = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).verify-patch.tmp")
            do {
                try Data(text.utf8).write(to: temporary)
                let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
                if let mode = attributes[.posixPermissions] {
                    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary.path)
                }
                // rename(2) replaces the directory entry: a hard-linked original stays as it was.
                guard rename(temporary.path, url.path) == 0 else {
                    throw ApplyError.writeFailed(url.path, String(cString: strerror(errno)))
                }
            } catch let error as ApplyError {
                throw error
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw .writeFailed(url.path, error.localizedDescription)
            }
        }
        return placements
    }

    /// The file's lines with every hunk applied, and where each landed.
    static func applyHunks(_ hunks: [Hunk], to lines: [String],
                           path: String) throws(ApplyError) -> ([String], [HunkPlacement]) {
        let keys = lines.map(squeeze)
        var out: [String] = []
        var placements: [HunkPlacement] = []
        var cursor = 0
        for hunk in hunks {
            let old = hunk.lines.filter { $0.kind != .added }
            let oldKeys = old.map { squeeze($0.text) }
            let starts = anchors(of: oldKeys, in: keys)
            guard !starts.isEmpty else {
                throw .noAnchor(hunk: hunk.index, file: path,
                                firstLine: old.first?.text.trimmingCharacters(in: .whitespaces) ?? "")
            }
            guard starts.count == 1, let start = starts.first else {
                throw .ambiguousAnchor(hunk: hunk.index, file: path, lines: starts.map { $0 + 1 })
            }
            guard start >= cursor else { throw .overlapping(hunk: hunk.index, file: path) }
            out += lines[cursor ..< start]
            out += render(hunk, original: Array(lines[start ..< start + old.count]))
            cursor = start + old.count
            placements.append(HunkPlacement(
                hunk: hunk.index, file: path, line: start + 1, offset: start + 1 - hunk.oldStart,
                removed: hunk.lines.filter { $0.kind == .removed }.count,
                added: hunk.lines.filter { $0.kind == .added }.count))
        }
        out += lines[cursor...]
        return (out, placements)
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
