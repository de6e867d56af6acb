// SPDX-License-Identifier: GPL-2.0-only
//
// What a patch leads one to expect in a built object, per touched function: the
// prototype before and after, the local variables its hunks declare or remove, and the
// C facts of each of its lines in each hunk (what `BodyEvidence` looks for in the
// object's DWARF).

import Foundation
import PatchReader

/// A local variable a hunk declares (added line) or removes (removed line).
public struct LocalDeclaration: Hashable, Sendable, Codable, CustomStringConvertible {
    public var type: String
    public var name: String
    public var hunk: Int

    public init(type: String, name: String, hunk: Int) {
        self.type = type
        self.name = name
        self.hunk = hunk
    }

    public var description: String { type.hasSuffix("*") ? type + name : "\(type) \(name)" }
}

/// The lines of one hunk that lie in one function, with their C facts.
public struct HunkExpectation: Sendable, Codable, Equatable {
    public var hunk: Int
    /// The function's lines on the old side (context and removed), by offset.
    public var old: [LineFacts]
    /// The function's lines on the new side (context and added), by offset.
    public var new: [LineFacts]
    /// Each context line's offsets on the old and the new side.
    public var context: [ContextPair]
    /// How many lines each side of the whole hunk has.
    public var oldCount: Int
    public var newCount: Int
    /// The text of each side's lines, for evidence.
    public var oldText: [String]
    public var newText: [String]
    /// Whether the lines' columns are the source file's: the patch was not read as a
    /// mail-archive rendering and every indented code line of the hunk starts with a
    /// tab, as kernel code does (a mail client that turned tabs into spaces moved
    /// every column).
    public var columns: Bool

    public struct ContextPair: Sendable, Codable, Equatable {
        public var old: Int
        public var new: Int
    }
}

/// What one touched function should look like before and after the patch.
public struct FunctionExpectation: Sendable, Codable, Equatable {
    public var name: String
    public var file: String
    public var hunks: [Int]
    public var before: Prototype?
    public var after: Prototype?
    public var prototypeChanged: Bool
    public var addedLocals: [LocalDeclaration]
    public var removedLocals: [LocalDeclaration]
    /// Whether the patch adds or removes the whole definition.
    public var change: TouchedFunction.Change
    /// The function's part of each of its hunks, line by line.
    public var hunkFacts: [HunkExpectation]

    /// The patch adds a line that opens this function's definition, and no line of the
    /// old side of its hunks opens it: the name is defined only after the patch (a
    /// renamed head).
    public var definesOnlyAfter: Bool {
        hunkFacts.contains { $0.new.contains { $0.kind == .added && $0.definition == name } }
            && !hunkFacts.contains { $0.old.contains { $0.definition == name } }
    }

    /// The patch removes a line that opens this function's definition, and no line of
    /// the new side of its hunks opens it.
    public var definesOnlyBefore: Bool {
        hunkFacts.contains { $0.old.contains { $0.kind == .removed && $0.definition == name } }
            && !hunkFacts.contains { $0.new.contains { $0.definition == name } }
    }

