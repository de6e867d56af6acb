// SPDX-License-Identifier: GPL-2.0-only
//
// Which kernel line each line of a ported function was typed from, as data: the token
// alignment `drift` makes, written down in kernel-lines.txt beside PORTING.md and checked
// by `drift` against the tree it compares with.

import Foundation

/// A place in the kernel's text: "mm/page_alloc.c:1528".
public struct KernelLocation: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    /// The function the line belongs to.
    public var function: String

    public init(file: String, line: Int, function: String) {
        self.file = file
        self.line = line
        self.function = function
    }

    public var description: String { "\(file):\(line)" }
}

/// Consecutive port lines `portFirst ..< portFirst + count` typed from kernel lines
/// `kernelFirst ..< kernelFirst + count`.
public struct KernelLineRun: Sendable, Equatable, Codable {
    public var function: String
    public var portFile: String
    public var portFirst: Int
    public var kernelFile: String
    public var kernelFirst: Int
    public var count: Int

    public init(function: String, portFile: String, portFirst: Int, kernelFile: String, kernelFirst: Int, count: Int) {
        self.function = function
        self.portFile = portFile
        self.portFirst = portFirst
        self.kernelFile = kernelFile
        self.kernelFirst = kernelFirst
        self.count = count
    }

    var line: String { "\(function)\t\(portFile):\(span(portFirst))\t\(kernelFile):\(span(kernelFirst))" }

    /// "port/mm/page_alloc.c:490-493 -> mm/page_alloc.c:1525-1528".
    var spans: String { "\(portFile):\(span(portFirst)) -> \(kernelFile):\(span(kernelFirst))" }

    private func span(_ first: Int) -> String { count == 1 ? "\(first)" : "\(first)-\(first + count - 1)" }
}

/// Why kernel-lines.txt could not be read. The description is one line.
public struct KernelLineMapError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var problem: String

    public var description: String { "line \(line): \(problem)" }
}

/// For every ported function, the kernel file and line of each of its port lines that
/// holds tokens (lines of the port in the baseline text, numbered from 1).
///
/// A run covers the port lines between its first and last token line; a line without
/// tokens inside a run maps to the kernel line at the same distance, a token line whose
/// tokens all differ from the kernel's is covered only when it falls inside a run.
public struct KernelLineMap: Sendable, Equatable {
    public static let fileName = "kernel-lines.txt"

    /// The kernel the lines are of: "7.3.4".
    public var kernelVersion: String?
    /// In the order of `PortLayout.files`, then of the functions in each port file.
    public var runs: [KernelLineRun]

    public init(kernelVersion: String?, runs: [KernelLineRun]) {
        self.kernelVersion = kernelVersion
        self.runs = runs
    }

    /// The map a drift comparison gives: each function's matched lines, in runs.
    public init(report: DriftReport) {
        var runs: [KernelLineRun] = []
        for f in report.functions {
            guard let file = f.kernelFile else { continue }
            var last: LinePair?
            for pair in f.lines {
                if let l = last, pair.port > l.port, pair.port - l.port == pair.kernel - l.kernel {
                    runs[runs.count - 1].count = pair.port - runs[runs.count - 1].portFirst + 1
                } else {
                    runs.append(KernelLineRun(function: f.name, portFile: f.portFile, portFirst: pair.port,
                                              kernelFile: file, kernelFirst: pair.kernel, count: 1))
                }
                last = pair
            }
        }
        self.init(kernelVersion: report.kernelVersion, runs: runs)
    }

    /// The kernel line that port line `line` of `portFile` was typed from.
    public func kernelLocation(portFile: String, line: Int) -> KernelLocation? {
        for run in runs where run.portFile == portFile
            && run.portFirst <= line && line < run.portFirst + run.count {
            return KernelLocation(file: run.kernelFile, line: run.kernelFirst + line - run.portFirst,
                                  function: run.function)
        }
        return nil
    }

