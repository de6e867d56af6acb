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
        subcommands: [Overview.self, Check.self, Functions.self, ReviewCommand.self, VariantCommand.self, ExploreCommand.self, CampaignCommand.self, MergeCommand.self, Symbols.self, Apply.self, Drift.self, Demo.self],
        defaultSubcommand: Overview.self
    )

    /// Parses and runs, mapping every failure to the documented exit codes (see
    /// `ExitStatus`): usage and input errors print one line and exit 2.
    static func main() {
        // A file-size limit (ulimit -f) makes a write fail with EFBIG instead of
        // killing the process half way.
        signal(SIGXFSZ, SIG_IGN)
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            fail(ErrorLine.usageMessage(message(for: error), command: subcommandName()), status: .badInput)
        }
        do {
            try command.run()
        } catch let error as ExitCode {
            StagedOutput.discardAll()
            Foundation.exit(error.rawValue)
        } catch let error as InputError {
            fail(error.description, status: .badInput)
        } catch let error as UsageError {
            fail(error.description, status: .badInput)
        } catch let error as CheckFailure {
            fail(error.description, status: .checkFailed)
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            if exitCode(for: error) == .validationFailure {
                fail(ErrorLine.usageMessage(message(for: error), command: subcommandName()), status: .badInput)
            }
            // Anything else stopped a check before it could finish: not bad input.
            fail("\(subcommandName()): \(error)", status: .checkFailed)
        }
    }

    /// Prints the one error line and exits; temporary output files are removed.
    static func fail(_ message: String, status: ExitStatus) -> Never {
        StagedOutput.discardAll()
        fflush(nil)
        FileHandle.standardError.write(Data(ErrorLine.render(message).utf8))
        Foundation.exit(status.rawValue)
    }

    /// The subcommand the arguments name, for error lines; "usage" at the top level.
    static func subcommandName() -> String {
        let names = configuration.subcommands.map { $0._commandName }
        return CommandLine.arguments.dropFirst().first(where: { names.contains($0) }) ?? "usage"
    }
}

/// A check that could not be completed or came out against the expectation, with
/// its reason: exit 1, one line.
struct CheckFailure: Error, CustomStringConvertible {
    var what: String
    var problem: String
    var description: String { "\(what): \(problem)" }
}

/// Shared options of the commands that print reports.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print the report as JSON instead of text.")
    var json = false
}
