// SPDX-License-Identifier: GPL-2.0-only
//
// The one place where a failed libelf, libdw or libdwfl call becomes an ObjectError.
// Callers pass the call's result straight through `checked`; a null pointer or a
// negative status is turned into an error carrying the library's own message, read
// with elf_errmsg(-1), dwarf_errmsg(-1) or dwfl_errmsg(-1) right after the failure.

import CLibDW
import CLibElf

/// The C library a call belongs to, which decides where its message is read from.
enum CLibrary {
    case elf
    case dw
    case dwfl
    /// A libdwfl call whose failure means the DWARF itself could not be loaded.
    case dwflDebugInfo
}

/// The error for the call that just failed in `library`.
///
/// libdw failures always mean the DWARF could not be decoded, so they become
/// `.corruptDWARF`, as do libdwfl failures to load it. The libraries keep their error state per thread, and nothing runs
/// between the failing call and this one, so the message belongs to that call.
func libraryFailure(_ library: CLibrary, _ operation: StaticString) -> ObjectError {
    func text(_ message: UnsafePointer<CChar>?) -> String {
        message.map { String(cString: $0) } ?? "unknown error"
    }
    switch library {
    case .elf:
        return .libelf(operation: "\(operation)", message: text(elf_errmsg(-1)))
    case .dw:
        return .corruptDWARF(text(dwarf_errmsg(-1)))
    case .dwfl:
        return .libdwfl(operation: "\(operation)", message: text(dwfl_errmsg(-1)))
    case .dwflDebugInfo:
        return .corruptDWARF(text(dwfl_errmsg(-1)))
    }
}

/// `result` unless it is nil, in which case the library's error for `operation`.
@inline(__always)
@discardableResult
func checked<T>(_ library: CLibrary, _ operation: StaticString, _ result: T?) throws(ObjectError) -> T {
    guard let result else { throw libraryFailure(library, operation) }
    return result
}

/// `status` unless it is negative, in which case the library's error for `operation`.
@inline(__always)
@discardableResult
func checked<S: BinaryInteger>(_ library: CLibrary, _ operation: StaticString, status: S) throws(ObjectError) -> S {
    guard status >= 0 else { throw libraryFailure(library, operation) }
    return status
}

/// Makes libelf usable; `elf_version` must be called once per process before any
/// other libelf call, and a `static let` runs it exactly once, thread-safely.
enum LibElf {
    static let ready: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)
}
