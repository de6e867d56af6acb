// SPDX-License-Identifier: GPL-2.0-only
//
// Parsers for the recorded output of `readelf -hW`, `readelf -SW`, `readelf -sW`,
// `pfunct -P` and the DIE summary the fixture script derives from
// `readelf --debug-dump=info`.

import Foundation
import KernelObjects

/// One row of `readelf -sW`.
struct ReadelfSymbol: Equatable {
    var number: Int
    var value: UInt64
    var size: UInt64
    var type: String
    var binding: String
    var visibility: String
    var sectionIndex: String
    var name: String
}

/// The tables of `readelf -sW`, by section name (".symtab", ".dynsym").
func parseReadelfSymbols(_ text: String) -> [String: [ReadelfSymbol]] {
    var tables: [String: [ReadelfSymbol]] = [:]
    var current: String?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("Symbol table '") {
            current = line.split(separator: "'")[1].description
            tables[current!] = []
            continue
        }
        guard let table = current else { continue }
        let fields = line.split(separator: " ", maxSplits: 7, omittingEmptySubsequences: true)
        guard fields.count >= 7, fields[0].hasSuffix(":"), let number = Int(fields[0].dropLast()) else { continue }
        let sizeText = String(fields[2])
        let size = sizeText.hasPrefix("0x") ? UInt64(sizeText.dropFirst(2), radix: 16)! : UInt64(sizeText)!
        tables[table]!.append(ReadelfSymbol(
            number: number, value: UInt64(fields[1], radix: 16)!, size: size,
            type: String(fields[3]), binding: String(fields[4]), visibility: String(fields[5]),
            sectionIndex: String(fields[6]),
            name: fields.count > 7 ? String(fields[7]).trimmingCharacters(in: .whitespaces) : ""))
    }
    return tables
}

/// One row of `readelf -SW`.
struct ReadelfSection: Equatable {
    var index: Int
    var name: String
    var type: String
    var address: UInt64
    var offset: UInt64
    var size: UInt64
    var entrySize: UInt64
    var flags: String
    var link: UInt32
    var info: UInt32
    var alignment: UInt64
}

func parseReadelfSections(_ text: String) -> [ReadelfSection] {
    var sections: [ReadelfSection] = []
    for line in text.split(separator: "\n") {
        let trimmed = line.drop { $0 == " " }
        guard trimmed.hasPrefix("["), let close = trimmed.firstIndex(of: "]"),
              let index = Int(trimmed[trimmed.index(after: trimmed.startIndex)..<close]
                .trimmingCharacters(in: .whitespaces)) else { continue }
        var fields = trimmed[trimmed.index(after: close)...].split(separator: " ").map(String.init)
        // From the right: Al, Inf, Lk, optional Flg (letters only), ES, Size, Off,
        // Address, Type; what is left is the name (empty for section 0).
        let alignment = UInt64(fields.removeLast())!
        let info = UInt32(fields.removeLast())!
        let link = UInt32(fields.removeLast())!
        var flags = ""
        if let last = fields.last, last.contains(where: { !"0123456789abcdef".contains($0) }) {
            flags = fields.removeLast()
        }
        let entrySize = UInt64(fields.removeLast(), radix: 16)!
        let size = UInt64(fields.removeLast(), radix: 16)!
        let offset = UInt64(fields.removeLast(), radix: 16)!
        let address = UInt64(fields.removeLast(), radix: 16)!
        let type = fields.removeLast()
        sections.append(ReadelfSection(
            index: index, name: fields.joined(separator: " "), type: type, address: address,
            offset: offset, size: size, entrySize: entrySize, flags: flags, link: link, info: info,
            alignment: alignment))
    }
    return sections
}

/// The "Key: value" lines of `readelf -hW`.
func parseReadelfHeader(_ text: String) -> [String: String] {
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        let key = line[..<colon].trimmingCharacters(in: .whitespaces)
        fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return fields
}

