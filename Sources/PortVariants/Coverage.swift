// SPDX-License-Identifier: GPL-2.0-only
//
// Line and branch counts of a variant built with LLVM's source-based coverage. The
// counters belong to the loaded variant, so a measurement holds that variant for its
// whole duration: it resets the counters, runs its work, and reads them, and no other
// measurement of the same variant runs meanwhile. The counts are read the field's way:
// the profile is written to memory, merged by llvm-profdata and exported by llvm-cov.

import BuddyPort
import Foundation

/// What ran in one port file.
public struct FileCoverage: Sendable, Codable, Equatable {
    /// Execution count of every line that holds code, by line number.
    public var lines: [Int: Int]
    /// Every branch condition with how often it was true and false.
    public var branches: [BranchCoverage]

    public init(lines: [Int: Int], branches: [BranchCoverage]) {
        self.lines = lines
        self.branches = branches
    }
}

/// One condition's outcomes: the source range of the condition and its counts.
public struct BranchCoverage: Sendable, Codable, Equatable {
    public var line: Int
    public var column: Int
    public var endLine: Int
    public var endColumn: Int
    public var trueCount: Int
    public var falseCount: Int

    public init(line: Int, column: Int, endLine: Int, endColumn: Int, trueCount: Int, falseCount: Int) {
        self.line = line
        self.column = column
        self.endLine = endLine
        self.endColumn = endColumn
        self.trueCount = trueCount
        self.falseCount = falseCount
    }
}

/// The counts of every port file of one measurement, by port path.
public struct CoverageCounts: Sendable, Codable, Equatable {
    public var files: [String: FileCoverage]

    public init(files: [String: FileCoverage]) { self.files = files }

    /// Adds another measurement's counts to these.
    public mutating func add(_ other: CoverageCounts) {
        for (path, file) in other.files {
            guard var mine = files[path] else { files[path] = file; continue }
            for (line, count) in file.lines { mine.lines[line, default: 0] += count }
            var byRange: [String: Int] = [:]
            for (i, b) in mine.branches.enumerated() { byRange["\(b.line):\(b.column):\(b.endLine):\(b.endColumn)"] = i }
            for b in file.branches {
                if let i = byRange["\(b.line):\(b.column):\(b.endLine):\(b.endColumn)"] {
                    mine.branches[i].trueCount += b.trueCount
                    mine.branches[i].falseCount += b.falseCount
                } else {
                    mine.branches.append(b)
                }
            }
            files[path] = mine
        }
    }
}

public enum CoverageSession {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var variantLocks: [String: NSLock] = [:]

    private static func lock(for variant: Variant) -> NSLock {
        lock.lock()
        defer { lock.unlock() }
        if let existing = variantLocks[variant.key] { return existing }
        let made = NSLock()
        variantLocks[variant.key] = made
        return made
    }

    /// Runs `body` with the counters of `built` (a coverage build) reset before and read
    /// after; the counts are those of `body` alone.
    public static func measure<T>(_ built: BuiltVariant, toolchain: Toolchain,
                                  _ body: () throws -> T) throws -> (T, CoverageCounts) {
        guard built.flavour == .coverage else {
            throw VariantBuildError.coverageTools("\(built.variant.name) was not built with coverage")
        }
        typealias Reset = @convention(c) () -> Void
        typealias Size = @convention(c) () -> UInt64
        typealias Write = @convention(c) (UnsafeMutablePointer<CChar>?) -> Int32
        guard let reset = Loader.symbol("bport_coverage_reset", of: built.variant),
              let size = Loader.symbol("bport_coverage_size", of: built.variant),
              let write = Loader.symbol("bport_coverage_write", of: built.variant) else {
            throw VariantBuildError.coverageTools("\(built.library.path): has no coverage entry points")
        }
        let variantLock = lock(for: built.variant)
        variantLock.lock()
        defer { variantLock.unlock() }
        unsafeBitCast(reset, to: Reset.self)()
        let result = try body()
        let bytes = Int(unsafeBitCast(size, to: Size.self)())
        var profile = [CChar](repeating: 0, count: bytes)
        guard unsafeBitCast(write, to: Write.self)(&profile) == 0 else {
            throw VariantBuildError.coverageTools("\(built.library.path): the profile could not be written")
        }
        let counts = try export(profile.withUnsafeBytes { Data($0) }, library: built.library,
                                toolchain: toolchain)
        return (result, counts)
    }

