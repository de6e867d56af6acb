// SPDX-License-Identifier: GPL-2.0-only

/// Places each changed line of a patch's C files in the function that encloses it.
enum Attributor {
    /// Files whose hunks are read as C.
    static func isC(_ path: String) -> Bool {
        path.isEmpty || path.hasSuffix(".c") || path.hasSuffix(".h")
    }

    private struct Candidate {
        var prototype: Prototype
        var basis: TouchedFunction.Basis
        var rank: Int { Self.rank(basis) }

        static func rank(_ basis: TouchedFunction.Basis) -> Int {
            switch basis {
            case .hunk: 3
            case .headerAndHunk: 2
            case .headerSection: 1
            }
        }
    }

    /// What is known about one function across the hunks of one file.
    private struct Record {
        var name: String
        var hunks: [Int] = []
        var evidence: [String] = []
        var noted: Set<String> = []
        var before: Candidate?
        var after: Candidate?
        /// A header section's prototype: true of the file before the patch, and after it
        /// unless a hunk changes the head.
        var headerPrototype: Prototype?
        var headChanged = false
        var addedDefinition = false
        var removedDefinition = false
        var onOldSide = false
        var onNewSide = false
        var touched = false
        /// Per hunk, the offsets of the lines on each side that lie in this function.
        var owned: [OwnedLines] = []

        mutating func own(hunk: Int, offset: Int, old: Bool) {
            if owned.last?.hunk != hunk { owned.append(OwnedLines(function: name, file: "", hunk: hunk)) }
            if old { owned[owned.count - 1].old.append(offset) } else { owned[owned.count - 1].new.append(offset) }
        }

        mutating func offer(_ prototype: Prototype?, basis: TouchedFunction.Basis?, old: Bool) {
            guard let prototype, let basis else { return }
            let candidate = Candidate(prototype: prototype, basis: basis)
            if old {
                if before == nil || candidate.rank > before!.rank { before = candidate }
            } else {
                if after == nil || candidate.rank > after!.rank { after = candidate }
            }
        }

        mutating func note(_ line: String) {
            if noted.insert(line).inserted { evidence.append(line) }
        }
    }

    static func attribute(_ patch: Patch) -> Attribution {
        var functions: [TouchedFunction] = []
        var unattributed: [UnattributedChange] = []
        var owned: [OwnedLines] = []
        for file in patch.files where isC(file.path) && !file.isBinary {
            let (f, u, o) = attribute(file)
            functions += f
            unattributed += u
            owned += o
        }
        return Attribution(functions: functions, unattributed: unattributed, ownedLines: owned)
    }

