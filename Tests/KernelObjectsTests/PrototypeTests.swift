// SPDX-License-Identifier: GPL-2.0-only
//
// DWARFFile against pfunct and readelf's DWARF dump, then exact expectations for the
// prototypes, clones and inlining of the fixture sources.

import KernelObjects
import Testing

/// Every function name a fixture defines (not merely declares), from the DIE summary.
private func definedNames(_ object: String) throws -> Set<String> {
    let dies = parseDies(try Fixtures.expected(object, "dies"))
    return Set(dies.filter { $0.tag == "DW_TAG_subprogram" && !$0.declaration }.compactMap(\.name))
}

/// Normalised text of a declaration for comparison with pfunct, whose spacing differs
/// (`struct page * page`).
private func normal(_ text: String) -> String {
    FunctionPrototype.normalizeType(text)
}

/// pfunct renders these two wrongly: `struct zone *const zones` as
/// `const struct zone * zones`, and `int (*table)[4]` as `int * table`. The reader's
/// rendering is checked exactly instead.
private let pfunctMisrenders: [String: (pfunct: String, reader: String)] = [
    "walk_zones": (
        "void walk_zones(const struct zone *  zones, int nr, void (*visit)(struct zone *, void *), void * data, long unsigned int * counts);",
        "void walk_zones(struct zone *const zones, int nr, void (*visit)(struct zone *, void *), void *data, long unsigned int *counts)"
    ),
    "set_namer": (
        "void set_namer(int * table, const char  * (*namer)(const struct zone  *, int));",
        "void set_namer(int (*table)[4], const char *(*namer)(const struct zone *, int))"
    ),
]

/// Whether pfunct's line declares the same prototype; pfunct leaves parameter names
/// out when it prints a declaration instead of the definition.
private func matches(_ line: PfunctPrototype, _ function: FunctionPrototype) -> Bool {
    let mine = renderedParameters(function.rendered)
    guard line.name == function.name, normal(line.returnType) == normal(function.returnType),
          line.parameters.count == mine.count else { return false }
    for (index, theirs) in line.parameters.enumerated() {
        if normal(theirs) == normal(mine[index]) { continue }
        if index < function.parameters.count, normal(theirs) == normal(function.parameters[index].type) { continue }
        return false
    }
    return true
}

@Test(arguments: Fixtures.dwarfObjects)
func prototypesMatchPfunct(object: String) throws {
    let dwarf = try DWARFFile(path: Fixtures.path(object))
    let functions = try dwarf.functions(named: try definedNames(object))
    let pfunct = parsePfunct(try Fixtures.expected(object, "pfunct-P"))
    #expect(!functions.isEmpty)

    for function in functions {
        let prototype = function.prototype
        let candidates = pfunct.filter { $0.name == prototype.name }
        #expect(!candidates.isEmpty, "pfunct has no \(prototype.name)")
        if let misrendered = pfunctMisrenders[prototype.name] {
            #expect(candidates.map(\.line) == [misrendered.pfunct])
            #expect(prototype.rendered == misrendered.reader)
            continue
        }
        #expect(candidates.contains { matches($0, prototype) }, "\(prototype.rendered)")
        // The parameters' names and types agree with the rendered declaration.
        let declarations = renderedParameters(prototype.rendered)
        #expect(declarations.count == prototype.parameters.count + (prototype.isVariadic ? 1 : 0))
        for (parameter, declaration) in zip(prototype.parameters, declarations) {
            #expect(parameter.name == declaredName(declaration), "\(prototype.rendered)")
        }
        // pfunct prints each concrete instance with its parameters in DIE order, unless
        // it printed a (nameless) declaration of the function in place of its definition.
        let definitionPrinted = candidates.contains { normal(String($0.line.dropLast())) == normal(prototype.rendered) }
        for copy in function.outOfLineCopies where definitionPrinted {
            #expect(candidates.contains { $0.parameterNames == copy.parameters }, "\(copy)")
        }
    }
}

@Test(arguments: Fixtures.dwarfObjects)
func pfunctFunctionRecordsMatch(object: String) throws {
    let dwarf = try DWARFFile(path: Fixtures.path(object))
    var blocks: [String: [PfunctPrototype]] = [:]
    var current = ""
    for line in try Fixtures.expected(object, "pfunct-f").split(separator: "\n") {
        if line.hasPrefix("## ") {
            current = String(line.dropFirst(3))
        } else {
            blocks[current, default: []] += parsePfunct(String(line))
        }
    }
    for (name, lines) in blocks {
        let functions = try dwarf.functions(named: [name])
        for line in lines {
            #expect(functions.contains { normal(line.line.replacingOccurrences(of: ";", with: "")) == normal($0.prototype.rendered) },
                    "\(line.line)")
        }
    }
}

