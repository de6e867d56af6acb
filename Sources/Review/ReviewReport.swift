// SPDX-License-Identifier: GPL-2.0-only
//
// The reviewer's report on a patch series, as one value: what became of each hunk in the
// port, how much of its code ran, what the variant does differently from the base and
// what that costs or saves, the checks that failed, the directed probes, and the commit
// message with a measurement beside each sentence one speaks to. The text, JSON and SVG
// renderings all come from this value.

import BuddyTypes
import Exploration
import Measurement

/// The review's answer.
public enum ReviewVerdict: String, Sendable, Codable, Equatable {
    /// Nothing the variant showed differed from the base, and nothing broke.
    case unchanged
    /// Observable behaviour differs and nothing broke.
    case changed
    /// On the kernel's own call paths a kernel check fired in the variant, or an
    /// invariant or soundness (PG_reported against the host's discarded set) failed.
    case broken
}

/// One hunk of the series.
public struct HunkReview: Sendable, Codable, Equatable {
    /// 1-based across the series, in order.
    public var index: Int
    /// The patch of the series (1-based) and the hunk's index within it.
    public var patch: Int
    public var hunk: Int
    public var kernelFile: String
    /// The function the hunk changes (the first, when it changes several).
    public var function: String
    public var functions: [String]
    /// Whether the port carries a function the hunk changes.
    public var inPort: Bool
    /// Whether any of its changes were applied to the port.
    public var applied: Bool
    /// applied, partlyApplied, notModelled, alreadyApplied.
    public var state: String
    /// The changes the port does not carry, with the function they belong to.
    public var notModelled: [String]
    /// The kernel 7.3.4 lines and the port's baseline lines the hunk's old side covers,
    /// and the variant's lines its new side covers ("mm/page_alloc.c:953-960").
    public var kernelLines: [String]
    public var portLines: [String]
    public var variantLines: [String]
    /// Every added line of code, with how often it ran over all the review's runs.
    public var addedLines: [LineCount]
    /// Every condition on an added line, with how often it was true and false.
    public var branches: [BranchCount]
    /// Every added line of code ran at least once; nil when nothing was applied.
    public var exercised: Bool?
    /// When some added line never ran: which, and the condition that kept it from
    /// running, as far as the counts show it.
    public var notExercised: String?
}

public struct LineCount: Sendable, Codable, Equatable {
    public var file: String
    public var line: Int
    public var text: String
    public var count: Int
}

public struct BranchCount: Sendable, Codable, Equatable {
    public var file: String
    public var line: Int
    public var condition: String
    public var trueCount: Int
    public var falseCount: Int
}

/// A sentence of a commit message and the measurements that speak to it.
public struct SentenceMeasurement: Sendable, Codable, Equatable {
    public var sentence: String
    /// Each a measurement stated as such; empty when none speaks to the sentence.
    public var measurements: [String]
}

/// One patch of the series.
public struct PatchReview: Sendable, Codable, Equatable {
    public var label: String
    public var title: String?
    public var author: String?
    public var message: [SentenceMeasurement]
}

/// The variant against the model's rules for this patch, when the project has them.
public struct ModelReview: Sendable, Codable, Equatable {
    public var rules: String
    public var geometry: String
    public var seeds: Int
    public var operations: Int
    /// Nil when port and model agreed throughout; else what differed, with a replay.
    public var divergence: String?
}

public struct ReviewReport: Sendable, Codable, Equatable {
    public var verdict: ReviewVerdict
    /// Why the verdict is what it is, one line each.
    public var reasons: [String]
    /// The variant compared against ("baseline", or the baseline with --base patches).
    public var base: String
    public var variant: String
    public var seed: UInt64
    public var patches: [PatchReview]
    public var hunks: [HunkReview]
    public var workloads: [WorkloadComparison]
    public var campaign: CampaignResult
    public var probes: [ProbeReview]
    /// Base and variant explored in lockstep on a tiny zone: pairs of states reached by
    /// the same operations, those whose observable states differ, a shortest way to
    /// the first.
    public var lockstep: LockstepResult?
    /// Why the lockstep exploration could not start, when it could not.
    public var lockstepRefused: String?
    public var model: ModelReview?
}
