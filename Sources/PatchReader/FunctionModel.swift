// SPDX-License-Identifier: GPL-2.0-only

import Foundation

/// A C function prototype in one canonical spelling.
///
/// Types are spelled with single spaces and the pointer star on the name side
/// (`struct page *`, `char **`, `const char *const`); storage classes, function
/// specifiers and attribute annotations (`static`, `inline`, `__always_inline`,
/// `__init`, `__must_check`, ...) are kept in `specifiers`, not in `returnType`.
public struct Prototype: Equatable, Hashable, Sendable, Codable {
    public struct Parameter: Equatable, Hashable, Sendable, Codable {
        /// The type without the name: "struct page *", "int (*)(struct page *page)",
        /// "unsigned long [4]".
        public var type: String
        /// Nil for an unnamed parameter.
        public var name: String?

        public init(type: String, name: String?) {
            self.type = type
            self.name = name
        }

        /// The parameter as C: "struct page *page", "int (*fn)(void)", "int map[4]".
        public var rendered: String {
            guard let name else { return type }
            return Self.declare(name, in: type)
        }

        /// Places `name` into the declarator spelled by `type`.
        static func declare(_ name: String, in type: String) -> String {
            if let range = type.range(of: "(*)") {
                return type.replacingCharacters(in: range, with: "(*\(name))")
            }
            if let range = type.range(of: " [") {
                let head = String(type[..<range.lowerBound])
                let dimensions = String(type[range.lowerBound...].dropFirst())
                return (head.hasSuffix("*") ? head + name : head + " " + name) + dimensions
            }
            return type.hasSuffix("*") ? type + name : type + " " + name
        }
    }

    public var name: String
    /// "unsigned int", "struct page *", "void".
    public var returnType: String
    /// Empty for `(void)` and `()`.
    public var parameters: [Parameter]
    public var isVariadic: Bool
    /// In source order: "static", "inline", "__always_inline", "__init", ...
    public var specifiers: [String]
    /// The canonical C: "static inline unsigned int expand(struct zone *zone, ...)".
    public var rendered: String

    public init(name: String, returnType: String, parameters: [Parameter],
                isVariadic: Bool = false, specifiers: [String] = []) {
        self.name = name
        self.returnType = returnType
        self.parameters = parameters
        self.isVariadic = isVariadic
        self.specifiers = specifiers
        self.rendered = Self.render(name: name, returnType: returnType, parameters: parameters,
                                    isVariadic: isVariadic, specifiers: specifiers)
    }

    static func render(name: String, returnType: String, parameters: [Parameter],
                       isVariadic: Bool, specifiers: [String]) -> String {
        var list = parameters.map(\.rendered)
        if isVariadic { list.append("...") }
        let params = list.isEmpty ? "void" : list.joined(separator: ", ")
        let glue = returnType.hasSuffix("*") ? "" : " "
        let head = (specifiers + [returnType]).joined(separator: " ")
        return head + glue + name + "(" + params + ")"
    }
}

/// A C function whose body or prototype a patch changes.
public struct TouchedFunction: Equatable, Sendable, Codable {
    public enum Change: String, Codable, Sendable {
        /// The function exists before and after the patch.
        case modified
        /// The patch adds the whole definition.
        case added
        /// The patch removes the whole definition.
        case removed
    }

    /// Where a prototype was read from.
    public enum Basis: String, Codable, Sendable {
        /// The whole definition head is among the hunk's lines.
        case hunk
        /// The whole prototype is the hunk header's section text.
        case headerSection
        /// The header section joined with the hunk's first lines (its continuation, or
        /// the name line after a return-type line). This assumes no line lies between
        /// them; see `PatchReader.attribute(_:)` for the check made.
        case headerAndHunk
    }

    public var name: String
    public var file: String
    /// As the diff shows it before the patch; nil if the diff doesn't show all of it.
    public var before: Prototype?
    /// As the diff shows it after the patch.
    public var after: Prototype?
    /// Both prototypes are known and differ.
    public var prototypeChanged: Bool
    /// Indices of hunks that change this function's body or prototype.
    public var hunks: [Int]
    /// One line per finding, e.g. "hunk 3: definition in hunk at line 3".
    public var evidence: [String]
    public var change: Change
    public var beforeBasis: Basis?
    public var afterBasis: Basis?

    public init(name: String, file: String, before: Prototype? = nil, after: Prototype? = nil,
                hunks: [Int], evidence: [String] = [], change: Change = .modified,
                beforeBasis: Basis? = nil, afterBasis: Basis? = nil) {
        self.name = name
        self.file = file
        self.before = before
        self.after = after
        self.prototypeChanged = before != nil && after != nil && before != after
        self.hunks = hunks
        self.evidence = evidence
        self.change = change
        self.beforeBasis = beforeBasis
        self.afterBasis = afterBasis
    }
}

/// The lines of one hunk that lie in one function, as offsets into each side of the
/// hunk: the old side is its context and removed lines in order, the new side its
/// context and added lines.
public struct OwnedLines: Equatable, Sendable, Codable {
    public var function: String
    public var file: String
    public var hunk: Int
    public var old: [Int]
    public var new: [Int]

    public init(function: String, file: String, hunk: Int, old: [Int] = [], new: [Int] = []) {
        self.function = function
        self.file = file
        self.hunk = hunk
        self.old = old
        self.new = new
    }
}

/// Changed code the reader could not place in a named function.
public struct UnattributedChange: Equatable, Sendable, Codable {
    public enum Reason: String, Codable, Sendable {
        /// Outside every function: a global, a declaration, a macro, an include.
        case outsideFunction
        /// Inside a function whose name neither the hunk nor its header shows.
        case unnamedFunction
    }

    public var file: String
    public var hunk: Int
    /// 1-based positions in the hunk's `lines`.
    public var lines: [Int]
    public var reason: Reason

    public init(file: String, hunk: Int, lines: [Int], reason: Reason) {
        self.file = file
        self.hunk = hunk
        self.lines = lines
        self.reason = reason
    }
}

/// Everything `PatchReader.attribute(_:)` found in one patch.
public struct Attribution: Equatable, Sendable, Codable {
    public var functions: [TouchedFunction]
    public var unattributed: [UnattributedChange]
    /// For each touched function and each of its hunks, the lines that lie in it.
    public var ownedLines: [OwnedLines]

    public init(functions: [TouchedFunction], unattributed: [UnattributedChange],
                ownedLines: [OwnedLines] = []) {
        self.functions = functions
        self.unattributed = unattributed
        self.ownedLines = ownedLines
    }
}
