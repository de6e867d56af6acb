// SPDX-License-Identifier: GPL-2.0-only
//
// Function prototypes and what DWARF says about a function, as plain values, plus
// a normalised comparison of C type spellings.

/// One formal parameter.
public struct Parameter: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The parameter's name, when DWARF records one.
    public var name: String?
    /// The type as C, without the name: `struct page *`, `void (*)(struct zone *, void *)`.
    public var type: String

    public init(name: String?, type: String) {
        self.name = name
        self.type = type
    }

    public var description: String { name.map { "\(type) \($0)" } ?? type }
}

/// A function's C prototype as DWARF describes it, type names spelled as DWARF has
/// them (`_Bool`, `long unsigned int`).
public struct FunctionPrototype: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var name: String
    public var returnType: String
    public var parameters: [Parameter]
    public var isVariadic: Bool
    /// The whole declaration as C, without the trailing semicolon:
    /// `unsigned int expand(struct zone *zone, struct page *page, int low, ...)`.
    public var rendered: String

    public init(name: String, returnType: String, parameters: [Parameter], isVariadic: Bool,
                rendered: String) {
        self.name = name
        self.returnType = returnType
        self.parameters = parameters
        self.isVariadic = isVariadic
        self.rendered = rendered
    }

    public var description: String { rendered }

    /// Whether the two prototypes declare the same function type under
    /// `normalizeType`: same name, return type, parameter types and variadicity, and,
    /// unless `ignoringParameterNames`, the same parameter names.
    public func isEquivalent(to other: FunctionPrototype, ignoringParameterNames: Bool = false) -> Bool {
        guard name == other.name, isVariadic == other.isVariadic,
              parameters.count == other.parameters.count,
              Self.normalizeType(returnType) == Self.normalizeType(other.returnType) else { return false }
        for (mine, theirs) in zip(parameters, other.parameters) {
            guard Self.normalizeType(mine.type) == Self.normalizeType(theirs.type) else { return false }
            if !ignoringParameterNames && mine.name != theirs.name { return false }
        }
        return true
    }

    /// A canonical spelling of a C type for comparison:
    /// - whitespace collapsed, and none around `*`, `&`, `(`, `)`, `[`, `]` and `,`;
    /// - `_Bool` and `bool` are the same;
    /// - a run of integer keywords is put in one order with `int` dropped where C
    ///   implies it (`long unsigned int`, `unsigned long int` and `unsigned long`
    ///   all become `unsigned long`; `signed int` becomes `int`);
    /// - a leading `inline` (as pfunct prints it) is dropped.
    public static func normalizeType(_ text: String) -> String {
        var tokens = tokenize(text)
        if tokens.first == "inline" { tokens.removeFirst() }
        var out: [String] = []
        var run: [String] = []
        func flush() {
            if !run.isEmpty { out.append(canonicalInteger(run)) }
            run.removeAll()
        }
        for token in tokens {
            if integerKeywords.contains(token) {
                run.append(token)
            } else {
                flush()
                out.append(token == "_Bool" ? "bool" : token)
            }
        }
        flush()
        // Words need one space between them; punctuation needs none.
        var result = ""
        var previousIsWord = false
        for token in out {
            let isWord = token.first.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." } ?? false
            if isWord && previousIsWord { result += " " }
            result += token
            previousIsWord = isWord
        }
        return result
    }
}

private let integerKeywords: Set<String> = ["signed", "unsigned", "short", "long", "int", "char"]

private func tokenize(_ text: String) -> [String] {
    var tokens: [String] = []
    var word = ""
    for character in text {
        if character.isLetter || character.isNumber || character == "_" || character == "." {
            word.append(character)
        } else {
            if !word.isEmpty { tokens.append(word); word = "" }
            if !character.isWhitespace { tokens.append(String(character)) }
        }
    }
    if !word.isEmpty { tokens.append(word) }
    return tokens
}

private func canonicalInteger(_ words: [String]) -> String {
    let unsigned = words.contains("unsigned")
    let signed = words.contains("signed")
    let longs = words.filter { $0 == "long" }.count
    if words.contains("char") {
        return unsigned ? "unsigned char" : signed ? "signed char" : "char"
    }
    var parts: [String] = []
    if unsigned { parts.append("unsigned") }
    if words.contains("short") {
        parts.append("short")
    } else if longs > 0 {
        parts.append(contentsOf: Array(repeating: "long", count: longs))
    } else {
        parts.append("int")
    }
    return parts.joined(separator: " ")
}

/// An out-of-line copy of a function: a DWARF subprogram with code, either the
/// function's own DIE or a concrete instance of its abstract DIE (a clone such as
/// `expand.constprop.0`, or the body left by partial inlining).
public struct OutOfLineCopy: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The linkage name from DWARF, else the ELF symbol that starts at the copy's entry.
    public var symbol: String?
    /// The entry address as the symbol table would give it: section-relative in a
    /// relocatable object, the virtual address in an executable or shared object.
    public var address: UInt64
    /// The names of the copy's formal parameters in the order the concrete DIE lists
    /// them; a clone may list fewer, or list them in another order, than the source.
    public var parameters: [String]

    public init(symbol: String?, address: UInt64, parameters: [String]) {
        self.symbol = symbol
        self.address = address
        self.parameters = parameters
    }

    /// `expand.constprop.0@0xb0`.
    public var description: String {
        "\(symbol ?? "?")@0x" + String(address, radix: 16)
    }
}

/// What a file's DWARF says about one function defined in one compilation unit.
public struct DWARFFunction: Equatable, Hashable, Sendable, Codable {
    public var prototype: FunctionPrototype
    /// The DW_AT_name of the compilation unit defining the function.
    public var compilationUnit: String
    /// The file and line of the declaration, as the line table names the file.
    public var declFile: String?
    public var declLine: Int?
    /// Declared `inline` in the source (DW_AT_inline is DW_INL_declared_*).
    public var declaredInline: Bool
    /// Only an abstract instance exists: DW_AT_inline and no out-of-line copy.
    public var inlinedOnly: Bool
    /// The function's out-of-line copies, in DIE order.
    public var outOfLineCopies: [OutOfLineCopy]
    /// The number of DW_TAG_inlined_subroutine DIEs whose abstract origin is this
    /// function, within its compilation unit.
    public var inlinedCallSites: Int
    /// The local variables the function's body declares (DW_TAG_variable children of its
    /// defining DIE and of the lexical blocks inside it), in DIE order. The compiler
    /// keeps them in the abstract instance even where it optimised them away.
    public var locals: [Parameter]

    public init(prototype: FunctionPrototype, compilationUnit: String, declFile: String?,
                declLine: Int?, declaredInline: Bool, inlinedOnly: Bool,
                outOfLineCopies: [OutOfLineCopy], inlinedCallSites: Int,
                locals: [Parameter] = []) {
        self.locals = locals
        self.prototype = prototype
        self.compilationUnit = compilationUnit
        self.declFile = declFile
        self.declLine = declLine
        self.declaredInline = declaredInline
        self.inlinedOnly = inlinedOnly
        self.outOfLineCopies = outOfLineCopies
        self.inlinedCallSites = inlinedCallSites
    }
}
