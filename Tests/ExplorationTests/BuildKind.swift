// SPDX-License-Identifier: GPL-2.0-only

/// Whether the tests were compiled with optimisation. A few tests take seconds
/// optimised and many minutes in a debug build (the sanitized pass is one); they run
/// in the optimised build only, where `swift test -c release` runs them.
#if DEBUG
let optimizedBuild = false
#else
let optimizedBuild = true
#endif
