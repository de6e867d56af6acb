// SPDX-License-Identifier: GPL-2.0-only
//
// The command line's contract for failures: every usage or input error is one line on
// standard error, `verify-patch: WHAT: problem`, with nothing on standard output, and
// the exit status says which kind of failure it was. Paths are quoted when they hold
// anything that would break the line.

import ArgumentParser
import Foundation

/// The exit statuses the README documents.
enum ExitStatus: Int32 {
    /// Every object checked carries the patch; the command did what it was asked.
    case success = 0
    /// A check came out negative: an object lacks the patch, a difference was found, a
    /// kernel check fired. Never used for bad input.
    case checkFailed = 1
    /// Bad input or usage.
    case badInput = 2

    var exitCode: ExitCode { ExitCode(rawValue) }
}

/// A problem with an input file or directory: exit 2, one line naming it.
struct InputError: Error, CustomStringConvertible {
    var path: String
    var problem: String
    var description: String { "\(ErrorLine.quote(path)): \(problem)" }
}

/// A problem with the command line itself (an option's value, a missing argument):
/// exit 2, one line naming the option. Thrown from `validate()`.
struct UsageError: Error, CustomStringConvertible {
    var what: String
    var problem: String
    init(_ what: String, _ problem: String) {
        self.what = what
        self.problem = problem
    }
    var description: String { "\(what): \(problem)" }
}

enum ErrorLine {
    /// `path` as it can stand in one line: unchanged when it is plain, else in double
    /// quotes with C escapes (`\n`, `\t`, `\"`, `\\`, `\ooo`), as git quotes paths.
    static func quote(_ path: String) -> String {
        let needsQuotes = path.isEmpty || path.unicodeScalars.contains { s in
            s.value < 0x20 || s.value == 0x7f || s == "\"" || s == "\\" || (0x80...0x9f).contains(s.value)
                || s == "\u{2028}" || s == "\u{2029}"
        } || path.first == " " || path.last == " "
        guard needsQuotes else { return path }
        return "\"" + escaped(path, quote: true) + "\""
    }

    /// Control characters (line breaks above all) written as C escapes, so that any
    /// text stays on one line.
    static func escaped(_ text: String, quote: Bool = false) -> String {
        var out = ""
        for s in text.unicodeScalars {
            switch s {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\"" where quote: out += "\\\""
            case "\\" where quote: out += "\\\\"
            case "\u{2028}", "\u{2029}": out += "\\u{\(String(s.value, radix: 16))}"
            default:
                if s.value < 0x20 || s.value == 0x7f || (0x80...0x9f).contains(s.value) {
                    for byte in String(s).utf8 { out += "\\" + String(byte, radix: 8).leftPadded(to: 3) }
                } else {
                    out.unicodeScalars.append(s)
                }
            }
        }
        return out
    }

    /// The one line printed for `message` ("WHAT: problem"), newline included.
    static func render(_ message: String) -> String {
        "verify-patch: \(escaped(message))\n"
    }

    /// A usage error as ArgumentParser words it, as "WHAT: problem": the option or
    /// argument it names, and the rest in lower case; the first line only (the others
    /// repeat the help).
    static func usageMessage(_ parserMessage: String, command: String) -> String {
        let first = parserMessage.split(separator: "\n").first.map(String.init) ?? parserMessage
        var line = first.trimmingCharacters(in: .whitespaces)
        if line.hasPrefix("Error: ") { line = String(line.dropFirst(7)) }
        // "The value 'x' is invalid for '--seed <seed>': reason"
        if let match = line.wholeMatch(of: /The value '(.*)' is invalid for '([^' ]+)(?: <[^>]*>)?'(?:: (.*))?/) {
            let option = String(match.2).replacingOccurrences(of: "<", with: "").replacingOccurrences(of: ">", with: "")
            let reason = match.3.map { ": \($0)" } ?? ""
            return "\(option): '\(match.1)' is invalid\(reason)"
        }
        if let match = line.wholeMatch(of: /The value '(.*)' is invalid for '([^' ]+)(?: <[^>]*>)?'(.*)/) {
            let option = String(match.2).replacingOccurrences(of: "<", with: "").replacingOccurrences(of: ">", with: "")
            var rest = String(match.3).trimmingCharacters(in: .whitespaces)
            if rest.hasPrefix(".") { rest = String(rest.dropFirst()).trimmingCharacters(in: .whitespaces) }
            return "\(option): '\(match.1)' is invalid" + (rest.isEmpty ? "" : "; " + lowered(rest))
        }
        if let match = line.wholeMatch(of: /Missing expected argument '([^']+)'/) {
            // "--patch <patch>", "<objects> ...": the option, or the argument's name.
            var name = String(match.1)
            if name.hasPrefix("-"), let space = name.firstIndex(of: " ") { name = String(name[..<space]) }
            name = name.replacingOccurrences(of: " ...", with: "").replacingOccurrences(of: "<", with: "")
                .replacingOccurrences(of: ">", with: "")
            return "\(name): missing"
        }
        if let match = line.wholeMatch(of: /Missing value for '([^' ]+)(?: <[^>]*>)?'/) {
            return "\(match.1): a value is missing"
        }
        if let match = line.wholeMatch(of: /Unknown option '([^']+)'(.*)/) {
            return "\(match.1): unknown option\(lowered(String(match.2)).replacingOccurrences(of: ". did you", with: "; did you"))"
        }
        if let match = line.wholeMatch(of: /Unexpected arguments? (.*)/) {
            return "\(command): unexpected argument \(match.1)"
        }
        if line.contains(": ") && (line.hasPrefix("-") || line.hasPrefix(command + ":")) { return line }
        return "\(command): \(lowered(line))"
    }

    private static func lowered(_ text: String) -> String {
        guard let first = text.first, first.isUppercase,
              text.dropFirst().first.map({ !$0.isUppercase }) ?? true else { return text }
        return first.lowercased() + text.dropFirst()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