/// One line of `pfunct -P` (or `pfunct -f`): `ret name(params);`.
struct PfunctPrototype: Equatable {
    var line: String
    var name: String
    var returnType: String
    /// Each parameter as pfunct writes it (`struct zone * zone`), `...` included.
    var parameters: [String]

    /// The parameter names, for parameters whose name pfunct prints.
    var parameterNames: [String] {
        parameters.filter { $0 != "..." }.map(declaredName)
    }
}

func parsePfunct(_ text: String) -> [PfunctPrototype] {
    text.split(separator: "\n").compactMap { raw -> PfunctPrototype? in
        var line = raw.trimmingCharacters(in: .whitespaces)
        guard !line.hasPrefix("#"), line.hasSuffix(");") else { return nil }
        line.removeLast()  // ;
        let characters = Array(line)
        // The parameter list is the parenthesised group that ends the line.
        var depth = 0
        var open = characters.count - 1
        for i in stride(from: characters.count - 1, through: 0, by: -1) {
            if characters[i] == ")" { depth += 1 }
            if characters[i] == "(" { depth -= 1; if depth == 0 { open = i; break } }
        }
        let head = String(characters[..<open]).trimmingCharacters(in: .whitespaces)
        let inner = String(characters[(open + 1)..<(characters.count - 1)])
        var words = head.split(separator: " ").map(String.init)
        let name = words.removeLast()
        if words.first == "inline" { words.removeFirst() }
        let parameters = splitTopLevel(inner)
        return PfunctPrototype(line: String(raw), name: name, returnType: words.joined(separator: " "),
                               parameters: parameters == ["void"] ? [] : parameters)
    }
}

/// Splits at commas outside parentheses.
func splitTopLevel(_ text: String) -> [String] {
    var parts: [String] = []
    var depth = 0
    var current = ""
    for character in text {
        switch character {
        case "(": depth += 1; current.append(character)
        case ")": depth -= 1; current.append(character)
        case "," where depth == 0:
            parts.append(current.trimmingCharacters(in: .whitespaces))
            current = ""
        default: current.append(character)
        }
    }
    let last = current.trimmingCharacters(in: .whitespaces)
    if !last.isEmpty { parts.append(last) }
    return parts
}

/// The name declared by a C parameter declaration: the identifier after `(*` for a
/// pointer to function or array, else the last identifier.
func declaredName(_ declaration: String) -> String {
    if let range = declaration.range(of: "(*") {
        return String(declaration[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == " " })
            .trimmingCharacters(in: .whitespaces)
    }
    return String(declaration.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_") }).last ?? "")
}

/// The parameter declarations inside a rendered prototype `ret name(params)`.
func renderedParameters(_ rendered: String) -> [String] {
    let prototypes = parsePfunct(rendered + ";")
    return prototypes.first?.parameters ?? []
}

/// One line of the DIE summary.
struct DieLine: Equatable {
    var tag: String
    var offset: String
    var name: String?
    var origin: String?
    var inline: Int?
    var entry: String?
    var declaration: Bool
}

func parseDies(_ text: String) -> [DieLine] {
    text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
        let fields = line.split(separator: " ").map(String.init)
        var values: [String: String] = [:]
        for field in fields.dropFirst(2) {
            let pair = field.split(separator: "=", maxSplits: 1).map(String.init)
            values[pair[0]] = pair[1] == "-" ? nil : pair[1]
        }
        return DieLine(tag: fields[0], offset: fields[1], name: values["name"], origin: values["origin"],
                       inline: values["inline"].flatMap { Int($0) }, entry: values["low_pc"],
                       declaration: values["declaration"] == "1")
    }
}

/// The DIE summary split by compilation unit name.
func diesByUnit(_ lines: [DieLine]) -> [(unit: String, dies: [DieLine])] {
    var units: [(unit: String, dies: [DieLine])] = []
    for line in lines {
        if line.tag == "DW_TAG_compile_unit" {
            units.append((line.name ?? "", []))
        } else if !units.isEmpty {
            units[units.count - 1].dies.append(line)
        }
    }
    return units
}
