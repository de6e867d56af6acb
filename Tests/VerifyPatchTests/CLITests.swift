// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import PatchVerifier
import Testing

@Suite("verify-patch, run as a user runs it")
struct CLITests {
    // The default run: one object unpatched, one patched, expand's prototype without and
    // with `bool reported`, the scenario, exit 0.
    @Test func defaultRun() throws {
        let r = try run(verifyPatch, [])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr == "")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("fixtures/objects/port/baseline/page_alloc.o: UNPATCHED"))
        #expect(lines.contains("fixtures/objects/port/patched/page_alloc.o: PATCHED"))
        #expect(lines.contains("      prototype matches the unpatched one: unsigned int expand(struct zone *zone, struct page *page, int low, int high, int migratetype)"))
        #expect(lines.contains("      prototype matches the patched one: unsigned int expand(struct zone *zone, struct page *page, int low, int high, int migratetype, _Bool reported)"))
        // The scenario on x86-64: the baseline's pass re-reports the order-9 piece of the
        // split block (512 pages), the seed's pieces kept the flag and are left out.
        #expect(lines.contains("  the pass the frees requested sends 1536 pages, 512 of them (2048 KiB) already discarded"))
        #expect(lines.contains("  the pass the frees requested sends 1024 pages, 0 of them (0 KiB) already discarded"))
        #expect(lines.contains("  hunks exercised: 1 yes, 2 NEVER, 3 yes, 4 yes, 5 yes, 6 yes"))
    }

    @Test func checkExitCodes() throws {
        let seed = "fixtures/patches/seed-archive.txt"
        let patched = try run(verifyPatch, ["check", "--patch", seed, "fixtures/objects/port/patched/page_alloc.o"])
        #expect(patched.status == 0)
        let both = try run(verifyPatch, ["check", "--patch", seed, "fixtures/objects/port/patched/page_alloc.o",
                                         "fixtures/objects/port/baseline/page_alloc.o"])
        #expect(both.status == 1)
        let other = try run(verifyPatch, ["check", "--patch", seed, "fixtures/objects/alloc-x86_64.o"])
        #expect(other.status == 1)
        #expect(other.stdout.contains("fixtures/objects/alloc-x86_64.o: ABSENT"))
    }

    @Test func json() throws {
        let r = try run(verifyPatch, ["check", "--json", "--patch", "fixtures/patches/seed-clean.patch",
                                      "fixtures/objects/port/baseline/page_alloc.o",
                                      "fixtures/objects/port/patched/page_alloc.o"])
        #expect(r.status == 1)
        let report = try JSONDecoder().decode(VerificationReport.self, from: Data(r.stdout.utf8))
        #expect(report.objects.map(\.overall) == [.unpatched, .patched])
        #expect(report.objects.map { $0.functions.map(\.verdict) } ==
                [[.unpatched, .unpatched, .unpatched, .unpatched],
                 [.patched, .patched, .patched, .patched]])
    }

    // Every bad input: one line on stderr naming the file and the problem, nothing on
    // stdout, exit 2.
    static let badInputs: [(args: [String], message: String)] = {
        let seed = "fixtures/patches/seed-archive.txt"
        let objects: [(String, String)] = [
            ("fixtures/objects/missing.o", "no such file"),
            ("fixtures/objects", "is a directory"),
            ("fixtures/objects/empty.o", "empty file"),
            ("fixtures/objects/not-elf.o", "not an ELF file"),
            ("fixtures/objects/truncated.o", "truncated ELF header"),
            ("fixtures/objects/bad-shoff.o", "section header table lies outside the file"),
            ("fixtures/objects/bad-shentsize.o", "section header entry size is 50, expected 64"),
            ("fixtures/objects/symtab-outside.o", "symbol table lies outside the file"),
            ("fixtures/objects/no-symtab", "no symbol table"),
            ("fixtures/objects/no-debug.o", "no DWARF debug information"),
            ("fixtures/objects/corrupt-dwarf.o", "corrupt DWARF: invalid DWARF version"),
            ("fixtures/objects/corrupt-dies.o", "corrupt DWARF: unit at offset 0xc does not start with a unit DIE"),
        ]
        let patches: [(String, String)] = [
            ("fixtures/patches/missing.patch", "no such file"),
            ("fixtures/patches", "is a directory"),
            ("fixtures/patches/bad/empty.patch", "empty file"),
            ("fixtures/patches/bad/binary.patch", "binary data at byte 19"),
            ("fixtures/patches/bad/no-hunks.patch", "not a patch: no hunks found"),
            ("fixtures/patches/bad/prose.txt", "not a patch: no hunks found"),
            ("fixtures/patches/bad/unknown-encoding.patch", "unknown text encoding"),
        ]
        return objects.map { (["check", "--patch", seed, $0.0], "\($0.0): \($0.1)") }
            + patches.map { (["check", "--patch", $0.0, "fixtures/objects/port/patched/page_alloc.o"], "\($0.0): \($0.1)") }
            + patches.map { (["functions", "--patch", $0.0], "\($0.0): \($0.1)") }
    }()

    @Test(arguments: badInputs.indices)
    func badInput(_ i: Int) throws {
        let (args, message) = Self.badInputs[i]
        let r = try run(verifyPatch, args)
        #expect(r.status == 2, "\(args)")
        #expect(r.stderr == "verify-patch: \(message)\n")
        #expect(r.stdout == "")
    }

    @Test func crlfIsAccepted() throws {
        let r = try run(verifyPatch, ["check", "--patch", "fixtures/patches/seed-archive-crlf.txt",
                                      "fixtures/objects/port/patched/page_alloc.o"])
        #expect(r.status == 0)
    }
}
