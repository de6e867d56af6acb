// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import Foundation
import PatchApplier
import PatchReader
import PortDrift

/// `verify-patch drift --tree DIR [--patch FILE...] [--write-line-map FILE]`.
struct Drift: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare every ported function with a kernel tree, token by token.",
        discussion: """
            Comments and white space are ignored; the kernel's #ifdefs are resolved for
            the configuration the port follows. Each differing run of tokens is listed,
            with the PORTING.md deviation that explains it (drift-explained.txt). With
            --patch, the port is compared with those patches applied to it, in order (an
            mbox may hold several); the tree should have them applied too (`verify-patch
            apply`). Without --patch, the kernel line map (kernel-lines.txt) is checked
            against the tree as well; --write-line-map writes the map the tree gives
            instead (to CModules/CBuddyPort/kernel-lines.txt to update it).
            Exit 0 when every difference is explained (and the map matches), 1 otherwise,
            2 on bad input, a patch that does not apply to the port included.
            """)

    @Option(name: .long, help: "The root of a kernel source tree.")
    var tree: String

    @Option(name: .customLong("patch"), parsing: .upToNextOption,
            help: "Patches to apply to the port before comparing, in order.")
    var patches: [String] = []

    @Flag(help: "List explained differences too.")
    var all = false

    @Option(name: .customLong("write-line-map"), help: ArgumentHelp(
        "Write the kernel line map this tree gives to FILE (the port must show no unexplained difference).",
        valueName: "FILE"))
    var writeLineMap: String?

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if writeLineMap != nil && !patches.isEmpty {
            throw ValidationError("--write-line-map maps the baseline port; give no --patch")
        }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: tree + "/mm/page_alloc.c") else {
            throw InputError(path: tree, problem: "not a kernel tree (no mm/page_alloc.c)")
        }
        let root = try Fixtures.root().appendingPathComponent("CModules/CBuddyPort")
        let explained = (try? String(contentsOf: root.appendingPathComponent("drift-explained.txt"), encoding: .utf8)) ?? ""
        let explanations = DriftExplanation.parse(explained)
        let baseline: PortText
        do { baseline = try PortText.load(portRoot: root) } catch {
            throw InputError(path: root.appendingPathComponent("port").path, problem: "\(error)")
        }

        var port = baseline
        var variant = "baseline"
        var applied: [PortPatchOutcome] = []
        if !patches.isEmpty {
            var series: [Patch] = []
            var fileOf: [Int: String] = [:]
            for path in patches {
                for patch in try Inputs.readPatches(path) {
                    series.append(patch)
                    fileOf[series.count] = path
                }
            }
            let result: PortVariant
            do { result = try PortApplier.apply(series, to: baseline, deviations: explanations) } catch {
                throw InputError(path: fileOf[error.patch] ?? patches[0], problem: error.description)
            }
            port = result.text
            applied = result.patches
            variant = (["baseline"] + patches.map { URL(fileURLWithPath: $0).lastPathComponent }).joined(separator: " + ")
        }

        let committed: KernelLineMap?
        if patches.isEmpty && writeLineMap == nil {
            do { committed = try KernelLineMap.load(portRoot: root) } catch {
                throw InputError(path: root.appendingPathComponent(KernelLineMap.fileName).path, problem: "\(error)")
            }
        } else {
            committed = nil
        }
        let report: DriftReport
        do {
            report = try PortDrift.compare(port: port, tree: URL(fileURLWithPath: tree), explanations: explanations,
                                           variant: variant, lineMap: committed)
        } catch {
            throw InputError(path: tree, problem: "\(error)")
        }

        var wrote: String?
        if let path = writeLineMap, report.passes {
            var info = stat()
            if lstat(path, &info) == 0 && info.st_mode & S_IFMT != S_IFREG {
                throw InputError(path: path, problem: "not a regular file, not replaced")
            }
            do { try AtomicFile.write(KernelLineMap(report: report).text, to: URL(fileURLWithPath: path)) } catch {
                throw InputError(path: path, problem: "cannot be written: \(error)")
            }
            wrote = path
        }

        if output.json {
            try Inputs.printJSON(report)
        } else {
            for patch in applied {
                print(Self.summary(patch, file: patches.count == 1 ? patches[0] : nil))
                for hunk in patch.hunks {
                    for change in hunk.notModelled { print("  hunk \(hunk.hunk) (\(hunk.kernelFile)): not modelled, \(change)") }
                }
            }
            print("Port (\(report.variant)) against \(report.tree):")
            for f in report.functions {
                guard let file = f.kernelFile else {
                    print("  \(f.name): NOT FOUND in the tree"); continue
                }
                let shown = all ? f.runs : f.unexplained
                let explained = f.runs.count - f.unexplained.count
                let summary = f.runs.isEmpty ? "identical" :
                    "\(f.unexplained.count) unexplained, \(explained) explained difference(s)"
                print("  \(f.name) (\(file)): \(summary)")
                for run in shown {
                    print("    " + run.description)
                    if let why = run.explainedBy { print("    explained: \(why)") }
                }
            }
            if let differences = report.lineMapDifferences, !differences.isEmpty {
                print("\(KernelLineMap.fileName) does not match the tree:")
                for d in differences { print("  " + d) }
            }
            if let path = writeLineMap, wrote == nil {
                print("\(path) not written: the port differs from the tree")
            }
            let map = wrote.map { "; wrote \($0)" }
                ?? report.lineMapDifferences.map { $0.isEmpty ? "; \(KernelLineMap.fileName) matches" : "; \(KernelLineMap.fileName) differs" }
                ?? ""
            print("\(report.functions.count) functions, \(report.unexplainedCount) unexplained difference(s)\(map)")
        }
        if !report.passes { throw ExitCode(1) }
    }

    /// "patch 1 ("mm: ..."): 6 hunks applied, 1 not modelled".
    static func summary(_ patch: PortPatchOutcome, file: String?) -> String {
        let name = "patch \(patch.patch)" + (patch.title.map { " (\"\($0)\")" } ?? "")
        if patch.alreadyApplied { return "\(name): already applied to the port" }
        var counts: [PortHunkOutcome.State: Int] = [:]
        for hunk in patch.hunks { counts[hunk.state, default: 0] += 1 }
        let words: [(PortHunkOutcome.State, String)] = [(.applied, "applied"), (.partlyApplied, "partly applied"),
                                                        (.notModelled, "not modelled")]
        let parts = words.compactMap { state, word in counts[state].map { "\($0) hunk\($0 == 1 ? "" : "s") \(word)" } }
        return "\(name): " + parts.joined(separator: ", ")
    }
}

/// Writing a file the way a package manager does: a fresh temporary file beside the
/// target, flushed to disk, renamed over it; a failure leaves the target as it was.
enum AtomicFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func write(_ text: String, to target: URL) throws {
        var template = Array((target.deletingLastPathComponent().path + "/.\(target.lastPathComponent).XXXXXX").utf8CString)
        let fd = mkstemp(&template)
        guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var ok = false, open = true
        defer {
            if open { close(fd) }
            if !ok { unlink(temporary) }
        }
        func failure() -> Failure { Failure(description: String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw failure() }
            written += n
        }
        guard fchmod(fd, 0o644) == 0, fsync(fd) == 0 else { throw failure() }
        open = false
        guard close(fd) == 0 else { throw failure() }
        guard rename(temporary, target.path) == 0 else { throw failure() }
        ok = true
    }
}
