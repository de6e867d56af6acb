// SPDX-License-Identifier: GPL-2.0-only

import ArgumentParser
import Foundation
import KernelObjects

/// `verify-patch symbols OBJECT`: the symbol table as libelf reads it, with the source
/// file of each LOCAL symbol and the clone suffixes split off.
struct Symbols: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List an object's symbols with their source files and clone suffixes.")

    @Argument(help: "An ELF file.")
    var object: String

    @Option(help: "Only symbols whose base name (clone suffixes removed) is this.")
    var name: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let symbols: [Symbol]
        do {
            let elf = try ELFFile(path: object)
            symbols = try elf.symbols().filter { name == nil || $0.baseName == name }
        } catch {
            throw InputError(path: object, problem: error.description)
        }
        if output.json { try Self.printJSON(symbols); return }
        var text = ""
        text.reserveCapacity(symbols.count * 80)
        for s in symbols {
            let value = String(s.value, radix: 16)
            text += String(repeating: "0", count: max(0, 16 - value.count)) + value
            text += " \(s.size)\t\(s.type)\t\(s.binding)\t\(s.section.name ?? "\(s.section)")\t\(s.name)"
            if let file = s.file { text += "\t[\(file)]" }
            text += "\n"
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// The symbols as one pretty-printed JSON array, exactly as `Inputs.printJSON`
    /// writes it, encoded and written one symbol at a time: a vmlinux's 232,000
    /// symbols take a few megabytes of memory, not the gigabyte the whole array's
    /// encoding takes.
    static func printJSON(_ symbols: [Symbol]) throws {
        guard !symbols.isEmpty else { try Inputs.printJSON(symbols); return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var chunk: [UInt8] = Array("[\n".utf8)
        chunk.reserveCapacity(1 << 20)
        for (k, symbol) in symbols.enumerated() {
            let element = try encoder.encode(symbol)
            // Each line one level deeper; blank lines (inside empty objects) stay empty.
            var lineStart = true
            for byte in element {
                if lineStart && byte != UInt8(ascii: "\n") { chunk += [0x20, 0x20] }
                chunk.append(byte)
                lineStart = byte == UInt8(ascii: "\n")
            }
            chunk += k + 1 < symbols.count ? Array(",\n".utf8) : [UInt8(ascii: "\n")]
            if chunk.count >= 1 << 20 {
                FileHandle.standardOutput.write(Data(chunk))
                chunk.removeAll(keepingCapacity: true)
            }
        }
        chunk += Array("]\n".utf8)
        FileHandle.standardOutput.write(Data(chunk))
    }
}
