// SPDX-License-Identifier: GPL-2.0-only
//
// ELFFile against `readelf`: headers, sections and every symbol of every fixture,
// then exact expectations for clone names, file attribution and same-named statics.

import KernelObjects
import Testing

private let readelfTypes: [String: SymbolType] = [
    "NOTYPE": .notype, "OBJECT": .object, "FUNC": .function, "SECTION": .section,
    "FILE": .file, "COMMON": .common, "TLS": .tls, "IFUNC": .indirectFunction,
]
private let readelfBindings: [String: SymbolBinding] = [
    "LOCAL": .local, "GLOBAL": .global, "WEAK": .weak, "UNIQUE": .unique,
]
private let readelfVisibilities: [String: SymbolVisibility] = [
    "DEFAULT": .default, "INTERNAL": .internal, "HIDDEN": .hidden, "PROTECTED": .protected,
]
private let readelfSectionTypes: [String: UInt32] = [
    "NULL": 0, "PROGBITS": 1, "SYMTAB": 2, "STRTAB": 3, "RELA": 4, "HASH": 5, "DYNAMIC": 6,
    "NOTE": 7, "NOBITS": 8, "REL": 9, "DYNSYM": 11, "INIT_ARRAY": 14, "FINI_ARRAY": 15,
    "GROUP": 17, "SYMTAB_SHNDX": 18, "GNU_HASH": 0x6fff_fff6, "X86_64_UNWIND": 0x7000_0001,
]
private let readelfSectionFlags: [Character: UInt64] = [
    "W": 0x1, "A": 0x2, "X": 0x4, "M": 0x10, "S": 0x20, "I": 0x40, "L": 0x80, "O": 0x100,
    "G": 0x200, "T": 0x400, "C": 0x800, "E": 0x8000_0000,
]

/// What readelf's Ndx column says about `section`.
private func expectedSection(_ ndx: String, _ sections: [SectionInfo]) -> SymbolSection {
    switch ndx {
    case "UND": return .undefined
    case "ABS": return .absolute
    case "COM": return .common
    default:
        let index = Int(ndx)!
        return .section(index: index, name: sections[index].name)
    }
}

private func compare(_ symbols: [Symbol], with rows: [ReadelfSymbol], sections: [SectionInfo]) {
    // readelf lists the null symbol 0; the reader leaves it out.
    let rows = rows.filter { $0.number != 0 }
    #expect(symbols.count == rows.count)
    for (symbol, row) in zip(symbols, rows) {
        #expect(symbol.index == row.number)
        // readelf shows an unnamed section symbol under its section's name.
        let shown = symbol.type == .section && symbol.name.isEmpty ? symbol.section.name ?? "" : symbol.name
        #expect(shown == row.name)
        #expect(symbol.value == row.value, "\(row.name)")
        #expect(symbol.size == row.size, "\(row.name)")
        #expect(symbol.type == readelfTypes[row.type], "\(row.name)")
        #expect(symbol.binding == readelfBindings[row.binding], "\(row.name)")
        #expect(symbol.visibility == readelfVisibilities[row.visibility], "\(row.name)")
        #expect(symbol.section == expectedSection(row.sectionIndex, sections), "\(row.name)")
    }
}

@Test(arguments: Fixtures.symbolObjects)
func symbolTableMatchesReadelf(object: String) throws {
    let file = try ELFFile(path: Fixtures.path(object))
    let tables = parseReadelfSymbols(try Fixtures.expected(object, "readelf-s"))
    let symtab = try #require(tables[".symtab"])
    compare(try file.symbols(), with: symtab, sections: file.info.sections)
    compare(try file.dynamicSymbols(), with: tables[".dynsym"] ?? [], sections: file.info.sections)
}

@Test(arguments: Fixtures.symbolObjects)
func sectionHeadersMatchReadelf(object: String) throws {
    let file = try ELFFile(path: Fixtures.path(object))
    let rows = parseReadelfSections(try Fixtures.expected(object, "readelf-S"))
    #expect(file.info.sections.count == rows.count)
    for (section, row) in zip(file.info.sections, rows) {
        #expect(section.index == row.index)
        #expect(section.name == row.name)
        #expect(section.type == readelfSectionTypes[row.type], "\(row.name) \(row.type)")
        #expect(section.address == row.address, "\(row.name)")
        #expect(section.offset == row.offset, "\(row.name)")
        #expect(section.size == row.size, "\(row.name)")
        #expect(section.entrySize == row.entrySize, "\(row.name)")
        #expect(section.link == row.link, "\(row.name)")
        #expect(section.info == row.info, "\(row.name)")
        #expect(section.alignment == row.alignment, "\(row.name)")
        let flags = row.flags.reduce(UInt64(0)) { $0 | readelfSectionFlags[$1]! }
        #expect(section.flags == flags, "\(row.name) \(row.flags)")
    }
}

