// SPDX-License-Identifier: GPL-2.0-only

/// Words of C that never name a function or a variable.
enum CWords {
    static let statementKeywords: Set<String> = [
        "if", "else", "while", "for", "do", "switch", "case", "default", "return", "goto",
        "break", "continue", "sizeof", "typeof", "__typeof__", "__typeof", "_Alignof", "alignof",
        "__alignof__", "asm", "__asm__", "__asm", "typedef", "_Static_assert", "static_assert",
        "_Generic", "offsetof",
    ]

    static let typeKeywords: Set<String> = [
        "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
        "_Bool", "bool", "const", "volatile", "restrict", "__restrict", "struct", "union", "enum",
        "register", "auto", "_Complex", "__int128",
    ]

    /// Storage classes, function specifiers and kernel annotations that are not part of
    /// a function's return type.
    static let specifiers: Set<String> = [
        "static", "extern", "inline", "__inline", "__inline__", "__always_inline", "noinline",
        "__noinline", "_Noreturn", "__noreturn", "asmlinkage", "notrace", "noinstr", "__init",
        "__exit", "__meminit", "__ref", "__cold", "__hot", "__weak", "__maybe_unused",
        "__always_unused", "__must_check", "__sched", "__latent_entropy", "__flatten",
        "__no_sanitize_address", "__no_kcsan", "__no_stack_protector", "__visible", "__used",
        "__naked", "__pure", "__attribute_const__", "__malloc", "__cpuidle", "__kprobes",
        "__init_or_module", "__net_init", "__net_exit", "__devinit",
        "__section", "__printf", "__scanf", "__aligned", "__attribute__", "__attribute",
        "__acquires", "__releases", "__must_hold", "__cond_acquires", "__no_profile",
        "__nocfi", "__noclone", "__noinline_for_stack", "noinline_for_stack",
    ]

    /// Names that are followed by a parenthesised argument but are annotations, not
    /// function names.
    static func isAnnotation(_ name: String) -> Bool {
        specifiers.contains(name) || name == "__declspec"
    }

    static func isKeyword(_ name: String) -> Bool {
        statementKeywords.contains(name) || typeKeywords.contains(name)
    }
}

/// A token or a bracketed group of tokens at one nesting level.
enum CItem {
    case token(CToken)
    /// The tokens of a ( ) or [ ] group, brackets included.
    case group([CToken])

    var token: CToken? {
        if case .token(let t) = self { return t }
        return nil
    }

    var tokens: [CToken] {
        switch self {
        case .token(let t): [t]
        case .group(let g): g
        }
    }

    var opener: String? {
        if case .group(let g) = self { return g.first?.text }
        return nil
    }

    /// The tokens inside the brackets.
    var inner: ArraySlice<CToken> {
        if case .group(let g) = self { return g.dropFirst().dropLast() }
        return []
    }

    /// Groups top-level tokens; nil when the brackets do not balance.
    static func items<C: Collection>(_ tokens: C) -> [CItem]? where C.Element == CToken {
        var items: [CItem] = []
        var stack: [String] = []
        var group: [CToken] = []
        for t in tokens {
            switch t.text {
            case "(", "[":
                stack.append(t.text)
                group.append(t)
            case ")", "]":
                guard let open = stack.popLast(), (open == "(") == (t.text == ")") else { return nil }
                group.append(t)
                if stack.isEmpty {
                    items.append(.group(group))
                    group = []
                }
            default:
                if stack.isEmpty { items.append(.token(t)) } else { group.append(t) }
            }
        }
        return stack.isEmpty ? items : nil
    }

    /// Splits tokens at top-level commas.
    static func splitOnCommas<C: Collection>(_ tokens: C) -> [[CToken]] where C.Element == CToken {
        var parts: [[CToken]] = [[]]
        var depth = 0
        for t in tokens {
            switch t.text {
            case "(", "[", "{": depth += 1
            case ")", "]", "}": depth -= 1
            case "," where depth == 0:
                parts.append([])
                continue
            default: break
            }
            parts[parts.count - 1].append(t)
        }
        return parts
    }
}

