// SPDX-License-Identifier: GPL-2.0-only
//
// ELF symbols as values, and the GCC clone suffixes that hang off function names.

/// st_info's binding.
public enum SymbolBinding: Equatable, Hashable, Sendable, Codable {
    case local
    case global
    case weak
    /// STB_GNU_UNIQUE.
    case unique
    case other(UInt8)

    init(raw: UInt8) {
        switch raw {
        case 0: self = .local
        case 1: self = .global
        case 2: self = .weak
        case 10: self = .unique
        default: self = .other(raw)
        }
    }
}

/// st_info's type.
public enum SymbolType: Equatable, Hashable, Sendable, Codable {
    case notype
    case object
    case function
    case section
    case file
    case common
    case tls
    /// STT_GNU_IFUNC.
    case indirectFunction
    case other(UInt8)

    init(raw: UInt8) {
        switch raw {
        case 0: self = .notype
        case 1: self = .object
        case 2: self = .function
        case 3: self = .section
        case 4: self = .file
        case 5: self = .common
        case 6: self = .tls
        case 10: self = .indirectFunction
        default: self = .other(raw)
        }
    }
}

/// st_other's visibility.
public enum SymbolVisibility: String, Equatable, Hashable, Sendable, Codable {
    case `default`
    case `internal`
    case hidden
    case protected

    init(raw: UInt8) {
        switch raw & 3 {
        case 1: self = .internal
        case 2: self = .hidden
        case 3: self = .protected
        default: self = .default
        }
    }
}

/// Where st_shndx (or its SHT_SYMTAB_SHNDX extension) puts a symbol.
public enum SymbolSection: Equatable, Hashable, Sendable, Codable {
    /// SHN_UNDEF.
    case undefined
    /// SHN_ABS.
    case absolute
    /// SHN_COMMON.
    case common
    /// A real section, by index and name.
    case section(index: Int, name: String)
    /// Another reserved index (processor- or OS-specific).
    case reserved(UInt16)

    /// The section's name when the symbol is defined in a real section.
    public var name: String? {
        if case .section(_, let name) = self { return name }
        return nil
    }
}

/// The kinds of clone GCC (and Clang's ThinLTO) mark with a name suffix.
public enum CloneKind: String, Equatable, Hashable, Sendable, Codable, CaseIterable {
    /// IPA-SRA: parameters removed or passed by value instead of by reference.
    case isra
    /// IPA-CP: specialised for constant arguments (or with unused parameters dropped).
    case constprop
    /// Partial inlining: the part of the body left out of line.
    case part
    /// Hot/cold splitting: the cold part of the body.
    case cold
    /// A local alias GCC makes for calls that must not be interposed.
    case localalias
    /// A static function or variable renamed by LTO partitioning.
    case ltoPriv = "lto_priv"
    /// Clang ThinLTO promotion (`foo.llvm.123`).
    case llvm
}

/// One `.kind[.number]` element of a symbol name.
public struct CloneSuffix: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var kind: CloneKind
    /// The sequence number after the kind, when there is one (`.cold` usually has none).
    public var number: Int?

    public init(_ kind: CloneKind, _ number: Int? = nil) {
        self.kind = kind
        self.number = number
    }

    public var description: String {
        number.map { ".\(kind.rawValue).\($0)" } ?? ".\(kind.rawValue)"
    }
}

/// Splits a symbol name into the source-level name and its clone suffixes, in order:
/// `foo.constprop.0.isra.0` is `foo` with `[.constprop(0), .isra(0)]`.
///
/// A name with any unrecognised dotted part (`__func__.3`, `.LC0`) is not treated as a
/// clone: the whole name is the base name and the suffix list is empty.
public func splitCloneSuffixes(_ name: String) -> (baseName: String, clones: [CloneSuffix]) {
    guard name.utf8.contains(UInt8(ascii: ".")) else { return (name, []) }
    let parts = name.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count > 1, let first = parts.first, !first.isEmpty else { return (name, []) }
    var clones: [CloneSuffix] = []
    var i = 1
    while i < parts.count {
        guard let kind = CloneKind(rawValue: String(parts[i])) else { return (name, []) }
        var number: Int?
        if i + 1 < parts.count, parts[i + 1].allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(parts[i + 1]) {
            number = n
            i += 1
        }
        clones.append(CloneSuffix(kind, number))
        i += 1
    }
    return (String(first), clones)
}

/// One entry of a symbol table.
public struct Symbol: Equatable, Hashable, Sendable, Codable {
    /// Index in its symbol table.
    public var index: Int
    /// The name as stored.
    public var name: String
    /// The name without clone suffixes (`expand` for `expand.isra.0`).
    public var baseName: String
    /// The clone suffixes in the order they appear; empty when the symbol is not a clone.
    public var clones: [CloneSuffix]
    /// The source file: for a local symbol, the STT_FILE entry before it in the table;
    /// for a global symbol of a relocatable object with exactly one STT_FILE entry, that
    /// entry; otherwise nil.
    public var file: String?
    public var binding: SymbolBinding
    public var type: SymbolType
    public var visibility: SymbolVisibility
    public var section: SymbolSection
    public var value: UInt64
    public var size: UInt64

    public init(index: Int, name: String, file: String?, binding: SymbolBinding, type: SymbolType,
                visibility: SymbolVisibility, section: SymbolSection, value: UInt64, size: UInt64) {
        self.index = index
        self.name = name
        (baseName, clones) = splitCloneSuffixes(name)
        self.file = file
        self.binding = binding
        self.type = type
        self.visibility = visibility
        self.section = section
        self.value = value
        self.size = size
    }

    /// Whether the name carries clone suffixes.
    public var isClone: Bool { !clones.isEmpty }

    /// The clone kinds in order (`[.constprop, .isra]` for `foo.constprop.0.isra.0`).
    public var cloneKinds: [CloneKind] { clones.map(\.kind) }

    /// Whether this is code: STT_FUNC or STT_GNU_IFUNC.
    public var isFunction: Bool { type == .function || type == .indirectFunction }
}
