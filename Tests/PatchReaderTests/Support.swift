// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing
@testable import PatchReader

/// The patch files under fixtures/patches at the package root.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()
        .appendingPathComponent("../../fixtures/patches")
        .standardizedFileURL

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: directory.appendingPathComponent(name)))
    }

    static func text(_ name: String) throws -> String {
        String(decoding: try bytes(name), as: UTF8.self)
    }

    /// Reads a fixture that must hold exactly one patch.
    static func patch(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Patch {
        let set = try PatchReader.read(bytes(name))
        try #require(set.patches.count == 1, sourceLocation: sourceLocation)
        return set.patches[0]
    }
}

/// Renders a clean patch the way the web mail archive that produced the seed does:
/// context lines lose their leading space and all indentation, a marker keeps one
/// space for indented text, and the message is plain text.
func archiveRendering(of text: String) -> String {
    var out: [String] = []
    var inHunk = false
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("@@ ") {
            inHunk = true
            out.append(String(line))
            continue
        }
        if line.hasPrefix("diff --git ") || line == "-- " || line.hasPrefix("From ") {
            inHunk = false
        }
        guard inHunk, let first = line.first else {
            out.append(line == "-- " ? "--" : String(line))
            continue
        }
        let body = line.dropFirst()
        let stripped = body.drop { $0 == " " || $0 == "\t" }
        switch first {
        case "+", "-":
            out.append(String(first) + (stripped.count < body.count && !stripped.isEmpty ? " " : "") + stripped)
        case " ":
            out.append(String(stripped))
        default:
            out.append(String(line))
        }
    }
    return out.joined(separator: "\n")
}

/// A patch as written, or as the mail archive renders it.
enum Rendering: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case clean, archive
    var testDescription: String { rawValue }

    func apply(_ diff: String) -> String {
        self == .clean ? diff : archiveRendering(of: diff)
    }
}

/// Shorthand for a parameter.
func param(_ type: String, _ name: String?) -> Prototype.Parameter {
    Prototype.Parameter(type: type, name: name)
}

/// Reads text that must hold one patch.
func readOne(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Patch {
    let set = try PatchReader.read(text: text)
    try #require(set.patches.count == 1, sourceLocation: sourceLocation)
    return set.patches[0]
}

/// The error reading `bytes` raises, or nil.
func readError(_ bytes: [UInt8]) -> PatchReadError? {
    do {
        _ = try PatchReader.read(bytes)
        return nil
    } catch {
        return error
    }
}
