// SPDX-License-Identifier: GPL-2.0-only

import Foundation

/// Line shapes of unified diffs.
enum DiffSyntax {
    /// A line that begins diff structure: a diff command, a file header, a hunk header.
    static func startsDiff(_ line: Substring) -> Bool {
        isDiffCommand(line) || line.hasPrefix("Index: ") || line.hasPrefix("--- ")
            || line.hasPrefix("+++ ") || isHunkHeaderStart(line)
    }

    /// "diff --git ...", "diff -u ...", "diff -Nru ...", "diff --cc ...".
    static func isDiffCommand(_ line: Substring) -> Bool {
        guard line.hasPrefix("diff -") else { return false }
        let after = line.dropFirst(6)
        guard let c = after.first else { return false }
        return c == "-" || c.isLetter
    }

    static func isHunkHeaderStart(_ line: Substring) -> Bool {
        guard line.hasPrefix("@@ -") else { return false }
        return line.dropFirst(4).first?.isASCIIDigit == true
    }

    static func isCombinedHunkHeader(_ line: Substring) -> Bool {
        line.hasPrefix("@@@ -")
    }

    /// The mail signature separator, with or without its trailing space.
    static func isSignature(_ line: Substring) -> Bool {
        line == "-- " || line == "--"
    }

    struct HunkHeader: Equatable {
        var oldStart: Int, oldCount: Int, newStart: Int, newCount: Int
        var section: String
    }

    /// "@@ -a[,b] +c[,d] @@[ section]"; a missing count is 1.
    static func parseHunkHeader(_ line: Substring) -> HunkHeader? {
        var s = line.utf8[...]
        guard s.starts(with: "@@ -".utf8) else { return nil }
        s = s.dropFirst(4)
        guard let (oldStart, oldCount) = range(&s) else { return nil }
        guard s.first == UInt8(ascii: " ") else { return nil }
        s = s.dropFirst()
        guard s.first == UInt8(ascii: "+") else { return nil }
        s = s.dropFirst()
        guard let (newStart, newCount) = range(&s) else { return nil }
        guard s.starts(with: " @@".utf8) else { return nil }
        s = s.dropFirst(3)
        let section = Substring(s).trimmingCharacters(in: .whitespaces)
        return HunkHeader(oldStart: oldStart, oldCount: oldCount, newStart: newStart,
                          newCount: newCount, section: section)
    }

    private static func range(_ s: inout Substring.UTF8View.SubSequence) -> (Int, Int)? {
        guard let start = number(&s) else { return nil }
        if s.first == UInt8(ascii: ",") {
            s = s.dropFirst()
            guard let count = number(&s) else { return nil }
            return (start, count)
        }
        return (start, 1)
    }

    private static func number(_ s: inout Substring.UTF8View.SubSequence) -> Int? {
        var value = 0
        var digits = 0
        while let b = s.first, b >= 0x30, b <= 0x39 {
            value = value &* 10 &+ Int(b - 0x30)
            digits += 1
            s = s.dropFirst()
            if digits > 12 { return nil }
        }
        return digits > 0 ? value : nil
    }

    /// The path of a "--- " / "+++ " line: C-quoted, or up to a tab (diff -u puts the
    /// time stamp after one).
    static func headerPath(_ rest: Substring) -> String {
        if rest.first == "\"", let (path, _) = unquote(rest) { return path }
        let upToTab = rest.prefix { $0 != "\t" }
        return upToTab.trimmingCharacters(in: .whitespaces)
    }

