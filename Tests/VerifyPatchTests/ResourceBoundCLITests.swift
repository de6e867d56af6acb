// SPDX-License-Identifier: GPL-2.0-only

import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The command given 4 GiB sparse files, made here with truncate(2): a patch is
/// refused on its size before a byte is read, zeros are not ELF, a good object padded
/// to 4 GiB reads as the object, and 2^26 section headers are refused before they are
/// read. The peak RSS of the largest command run so far is printed, not asserted.
@Suite("verify-patch given 4 GiB sparse files")
struct ResourceBoundCLITests {
    /// A temporary directory with `name` made of `prefix` and a hole up to `size` bytes.
    static func sparse(_ name: String, prefix: [UInt8] = [], size: UInt64) throws -> (URL, String) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("verify-patch-sparse-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try Data(prefix).write(to: URL(fileURLWithPath: path))
        try #require(truncate(path, off_t(size)) == 0)
        return (directory, path)
    }

    static func printPeakRSS(_ what: String) {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        print("\(what): peak RSS of the largest verify-patch run so far \(usage.ru_maxrss / 1024) MiB")
    }

    static let fourGiB: UInt64 = 4 << 30

    @Test func patchOf4GiB() throws {
        let (directory, path) = try Self.sparse("huge.patch", size: Self.fourGiB)
        defer { try? FileManager.default.removeItem(at: directory) }
        let r = try run(verifyPatch, ["functions", "--patch", path])
        #expect(r.status == 2)
        #expect(r.stdout == "")
        #expect(r.stderr == "verify-patch: \(path): larger than 64 MiB, not read\n")
        Self.printPeakRSS("a 4 GiB patch")
    }

    @Test func zerosOf4GiBAsObject() throws {
        let (directory, path) = try Self.sparse("zeros.o", size: Self.fourGiB)
        defer { try? FileManager.default.removeItem(at: directory) }
        let r = try run(verifyPatch, ["check", "--patch", "fixtures/patches/seed-archive.txt", path])
        #expect(r.status == 2)
        #expect(r.stdout == "")
        #expect(r.stderr == "verify-patch: \(path): not an ELF file\n")
        Self.printPeakRSS("4 GiB of zeros as an object")
    }

    @Test func patchedObjectPaddedTo4GiB() throws {
        let object = "fixtures/objects/port/patched/page_alloc.o"
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(object))))
        let (directory, path) = try Self.sparse("page_alloc.o", prefix: bytes, size: Self.fourGiB)
        defer { try? FileManager.default.removeItem(at: directory) }
        let padded = try run(verifyPatch, ["check", "--patch", "fixtures/patches/seed-archive.txt", path])
        let original = try run(verifyPatch, ["check", "--patch", "fixtures/patches/seed-archive.txt", object])
        #expect(padded.status == 0)
        #expect(padded.stderr == "")
        #expect(padded.stdout.replacingOccurrences(of: path, with: object) == original.stdout)
        Self.printPeakRSS("an object padded to 4 GiB")
    }

    @Test func sectionHeadersOf4GiB() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("fixtures/objects/limits/many-sections.o"))))
        let (directory, path) = try Self.sparse("many-sections.o", prefix: bytes, size: 64 + (UInt64(1) << 32))
        defer { try? FileManager.default.removeItem(at: directory) }
        let r = try run(verifyPatch, ["symbols", path])
        #expect(r.status == 2)
        #expect(r.stdout == "")
        #expect(r.stderr == "verify-patch: \(path): section header table has 67108864 entries, more than the 1048576 this reader accepts\n")
        Self.printPeakRSS("2^26 section headers")
    }
}
