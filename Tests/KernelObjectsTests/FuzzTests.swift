// SPDX-License-Identifier: GPL-2.0-only
//
// Damaged copies of good fixtures: the readers must answer or throw, never crash or
// hang. The damage is pseudo-random from a fixed seed, so every run is the same.

import Foundation
import KernelObjects
import Testing

/// A small deterministic generator (SplitMix64).
private struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Reads everything the readers offer; the answers themselves do not matter.
private func exercise(_ path: String) {
    if let file = try? ELFFile(path: path) {
        _ = try? file.symbols()
        _ = try? file.dynamicSymbols()
    }
    if let dwarf = try? DWARFFile(path: path) {
        _ = try? dwarf.compilationUnits()
        _ = try? dwarf.functions(named: ["expand", "count_free", "helper", "zone_report", "set_namer"])
    }
}

@Test(arguments: ["alloc-x86_64.o", "alloc-ppc.o", "exec-x86_64"])
func damagedFilesNeverCrash(object: String) throws {
    let iterations = Int(ProcessInfo.processInfo.environment["KERNEL_OBJECTS_FUZZ_ITERATIONS"] ?? "") ?? 150
    let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(object))))
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("kernel-objects-fuzz-\(getpid())-\(object)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("damaged").path

    let header = try ELFFile(path: Fixtures.path(object)).info
    let debugSections = header.sections.filter { $0.name.hasPrefix(".debug_") && $0.size > 0 }
    #expect(!debugSections.isEmpty)
    var random = SplitMix64(state: UInt64(object.utf8.count) &* 0x1234_5678)
    for _ in 0..<iterations {
        var bytes = original
        // Aim at the ELF header, the section header table, a debug section, or anywhere.
        for _ in 0...random.below(4) {
            let offset: Int
            switch random.below(4) {
            case 0:
                offset = random.below(64)
            case 1:
                let table = header.sections.count * (header.elfClass == .elf64 ? 64 : 40)
                offset = bytes.count - table + random.below(table)
            case 2:
                let section = debugSections[random.below(debugSections.count)]
                offset = Int(section.offset) + random.below(Int(section.size))
            default:
                offset = random.below(bytes.count)
            }
            if offset >= 0 && offset < bytes.count { bytes[offset] = UInt8(truncatingIfNeeded: random.next()) }
        }
        if random.below(8) == 0 { bytes.removeLast(random.below(bytes.count)) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        exercise(path)
    }
}
