// SPDX-License-Identifier: GPL-2.0-only

/// One line of one side of a hunk: the old side is context and removed lines, the new
/// side context and added lines.
struct StreamLine {
    var text: Substring
    /// Position in the hunk's `lines`.
    var hunkLine: Int
    var kind: HunkLine.Kind
}

/// A function definition seen on one side of a hunk.
struct ScannedDefinition {
    enum Join: Equatable {
        /// The header section begins the head and the hunk's first lines (up to this
        /// stream line) finish it.
        case continuation(lastLine: Int)
        /// The header section is the return-type line; the name line opens the hunk.
        case returnType
    }

    var name: String?
    var prototype: Prototype?
    var basis: TouchedFunction.Basis?
    /// Stream line of the first head token; 0 for a head that begins above the hunk.
    var startLine: Int
    /// Stream line of the body's `{`.
    var braceLine: Int
    /// Stream line of the body's closing `}`, if the hunk shows it.
    var closeLine: Int?
    var beginsAboveHunk: Bool
    var join: Join?
    /// Brace depth outside the body, relative to the start of the hunk.
    var openDepth: Int
    /// For a continuation join: the body's tokens and the joined parameters' names, to
    /// check that the join left no parameter out.
    var bodyTokens: [CToken] = []
    var parameterNames: [String] = []

    var isContinuation: Bool {
        if case .continuation = join { return true }
        return false
    }

    /// A continuation join whose body uses names the joined head does not declare.
    var undeclared: [String] {
        guard isContinuation, prototype != nil else { return [] }
        return Declarations.undeclaredIdentifiers(body: bodyTokens, parameters: parameterNames)
    }

    func contains(_ line: Int) -> Bool {
        (beginsAboveHunk || startLine <= line) && (closeLine.map { line <= $0 } ?? true)
    }
}

/// Who encloses a line of a side.
enum LineOwner: Equatable {
    case definition(Int)
    /// The function the hunk header names, whose head lies above the hunk.
    case header
    /// Inside a function nothing names.
    case unnamed
    case outside
}

struct SideScan {
    var definitions: [ScannedDefinition] = []
    var owners: [LineOwner] = []
    /// The line holds code (tokens or a directive), not only blanks or comment.
    var isCode: [Bool] = []
}

/// Finds function definitions and their extent on one side of a hunk, without
/// relying on indentation (mail archives drop it).
enum FunctionScanner {
    /// Tokens kept of a definition's head, and of a body checked for undeclared names.
    static let maximumFragment = 1 << 16

