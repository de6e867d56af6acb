// SPDX-License-Identifier: GPL-2.0-only
//
// MIME bodies of mail messages: a body sent as quoted-printable or base64
// (Content-Transfer-Encoding), and the text parts of a multipart message (a patch sent
// as an attachment, or beside an HTML part). The message's header block stays as it
// is; its body is replaced by the decoded text, so that the diff reader sees the patch
// as the sender wrote it.

import Foundation

enum MimeBody {
    /// The message with its body decoded, or nil when its headers declare nothing to
    /// decode (no message headers, 7bit or 8bit, a single text part).
    static func decode(_ lines: [Substring]) -> [Substring]? {
        guard let header = HeaderBlock(lines, from: lines.first.map(MailHeaders.isMboxSeparator) == true ? 1 : 0)
        else { return nil }
        let body = Array(lines[header.end...])
        guard let decoded = decodeEntity(header, body: body, depth: 0) else { return nil }
        return Array(lines[..<header.end]) + decoded
    }

    /// Multipart messages nest (a signed message holds a mixed one); deeper ones are
    /// left as they are.
    static let maximumDepth = 4

    private static func decodeEntity(_ header: HeaderBlock, body: [Substring], depth: Int) -> [Substring]? {
        let type = header.contentType
        if type.value.hasPrefix("multipart/"), let boundary = type.parameters["boundary"], depth < maximumDepth {
            var text: [Substring] = []
            var found = false
            for part in parts(of: body, boundary: boundary) {
                guard let partHeader = HeaderBlock(part, from: 0) else { continue }
                let partType = partHeader.contentType.value
                let partBody = Array(part[partHeader.end...])
                if partType.hasPrefix("multipart/") {
                    if let inner = decodeEntity(partHeader, body: partBody, depth: depth + 1) { text += inner; found = true }
                } else if partType.isEmpty || partType.hasPrefix("text/plain") || partType.hasPrefix("text/x-")
                            || partType == "application/octet-stream" && partHeader.namesPatchFile {
                    text += decodeEntity(partHeader, body: partBody, depth: depth + 1) ?? partBody
                    found = true
                }
            }
            return found ? text : nil
        }
        switch header.transferEncoding {
        case "quoted-printable": return lines(of: quotedPrintable(body), charset: type.parameters["charset"])
        case "base64": return base64(body).flatMap { lines(of: $0, charset: type.parameters["charset"]) }
        default: return nil
        }
    }

    /// The parts between `--boundary` lines, up to `--boundary--`.
    private static func parts(of body: [Substring], boundary: String) -> [[Substring]] {
        let open = "--" + boundary, close = "--" + boundary + "--"
        var parts: [[Substring]] = []
        var current: [Substring]?
        for line in body {
            let trimmed = line.trimmingTrailingWhitespace()
            if trimmed == close {
                if let c = current { parts.append(c) }
                return parts
            }
            if trimmed == open {
                if let c = current { parts.append(c) }
                current = []
                continue
            }
            current?.append(line)
        }
        if let c = current { parts.append(c) }
        return parts
    }

    /// RFC 2045 quoted-printable: `=XX` is a byte, `=` at the end of a line joins it to
    /// the next. A malformed escape stays as written.
    static func quotedPrintable(_ body: [Substring]) -> [UInt8] {
        var out: [UInt8] = []
        for (index, line) in body.enumerated() {
            var bytes = Array(line.utf8)
            while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
            var soft = false
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b == UInt8(ascii: "=") {
                    if i + 1 == bytes.count { soft = true; break }
                    if i + 2 < bytes.count, let high = hex(bytes[i + 1]), let low = hex(bytes[i + 2]) {
                        out.append(high << 4 | low)
                        i += 3
                        continue
                    }
                }
                out.append(b)
                i += 1
            }
            if !soft && index + 1 < body.count { out.append(0x0A) }
        }
        return out
    }

    /// RFC 2045 base64, line breaks and other characters outside the alphabet skipped.
    static func base64(_ body: [Substring]) -> [UInt8]? {
        var text = ""
        text.reserveCapacity(body.reduce(0) { $0 + $1.utf8.count })
        for line in body {
            for scalar in line.unicodeScalars where scalar.isASCII && (scalar.properties.isAlphabetic
                || ("0"..."9").contains(scalar) || scalar == "+" || scalar == "/" || scalar == "=") {
                text.unicodeScalars.append(scalar)
            }
        }
        guard let data = Data(base64Encoded: text) else { return nil }
        return [UInt8](data)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        default: nil
        }
    }

    /// Decoded bytes as lines: UTF-8, or Latin-1 when the part says so or is not UTF-8.
    private static func lines(of bytes: [UInt8], charset: String?) -> [Substring]? {
        let text: String
        if charset.map({ ["iso-8859-1", "latin1", "windows-1252"].contains($0) }) == true
            || !TextDecoding.isValidUTF8(bytes) {
            text = String(bytes.map { Character(Unicode.Scalar($0)) })
        } else {
            text = String(decoding: bytes, as: UTF8.self)
        }
        return TextDecoding.lines(of: text)
    }
}

/// The header block of a message or MIME part, folded lines joined.
private struct HeaderBlock {
    /// Index of the first body line.
    var end: Int
    var fields: [(name: String, value: String)]

    init?(_ lines: [Substring], from start: Int) {
        var fields: [(String, String)] = []
        var i = start
        while i < lines.count, !lines[i].allSatisfy({ $0 == " " || $0 == "\t" }) {
            let line = lines[i]
            if let first = line.first, first == " " || first == "\t" {
                guard !fields.isEmpty else { return nil }
                fields[fields.count - 1].1 += " " + line.trimmingCharacters(in: .whitespaces)
            } else {
                guard let colon = line.firstIndex(of: ":"), colon > line.startIndex,
                      !line[..<colon].contains(where: { $0 == " " || $0 == "\t" }) else { return nil }
                fields.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            i += 1
        }
        guard !fields.isEmpty, i < lines.count else { return nil }
        self.end = i + 1
        self.fields = fields
    }

    func value(_ name: String) -> String? { fields.first { $0.name == name }?.value }

    var transferEncoding: String { value("content-transfer-encoding")?.lowercased() ?? "" }

    /// `text/plain; charset="utf-8"` as its lower-cased type and its parameters.
    var contentType: (value: String, parameters: [String: String]) {
        guard let raw = value("content-type") else { return ("", [:]) }
        let pieces = raw.split(separator: ";")
        var parameters: [String: String] = [:]
        for piece in pieces.dropFirst() {
            guard let eq = piece.firstIndex(of: "=") else { continue }
            let key = piece[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = piece[piece.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            parameters[key] = key == "boundary" ? value : value.lowercased()
        }
        return (pieces.first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? "", parameters)
    }

    /// A part whose file name says it holds a patch.
    var namesPatchFile: Bool {
        let disposition = (value("content-disposition") ?? "") + " " + (value("content-type") ?? "")
        return disposition.lowercased().contains(".patch") || disposition.lowercased().contains(".diff")
    }
}

extension Substring {
    fileprivate func trimmingTrailingWhitespace() -> Substring {
        var s = self
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return s
    }
}
