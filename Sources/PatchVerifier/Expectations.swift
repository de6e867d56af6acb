// SPDX-License-Identifier: GPL-2.0-only
//
// What a patch leads one to expect in a built object, per touched function: the
// prototype before and after, and the local variables its hunks declare or remove (the
// compiler keeps those in DWARF, so they tell a patched body from an unpatched one when
// the prototype stays the same).

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

    /// Expectations for every function the patch touches, in patch order.
    public static func from(_ patch: Patch) -> [FunctionExpectation] {
        let functions = PatchReader.touchedFunctions(patch)
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
                removedLocals: removed.filter { !kept.contains($0.name) })
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

