// SPDX-License-Identifier: GPL-2.0-only
//
// Every bad-input fixture ends in its own ObjectError case, from ELFFile and from
// DWARFFile, with a one-line description.

import Foundation
import KernelObjects
import Testing

/// The error of opening `object` as an ELFFile and reading its symbols, or nil.
private func elfError(_ object: String) -> ObjectError? {
    do {
        _ = try ELFFile(path: Fixtures.path(object)).symbols()
        return nil
    } catch {
        return error
    }
}

/// The error of opening `object` as a DWARFFile and asking for a function, or nil.
private func dwarfError(_ object: String) -> ObjectError? {
    do {
        _ = try DWARFFile(path: Fixtures.path(object)).functions(named: ["expand"])
        return nil
    } catch {
        return error
    }
}

struct BadInput: Sendable, CustomStringConvertible {
    var object: String
    var elf: ObjectError?
    var dwarf: ObjectError?
    var description: String { object }
}

private let badInputs: [BadInput] = [
    BadInput(object: "does-not-exist.o", elf: .fileNotFound, dwarf: .fileNotFound),
    BadInput(object: "src", elf: .isDirectory, dwarf: .isDirectory),
    BadInput(object: "empty.o", elf: .emptyFile, dwarf: .emptyFile),
    BadInput(object: "not-elf.o", elf: .notELF, dwarf: .notELF),
    BadInput(object: "truncated.o", elf: .truncatedHeader, dwarf: .truncatedHeader),
    BadInput(object: "bad-shoff.o", elf: .sectionHeaderTableOutsideFile, dwarf: .sectionHeaderTableOutsideFile),
    BadInput(object: "bad-shentsize.o", elf: .badSectionHeaderEntrySize(actual: 50, expected: 64),
             dwarf: .badSectionHeaderEntrySize(actual: 50, expected: 64)),
    BadInput(object: "symtab-outside.o", elf: .symbolTableOutsideFile, dwarf: .noDWARF),
    BadInput(object: "no-symtab", elf: .noSymbolTable, dwarf: .noDWARF),
    BadInput(object: "no-debug.o", elf: nil, dwarf: .noDWARF),
    // The messages are libdw's (elfutils 0.188) and the reader's own.
    BadInput(object: "corrupt-dwarf.o", elf: nil, dwarf: .corruptDWARF("invalid DWARF version")),
    BadInput(object: "corrupt-dies.o", elf: nil,
             dwarf: .corruptDWARF("unit at offset 0xc does not start with a unit DIE")),
]

@Test(arguments: badInputs)
func badInputIsATypedError(input: BadInput) {
    #expect(elfError(input.object) == input.elf)
    #expect(dwarfError(input.object) == input.dwarf)
}

@Test func errorDescriptionsAreOneLine() {
    let expected: [(ObjectError, String)] = [
        (.fileNotFound, "no such file"),
        (.isDirectory, "is a directory"),
        (.emptyFile, "empty file"),
        (.notELF, "not an ELF file"),
        (.truncatedHeader, "truncated ELF header"),
        (.sectionHeaderTableOutsideFile, "section header table lies outside the file"),
        (.badSectionHeaderEntrySize(actual: 50, expected: 64), "section header entry size is 50, expected 64"),
        (.symbolTableOutsideFile, "symbol table lies outside the file"),
        (.noSymbolTable, "no symbol table"),
        (.noDWARF, "no DWARF debug information"),
        (.corruptDWARF("invalid DWARF version"), "corrupt DWARF: invalid DWARF version"),
        (.sectionOutsideFile(".strtab"), "section .strtab lies outside the file"),
        (.libelf(operation: "elf_getdata", message: "invalid section"), "libelf: elf_getdata failed: invalid section"),
    ]
    for (error, text) in expected {
        #expect(error.description == text)
        #expect(!text.contains("\n"))
    }
}

@Test func errorsRoundTripThroughCodable() throws {
    let errors: [ObjectError] = [.notELF, .corruptDWARF("x"), .badSectionHeaderEntrySize(actual: 1, expected: 2)]
    let data = try JSONEncoder().encode(errors)
    #expect(try JSONDecoder().decode([ObjectError].self, from: data) == errors)
}

@Test func fixturesAreSmall() throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.directory.path)
    for name in names where name != "src" && name != "expected" {
        let size = try FileManager.default.attributesOfItem(atPath: Fixtures.path(name))[.size] as? Int ?? 0
        #expect(size < 64 * 1024, "\(name)")
    }
}