    private static func attribute(_ file: FilePatch) -> ([TouchedFunction], [UnattributedChange], [OwnedLines]) {
        var records: [String: Record] = [:]
        var touchOrder: [String] = []
        var unattributed: [UnattributedChange] = []

        func withRecord(_ name: String, _ body: (inout Record) -> Void) {
            if records[name] == nil { records[name] = Record(name: name) }
            body(&records[name]!)
        }

        for hunk in file.hunks {
            let sides = HunkSides(hunk)
            let header = sides.header
            let (oldStream, newStream) = (sides.oldStream, sides.newStream)
            let (oldIndex, newIndex) = (sides.oldIndex, sides.newIndex)
            let (oldScan, newScan) = (sides.oldScan, sides.newScan)

            // A continuation join stands only if neither side's body uses a name the
            // joined parameter list leaves undeclared.
            var undeclared: [String] = []
            var undeclaredSet: Set<String> = []
            for scan in [oldScan, newScan] {
                for def in scan.definitions {
                    for name in def.undeclared where undeclaredSet.insert(name).inserted { undeclared.append(name) }
                }
            }
            let joinRejected = !undeclared.isEmpty

            // Prototypes the hunk shows, whether or not it changes those functions.
            for (scan, stream, old) in [(oldScan, oldStream, true), (newScan, newStream, false)] {
                for def in scan.definitions {
                    guard let name = def.name else { continue }
                    let headLines = (def.beginsAboveHunk ? 0 : def.startLine)...def.braceLine
                    let headKinds = headLines.map { stream[$0].kind }
                    withRecord(name) { r in
                        if old { r.onOldSide = true } else { r.onNewSide = true }
                        if !(def.isContinuation && joinRejected) {
                            r.offer(def.prototype, basis: def.basis, old: old)
                        }
                        if headKinds.contains(where: { $0 != .context }) { r.headChanged = true }
                        if !def.beginsAboveHunk, stream[def.startLine].kind == .added { r.addedDefinition = true }
                        if !def.beginsAboveHunk, stream[def.startLine].kind == .removed { r.removedDefinition = true }
                    }
                }
            }
            if let name = header.functionName,
               oldScan.owners.contains(.header) || newScan.owners.contains(.header)
                || oldScan.definitions.contains(where: { $0.beginsAboveHunk }) {
                withRecord(name) { r in
                    r.onOldSide = true
                    if let p = header.prototype { r.headerPrototype = p }
                }
            }

            // For each line of a side, the next line that holds code (one pass from the
            // end, so a run of blank or comment lines costs its length once).
            let oldNextCode = nextCode(oldScan), newNextCode = nextCode(newScan)

            // Which function each line of each side lies in.
            for (scan, old) in [(oldScan, true), (newScan, false)] {
                for (s, owner) in scan.owners.enumerated() {
                    switch owner {
                    case .definition(let d):
                        if let name = scan.definitions[d].name { withRecord(name) { $0.own(hunk: hunk.index, offset: s, old: old) } }
                    case .header:
                        if let name = header.functionName { withRecord(name) { $0.own(hunk: hunk.index, offset: s, old: old) } }
                    case .unnamed, .outside:
                        break
                    }
                }
            }

            // Each changed line, in hunk order, and the function that encloses it.
            var outside: [Int] = [], unnamed: [Int] = []
            for (j, line) in hunk.lines.enumerated() where line.kind != .context {
                let old = line.kind == .removed
                let scan = old ? oldScan : newScan
                let stream = old ? oldStream : newStream
                let s = old ? oldIndex[j] : newIndex[j]
                let code = scan.isCode[s]
                let owner = scan.owners[s]
                if !code {
                    // A blank or comment line goes with the code after it: a comment just
                    // above a definition is not part of the function before it.
                    if let next = (old ? oldNextCode : newNextCode)[s], scan.owners[next] != owner {
                        continue
                    }
                }
                switch owner {
                case .definition(let d):
                    let def = scan.definitions[d]
                    withRecord(def.name!) { r in
                        if !r.touched { touchOrder.append(r.name) }
                        r.touched = true
                        if r.hunks.last != hunk.index { r.hunks.append(hunk.index) }
                        r.note(evidence(for: def, hunk: hunk, header: header, stream: stream,
                                        undeclared: joinRejected ? undeclared : []))
                    }
                case .header:
                    withRecord(header.functionName!) { r in
                        if !r.touched { touchOrder.append(r.name) }
                        r.touched = true
                        if r.hunks.last != hunk.index { r.hunks.append(hunk.index) }
                        r.note("hunk \(hunk.index): header section '\(header.text)'")
                    }
                case .unnamed:
                    if code { unnamed.append(j + 1) }
                case .outside:
                    if code { outside.append(j + 1) }
                }
            }
            if !outside.isEmpty {
                unattributed.append(UnattributedChange(file: file.path, hunk: hunk.index, lines: outside,
                                                       reason: .outsideFunction))
            }
            if !unnamed.isEmpty {
                unattributed.append(UnattributedChange(file: file.path, hunk: hunk.index, lines: unnamed,
                                                       reason: .unnamedFunction))
            }
        }

        var result: [TouchedFunction] = []
        var owned: [OwnedLines] = []
        for name in touchOrder {
            guard var r = records[name] else { continue }
            if let p = r.headerPrototype {
                r.offer(p, basis: .headerSection, old: true)
                if !r.headChanged { r.offer(p, basis: .headerSection, old: false) }
            }
            let change: TouchedFunction.Change =
                r.addedDefinition && !r.onOldSide ? .added
                : r.removedDefinition && !r.onNewSide ? .removed
                : .modified
            result.append(TouchedFunction(name: name, file: file.path,
                                          before: r.before?.prototype, after: r.after?.prototype,
                                          hunks: r.hunks, evidence: r.evidence, change: change,
                                          beforeBasis: r.before?.basis, afterBasis: r.after?.basis))
            for var lines in r.owned where r.hunks.contains(lines.hunk) {
                lines.file = file.path
                owned.append(lines)
            }
        }
        return (result, unattributed, owned)
    }

    /// For each line, the first later line that holds code.
    private static func nextCode(_ scan: SideScan) -> [Int?] {
        var out = [Int?](repeating: nil, count: scan.isCode.count)
        var next: Int?
        for k in scan.isCode.indices.reversed() {
            out[k] = next
            if scan.isCode[k] { next = k }
        }
        return out
    }

    private static func lineSpan(_ a: Int, _ b: Int) -> String {
        a == b ? "hunk line \(a)" : "hunk lines \(a)-\(b)"
    }

    private static func evidence(for def: ScannedDefinition, hunk: Hunk, header: HeaderSection,
                                 stream: [StreamLine], undeclared: [String]) -> String {
        let h = "hunk \(hunk.index): "
        let start = stream[def.beginsAboveHunk ? 0 : def.startLine].hunkLine + 1
        switch def.join {
        case .continuation(let last):
            let span = lineSpan(start, stream[last].hunkLine + 1)
            if def.prototype == nil {
                return h + "header section '\(header.text)' continued at \(span); the head may begin above the header line"
            }
            if !undeclared.isEmpty {
                let names = undeclared.map { "'\($0)'" }.joined(separator: ", ")
                return h + "header section '\(header.text)' not joined with \(span): the body uses \(names),"
                    + " which the joined parameters do not declare"
            }
            return h + "prototype from header section '\(header.text)' joined with \(span)"
        case .returnType:
            return h + "definition at hunk line \(start), return type from header section '\(header.text)'"
        case nil:
            let kind = stream[def.startLine].kind
            let verb = kind == .added ? "added" : kind == .removed ? "removed" : "in hunk"
            let note = def.prototype == nil ? "; its head begins above the hunk" : ""
            return h + "definition \(verb) at line \(start)\(note)"
        }
    }
}