@Test(arguments: Fixtures.dwarfObjects)
func inliningMatchesReadelfDump(object: String) throws {
    let dwarf = try DWARFFile(path: Fixtures.path(object))
    let symbols = try ELFFile(path: Fixtures.path(object)).symbols()
    let units = diesByUnit(parseDies(try Fixtures.expected(object, "dies")))
    let functions = try dwarf.functions(named: try definedNames(object))
    let definitions = units.flatMap(\.dies).filter { $0.tag == "DW_TAG_subprogram" && $0.name != nil && !$0.declaration }
    #expect(functions.count == definitions.count)

    for function in functions {
        let name = function.prototype.name
        let unit = try #require(units.first { $0.unit == function.compilationUnit })
        let root = try #require(unit.dies.first { $0.tag == "DW_TAG_subprogram" && $0.name == name && !$0.declaration })
        let concrete = unit.dies.filter { $0.tag == "DW_TAG_subprogram" && $0.origin == root.offset && $0.entry != nil }
        let expectedCopies = (root.entry != nil ? [root] : []) + concrete
        #expect(function.outOfLineCopies.count == expectedCopies.count, "\(name)")
        for (copy, die) in zip(function.outOfLineCopies, expectedCopies) {
            if die.entry == "ranges" {
                // Split hot/cold: the entry is where the symbol of the function starts.
                let symbol = try #require(symbols.first { $0.name == copy.symbol && $0.type == .function })
                #expect(copy.address == symbol.value, "\(name)")
            } else {
                let entry = try #require(die.entry)
                let expected = entry.hasPrefix("0x") ? UInt64(entry.dropFirst(2), radix: 16) : UInt64(entry)
                #expect(copy.address == expected, "\(name)")
            }
        }
        let callSites = unit.dies.filter { $0.tag == "DW_TAG_inlined_subroutine" && $0.origin == root.offset }
        #expect(function.inlinedCallSites == callSites.count, "\(name)")
        #expect(function.inlinedOnly == (root.inline != nil && expectedCopies.isEmpty), "\(name)")
        #expect(function.declaredInline == (root.inline == 2 || root.inline == 3), "\(name)")
    }
}

@Test func expandInRelocatableObject() throws {
    let dwarf = try DWARFFile(path: Fixtures.path("alloc-x86_64.o"))
    let expand = try #require(try dwarf.functions(named: ["expand"]).first)
    #expect(expand.prototype == FunctionPrototype(
        name: "expand",
        returnType: "unsigned int",
        parameters: [
            Parameter(name: "zone", type: "struct zone *"),
            Parameter(name: "page", type: "struct page *"),
            Parameter(name: "low", type: "int"),
            Parameter(name: "high", type: "int"),
            Parameter(name: "migratetype", type: "int"),
            Parameter(name: "reported", type: "_Bool"),
        ],
        isVariadic: false,
        rendered: "unsigned int expand(struct zone *zone, struct page *page, int low, int high, int migratetype, _Bool reported)"))
    #expect(expand.compilationUnit == "alloc.c")
    #expect(expand.declFile == "./alloc.c")
    #expect(expand.declLine == 51)
    #expect(!expand.inlinedOnly)
    #expect(!expand.declaredInline)
    #expect(expand.inlinedCallSites == 0)
    // IPA-CP dropped the unused migratetype; the clone's DIE lists it last.
    #expect(expand.outOfLineCopies == [
        OutOfLineCopy(symbol: "expand.constprop.0", address: 0xb0,
                      parameters: ["zone", "page", "low", "high", "reported", "migratetype"]),
    ])
    #expect(expand.outOfLineCopies.map(\.description) == ["expand.constprop.0@0xb0"])

    // The source spells the type `bool`; DWARF's `_Bool` compares equal once normalised.
    let source = FunctionPrototype(
        name: "expand", returnType: "unsigned int",
        parameters: [
            Parameter(name: "zone", type: "struct zone*"), Parameter(name: "page", type: "struct page *"),
            Parameter(name: "low", type: "int"), Parameter(name: "high", type: "int"),
            Parameter(name: "migratetype", type: "int"), Parameter(name: "reported", type: "bool"),
        ],
        isVariadic: false,
        rendered: "unsigned int expand(struct zone *zone, struct page *page, int low, int high, int migratetype, bool reported)")
    #expect(expand.prototype.isEquivalent(to: source))
    var renamed = source
    renamed.parameters[2].name = "lo"
    #expect(!expand.prototype.isEquivalent(to: renamed))
    #expect(expand.prototype.isEquivalent(to: renamed, ignoringParameterNames: true))
    var retyped = source
    retyped.parameters[5].type = "int"
    #expect(!expand.prototype.isEquivalent(to: retyped, ignoringParameterNames: true))
}

