// SPDX-License-Identifier: GPL-2.0-only
//
// Compares each ported function with the same function of a kernel tree at token level,
// comments and white space ignored, and lists every run of tokens that differs. A run is
// explained when drift-explained.txt (beside PORTING.md) names it.

import Foundation
import PortSource

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why drift could not compare: one line.
public struct DriftError: Error, CustomStringConvertible, LocalizedError {
    public var description: String
    init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}

/// One run of differing tokens: what the kernel has there and what the port has.
public struct DriftRun: Sendable, Codable, Equatable, CustomStringConvertible {
    public var kernel: String
    public var port: String
    /// The deviation of PORTING.md that explains it, if one does.
    public var explainedBy: String?

    public var description: String {
        "kernel: \(kernel.isEmpty ? "(nothing)" : kernel)\n    port:   \(port.isEmpty ? "(nothing)" : port)"
    }
}

/// A port line and the kernel line it was typed from, both 1-based.
public struct LinePair: Sendable, Codable, Equatable {
    public var port: Int
    public var kernel: Int

    public init(port: Int, kernel: Int) {
        self.port = port
        self.kernel = kernel
    }
}

public struct FunctionDrift: Sendable, Codable, Equatable {
    public var name: String
    public var portFile: String
    /// The kernel file holding the function, nil when the tree has no definition of it.
    public var kernelFile: String?
    public var runs: [DriftRun]
    /// Each port line that holds a token the alignment matched with one of the kernel's,
    /// with the kernel line of the first such token (not part of the JSON report).
    public var lines: [LinePair] = []

    enum CodingKeys: String, CodingKey {
        case name, portFile, kernelFile, runs
    }

    public var unexplained: [DriftRun] { runs.filter { $0.explainedBy == nil } }
}

public struct DriftReport: Sendable, Codable, Equatable {
    public var variant: String
    public var tree: String
    /// VERSION.PATCHLEVEL.SUBLEVEL of the tree's Makefile, nil when it has none.
    public var kernelVersion: String?
    public var functions: [FunctionDrift]
    /// How the committed kernel line map differs from the one this tree gives; empty when
    /// they are the same, nil when it was not checked.
    public var lineMapDifferences: [String]?

    public var unexplainedCount: Int {
        functions.reduce(0) { $0 + $1.unexplained.count + ($1.kernelFile == nil ? 1 : 0) }
    }

    /// Every difference is explained and the line map, if checked, matches.
    public var passes: Bool {
        unexplainedCount == 0 && (lineMapDifferences?.isEmpty ?? true)
    }
}

/// A known difference, from drift-explained.txt: `function<TAB>kernel<TAB>port<TAB>deviation`,
/// with `*` as the function to match any function.
public struct DriftExplanation: Sendable, Equatable {
    public var function: String
    public var kernel: String
    public var port: String
    public var deviation: String

    public static func parse(_ text: String) -> [DriftExplanation] {
        text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            if line.hasPrefix("#") { return nil }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 4 else { return nil }
            return DriftExplanation(function: f[0], kernel: f[1], port: f[2], deviation: f[3])
        }
    }
}

public enum PortDrift {
    /// The configuration the port follows (kconfig), for resolving the kernel's #ifdefs:
    /// the options set to anything but 0 or n.
    public static let kernelConfig: Set<String> = Set(PortSource.kernelConfig.filter {
        $0.value != "0" && $0.value != "n" }.map(\.name))

    /// Compares each function of `port` that `PortLayout.files` names with the same
    /// function in `tree`. `variant` names the port's text in the report. With
    /// `lineMap`, also checks that map against the lines the alignment gives.
    public static func compare(port: PortText, tree: URL, explanations: [DriftExplanation],
                               variant: String = "baseline", lineMap: KernelLineMap? = nil) throws -> DriftReport {
        var functions: [FunctionDrift] = []
        for source in PortLayout.files {
            guard let all = port.lines(of: source.port) else { throw DriftError("\(source.port): not in the port") }
            let portKept = CText.kept(all, defined: [])
            let portLines = portKept.map { all[$0] }
            let kernel = try source.kernel.map { file in
                let all = try lines(tree.appendingPathComponent(file))
                let kept = CText.kept(all, defined: kernelConfig)
                return (file: file, kept: kept, lines: kept.map { all[$0] })
            }
            for name in CText.definedFunctions(in: portLines) where source.only?.contains(name) ?? true {
                guard let portRange = CText.functionRange(name, in: portLines) else { continue }
                guard let (k, kernelRange) = kernel.lazy.compactMap({ k in
                    CText.functionRange(name, in: k.lines).map { (k, $0) } }).first
                else {
                    functions.append(FunctionDrift(name: name, portFile: source.port, kernelFile: nil, runs: []))
                    continue
                }
                let kernelTokens = CText.lexed(k.lines[kernelRange].joined(separator: "\n"))
                let portTokens = CText.lexed(portLines[portRange].joined(separator: "\n"))
                var (runs, matches) = try align(kernelTokens.map(\.text), portTokens.map(\.text), function: "\(k.file): \(name)")
                for i in runs.indices {
                    runs[i].explainedBy = explanations.first {
                        ($0.function == "*" || $0.function == name) && $0.kernel == runs[i].kernel
                            && $0.port == runs[i].port
                    }?.deviation
                }
                var pairs: [LinePair] = []
                for (a, b) in matches {
                    let portLine = portKept[portRange.lowerBound + portTokens[b].line] + 1
                    if pairs.last?.port == portLine { continue }
                    pairs.append(LinePair(port: portLine,
                                          kernel: k.kept[kernelRange.lowerBound + kernelTokens[a].line] + 1))
                }
                var function = FunctionDrift(name: name, portFile: source.port, kernelFile: k.file, runs: runs)
                function.lines = pairs
                functions.append(function)
            }
        }
        var report = DriftReport(variant: variant, tree: tree.path, kernelVersion: kernelVersion(of: tree),
                                 functions: functions)
        if let lineMap {
            report.lineMapDifferences = lineMap.differences(from: KernelLineMap(report: report))
        }
        return report
    }

