// SPDX-License-Identifier: GPL-2.0-only
//
// What applying a patch series to the port gives: the variant's text, where each of its
// lines came from, and what became of each hunk.

import PortDrift

/// Where a line of a variant came from.
public enum LineOrigin: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// That line of the baseline port file (1-based).
    case baseline(line: Int)
    /// Added by hunk `hunk` of the series' patch `patch` (both 1-based): its line `line`,
    /// a 1-based position in the hunk's `lines`.
    case patch(patch: Int, hunk: Int, line: Int)

    public var description: String {
        switch self {
        case .baseline(let line): "baseline line \(line)"
        case .patch(let p, let h, let l): "patch \(p), hunk \(h), hunk line \(l)"
        }
    }
}

/// The ported part of one hunk, once the whole series is applied.
public struct AppliedPart: Sendable, Equatable, Codable {
    public var portFile: String
    /// The functions it changes (or adds), in the order the hunk shows them.
    public var functions: [String]
    /// The baseline port lines its old side covers; nil when none of them is a
    /// baseline line (they came from earlier patches of the series, or the part was
    /// already applied).
    public var baselineLines: ClosedRange<Int>?
    /// The variant lines its new side covers; nil when later patches removed them all.
    public var variantLines: ClosedRange<Int>?
    /// The variant lines it added (for a part found already applied: the lines that hold
    /// its added code).
    public var addedLines: [Int]

    public init(portFile: String, functions: [String], baselineLines: ClosedRange<Int>?,
                variantLines: ClosedRange<Int>?, addedLines: [Int]) {
        self.portFile = portFile
        self.functions = functions
        self.baselineLines = baselineLines
        self.variantLines = variantLines
        self.addedLines = addedLines
    }
}

/// Changed lines of a hunk that the port does not carry.
public struct UnmodelledChange: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Reason: String, Sendable, Codable {
        /// A function the port does not carry.
        case functionNotInPort
        /// A kernel file no port file carries functions from.
        case fileNotInPort
        /// Outside every ported function (a declaration, or a new function between
        /// code the port does not carry), and its context is not in the port.
        case contextNotInPort
    }

    /// The function the lines belong to, nil outside any function.
    public var function: String?
    /// 1-based positions in the hunk's `lines` of the changed lines concerned.
    public var lines: [Int]
    public var reason: Reason

    public init(function: String?, lines: [Int], reason: Reason) {
        self.function = function
        self.lines = lines
        self.reason = reason
    }

    public var description: String {
        let which = lines.count == 1 ? "hunk line \(lines[0])" : "hunk lines \(Self.spans(lines))"
        switch reason {
        case .functionNotInPort: return "\(which): \(function ?? "?") is not in the port"
        case .fileNotInPort: return "\(which): the file is not in the port"
        case .contextNotInPort:
            return "\(which): \(function.map { "\($0), " } ?? "")outside the ported functions, context not in the port"
        }
    }

    /// "3-5, 9".
    static func spans(_ lines: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < lines.count {
            var j = i
            while j + 1 < lines.count && lines[j + 1] == lines[j] + 1 { j += 1 }
            parts.append(i == j ? "\(lines[i])" : "\(lines[i])-\(lines[j])")
            i = j + 1
        }
        return parts.joined(separator: ", ")
    }
}

/// What became of one hunk.
public struct PortHunkOutcome: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case applied, partlyApplied, notModelled, alreadyApplied
    }

    /// `Hunk.index`: 1-based across the patch's files.
    public var hunk: Int
    public var kernelFile: String
    public var parts: [AppliedPart]
    public var notModelled: [UnmodelledChange]
    /// Its ported parts were in the port before the patch was applied.
    public var alreadyApplied: Bool

    public init(hunk: Int, kernelFile: String, parts: [AppliedPart], notModelled: [UnmodelledChange],
                alreadyApplied: Bool) {
        self.hunk = hunk
        self.kernelFile = kernelFile
        self.parts = parts
        self.notModelled = notModelled
        self.alreadyApplied = alreadyApplied
    }

    public var state: State {
        if parts.isEmpty { return .notModelled }
        if alreadyApplied { return .alreadyApplied }
        return notModelled.isEmpty ? .applied : .partlyApplied
    }
}

