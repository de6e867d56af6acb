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
        var live: [Int: Int] = [:]
        var sa: [Int] = [], sb: [Int] = []
        for _ in 0 ..< 2000 {
            let op = generator.next(live: live)
            let ra = a.applyForTest(op), rb = b.applyForTest(op)
            #expect(ra == rb)
            if case .allocate(let order, _, _) = op, let pfn = ra { live[pfn] = order }
            if case .free(let pfn, _) = op { live[pfn] = nil }
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
            "clang: port/mm/page_alloc.c:\(lines - 1):35: error: use of undeclared identifier 'undeclared_name'")) {
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
