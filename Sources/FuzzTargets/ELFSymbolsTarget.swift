// SPDX-License-Identifier: GPL-2.0-only
//
// The ELF symbol reader's fuzz target: arbitrary bytes opened as an object file, its
// symbol tables read.

import KernelObjects

public enum ELFSymbolsTarget {
    /// Opens `bytes` as an object file and reads both symbol tables. Every symbol read
    /// must carry its table index, in order from 1.
    public static func run(_ bytes: [UInt8]) {
        // A file per input: libelf maps the file, and callers may run inputs concurrently.
        let file = MemoryFile()
        file.replaceContents(with: bytes)
        exercise(path: file.path)
    }

    public static func exercise(path: String) {
        guard let elf = try? ELFFile(path: path) else { return }
        for table in [try? elf.symbols(), try? elf.dynamicSymbols()] {
            guard let table else { continue }
            require(table.map(\.index) == Array(stride(from: 1, through: table.count, by: 1)),
                    "symbols are not numbered 1...n")
        }
    }
}
