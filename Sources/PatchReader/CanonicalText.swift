// SPDX-License-Identifier: GPL-2.0-only

extension Patch {
    /// The patch as a clean git-style unified diff: "diff --git", the extended headers,
    /// "---"/"+++" lines, and each hunk with context lines prefixed by a space. Hunk
    /// header counts are those of the lines read. Mail headers are not included.
    public var canonicalText: String { canonicalText(normalizingWhitespace: false) }

    /// With `normalizingWhitespace`, each line's text is trimmed and its runs of
    /// blanks become one space, so a mail-archive rendering that lost indentation
    /// compares equal to the patch it came from.
    public func canonicalText(normalizingWhitespace: Bool) -> String {
        var out = ""
        func clean(_ s: String) -> String {
            normalizingWhitespace ? s.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ") : s
        }
        for file in files {
            if !(file.oldPath.isEmpty && file.newPath.isEmpty) {
                let a = file.isNewFile ? file.newPath : file.oldPath
                let b = file.isDeletedFile ? file.oldPath : file.newPath
                if Self.needsQuoting(a) || Self.needsQuoting(b) {
                    out += "diff --git \(Self.quoted("a/" + a)) \(Self.quoted("b/" + b))\n"
                } else {
                    out += "diff --git a/\(a) b/\(b)\n"
                }
                for header in file.headers { out += header + "\n" }
                if !file.hunks.isEmpty {
                    out += "--- " + (file.isNewFile ? FilePatch.devNull : Self.path("a/", file.oldPath)) + "\n"
                    out += "+++ " + (file.isDeletedFile ? FilePatch.devNull : Self.path("b/", file.newPath)) + "\n"
                }
            }
            for hunk in file.hunks {
                let oldCount = hunk.lines.count(where: { $0.kind != .added })
                let newCount = hunk.lines.count(where: { $0.kind != .removed })
                func range(_ start: Int, _ count: Int) -> String {
                    count == 1 ? "\(start)" : "\(start),\(count)"
                }
                let section = clean(hunk.section)
                out += "@@ -\(range(hunk.oldStart, oldCount)) +\(range(hunk.newStart, newCount)) @@"
                out += section.isEmpty ? "\n" : " \(section)\n"
                for line in hunk.lines {
                    let marker = switch line.kind {
                    case .context: " "
                    case .added: "+"
                    case .removed: "-"
                    }
                    out += marker + clean(line.text) + "\n"
                    if line.missingNewline { out += "\\ No newline at end of file\n" }
                }
            }
        }
        return out
    }

    /// `prefix` and `path` for a `---`/`+++` line, C-quoted when the path needs it.
    static func path(_ prefix: String, _ path: String) -> String {
        needsQuoting(path) ? quoted(prefix + path) : prefix + path
    }

    /// Whether a path must be quoted to read back the same, as git quotes it: control
    /// characters (a line break or NUL would not survive as text), `"` and `\`, and
    /// blanks at either end (an unquoted path is trimmed).
    static func needsQuoting(_ path: String) -> Bool {
        path.utf8.contains { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
            || path.first == " " || path.last == " "
    }

    /// `text` as a C string literal the way git writes quoted paths: the named escapes,
    /// `\"` and `\\`, other control bytes in octal; every other byte as it is.
    static func quoted(_ text: String) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            let named: [UInt8: Character] = [0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v",
                                             0x0C: "f", 0x0D: "r", 0x22: "\"", 0x5C: "\\"]
            if let escape = named[byte] {
                out += [UInt8(ascii: "\\"), escape.asciiValue!]
            } else if byte < 0x20 || byte == 0x7F {
                out += [UInt8(ascii: "\\"), 0x30 + (byte >> 6), 0x30 + (byte >> 3 & 7), 0x30 + (byte & 7)]
            } else {
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}
