// SPDX-License-Identifier: GPL-2.0-only

/// Reads patches and names the C functions they touch.
///
/// Accepted input: plain unified diffs (`diff -u`, `git diff`), `git format-patch`
/// output and mboxes holding one or many patches (bodies in quoted-printable or base64,
/// patches in text parts of multipart messages), and patches as web mail archives
/// render them (context lines without their leading space, indentation lost, HTML
/// entities, non-breaking spaces). Anything else is refused with a `PatchReadError`.
public enum PatchReader {
    public static func read(_ data: [UInt8]) throws(PatchReadError) -> PatchSet {
        let text = try TextDecoding.decode(data)
        return try parse(TextDecoding.lines(of: text))
    }

    public static func read(text: String) throws(PatchReadError) -> PatchSet {
        try read(Array(text.utf8))
    }

    /// The functions whose body or prototype the patch changes, in order of first change.
    public static func touchedFunctions(_ patch: Patch) -> [TouchedFunction] {
        Attributor.attribute(patch).functions
    }

    /// The touched functions, and the changed code lines that lie outside any function
    /// or in one the patch does not name.
    ///
    /// Each changed line belongs to the function that encloses it on its side of the
    /// hunk (old side: context and removed lines; new side: context and added lines):
    /// a definition that begins inside the hunk, else the function the hunk header's
    /// section names, until the hunk shows that function's closing brace.
    ///
    /// A prototype is reported when the diff shows all of it: a definition inside the
    /// hunk that starts after other lines of the hunk or with `static`/`extern`; a
    /// header section that holds the whole prototype and starts with `static`/`extern`;
    /// or a header section joined with the hunk's first lines (a return-type line and
    /// the name line after it, or the opening of a parameter list and its
    /// continuation). The diff cannot show whether lines lie between a header section
    /// and the hunk, so a continuation join is dropped when the body visible in the
    /// hunk uses a lower-case name that neither the joined parameters nor a visible
    /// local declaration introduces: a sign that a parameter line is hidden.
    public static func attribute(_ patch: Patch) -> Attribution {
        Attributor.attribute(patch)
    }

    static func parse(_ lines: [Substring]) throws(PatchReadError) -> PatchSet {
        var starts: [Int] = []
        for (i, line) in lines.enumerated() where MailHeaders.isMboxSeparator(line) {
            starts.append(i)
        }
        var chunks: [Range<Int>] = []
        if starts.first.map({ $0 > 0 }) ?? true {
            chunks.append(0..<(starts.first ?? lines.count))
        }
        for (k, start) in starts.enumerated() {
            chunks.append(start..<(k + 1 < starts.count ? starts[k + 1] : lines.count))
        }

        var patches: [Patch] = []
        var malformedLine: Int?
        var combined = false
        for range in chunks {
            var chunk = Array(lines[range])
            if let decoded = MimeBody.decode(chunk) { chunk = decoded }
            var mangled = false
            if HTMLEntities.looksEscaped(chunk) {
                chunk = chunk.map { Substring(HTMLEntities.decode($0)) }
                mangled = true
            }
            if chunk.contains(where: hasLeadingNoBreakSpace) {
                chunk = chunk.map { Substring($0.replacingNoBreakSpaces()) }
                mangled = true
            }
            let output: DiffParser.Output
            do {
                output = try DiffParser(lines: chunk, lenient: false).parse()
            } catch {
                output = (try? DiffParser(lines: chunk, lenient: true).parse()) ?? DiffParser.Output()
            }
            if output.files.isEmpty {
                if malformedLine == nil, let m = output.malformedHunkHeader { malformedLine = range.lowerBound + m }
                combined = combined || output.sawCombinedDiff
                continue
            }
            let front = chunk[..<(output.diffStart ?? chunk.count)]
            let headers = MailHeaders.read(front)
            patches.append(Patch(title: headers.title,
                                 subject: headers.title.flatMap(MailHeaders.subject(fromTitle:)),
                                 author: headers.author,
                                 message: headers.bodyStart.flatMap { MailHeaders.message(front, from: $0) },
                                 files: output.files,
                                 mangled: mangled || output.readUnmarkedContext))
        }
        guard !patches.isEmpty else {
            if let line = malformedLine { throw .notAPatch("malformed hunk header at line \(line + 1)") }
            if combined { throw .notAPatch("combined diff hunks (@@@) are not supported") }
            throw .notAPatch("no hunks found")
        }
        return PatchSet(patches: patches)
    }

    /// A line that starts with U+00A0, or with a diff marker and then U+00A0: a web
    /// page's rendering of indentation.
    private static func hasLeadingNoBreakSpace(_ line: Substring) -> Bool {
        var scalars = line.unicodeScalars.makeIterator()
        guard let first = scalars.next() else { return false }
        if first == "\u{00A0}" { return true }
        if first == "+" || first == "-" || first == " " { return scalars.next() == "\u{00A0}" }
        return false
    }
}

extension Substring {
    fileprivate func replacingNoBreakSpaces() -> String {
        var scalars = String.UnicodeScalarView()
        for s in unicodeScalars { scalars.append(s == "\u{00A0}" ? " " : s) }
        return String(scalars)
    }
}
