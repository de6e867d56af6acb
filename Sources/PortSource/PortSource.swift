// SPDX-License-Identifier: GPL-2.0-only
//
// The port's baseline text as compiled into the package (embed.list): the kernel files
// and shims under port/, the C API headers under include/, and the kernel configuration
// they are compiled with. A variant is this text with patches applied to it.

import Foundation

/// The port's source files, by path below CModules/CBuddyPort ("port/mm/page_alloc.c").
public enum PortSource {
    static let prefix = "CModules/CBuddyPort/"

    /// Every file of the port's text, by port path.
    public static let files: [String: String] = {
        var out: [String: String] = [:]
        for path in EmbeddedFiles.paths where path.hasPrefix(prefix) {
            guard let text = EmbeddedFiles.text(path) else {
                preconditionFailure("\(path) is embedded but is not UTF-8 text")
            }
            out[String(path.dropFirst(prefix.count))] = text
        }
        return out
    }()

    /// The kernel files a patch can change and the port carries (under port/mm/).
    public static var kernelFiles: [String] {
        files.keys.filter { $0.hasPrefix("port/mm/") }.sorted()
    }

    /// The kernel configuration the port follows (kconfig): each option and its value.
    public static let kernelConfig: [(name: String, value: String)] = {
        guard let text = files["kconfig"] else { preconditionFailure("kconfig is not embedded") }
        return text.split(separator: "\n").compactMap { line in
            let entry = line.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty, !entry.hasPrefix("#") else { return nil }
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "1")
        }
    }()
}
