// SPDX-License-Identifier: GPL-2.0-only

/// The two sides of one hunk as C: the old side (context and removed lines) and the new
/// side (context and added lines), each scanned for the functions around its lines.
struct HunkSides {
    let header: HeaderSection
    let oldStream: [StreamLine]
    let newStream: [StreamLine]
    /// Per line of the hunk, its position in `oldStream` / `newStream`, or -1.
    let oldIndex: [Int]
    let newIndex: [Int]
    let oldScan: SideScan
    let newScan: SideScan

    init(_ hunk: Hunk) {
        header = HeaderSection(hunk.section)
        let indented = hunk.lines.contains { $0.text.hasPrefix("\t") || $0.text.hasPrefix("  ") }
        var oldStream: [StreamLine] = [], newStream: [StreamLine] = []
        var oldIndex = [Int](repeating: -1, count: hunk.lines.count)
        var newIndex = [Int](repeating: -1, count: hunk.lines.count)
        for (j, line) in hunk.lines.enumerated() {
            let s = StreamLine(text: Substring(line.text), hunkLine: j, kind: line.kind)
            if line.kind != .added {
                oldIndex[j] = oldStream.count
                oldStream.append(s)
            }
            if line.kind != .removed {
                newIndex[j] = newStream.count
                newStream.append(s)
            }
        }
        self.oldStream = oldStream
        self.newStream = newStream
        self.oldIndex = oldIndex
        self.newIndex = newIndex
        oldScan = FunctionScanner.scan(oldStream, header: header, indented: indented)
        newScan = FunctionScanner.scan(newStream, header: header, indented: indented)
    }

    /// The name of the function that encloses hunk line `j` on its side, nil outside
    /// any function or in one that nothing names.
    func owner(ofLine j: Int, kind: HunkLine.Kind) -> String? {
        let (scan, s) = kind == .added ? (newScan, newIndex[j]) : (oldScan, oldIndex[j])
        switch scan.owners[s] {
        case .definition(let d): return scan.definitions[d].name
        case .header: return header.functionName
        case .unnamed, .outside: return nil
        }
    }
}

/// The functions around the lines of one hunk.
public struct HunkFunctions: Equatable, Sendable, Codable {
    /// Per line of the hunk's `lines`: the function that encloses it (context and
    /// removed lines as the old side has them, added lines as the new side has them),
    /// nil outside every function or in one that nothing names.
    public var owners: [String?]
    /// Functions whose definition the hunk adds: it begins on an added line, and the old
    /// side shows no definition of the same name.
    public var added: [String]

    public init(owners: [String?], added: [String]) {
        self.owners = owners
        self.added = added
    }
}

/// One line of C reduced to its code, as the port's applier compares lines.
public enum CodeLines {
    /// For each line, its C tokens (a directive's included) joined by single spaces,
    /// comments and white space dropped: "" for a blank or comment-only line. The lines
    /// are read as one stream, so a comment may span lines; a `*/` that closes no `/*`
    /// means the lines before it ended a comment that began above them.
    public static func keys(_ lines: [String]) -> [String] {
        var lexer = CLexer()
        var keys: [String] = []
        keys.reserveCapacity(lines.count)
        var commentUntil = -1
        for (i, line) in lines.enumerated() {
            let lexed = lexer.lex(Substring(line), line: i)
            if lexed.closedUnopenedComment { commentUntil = i - 1 }
            let tokens = lexed.isPreprocessor ? lexed.directiveTokens : lexed.tokens
            keys.append(tokens.map(\.text).joined(separator: " "))
        }
        if commentUntil >= 0 {
            for k in 0...commentUntil { keys[k] = "" }
        }
        return keys
    }

    /// The key of a fragment of C read on its own.
    public static func key(_ text: String) -> String {
        keys([text])[0]
    }
}

extension PatchReader {
    /// The function around each line of `hunk`, found without relying on indentation
    /// (see `attribute(_:)` for how a definition's extent is read from a hunk).
    public static func functions(of hunk: Hunk) -> HunkFunctions {
        let sides = HunkSides(hunk)
        let owners = hunk.lines.enumerated().map { j, line in sides.owner(ofLine: j, kind: line.kind) }
        let oldNames = Set(sides.oldScan.definitions.compactMap(\.name))
        var added: [String] = []
        for def in sides.newScan.definitions {
            guard let name = def.name, !def.beginsAboveHunk, sides.newStream[def.startLine].kind == .added,
                  !oldNames.contains(name), !added.contains(name) else { continue }
            added.append(name)
        }
        return HunkFunctions(owners: owners, added: added)
    }
}