@Test(arguments: Fixtures.symbolObjects)
func headerMatchesReadelf(object: String) throws {
    let info = try ELFFile(path: Fixtures.path(object)).info
    let header = parseReadelfHeader(try Fixtures.expected(object, "readelf-h"))
    let classes: [String: ELFClass] = ["ELF32": .elf32, "ELF64": .elf64]
    let orders: [String: ByteOrder] = [
        "2's complement, little endian": .littleEndian, "2's complement, big endian": .bigEndian,
    ]
    let types: [String: ObjectType] = [
        "REL (Relocatable file)": .relocatable, "EXEC (Executable file)": .executable,
        "DYN (Shared object file)": .sharedObject,
    ]
    let machines: [String: UInt16] = [
        "Advanced Micro Devices X86-64": 62, "Intel 80386": 3, "PowerPC": 20, "PowerPC64": 21,
    ]
    #expect(info.elfClass == classes[header["Class"]!])
    #expect(info.byteOrder == orders[header["Data"]!])
    #expect(info.type == types[header["Type"]!])
    #expect(info.machine == machines[header["Machine"]!])
    #expect(info.entry == UInt64(header["Entry point address"]!.dropFirst(2), radix: 16)!)
    #expect(info.sections.count == Int(header["Number of section headers"]!)!)
}

@Test func classesAndByteOrders() throws {
    let expected: [(String, ELFClass, ByteOrder, ObjectType, String)] = [
        ("alloc-x86_64.o", .elf64, .littleEndian, .relocatable, "x86_64"),
        ("alloc-i686.o", .elf32, .littleEndian, .relocatable, "i386"),
        ("alloc-ppc.o", .elf32, .bigEndian, .relocatable, "ppc"),
        ("alloc-ppc64.o", .elf64, .bigEndian, .relocatable, "ppc64"),
        ("exec-x86_64", .elf64, .littleEndian, .executable, "x86_64"),
        ("shared-x86_64.so", .elf64, .littleEndian, .sharedObject, "x86_64"),
    ]
    for (object, elfClass, order, type, machine) in expected {
        let info = try ELFFile(path: Fixtures.path(object)).info
        #expect(info.elfClass == elfClass, "\(object)")
        #expect(info.byteOrder == order, "\(object)")
        #expect(info.type == type, "\(object)")
        #expect(info.machineName == machine, "\(object)")
        #expect(info.hasSymtab, "\(object)")
        #expect(info.hasDebugInfo, "\(object)")
    }
    let plain = try ELFFile(path: Fixtures.path("no-debug.o")).info
    #expect(plain.hasSymtab)
    #expect(!plain.hasDebugInfo)
    let stripped = try ELFFile(path: Fixtures.path("no-symtab")).info
    #expect(!stripped.hasSymtab)
    #expect(!stripped.hasDebugInfo)
}

@Test func cloneNamesInRelocatableObject() throws {
    let file = try ELFFile(path: Fixtures.path("alloc-x86_64.o"))
    let functions = try file.functions(named: ["count_free", "expand", "page_weight", "page_score", "check_page"])
    let summary = functions.map { "\($0.name) \($0.baseName) \($0.clones) \($0.section.name ?? "-") \($0.value) \($0.size)" }
    #expect(summary == [
        "count_free.part.0 count_free [.part.0] .text 0 164",
        "expand.constprop.0 expand [.constprop.0] .text 176 91",
        "page_weight.constprop.0.isra.0 page_weight [.constprop.0, .isra.0] .text 272 11",
        "page_score.isra.0 page_score [.isra.0] .text 288 11",
        "check_page.cold check_page [.cold] .text.unlikely 0 34",
        "check_page check_page [] .text 304 35",
    ])
    let weight = try #require(functions.first { $0.name == "page_weight.constprop.0.isra.0" })
    #expect(weight.clones == [CloneSuffix(.constprop, 0), CloneSuffix(.isra, 0)])
    #expect(weight.cloneKinds == [.constprop, .isra])
    #expect(weight.isClone)
    let cold = try #require(functions.first { $0.name == "check_page.cold" })
    #expect(cold.clones == [CloneSuffix(.cold)])
    #expect(cold.binding == .local)
    #expect(!(try #require(functions.last)).isClone)
}

@Test func fileAttribution() throws {
    let object = try ELFFile(path: Fixtures.path("alloc-x86_64.o")).symbols()
    // Every defined symbol of a single-file object belongs to that file; undefined
    // globals belong to none.
    for symbol in object where symbol.type != .file {
        #expect(symbol.file == (symbol.section == .undefined ? nil : "alloc.c"), "\(symbol.name)")
    }

    let shared = try ELFFile(path: Fixtures.path("shared-x86_64.so")).symbols()
    let files = shared.map { "\($0.name):\($0.file ?? "-")" }
    #expect(files == [
        "shared.c:-", "zone_size.localalias:shared.c", ":-", "_DYNAMIC:-", "__GNU_EH_FRAME_HDR:-",
        "_GLOBAL_OFFSET_TABLE_:-", "zone_size:-", "zone_size_twice:-", "sink:-",
    ])
    let alias = try #require(shared.first { $0.name == "zone_size.localalias" })
    #expect(alias.baseName == "zone_size")
    #expect(alias.clones == [CloneSuffix(.localalias)])
}

