// SPDX-License-Identifier: GPL-2.0-only
//
// The DWARF reader's fuzz target: arbitrary bytes opened as an object file, its
// compilation units listed and function prototypes looked up.

import KernelObjects

public enum DWARFTarget {
    /// Functions defined in the object fixtures (fixtures/objects/src) and names the
    /// seed patch touches.
    static let names: Set<String> = [
        "expand", "page_score", "page_weight", "count_free", "check_page", "split_page_range",
        "zone_totals", "zone_report", "walk_zones", "set_namer", "zone_is_empty", "helper",
        "first_entry", "zone_size", "set_page_order", "split_large_buddy", "page_del_and_expand",
        "try_to_claim_block", "__free_one_page",
    ]

    /// Opens `bytes` as an object file with DWARF, lists its units and looks the
    /// functions up in every unit.
    public static func run(_ bytes: [UInt8]) {
        // A file per input: libelf maps the file, and callers may run inputs concurrently.
        let file = MemoryFile()
        file.replaceContents(with: bytes)
        exercise(path: file.path)
    }

    public static func exercise(path: String) {
        guard let dwarf = try? DWARFFile(path: path) else { return }
        _ = try? dwarf.compilationUnits()
        _ = try? dwarf.functions(named: names)
    }
}
