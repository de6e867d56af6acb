// SPDX-License-Identifier: GPL-2.0-only
//
// Locating the object fixtures and reading the tool output recorded next to them by
// scripts/make-object-fixtures.sh.

import Foundation

enum Fixtures {
    /// fixtures/objects, found relative to this source file.
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // KernelObjectsTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("fixtures/objects")

    static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// The text of fixtures/objects/expected/<object>.<record>.txt.
    static func expected(_ object: String, _ record: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent("expected/\(object).\(record).txt"),
                   encoding: .utf8)
    }

    /// Objects with a symbol table and a readelf record.
    static let symbolObjects = [
        "alloc-x86_64.o", "alloc-i686.o", "alloc-ppc.o", "alloc-ppc64.o",
        "exec-x86_64", "shared-x86_64.so", "no-debug.o",
    ]

    /// Objects with DWARF and pfunct records.
    static let dwarfObjects = [
        "alloc-x86_64.o", "alloc-i686.o", "alloc-ppc.o", "alloc-ppc64.o",
        "exec-x86_64", "shared-x86_64.so",
    ]
}
