// SPDX-License-Identifier: GPL-2.0-only
//
// Variants built on demand: the port's text with patches applied is compiled with the C
// compiler on PATH into a shared object, with the kernel configuration the package's C
// target uses (kconfig), cached outside the repository under a key made of everything the
// object was built from, and loaded, its table of entry points registered with
// VariantTables so that PortZone can run it.

import BuddyPort
import Foundation
import PortSource

/// The text of one variant: the port's files with patches applied, and the names of those
/// patches in order.
public struct VariantSource: Sendable, Equatable {
    /// Port path ("port/mm/page_alloc.c") to text, every file of the port.
    public var files: [String: String]
    /// The patches applied to the baseline, in order, as the user named them.
    public var patches: [String]

    public init(files: [String: String], patches: [String]) {
        self.files = files
        self.patches = patches
    }

    /// The port's own text.
    public static var baseline: VariantSource { VariantSource(files: PortSource.files, patches: []) }
}

/// How a variant is compiled: plainly, or with LLVM's source-based coverage counters.
public enum BuildFlavour: String, Sendable, Codable {
    case plain
    case coverage
}

/// Why a variant could not be built or loaded. Nothing was cached.
public enum VariantBuildError: Error, Equatable, Sendable, CustomStringConvertible {
    case noCompiler(String)
    case compileFailed(String)
    case cache(String)
    case load(String)
    case coverageTools(String)

    public var description: String {
        switch self {
        case .noCompiler(let why), .compileFailed(let why), .cache(let why), .load(let why),
             .coverageTools(let why):
            why
        }
    }
}

/// A variant that is built, cached and loaded.
public struct BuiltVariant: Sendable {
    public var variant: Variant
    public var flavour: BuildFlavour
    /// The shared object in the cache.
    public var library: URL
    /// The variant's text, as compiled.
    public var source: VariantSource
    /// Whether this call compiled it (false: it came from the cache or was loaded already).
    public var compiled: Bool
}

/// The C compiler and, for coverage, the LLVM tools beside it.
public struct Toolchain: Sendable {
    public var compiler: URL
    /// The compiler's first line of `--version`, part of every cache key.
    public var version: String

    /// `CC` when set, else `clang` on PATH.
    public static func find(environment: [String: String] = ProcessInfo.processInfo.environment) throws(VariantBuildError) -> Toolchain {
        let name = environment["CC"].flatMap { $0.isEmpty ? nil : $0 } ?? "clang"
        guard let compiler = Self.onPath(name, environment: environment) else {
            throw .noCompiler("no C compiler: \(name) is not on PATH (set CC to a clang)")
        }
        let run = Subprocess.run(compiler, ["--version"])
        guard run.status == 0, let first = run.output.split(separator: "\n").first else {
            throw .noCompiler("\(compiler.path): --version failed")
        }
        return Toolchain(compiler: compiler, version: String(first))
    }

    /// An LLVM tool (llvm-profdata, llvm-cov) beside the compiler, else on PATH.
    public func tool(_ name: String) throws(VariantBuildError) -> URL {
        let beside = compiler.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        if let found = Self.onPath(name, environment: ProcessInfo.processInfo.environment) { return found }
        throw .coverageTools("coverage needs \(name), which is neither beside \(compiler.path) nor on PATH")
    }

    static func onPath(_ name: String, environment: [String: String]) -> URL? {
        if name.contains("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? URL(fileURLWithPath: name) : nil
        }
        for dir in (environment["PATH"] ?? "").split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }
}

/// Builds, caches and loads variants.
public struct VariantBuilder: Sendable {
    public var toolchain: Toolchain
    /// The cache root; variants live in its `variants/` directory.
    public var cache: URL

    /// The cache the project's scripts use: VERIFY_PATCH_CACHE, else
    /// $XDG_CACHE_HOME/verify-patch, else ~/.cache/verify-patch.
    public static func defaultCache(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let root = environment["VERIFY_PATCH_CACHE"], !root.isEmpty { return URL(fileURLWithPath: root) }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("verify-patch")
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/verify-patch")
    }

    public init(toolchain: Toolchain, cache: URL) {
        self.toolchain = toolchain
        self.cache = cache
    }

    /// The compiler on PATH and the default cache.
    public init() throws(VariantBuildError) {
        self.init(toolchain: try Toolchain.find(), cache: Self.defaultCache())
    }

    /// The arguments the compiler gets besides its input and output: the kernel
    /// configuration the package's C target is compiled with, and the flavour's flags.
    public static func flags(_ flavour: BuildFlavour) -> [String] {
        var flags = ["-std=gnu11", "-O2", "-g", "-fPIC", "-shared", "-fvisibility=hidden",
                     "-Wno-everything"]
        flags += PortSource.kernelConfig.map { "-D\($0.name)=\($0.value)" }
        if flavour == .coverage {
            flags += ["-fprofile-instr-generate", "-fcoverage-mapping", "-DBPORT_COVERAGE=1"]
        }
        return flags
    }

    /// The translation unit that makes the port's text one loadable variant.
    static func unit(_ flavour: BuildFlavour) -> String {
        var text = """
            // A variant of the port, built by verify-patch: the port's text with its
            // patches applied, as one translation unit exporting bport_variant_ops.
            #define BPORT_VARIANT_NAME bport_variant
            #include "port/variant.h"

            """
        if flavour == .coverage {
            text += """

                // LLVM's profile runtime writes nothing at exit: the counters are read,
                // reset and written to memory by the caller (Coverage.swift).
                int __llvm_profile_runtime = 0;
                extern void __llvm_profile_reset_counters(void);
                extern unsigned long long __llvm_profile_get_size_for_buffer(void);
                extern int __llvm_profile_write_buffer(char *buffer);

                __attribute__((visibility("default"))) void bport_coverage_reset(void)
                {
                	__llvm_profile_reset_counters();
                }

                __attribute__((visibility("default"))) unsigned long long bport_coverage_size(void)
                {
                	return __llvm_profile_get_size_for_buffer();
                }

                __attribute__((visibility("default"))) int bport_coverage_write(char *buffer)
                {
                	return __llvm_profile_write_buffer(buffer);
                }

                """
        }
        return text
    }

