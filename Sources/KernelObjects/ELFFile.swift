// SPDX-License-Identifier: GPL-2.0-only
//
// An ELF file opened through libelf: its header, its sections and its symbol tables.
// libelf's gelf_* interface hides class (ELF32/ELF64) and byte order.

import CLibElf

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An open ELF file. The libelf handle and the file descriptor live exactly as long as
/// the object. Not safe for concurrent use; open one per task instead.
public final class ELFFile {
    private let file: OpenFile
    private let header: CheckedHeader
    private let elf: OpaquePointer
    /// The file's header and section headers.
    public let info: ObjectInfo

    /// Opens `path`, checks its ELF header and section header table against the file
    /// size, then hands it to libelf (read-only, memory-mapped).
    public init(path: String) throws(ObjectError) {
        _ = LibElf.ready
        let file = try OpenFile(path: path)
        let header = try checkHeader(of: file)
        let elf = try checked(.elf, "elf_begin", elf_begin(file.descriptor, ELF_C_READ_MMAP, nil))
        do throws(ObjectError) {
            guard elf_kind(elf) == ELF_K_ELF else { throw .notELF }
            info = try readInfo(elf, header: header)
        } catch {
            elf_end(elf)
            throw error
        }
        self.file = file
        self.header = header
        self.elf = elf
    }

    deinit { elf_end(elf) }

    /// Lends the open file to `body`.
    func withOpenFile<R>(_ body: (borrowing OpenFile) -> R) -> R {
        body(file)
    }

    /// The entries of the SHT_SYMTAB section, without the null symbol at index 0.
    public func symbols() throws(ObjectError) -> [Symbol] {
        guard let index = info.sections.first(where: { $0.type == UInt32(SHT_SYMTAB) })?.index else {
            throw .noSymbolTable
        }
        return try readSymbols(elf, table: index, header: header, info: info)
    }

    /// The entries of the SHT_DYNSYM section (empty when there is none), without the
    /// null symbol at index 0.
    public func dynamicSymbols() throws(ObjectError) -> [Symbol] {
        guard let index = info.sections.first(where: { $0.type == UInt32(SHT_DYNSYM) })?.index else {
            return []
        }
        return try readSymbols(elf, table: index, header: header, info: info)
    }

    /// The STT_FUNC and STT_GNU_IFUNC symbols whose base name (clone suffixes removed)
    /// is one of `names`, in table order; clones and `.cold` parts are included. With
    /// `file`, only symbols attributed to that source file (see `Symbol.file`).
    public func functions(named names: Set<String>, file: String? = nil) throws(ObjectError) -> [Symbol] {
        try functions(named: names, firstIn: []).symbols.filter { file == nil || $0.file == file }
    }

    /// The STT_FUNC and STT_GNU_IFUNC symbols whose base name is one of `names`, as
    /// `functions(named:)` gives them, and the value of the first STT_FUNC symbol
    /// attributed to each of `files` (base names as STT_FILE symbols give them): an
    /// address inside the code that file compiled to. One pass over the table; only
    /// names that start with one of `names` up to a dot (where clone suffixes begin)
    /// become values, since a vmlinux has a few hundred thousand symbols.
    public func functions(named names: Set<String>, firstIn files: Set<String>)
        throws(ObjectError) -> (symbols: [Symbol], addresses: [String: UInt64])
    {
        guard let index = info.sections.first(where: { $0.type == UInt32(SHT_SYMTAB) })?.index else {
            throw .noSymbolTable
        }
        let prefixes = SymbolNamePrefixes(names)
        var symbols: [Symbol] = []
        var addresses: [String: UInt64] = [:]
        for symbol in try readSymbols(elf, table: index, header: header, info: info, keep: prefixes.mayMatch)
            where symbol.isFunction {
            if names.contains(symbol.baseName) { symbols.append(symbol) }
            if symbol.value != 0, let file = symbol.file, files.contains(file), addresses[file] == nil {
                addresses[file] = symbol.value
            }
        }
        return (symbols, addresses)
    }
}

private let shnUndef: UInt32 = 0
private let shnLoReserve: UInt32 = 0xff00
private let shnAbs: UInt32 = 0xfff1
private let shnCommon: UInt32 = 0xfff2
private let shnXIndex: UInt32 = 0xffff

