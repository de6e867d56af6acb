// SPDX-License-Identifier: GPL-2.0-only
//
// What each line of a hunk says in C terms: the functions it calls, the locals and
// labels it declares, the string literals it holds, the names it uses, and the
// function definition it opens. Each side of a hunk is read as a stream of lines (the
// old side: context and removed lines; the new side: context and added lines), with
// comments and directives tracked across lines, so a fact is placed on the line where
// its token stands.

/// The C facts of one line of one side of a hunk.
public struct LineFacts: Equatable, Sendable, Codable {
    /// Position on its side: 0 for the side's first line.
    public var offset: Int
    public var kind: HunkLine.Kind
    /// Names called: an identifier followed by `(` that is no keyword, annotation,
    /// member or definition head. Macros look the same; the object tells them apart.
    public var calls: [String]
    /// Locals declared on this line (the line of the declared name).
    public var declarations: [LocalName]
    /// Goto labels defined on this line.
    public var labels: [String]
    /// String literals, with C escapes decoded and adjacent literals joined.
    public var strings: [String]
    /// Every identifier on the line that is no C keyword and no member (after `.` or
    /// `->`), in order, repeats dropped.
    public var identifiers: [String]
    /// The 1-based byte column (a tab counts one) of each token's first character, in
    /// order: where a compiler can place a line-table row or a call on this line.
    public var columns: [Int]
    /// Each identifier token (members included) with its column: what a call's
    /// DW_AT_call_column or a declaration's DW_AT_decl_column can point at.
    public var namedColumns: [NamedColumn]
    /// The function whose definition head names it on this line.
    public var definition: String?
    /// Parameters a definition head declares on this line.
    public var parameters: [String]
    /// The line holds code: tokens outside comments, or a directive.
    public var hasCode: Bool
    /// The line is a preprocessor directive or its continuation.
    public var isDirective: Bool

    public init(offset: Int, kind: HunkLine.Kind, calls: [String] = [], declarations: [LocalName] = [],
                labels: [String] = [], strings: [String] = [], identifiers: [String] = [],
                columns: [Int] = [], namedColumns: [NamedColumn] = [], definition: String? = nil,
                parameters: [String] = [], hasCode: Bool = false, isDirective: Bool = false) {
        self.offset = offset
        self.kind = kind
        self.calls = calls
        self.declarations = declarations
        self.labels = labels
        self.strings = strings
        self.identifiers = identifiers
        self.columns = columns
        self.namedColumns = namedColumns
        self.definition = definition
        self.parameters = parameters
        self.hasCode = hasCode
        self.isDirective = isDirective
    }
}

/// An identifier of a line and its 1-based byte column.
public struct NamedColumn: Hashable, Sendable, Codable {
    public var column: Int
    public var name: String

    public init(column: Int, name: String) {
        self.column = column
        self.name = name
    }
}

/// A local variable a line declares, with its type as written (`struct page *`).
public struct LocalName: Hashable, Sendable, Codable, CustomStringConvertible {
    public var type: String
    public var name: String

    public init(type: String, name: String) {
        self.type = type
        self.name = name
    }

    public var description: String { type.hasSuffix("*") ? type + name : "\(type) \(name)" }
}

/// The facts of both sides of one hunk.
public struct HunkFacts: Equatable, Sendable, Codable {
    public var hunk: Int
    /// The old side: context and removed lines, in order.
    public var old: [LineFacts]
    /// The new side: context and added lines, in order.
    public var new: [LineFacts]
    /// For each line of the hunk, its offset on the old side (nil for an added line).
    public var oldOffset: [Int?]
    /// For each line of the hunk, its offset on the new side (nil for a removed line).
    public var newOffset: [Int?]

    public init(hunk: Int, old: [LineFacts], new: [LineFacts], oldOffset: [Int?], newOffset: [Int?]) {
        self.hunk = hunk
        self.old = old
        self.new = new
        self.oldOffset = oldOffset
        self.newOffset = newOffset
    }
}