    static func scan(_ stream: [StreamLine], header: HeaderSection, indented: Bool) -> SideScan {
        var lexer = CLexer()
        // What closesFunction needs of each line, not its tokens.
        var lexed: [(isBlank: Bool, isCommentOnly: Bool)] = []
        lexed.reserveCapacity(stream.count)
        var defs: [ScannedDefinition] = []
        var depth = 0, minDepth = 0
        var fragment: [CToken] = []
        var fragmentAnchored = false
        var seenAnything = false
        var openDef: Int?
        var braceEvents: [(line: Int, newMinimum: Bool)] = []
        var isCode = [Bool](repeating: false, count: stream.count)
        var commentUntil = -1

        for (idx, line) in stream.enumerated() {
            let lx = lexer.lex(line.text, line: idx)
            lexed.append((lx.isBlank, lx.isCommentOnly))
            if lx.closedUnopenedComment {
                // The hunk began inside a comment: forget what its text looked like.
                depth = 0
                minDepth = 0
                fragment.removeAll()
                defs.removeAll()
                openDef = nil
                braceEvents.removeAll()
                commentUntil = idx - 1
                seenAnything = true
            }
            isCode[idx] = lx.isPreprocessor || !lx.tokens.isEmpty
            if lx.tokens.isEmpty {
                if fragment.isEmpty { seenAnything = true }
                continue
            }
            for tok in lx.tokens {
                if fragment.isEmpty { fragmentAnchored = seenAnything }
                switch tok.text {
                case ";":
                    fragment.removeAll()
                case "{":
                    if openDef == nil, !fragment.isEmpty,
                       var def = definition(fragment, anchored: fragmentAnchored, header: header) {
                        def.braceLine = idx
                        def.openDepth = depth
                        defs.append(def)
                        openDef = defs.count - 1
                    }
                    depth += 1
                    fragment.removeAll()
                case "}":
                    depth -= 1
                    let newMinimum = depth < minDepth
                    if newMinimum { minDepth = depth }
                    braceEvents.append((idx, newMinimum))
                    if let o = openDef, depth == defs[o].openDepth {
                        defs[o].closeLine = idx
                        openDef = nil
                    }
                    fragment.removeAll()
                default:
                    // A head longer than this is no definition's: forget it.
                    if fragment.count >= maximumFragment { fragment.removeAll() }
                    fragment.append(tok)
                }
                if let o = openDef, defs[o].isContinuation, defs[o].bodyTokens.count < maximumFragment {
                    defs[o].bodyTokens.append(tok)
                }
                seenAnything = true
            }
        }
        if commentUntil >= 0 {
            for k in 0...commentUntil { isCode[k] = false }
        }

        // Where the function named by the header ends, if the hunk starts inside it.
        let tailDefinition = defs.first(where: \.beginsAboveHunk)
        let firstStart = defs.first(where: { !$0.beginsAboveHunk })?.startLine ?? stream.count
        var headerEnd = firstStart - 1
        if tailDefinition == nil {
            let starts = Set(defs.filter { !$0.beginsAboveHunk }.map(\.startLine))
            for event in braceEvents where event.line < firstStart {
                if closesFunction(event, stream: stream, lexed: lexed, indented: indented, starts: starts) {
                    headerEnd = event.line
                    break
                }
            }
        }

        // The first definition holding each line. Definitions start in order and
        // the lines one holds are contiguous, so one pass over them, filling only lines
        // past those already filled, finds it for every line.
        var holder = [Int?](repeating: nil, count: stream.count)
        var filled = -1
        for (d, def) in defs.enumerated() {
            let first = max(def.beginsAboveHunk ? 0 : def.startLine, filled + 1)
            let last = min(def.closeLine ?? stream.count - 1, stream.count - 1)
            guard first <= last else { continue }
            for idx in first...last where holder[idx] == nil { holder[idx] = d }
            filled = max(filled, last)
        }
        var owners = [LineOwner](repeating: .outside, count: stream.count)
        for idx in stream.indices {
            if let d = holder[idx] {
                owners[idx] = defs[d].name == nil ? .unnamed : .definition(d)
            } else if tailDefinition == nil && idx <= headerEnd {
                if header.functionName != nil {
                    owners[idx] = .header
                } else if header.isLabel {
                    owners[idx] = .unnamed
                }
            }
        }
        return SideScan(definitions: defs, owners: owners, isCode: isCode)
    }

    /// Reads a definition head from the tokens before a `{`.
    private static func definition(_ fragment: [CToken], anchored: Bool, header: HeaderSection)
        -> ScannedDefinition?
    {
        var balance = 0, lowest = 0
        for t in fragment {
            if t.text == "(" { balance += 1 } else if t.text == ")" { balance -= 1 }
            lowest = min(lowest, balance)
        }
        if lowest < 0 {
            // The hunk began inside a parameter list whose opening is the header
            // section. Anything else that closes a parenthesis opened above the hunk
            // (a multi-line condition) is a statement of the body.
            guard !anchored, balance == -1, header.isOpenHead,
                  let head = FunctionHead.parse(header.tokens + fragment),
                  head.name == header.functionName else { return nil }
            var def = ScannedDefinition(name: head.name, startLine: 0, braceLine: 0,
                                        beginsAboveHunk: true, openDepth: 0)
            def.join = .continuation(lastLine: fragment[fragment.count - 1].line)
            if head.startsWithStorageClass, let prototype = head.prototype {
                def.prototype = prototype
                def.basis = .headerAndHunk
                def.parameterNames = prototype.parameters.compactMap(\.name)
            }
            return def
        }
        guard balance == 0, let head = FunctionHead.parse(fragment) else { return nil }
        var def = ScannedDefinition(name: head.name, startLine: fragment[0].line, braceLine: 0,
                                    beginsAboveHunk: false, openDepth: 0)
        if anchored || head.startsWithStorageClass {
            if let prototype = head.prototype {
                def.prototype = prototype
                def.basis = .hunk
            }
        } else if header.isTypeOnly, let joined = FunctionHead.parse(header.tokens + fragment),
                  joined.name == head.name, joined.startsWithStorageClass, let prototype = joined.prototype {
            def.prototype = prototype
            def.basis = .headerAndHunk
            def.join = .returnType
        }
        return def
    }

