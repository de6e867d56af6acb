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
                out += "diff --git a/\(a) b/\(b)\n"
                for header in file.headers { out += header + "\n" }
                if !file.hunks.isEmpty {
                    out += "--- " + (file.isNewFile ? FilePatch.devNull : "a/" + file.oldPath) + "\n"
                    out += "+++ " + (file.isDeletedFile ? FilePatch.devNull : "b/" + file.newPath) + "\n"
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
}
