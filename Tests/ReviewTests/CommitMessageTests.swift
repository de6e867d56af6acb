// SPDX-License-Identifier: GPL-2.0-only
//
// A commit message's sentences: paragraphs joined, trailers (Signed-off-by, Cc, Link,
// Assisted-by, ...: a dashed name, or Cc, Link, Fixes, Closes, BugLink) left out, sentences ended at ". ", "? ", "! " and the end of a
// paragraph, but not at "e.g." or "i.e.".

@testable import Review
import Testing

@Suite struct CommitMessageTests {
    @Test func theSeedsMessage() {
        let message = """
            When a reported free page is split via expand() to satisfy a
            smaller allocation, the sub-pages placed back on the free lists
            lose the PageReported flag. This means they will be unnecessarily
            re-reported to the hypervisor in the next reporting cycle, wasting
            work.

            While I was unable to quantify the performance difference, it is
            an obvious waste, even if small.

            Propagate the PageReported flag to sub-pages during expand(),
            both in page_del_and_expand() and try_to_claim_block(), so
            that they are recognized as already-reported.

            Signed-off-by: Michael S. Tsirkin <mst@xxxxxxxxxx>
            Assisted-by: Claude:claude-opus-4-6
            """
        #expect(CommitMessage.sentences(message) == [
            "When a reported free page is split via expand() to satisfy a smaller allocation, the sub-pages placed back on the free lists lose the PageReported flag.",
            "This means they will be unnecessarily re-reported to the hypervisor in the next reporting cycle, wasting work.",
            "While I was unable to quantify the performance difference, it is an obvious waste, even if small.",
            "Propagate the PageReported flag to sub-pages during expand(), both in page_del_and_expand() and try_to_claim_block(), so that they are recognized as already-reported.",
        ])
    }

    @Test func abbreviationsAndTrailers() {
        #expect(CommitMessage.sentences("Use a list, e.g. the tail. Done!\nCc: a@b\nLink: https://x/y") ==
                ["Use a list, e.g. the tail.", "Done!"])
        #expect(CommitMessage.isTrailer("Reviewed-by: A <a@b>"))
        #expect(!CommitMessage.isTrailer("Note: this is prose"))
        #expect(!CommitMessage.isTrailer("mm: page_alloc: fix"))
        #expect(!CommitMessage.isTrailer("Fixes:nothing"))
    }
}
