// SPDX-License-Identifier: GPL-2.0-only
//
// Compares each ported function with the same function of a kernel tree at token level,
// comments and white space ignored, and lists every run of tokens that differs. A run is
// explained when drift-explained.txt (beside PORTING.md) names it.

import Foundation

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

public struct FunctionDrift: Sendable, Codable, Equatable {
    public var name: String
    public var portFile: String
    /// The kernel file holding the function, nil when the tree has no definition of it.
    public var kernelFile: String?
    public var runs: [DriftRun]

    public var unexplained: [DriftRun] { runs.filter { $0.explainedBy == nil } }
}

public struct DriftReport: Sendable, Codable, Equatable {
    public var variant: String
    public var tree: String
    public var functions: [FunctionDrift]

    public var unexplainedCount: Int {
        functions.reduce(0) { $0 + $1.unexplained.count + ($1.kernelFile == nil ? 1 : 0) }
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
    /// The configuration the port follows, for resolving the kernel's #ifdefs.
    public static let kernelConfig: Set<String> = [
        "CONFIG_CMA", "CONFIG_MEMORY_ISOLATION", "CONFIG_PAGE_REPORTING", "CONFIG_DEBUG_VM",
    ]

    /// Port files and the kernel files their functions come from.
    public static let files: [(port: String, kernel: [String], only: Set<String>?)] = [
        ("port/mm/page_alloc.c", ["mm/page_alloc.c"], nil),
        ("port/mm/page_reporting.h", ["mm/page_reporting.h"], nil),
        ("port/mm/page_reporting.c", ["mm/page_reporting.c"], nil),
        ("port/mm/page_isolation.c", ["mm/page_isolation.c", "include/linux/page-isolation.h"], nil),
        ("port/linux_defs.h", ["mm/page_alloc.h"],
         ["buddy_order", "free_area_empty", "__find_buddy_pfn", "page_is_buddy", "find_buddy_page_pfn"]),
    ]

    /// Compares the port under `portRoot` (CModules/CBuddyPort) with `tree`.
    public static func compare(portRoot: URL, tree: URL, patched: Bool,
                               explanations: [DriftExplanation]) throws -> DriftReport {
        var functions: [FunctionDrift] = []
        for (portFile, kernelFiles, only) in files {
            let portLines = CText.resolve(try lines(portRoot.appendingPathComponent(portFile)),
                                          defined: patched ? ["BPORT_SEED_PATCH"] : [])
            let kernel = try kernelFiles.map { file in
                (file, CText.resolve(try lines(tree.appendingPathComponent(file)), defined: kernelConfig))
            }
            for name in CText.definedFunctions(in: portLines) where only?.contains(name) ?? true {
                guard let portText = CText.function(name, in: portLines) else { continue }
                guard let (file, kernelText) = kernel.lazy.compactMap({ file, lines in
                    CText.function(name, in: lines).map { (file, $0) } }).first
                else {
                    functions.append(FunctionDrift(name: name, portFile: portFile, kernelFile: nil, runs: []))
                    continue
                }
                var runs = try diff(CText.tokens(kernelText), CText.tokens(portText), function: "\(file): \(name)")
                for i in runs.indices {
                    runs[i].explainedBy = explanations.first {
                        ($0.function == "*" || $0.function == name) && $0.kernel == runs[i].kernel
                            && $0.port == runs[i].port
                    }?.deviation
                }
                functions.append(FunctionDrift(name: name, portFile: portFile, kernelFile: file, runs: runs))
            }
        }
        return DriftReport(variant: patched ? "patched" : "baseline", tree: tree.path, functions: functions)
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

    /// The runs of tokens outside a longest common subsequence of `a` and `b`.
    /// Throws when the comparison would take more than `comparisonLimit` token pairs.
    static func diff(_ a: [String], _ b: [String], function: String = "") throws -> [DriftRun] {
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
                flush(); i += 1; j += 1
            } else if j < m && (i == n || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j]) {
                kb.append(b[j]); j += 1
            } else {
                ka.append(a[i]); i += 1
            }
        }
        flush()
        return runs
    }
}