    /// Parses a C-quoted path as git writes it; returns the path and what follows.
    static func unquote(_ s: Substring) -> (String, Substring)? {
        guard s.first == "\"" else { return nil }
        var bytes: [UInt8] = []
        var it = s.utf8.dropFirst()
        while let b = it.first {
            it = it.dropFirst()
            if b == UInt8(ascii: "\"") {
                return (String(decoding: bytes, as: UTF8.self), Substring(it))
            }
            if b == UInt8(ascii: "\\"), let e = it.first {
                it = it.dropFirst()
                switch e {
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "a"): bytes.append(0x07)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "v"): bytes.append(0x0B)
                case UInt8(ascii: "0")...UInt8(ascii: "7"):
                    var value = Int(e - 0x30)
                    for _ in 0..<2 {
                        guard let d = it.first, d >= 0x30, d <= 0x37 else { break }
                        value = value * 8 + Int(d - 0x30)
                        it = it.dropFirst()
                    }
                    bytes.append(UInt8(truncatingIfNeeded: value))
                default: bytes.append(e)
                }
                continue
            }
            bytes.append(b)
        }
        return nil
    }

    /// The two paths of "diff --git a/x b/x", prefixes kept.
    static func gitDiffPaths(_ rest: Substring) -> (String, String)? {
        if rest.first == "\"" {
            guard let (old, after) = unquote(rest) else { return nil }
            let tail = after.drop { $0 == " " }
            if tail.first == "\"", let (new, _) = unquote(tail) { return (old, new) }
            return (old, String(tail))
        }
        // Same name on both sides: split in the middle.
        let chars = Array(rest)
        if chars.count % 2 == 1 {
            let mid = chars.count / 2
            if chars[mid] == " " {
                let old = String(chars[..<mid]), new = String(chars[(mid + 1)...])
                if old.dropFirst(2) == new.dropFirst(2) { return (old, new) }
            }
        }
        if let split = rest.range(of: " b/") {
            let new = rest[rest.index(after: split.lowerBound)...]
            if new.first == "\"", let (path, _) = unquote(new) { return (String(rest[..<split.lowerBound]), path) }
            return (String(rest[..<split.lowerBound]), String(new))
        }
        return nil
    }
}

/// Parses the diff part of one message.
struct DiffParser {
    /// Raised in strict reading when a hunk holds a line with no marker.
    struct NeedsLenientReading: Error {}

    struct Output {
        var files: [FilePatch] = []
        /// Index of the first diff line; the lines before are the message.
        var diffStart: Int?
        /// A context line was read without its leading space.
        var readUnmarkedContext = false
        /// Chunk-relative line of the first "@@" line that did not parse.
        var malformedHunkHeader: Int?
        var sawCombinedDiff = false
    }

    let lines: [Substring]
    /// Mail-archive reading: context lines may lack their space, and the signature and
    /// file headers end a hunk whose counts were not reached.
    let lenient: Bool

