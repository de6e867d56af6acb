// SPDX-License-Identifier: GPL-2.0-only
//
// The check's fuzz target: arbitrary bytes read as a patch and checked against the
// port's two objects, as `verify-patch check` does, report rendering included.

import Foundation
import PatchReader
import PatchVerifier

public enum CheckTarget {
    /// The port's objects (fixtures/objects/port), found from this file's place in
    /// the repository.
    static let objects: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return ["baseline", "patched"].map { root.appendingPathComponent("fixtures/objects/port/\($0)/page_alloc.o").path }
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
                fatalError("the port's object \(object) was refused: \(error)")
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
