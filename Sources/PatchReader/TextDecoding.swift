// SPDX-License-Identifier: GPL-2.0-only

import Foundation

/// Turns input bytes into text: refuses empty, binary and undecodable input, accepts
/// UTF-8 (with or without BOM), UTF-16 with a BOM, and Latin-1 that is plainly text,
/// and normalises CRLF line ends to LF (CRs that end the input go too).
enum TextDecoding {
    static func decode(_ bytes: [UInt8]) throws(PatchReadError) -> String {
        if bytes.isEmpty { throw .empty }
        var bytes = bytes
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            guard let text = String(data: Data(bytes), encoding: .utf16) else { throw .encoding }
            bytes = Array(text.utf8)
        }
        if let nul = bytes.firstIndex(of: 0) { throw .binary(offset: nul) }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        bytes = withoutCarriageReturnsBeforeNewlines(bytes)
        if bytes.allSatisfy(isASCIIWhitespace) { throw .empty }

        if isValidUTF8(bytes) {
            return String(decoding: bytes, as: UTF8.self)
        }
        if bytes.allSatisfy(isLatin1Text) {
            var scalars = String.UnicodeScalarView()
            scalars.reserveCapacity(bytes.count)
            for byte in bytes { scalars.append(Unicode.Scalar(byte)) }
            return String(scalars)
        }
        throw .encoding
    }

    static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C || byte == 0x0B
    }

    /// Printable Latin-1 and the usual text controls; C0 and C1 controls make the
    /// input something other than Latin-1 text.
    static func isLatin1Text(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x09, 0x0A, 0x0C, 0x0D, 0x20...0x7E, 0xA0...0xFF: true
        default: false
        }
    }

    /// Drops every CR that ends a line: a run of CRs before an LF or at the end of the
    /// input (a CRLF mail of a file with CRLF lines ends them with CR CR LF). No line
    /// read ends with a CR, so a patch's canonical text reads back to the same lines.
    static func withoutCarriageReturnsBeforeNewlines(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(0x0D) else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0D {
                var end = i
                while end < bytes.count, bytes[end] == 0x0D { end += 1 }
                if end < bytes.count && bytes[end] != 0x0A { out.append(contentsOf: bytes[i..<end]) }
                i = end
                continue
            }
            out.append(bytes[i])
            i += 1
        }
        return out
    }

    /// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: return false
            }
            guard i + length <= n else { return false }
            let b1 = bytes[i + 1]
            guard b1 >= low && b1 <= high else { return false }
            for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 {
                return false
            }
            i += length
        }
        return true
    }

    /// Splits on LF; a final LF does not start another line.
    static func lines(of text: String) -> [Substring] {
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { Substring($0) }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }
}

/// Undoes the HTML escaping of a web mail archive.
enum HTMLEntities {
    /// The text is HTML-escaped when it holds an entity, every `&` starts one, and no
    /// raw `<` is left (an escaper must escape both).
    static func looksEscaped<C: Collection>(_ lines: C) -> Bool where C.Element == Substring {
        var found = false
        for line in lines {
            let bytes = Array(line.utf8)
            var i = 0
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "<"):
                    return false
                case UInt8(ascii: "&"):
                    guard let end = entityEnd(bytes, from: i) else { return false }
                    found = true
                    i = end
                default:
                    i += 1
                }
            }
        }
        return found
    }

    /// The index after the `;` of a syntactically valid entity starting at `start`.
    private static func entityEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var i = start + 1
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: "#") {
            i += 1
            var hex = false
            if i < bytes.count, bytes[i] == UInt8(ascii: "x") || bytes[i] == UInt8(ascii: "X") {
                hex = true
                i += 1
            }
            let digitsStart = i
            while i < bytes.count, isDigit(bytes[i], hex: hex) { i += 1 }
            guard i > digitsStart, i - digitsStart <= 8, i < bytes.count,
                  bytes[i] == UInt8(ascii: ";") else { return nil }
            return i + 1
        }
        let nameStart = i
        while i < bytes.count, isLetter(bytes[i]) || (i > nameStart && isDigit(bytes[i], hex: false)) {
            i += 1
        }
        guard i > nameStart, i - nameStart <= 10, i < bytes.count, bytes[i] == UInt8(ascii: ";") else {
            return nil
        }
        return i + 1
    }

    private static func isLetter(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
    }

    private static func isDigit(_ b: UInt8, hex: Bool) -> Bool {
        if b >= 0x30 && b <= 0x39 { return true }
        guard hex else { return false }
        return (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
    }

    private static let named: [String: String] = [
        "lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'", "nbsp": "\u{00A0}",
    ]

    /// The scalar a numeric entity stands for, unless it cannot stand inside a line:
    /// NUL (the input would be binary), LF and CR (line ends, already split on).
    private static func lineScalar(_ value: UInt32) -> Unicode.Scalar? {
        guard value != 0x00, value != 0x0A, value != 0x0D else { return nil }
        return Unicode.Scalar(value)
    }

    /// Replaces `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;`, `&nbsp;` and numeric
    /// entities; unknown named entities, and numeric ones for NUL, LF and CR, are left
    /// as they are.
    static func decode(_ line: Substring) -> String {
        guard line.utf8.contains(UInt8(ascii: "&")) else { return String(line) }
        let bytes = Array(line.utf8)
        var out = ""
        var plainStart = 0
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "&"), let end = entityEnd(bytes, from: i) else {
                i += 1
                continue
            }
            let body = String(decoding: bytes[(i + 1)..<(end - 1)], as: UTF8.self)
            let replacement: String?
            if body.hasPrefix("#x") || body.hasPrefix("#X") {
                replacement = UInt32(body.dropFirst(2), radix: 16).flatMap(lineScalar).map { String($0) }
            } else if body.hasPrefix("#") {
                replacement = UInt32(body.dropFirst()).flatMap(lineScalar).map { String($0) }
            } else {
                replacement = named[body]
            }
            if let replacement {
                out += String(decoding: bytes[plainStart..<i], as: UTF8.self)
                out += replacement
                plainStart = end
            }
            i = end
        }
        out += String(decoding: bytes[plainStart...], as: UTF8.self)
        return out
    }
}