    func parse() throws(NeedsLenientReading) -> Output {
        var out = Output()
        var current: Int?            // index into out.files
        var awaitingFileHeader = false
        var inGitHeader = false
        var hunkIndex = 0
        let n = lines.count
        var i = 0

        func markDiffStart(_ at: Int) {
            if out.diffStart == nil { out.diffStart = at }
        }

        while i < n {
            let line = lines[i]

            if line.hasPrefix("diff --git ") {
                markDiffStart(i)
                let paths = DiffSyntax.gitDiffPaths(line.dropFirst(11))
                out.files.append(FilePatch(oldPath: paths.map { Self.strip($0.0, "a/") } ?? "",
                                           newPath: paths.map { Self.strip($0.1, "b/") } ?? ""))
                current = out.files.count - 1
                awaitingFileHeader = true
                inGitHeader = true
                i += 1
                continue
            }
            if DiffSyntax.isDiffCommand(line) || line.hasPrefix("Index: ") {
                markDiffStart(i)
                out.files.append(FilePatch(oldPath: "", newPath: ""))
                current = out.files.count - 1
                awaitingFileHeader = true
                inGitHeader = false
                i += 1
                continue
            }
            if line.hasPrefix("--- "), i + 1 < n, lines[i + 1].hasPrefix("+++ ") {
                markDiffStart(i)
                let rawOld = DiffSyntax.headerPath(line.dropFirst(4))
                let rawNew = DiffSyntax.headerPath(lines[i + 1].dropFirst(4))
                let (old, new) = Self.stripPrefixes(rawOld, rawNew)
                if let c = current, awaitingFileHeader {
                    out.files[c].oldPath = old
                    out.files[c].newPath = new
                } else {
                    out.files.append(FilePatch(oldPath: old, newPath: new))
                    current = out.files.count - 1
                }
                awaitingFileHeader = false
                inGitHeader = false
                i += 2
                continue
            }
            if DiffSyntax.isHunkHeaderStart(line) {
                guard let header = DiffSyntax.parseHunkHeader(line) else {
                    if out.malformedHunkHeader == nil { out.malformedHunkHeader = i }
                    i += 1
                    continue
                }
                markDiffStart(i)
                if current == nil {
                    out.files.append(FilePatch(oldPath: "", newPath: ""))
                    current = out.files.count - 1
                }
                awaitingFileHeader = false
                inGitHeader = false
                hunkIndex += 1
                let (hunk, next, unmarked) = try readHunk(header, index: hunkIndex, from: i + 1)
                if unmarked { out.readUnmarkedContext = true }
                out.files[current!].hunks.append(hunk)
                i = next
                continue
            }
            if DiffSyntax.isCombinedHunkHeader(line) {
                out.sawCombinedDiff = true
            }
            if inGitHeader, let c = current {
                if let consumed = readGitHeader(at: i, into: &out.files[c]) {
                    i += consumed
                    continue
                }
                inGitHeader = false
            }
            i += 1
        }
        out.files.removeAll { $0.hunks.isEmpty && $0.headers.isEmpty && !$0.isBinary }
        return out
    }

    /// Records one git extended header line; returns the number of lines it used, or nil
    /// when the line is not one.
    private func readGitHeader(at i: Int, into file: inout FilePatch) -> Int? {
        let line = lines[i]
        let simple = ["index ", "old mode ", "new mode ", "similarity index ", "dissimilarity index ",
                      "copy from ", "copy to ", "rename old ", "rename new "]
        if simple.contains(where: { line.hasPrefix($0) }) {
            file.headers.append(String(line))
            if line.hasPrefix("copy from ") { file.oldPath = String(line.dropFirst(10)) }
            if line.hasPrefix("copy to ") { file.newPath = String(line.dropFirst(8)) }
            return 1
        }
        if line.hasPrefix("rename from ") {
            file.headers.append(String(line))
            file.oldPath = Self.pathValue(line.dropFirst(12))
            return 1
        }
        if line.hasPrefix("rename to ") {
            file.headers.append(String(line))
            file.newPath = Self.pathValue(line.dropFirst(10))
            return 1
        }
        if line.hasPrefix("new file mode ") {
            file.headers.append(String(line))
            file.oldPath = FilePatch.devNull
            return 1
        }
        if line.hasPrefix("deleted file mode ") {
            file.headers.append(String(line))
            file.newPath = FilePatch.devNull
            return 1
        }
        if line.hasPrefix("Binary files ") && line.hasSuffix(" differ") {
            file.headers.append(String(line))
            file.isBinary = true
            return 1
        }
        if line == "GIT binary patch" {
            file.headers.append(String(line))
            file.isBinary = true
            // "literal n"/"delta n" blocks of base85 lines, each ended by a blank line.
            var k = i + 1
            while k < lines.count {
                let l = lines[k]
                if l.hasPrefix("literal ") || l.hasPrefix("delta ") {
                    k += 1
                    while k < lines.count, !lines[k].isEmpty { k += 1 }
                    if k < lines.count { k += 1 }
                    continue
                }
                break
            }
            return k - i
        }
        return nil
    }

    private static func pathValue(_ s: Substring) -> String {
        if s.first == "\"", let (path, _) = DiffSyntax.unquote(s) { return path }
        return String(s)
    }

