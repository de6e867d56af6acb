// SPDX-License-Identifier: GPL-2.0-only
//
// Kernel-style indentation (tabs, eight columns) for a line whose own indentation a
// mail archive threw away, from the lines around it.

enum Indentation {
    /// The text for an added line: blank, as the patch indents it, or (when a mail
    /// archive lost its indentation) indented for its place after `previous`, taking the
    /// indentation of the first of `removed` (the lines it replaces) if there is one.
    static func added(_ text: String, replacing removed: inout [String], after previous: [String]) -> String {
        if text.trimmingCharacters(in: .whitespaces).isEmpty { return "" }
        if text.first == "\t" || text.hasPrefix("  ") { return text }
        let replaced = removed.isEmpty ? nil : removed.removeFirst()
        return indent(text.trimmingCharacters(in: .whitespaces), replacing: replaced, after: previous)
    }

    /// `text` indented for its place after `previous` (the new side so far). A line
    /// that replaces a removed one takes that line's indentation.
    static func indent(_ text: String, replacing removed: String?, after previous: [String]) -> String {
        if let removed { return leading(removed) + text }
        guard let prevIndex = previous.lastIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
        else { return text }
        let prev = previous[prevIndex]
        let prevText = prev.trimmingCharacters(in: .whitespaces)
        var base = leading(prev)

        // A comment's continuation lines line up one column in from its opening.
        if text.hasPrefix("*") && (prevText.hasPrefix("/*") || prevText.hasPrefix("*")) && !prevText.hasSuffix("*/") {
            return (prevText.hasPrefix("/*") ? base + " " : base) + text
        }
        // After a comment's closing line, code goes back to the comment's own level.
        if prevText.hasPrefix("*") && base.hasSuffix(" ") { base.removeLast() }
        // Continuation of an unclosed parenthesis: align after the opening one.
        if let column = openParenColumn(prev) {
            return columns(column) + text
        }
        if prevText.hasSuffix("{") {
            base += "\t"
        } else if isBodylessControl(prevText) {
            base += "\t"
        } else if prevIndex > 0, let before = previous[..<prevIndex].last(where: {
            !$0.trimmingCharacters(in: .whitespaces).isEmpty }),
            isBodylessControl(before.trimmingCharacters(in: .whitespaces)) {
            // The line after a one-statement body goes back to the control's level.
            base = leading(before)
        }
        if text.hasPrefix("}") && base.hasSuffix("\t") { base.removeLast() }
        return base + text
    }

    static func leading(_ line: String) -> String {
        String(line.prefix { $0 == " " || $0 == "\t" })
    }

    static func isBodylessControl(_ text: String) -> Bool {
        let heads = ["if (", "if(", "for (", "while (", "else if (", "} else if ("]
        let isControl = heads.contains { text.hasPrefix($0) } || text == "else" || text == "} else"
        return isControl && !text.hasSuffix(";") && !text.hasSuffix("{") && balanced(text)
    }

    static func balanced(_ text: String) -> Bool {
        var depth = 0
        for c in text { if c == "(" { depth += 1 } else if c == ")" { depth -= 1 } }
        return depth == 0
    }

    /// The display column just after the last unclosed '(' of `line`, if any.
    static func openParenColumn(_ line: String) -> Int? {
        var stack: [Int] = []
        var column = 0
        for c in line {
            if c == "\t" { column = (column / 8 + 1) * 8; continue }
            column += 1
            if c == "(" { stack.append(column) } else if c == ")" { _ = stack.popLast() }
        }
        return stack.last
    }

    /// Tabs then spaces reaching `column`.
    static func columns(_ column: Int) -> String {
        String(repeating: "\t", count: column / 8) + String(repeating: " ", count: column % 8)
    }
}