    /// Merges a raw profile with llvm-profdata and exports it with llvm-cov.
    static func export(_ raw: Data, library: URL, toolchain: Toolchain) throws -> CoverageCounts {
        let profdata = try toolchain.tool("llvm-profdata")
        let cov = try toolchain.tool("llvm-cov")
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("verify-patch-coverage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let rawURL = scratch.appendingPathComponent("variant.profraw")
        let merged = scratch.appendingPathComponent("variant.profdata")
        try raw.write(to: rawURL)
        let merge = Subprocess.run(profdata, ["merge", "-sparse", "-o", merged.path, rawURL.path])
        guard merge.status == 0 else {
            throw VariantBuildError.coverageTools("llvm-profdata: " + (merge.output.split(separator: "\n").first.map(String.init) ?? "failed"))
        }
        let exported = Subprocess.run(cov, ["export", "-format=text", "-skip-expansions",
                                            "-instr-profile=" + merged.path, library.path])
        guard exported.status == 0 else {
            throw VariantBuildError.coverageTools("llvm-cov: " + (exported.output.split(separator: "\n").first.map(String.init) ?? "failed"))
        }
        return try parse(Data(exported.output.utf8))
    }

    /// A file name of the coverage mapping as a port path: the variant was compiled in a
    /// staging directory (`.build-XXXXXX`) that llvm-cov puts in front of its paths.
    static func portPath(_ name: String) -> String {
        guard let range = name.range(of: "/.build-", options: .backwards),
              let slash = name[range.upperBound...].firstIndex(of: "/") else { return name }
        return String(name[name.index(after: slash)...])
    }

    /// The counts in llvm-cov's JSON export: per file, the segments give line counts and
    /// the branch regions each condition's true and false counts.
    static func parse(_ json: Data) throws -> CoverageCounts {
        struct Export: Decodable {
            struct Unit: Decodable {
                struct File: Decodable {
                    var filename: String
                    var segments: [[Segment]]
                    var branches: [[Int]]?
                }
                var files: [File]
            }
            var data: [Unit]
        }
        enum Segment: Decodable {
            case number(Int)
            case flag(Bool)
            init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let b = try? c.decode(Bool.self) { self = .flag(b) } else { self = .number(try c.decode(Int.self)) }
            }
            var int: Int { if case .number(let n) = self { n } else { 0 } }
            var bool: Bool { if case .flag(let b) = self { b } else { false } }
        }
        let export = try JSONDecoder().decode(Export.self, from: json)
        var files: [String: FileCoverage] = [:]
        for unit in export.data {
            for file in unit.files {
                // Segments: [line, column, count, hasCount, isRegionEntry, isGapRegion],
                // in order. A line's count is the largest count of a region entry that
                // starts on it, else the count of the segment in force when it begins.
                var lines: [Int: Int] = [:]
                let segments = file.segments.map {
                    (line: $0[0].int, count: $0[2].int, hasCount: $0[3].bool,
                     entry: $0[4].bool, gap: $0.count > 5 ? $0[5].bool : false)
                }
                var i = 0
                var wrapped: (count: Int, hasCount: Bool, gap: Bool)?
                let lastLine = segments.last?.line ?? 0
                var line = segments.first?.line ?? 1
                while line <= lastLine {
                    var starts: [(count: Int, hasCount: Bool, entry: Bool, gap: Bool)] = []
                    while i < segments.count && segments[i].line == line {
                        starts.append((segments[i].count, segments[i].hasCount, segments[i].entry, segments[i].gap))
                        i += 1
                    }
                    let entries = starts.filter { $0.hasCount && $0.entry && !$0.gap }
                    if let top = entries.map(\.count).max() {
                        lines[line] = max(top, wrapped.flatMap { $0.hasCount && !$0.gap ? $0.count : nil } ?? 0)
                    } else if let w = wrapped, w.hasCount, !w.gap {
                        lines[line] = w.count
                    }
                    if let last = starts.last { wrapped = (last.count, last.hasCount, last.gap) }
                    line += 1
                }
                let branches = (file.branches ?? []).map {
                    BranchCoverage(line: $0[0], column: $0[1], endLine: $0[2], endColumn: $0[3],
                                   trueCount: $0[4], falseCount: $0[5])
                }
                files[portPath(file.filename)] = FileCoverage(lines: lines, branches: branches)
            }
        }
        return CoverageCounts(files: files)
    }
}