extension PatchReader {
    /// The C facts of each line of both sides of `hunk`.
    public static func facts(of hunk: Hunk) -> HunkFacts {
        var oldLines: [(Substring, HunkLine.Kind)] = [], newLines: [(Substring, HunkLine.Kind)] = []
        var oldOffset: [Int?] = [], newOffset: [Int?] = []
        for line in hunk.lines {
            if line.kind != .added {
                oldOffset.append(oldLines.count)
                oldLines.append((Substring(line.text), line.kind))
            } else {
                oldOffset.append(nil)
            }
            if line.kind != .removed {
                newOffset.append(newLines.count)
                newLines.append((Substring(line.text), line.kind))
            } else {
                newOffset.append(nil)
            }
        }
        return HunkFacts(hunk: hunk.index, old: FactReader.read(oldLines), new: FactReader.read(newLines),
                         oldOffset: oldOffset, newOffset: newOffset)
    }
}

/// Reads the facts of one side of a hunk.
enum FactReader {
    static func read(_ lines: [(text: Substring, kind: HunkLine.Kind)]) -> [LineFacts] {
        var lexer = CLexer()
        var facts = lines.enumerated().map { LineFacts(offset: $0.offset, kind: $0.element.kind) }
        var statement: [CToken] = []
        var braceDepth = 0

        func finishStatement(endingWith end: String) {
            defer { statement.removeAll() }
            guard !statement.isEmpty else { return }
            if end == "{", let head = FunctionHead.parse(statement), let name = head.nameToken(in: statement) {
                facts[name.line].definition = head.name
                for parameter in head.parameterTokens(in: statement) {
                    facts[parameter.line].parameters.append(parameter.text)
                }
                return
            }
            if end == ";" || end == "{" {
                for (type, token) in declarations(in: statement) {
                    facts[token.line].declarations.append(LocalName(type: type, name: token.text))
                }
            }
        }

        for (index, line) in lines.enumerated() {
            let lexed = lexer.lex(line.text, line: index)
            if lexed.closedUnopenedComment {
                // Everything above was inside a comment that began before the hunk.
                for k in 0..<index { facts[k] = LineFacts(offset: k, kind: lines[k].kind) }
                statement.removeAll()
            }
            facts[index].isDirective = lexed.isPreprocessor
            facts[index].hasCode = lexed.isPreprocessor || !lexed.tokens.isEmpty
            let tokens = lexed.tokens
            facts[index].columns = tokens.map(\.column)
            facts[index].namedColumns = tokens.filter(\.isIdentifier).map { NamedColumn(column: $0.column, name: $0.text) }
            var seen: Set<String> = []
            var k = 0
            while k < tokens.count {
                let token = tokens[k]
                switch token.kind {
                case .string:
                    // Adjacent literals are one string: "abc" "def".
                    var text = decodeLiteral(token.text)
                    while k + 1 < tokens.count, tokens[k + 1].kind == .string {
                        k += 1
                        text += decodeLiteral(tokens[k].text)
                    }
                    facts[index].strings.append(text)
                case .identifier:
                    let name = token.text
                    let next = k + 1 < tokens.count ? tokens[k + 1].text : nil
                    let previous = k > 0 ? tokens[k - 1].text : (statement.last?.text)
                    if !CWords.isKeyword(name), previous != ".", previous != "->", seen.insert(name).inserted {
                        facts[index].identifiers.append(name)
                    }
                    if next == "(", !CWords.isKeyword(name), !CWords.isAnnotation(name),
                       previous != ".", previous != "->", !facts[index].calls.contains(name) {
                        facts[index].calls.append(name)
                    }
                    if next == ":", k + 2 >= tokens.count || tokens[k + 2].text != ":",
                       statement.isEmpty || statement.last?.text == ":" , previous != "case", previous != "?",
                       !CWords.isKeyword(name), braceDepth >= 0 {
                        facts[index].labels.append(name)
                        statement.removeAll()
                        k += 2
                        continue
                    }
                default:
                    break
                }
                switch token.text {
                case ";": finishStatement(endingWith: ";")
                case "{":
                    finishStatement(endingWith: "{")
                    braceDepth += 1
                case "}":
                    finishStatement(endingWith: "}")
                    braceDepth -= 1
                default:
                    statement.append(token)
                }
                k += 1
            }
        }
        // A call on the line of a definition head is the head itself.
        for i in facts.indices {
            if let name = facts[i].definition { facts[i].calls.removeAll { $0 == name } }
        }
        return facts
    }

