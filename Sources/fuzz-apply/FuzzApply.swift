// SPDX-License-Identifier: GPL-2.0-only
//
// libFuzzer entry point for FuzzTargets.ApplyTarget. scripts/fuzz.sh builds it with
// -sanitize=fuzzer,address and -D FUZZING; a plain build gives a stub that says so.

import FuzzTargets

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    ApplyTarget.run(inputBytes(data, size))
    return 0
}

@main
enum FuzzApply {
    static func main() {
        runLibFuzzer("fuzz-apply", fuzz)
    }
}