@Test func staticFunctionsWithTheSameNameStayApart() throws {
    let file = try ELFFile(path: Fixtures.path("exec-x86_64"))
    let helpers = try file.functions(named: ["helper"])
    #expect(helpers.count == 2)
    #expect(helpers.map(\.file) == ["first.c", "second.c"])
    #expect(helpers.map(\.value) == [0x400170, 0x4001a0])
    #expect(helpers.map(\.size) == [5, 9])
    #expect(helpers.allSatisfy { $0.binding == .local && $0.type == .function })
    #expect(helpers[0] != helpers[1])
    #expect(try file.functions(named: ["helper"], file: "second.c").map(\.value) == [0x4001a0])

    // Globals of a linked file have no single source file; the locals of alloc.c keep theirs.
    let checks = try file.functions(named: ["check_page"])
    #expect(checks.map { "\($0.name):\($0.file ?? "-"):\($0.binding)" } == [
        "check_page.cold:alloc.c:local", "check_page:-:global",
    ])
}

@Test func bigEndianAndThirtyTwoBitSymbols() throws {
    let ppc = try ELFFile(path: Fixtures.path("alloc-ppc.o")).functions(named: ["expand", "page_score"])
    #expect(ppc.map { "\($0.name)@\($0.value)+\($0.size)" } == [
        "expand.constprop.0@256+136", "page_score.isra.0@416+16",
    ])
    // ppc64 ELFv1: function symbols name descriptors in .opd.
    let ppc64 = try ELFFile(path: Fixtures.path("alloc-ppc64.o")).functions(named: ["expand"])
    #expect(ppc64.map { "\($0.name)@\($0.value)+\($0.size) \($0.section.name ?? "-")" } == [
        "expand.constprop.0@24+148 .opd",
    ])
    let i686 = try ELFFile(path: Fixtures.path("alloc-i686.o")).functions(named: ["page_weight"])
    #expect(i686.map { "\($0.name)@\($0.value)+\($0.size)" } == ["page_weight.constprop.0.isra.0@256+8"])
}

@Test func cloneSuffixParsing() {
    let cases: [(String, String, [CloneSuffix])] = [
        ("expand", "expand", []),
        ("expand.isra.0", "expand", [CloneSuffix(.isra, 0)]),
        ("foo.constprop.0.isra.0", "foo", [CloneSuffix(.constprop, 0), CloneSuffix(.isra, 0)]),
        ("foo.isra.3.constprop.12", "foo", [CloneSuffix(.isra, 3), CloneSuffix(.constprop, 12)]),
        ("__free_pages_ok.part.0", "__free_pages_ok", [CloneSuffix(.part, 0)]),
        ("check_page.cold", "check_page", [CloneSuffix(.cold)]),
        ("check_page.cold.7", "check_page", [CloneSuffix(.cold, 7)]),
        ("foo.part.0.cold", "foo", [CloneSuffix(.part, 0), CloneSuffix(.cold)]),
        ("zone_size.localalias", "zone_size", [CloneSuffix(.localalias)]),
        ("foo.lto_priv.0", "foo", [CloneSuffix(.ltoPriv, 0)]),
        ("foo.llvm.1234567890", "foo", [CloneSuffix(.llvm, 1_234_567_890)]),
        ("foo.isra", "foo", [CloneSuffix(.isra)]),
        // Not clones: unknown parts, local labels, static-local disambiguators.
        ("__func__.3", "__func__.3", []),
        (".LC0", ".LC0", []),
        ("foo.", "foo.", []),
        ("foo.isra.0.bar", "foo.isra.0.bar", []),
        ("__x86.get_pc_thunk.bx", "__x86.get_pc_thunk.bx", []),
        ("foo.isra.-1", "foo.isra.-1", []),
    ]
    for (name, base, clones) in cases {
        let split = splitCloneSuffixes(name)
        #expect(split.baseName == base, "\(name)")
        #expect(split.clones == clones, "\(name)")
    }
    #expect(CloneSuffix(.constprop, 0).description == ".constprop.0")
    #expect(CloneSuffix(.cold).description == ".cold")
    let symbol = Symbol(index: 1, name: "foo.constprop.0.isra.0", file: "a.c", binding: .local,
                        type: .function, visibility: .default, section: .section(index: 1, name: ".text"),
                        value: 0x10, size: 4)
    #expect(symbol.baseName == "foo")
    #expect(symbol.cloneKinds == [.constprop, .isra])
}
