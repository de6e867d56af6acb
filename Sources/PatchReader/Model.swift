// SPDX-License-Identifier: GPL-2.0-only

/// Every patch found in one input: one for a plain diff, one per message for an mbox.
public struct PatchSet: Equatable, Sendable, Codable {
    public var patches: [Patch]

    public init(patches: [Patch]) {
        self.patches = patches
    }
}

/// One patch: the mail or commit headers that came with it and its file diffs.
public struct Patch: Equatable, Sendable, Codable {
    /// The whole title as given: the `Subject:` header, or the first line of a
    /// mail-archive rendering, e.g. "[PATCH v9 03/37] mm: page_alloc: ...".
    public var title: String?
    /// The title without leading bracketed tags and reply prefixes: "mm: page_alloc: ...".
    public var subject: String?
    /// The `From:` (or `Author:`) value; an in-body `From:` line overrides the mail header.
    public var author: String?
    /// The commit message: the text between the headers and the `---` line (or the
    /// diff), trailers included, without leading and trailing blank lines.
    public var message: String?
    public var files: [FilePatch]
    /// True when the text had to be read as a mail-archive rendering: context lines
    /// without their leading space, HTML entities, or non-breaking spaces.
    public var mangled: Bool

    public init(title: String? = nil, subject: String? = nil, author: String? = nil,
                message: String? = nil, files: [FilePatch], mangled: Bool = false) {
        self.title = title
        self.subject = subject
        self.author = author
        self.message = message
        self.files = files
        self.mangled = mangled
    }

    /// All hunks of the patch in order; `hunks[i].index == i + 1`.
    public var hunks: [Hunk] { files.flatMap(\.hunks) }
}

/// The changes to one file.
public struct FilePatch: Equatable, Sendable, Codable {
    /// Path before the patch, without the `a/` prefix; "/dev/null" for a new file.
    public var oldPath: String
    /// Path after the patch, without the `b/` prefix; "/dev/null" for a deleted file.
    public var newPath: String
    /// git extended header lines as given ("index 227d58dc3de6..1192c4e47da4 100644",
    /// "new file mode 100644", "rename from x", ...).
    public var headers: [String]
    public var hunks: [Hunk]
    /// True for "Binary files ... differ" and "GIT binary patch" entries.
    public var isBinary: Bool

    public init(oldPath: String, newPath: String, headers: [String] = [], hunks: [Hunk] = [],
                isBinary: Bool = false) {
        self.oldPath = oldPath
        self.newPath = newPath
        self.headers = headers
        self.hunks = hunks
        self.isBinary = isBinary
    }

    /// The path that names the file: the new path, or the old one for a deleted file.
    public var path: String { newPath == Self.devNull ? oldPath : newPath }
    public var isNewFile: Bool { oldPath == Self.devNull }
    public var isDeletedFile: Bool { newPath == Self.devNull }

    public static let devNull = "/dev/null"
}

/// One `@@ -a,b +c,d @@ section` hunk.
public struct Hunk: Equatable, Sendable, Codable {
    /// 1-based, counted across all files of the patch.
    public var index: Int
    public var oldStart: Int
    public var oldCount: Int
    public var newStart: Int
    public var newCount: Int
    /// The text after the second `@@`, trimmed: git's enclosing-function hint.
    public var section: String
    public var lines: [HunkLine]
    /// False when the lines read do not add up to the counts in the header (lines lost
    /// or added by a mail archive, or a truncated patch). In mail-archive text, a
    /// context line whose code starts with "-" or "+" first reads as a changed line;
    /// when the counts single it out, it is read as context and the counts match.
    public var countsMatched: Bool

    public init(index: Int, oldStart: Int, oldCount: Int, newStart: Int, newCount: Int,
                section: String, lines: [HunkLine], countsMatched: Bool) {
        self.index = index
        self.oldStart = oldStart
        self.oldCount = oldCount
        self.newStart = newStart
        self.newCount = newCount
        self.section = section
        self.lines = lines
        self.countsMatched = countsMatched
    }
}

/// One line of a hunk.
public struct HunkLine: Equatable, Sendable, Codable {
    public enum Kind: String, Codable, Sendable {
        case context, added, removed
    }

    public var kind: Kind
    /// The line without its marker; whitespace as given.
    public var text: String
    /// Followed by "\ No newline at end of file".
    public var missingNewline: Bool

    public init(kind: Kind, text: String, missingNewline: Bool = false) {
        self.kind = kind
        self.text = text
        self.missingNewline = missingNewline
    }
}

/// Why an input was refused. The description is one line; the caller adds the file name.
public enum PatchReadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No bytes, or only whitespace.
    case empty
    /// A NUL byte at this 0-based offset.
    case binary(offset: Int)
    /// Neither UTF-8 nor plainly Latin-1 text.
    case encoding
    /// Text without diff structure; the reason says what is missing.
    case notAPatch(String)

    public var description: String {
        switch self {
        case .empty: "empty file"
        case .binary(let offset): "binary data at byte \(offset)"
        case .encoding: "unknown text encoding"
        case .notAPatch(let reason): "not a patch: \(reason)"
        }
    }
}
