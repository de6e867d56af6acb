// SPDX-License-Identifier: GPL-2.0-only

/// One C token of a line.
struct CToken: Equatable {
    enum Kind: Equatable {
        case identifier, number, string, character, punctuation
    }

    var kind: Kind
    var text: String
    /// Position of the line in the stream being scanned.
    var line: Int
    /// 1-based byte column of the token's first character (a tab counts one), as
    /// compilers write DW_AT_call_column and line-table columns.
    var column: Int = 0

    var isIdentifier: Bool { kind == .identifier }
}

/// What lexing one line found.
struct LexedLine {
    var tokens: [CToken] = []
    /// A `#` directive (or its continuation); its tokens are dropped from `tokens` and
    /// kept in `directiveTokens`.
    var isPreprocessor = false
    var directiveTokens: [CToken] = []
    /// A `*/` appeared while no comment was open: the line (and what came before it in
    /// the stream) was inside a comment that began above the hunk. `tokens` holds only
    /// what follows the `*/`.
    var closedUnopenedComment = false
    /// Nothing but whitespace.
    var isBlank = true
    /// Only comment text (and whitespace).
    var isCommentOnly: Bool { !isBlank && tokens.isEmpty && !isPreprocessor }
}

/// A line-at-a-time C lexer that keeps comment and directive state between lines.
/// It knows enough C to find declarations and braces: identifiers, numbers, string and
/// character literals, comments, directives, and punctuation (`...` and `->` as one
/// token, everything else one character per token).
struct CLexer {
    /// Tokens read from one line; the rest of a longer line is not read as C. A line
    /// of kernel C has a few dozen; a 60 MiB line of punctuation would otherwise take
    /// gigabytes as tokens.
    static let maximumTokensPerLine = 1 << 16

    var inBlockComment = false
    var inDirectiveContinuation = false

    mutating func lex(_ text: Substring, line: Int) -> LexedLine {
        var out = LexedLine()
        let bytes = Array(text.utf8)
        let n = bytes.count
        var i = 0
        out.isBlank = bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0C || $0 == 0x0B }
        if out.isBlank {
            if inDirectiveContinuation { inDirectiveContinuation = false }
            return out
        }

        var directive = inDirectiveContinuation
        if !inBlockComment && !directive {
            var k = 0
            while k < n, bytes[k] == 0x20 || bytes[k] == 0x09 { k += 1 }
            if k < n, bytes[k] == UInt8(ascii: "#") { directive = true }
        }

        while i < n {
            if out.tokens.count >= Self.maximumTokensPerLine { break }
            let b = bytes[i]
            if inBlockComment {
                if b == UInt8(ascii: "*"), i + 1 < n, bytes[i + 1] == UInt8(ascii: "/") {
                    inBlockComment = false
                    i += 2
                } else {
                    i += 1
                }
                continue
            }
            switch b {
            case 0x20, 0x09, 0x0B, 0x0C:
                i += 1
            case UInt8(ascii: "/") where i + 1 < n && bytes[i + 1] == UInt8(ascii: "*"):
                inBlockComment = true
                i += 2
            case UInt8(ascii: "/") where i + 1 < n && bytes[i + 1] == UInt8(ascii: "/"):
                i = n
            case UInt8(ascii: "*") where i + 1 < n && bytes[i + 1] == UInt8(ascii: "/"):
                out.closedUnopenedComment = true
                out.tokens.removeAll()
                directive = false
                i += 2
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let quote = b
                var k = i + 1
                while k < n, bytes[k] != quote {
                    k += bytes[k] == UInt8(ascii: "\\") ? 2 : 1
                }
                let end = min(k + 1, n)
                out.tokens.append(CToken(kind: quote == UInt8(ascii: "\"") ? .string : .character,
                                         text: String(decoding: bytes[i..<end], as: UTF8.self), line: line, column: i + 1))
                i = end
            default:
                if Self.isIdentifierStart(b) {
                    var k = i + 1
                    while k < n, Self.isIdentifierPart(bytes[k]) { k += 1 }
                    out.tokens.append(CToken(kind: .identifier,
                                             text: String(decoding: bytes[i..<k], as: UTF8.self), line: line, column: i + 1))
                    i = k
                } else if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
                            || (b == UInt8(ascii: ".") && i + 1 < n && bytes[i + 1] >= 0x30 && bytes[i + 1] <= 0x39) {
                    var k = i + 1
                    while k < n, Self.isIdentifierPart(bytes[k]) || bytes[k] == UInt8(ascii: ".") { k += 1 }
                    out.tokens.append(CToken(kind: .number,
                                             text: String(decoding: bytes[i..<k], as: UTF8.self), line: line, column: i + 1))
                    i = k
                } else if b == UInt8(ascii: "."), i + 2 < n, bytes[i + 1] == b, bytes[i + 2] == b {
                    out.tokens.append(CToken(kind: .punctuation, text: "...", line: line, column: i + 1))
                    i += 3
                } else if b == UInt8(ascii: "-"), i + 1 < n, bytes[i + 1] == UInt8(ascii: ">") {
                    out.tokens.append(CToken(kind: .punctuation, text: "->", line: line, column: i + 1))
                    i += 2
                } else if b < 0x80 {
                    out.tokens.append(CToken(kind: .punctuation, text: String(UnicodeScalar(b)), line: line, column: i + 1))
                    i += 1
                } else {
                    // Non-ASCII outside comments and literals: not C, skip it.
                    i += 1
                }
            }
        }

        if directive {
            out.isPreprocessor = true
            out.directiveTokens = out.tokens
            out.tokens.removeAll()
            inDirectiveContinuation = bytes.last == UInt8(ascii: "\\")
        } else {
            inDirectiveContinuation = false
        }
        return out
    }

    static func isIdentifierStart(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: "$")
    }

    static func isIdentifierPart(_ b: UInt8) -> Bool {
        isIdentifierStart(b) || (b >= 0x30 && b <= 0x39)
    }

    /// Lexes a single line of C with fresh state.
    static func tokens(of text: String) -> [CToken] {
        var lexer = CLexer()
        return lexer.lex(Substring(text), line: 0).tokens
    }
}

extension Character {
    /// 0-9 only.
    var isASCIIDigit: Bool { isASCII && isNumber }
}
