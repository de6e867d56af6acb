// SPDX-License-Identifier: GPL-2.0-only

import Foundation

/// Mail and commit headers in front of a diff.
enum MailHeaders {
    struct Result: Equatable {
        var title: String?
        var author: String?
        /// Where the text after the headers begins (the commit message, if any).
        var bodyStart: Int?
    }

    private static let weekdays: Set<Substring> = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// An mbox message separator: "From <sender or sha> <weekday> <month> <day> <time> <year>",
    /// as `git format-patch` writes "From 1234abcd... Mon Sep 17 00:00:00 2001".
    static func isMboxSeparator(_ line: Substring) -> Bool {
        guard line.hasPrefix("From "), !line.hasPrefix("From: ") else { return false }
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 6 else { return false }
        let rest = fields.dropFirst(2)
        return rest.contains(where: { weekdays.contains($0) }) && rest.contains(where: isClockTime)
    }

    private static func isClockTime(_ field: Substring) -> Bool {
        let parts = field.split(separator: ":", omittingEmptySubsequences: false)
        return (parts.count == 2 || parts.count == 3)
            && parts.allSatisfy { $0.count >= 1 && $0.count <= 2 && $0.allSatisfy(\.isASCIIDigit) }
    }

    /// Reads the lines before the first diff line: mail headers (with or without the
    /// blank lines a web archive puts between them), an in-body `From:`/`Subject:`
    /// that overrides them, a git log "commit"/"Author:" block, or a first line that is
    /// a title on its own (an archive page begins with the subject).
    static func read(_ lines: ArraySlice<Substring>) -> Result {
        var result = Result()
        var i = lines.startIndex
        let end = lines.endIndex
        if i < end, isMboxSeparator(lines[i]) { i += 1 }
        var sawHeader = false
        var sawAnything = false
        var gitLog = false
        if i < end, isCommitLine(lines[i]) {
            gitLog = true
            i += 1
        }
        while i < end {
            let line = lines[i]
            if line.allSatisfy(\.isWhitespace) {
                i += 1
                if gitLog && sawHeader { break }
                continue
            }
            // Inside a header block, a field may follow its colon without a blank
            // ("ARC-Seal:i=1; ..." in a raw message).
            if let (name, firstValue) = header(line, bare: sawHeader) {
                var value = String(firstValue)
                i += 1
                while i < end, let first = lines[i].first, first == " " || first == "\t",
                      !lines[i].allSatisfy(\.isWhitespace) {
                    value += " " + lines[i].trimmingCharacters(in: .whitespaces)
                    i += 1
                }
                value = RFC2047.decode(value).trimmingCharacters(in: .whitespaces)
                switch name.lowercased() {
                case "subject": result.title = value.isEmpty ? nil : value
                case "from", "author": result.author = value.isEmpty ? nil : unquotingDisplayName(value)
                default: break
                }
                sawHeader = true
                sawAnything = true
                continue
            }
            if !sawAnything && !DiffSyntax.startsDiff(line) {
                result.title = line.trimmingCharacters(in: .whitespaces)
                sawAnything = true
                i += 1
                continue
            }
            break
        }
        if gitLog, result.title == nil, i < end {
            // git log -p: the message is indented by four spaces after the headers.
            let message = lines[i...].prefix { $0.hasPrefix("    ") || $0.isEmpty }
            if let first = message.first(where: { !$0.allSatisfy(\.isWhitespace) }) {
                result.title = first.trimmingCharacters(in: .whitespaces)
                i = message.firstIndex(of: first).map { $0 + 1 } ?? i
            }
        }
        result.bodyStart = i
        return result
    }

    /// The commit message in `lines` from `start`: up to a `---` line, blank lines at
    /// either end dropped, a git log's four-space indentation removed; nil when empty.
    static func message(_ lines: ArraySlice<Substring>, from start: Int) -> String? {
        guard start < lines.endIndex else { return nil }
        var body = Array(lines[max(start, lines.startIndex)...].prefix { $0.trimmingCharacters(in: .whitespaces) != "---" })
        if !body.isEmpty, body.allSatisfy({ $0.hasPrefix("    ") || $0.allSatisfy(\.isWhitespace) }) {
            body = body.map { $0.hasPrefix("    ") ? $0.dropFirst(4) : $0 }
        }
        while let first = body.first, first.allSatisfy(\.isWhitespace) { body.removeFirst() }
        while let last = body.last, last.allSatisfy(\.isWhitespace) { body.removeLast() }
        return body.isEmpty ? nil : body.joined(separator: "\n")
    }

    /// `"Tsirkin, Michael S." <mst@...>` becomes `Tsirkin, Michael S. <mst@...>`.
    static func unquotingDisplayName(_ value: String) -> String {
        guard value.first == "\"" else { return value }
        var name = ""
        var rest = value.dropFirst()
        while let c = rest.first {
            rest = rest.dropFirst()
            if c == "\\", let escaped = rest.first {
                name.append(escaped)
                rest = rest.dropFirst()
            } else if c == "\"" {
                return name + rest
            } else {
                name.append(c)
            }
        }
        return value
    }