/// The head of a function definition: what comes before its `{`.
struct FunctionHead {
    /// Specifiers and return type, in order.
    var leading: [CItem]
    var name: String
    /// The tokens between the parameter list's parentheses.
    var parameters: [CToken]
    /// Annotations after the parameter list (`__releases(x)`, `__attribute__((...))`).
    var trailing: [CItem]

    /// Recognises "specifiers type name(parameters) annotations". Parameters must read
    /// as declarations, which tells a definition from a macro loop such as
    /// `list_for_each_entry(page, &list, lru) {`.
    static func parse(_ tokens: [CToken], allowUnnamedParameters: Bool = false) -> FunctionHead? {
        guard let first = tokens.first, !CWords.statementKeywords.contains(first.text),
              first.kind == .identifier,
              let items = CItem.items(tokens) else { return nil }
        for item in items {
            if let t = item.token, t.text == ";" || t.text == "=" { return nil }
        }
        var k = 1
        var found: Int?
        while k < items.count {
            if items[k].opener == "(", let name = items[k - 1].token, name.isIdentifier,
               !CWords.isKeyword(name.text), !CWords.isAnnotation(name.text),
               isParameterList(items[k].inner, functionName: name.text, allowUnnamed: allowUnnamedParameters) {
                found = k
                break
            }
            k += 1
        }
        guard let p = found else { return nil }
        let leading = Array(items[..<(p - 1)])
        let trailing = Array(items[(p + 1)...])
        guard annotationsOrTypes(leading, allowStars: true), annotationsOrTypes(trailing, allowStars: false) else {
            return nil
        }
        return FunctionHead(leading: leading, name: items[p - 1].token!.text,
                            parameters: Array(items[p].inner), trailing: trailing)
    }

    /// Identifiers, stars (before the name), and annotation calls such as `__printf(2, 3)`.
    private static func annotationsOrTypes(_ items: [CItem], allowStars: Bool) -> Bool {
        for (i, item) in items.enumerated() {
            switch item {
            case .token(let t):
                if t.isIdentifier && !CWords.statementKeywords.contains(t.text) { continue }
                if allowStars && t.text == "*" { continue }
                return false
            case .group(let g):
                guard g.first?.text == "(", i > 0, let before = items[i - 1].token, before.isIdentifier else {
                    return false
                }
            }
        }
        return true
    }

    /// Each parameter is `void`, `...`, or a declaration of at least two items that
    /// starts with a type word and holds no operators but `*`.
    static func isParameterList<C: Collection>(_ tokens: C, functionName: String, allowUnnamed: Bool = false)
        -> Bool where C.Element == CToken
    {
        if tokens.isEmpty { return true }
        if isSyscallMacro(functionName) { return true }
        let params = CItem.splitOnCommas(tokens)
        for (i, param) in params.enumerated() {
            if param.count == 1, param[0].text == "void", params.count == 1 { continue }
            if param.count == 1, param[0].text == "...", i == params.count - 1, i > 0 { continue }
            guard isParameterDeclaration(param, allowUnnamed: allowUnnamed) else { return false }
        }
        return true
    }

    static func isParameterDeclaration(_ param: [CToken], allowUnnamed: Bool = false) -> Bool {
        guard let items = CItem.items(param), items.count >= (allowUnnamed ? 1 : 2),
              let first = items.first?.token, first.isIdentifier,
              !CWords.statementKeywords.contains(first.text) else { return false }
        for item in items {
            switch item {
            case .token(let t):
                guard t.isIdentifier || t.text == "*" else { return false }
            case .group(let g):
                if g.first?.text == "(" {
                    // A function pointer's "(*name)" or its parameter list.
                    continue
                }
            }
        }
        return true
    }

