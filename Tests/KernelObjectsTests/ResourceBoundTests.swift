// SPDX-License-Identifier: GPL-2.0-only
//
// Objects that claim more than a reader should take on: a 4 GiB sparse file, 2^26
// section headers, a symbol table of 2^32 entries, a DWARF unit longer than its
// section. Each is refused with a typed error or read as usual, without reading the
// holes. The big files are sparse copies of fixtures/objects/limits (made by
// scripts/make-limit-fixtures.sh), extended at test time in a temporary directory.
// Time and peak RSS are printed, not asserted; scripts/resource-bounds.sh measures the
// command-line tool on the same inputs.

import Foundation
import KernelObjects
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A temporary directory removed when the value goes away.
final class ScratchDirectory {
    let url: URL

    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("kernel-objects-\(name)-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A copy of `bytes` extended with a hole to `size` bytes.
    func sparse(_ name: String, bytes: [UInt8], size: UInt64) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(truncate(path, off_t(size)) == 0)
        return path
    }
}

/// Runs `body` and prints its wall time and the process's peak RSS afterwards.
func measured<T>(_ what: String, _ body: () throws -> T) rethrows -> T {
    let start = ContinuousClock.now
    let result = try body()
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    print("\(what): \(ContinuousClock.now - start), peak RSS of the test process \(usage.ru_maxrss / 1024) MiB")
    return result
}

private func limitFixture(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: Fixtures.directory.appendingPathComponent("limits/\(name)")))
}

private func elfError(_ path: String) -> ObjectError? {
    do {
        _ = try ELFFile(path: path).symbols()
        return nil
    } catch {
        return error
    }
}

private func dwarfError(_ path: String) -> ObjectError? {
    do {
        _ = try DWARFFile(path: path).functions(named: ["expand"])
        return nil
    } catch {
        return error
    }
}

private let fourGiB: UInt64 = 4 << 30

@Suite struct ResourceBoundTests {
    @Test func zeroFilledSparseFileOf4GiB() throws {
        let scratch = try ScratchDirectory("zeros")
        let path = try scratch.sparse("zeros", bytes: [], size: fourGiB)
        #expect(measured("4 GiB of zeros as ELF") { elfError(path) } == .notELF)
        #expect(measured("4 GiB of zeros as DWARF") { dwarfError(path) } == .notELF)
    }