    private static func isCommitLine(_ line: Substring) -> Bool {
        guard line.hasPrefix("commit ") else { return false }
        let sha = line.dropFirst(7).prefix { !$0.isWhitespace }
        return sha.count >= 7 && sha.allSatisfy(\.isHexDigit)
    }

    /// "Name: value" with an RFC 5322 field name.
    private static func header(_ line: Substring, bare: Bool = false) -> (Substring, Substring)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let name = line[..<colon]
        guard !name.isEmpty, name.count <= 40, let first = name.first, first.isLetter,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
            return nil
        }
        let after = line[line.index(after: colon)...]
        guard after.isEmpty || after.first == " " || after.first == "\t" || (bare && name.contains("-")) else { return nil }
        return (name, after.drop { $0 == " " || $0 == "\t" })
    }

    /// The title without leading "[PATCH v9 03/37]"-style tags and "Re:"/"Fwd:" prefixes.
    static func subject(fromTitle title: String) -> String? {
        var rest = Substring(title)
        while true {
            rest = rest.drop { $0.isWhitespace }
            if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                rest = rest[rest.index(after: close)...]
                continue
            }
            let lower = rest.prefix(4).lowercased()
            if lower.hasPrefix("re:") {
                rest = rest.dropFirst(3)
                continue
            }
            if lower.hasPrefix("fwd:") {
                rest = rest.dropFirst(4)
                continue
            }
            break
        }
        let subject = rest.trimmingCharacters(in: .whitespaces)
        return subject.isEmpty ? nil : subject
    }
}

/// MIME encoded words in headers: "=?UTF-8?q?J=C3=B6rg?=", "=?utf-8?B?...?=".
enum RFC2047 {
    /// The longest encoded word read (RFC 2047 allows 75 characters; mailers that
    /// ignore that stay far below this). A "=?" that does not close within it is text,
    /// so a header of many unclosed fragments costs its length times this at most.
    static let maximumWordLength = 1024

    static func decode(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        let bytes = Array(value.utf8)
        var out = ""
        var plainStart = 0
        var pendingSpace: Range<Int>?
        var lastWasEncoded = false
        var i = 0
        func flushPlain(upTo end: Int) {
            if plainStart < end { out += String(decoding: bytes[plainStart..<end], as: UTF8.self) }
        }
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "="), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "?"),
               let (decoded, end) = encodedWord(bytes, at: i) {
                // Whitespace between two encoded words is not part of the text.
                if lastWasEncoded, let space = pendingSpace, space.upperBound == i, plainStart == space.lowerBound {
                    plainStart = i
                }
                flushPlain(upTo: i)
                out += decoded
                lastWasEncoded = true
                pendingSpace = nil
                i = end
                plainStart = end
                continue
            }
            if bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") {
                let start = i
                while i < bytes.count, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") { i += 1 }
                pendingSpace = start..<i
                continue
            }
            lastWasEncoded = false
            pendingSpace = nil
            i += 1
        }
        flushPlain(upTo: bytes.count)
        return out
    }

    /// The text of the encoded word starting at `start` ("=?"), and the index after it.
    private static func encodedWord(_ bytes: [UInt8], at start: Int) -> (String, Int)? {
        let limit = min(bytes.count, start + maximumWordLength)
        func find(_ byte: UInt8, from: Int) -> Int? {
            var k = from
            while k < limit { if bytes[k] == byte { return k }; k += 1 }
            return nil
        }
        guard let q1 = find(UInt8(ascii: "?"), from: start + 2) else { return nil }
        guard let q2 = find(UInt8(ascii: "?"), from: q1 + 1) else { return nil }
        var close = q2 + 1
        while true {
            guard let q = find(UInt8(ascii: "?"), from: close), q + 1 < limit else { return nil }
            if bytes[q + 1] == UInt8(ascii: "=") { close = q; break }
            close = q + 1
        }
        let charset = String(decoding: bytes[(start + 2)..<q1], as: UTF8.self).lowercased()
        let encoding = String(decoding: bytes[(q1 + 1)..<q2], as: UTF8.self).lowercased()
        let payload = bytes[(q2 + 1)..<close]
        var decoded: [UInt8]
        switch encoding {
        case "q":
            decoded = []
            var it = payload
            while let b = it.popFirst() {
                if b == UInt8(ascii: "_") {
                    decoded.append(0x20)
                } else if b == UInt8(ascii: "="), it.count >= 2,
                          let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                    decoded.append(v)
                    it = it.dropFirst(2)
                } else {
                    decoded.append(b)
                }
            }
        case "b":
            guard let data = Data(base64Encoded: String(decoding: payload, as: UTF8.self)) else { return nil }
            decoded = Array(data)
        default:
            return nil
        }
        let text: String?
        switch charset.split(separator: "*").first.map(String.init) ?? charset {
        case "utf-8", "utf8", "us-ascii":
            text = TextDecoding.isValidUTF8(decoded) ? String(decoding: decoded, as: UTF8.self) : nil
        case "iso-8859-1", "latin1", "iso-8859-15":
            text = String(String.UnicodeScalarView(decoded.map { Unicode.Scalar($0) }))
        default:
            text = nil
        }
        guard let text else { return nil }
        return (text, close + 2)
    }
}