    private static let declarationTypes: Set<String> = [
        "bool", "_Bool", "char", "short", "int", "long", "unsigned", "signed", "float", "double", "void",
    ]
    private static let qualifiers: Set<String> = ["const", "volatile", "static", "register", "auto"]

    /// The locals a statement declares, each with its type and the token of its name:
    /// `unsigned long end = pfn + 1`, `struct page *page, *buddy`, `bool ok`.
    /// A statement counts as a declaration when it starts with a type (after
    /// qualifiers): a base type word, `struct`/`union`/`enum` and a tag, or one
    /// identifier directly followed by the first declarator (`fpi_t flags`).
    static func declarations(in statement: [CToken]) -> [(String, CToken)] {
        var i = 0
        while i < statement.count, qualifiers.contains(statement[i].text) { i += 1 }
        guard i < statement.count, statement[i].isIdentifier else { return [] }
        var typeWords: [String] = []
        let first = statement[i].text
        if ["struct", "union", "enum"].contains(first) {
            guard i + 1 < statement.count, statement[i + 1].isIdentifier else { return [] }
            typeWords = [first, statement[i + 1].text]
            i += 2
        } else if declarationTypes.contains(first) {
            while i < statement.count, declarationTypes.contains(statement[i].text) || qualifiers.contains(statement[i].text) {
                typeWords.append(statement[i].text)
                i += 1
            }
        } else if !CWords.isKeyword(first) && !CWords.isAnnotation(first) {
            // A typedef name must be followed by a declarator: `name` or `*name`.
            var j = i + 1
            while j < statement.count, statement[j].text == "*" || qualifiers.contains(statement[j].text) { j += 1 }
            guard j < statement.count, statement[j].isIdentifier, !CWords.isKeyword(statement[j].text),
                  j + 1 == statement.count || ["=", ",", "[", ";"].contains(statement[j + 1].text) else { return [] }
            typeWords = [first]
            i += 1
        } else {
            return []
        }
        while i < statement.count, qualifiers.contains(statement[i].text) {
            typeWords.append(statement[i].text)
            i += 1
        }
        let base = typeWords.filter { $0 != "static" && $0 != "register" && $0 != "auto" }.joined(separator: " ")
        var found: [(String, CToken)] = []
        var stars = 0
        var depth = 0
        var expectName = true
        while i < statement.count {
            let t = statement[i]
            switch t.text {
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth -= 1
            case "," where depth == 0:
                expectName = true
                stars = 0
            case "*" where expectName && depth == 0:
                stars += 1
            case "=" where depth == 0:
                expectName = false
            default:
                if expectName, depth == 0 {
                    guard t.isIdentifier, !CWords.isKeyword(t.text) else { return found }
                    // `type name(` declares a function, not a local.
                    if i + 1 < statement.count, statement[i + 1].text == "(" { return found }
                    let type = stars == 0 ? base : base + " " + String(repeating: "*", count: stars)
                    found.append((type, t))
                    expectName = false
                }
            }
            i += 1
        }
        return found
    }

    /// The characters a C string literal stands for (`"a\tb\n"` is a, tab, b, newline),
    /// decoded as git's quoted paths are.
    static func decodeLiteral(_ token: String) -> String {
        DiffSyntax.unquote(Substring(token))?.0 ?? String(token.dropFirst())
    }
}

extension FunctionHead {
    /// The token of the function's name among `tokens`, the head it was parsed from.
    func nameToken(in tokens: [CToken]) -> CToken? {
        var depth = 0
        for (i, t) in tokens.enumerated() {
            if t.text == "(" { depth += 1 } else if t.text == ")" { depth -= 1 }
            if depth == 0, t.text == name, i + 1 < tokens.count, tokens[i + 1].text == "(" { return t }
        }
        return nil
    }

    /// The tokens that name the parameters, in order.
    func parameterTokens(in tokens: [CToken]) -> [CToken] {
        guard !parameters.isEmpty else { return [] }
        var found: [CToken] = []
        for part in CItem.splitOnCommas(parameters) {
            guard let name = Self.parameter(part).name,
                  let token = part.last(where: { $0.text == name }) else { continue }
            found.append(token)
        }
        return found
    }
}