/// What became of one patch of the series.
public struct PortPatchOutcome: Sendable, Equatable, Codable {
    /// 1-based position in the series.
    public var patch: Int
    public var title: String?
    /// Every ported hunk of it was already in the port: nothing was changed.
    public var alreadyApplied: Bool
    public var hunks: [PortHunkOutcome]

    public init(patch: Int, title: String?, alreadyApplied: Bool, hunks: [PortHunkOutcome]) {
        self.patch = patch
        self.title = title
        self.alreadyApplied = alreadyApplied
        self.hunks = hunks
    }
}

/// The baseline port with a series of patches applied.
public struct PortVariant: Sendable, Equatable, Codable {
    public var text: PortText
    /// Per line of each file the series changed; every other file is the baseline's.
    public var origins: [String: [LineOrigin]]
    public var patches: [PortPatchOutcome]

    public init(text: PortText, origins: [String: [LineOrigin]], patches: [PortPatchOutcome]) {
        self.text = text
        self.origins = origins
        self.patches = patches
    }

    /// Where line `line` (1-based) of `file` came from; nil when the variant has no
    /// such line.
    public func origin(file: String, line: Int) -> LineOrigin? {
        if let lines = origins[file] { return lines.indices.contains(line - 1) ? lines[line - 1] : nil }
        guard let count = text.lines(of: file)?.count, line >= 1, line <= count else { return nil }
        return .baseline(line: line)
    }
}

/// Why a patch series was not applied: nothing of it was.
public struct PortApplyError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// The old side's code is not within the functions it changes; `line` is the
        /// first of its lines that is not where the lines before it are.
        case contextNotFound(portFile: String, functions: [String], line: String)
        /// The old side's code is found at each of these port lines.
        case ambiguous(portFile: String, functions: [String], lines: [Int])
        /// The old side holds no line of code to place it by.
        case noContext(portFile: String, functions: [String])
        /// It lands on the lines of another hunk of the same patch.
        case overlapping(portFile: String, otherHunk: Int)
        /// Other hunks of the patch are already in the port, this one is not.
        case partlyApplied(alreadyApplied: [Int])
        case unsupported(String)
    }

    /// 1-based position in the series.
    public var patch: Int
    public var title: String?
    public var hunk: Int
    public var kernelFile: String
    public var reason: Reason

    public init(patch: Int, title: String?, hunk: Int, kernelFile: String, reason: Reason) {
        self.patch = patch
        self.title = title
        self.hunk = hunk
        self.kernelFile = kernelFile
        self.reason = reason
    }

    public var description: String {
        let name = "patch \(patch)" + (title.map { " (\"\($0)\")" } ?? "")
        let within: ([String]) -> String = { $0.isEmpty ? "" : " within " + $0.joined(separator: ", ") }
        let why: String
        switch reason {
        case .contextNotFound(let file, let functions, let first):
            why = "its context is not in \(file)\(within(functions)) (line not found: \"\(first)\")"
        case .ambiguous(let file, let functions, let lines):
            why = "its context matches \(file)\(within(functions)) at lines "
                + lines.map(String.init).joined(separator: ", ") + "; refusing to guess"
        case .noContext(let file, let functions):
            why = "no line of code on its old side to place it by in \(file)\(within(functions))"
        case .overlapping(let file, let other):
            why = "it overlaps hunk \(other) in \(file)"
        case .partlyApplied(let hunks):
            why = "hunk\(hunks.count == 1 ? "" : "s") \(hunks.map(String.init).joined(separator: ", ")) "
                + "\(hunks.count == 1 ? "is" : "are") already in the port and this one is not"
        case .unsupported(let what):
            why = what
        }
        return "\(name), hunk \(hunk) (\(kernelFile)): \(why); nothing applied"
    }
}
