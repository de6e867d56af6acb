#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# One debug pass of the default test set under AddressSanitizer (Swift and C, with
# LeakSanitizer) and UndefinedBehaviorSanitizer (C: the port, the C API, the fuzz
# support module). Any report fails the run.
#
#   scripts/sanitized-tests.sh [extra swift test arguments, e.g. --filter CampaignTests]
#
# swiftc 6.3 refuses -sanitize=undefined on Linux, so `swift test --sanitize=undefined`
# cannot build; UBSan reaches the C code through -Xcc instead, in the same pass as
# ASan (ASan's runtime carries UBSan's handlers). The kernel compiles with
# -fno-strict-overflow, which makes both pointer and signed arithmetic wrap; the C code
# here gets the pointer half, -fwrapv-pointer: the kernel's text relies on wrapping
# pointer arithmetic (find_buddy_page_pfn adds an unsigned difference that is negative
# when the buddy lies below the page). Signed overflow is left undefined so that UBSan
# reports it anywhere in the port or the harness; under -fwrapv it checks nothing.
# The kernel is GNU C, where a left shift of a signed value into or past the sign bit is
# defined (GCC's manual, "Integers implementation": GCC does not use C99's latitude to
# treat it as undefined); page_type_has_type's PGTY_mapcount_underflow << 24 is such a
# shift, so shift-base is not checked. Shift exponents (shift-exponent) still are.
#
# DIFFERENTIAL_SEEDS (default 20 in a debug build) sizes the differential campaign.
# Build directory: .build-sanitized.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
scripts/deps.sh

flags=(
  --sanitize=address
  -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=all -Xcc -fno-sanitize=shift-base
  -Xcc -fwrapv-pointer
  --scratch-path .build-sanitized
)
# Reports come from the sanitizers, not the Swift runtime's backtracer; leaks inside
# the toolchain's Foundation and XCTest are suppressed (scripts/sanitizers/lsan.supp).
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:check_initialization_order=1}"
export LSAN_OPTIONS="suppressions=$repo/scripts/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

start=$(date +%s)
# gold warns once per ASan symbol it cannot export; the warnings are kept in the log.
mkdir -p .build-sanitized
if ! swift build --build-tests "${flags[@]}" >.build-sanitized/build.log 2>&1; then
  grep -v "Cannot export local symbol" .build-sanitized/build.log >&2
  exit 1
fi
if ! swift test --skip-build "${flags[@]}" "$@"; then
  echo "sanitized-tests: failed after $(( $(date +%s) - start )) s: a failed test or a sanitizer report above" >&2
  exit 1
fi
echo "sanitized-tests: passed in $(( $(date +%s) - start )) s"
