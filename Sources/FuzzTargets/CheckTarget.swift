// SPDX-License-Identifier: GPL-2.0-only
//
// The check's fuzz target: arbitrary bytes read as a patch and checked against built
// objects, as `verify-patch check` does, report rendering included.

import Foundation
import PatchReader
import PatchVerifier

public enum CheckTarget {
    /// Small objects of the fixtures (x86-64, i686 and arm64 builds of
    /// fixtures/objects/src/alloc.c), found from this file's place in the repository:
    /// a check opens each one per input, and the port's objects take 15 times longer.
    static let objects: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return ["fixtures/objects/alloc-x86_64.o", "fixtures/objects/alloc-i686.o",
                "fixtures/objects/cross/alloc-arm64.o"].map { root.appendingPathComponent($0).path }
    }()

    /// Checks the patch in `bytes`. Besides not crashing: the objects are valid, so
    /// reading them never fails; every expectation gets one report, naming only the
    /// patch's hunks; a function with neither symbol nor DWARF is absent.
    public static func run(_ bytes: [UInt8]) {
        guard let set = try? PatchReader.read(bytes), let patch = set.patches.first else { return }
        let expectations = FunctionExpectation.from(patch)
        guard !expectations.isEmpty else { return }
        var reports: [ObjectReport] = []
        for object in objects {
            let report: ObjectReport
            do {
                report = try Verifier.verify(objectAt: object, expectations: expectations)
            } catch {
                fatalError("the object \(object) was refused: \(error)")
            }
            require(report.functions.map(\.name) == expectations.map(\.name), "reports and expectations differ")
            for f in report.functions {
                require(f.hunks.allSatisfy { $0 >= 1 && $0 <= patch.hunks.count }, "a report names a hunk that does not exist")
                if f.symbols.isEmpty && f.dwarf.isEmpty { require(f.verdict == .absent, "a function found nowhere is \(f.verdict)") }
            }
            reports.append(report)
        }
        let all = VerificationReport(patch: "fuzz", subject: patch.subject, expectations: expectations, objects: reports)
        _ = TextReport.render(all)
        require((try? JSONEncoder().encode(all)) != nil, "the report does not encode as JSON")
    }
}
