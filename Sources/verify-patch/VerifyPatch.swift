// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import Foundation

@main
struct VerifyPatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-patch",
        abstract: "Check a page allocator patch against its claims and against built kernels.",
        discussion: """
            With no arguments, verifies the seed patch against the C port's own objects,
            baseline and patched, and shows the port's scenario.

            Exit codes:
              0  every object checked carries the patch (the default run: the port's
                 objects were told apart as expected)
              1  an object lacks the patch or carries only part of it, or a check failed
              2  bad input or usage
            """,
        subcommands: [Overview.self, Check.self, Functions.self, SemanticsCommand.self, ExploreCommand.self, CampaignCommand.self, MergeCommand.self, Symbols.self, Apply.self, Drift.self, Demo.self],
        defaultSubcommand: Overview.self
    )

    /// Parses and runs, mapping every failure to the documented exit codes: usage and
    /// input errors print one line and exit 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as InputError {
            FileHandle.standardError.write(Data("verify-patch: \(error.description)\n".utf8))
            Foundation.exit(2)
        } catch let error as ExitCode {
            Foundation.exit(error.rawValue)
        } catch {
            if exitCode(for: error) == .success {
                exit(withError: error)
            }
            let message = fullMessage(for: error)
            FileHandle.standardError.write(Data("verify-patch: \(message)\n".utf8))
            Foundation.exit(2)
        }
    }
}

/// Shared options of the commands that print reports.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the report as JSON instead of text.")
    var json = false
}