@Test func clonesInliningAndShapesInRelocatableObject() throws {
    let dwarf = try DWARFFile(path: Fixtures.path("alloc-x86_64.o"))
    let byName = Dictionary(uniqueKeysWithValues: try dwarf.functions(named: [
        "set_page_order", "count_free", "page_weight", "page_score", "check_page", "zone_report",
        "walk_zones", "set_namer", "zone_is_empty",
    ]).map { ($0.prototype.name, $0) })
    #expect(byName.count == 9)

    let order = try #require(byName["set_page_order"])
    #expect(order.inlinedOnly)
    #expect(order.declaredInline)
    #expect(order.outOfLineCopies == [])
    #expect(order.inlinedCallSites == 1)
    #expect(order.prototype.rendered == "void set_page_order(struct page *page, unsigned int order)")

    let count = try #require(byName["count_free"])
    #expect(!count.inlinedOnly)
    #expect(count.inlinedCallSites == 4)
    #expect(count.outOfLineCopies == [OutOfLineCopy(symbol: "count_free.part.0", address: 0, parameters: ["head", "order"])])
    #expect(count.prototype.rendered == "long unsigned int count_free(const struct page *head, int order)")

    #expect(byName["page_weight"]?.outOfLineCopies == [
        OutOfLineCopy(symbol: "page_weight.constprop.0.isra.0", address: 0x110, parameters: ["shift", "scale", "page"]),
    ])
    #expect(byName["page_score"]?.outOfLineCopies == [
        OutOfLineCopy(symbol: "page_score.isra.0", address: 0x120, parameters: ["scale", "page"]),
    ])

    let check = try #require(byName["check_page"])
    #expect(check.outOfLineCopies == [OutOfLineCopy(symbol: "check_page", address: 0x130, parameters: ["page", "fpi_flags"])])
    #expect(check.prototype.parameters == [
        Parameter(name: "page", type: "const struct page *"), Parameter(name: "fpi_flags", type: "fpi_t"),
    ])
    #expect(check.prototype.returnType == "int")

    let report = try #require(byName["zone_report"])
    #expect(report.prototype.isVariadic)
    #expect(report.prototype.rendered == "int zone_report(const struct zone *zone, const char *fmt, ...)")
    #expect(report.prototype.parameters.map(\.type) == ["const struct zone *", "const char *"])

    let walk = try #require(byName["walk_zones"])
    #expect(walk.prototype.parameters == [
        Parameter(name: "zones", type: "struct zone *const"),
        Parameter(name: "nr", type: "int"),
        Parameter(name: "visit", type: "void (*)(struct zone *, void *)"),
        Parameter(name: "data", type: "void *"),
        Parameter(name: "counts", type: "long unsigned int *"),
    ])
    #expect(walk.prototype.returnType == "void")

    let namer = try #require(byName["set_namer"])
    #expect(namer.prototype.parameters == [
        Parameter(name: "table", type: "int (*)[4]"),
        Parameter(name: "namer", type: "const char *(*)(const struct zone *, int)"),
    ])

    let empty = try #require(byName["zone_is_empty"])
    #expect(empty.prototype.parameters == [])
    #expect(!empty.prototype.isVariadic)
    #expect(empty.prototype.rendered == "_Bool zone_is_empty(void)")
    #expect(empty.prototype.returnType == "_Bool")
}

