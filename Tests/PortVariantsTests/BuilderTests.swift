// SPDX-License-Identifier: GPL-2.0-only
//
// Building variants: the baseline's text built on demand runs exactly as the compiled-in
// baseline; a second build comes from the cache; a variant that does not compile gives the
// compiler's first error and caches nothing; without a compiler the build says so.

import BuddyPort
import Differential
import class Foundation.FileManager
import struct Foundation.URL
import struct Foundation.UUID
import PortVariants
import Testing

@Suite struct BuilderTests {
    @Test func baselineTextBuiltOnDemandRunsAsTheCompiledBaseline() throws {
        let cache = try TemporaryDirectory()
        let builder = VariantBuilder(toolchain: try Toolchain.find(), cache: cache.url)
        let built = try builder.build(.baseline)
        #expect(built.compiled)
        #expect(!built.variant.isBaseline)
        #expect(built.variant.patches == [])

        // The same operations on both give the same state after every step.
        let geometry = Geometry.tiny64
        let a = try PortZone(variant: .baseline, geometry: geometry)
        let b = try PortZone(variant: built.variant, geometry: geometry)
        var generator = OperationGenerator(geometry: geometry, seed: 7)
        var live = LiveSet(pages: geometry.zonePages)
        var sa: [Int] = [], sb: [Int] = []
        for _ in 0 ..< 2000 {
            let op = generator.next(live: live)
            let ra = a.applyForTest(op), rb = b.applyForTest(op)
            #expect(ra == rb)
            if case .allocate(let order, _, _) = op, let pfn = ra { live.insert(pfn: pfn, order: order) }
            if case .free(let pfn, _) = op { live.remove(pfn: pfn) }
            a.encodeState(into: &sa)
            b.encodeState(into: &sb)
            try #require(sa == sb)
            #expect(a.reportingState == b.reportingState)
        }

        let again = try builder.build(.baseline)
        #expect(!again.compiled)
        #expect(again.variant == built.variant)
    }

    @Test func aVariantThatDoesNotCompileGivesTheFirstErrorAndCachesNothing() throws {
        let cache = try TemporaryDirectory()
        let builder = VariantBuilder(toolchain: try Toolchain.find(), cache: cache.url)
        var source = VariantSource.baseline
        source.patches = ["broken.patch"]
        source.files["port/mm/page_alloc.c"]! += "\nstatic int broken(void) { return undeclared_name; }\n"
        let lines = source.files["port/mm/page_alloc.c"]!.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(throws: VariantBuildError.compileFailed(
            "clang: port/mm/page_alloc.c:\(lines - 1):34: error: use of undeclared identifier 'undeclared_name'")) {
            try builder.build(source)
        }
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.url.appendingPathComponent("variants").path)
        #expect(entries == [])
    }

    @Test func withoutACompilerTheBuildSaysSo() {
        #expect(throws: VariantBuildError.noCompiler("no C compiler: no-such-cc is not on PATH (set CC to a clang)")) {
            try Toolchain.find(environment: ["CC": "no-such-cc", "PATH": "/nonexistent"])
        }
    }
}

/// A directory removed when the value goes away.
final class TemporaryDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("variants-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}

extension PortZone {
    /// Applies one generated operation; the allocated pfn for allocations.
    func applyForTest(_ op: Operation) -> Int? {
        switch op {
        case .allocate(let order, let mt, let flags): return (try? allocate(order: order, migratetype: mt, flags: flags)) ?? nil
        case .free(let pfn, let order): try? free(pfn: pfn, order: order)
        case .isolate(let pb): try? isolate(pageblock: pb)
        case .unisolate(let pb): try? unisolate(pageblock: pb)
        case .idle(let failing):
            var i = 0
            _ = try? idle { _ in defer { i += 1 }; return !failing.contains(i) }
        }
        return nil
    }
}

// Coverage of a variant, read the field's way (llvm-profdata, llvm-cov). tiny16 boots two
// order-3 blocks; an order-0 allocation takes pfn 0 and expand() splits its block three
// times (orders 2, 1, 0 go back to the lists). So in expand(): the loop condition
// `high > low` is true 3 times and false once, `set_page_guard(...)` is false 3 times,
// and `__add_to_free_list(...)` runs 3 times. The idle then runs the pass registration
// requested; nothing of it is counted here. A second measurement starts from zero.
@Suite struct CoverageTests {
    @Test func expandOfOneAllocation() throws {
        let cache = try TemporaryDirectory()
        let toolchain = try Toolchain.find()
        let builder = VariantBuilder(toolchain: toolchain, cache: cache.url)
        let built = try builder.build(.baseline, flavour: .coverage)
        let run = {
            let zone = try PortZone(variant: built.variant, geometry: .tiny16)
            #expect(try zone.allocate(order: 0, migratetype: .movable) == 0)
        }
        let text = VariantSource.baseline.files["port/mm/page_alloc.c"]!
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let expand = try #require(text.firstIndex { $0.hasPrefix("static inline unsigned int expand(") })
        func line(_ code: String) throws -> Int {
            try #require(text[expand...].firstIndex { $0.contains(code) }) + 1
        }
        for _ in 0 ..< 2 {
            let (_, counts) = try CoverageSession.measure(built, toolchain: toolchain, run)
            let file = try #require(counts.files["port/mm/page_alloc.c"])
            let loop = try line("while (high > low)"), guardLine = try line("if (set_page_guard(")
            #expect(file.branches.filter { $0.line == loop }.map { [$0.trueCount, $0.falseCount] } == [[3, 1]])
            #expect(file.branches.filter { $0.line == guardLine }.map { [$0.trueCount, $0.falseCount] } == [[0, 3]])
            #expect(file.lines[try line("__add_to_free_list(&page[size]")] == 3)
            #expect(file.lines[try line("continue;")] == 0)
        }
    }
}