    /// Whether a `}` ends the function the hunk began in. With indentation, the
    /// kernel's closing brace stands alone in column 0. Without it (a mail archive),
    /// the brace must close more than anything the hunk opened, and the next code must
    /// be something only found outside functions.
    private static func closesFunction(_ event: (line: Int, newMinimum: Bool), stream: [StreamLine],
                                       lexed: [(isBlank: Bool, isCommentOnly: Bool)], indented: Bool,
                                       starts: Set<Int>) -> Bool
    {
        let text = stream[event.line].text
        if indented {
            return text.hasPrefix("}")
        }
        guard event.newMinimum else { return false }
        var k = event.line + 1
        while k < stream.count {
            let trimmed = stream[k].text.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("/**") { return true }
            if lexed[k].isBlank || lexed[k].isCommentOnly {
                k += 1
                continue
            }
            if starts.contains(k) { return true }
            let starters = ["static ", "extern ", "EXPORT_SYMBOL", "typedef ", "#define ", "#include ",
                            "early_param(", "__setup(", "module_init(", "module_exit(", "core_initcall(",
                            "postcore_initcall(", "arch_initcall(", "subsys_initcall(", "fs_initcall(",
                            "device_initcall(", "late_initcall(", "DEFINE_"]
            return starters.contains(where: { trimmed.hasPrefix($0) })
        }
        return false
    }
}

/// Declarations and uses of names in a function body.
enum Declarations {
    private static let notVariables: Set<String> = ["true", "false", "NULL", "nullptr", "this"]

    /// Names the body reads as variables but that neither the parameters nor a
    /// visible local declaration introduce, in order of first use. Names that look
    /// like macros (no lower-case letter), types (`_t`, `u32`, `__le64`), callees,
    /// members and labels are not counted.
    static func undeclaredIdentifiers(body: [CToken], parameters: [String]) -> [String] {
        var declared = Set(parameters)
        var typeWords: Set<Int> = []
        var statements: [[Int]] = [[]]
        for (i, t) in body.enumerated() {
            if t.text == ";" || t.text == "{" || t.text == "}" {
                statements.append([])
            } else {
                statements[statements.count - 1].append(i)
            }
        }
        for statement in statements where !statement.isEmpty {
            let first = body[statement[0]]
            guard first.isIdentifier, !CWords.statementKeywords.contains(first.text) else { continue }
            var prefix: [Int] = []
            for i in statement {
                let text = body[i].text
                if text == "=" || text == "(" || text == "[" || text == "," { break }
                prefix.append(i)
            }
            guard prefix.count >= 2, let last = prefix.last, body[last].isIdentifier,
                  !CWords.isKeyword(body[last].text),
                  prefix.allSatisfy({ body[$0].isIdentifier || body[$0].text == "*" }) else { continue }
            declared.insert(body[last].text)
            typeWords.formUnion(prefix.dropLast())
            // Further declarators: ", *next", ", count = 0".
            var depth = 0
            var afterComma = false
            for i in statement where i > last {
                let text = body[i].text
                switch text {
                case "(", "[": depth += 1
                case ")", "]": depth -= 1
                case "," where depth == 0: afterComma = true
                case "*": break
                default:
                    if afterComma, depth == 0, body[i].isIdentifier {
                        declared.insert(text)
                        afterComma = false
                    } else {
                        afterComma = false
                    }
                }
            }
        }

        var seen: Set<String> = []
        var undeclared: [String] = []
        for (i, t) in body.enumerated() where t.isIdentifier && !typeWords.contains(i) {
            let name = t.text
            if CWords.isKeyword(name) || notVariables.contains(name) || declared.contains(name) { continue }
            if !name.contains(where: \.isLowercase) || looksLikeType(name) { continue }
            if i + 1 < body.count, body[i + 1].text == "(" { continue }
            if i > 0, [".", "->", "struct", "union", "enum", "goto"].contains(body[i - 1].text) { continue }
            if i + 1 < body.count, body[i + 1].text == ":",
               i == 0 || [";", "{", "}"].contains(body[i - 1].text) { continue }
            if seen.insert(name).inserted { undeclared.append(name) }
        }
        return undeclared
    }

    private static func looksLikeType(_ name: String) -> Bool {
        if name.hasSuffix("_t") { return true }
        var core = Substring(name)
        if core.hasPrefix("__") { core = core.dropFirst(2) }
        for prefix in ["u", "s", "le", "be"] where core.hasPrefix(prefix) {
            let bits = core.dropFirst(prefix.count)
            if ["8", "16", "32", "64", "128"].contains(String(bits)) { return true }
        }
        return false
    }
}