@Test func sameSourceSameAnswersOnEveryTarget() throws {
    let names: Set<String> = try definedNames("alloc-x86_64.o")
    let reference = try DWARFFile(path: Fixtures.path("alloc-x86_64.o")).functions(named: names)
    for object in ["alloc-i686.o", "alloc-ppc.o", "alloc-ppc64.o", "exec-x86_64"] {
        let other = try DWARFFile(path: Fixtures.path(object)).functions(named: names, inCompilationUnit: "alloc.c")
        #expect(other.map(\.prototype) == reference.map(\.prototype), "\(object)")
        #expect(other.map(\.inlinedCallSites) == reference.map(\.inlinedCallSites), "\(object)")
        #expect(other.map(\.inlinedOnly) == reference.map(\.inlinedOnly), "\(object)")
        #expect(other.map(\.declLine) == reference.map(\.declLine), "\(object)")
        #expect(other.map { $0.outOfLineCopies.map(\.parameters) } == reference.map { $0.outOfLineCopies.map(\.parameters) },
                "\(object)")
    }
    // Clone symbols are found on every target but ppc64 ELFv1, whose function symbols
    // name descriptors in .opd rather than the code the DWARF describes.
    let expected: [String: [String?]] = [
        "alloc-i686.o": ["expand.constprop.0@0xa0"],
        "alloc-ppc.o": ["expand.constprop.0@0x100"],
        "alloc-ppc64.o": ["?@0x140"],
        "exec-x86_64": ["expand.constprop.0@0x400280"],
    ]
    for (object, copies) in expected {
        let expand = try DWARFFile(path: Fixtures.path(object)).functions(named: ["expand"])
        #expect(expand.flatMap { $0.outOfLineCopies.map(\.description) } == copies, "\(object)")
    }
}

@Test func compilationUnitFilter() throws {
    let dwarf = try DWARFFile(path: Fixtures.path("exec-x86_64"))
    #expect(try dwarf.compilationUnits() == ["start.c", "first.c", "second.c", "alloc.c"])

    let helpers = try dwarf.functions(named: ["helper"])
    #expect(helpers.map(\.compilationUnit) == ["first.c", "second.c"])
    #expect(helpers.map(\.prototype.rendered) == ["int helper(int x)", "long int helper(long int x, long int y)"])
    #expect(helpers.map(\.declFile) == ["./first.c", "./second.c"])
    #expect(helpers.map { $0.outOfLineCopies.map(\.description) } == [["helper@0x400170"], ["helper@0x4001a0"]])

    #expect(try dwarf.functions(named: ["helper"], inCompilationUnit: "second.c").map(\.compilationUnit) == ["second.c"])
    // The suffix must start at a path component.
    #expect(try dwarf.functions(named: ["helper"], inCompilationUnit: "econd.c") == [])
    #expect(try dwarf.functions(named: ["helper"], inCompilationUnit: "src/second.c") == [])
    // Declarations are not definitions: start.c only declares first_entry.
    #expect(try dwarf.functions(named: ["first_entry"]).map(\.compilationUnit) == ["first.c"])
    #expect(try dwarf.functions(named: ["no_such_function"]) == [])
}

@Test func sharedObjectPrototypes() throws {
    let dwarf = try DWARFFile(path: Fixtures.path("shared-x86_64.so"))
    let functions = try dwarf.functions(named: ["zone_size", "zone_size_twice"], inCompilationUnit: "shared.c")
    #expect(functions.map(\.prototype.rendered) == [
        "long unsigned int zone_size_twice(const long unsigned int *sizes, int n)",
        "long unsigned int zone_size(const long unsigned int *sizes, int n)",
    ])
    // Two symbols start at zone_size's code; the global one is preferred.
    #expect(functions.map { $0.outOfLineCopies.map(\.description) } == [["zone_size_twice@0x2c0"], ["zone_size@0x270"]])
}

@Test func normalisedTypeSpelling() {
    let same: [(String, String)] = [
        ("_Bool", "bool"),
        ("long unsigned int", "unsigned long"),
        ("unsigned long int", "unsigned long"),
        ("long long unsigned int", "unsigned long long"),
        ("short int", "short"),
        ("signed int", "int"),
        ("long int", "long"),
        ("struct page *", "struct page*"),
        ("struct page  * page", "struct page *page"),
        ("const char  * (*namer)(const struct zone  *, int)", "const char *(*namer)(const struct zone *, int)"),
        ("inline void set_page_order(struct page * page)", "void set_page_order(struct page *page)"),
    ]
    for (left, right) in same {
        #expect(FunctionPrototype.normalizeType(left) == FunctionPrototype.normalizeType(right), "\(left) vs \(right)")
    }
    let different: [(String, String)] = [
        ("char", "signed char"), ("char", "unsigned char"), ("long", "long long"),
        ("struct page *", "struct page"), ("unsigned int", "int"), ("struct zone *const", "const struct zone *"),
    ]
    for (left, right) in different {
        #expect(FunctionPrototype.normalizeType(left) != FunctionPrototype.normalizeType(right), "\(left) vs \(right)")
    }
    #expect(FunctionPrototype.normalizeType("long unsigned int *counts") == "unsigned long*counts")
}
