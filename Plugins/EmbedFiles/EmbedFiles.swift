// SPDX-License-Identifier: GPL-2.0-only
//
// Build tool plugin: the files a target's `embed.list` names (package-relative paths of
// files or directories, one per line, `#` comments) are compiled into that target as
// bytes, so a copied executable carries them. The list lives in the target's directory;
// the generated `EmbeddedFiles.swift` defines `enum EmbeddedFiles` (see embed-files).

import Foundation
import PackagePlugin

@main
struct EmbedFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let source = target as? SourceModuleTarget else { return [] }
        let list = source.directoryURL.appending(path: "embed.list")
        guard FileManager.default.fileExists(atPath: list.path) else {
            throw PluginError("\(target.name): no embed.list in \(source.directoryURL.path)")
        }
        let root = context.package.directoryURL
        let entries = try String(contentsOf: list, encoding: .utf8)
            .split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        var inputs: [URL] = [list]
        for entry in entries {
            let url = root.appending(path: entry)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw PluginError("\(list.path): \(entry) does not exist")
            }
            if isDirectory.boolValue {
                let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey])
                while let file = walker?.nextObject() as? URL {
                    if (try? file.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                        inputs.append(file)
                    }
                }
            } else {
                inputs.append(url)
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFiles.swift")
        return [.buildCommand(
            displayName: "Embedding the files \(target.name)/embed.list names",
            executable: try context.tool(named: "embed-files").url,
            arguments: [root.path, list.path, output.path],
            inputFiles: inputs,
            outputFiles: [output])]
    }
}

struct PluginError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