    /// A good object followed by a 4 GiB hole reads as the object alone.
    @Test func objectPaddedTo4GiB() throws {
        let scratch = try ScratchDirectory("padded")
        let original = Fixtures.path("alloc-x86_64.o")
        let path = try scratch.sparse("padded.o", bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: original))),
                                      size: fourGiB)
        let symbols = try measured("symbols of an object padded to 4 GiB") { try ELFFile(path: path).symbols() }
        #expect(symbols == (try ELFFile(path: original).symbols()))
        let names: Set<String> = ["expand", "count_free", "zone_report"]
        let functions = try measured("DWARF of an object padded to 4 GiB") {
            try DWARFFile(path: path).functions(named: names)
        }
        #expect(functions == (try DWARFFile(path: original).functions(named: names)))
    }

    @Test func sectionHeaderTableOf4GiB() throws {
        let scratch = try ScratchDirectory("sections")
        let path = try scratch.sparse("many-sections.o", bytes: try limitFixture("many-sections.o"),
                                      size: 64 + (UInt64(1) << 26) * 64)
        let refusal = ObjectError.tooManyEntries(table: "section header table", count: 1 << 26,
                                                 limit: ObjectLimits.sections)
        #expect(measured("2^26 section headers as ELF") { elfError(path) } == refusal)
        #expect(measured("2^26 section headers as DWARF") { dwarfError(path) } == refusal)
    }

    @Test func symbolTableClaiming2To32Entries() throws {
        let scratch = try ScratchDirectory("symtab")
        let bytes = try limitFixture("huge-symtab.o")
        // As committed, the table lies outside the file.
        let short = try scratch.sparse("short.o", bytes: bytes, size: UInt64(bytes.count))
        #expect(elfError(short) == .symbolTableOutsideFile)
        // Extended to hold it: 96 GiB, all but 4 KiB of it a hole.
        let path = try scratch.sparse("huge-symtab.o", bytes: bytes, size: 4096 + (UInt64(1) << 32) * 24)
        let refusal = ObjectError.tooManyEntries(table: "symbol table", count: 1 << 32, limit: ObjectLimits.symbols)
        #expect(measured("2^32 symbols") { elfError(path) } == refusal)
        #expect(try ELFFile(path: path).dynamicSymbols() == [])
    }

    @Test(arguments: [
        ("unit-length-reserved.o", ObjectError.corruptDWARF("invalid DWARF")),
        ("unit-length-dwarf64.o", .corruptDWARF("invalid DWARF version")),
    ])
    func dwarfUnitClaimingAHugeLength(object: String, error: ObjectError) throws {
        let path = Fixtures.path("limits/\(object)")
        #expect(elfError(path) == nil)
        #expect(measured(object) { dwarfError(path) } == error)
    }

    /// libdw ends a unit that claims to run past .debug_info at the section's end; the
    /// unit's DIEs are intact, so the answers are those of the intact file.
    @Test func dwarfUnitRunningPastItsSection() throws {
        let path = Fixtures.path("limits/unit-length-past-section.o")
        let names: Set<String> = ["expand", "count_free", "zone_report"]
        let dwarf = try DWARFFile(path: path)
        #expect(try dwarf.compilationUnits() == ["alloc.c"])
        let functions = try measured("a unit running past its section") { try dwarf.functions(named: names) }
        #expect(functions == (try DWARFFile(path: Fixtures.path("alloc-x86_64.o")).functions(named: names)))
        #expect(functions.map(\.prototype.name).sorted() == ["count_free", "expand", "zone_report"])
    }

    /// libelf would allocate and inflate 4 GiB for a section that claims it; the claim is
    /// refused before libdwfl opens the file.
    @Test func compressedSectionInflatingTo4GiB() throws {
        let path = Fixtures.path("limits/compressed-4gib.o")
        #expect(elfError(path) == nil)
        #expect(measured("a section inflating to 4 GiB") { dwarfError(path) }
            == .tooLarge(what: "the compressed sections, uncompressed,", size: 4 << 30,
                         limit: ObjectLimits.uncompressedBytes))
    }

    /// libdwfl would apply 178,956,970 relocations read from a hole to a 2,806-byte
    /// .debug_info; more than two per byte of the target are refused.
    @Test func relocationSectionOf4GiB() throws {
        let scratch = try ScratchDirectory("rela")
        let path = try scratch.sparse("rela-4gib.o", bytes: try limitFixture("rela-4gib.o"),
                                      size: (1 << 20) + (4 << 30) / 24 * 24)
        #expect(elfError(path) == nil)
        #expect(measured("a 4 GiB relocation section") { dwarfError(path) }
            == .tooManyEntries(table: "relocation section .rela.debug_info", count: 178_956_970, limit: 5_612))
    }

    @Test func limitDescriptionsAreOneLine() {
        #expect(ObjectError.tooManyEntries(table: "symbol table", count: 1 << 32, limit: ObjectLimits.symbols).description
            == "symbol table has 4294967296 entries, more than the 4194304 this reader accepts")
        #expect(ObjectError.tooLarge(what: "the compressed sections, uncompressed,", size: 4 << 30,
                                     limit: ObjectLimits.uncompressedBytes).description
            == "the compressed sections, uncompressed, would take 4294967296 bytes, more than the 2147483648 this reader accepts")
        #expect(ObjectLimits.sections == 1_048_576)
        #expect(ObjectLimits.symbols == 4_194_304)
        #expect(ObjectLimits.uncompressedBytes == 2_147_483_648)
    }
}