    /// The cache key of `source` built as `flavour` with this toolchain.
    public func key(_ source: VariantSource, _ flavour: BuildFlavour) -> String {
        var hash = SHA256()
        hash.field("verify-patch variant, entry point ABI 1")
        hash.field(toolchain.version)
        hash.field(flavour.rawValue)
        for flag in Self.flags(flavour) { hash.field(flag) }
        hash.field(Self.unit(flavour))
        for path in source.files.keys.sorted() {
            hash.field(path)
            hash.field(source.files[path]!)
        }
        return hash.hexDigest()
    }

    /// Builds `source` (or takes it from the cache) and loads it.
    public func build(_ source: VariantSource, flavour: BuildFlavour = .plain) throws(VariantBuildError) -> BuiltVariant {
        let key = key(source, flavour)
        let variant = Variant(patches: source.patches, key: key)
        let directory = cache.appendingPathComponent("variants").appendingPathComponent(key)
        let library = directory.appendingPathComponent("variant.so")
        var compiled = false
        if !FileManager.default.fileExists(atPath: library.path) {
            try compile(source, flavour: flavour, into: directory)
            compiled = true
        }
        try Loader.load(variant, from: library)
        return BuiltVariant(variant: variant, flavour: flavour, library: library, source: source,
                            compiled: compiled)
    }

    /// Compiles in a fresh directory beside the cache entry, then renames it into place:
    /// a failure leaves nothing behind, and a concurrent build of the same key wins or
    /// loses whole.
    func compile(_ source: VariantSource, flavour: BuildFlavour, into directory: URL) throws(VariantBuildError) {
        let parent = directory.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw .cache("\(parent.path): cannot be created: \(error.localizedDescription)")
        }
        var template = Array((parent.path + "/.build-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw .cache("\(parent.path): cannot make a build directory: \(String(cString: strerror(errno)))")
        }
        let staging = URL(fileURLWithPath: String(cString: made))
        defer { try? FileManager.default.removeItem(at: staging) }
        do {
            for (path, text) in source.files {
                let url = staging.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(),
                                                        withIntermediateDirectories: true)
                try Data(text.utf8).write(to: url)
            }
            try Data(Self.unit(flavour).utf8).write(to: staging.appendingPathComponent("variant.c"))
        } catch {
            throw .cache("\(staging.path): cannot be written: \(error.localizedDescription)")
        }
        let output = staging.appendingPathComponent("variant.so")
        let arguments = Self.flags(flavour) + [
            "-ffile-prefix-map=\(staging.path)/=", "-fcoverage-prefix-map=\(staging.path)/=",
            "-I", staging.path, "-I", staging.appendingPathComponent("include").path,
            "-o", output.path, staging.appendingPathComponent("variant.c").path,
        ]
        let run = Subprocess.run(toolchain.compiler, arguments, in: staging)
        guard run.status == 0, FileManager.default.fileExists(atPath: output.path) else {
            throw .compileFailed(Self.firstError(run.output, staging: staging.path, compiler: toolchain.compiler.lastPathComponent))
        }
        let fd = open(output.path, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        if rename(staging.path, directory.path) != 0 && !FileManager.default.fileExists(atPath: directory.path) {
            throw .cache("\(directory.path): cannot be created: \(String(cString: strerror(errno)))")
        }
    }

    /// The compiler's first error, on one line, with the staging directory left out of
    /// its paths.
    static func firstError(_ output: String, staging: String, compiler: String) -> String {
        let lines = output.split(separator: "\n").map {
            $0.replacingOccurrences(of: staging + "/", with: "")
        }
        let first = lines.first { $0.contains("error:") } ?? lines.first ?? "exited without output"
        return "\(compiler): " + first.trimmingCharacters(in: .whitespaces)
    }
}

/// Loads built variants, once each, for the life of the process.
enum Loader {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var handles: [String: UnsafeMutableRawPointer] = [:]

    static func load(_ variant: Variant, from library: URL) throws(VariantBuildError) {
        lock.lock()
        defer { lock.unlock() }
        if handles[variant.key] != nil { return }
        guard let handle = dlopen(library.path, RTLD_NOW | RTLD_LOCAL) else {
            throw .load("\(library.path): cannot be loaded: \(String(cString: dlerror()))")
        }
        guard let table = dlsym(handle, "bport_variant_ops") else {
            dlclose(handle)
            throw .load("\(library.path): has no bport_variant_ops")
        }
        do {
            try VariantTables.register(variant, table: UnsafeRawPointer(table))
        } catch {
            dlclose(handle)
            throw .load("\(library.path): \(error)")
        }
        handles[variant.key] = handle
    }

    /// A symbol of a loaded variant.
    static func symbol(_ name: String, of variant: Variant) -> UnsafeMutableRawPointer? {
        lock.lock()
        defer { lock.unlock() }
        return handles[variant.key].flatMap { dlsym($0, name) }
    }
}

/// A child process run to its end, stdout and stderr together.
enum Subprocess {
    static func run(_ executable: URL, _ arguments: [String], in directory: URL? = nil) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            return (127, "\(executable.path): \(error.localizedDescription)")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
