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
        if output.json { try Inputs.printJSON(symbols); return }
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
}