    private static func strip(_ path: String, _ prefix: String) -> String {
        path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// Removes git's a/ b/ prefixes; for other diffs removes the first directory when
    /// the two sides name different top directories (the kernel's -p1 convention).
    static func stripPrefixes(_ old: String, _ new: String) -> (String, String) {
        let devNull = FilePatch.devNull
        // quilt as akpm's mm-commits mails print it: "--- a/mm/page_alloc.c~patch-name"
        // and "+++ a/mm/page_alloc.c", the old side a backup copy of the new one.
        if let tilde = old.lastIndex(of: "~"), old[..<tilde] == new[...] {
            return stripPrefixes(new, new)
        }
        if old.hasPrefix("a/") && new.hasPrefix("a/") && old.dropFirst(2) == new.dropFirst(2) {
            return (String(old.dropFirst(2)), String(new.dropFirst(2)))
        }
        let oldGit = old == devNull || old.hasPrefix("a/")
        let newGit = new == devNull || new.hasPrefix("b/")
        if oldGit && newGit {
            return (strip(old, "a/"), strip(new, "b/"))
        }
        func firstComponent(_ p: String) -> Substring? {
            guard p != devNull, let slash = p.firstIndex(of: "/"), slash != p.startIndex else { return nil }
            return p[..<slash]
        }
        func dropFirstComponent(_ p: String) -> String {
            guard p != devNull, let slash = p.firstIndex(of: "/"), slash != p.startIndex else { return p }
            return String(p[p.index(after: slash)...])
        }
        let a = firstComponent(old), b = firstComponent(new)
        switch (a, b) {
        case let (a?, b?) where a != b:
            return (dropFirstComponent(old), dropFirstComponent(new))
        case (nil, _?) where old == devNull, (_?, nil) where new == devNull:
            return (dropFirstComponent(old), dropFirstComponent(new))
        default:
            return (old, new)
        }
    }

    /// In archive text, a context line whose code begins with "-" or "+" (a continued
    /// expression such as "\t\t\t\t\t\t- (free_pages + movable_pages);") reads as a
    /// changed line. The header's counts say how many lines are context (old + new -
    /// lines read). When the surplus of removed and added lines is exactly the single
    /// changed lines that stand between context lines right after a line that does not
    /// end a statement, those lines are context: they get their marker back as text.
    /// Returns false, changing nothing, when the counts do not allow that.
    static func reclassifyContinuations(_ lines: inout [HunkLine], oldCount: Int, newCount: Int) -> Bool {
        let context = oldCount + newCount - lines.count
        let surplusRemoved = lines.count(where: { $0.kind == .removed }) - (oldCount - context)
        let surplusAdded = lines.count(where: { $0.kind == .added }) - (newCount - context)
        guard context >= 0, surplusRemoved >= 0, surplusAdded >= 0, surplusRemoved + surplusAdded > 0 else {
            return false
        }
        var candidates: [Int] = []
        for k in lines.indices where lines[k].kind != .context {
            guard k > 0, lines[k - 1].kind == .context,
                  k + 1 == lines.count || lines[k + 1].kind == .context else { continue }
            let previous = lines[k - 1].text.trimmingCharacters(in: .whitespaces)
            guard let last = previous.last, !";{},:".contains(last), !previous.hasSuffix("*/") else { continue }
            candidates.append(k)
        }
        guard candidates.count(where: { lines[$0].kind == .removed }) == surplusRemoved,
              candidates.count(where: { lines[$0].kind == .added }) == surplusAdded else { return false }
        for k in candidates {
            let marker = lines[k].kind == .removed ? "-" : "+"
            lines[k] = HunkLine(kind: .context, text: marker + lines[k].text, missingNewline: lines[k].missingNewline)
        }
        return true
    }

    /// The text of a hunk line after its one-byte marker. The marker is dropped as a
    /// scalar, not as a Character: a marker followed by a combining mark is one
    /// Character, and dropping it would drop the mark too.
    static func afterMarker(_ line: Substring) -> String {
        String(Substring(line.unicodeScalars.dropFirst()))
    }

    /// Reads the lines of one hunk. Returns the hunk, the index of the line after it,
    /// and whether a context line without its leading space was read.
    private func readHunk(_ header: DiffSyntax.HunkHeader, index: Int, from start: Int)
        throws(NeedsLenientReading) -> (Hunk, Int, Bool)
    {
        var hunkLines: [HunkLine] = []
        hunkLines.reserveCapacity(min(header.oldCount + header.newCount, 1024))
        var oldSeen = 0, newSeen = 0
        var unmarked = false
        var stoppedEarly = false
        var extended = false
        var i = start
        let n = lines.count

        func isStructural(_ line: Substring, at k: Int) -> Bool {
            if line.hasPrefix("diff --git ") || DiffSyntax.isDiffCommand(line) || line.hasPrefix("Index: ")
                || DiffSyntax.isHunkHeaderStart(line) || DiffSyntax.isCombinedHunkHeader(line)
                || MailHeaders.isMboxSeparator(line) {
                return true
            }
            guard lenient else { return false }
            if DiffSyntax.isSignature(line) { return true }
            return line.hasPrefix("--- ") && k + 1 < n && lines[k + 1].hasPrefix("+++ ")
        }

        while i < n {
            let line = lines[i]
            let first = line.utf8.first
            if first == UInt8(ascii: "\\") && line.utf8.dropFirst().first == UInt8(ascii: " ") {
                // "\ No newline at end of file" belongs to the line before it.
                if !hunkLines.isEmpty { hunkLines[hunkLines.count - 1].missingNewline = true }
                i += 1
                continue
            }
            let complete = oldSeen >= header.oldCount && newSeen >= header.newCount
            if complete {
                // In mail-archive text, +/- lines right after the counted lines still
                // belong to the hunk: its counts were off.
                guard lenient, first == UInt8(ascii: "+") || first == UInt8(ascii: "-"),
                      !isStructural(line, at: i) else { break }
                extended = true
            } else if isStructural(line, at: i) {
                stoppedEarly = true
                break
            }
            switch first {
            case UInt8(ascii: " "):
                hunkLines.append(HunkLine(kind: .context, text: Self.afterMarker(line)))
                oldSeen += 1
                newSeen += 1
            case UInt8(ascii: "+"):
                hunkLines.append(HunkLine(kind: .added, text: Self.afterMarker(line)))
                newSeen += 1
            case UInt8(ascii: "-"):
                hunkLines.append(HunkLine(kind: .removed, text: Self.afterMarker(line)))
                oldSeen += 1
            case nil:
                hunkLines.append(HunkLine(kind: .context, text: ""))
                oldSeen += 1
                newSeen += 1
            default:
                guard lenient else { throw NeedsLenientReading() }
                hunkLines.append(HunkLine(kind: .context, text: String(line)))
                unmarked = true
                oldSeen += 1
                newSeen += 1
            }
            i += 1
        }
        var matched = !stoppedEarly && !extended && oldSeen == header.oldCount && newSeen == header.newCount
        if lenient && !matched {
            // Without the lines read past the hunk's end (blank lines before a
            // signature), a reclassified line may make the counts agree.
            var trailingBlank = 0
            while trailingBlank < 2, hunkLines.count > trailingBlank,
                  hunkLines[hunkLines.count - 1 - trailingBlank] == HunkLine(kind: .context, text: "") {
                trailingBlank += 1
            }
            for drop in 0...trailingBlank {
                var candidate = Array(hunkLines.dropLast(drop))
                if Self.reclassifyContinuations(&candidate, oldCount: header.oldCount, newCount: header.newCount) {
                    hunkLines = candidate
                    i -= drop
                    matched = true
                    break
                }
            }
        }
        let hunk = Hunk(index: index, oldStart: header.oldStart, oldCount: header.oldCount,
                        newStart: header.newStart, newCount: header.newCount,
                        section: header.section, lines: hunkLines, countsMatched: matched)
        return (hunk, i, unmarked)
    }
}