    public var text: String {
        var out = """
            # SPDX-License-Identifier: GPL-2.0-only
            # The kernel line each line of the port's functions was typed from, from the token
            # alignment of `verify-patch drift`; made by `verify-patch drift --tree DIR
            # --write-line-map`, checked by every `verify-patch drift` of the port. One run of
            # consecutive lines per line, tab-separated: function, port file:lines (the
            # baseline text), kernel file:lines.

            """
        out += "kernel \(kernelVersion ?? "unknown")\n"
        for run in runs { out += run.line + "\n" }
        return out
    }

    public static func parse(_ text: String) throws(KernelLineMapError) -> KernelLineMap {
        var version: String??
        var runs: [KernelLineRun] = []
        func span(_ field: String, _ number: Int) throws(KernelLineMapError) -> (String, Int, Int) {
            guard let colon = field.lastIndex(of: ":") else {
                throw KernelLineMapError(line: number, problem: "\"\(field)\" is not file:lines")
            }
            let file = String(field[..<colon])
            let bounds = field[field.index(after: colon)...].split(separator: "-", omittingEmptySubsequences: false)
            guard !file.isEmpty, bounds.count <= 2, let first = Int(bounds[0]), first > 0,
                  let last = bounds.count == 2 ? Int(bounds[1]) : first, last >= first else {
                throw KernelLineMapError(line: number, problem: "\"\(field)\" is not file:first-last")
            }
            return (file, first, last - first + 1)
        }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("kernel ") {
                guard version == nil else { throw KernelLineMapError(line: number, problem: "a second kernel line") }
                let v = String(line.dropFirst("kernel ".count))
                version = .some(v == "unknown" ? nil : v)
                continue
            }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3, !fields[0].isEmpty else {
                throw KernelLineMapError(line: number, problem: "expected function, port file:lines, kernel file:lines")
            }
            let (portFile, portFirst, portCount) = try span(fields[1], number)
            let (kernelFile, kernelFirst, kernelCount) = try span(fields[2], number)
            guard portCount == kernelCount else {
                throw KernelLineMapError(line: number, problem: "\(portCount) port lines against \(kernelCount) kernel lines")
            }
            runs.append(KernelLineRun(function: fields[0], portFile: portFile, portFirst: portFirst,
                                      kernelFile: kernelFile, kernelFirst: kernelFirst, count: portCount))
        }
        guard let version else { throw KernelLineMapError(line: 1, problem: "no kernel line") }
        return KernelLineMap(kernelVersion: version, runs: runs)
    }

    /// kernel-lines.txt beside PORTING.md in `portRoot` (CModules/CBuddyPort).
    public static func load(portRoot: URL) throws -> KernelLineMap {
        let url = portRoot.appendingPathComponent(fileName)
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw DriftError("\(url.path): cannot be read: \(error.localizedDescription)")
        }
        do { return try parse(text) } catch {
            throw DriftError("\(url.path): cannot be read: \(error.description)")
        }
    }

    /// How this map differs from `other` (the one a tree gives), one line per function
    /// whose runs differ, each naming the first run that does; empty when they are equal.
    public func differences(from other: KernelLineMap) -> [String] {
        var out: [String] = []
        if kernelVersion != other.kernelVersion {
            out.append("\(Self.fileName) is of kernel \(kernelVersion ?? "unknown"), the tree is \(other.kernelVersion ?? "unknown")")
        }
        var names: [String] = []
        for run in runs + other.runs where !names.contains(run.function) { names.append(run.function) }
        for name in names {
            let mine = runs.filter { $0.function == name }, theirs = other.runs.filter { $0.function == name }
            guard mine != theirs else { continue }
            let k = (0 ..< min(mine.count, theirs.count)).first { mine[$0] != theirs[$0] } ?? min(mine.count, theirs.count)
            let a = k < mine.count ? mine[k].spans : "nothing"
            let b = k < theirs.count ? theirs[k].spans : "nothing"
            out.append("\(name): \(Self.fileName) has \(a), the tree gives \(b)")
        }
        return out
    }
}
