// SPDX-License-Identifier: GPL-2.0-only
//
// Verdicts and the evidence behind them, as values: the CLI prints them as text or JSON,
// tests compare them whole.

import KernelObjects
import PatchReader

/// Whether one function of a built object carries the patch.
public enum Verdict: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case patched
    case unpatched
    /// Not in the object: no symbol and no DWARF definition.
    case absent
    /// Present, but nothing in the object tells the two sides apart.
    case indeterminate
    /// The object holds evidence for both sides: facts found only after the patch and
    /// facts found only before it.
    case conflicting

    public var description: String { rawValue }
}

/// The verdict over a whole object.
public enum OverallVerdict: String, Sendable, Codable, CustomStringConvertible {
    /// Every function that could be decided is patched.
    case patched
    /// Every function that could be decided is unpatched.
    case unpatched
    /// Some functions are patched, others are not.
    case partly
    /// None of the patch's functions is in the object.
    case absent
    /// The functions are there but none could be decided.
    case indeterminate
    /// A function holds evidence for both sides.
    case conflicting

    public var description: String { rawValue }
}

/// One ELF symbol of the function, as evidence.
public struct SymbolEvidence: Sendable, Codable, Equatable {
    public var name: String
    public var binding: String
    public var type: String
    public var section: String
    public var size: UInt64
    public var value: UInt64
    /// The STT_FILE entry a LOCAL symbol belongs to.
    public var file: String?
    /// GCC clone suffixes, e.g. ["constprop.0"], empty for the function itself.
    public var clones: [String]
}

/// What the DWARF of the object says about the function.
public struct DWARFEvidence: Sendable, Codable, Equatable {
    public var prototype: String
    public var compilationUnit: String
    public var declFile: String?
    public var declLine: Int?
    /// Only an abstract instance: every call was inlined.
    public var inlinedOnly: Bool
    public var outOfLineCopies: [String]
    public var inlinedCallSites: Int
    public var locals: [String]
    /// How many calls, locals, parameters and labels with a line were read from the
    /// function's instances, and from how many instances.
    public var bodyFacts: Int
    public var instances: Int
}

/// One finding that decided (or failed to decide) a verdict.
public struct Finding: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable {
        case prototypeMatchesAfter = "prototype matches the patched one"
        case prototypeMatchesBefore = "prototype matches the unpatched one"
        case prototypeMatchesNeither = "prototype matches neither side"
        case definedAfter = "defined as the patch defines it"
        case definedBefore = "defined as the patch removes it"
        case bodyMatchesAfter = "found only after the patch"
        case bodyMatchesBefore = "found only before the patch"
        case undecidedHunk = "undecided"
        case nothingToCompare = "prototype unchanged and no call, local or label to compare"
        case notInDWARF = "no DWARF definition"
    }

    public var kind: Kind
    public var detail: String

    public var description: String { detail.isEmpty ? kind.rawValue : "\(kind.rawValue): \(detail)" }
}

/// The verdict for one function and everything it rests on.
public struct FunctionReport: Sendable, Codable, Equatable {
    public var name: String
    public var file: String
    public var hunks: [Int]
    public var verdict: Verdict
    public var findings: [Finding]
    public var expectedBefore: String?
    public var expectedAfter: String?
    public var symbols: [SymbolEvidence]
    public var dwarf: [DWARFEvidence]
}

/// The verdicts for one object.
public struct ObjectReport: Sendable, Codable, Equatable {
    public var path: String
    public var elfClass: Int
    public var byteOrder: String
    public var type: String
    public var overall: OverallVerdict
    public var functions: [FunctionReport]

    static func overall(of functions: [FunctionReport]) -> OverallVerdict {
        let verdicts = functions.map(\.verdict)
        let patched = verdicts.filter { $0 == .patched }.count
        let unpatched = verdicts.filter { $0 == .unpatched }.count
        if verdicts.contains(.conflicting) { return .conflicting }
        if patched > 0 && unpatched > 0 { return .partly }
        if patched > 0 { return .patched }
        if unpatched > 0 { return .unpatched }
        if !verdicts.isEmpty && verdicts.allSatisfy({ $0 == .absent }) { return .absent }
        return .indeterminate
    }
}

/// What the CLI reports for one patch against several objects.
public struct VerificationReport: Sendable, Codable, Equatable {
    public var patch: String
    public var subject: String?
    public var expectations: [FunctionExpectation]
    public var objects: [ObjectReport]

    public init(patch: String, subject: String?, expectations: [FunctionExpectation],
                objects: [ObjectReport]) {
        self.patch = patch
        self.subject = subject
        self.expectations = expectations
        self.objects = objects
    }
}