private func readInfo(_ elf: OpaquePointer, header: CheckedHeader) throws(ObjectError) -> ObjectInfo {
    var ehdr = GElf_Ehdr()
    try checked(.elf, "gelf_getehdr", gelf_getehdr(elf, &ehdr))
    var count = 0
    try checked(.elf, "elf_getshdrnum", status: elf_getshdrnum(elf, &count))
    guard count == header.sections.count else { throw .sectionHeaderTableOutsideFile }

    var sections: [SectionInfo] = []
    sections.reserveCapacity(count)
    // Names are read once per offset: thousands of sections can share one name.
    var names = NameTable(fileSize: header.fileSize, what: "section names")
    for index in 0..<count {
        let scn = try checked(.elf, "elf_getscn", elf_getscn(elf, index))
        var shdr = GElf_Shdr()
        try checked(.elf, "gelf_getshdr", gelf_getshdr(scn, &shdr))
        var name = ""
        if let table = header.sectionNameTable, index != 0 || shdr.sh_name != 0 {
            name = try names.name(at: shdr.sh_name) { () throws(ObjectError) in
                try checked(.elf, "elf_strptr", elf_strptr(elf, table, Int(shdr.sh_name)))
            }
        }
        sections.append(SectionInfo(
            index: index, name: name, type: shdr.sh_type, flags: shdr.sh_flags,
            address: shdr.sh_addr, offset: shdr.sh_offset, size: shdr.sh_size,
            link: shdr.sh_link, info: shdr.sh_info, alignment: shdr.sh_addralign,
            entrySize: shdr.sh_entsize))
    }

    return ObjectInfo(
        elfClass: header.is64 ? .elf64 : .elf32,
        byteOrder: header.bigEndian ? .bigEndian : .littleEndian,
        type: ObjectType(raw: ehdr.e_type),
        machine: ehdr.e_machine,
        entry: ehdr.e_entry,
        hasSymtab: sections.contains { $0.type == UInt32(SHT_SYMTAB) },
        hasDebugInfo: sections.contains { $0.name == ".debug_info" || $0.name == ".zdebug_info" },
        sections: sections)
}

/// Reads the symbol table in section `table`, after checking that it, its string table
/// and any SHT_SYMTAB_SHNDX section lie inside the file.
/// With `keep`, only symbols whose name it accepts are returned, besides STT_FILE
/// symbols and the first function symbol after each of them.
private func readSymbols(_ elf: OpaquePointer, table: Int, header: CheckedHeader,
                         info: ObjectInfo,
                         keep: ((UnsafePointer<CChar>) -> Bool)? = nil) throws(ObjectError) -> [Symbol] {
    let symtab = info.sections[table]
    guard header.containsContents(of: header.sections[table]) else { throw .symbolTableOutsideFile }

    let fileSize = gelf_fsize(elf, ELF_T_SYM, 1, UInt32(EV_CURRENT))
    let entrySize = UInt64(try checked(.elf, "gelf_fsize", fileSize == 0 ? nil : fileSize))
    guard symtab.entrySize == entrySize else {
        throw .corruptSymbolTable("entry size is \(symtab.entrySize), expected \(entrySize)")
    }
    guard symtab.size % entrySize == 0 else {
        throw .corruptSymbolTable("size \(symtab.size) is not a multiple of the entry size \(entrySize)")
    }
    guard symtab.size / entrySize <= UInt64(ObjectLimits.symbols) else {
        throw .tooManyEntries(table: "symbol table", count: symtab.size / entrySize, limit: ObjectLimits.symbols)
    }
    let strings = Int(symtab.link)
    guard strings > 0, strings < info.sections.count,
          info.sections[strings].type == UInt32(SHT_STRTAB) else {
        throw .corruptSymbolTable("string table link \(symtab.link) does not name a string table")
    }
    guard header.containsContents(of: header.sections[strings]) else {
        throw .sectionOutsideFile(info.sections[strings].name)
    }

    let extended = info.sections.first {
        $0.type == UInt32(SHT_SYMTAB_SHNDX) && Int($0.link) == table
    }
    if let extended, !header.containsContents(of: header.sections[extended.index]) {
        throw .sectionOutsideFile(extended.name)
    }

    let symbolSection = try checked(.elf, "elf_getscn", elf_getscn(elf, table))
    let symbolData = try checked(.elf, "elf_getdata", elf_getdata(symbolSection, nil))
    var indexData: UnsafeMutablePointer<Elf_Data>?
    if let extended {
        let indexSection = try checked(.elf, "elf_getscn", elf_getscn(elf, extended.index))
        indexData = try checked(.elf, "elf_getdata", elf_getdata(indexSection, nil))
    }

    let count = Int(symtab.size / entrySize)
    let singleFile: String? = (info.type == .relocatable) ? try soleFileSymbol(elf, symbolData, count, strings) : nil

    var symbols: [Symbol] = []
    symbols.reserveCapacity(max(count - 1, 0))
    var names = NameTable(fileSize: header.fileSize, what: "symbol names")
    var currentFile: String?
    var firstFunction = false
    for index in 1..<max(count, 1) {
        var sym = GElf_Sym()
        var shndxExtension: Elf32_Word = 0
        try checked(.elf, "gelf_getsymshndx",
                    gelf_getsymshndx(symbolData, indexData, Int32(index), &sym, &shndxExtension))
        if let keep, sym.st_info & 0xf != 4 {
            let isFunction = sym.st_info & 0xf == 2
            let wanted = sym.st_name != 0 && elf_strptr(elf, strings, Int(sym.st_name)).map { keep(UnsafePointer($0)) } == true
            if !wanted && !(isFunction && firstFunction) { continue }
            if isFunction { firstFunction = false }
        } else if keep != nil {
            firstFunction = true
        }
        let name = sym.st_name == 0 ? "" : try names.name(at: sym.st_name) { () throws(ObjectError) in
            guard let name = elf_strptr(elf, strings, Int(sym.st_name)) else {
                throw .corruptSymbolTable("name of symbol \(index) lies outside its string table")
            }
            return name
        }
        let binding = SymbolBinding(raw: sym.st_info >> 4)
        let type = SymbolType(raw: sym.st_info & 0xf)

        let section: SymbolSection
        let shndx = UInt32(sym.st_shndx)
        switch shndx {
        case shnUndef: section = .undefined
        case shnAbs: section = .absolute
        case shnCommon: section = .common
        case shnXIndex:
            section = try sectionReference(Int(shndxExtension), info, symbol: index)
        case shnLoReserve...: section = .reserved(UInt16(shndx))
        default:
            section = try sectionReference(Int(shndx), info, symbol: index)
        }

        var file: String?
        if type == .file {
            currentFile = name.isEmpty ? nil : name
        } else if binding == .local {
            file = currentFile
        } else if section != .undefined {
            file = singleFile
        }

        symbols.append(Symbol(index: index, name: name, file: file, binding: binding, type: type,
                              visibility: SymbolVisibility(raw: sym.st_other), section: section,
                              value: sym.st_value, size: sym.st_size))
    }
    return symbols
}

