// SPDX-License-Identifier: GPL-2.0-only
//
// The port as text: its files under CModules/CBuddyPort/port, and which kernel files
// each one carries functions from.

import Foundation
import PortSource

/// A port file and the kernel files its functions were typed from.
public struct PortFileSource: Sendable, Equatable {
    /// Relative to CModules/CBuddyPort: "port/mm/page_alloc.c".
    public var port: String
    /// Relative to a kernel tree: "mm/page_alloc.c".
    public var kernel: [String]
    /// The functions the port file carries from those kernel files; nil for every
    /// function it defines.
    public var only: Set<String>?

    public init(port: String, kernel: [String], only: Set<String>? = nil) {
        self.port = port
        self.kernel = kernel
        self.only = only
    }
}

/// A function definition of a port file.
public struct PortFunction: Sendable, Equatable, Codable {
    public var name: String
    /// 1-based lines, from the first line of the head to the closing brace.
    public var lines: ClosedRange<Int>

    public init(name: String, lines: ClosedRange<Int>) {
        self.name = name
        self.lines = lines
    }
}

/// Where the port's functions come from: the one table that `drift` compares by and
/// that patches to kernel files are applied to the port by.
public enum PortLayout {
    public static let files: [PortFileSource] = [
        PortFileSource(port: "port/mm/page_alloc.c", kernel: ["mm/page_alloc.c"]),
        PortFileSource(port: "port/mm/page_reporting.h", kernel: ["mm/page_reporting.h"]),
        PortFileSource(port: "port/mm/page_reporting.c", kernel: ["mm/page_reporting.c"]),
        PortFileSource(port: "port/mm/page_isolation.c",
                       kernel: ["mm/page_isolation.c", "include/linux/page-isolation.h"]),
        PortFileSource(port: "port/linux_defs.h", kernel: ["mm/page_alloc.h"],
                       only: ["buddy_order", "free_area_empty", "__find_buddy_pfn", "page_is_buddy",
                              "find_buddy_page_pfn"]),
    ]

    /// The port file that carries functions of kernel file `path`, nil when none does.
    public static func source(ofKernelFile path: String) -> PortFileSource? {
        files.first { $0.kernel.contains(path) }
    }

    /// The functions `lines` define (restricted to `only` when given), in file order.
    public static func functions(in lines: [String], only: Set<String>? = nil) -> [PortFunction] {
        CText.definedFunctions(in: lines).compactMap { name in
            guard only?.contains(name) ?? true, let range = CText.functionRange(name, in: lines) else { return nil }
            return PortFunction(name: name, lines: range.lowerBound + 1 ... range.upperBound + 1)
        }.sorted { $0.lines.lowerBound < $1.lines.lowerBound }
    }
}

/// The text of the port's files, by path relative to CModules/CBuddyPort
/// ("port/mm/page_alloc.c"). Lines are numbered from 1; a final newline ends the last
/// line and does not start another.
public struct PortText: Sendable, Equatable, Codable {
    public var files: [String: String]

    public init(files: [String: String]) {
        self.files = files
    }

    /// The lines of `path`, nil when the port has no such file.
    public func lines(of path: String) -> [String]? {
        files[path].map(Self.lines)
    }

    public static func lines(_ text: String) -> [String] {
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    public static func text(_ lines: [String]) -> String {
        lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    /// The baseline port from its files by path relative to CModules/CBuddyPort: those
    /// under port/.
    public init(baselineOf files: [String: String]) {
        self.files = files.filter { $0.key.hasPrefix("port/") }
    }

    /// The baseline port compiled into the package (PortSource).
    public static var embedded: PortText { PortText(baselineOf: PortSource.files) }

    /// The baseline port from every regular file under `portRoot`/port (symbolic links
    /// are not followed), read as UTF-8 text.
    public static func load(portRoot: URL) throws -> PortText {
        let base = portRoot.appendingPathComponent("port")
        var files: [String: String] = [:]
        var pending = [""]
        while let relative = pending.popLast() {
            let dir = relative.isEmpty ? base : base.appendingPathComponent(relative)
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() {
                let path = relative.isEmpty ? name : relative + "/" + name
                let url = base.appendingPathComponent(path)
                var info = stat()
                guard lstat(url.path, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: pending.append(path)
                case S_IFREG: files["port/" + path] = try String(contentsOf: url, encoding: .utf8)
                default: continue
                }
            }
        }
        return PortText(baselineOf: files)
    }
}