    /// VERSION.PATCHLEVEL.SUBLEVEL from the tree's top Makefile.
    static func kernelVersion(of tree: URL) -> String? {
        guard let lines = try? lines(tree.appendingPathComponent("Makefile")) else { return nil }
        var values: [String: String] = [:]
        for line in lines.prefix(10) {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        guard let v = values["VERSION"], let p = values["PATCHLEVEL"], let s = values["SUBLEVEL"] else { return nil }
        return "\(v).\(p).\(s)"
    }

    /// The largest file of the tree read.
    public static let fileSizeLimit = 64 << 20
    /// The most token pairs one function's comparison may take (a table of 4 bytes
    /// each): 2^24, 64 MiB. The port's longest function has about 1,500 tokens, so a
    /// kernel function of up to 11,000 tokens is compared.
    public static let comparisonLimit = 1 << 24

    static func lines(_ url: URL) throws -> [String] {
        try readText(url).components(separatedBy: "\n")
    }

    /// The text of a regular file, refusing anything else before it is opened and
    /// opening without blocking (a FIFO is refused, not waited on).
    static func readText(_ url: URL) throws -> String {
        let path = url.path
        var status = stat()
        guard stat(path, &status) == 0 else { throw DriftError("\(path): \(String(cString: strerror(errno)))") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw DriftError("\(path): not a regular file") }
        guard status.st_size <= off_t(fileSizeLimit) else { throw DriftError("\(path): larger than \(fileSizeLimit >> 20) MiB") }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw DriftError("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { throw DriftError("\(path): not a regular file") }
        var bytes = [UInt8](repeating: 0, count: min(Int(status.st_size), fileSizeLimit) + 1)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            done += n
        }
        guard done <= fileSizeLimit else { throw DriftError("\(path): larger than \(fileSizeLimit >> 20) MiB") }
        guard let text = String(validating: bytes[..<done], as: UTF8.self) else { throw DriftError("\(path): not UTF-8 text") }
        return text
    }

    /// The runs of tokens outside a longest common subsequence of `a` and `b`, and the
    /// index pairs of that subsequence. Throws when the comparison would take more than
    /// `comparisonLimit` token pairs.
    static func align(_ a: [String], _ b: [String], function: String = "") throws -> (runs: [DriftRun], matches: [(Int, Int)]) {
        let n = a.count, m = b.count
        let pairs = n.multipliedReportingOverflow(by: m)
        guard !pairs.overflow, pairs.partialValue <= comparisonLimit else {
            throw DriftError("\(function): \(n) tokens in the tree against the port's \(m), more than the "
                             + "\(comparisonLimit) token pairs drift compares")
        }
        // lcs[i][j]: LCS length of a[i...] and b[j...], in one flat array.
        var lcs = [Int32](repeating: 0, count: (n + 1) * (m + 1))
        let w = m + 1
        if n > 0 && m > 0 {
            for i in stride(from: n - 1, through: 0, by: -1) {
                for j in stride(from: m - 1, through: 0, by: -1) {
                    lcs[i * w + j] = a[i] == b[j] ? lcs[(i + 1) * w + j + 1] + 1
                        : max(lcs[(i + 1) * w + j], lcs[i * w + j + 1])
                }
            }
        }
        var runs: [DriftRun] = []
        var matches: [(Int, Int)] = []
        var i = 0, j = 0
        var ka: [String] = [], kb: [String] = []
        func flush() {
            if !ka.isEmpty || !kb.isEmpty {
                runs.append(DriftRun(kernel: ka.joined(separator: " "), port: kb.joined(separator: " ")))
                ka = []; kb = []
            }
        }
        while i < n || j < m {
            if i < n && j < m && a[i] == b[j] {
                flush(); matches.append((i, j)); i += 1; j += 1
            } else if j < m && (i == n || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j]) {
                kb.append(b[j]); j += 1
            } else {
                ka.append(a[i]); i += 1
            }
        }
        flush()
        return (runs, matches)
    }
}