    static func isSyscallMacro(_ name: String) -> Bool {
        for prefix in ["SYSCALL_DEFINE", "COMPAT_SYSCALL_DEFINE"] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            return rest.count == 1 && rest.allSatisfy(\.isASCIIDigit)
        }
        return false
    }

    /// True when the head begins with a storage class, so nothing above it can belong
    /// to the declaration.
    var startsWithStorageClass: Bool {
        guard let first = leading.first?.token?.text else { return false }
        return first == "static" || first == "extern"
    }

    /// The prototype, or nil when the head has no return type (it begins above).
    var prototype: Prototype? {
        var specifiers: [String] = []
        var typeTokens: [CToken] = []
        var i = 0
        while i < leading.count {
            let item = leading[i]
            if let t = item.token, t.isIdentifier, i + 1 < leading.count, leading[i + 1].opener == "(" {
                specifiers.append(t.text + Spelling.spell(leading[i + 1].tokens.map(\.text), call: true))
                i += 2
                continue
            }
            if let t = item.token, CWords.specifiers.contains(t.text) {
                specifiers.append(t.text)
            } else {
                typeTokens.append(contentsOf: item.tokens)
            }
            i += 1
        }
        var j = 0
        while j < trailing.count {
            let item = trailing[j]
            if let t = item.token, j + 1 < trailing.count, trailing[j + 1].opener == "(" {
                specifiers.append(t.text + Spelling.spell(trailing[j + 1].tokens.map(\.text), call: true))
                j += 2
                continue
            }
            specifiers.append(contentsOf: item.tokens.map(\.text))
            j += 1
        }
        guard typeTokens.contains(where: \.isIdentifier) else { return nil }
        var parameters: [Prototype.Parameter] = []
        var variadic = false
        let parts = self.parameters.isEmpty ? [] : CItem.splitOnCommas(self.parameters)
        for part in parts {
            if part.count == 1, part[0].text == "void", parts.count == 1 { break }
            if part.count == 1, part[0].text == "..." {
                variadic = true
                continue
            }
            parameters.append(Self.parameter(part))
        }
        return Prototype(name: name, returnType: Spelling.spell(typeTokens.map(\.text)),
                         parameters: parameters, isVariadic: variadic, specifiers: specifiers)
    }

    /// Splits one parameter declaration into type and name.
    static func parameter(_ tokens: [CToken]) -> Prototype.Parameter {
        let texts = tokens.map(\.text)
        guard let items = CItem.items(tokens) else {
            return .init(type: Spelling.spell(texts), name: nil)
        }
        // Function pointer: type (*name)(args)
        for (k, item) in items.enumerated() where item.opener == "(" && k > 0 {
            let inner = item.inner
            guard inner.first?.text == "*", let nameToken = inner.last(where: \.isIdentifier),
                  !CWords.isKeyword(nameToken.text) else { continue }
            var typeTexts: [String] = []
            var removed = false
            for t in tokens {
                if !removed, t == nameToken {
                    removed = true
                    continue
                }
                typeTexts.append(t.text)
            }
            return .init(type: Spelling.spell(typeTexts), name: nameToken.text)
        }
        // Array dimensions come after the name.
        var end = items.count
        while end > 0, items[end - 1].opener == "[" { end -= 1 }
        if end >= 2, let last = items[end - 1].token, last.isIdentifier, !CWords.isKeyword(last.text),
           !CWords.specifiers.contains(last.text) {
            let typeItems = items[..<(end - 1)] + items[end...]
            return .init(type: Spelling.spell(typeItems.flatMap(\.tokens).map(\.text)), name: last.text)
        }
        return .init(type: Spelling.spell(texts), name: nil)
    }
}

/// The canonical spelling of token sequences.
enum Spelling {
    /// Single spaces; stars bind to what follows (`struct page *`, `char **`,
    /// `char *const`); no space inside brackets or before commas.
    /// With `call`, an identifier and its "(" are written together, as in `__printf(2, 3)`.
    static func spell(_ tokens: [String], call: Bool = false) -> String {
        var out = ""
        var previous: String?
        for t in tokens {
            if let a = previous { out += separator(a, t, call: call) }
            out += t
            previous = t
        }
        return out
    }

    private static func separator(_ a: String, _ b: String, call: Bool) -> String {
        if b == "," || b == ")" || b == "]" { return "" }
        if a == "(" || a == "[" { return "" }
        if a == "->" || b == "->" || a == "." || b == "." || a == "&" || a == "!" || a == "~" { return "" }
        if a == "*" { return b == "*" || b == ")" || isWord(b) ? "" : " " }
        if b == "(" { return a == ")" || (call && isWord(a)) ? "" : " " }
        if b == "[" { return a == "]" ? "" : " " }
        return " "
    }

    private static func isWord(_ s: String) -> Bool {
        guard let f = s.utf8.first else { return false }
        return CLexer.isIdentifierStart(f)
    }
}

