// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import BuddyPort

@main
struct VerifyPatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-patch",
        abstract: "Check a page allocator patch against its claims and against built kernels.",
        discussion: """
            Exit codes: 0 success, 1 a check did not hold, 2 bad input or usage.
            """,
        subcommands: [Demo.self],
        defaultSubcommand: Demo.self
    )
}
