// SPDX-License-Identifier: GPL-2.0-only
//
// Plain text for a terminal or an email reply: one block per object, one line per
// function with its verdict, then the evidence indented under it.

extension FunctionExpectation {
    /// What the patch changes in this function, in a few words.
    public var summary: String {
        var parts: [String] = []
        if prototypeChanged, let before, let after {
            let gained = after.parameters.filter { !before.parameters.contains($0) }
            let lost = before.parameters.filter { !after.parameters.contains($0) }
            if !gained.isEmpty { parts.append("prototype gains " + gained.map(\.rendered).joined(separator: ", ")) }
            if !lost.isEmpty { parts.append("prototype loses " + lost.map(\.rendered).joined(separator: ", ")) }
            if gained.isEmpty && lost.isEmpty { parts.append("prototype changes") }
        }
        if !addedLocals.isEmpty { parts.append("body declares " + addedLocals.map(\.description).joined(separator: ", ")) }
        if !removedLocals.isEmpty { parts.append("body drops " + removedLocals.map(\.description).joined(separator: ", ")) }
        return parts.isEmpty ? "body changes" : parts.joined(separator: "; ")
    }
}

public enum TextReport {
    public static func render(_ report: VerificationReport) -> String {
        var out: [String] = []
        out.append("Patch: \(report.subject ?? report.patch)")
        let files = Set(report.expectations.map(\.file)).sorted().joined(separator: ", ")
        out.append("  touches \(report.expectations.count) function(s) in \(files):")
        let width = max(20, (report.expectations.map(\.name.count).max() ?? 0) + 2)
        for e in report.expectations {
            let hunks = (e.hunks.count == 1 ? "hunk " : "hunks ") + e.hunks.map(String.init).joined(separator: ", ")
            out.append("    " + pad(e.name, width) + pad(hunks, 11) + e.summary)
        }
        for object in report.objects {
            out.append("")
            out += render(object, width: width)
        }
        return out.joined(separator: "\n")
    }

    public static func render(_ object: ObjectReport, width: Int = 22) -> [String] {
        var out: [String] = []
        out.append("\(object.path): \(object.overall.rawValue.uppercased())")
        let order = object.byteOrder == "littleEndian" ? "little-endian"
            : object.byteOrder == "bigEndian" ? "big-endian" : object.byteOrder
        out.append("  ELF\(object.elfClass) \(order), \(object.type)")
        for f in object.functions {
            out.append("  " + pad(f.name, width) + f.verdict.rawValue)
            let indent = "      "
            for finding in f.findings {
                out.append(indent + finding.description)
            }
            if f.findings.contains(where: { $0.kind == .prototypeMatchesNeither }) {
                out.append(indent + "expected before: " + (f.expectedBefore ?? "unknown"))
                out.append(indent + "expected after:  " + (f.expectedAfter ?? "unknown"))
            }
            for d in f.dwarf where !f.findings.contains(where: { $0.detail == d.prototype }) {
                out.append(indent + "DWARF prototype: " + d.prototype)
            }
            for d in f.dwarf {
                let copies = d.outOfLineCopies.isEmpty ? "inlined only"
                    : "out of line: " + d.outOfLineCopies.joined(separator: ", ")
                let sites = d.inlinedCallSites == 0 ? "" : "; inlined at \(d.inlinedCallSites) call site(s)"
                out.append(indent + copies + sites)
            }
            for s in f.symbols {
                out.append(indent + "symbol \(s.name): \(s.binding) \(s.type) \(s.section), \(s.size) bytes"
                           + (s.file.map { ", file \($0)" } ?? ""))
            }
            if f.symbols.isEmpty && f.verdict != .absent {
                out.append(indent + "no symbol: every call was inlined")
            }
        }
        return out
    }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }
}