/// What a hunk header's section text says about the enclosing function.
struct HeaderSection {
    let text: String
    let tokens: [CToken]
    /// The function the section begins, possibly truncated after its name.
    let functionName: String?
    /// The whole prototype, when the section holds all of it and starts with a storage
    /// class.
    let prototype: Prototype?
    /// A head whose parameter list is still open: hunk lines can complete it.
    let isOpenHead: Bool
    /// Only specifiers and a return type ("static struct page *"): the name is on the
    /// next line.
    let isTypeOnly: Bool
    /// A goto label ("out:"), as git shows without a C diff driver.
    let isLabel: Bool

    init(_ text: String) {
        self.text = text
        var tokens = CLexer.tokens(of: text)
        isTypeOnly = !tokens.isEmpty && tokens.contains(where: \.isIdentifier)
            && tokens.allSatisfy { ($0.isIdentifier && !CWords.statementKeywords.contains($0.text)) || $0.text == "*" }
            && tokens.contains(where: { $0.text == "*" || CWords.specifiers.contains($0.text) || CWords.typeKeywords.contains($0.text) })
        // "int foo(void) {" with the brace on the head line.
        if tokens.count >= 2, tokens[tokens.count - 1].text == "{", tokens[tokens.count - 2].text == ")" {
            tokens.removeLast()
        }
        self.tokens = tokens
        isLabel = tokens.count == 2 && tokens[0].isIdentifier && tokens[1].text == ":"
            && !CWords.isKeyword(tokens[0].text)

        var name: String?
        var open = false
        var prototype: Prototype?
        if let (n, closed) = Self.functionName(tokens) {
            name = n
            open = !closed
            if closed, let head = FunctionHead.parse(tokens), head.name == n, head.startsWithStorageClass {
                prototype = head.prototype
            }
        }
        functionName = name
        isOpenHead = open
        self.prototype = prototype
    }

    /// The name of the function the tokens begin, and whether its parameter list closes.
    /// The text may stop anywhere after the "(", as git cuts long lines.
    private static func functionName(_ tokens: [CToken]) -> (String, Bool)? {
        guard let p = tokens.firstIndex(where: { $0.text == "(" }), p > 0 else { return nil }
        let name = tokens[p - 1]
        guard name.isIdentifier, !CWords.isKeyword(name.text), !CWords.isAnnotation(name.text),
              let leading = CItem.items(tokens[..<(p - 1)]) else { return nil }
        for item in leading {
            guard let t = item.token else { return nil }
            guard (t.isIdentifier && !CWords.statementKeywords.contains(t.text)) || t.text == "*" else { return nil }
        }
        var depth = 0
        var close: Int?
        for k in p..<tokens.count {
            switch tokens[k].text {
            case "(": depth += 1
            case ")":
                depth -= 1
                if depth == 0 { close = k }
            case ";", "=", "{", "}":
                return nil
            default: break
            }
            if close != nil { break }
        }
        if let close {
            guard FunctionHead.isParameterList(tokens[(p + 1)..<close], functionName: name.text),
                  let rest = CItem.items(tokens[(close + 1)...]) else { return nil }
            for item in rest {
                if let t = item.token, !t.isIdentifier { return nil }
            }
            return (name.text, true)
        }
        // Truncated: the parameters followed by a comma are complete and must read as
        // declarations.
        var parts = CItem.splitOnCommas(tokens[(p + 1)...])
        parts.removeLast()
        for part in parts where !FunctionHead.isSyscallMacro(name.text) {
            guard FunctionHead.isParameterDeclaration(part) || (part.count == 1 && part[0].text == "void") else {
                return nil
            }
        }
        return (name.text, false)
    }
}

extension Prototype {
    /// Reads a C function declaration or definition head, such as the kernel source's
    /// lines from the return type to the closing parenthesis; a trailing `;` or `{` is
    /// allowed. Returns nil when the text is not one or has no return type.
    public static func parse(_ declaration: String) -> Prototype? {
        var lexer = CLexer()
        var tokens: [CToken] = []
        for (i, line) in declaration.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            tokens += lexer.lex(line, line: i).tokens
        }
        if let last = tokens.last, last.text == ";" || last.text == "{" { tokens.removeLast() }
        return FunctionHead.parse(tokens, allowUnnamedParameters: true)?.prototype
    }
}
