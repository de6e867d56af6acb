// SPDX-License-Identifier: GPL-2.0-only

import Foundation

/// Mail and commit headers in front of a diff.
enum MailHeaders {
    struct Result: Equatable {
        var title: String?
        var author: String?
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
            }
        }
        return result
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
    static func decode(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var out = ""
        var rest = Substring(value)
        var lastWasEncoded = false
        var pendingSpace = ""
        while !rest.isEmpty {
            if rest.hasPrefix("=?"), let (decoded, after) = encodedWord(rest) {
                // Whitespace between two encoded words is not part of the text.
                if !lastWasEncoded { out += pendingSpace }
                out += decoded
                pendingSpace = ""
                lastWasEncoded = true
                rest = after
                continue
            }
            let c = rest.removeFirst()
            if c == " " || c == "\t" {
                pendingSpace.append(c)
                continue
            }
            out += pendingSpace
            pendingSpace = ""
            out.append(c)
            lastWasEncoded = false
        }
        return out + pendingSpace
    }

    private static func encodedWord(_ s: Substring) -> (String, Substring)? {
        let parts = s.dropFirst(2)
        guard let q1 = parts.firstIndex(of: "?") else { return nil }
        let charset = parts[..<q1].lowercased()
        let afterCharset = parts[parts.index(after: q1)...]
        guard let q2 = afterCharset.firstIndex(of: "?") else { return nil }
        let encoding = afterCharset[..<q2].lowercased()
        let payloadStart = afterCharset.index(after: q2)
        guard let close = afterCharset[payloadStart...].range(of: "?=") else { return nil }
        let payload = afterCharset[payloadStart..<close.lowerBound]
        var bytes: [UInt8]
        switch encoding {
        case "q":
            bytes = []
            var it = Array(payload.utf8)[...]
            while let b = it.popFirst() {
                if b == UInt8(ascii: "_") {
                    bytes.append(0x20)
                } else if b == UInt8(ascii: "="), it.count >= 2,
                          let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                    bytes.append(v)
                    it = it.dropFirst(2)
                } else {
                    bytes.append(b)
                }
            }
        case "b":
            guard let data = Data(base64Encoded: String(payload)) else { return nil }
            bytes = Array(data)
        default:
            return nil
        }
        let text: String?
        switch charset.split(separator: "*").first.map(String.init) ?? charset {
        case "utf-8", "utf8", "us-ascii":
            text = TextDecoding.isValidUTF8(bytes) ? String(decoding: bytes, as: UTF8.self) : nil
        case "iso-8859-1", "latin1", "iso-8859-15":
            text = String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default:
            text = nil
        }
        guard let text else { return nil }
        return (text, afterCharset[close.upperBound...])
    }
}
