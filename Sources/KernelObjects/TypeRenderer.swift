// SPDX-License-Identifier: GPL-2.0-only
//
// Rendering DWARF types as C declarations. A declaration is built inside-out: the
// declarator (a name, or nothing for an abstract type) is wrapped by each pointer,
// array and function layer until a named type is reached, which goes in front.
// Names are written exactly as DWARF has them (`_Bool`, `long unsigned int`).

import CLibDW

/// Types nested deeper than this are malformed (or cyclic) and render as `?`.
private let maximumDepth = 48

/// What rendering may cost, for one query of a file: DIEs visited and characters
/// produced. A type graph can share a subroutine type between parameters at every
/// level (`__typeof__` chains do), so its C text grows exponentially with its depth,
/// and a cycle through subroutine types does the same; thousands of declarations can
/// name one long typedef. Past either bound the query is refused.
final class RenderBudget {
    static let stepLimit = 1 << 20
    private(set) var steps = 0
    private(set) var characters = 0
    let characterLimit: Int

    /// `fileSize`: the object's size; the text may take twice that and 16 MiB more.
    init(fileSize: UInt64) {
        characterLimit = (16 << 20) + Int(clamping: fileSize.multipliedReportingOverflow(by: 2).partialValue)
    }

    func step(_ die: DIE) throws(ObjectError) {
        steps += 1
        guard steps <= Self.stepLimit else {
            throw .tooComplex("rendering types takes more than \(Self.stepLimit) steps (at the DIE at offset 0x\(String(die.offset, radix: 16))); not read")
        }
    }

    func produced(_ text: String) throws(ObjectError) -> String {
        characters += text.utf8.count
        guard characters <= characterLimit else {
            throw .tooComplex("rendered types take more than \(characterLimit) bytes; not read")
        }
        return text
    }
}

/// Renders the type `die` (nil meaning `void`) around `declarator`.
func renderType(_ die: DIE?, declarator: String = "", depth: Int = 0,
                budget: RenderBudget) throws(ObjectError) -> String {
    try budget.produced(try renderTypeText(die, declarator: declarator, depth: depth, budget: budget))
}

private func renderTypeText(_ die: DIE?, declarator: String, depth: Int,
                            budget: RenderBudget) throws(ObjectError) -> String {
    guard depth < maximumDepth else { return join("?", declarator) }
    guard let die else { return join("void", declarator) }
    try budget.step(die)
    let next = depth + 1

    switch die.tag {
    case Tag.baseType, Tag.typedef, Tag.unspecifiedType:
        return join(try die.ownName() ?? "?", declarator)

    case Tag.structureType, Tag.unionType, Tag.enumerationType, Tag.classType:
        let keyword = switch die.tag {
        case Tag.structureType: "struct"
        case Tag.unionType: "union"
        case Tag.enumerationType: "enum"
        default: "class"
        }
        return join("\(keyword) \(try die.ownName() ?? "{...}")", declarator)

    case Tag.pointerType, Tag.referenceType, Tag.rvalueReferenceType:
        let symbol = switch die.tag {
        case Tag.pointerType: "*"
        case Tag.referenceType: "&"
        default: "&&"
        }
        let target = try die.reference(Attribute.type)
        var inner = symbol + declarator
        if let target, try needsParentheses(target, depth: next, budget: budget) { inner = "(\(inner))" }
        return try renderTypeText(target, declarator: inner, depth: next, budget: budget)

    case Tag.constType, Tag.volatileType, Tag.restrictType, Tag.atomicType:
        let qualifier = switch die.tag {
        case Tag.constType: "const"
        case Tag.volatileType: "volatile"
        case Tag.restrictType: "restrict"
        default: "_Atomic"
        }
        let target = try die.reference(Attribute.type)
        // A qualified pointer keeps its qualifier after the `*`: `char *const p`.
        if let target, try isPointer(target, depth: next, budget: budget) {
            return try renderTypeText(target, declarator: join(qualifier, declarator), depth: next, budget: budget)
        }
        return "\(qualifier) " + (try renderTypeText(target, declarator: declarator, depth: next, budget: budget))

    case Tag.arrayType:
        // A bound that is not a constant (a variable-length array's expression or
        // reference) does not decode as one and renders as `[]`, like a flexible array.
        var dimensions = ""
        try die.forEachChild { child throws(ObjectError) in
            guard child.tag == Tag.subrangeType else { return }
            if let count = try? child.unsigned(Attribute.count) {
                dimensions += "[\(count)]"
            } else if let upper = try? child.unsigned(Attribute.upperBound), upper < UInt64.max {
                dimensions += "[\(upper + 1)]"
            } else {
                dimensions += "[]"
            }
        }
        if dimensions.isEmpty { dimensions = "[]" }
        return try renderTypeText(try die.reference(Attribute.type), declarator: declarator + dimensions, depth: next, budget: budget)

    case Tag.subroutineType:
        let list = try parameterList(of: die, depth: next, budget: budget)
        let returnType = try die.reference(Attribute.type)
        return try renderTypeText(returnType, declarator: declarator + "(" + list.text + ")", depth: next, budget: budget)

    default:
        return join("?", declarator)
    }
}

