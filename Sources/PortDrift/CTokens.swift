// SPDX-License-Identifier: GPL-2.0-only
//
// Just enough C for comparing function texts: conditional compilation resolved for a
// configuration, comments and white space dropped, the rest split into tokens.

import Foundation

enum CText {
    /// Keeps the lines a preprocessor would keep for `defined` (macros that are set;
    /// every other CONFIG_ or switch macro counts as unset). Understands #if/#ifdef/
    /// #ifndef/#elif/#else/#endif with `defined(X)`, `IS_ENABLED(X)`, a bare name, `!`,
    /// `&&`, `||`. Directive lines themselves are dropped.
    static func resolve(_ lines: [String], defined: Set<String>) -> [String] {
        kept(lines, defined: defined).map { lines[$0] }
    }

    /// The indices of the lines `resolve` keeps, in order.
    static func kept(_ lines: [String], defined: Set<String>) -> [Int] {
        var out: [Int] = []
        // Per nesting level: (this branch is live, some branch was taken, parent live).
        var stack: [(live: Bool, taken: Bool, parent: Bool)] = []
        var live: Bool { stack.last?.live ?? true }
        for (index, line) in lines.enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("#") else {
                if live { out.append(index) }
                continue
            }
            let d = t.dropFirst().trimmingCharacters(in: .whitespaces)
            func rest(_ keyword: String) -> String { String(d.dropFirst(keyword.count)).trimmingCharacters(in: .whitespaces) }
            if d.hasPrefix("ifdef") {
                let v = defined.contains(rest("ifdef")); stack.append((live && v, v, live))
            } else if d.hasPrefix("ifndef") {
                let v = !defined.contains(rest("ifndef")); stack.append((live && v, v, live))
            } else if d.hasPrefix("if") {
                let v = evaluate(rest("if"), defined); stack.append((live && v, v, live))
            } else if d.hasPrefix("elif"), let top = stack.popLast() {
                let v = !top.taken && evaluate(rest("elif"), defined)
                stack.append((top.parent && v, top.taken || v, top.parent))
            } else if d.hasPrefix("else"), let top = stack.popLast() {
                stack.append((top.parent && !top.taken, true, top.parent))
            } else if d.hasPrefix("endif") {
                _ = stack.popLast()
            } else if live {
                out.append(index)
            }
        }
        return out
    }

    static func evaluate(_ expression: String, _ defined: Set<String>) -> Bool {
        var e = expression
        if let comment = e.range(of: "/*") { e = String(e[..<comment.lowerBound]) }
        if let comment = e.range(of: "//") { e = String(e[..<comment.lowerBound]) }
        let ors = e.components(separatedBy: "||")
        return ors.contains { part in
            part.components(separatedBy: "&&").allSatisfy { term in
                var t = term.trimmingCharacters(in: .whitespaces)
                var negate = false
                while t.hasPrefix("!") { negate.toggle(); t = String(t.dropFirst()).trimmingCharacters(in: .whitespaces) }
                for wrapper in ["defined", "IS_ENABLED", "IS_BUILTIN"] where t.hasPrefix(wrapper) {
                    t = String(t.dropFirst(wrapper.count))
                }
                t = t.trimmingCharacters(in: CharacterSet(charactersIn: "() \t"))
                let value = t == "1" || defined.contains(t)
                return negate ? !value : value
            }
        }
    }

    static let punctuators = ["<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=",
                              "&&", "||", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "##"]

    /// The tokens of `text` with comments and white space removed.
    static func tokens(_ text: String) -> [String] {
        lexed(text).map(\.text)
    }

    /// The tokens of `text`, each with the 0-based line of `text` it starts on.
    static func lexed(_ text: String) -> [(text: String, line: Int)] {
        let s = Array(text.unicodeScalars)
        var out: [(text: String, line: Int)] = []
        var i = 0
        var line = 0
        func isIdent(_ c: Unicode.Scalar) -> Bool { c == "_" || CharacterSet.alphanumerics.contains(c) }
        func emit(_ range: Range<Int>) {
            out.append((String(String.UnicodeScalarView(s[range])), line))
        }
        while i < s.count {
            let c = s[i]
            if c == "\n" { line += 1; i += 1; continue }
            if CharacterSet.whitespacesAndNewlines.contains(c) { i += 1; continue }
            if c == "/" && i + 1 < s.count && s[i + 1] == "*" {
                i += 2
                while i + 1 < s.count && !(s[i] == "*" && s[i + 1] == "/") {
                    if s[i] == "\n" { line += 1 }
                    i += 1
                }
                i += 2; continue
            }
            if c == "/" && i + 1 < s.count && s[i + 1] == "/" {
                while i < s.count && s[i] != "\n" { i += 1 }
                continue
            }
            if c == "\"" || c == "'" {
                var j = i + 1
                while j < s.count && s[j] != c { if s[j] == "\\" { j += 1 }; j += 1 }
                emit(i ..< min(j, s.count - 1) + 1)
                i = j + 1; continue
            }
            if isIdent(c) {
                var j = i
                while j < s.count && (isIdent(s[j]) || (CharacterSet.decimalDigits.contains(s[i]) && s[j] == ".")) { j += 1 }
                emit(i ..< j)
                i = j; continue
            }
            var matched = false
            for p in punctuators where i + p.unicodeScalars.count <= s.count {
                if String(String.UnicodeScalarView(s[i ..< i + p.unicodeScalars.count])) == p {
                    emit(i ..< i + p.unicodeScalars.count); i += p.unicodeScalars.count; matched = true; break
                }
            }
            if !matched { emit(i ..< i + 1); i += 1 }
        }
        return out
    }

    /// The text of the definition of function `name` in `lines`: from the first line of
    /// its declaration (return type lines above the name included) to its closing brace
    /// at the start of a line. Nil when `lines` holds no definition of it.
    static func function(_ name: String, in lines: [String]) -> String? {
        functionRange(name, in: lines).map { lines[$0].joined(separator: "\n") }
    }

    /// The 0-based lines of that definition.
    static func functionRange(_ name: String, in lines: [String]) -> ClosedRange<Int>? {
        for (index, line) in lines.enumerated() {
            guard let first = line.unicodeScalars.first, !CharacterSet.whitespaces.contains(first),
                  line.range(of: "\\b\(NSRegularExpression.escapedPattern(for: name))\\(", options: .regularExpression) != nil,
                  !line.hasPrefix("#"), !line.hasPrefix("//"), !line.hasPrefix("/*"), !line.hasPrefix(" *")
            else { continue }
            // The body must open before any line ends the declaration with ';'.
            var open: Int?
            var j = index
            // A declaration's head spans a few lines; 64 bounds the search.
            while j < min(lines.count, index + 64) {
                let t = lines[j].trimmingCharacters(in: .whitespaces)
                if t == "{" || (j > index && lines[j].hasPrefix("{")) { open = j; break }
                if t.hasSuffix(";") { break }
                if j == index && t.hasSuffix("{") && t.contains(")") { open = j; break }
                j += 1
            }
            guard let openLine = open else { continue }
            // The first "}" line after the opening; none after it means none after
            // any later candidate either.
            guard let close = lines[(openLine + 1)...].firstIndex(of: "}") else { return nil }
            var start = index
            while start > 0 {
                let above = lines[start - 1]
                let t = above.trimmingCharacters(in: .whitespaces)
                guard !t.isEmpty, let c = above.unicodeScalars.first, !CharacterSet.whitespaces.contains(c),
                      !t.hasSuffix(";"), !t.hasSuffix("}"), !t.hasSuffix("*/"), !t.hasPrefix("#"),
                      !t.hasPrefix("/*"), !t.hasPrefix("*") else { break }
                start -= 1
            }
            return start ... close
        }
        return nil
    }

    /// The names of the functions defined in `lines` (a line at column 0 that holds
    /// `name(` and is followed by a body).
    static func definedFunctions(in lines: [String]) -> [String] {
        var names: [String] = []
        let pattern = try! NSRegularExpression(pattern: "([A-Za-z_][A-Za-z0-9_]*)\\(")
        for line in lines {
            guard let first = line.unicodeScalars.first, !CharacterSet.whitespaces.contains(first),
                  !line.hasPrefix("#"), !line.hasPrefix("/*"), !line.hasPrefix(" *"), !line.hasPrefix("}"),
                  !line.hasPrefix("{") else { continue }
            let range = NSRange(line.startIndex..., in: line)
            guard let m = pattern.firstMatch(in: line, range: range), let r = Range(m.range(at: 1), in: line) else { continue }
            let name = String(line[r])
            if ["if", "for", "while", "switch", "return", "sizeof", "PAGE_FLAG", "PAGE_FLAG_TEST",
                "PAGE_TYPE_OPS", "BPORT_DECLARE_VARIANT", "_Static_assert"].contains(name) { continue }
            if functionRange(name, in: lines) != nil && !names.contains(name) { names.append(name) }
        }
        return names
    }
}