    /// Expectations for every function the patch touches, in patch order.
    public static func from(_ patch: Patch) -> [FunctionExpectation] {
        let attribution = PatchReader.attribute(patch)
        let functions = attribution.functions
        let hunks = Dictionary(uniqueKeysWithValues: patch.hunks.map { ($0.index, $0) })
        var factsOf: [Int: HunkFacts] = [:]
        func facts(_ hunk: Hunk) -> HunkFacts {
            if let known = factsOf[hunk.index] { return known }
            let read = PatchReader.facts(of: hunk)
            factsOf[hunk.index] = read
            return read
        }
        // Each hunk's declarations, read once: a hunk can touch thousands of functions.
        var declarations: [Int: [(kind: HunkLine.Kind, type: String, name: String)]] = [:]
        let touched = Set(functions.flatMap(\.hunks))
        for hunk in patch.hunks where touched.contains(hunk.index) {
            declarations[hunk.index] = hunk.lines.compactMap { line in
                guard line.kind != .context, let (type, name) = localDeclaration(in: line.text) else { return nil }
                return (line.kind, type, name)
            }
        }
        return functions.map { f in
            var hunkFacts: [HunkExpectation] = []
            for owned in attribution.ownedLines where owned.function == f.name && owned.file == f.file {
                guard let hunk = hunks[owned.hunk] else { continue }
                let all = facts(hunk)
                let oldOwned = Set(owned.old), newOwned = Set(owned.new)
                var context: [HunkExpectation.ContextPair] = []
                for (k, line) in hunk.lines.enumerated() where line.kind == .context {
                    if let o = all.oldOffset[k], let n = all.newOffset[k], oldOwned.contains(o) || newOwned.contains(n) {
                        context.append(.init(old: o, new: n))
                    }
                }
                let oldText = hunk.lines.filter { $0.kind != .added }.map(\.text)
                let newText = hunk.lines.filter { $0.kind != .removed }.map(\.text)
                let indented = zip(all.old, oldText).filter { $0.0.hasCode } + zip(all.new, newText).filter { $0.0.hasCode }
                let tabs = indented.allSatisfy { _, text in
                    guard let first = text.first, first == " " || first == "\t" else { return true }
                    return first == "\t"
                }
                hunkFacts.append(HunkExpectation(
                    hunk: owned.hunk,
                    old: all.old.filter { oldOwned.contains($0.offset) },
                    new: all.new.filter { newOwned.contains($0.offset) },
                    context: context, oldCount: all.old.count, newCount: all.new.count,
                    oldText: oldText, newText: newText, columns: !patch.mangled && tabs))
            }
            var added: [LocalDeclaration] = []
            var removed: [LocalDeclaration] = []
            for index in f.hunks {
                guard let found = declarations[index] else { continue }
                for line in found {
                    let (type, name) = (line.type, line.name)
                    // A parameter of the prototype is not a local.
                    if f.after?.parameters.contains(where: { $0.name == name }) == true { continue }
                    if f.before?.parameters.contains(where: { $0.name == name }) == true { continue }
                    switch line.kind {
                    case .added: added.append(LocalDeclaration(type: type, name: name, hunk: index))
                    case .removed: removed.append(LocalDeclaration(type: type, name: name, hunk: index))
                    case .context: break
                    }
                }
            }
            // A declaration removed and added again is not a change.
            let kept = Set(added.map(\.name)).intersection(removed.map(\.name))
            return FunctionExpectation(
                name: f.name, file: f.file, hunks: f.hunks, before: f.before, after: f.after,
                prototypeChanged: f.prototypeChanged,
                addedLocals: added.filter { !kept.contains($0.name) },
                removedLocals: removed.filter { !kept.contains($0.name) },
                change: f.change, hunkFacts: hunkFacts)
        }
    }

    /// `type name;` or `type name = init;` at the start of a statement, for the C types a
    /// kernel function declares locals with. Nil for anything else.
    public static func localDeclaration(in text: String) -> (type: String, name: String)? {
        // Only a line whose last non-blank byte is ';' can be one: decided from the end,
        // so a long line of something else (60 MiB of punctuation) costs nothing here.
        guard text.utf8.reversed().first(where: { $0 != 0x20 && $0 != 0x09 }) == UInt8(ascii: ";") else { return nil }
        var line = text.trimmingCharacters(in: .whitespaces)
        guard line.hasSuffix(";") else { return nil }
        line.removeLast()
        let head = line.split(separator: "=", maxSplits: 1).first.map(String.init) ?? line
        var words = head.replacingOccurrences(of: "*", with: " * ")
            .split(separator: " ").map(String.init)
        guard words.count >= 2, let name = words.popLast(), isIdentifier(name) else { return nil }
        let typeWords = Set(["bool", "_Bool", "char", "short", "int", "long", "unsigned", "signed",
                             "float", "double", "void", "size_t", "ssize_t", "u8", "u16", "u32",
                             "u64", "s8", "s16", "s32", "s64", "gfp_t", "fpi_t"])
        let qualifiers = Set(["const", "volatile", "static", "register"])
        words.removeAll { $0 == "static" || $0 == "register" }
        var i = 0
        while i < words.count, qualifiers.contains(words[i]) { i += 1 }
        guard i < words.count else { return nil }
        let first = words[i]
        let aggregate = ["struct", "union", "enum"].contains(first)
        guard typeWords.contains(first) || aggregate || (first.hasSuffix("_t") && isIdentifier(first))
        else { return nil }
        if aggregate { guard i + 1 < words.count, isIdentifier(words[i + 1]) else { return nil } }
        for word in words[i...] where word != "*" && !isIdentifier(word) { return nil }
        var type = words.joined(separator: " ")
        while type.contains("* *") { type = type.replacingOccurrences(of: "* *", with: "**") }
        return (type, name)
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first,
              first == "_" || CharacterSet.letters.contains(first) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || CharacterSet.alphanumerics.contains($0) }
    }
}