/// The parameters of a subprogram or subroutine type.
struct ParameterList {
    var parameters: [(name: String?, type: DIE?)]
    var isVariadic: Bool
    var isPrototyped: Bool
    /// The C text between the parentheses, with parameter names when `named`.
    var text: String
}

/// Reads the formal parameters of `die` (following DW_AT_abstract_origin for names and
/// types) and renders them, parameter names included when the DIE has them.
func parameterList(of die: DIE, depth: Int = 0, budget: RenderBudget) throws(ObjectError) -> ParameterList {
    var parameters: [(name: String?, type: DIE?)] = []
    var hasUnspecified = false
    try die.forEachChild { child throws(ObjectError) in
        switch child.tag {
        case Tag.formalParameter:
            parameters.append((try child.name(), try child.reference(Attribute.type, integrate: true)))
        case Tag.unspecifiedParameters:
            hasUnspecified = true
        default:
            break
        }
    }
    var prototyped = try die.flag(Attribute.prototyped)
    for link in [Attribute.abstractOrigin, Attribute.specification] where !prototyped {
        if let origin = try die.reference(link) { prototyped = try origin.flag(Attribute.prototyped) }
    }
    // An unprototyped declaration `f()` also carries DW_TAG_unspecified_parameters;
    // only a prototype makes that mean `...`.
    let variadic = hasUnspecified && (prototyped || !parameters.isEmpty)

    var pieces: [String] = []
    for parameter in parameters {
        pieces.append(try renderTypeText(parameter.type, declarator: parameter.name ?? "", depth: depth, budget: budget))
    }
    if variadic { pieces.append("...") }
    var text = pieces.joined(separator: ", ")
    if text.isEmpty && prototyped { text = "void" }
    return ParameterList(parameters: parameters, isVariadic: variadic, isPrototyped: prototyped, text: text)
}

/// Whether `die`, seen through qualifiers, is an array or function type, which a
/// pointer declarator must be parenthesised against: `int (*p)[4]`, `void (*f)(int)`.
private func needsParentheses(_ die: DIE, depth: Int, budget: RenderBudget) throws(ObjectError) -> Bool {
    guard depth < maximumDepth else { return false }
    try budget.step(die)
    switch die.tag {
    case Tag.arrayType, Tag.subroutineType:
        return true
    case Tag.constType, Tag.volatileType, Tag.restrictType, Tag.atomicType:
        guard let target = try die.reference(Attribute.type) else { return false }
        return try needsParentheses(target, depth: depth + 1, budget: budget)
    default:
        return false
    }
}

/// Whether `die`, seen through further qualifiers, is a pointer or reference.
private func isPointer(_ die: DIE, depth: Int, budget: RenderBudget) throws(ObjectError) -> Bool {
    guard depth < maximumDepth else { return false }
    try budget.step(die)
    switch die.tag {
    case Tag.pointerType, Tag.referenceType, Tag.rvalueReferenceType:
        return true
    case Tag.constType, Tag.volatileType, Tag.restrictType, Tag.atomicType:
        guard let target = try die.reference(Attribute.type) else { return false }
        return try isPointer(target, depth: depth + 1, budget: budget)
    default:
        return false
    }
}

/// `specifier declarator`, with the single space C style puts between them; none when
/// there is no declarator.
private func join(_ specifier: String, _ declarator: String) -> String {
    declarator.isEmpty ? specifier : specifier + " " + declarator
}
