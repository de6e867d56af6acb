// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import PatchVerifier
import PortDrift

/// `verify-patch check --patch FILE OBJECT...`: is each object patched?
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Say per function whether built objects carry a patch, with the evidence.",
        discussion: "Exit 0 when every object is patched, 1 when one is not (or only partly), 2 on bad input.")

    @Option(name: .long, help: "The patch: a unified diff, git format-patch output, an mbox or a mail archive's text.")
    var patch: String

    @Argument(help: "Built objects: a vmlinux, a page_alloc.o, any ELF file with DWARF.")
    var objects: [String]

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if objects.isEmpty { throw ValidationError("give at least one object to check") }
    }

    func run() throws {
        let parsed = try Inputs.readPatch(patch)
        let report = try Inputs.verify(objects, patchPath: patch, patch: parsed)
        if output.json { try Inputs.printJSON(report) } else { print(TextReport.render(report)) }
        if !report.objects.allSatisfy({ $0.overall == .patched }) { throw ExitCode(1) }
    }
}

/// `verify-patch functions --patch FILE`: what the patch touches.
struct Functions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the functions a patch touches, with their prototypes before and after.")

    @Option(name: .long, help: "The patch to read.")
    var patch: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        let parsed = try Inputs.readPatch(patch)
        let expectations = FunctionExpectation.from(parsed)
        let port = PortText.embedded
        let entries = expectations.map {
            TouchedEntry(expectation: $0, inPort: PortLayout.carries(function: $0.name, kernelFile: $0.file, in: port))
        }
        if output.json { try Inputs.printJSON(entries); return }
        print("Patch: \(parsed.subject ?? patch)\(parsed.mangled ? " (read as a mail archive rendering)" : "")")
        for entry in entries {
            let e = entry.expectation
            print("\(e.name) (\(e.file), hunks \(e.hunks.map(String.init).joined(separator: ", "))): \(e.summary)"
                  + (entry.inPort ? "" : "; not in the port"))
            print("  before: \(e.before?.rendered ?? "not shown in full by the diff")")
            print("  after:  \(e.after?.rendered ?? "not shown in full by the diff")")
        }
    }
}

/// One touched function as `functions --json` prints it: the expectation's fields and
/// `inPort`, whether the port carries a function of that name and file (the review's
/// `inPort` is the same fact).
struct TouchedEntry: Encodable {
    var expectation: FunctionExpectation
    var inPort: Bool

    enum Keys: String, CodingKey { case inPort }

    func encode(to encoder: Encoder) throws {
        try expectation.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(inPort, forKey: .inPort)
    }
}
