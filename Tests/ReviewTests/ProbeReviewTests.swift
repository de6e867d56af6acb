// SPDX-License-Identifier: GPL-2.0-only
//
// Directed probes on a review whose own runs are one operation long: 03's merge keeps
// the buddies' PG_reported (fixtures/patches/review/README.md), and its marking line
// needs a Reported buddy, which no single operation makes. The probe finds a run of the
// generator that reaches it, cuts that down to a minimal replay, and replays it base
// against variant with every check. On tiny16 boot leaves 0+8 and 8+8; isolating
// pageblock 1 splits 0+8 into 0+4 and the isolated 4+4; the pass reports 0+4 (isolated
// blocks are skipped); unisolating pageblock 1 merges 4+4 back with the Reported 0+4, and
// the merged 0+8 keeps the flag over pfns 4-7, which the host never discarded. The
// verdict is broken through the probe alone.

import Measurement
import PortVariants
import Review
import Testing

@Suite("Directed probes", .enabled(if: optimizedBuild))
struct ProbeReviewTests {
    @Test func probeReachesTheMarking() throws {
        var options = smallOptions()
        options.geometries = []
        options.campaignSeeds = 1
        options.campaignOperations = 1
        let r = try Reviewer.review(try patches(["fixtures/patches/review/03-merge-keeps-reported.patch"]),
                                    options: options, builder: try VariantBuilder())
        #expect(r.hunks.map(\.exercised) == [true, true, false])
        #expect(r.probes.map(\.hunk) == [3])
        let probe = try #require(r.probes.first)
        #expect([probe.file, "\(probe.line)", probe.text] == ["port/mm/page_alloc.c", "429", "__SetPageReported(page);"])
        #expect(probe.reachedOn == "tiny16")
        #expect(probe.reaching.map(\.description) == [
            ".isolate(pageblock: 1)", ".idle(failing: [])", ".unisolate(pageblock: 1)"])
        #expect(probe.failures.map(\.kind) == [.soundness])
        #expect(probe.failures.first?.what == "block 0+8 is PG_reported but the host does not hold pfn 4 as discarded")
        #expect(probe.findings == [
            "port/mm/page_alloc.c:429 runs on tiny16 after the 3 operations below",
            "base and variant first differ after step 3 of it (page flags): base done, variant done",
            "the variant fails a check at step 3: soundness: block 0+8 is PG_reported but the host does not hold pfn 4 as discarded",
        ])
        #expect(r.verdict == .broken)
        #expect(r.reasons == ["directed probe of hunk 3 on tiny16, step 3: soundness: block 0+8 is PG_reported but the host does not hold pfn 4 as discarded",
                              "lockstep exploration on tiny16, after 3 operations: baseline + fixtures/patches/review/03-merge-keeps-reported.patch: reported block at 0 of order 3 is not wholly discarded by the host"])
    }
}
