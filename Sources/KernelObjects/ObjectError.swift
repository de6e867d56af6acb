// SPDX-License-Identifier: GPL-2.0-only
//
// Everything that can go wrong while reading an object file, as one typed error.
// Each description is a single line naming the problem; callers prepend the file name.

/// Why an object file could not be read.
public enum ObjectError: Error, Equatable, Sendable, Codable, CustomStringConvertible {
    /// The path does not exist.
    case fileNotFound
    /// The path names a directory.
    case isDirectory
    /// The path names something other than a regular file (a device, a FIFO, ...).
    case notRegularFile
    /// The file exists but could not be opened or read; the payload is the system's reason.
    case cannotRead(String)
    /// The file is zero bytes long.
    case emptyFile
    /// The file does not start with the ELF magic number.
    case notELF
    /// The file is shorter than the ELF header its identification bytes announce.
    case truncatedHeader
    /// The identification bytes name a class, data encoding or version this reader does not know.
    case unsupportedELF(String)
    /// e_shoff/e_shnum put (part of) the section header table beyond the end of the file.
    case sectionHeaderTableOutsideFile
    /// e_shentsize differs from the size of a section header of the file's class.
    case badSectionHeaderEntrySize(actual: Int, expected: Int)
    /// e_phoff/e_phnum put (part of) the program header table beyond the end of the file.
    case programHeaderTableOutsideFile
    /// e_phentsize differs from the size of a program header of the file's class.
    case badProgramHeaderEntrySize(actual: Int, expected: Int)
    /// e_shstrndx does not name a string table inside the file.
    case badSectionNameTable
    /// The section's contents lie (partly) beyond the end of the file.
    case sectionOutsideFile(String)
    /// The symbol table's contents lie (partly) beyond the end of the file.
    case symbolTableOutsideFile
    /// The file has no SHT_SYMTAB section.
    case noSymbolTable
    /// The symbol table is malformed: wrong entry size, bad string table link, a name
    /// offset outside the string table.
    case corruptSymbolTable(String)
    /// The file carries no DWARF (and no separate debug file was found for it).
    case noDWARF
    /// No DWARF in the file, and the file says why: the payload is the reason (a GCC
    /// LTO object, a stripped object whose debug file lies elsewhere, BTF only, a
    /// split DWARF file or skeleton).
    case noDWARFBecause(String)
    /// The DWARF refers to a supplementary file (`.gnu_debugaltlink`, `.debug_sup`),
    /// which is not looked for.
    case supplementaryDWARF(String)
    /// libdw rejected the DWARF data; the payload is libdw's message.
    case corruptDWARF(String)
    /// A type or a DIE walk would take more than the reader allows.
    case tooComplex(String)
    /// A table claims more entries than `ObjectLimits` allows.
    case tooManyEntries(table: String, count: UInt64, limit: Int)
    /// Sections would take more bytes than `ObjectLimits` allows.
    case tooLarge(what: String, size: UInt64, limit: Int)
    /// Another libelf failure; the payload names the call and carries libelf's message.
    case libelf(operation: String, message: String)
    /// Another libdwfl failure; the payload names the call and carries libdwfl's message.
    case libdwfl(operation: String, message: String)

    public var description: String {
        switch self {
        case .fileNotFound: "no such file"
        case .isDirectory: "is a directory"
        case .notRegularFile: "not a regular file"
        case .cannotRead(let reason): "cannot read file: \(reason)"
        case .emptyFile: "empty file"
        case .notELF: "not an ELF file"
        case .truncatedHeader: "truncated ELF header"
        case .unsupportedELF(let what): "unsupported ELF file: \(what)"
        case .sectionHeaderTableOutsideFile: "section header table lies outside the file"
        case .badSectionHeaderEntrySize(let actual, let expected):
            "section header entry size is \(actual), expected \(expected)"
        case .programHeaderTableOutsideFile: "program header table lies outside the file"
        case .badProgramHeaderEntrySize(let actual, let expected):
            "program header entry size is \(actual), expected \(expected)"
        case .badSectionNameTable: "section name string table index is invalid"
        case .sectionOutsideFile(let name): "section \(name) lies outside the file"
        case .symbolTableOutsideFile: "symbol table lies outside the file"
        case .noSymbolTable: "no symbol table"
        case .corruptSymbolTable(let what): "corrupt symbol table: \(what)"
        case .noDWARF: "no DWARF debug information"
        case .noDWARFBecause(let reason): "no DWARF debug information: \(reason)"
        case .supplementaryDWARF(let name):
            "its DWARF refers to the supplementary file \(name), which is not read; give an object whose DWARF is complete"
        case .corruptDWARF(let message): "corrupt DWARF: \(message)"
        case .tooComplex(let what): "\(what)"
        case .tooManyEntries(let table, let count, let limit):
            "\(table) has \(count) entries, more than the \(limit) this reader accepts"
        case .tooLarge(let what, let size, let limit):
            "\(what) would take \(size) bytes, more than the \(limit) this reader accepts"
        case .libelf(let operation, let message): "libelf: \(operation) failed: \(message)"
        case .libdwfl(let operation, let message): "libdwfl: \(operation) failed: \(message)"
        }
    }
}
