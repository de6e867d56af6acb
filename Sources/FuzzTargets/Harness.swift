// SPDX-License-Identifier: GPL-2.0-only
//
// What every fuzz target shares: handing control to libFuzzer, and an in-memory file
// for the readers that take a path.

import CFuzzSupport

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// libFuzzer's per-input callback, as its C interface declares it.
public typealias TestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer with the process's arguments (`-runs=N`, a corpus directory, ...)
/// and exits with its status. Built without the FUZZING condition (a plain
/// `swift build`), the fuzzer runtime is not linked: this explains how to build the
/// target and exits with status 2.
public func runLibFuzzer(_ name: String, _ testOneInput: TestOneInput) -> Never {
    #if FUZZING
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
    #else
    var message = "\(name): a libFuzzer target; build and run it with scripts/fuzz.sh \(name)\n"
    message.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(2)
    #endif
}

/// The input libFuzzer passes, as bytes.
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// An anonymous file in memory (memfd) whose contents are replaced for each input.
/// `path` names it through /proc/self/fd, so readers that open a path read it
/// without touching a disk.
public final class MemoryFile {
    private let descriptor: Int32
    public let path: String

    public init() {
        let fd = memfd_create("fuzz-input", 1 /* MFD_CLOEXEC */)
        require(fd >= 0, "memfd_create failed: \(String(cString: strerror(errno)))")
        descriptor = fd
        path = "/proc/self/fd/\(fd)"
    }

    deinit { close(descriptor) }

    /// Makes `bytes` the whole contents of the file.
    public func replaceContents(with bytes: [UInt8]) {
        require(ftruncate(descriptor, 0) == 0, "ftruncate failed")
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                pwrite(descriptor, buffer.baseAddress! + done, bytes.count - done, off_t(done))
            }
            if n < 0 && errno == EINTR { continue }
            require(n > 0, "pwrite failed")
            done += n
        }
    }
}

/// Traps with `message` when `condition` is false, in optimized builds too (where a
/// precondition's message is dropped), so the fuzzer's report says what broke.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError(message()) }
}
