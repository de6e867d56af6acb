// SPDX-License-Identifier: GPL-2.0-only
//
// Reading the files a command is given, and turning every problem with them into one
// line that names the file.

import Foundation
import KernelObjects
import PatchReader
import PatchVerifier

enum Inputs {
    /// The largest patch file read; larger ones are refused before reading.
    static let patchSizeLimit = 64 << 20

    static func readPatch(_ path: String) throws -> Patch {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputError(path: path, problem: "no such file")
        }
        if isDirectory.boolValue { throw InputError(path: path, problem: "is a directory") }
        // Refused on its stated size, before any byte is read (a sparse file costs
        // nothing to make); the read below stops one byte past the limit for files
        // whose size says nothing (pipes, devices) or that grow meanwhile.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? UInt64,
           size > UInt64(patchSizeLimit) {
            throw InputError(path: path, problem: "larger than \(patchSizeLimit >> 20) MiB, not read")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(path: path, problem: "cannot be read")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            guard let read = try handle.read(upToCount: patchSizeLimit + 1) else {
                throw InputError(path: path, problem: "empty file")
            }
            data = read
        } catch let error as InputError {
            throw error
        } catch {
            throw InputError(path: path, problem: "cannot be read: \(error.localizedDescription)")
        }
        if data.count > patchSizeLimit {
            throw InputError(path: path, problem: "larger than \(patchSizeLimit >> 20) MiB, not read")
        }
        let set: PatchSet
        do {
            set = try PatchReader.read([UInt8](data))
        } catch {
            throw InputError(path: path, problem: "\(error)")
        }
        guard let patch = set.patches.first, !patch.hunks.isEmpty else {
            throw InputError(path: path, problem: "not a patch: no hunks found")
        }
        if set.patches.count > 1 {
            throw InputError(path: path, problem: "holds \(set.patches.count) patches; give one")
        }
        return patch
    }

    static func verify(_ objects: [String], patchPath: String, patch: Patch) throws -> VerificationReport {
        let expectations = FunctionExpectation.from(patch)
        guard !expectations.isEmpty else {
            throw InputError(path: patchPath, problem: "changes no C function")
        }
        var reports: [ObjectReport] = []
        for object in objects {
            do {
                reports.append(try Verifier.verify(objectAt: object, expectations: expectations))
            } catch {
                throw InputError(path: object, problem: error.description)
            }
        }
        return VerificationReport(patch: patchPath, subject: patch.subject,
                                  expectations: expectations, objects: reports)
    }

    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}

/// The repository's fixtures, found from the executable's location or the working
/// directory, so `swift run verify-patch` works from anywhere inside the checkout.
enum Fixtures {
    static let seedPatch = "fixtures/patches/seed-archive.txt"
    static let baselineObject = "fixtures/objects/port/baseline/page_alloc.o"
    static let patchedObject = "fixtures/objects/port/patched/page_alloc.o"

    static func root() throws -> URL {
        let starts = [
            URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent(),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
        ]
        for start in starts {
            var dir = start.standardizedFileURL
            while true {
                if FileManager.default.fileExists(atPath: dir.appendingPathComponent(seedPatch).path) {
                    return dir
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        throw InputError(path: seedPatch, problem: "not found above the executable or the working directory")
    }

    /// A fixture path relative to the working directory when possible, for short output.
    static func path(_ relative: String, in root: URL) -> String {
        let full = root.appendingPathComponent(relative).path
        let cwd = FileManager.default.currentDirectoryPath
        return full.hasPrefix(cwd + "/") ? String(full.dropFirst(cwd.count + 1)) : full
    }
}
