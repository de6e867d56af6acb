// SPDX-License-Identifier: GPL-2.0-only
//
// Objects that once made the readers block, take exponential time or gigabytes, or
// call a valid object corrupt (fixtures/objects/hostile, scripts/make-hostile-fixtures.sh),
// and valid objects of every Debian kernel architecture besides amd64
// (fixtures/objects/cross, scripts/make-cross-fixtures.sh).

import Foundation
import KernelObjects
import Testing

#if canImport(Glibc)
import Glibc
#endif

private func dwarfError(_ object: String, _ names: Set<String> = ["helper"]) -> ObjectError? {
    do {
        _ = try DWARFFile(path: Fixtures.path(object)).functions(named: names)
        return nil
    } catch {
        return error
    }
}

@Suite("Hostile objects")
struct HostileObjectTests {
    // Without DWARF, the object says why, in one line; nothing else is looked for.
    @Test(arguments: [
        ("hostile/lto.o", "no DWARF debug information: a GCC LTO object, whose code and DWARF are made when it is linked; give the linked object"),
        ("hostile/btf.o", "no DWARF debug information: BTF only, which carries no parameter names or locals of inlined functions; give an object built with -g"),
        ("hostile/stripped.o", "no DWARF debug information: stripped; its .gnu_debuglink names a separate debug file (helper.debug), which is not looked for: give that file"),
        ("hostile/split.o", "no DWARF debug information: split DWARF: the units' DIEs are in split.dwo, which is not looked for; give an object built without -gsplit-dwarf"),
    ])
    func refusedWithTheReason(_ object: String, _ message: String) {
        #expect(dwarfError(object)?.description == message)
    }

    // A chain of __typeof__ pointers whose C text doubles with each link: refused on
    // the rendering budget, not rendered for minutes.
    @Test func typeofChain() {
        #expect(dwarfError("hostile/typeof-chain.o")?.description
                == "rendering types takes more than 1048576 steps (at the DIE at offset 0x31a); not read")
    }

    // Lexical blocks nested past the bound are refused; 2,000 siblings are read, each
    // block's local found once.
    @Test func lexicalBlocks() throws {
        #expect(dwarfError("hostile/nested-300.o")?.description == "DIEs nested more than 256 deep (at offset 0x1f3b); not read")
        let functions = try DWARFFile(path: Fixtures.path("hostile/siblings.o")).functions(named: ["helper"])
        let helper = try #require(functions.first)
        #expect(helper.locals.count == 2001)
        // Breadth first: the function's own local, then each block's.
        #expect(helper.locals.first?.description == "int local")
        #expect(helper.locals[1].description == "int v0")
        #expect(helper.locals.last?.description == "int v1999")
    }

    // One name string shared by thousands of sections or symbols: read once, and the
    // text they repeat bounded (4 times the file and 64 MiB).
    @Test func sharedNames() {
        #expect(throws: ObjectError.tooLarge(what: "the section names, repeated,", size: 68_400_000, limit: 68_373_152)) {
            _ = try ELFFile(path: Fixtures.path("hostile/shared-section-names.o"))
        }
        #expect(throws: ObjectError.tooLarge(what: "the symbol names, repeated,", size: 68_160_000, limit: 68_118_656)) {
            _ = try ELFFile(path: Fixtures.path("hostile/shared-symbol-names.o")).symbols()
        }
    }

    // A FIFO or a device is refused before it is opened, and never waited on.
    @Test func fifoAndDevice() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("fifo.o").path
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(throws: ObjectError.notRegularFile) { _ = try ELFFile(path: fifo) }
        #expect(throws: ObjectError.notRegularFile) { _ = try DWARFFile(path: "/dev/zero") }
    }

    // Cross-compiled objects: expand() and its `bool reported` in every one of them.
    @Test(arguments: ["arm64", "riscv64", "s390x", "ppc64el", "i386"])
    func crossObjects(_ arch: String) throws {
        let dwarf = try DWARFFile(path: Fixtures.path("cross/alloc-\(arch).o"))
        let expand = try #require(try dwarf.functions(named: ["expand"]).first)
        #expect(expand.prototype.rendered
                == "unsigned int expand(struct zone *zone, struct page *page, int low, int high, int migratetype, _Bool reported)")
        let symbols = try ELFFile(path: Fixtures.path("cross/alloc-\(arch).o")).functions(named: ["expand"])
        #expect(!symbols.isEmpty)
    }
}