private func symbolName(_ elf: OpaquePointer, _ strings: Int, _ offset: Elf64_Word,
                        index: Int) throws(ObjectError) -> String {
    guard offset != 0 else { return "" }
    guard let name = elf_strptr(elf, strings, Int(offset)) else {
        throw .corruptSymbolTable("name of symbol \(index) lies outside its string table")
    }
    return String(cString: name)
}

private func sectionReference(_ index: Int, _ info: ObjectInfo,
                              symbol: Int) throws(ObjectError) -> SymbolSection {
    guard index < info.sections.count else {
        throw .corruptSymbolTable("symbol \(symbol) refers to section \(index), which does not exist")
    }
    return .section(index: index, name: info.sections[index].name)
}

/// The first characters of function names, up to where clone suffixes begin, by
/// length: a name is looked at further only when its part before the first dot has
/// one of these lengths and bytes.
struct SymbolNamePrefixes {
    /// Index: a name's length in bytes.
    private let byLength: [[[UInt8]]]

    init(_ names: Set<String>) {
        var table = [[[UInt8]]](repeating: [], count: (names.map(\.utf8.count).max() ?? 0) + 1)
        for name in names { table[name.utf8.count].append(Array(name.utf8)) }
        byLength = table
    }

    func mayMatch(_ name: UnsafePointer<CChar>) -> Bool {
        let length = strcspn(name, ".")
        guard length < byLength.count else { return false }
        let candidates = byLength[length]
        return candidates.contains { candidate in
            candidate.withUnsafeBufferPointer { memcmp($0.baseAddress!, name, length) == 0 }
        }
    }
}

/// The name of the only STT_FILE symbol, when there is exactly one.
private func soleFileSymbol(_ elf: OpaquePointer, _ data: UnsafeMutablePointer<Elf_Data>,
                            _ count: Int, _ strings: Int) throws(ObjectError) -> String? {
    var found: String?
    for index in 1..<max(count, 1) {
        var sym = GElf_Sym()
        try checked(.elf, "gelf_getsym", gelf_getsym(data, Int32(index), &sym))
        guard sym.st_info & 0xf == 4 else { continue }
        if found != nil { return nil }
        let name = try symbolName(elf, strings, sym.st_name, index: index)
        guard !name.isEmpty else { return nil }
        found = name
    }
    return found
}

/// Names read from a string table, once per offset, so that entries sharing a name
/// share its storage; and a bound on the text they stand for: names may repeat a long
/// string for every entry, which callers then print, so their total is refused past
/// four times the file's size and 64 MiB.
struct NameTable {
    private var byOffset: [UInt32: String] = [:]
    private var total = 0
    let limit: Int
    let what: String

    init(fileSize: UInt64, what: String) {
        limit = (64 << 20) + Int(clamping: fileSize.multipliedReportingOverflow(by: 4).partialValue)
        self.what = what
    }

    mutating func name(at offset: UInt32,
                       _ read: () throws(ObjectError) -> UnsafeMutablePointer<CChar>) throws(ObjectError) -> String {
        let name: String
        if let known = byOffset[offset] {
            name = known
        } else {
            name = String(cString: try read())
            byOffset[offset] = name
        }
        total += name.utf8.count
        guard total <= limit else {
            throw .tooLarge(what: "the \(what), repeated,", size: UInt64(total), limit: limit)
        }
        return name
    }
}
