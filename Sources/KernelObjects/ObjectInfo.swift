// SPDX-License-Identifier: GPL-2.0-only
//
// What an ELF header and section header table say about a file, as plain values.

/// ELFCLASS32 or ELFCLASS64.
public enum ELFClass: Int, Equatable, Sendable, Codable, CustomStringConvertible {
    case elf32 = 32
    case elf64 = 64

    public var description: String { "ELF\(rawValue)" }
}

/// ELFDATA2LSB or ELFDATA2MSB.
public enum ByteOrder: String, Equatable, Sendable, Codable {
    case littleEndian
    case bigEndian
}

/// e_type.
public enum ObjectType: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// ET_REL: a relocatable object such as a `.o` or `.ko`.
    case relocatable
    /// ET_EXEC: an executable such as vmlinux.
    case executable
    /// ET_DYN: a shared object or position-independent executable.
    case sharedObject
    /// ET_CORE.
    case core
    /// Any other value.
    case other(UInt16)

    init(raw: UInt16) {
        switch raw {
        case 1: self = .relocatable
        case 2: self = .executable
        case 3: self = .sharedObject
        case 4: self = .core
        default: self = .other(raw)
        }
    }

    public var description: String {
        switch self {
        case .relocatable: "relocatable"
        case .executable: "executable"
        case .sharedObject: "shared object"
        case .core: "core"
        case .other(let raw): "type \(raw)"
        }
    }
}

/// One section header.
public struct SectionInfo: Equatable, Sendable, Codable {
    /// Index in the section header table.
    public var index: Int
    public var name: String
    /// sh_type (SHT_PROGBITS = 1, SHT_SYMTAB = 2, ...).
    public var type: UInt32
    /// sh_flags (SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4, ...).
    public var flags: UInt64
    public var address: UInt64
    public var offset: UInt64
    public var size: UInt64
    public var link: UInt32
    public var info: UInt32
    public var alignment: UInt64
    public var entrySize: UInt64

    public init(index: Int, name: String, type: UInt32, flags: UInt64, address: UInt64,
                offset: UInt64, size: UInt64, link: UInt32, info: UInt32, alignment: UInt64,
                entrySize: UInt64) {
        self.index = index
        self.name = name
        self.type = type
        self.flags = flags
        self.address = address
        self.offset = offset
        self.size = size
        self.link = link
        self.info = info
        self.alignment = alignment
        self.entrySize = entrySize
    }
}

/// The ELF header and section headers of a file.
public struct ObjectInfo: Equatable, Sendable, Codable {
    public var elfClass: ELFClass
    public var byteOrder: ByteOrder
    public var type: ObjectType
    /// e_machine (EM_X86_64 = 62, EM_386 = 3, EM_PPC = 20, EM_PPC64 = 21, EM_AARCH64 = 183, ...).
    public var machine: UInt16
    public var entry: UInt64
    /// Whether an SHT_SYMTAB section is present.
    public var hasSymtab: Bool
    /// Whether a `.debug_info` (or compressed `.zdebug_info`) section is present.
    public var hasDebugInfo: Bool
    /// Every section header, section 0 included.
    public var sections: [SectionInfo]

    public init(elfClass: ELFClass, byteOrder: ByteOrder, type: ObjectType, machine: UInt16,
                entry: UInt64, hasSymtab: Bool, hasDebugInfo: Bool, sections: [SectionInfo]) {
        self.elfClass = elfClass
        self.byteOrder = byteOrder
        self.type = type
        self.machine = machine
        self.entry = entry
        self.hasSymtab = hasSymtab
        self.hasDebugInfo = hasDebugInfo
        self.sections = sections
    }

    /// A short name for `machine`, for messages ("x86_64", "ppc64", ...).
    public var machineName: String {
        switch machine {
        case 3: "i386"
        case 8: "mips"
        case 20: "ppc"
        case 21: "ppc64"
        case 22: "s390"
        case 40: "arm"
        case 43: "sparcv9"
        case 62: "x86_64"
        case 183: "aarch64"
        case 243: "riscv"
        case 258: "loongarch"
        default: "machine \(machine)"
        }
    }

    /// The first section called `name`.
    public func section(named name: String) -> SectionInfo? {
        sections.first { $0.name == name }
    }
}
