#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds one libFuzzer target with the fuzzer and address sanitizer and runs it on its
# corpus, which lives in the cache outside the repository:
#
#   scripts/fuzz.sh TARGET [LIBFUZZER-ARGS...]
#   scripts/fuzz.sh patch-reader -runs=1000000
#   scripts/fuzz.sh dwarf -max_total_time=600
#   scripts/fuzz.sh elf-symbols CRASH-FILE...      # replays the given inputs
#
# TARGET: patch-reader, elf-symbols, dwarf, apply or check (a "fuzz-" prefix is
# accepted). The ELF, DWARF and check targets are linked with instrumented libelf and libdw built from the Debian
# source (scripts/build-fuzz-elfutils.sh; FUZZ_ELFUTILS=system links the system's).
# Corpus: $VERIFY_PATCH_CACHE/fuzz/corpus/TARGET (default ~/.cache/verify-patch),
# seeded from fixtures/ and fixtures/fuzz/crashes/TARGET when empty; crash, leak and
# timeout inputs go to $VERIFY_PATCH_CACHE/fuzz/artifacts/TARGET/. The arguments are
# passed to libFuzzer after the defaults below, so they override them. Arguments that
# name files make libFuzzer run just those inputs. Exit status: libFuzzer's (0 when
# nothing was found).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

usage() { echo "usage: scripts/fuzz.sh patch-reader|elf-symbols|dwarf|apply|check [libFuzzer args...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
target="${1#fuzz-}"
shift

case "$target" in
  patch-reader)
    dict=fixtures/fuzz/patch-reader.dict
    # Patches are text: 1 KiB holds mail headers and a hunk or two; longer inputs
    # only slow the target down.
    defaults=(-max_len=1024)
    seeds() { find fixtures/patches -type f ! -name README.md; } ;;
  apply|check)
    dict=fixtures/fuzz/patch-reader.dict
    # apply: a tree file, a NUL and a patch fit in 4 KiB; check: a patch of a few hunks.
    if [ "$target" = apply ]; then defaults=(-max_len=4096); else defaults=(-max_len=2048); fi
    seeds() { find fixtures/patches -type f ! -name README.md -size -64k; } ;;
  elf-symbols|dwarf)
    dict=fixtures/fuzz/elf.dict
    # The object fixtures are at most 20 KiB; the port's objects (280 KiB) are left out.
    defaults=(-max_len=20480)
    seeds() { find fixtures/objects fixtures/objects/limits -maxdepth 1 -type f -size -64k; } ;;
  *) usage ;;
esac

cache="${VERIFY_PATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/verify-patch}/fuzz"
corpus="$cache/corpus/$target"
artifacts="$cache/artifacts/$target"
mkdir -p "$corpus" "$artifacts"

scripts/deps.sh
# The ELF and DWARF targets link libelf and libdw built with the same instrumentation
# (scripts/build-fuzz-elfutils.sh), unless FUZZ_ELFUTILS=system asks for the system's.
scratch=.build-fuzz
if [ "$target" != patch-reader ] && [ "$target" != apply ] && [ "${FUZZ_ELFUTILS:-instrumented}" != system ]; then
  PKG_CONFIG_PATH="$(scripts/build-fuzz-elfutils.sh)"
  export PKG_CONFIG_PATH
  scratch=.build-fuzz-elfutils
fi
nice -n 10 swift build -c release --product "fuzz-$target" --scratch-path "$scratch" \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING >&2
binary=$scratch/release/fuzz-$target

if [ -z "$(ls -A "$corpus")" ]; then
  seeds | while read -r f; do cp "$f" "$corpus/"; done
  if [ -d "fixtures/fuzz/crashes/$target" ]; then
    find "fixtures/fuzz/crashes/$target" -type f ! -name README.md -exec cp {} "$corpus/" \;
  fi
fi

# SWIFT_BACKTRACE: libFuzzer, not the Swift runtime, reports a trap, with the input.
# ASAN_OPTIONS: no allocation stacks and a small quarantine keep the runs fast; rerun a
# crash input with default ASAN_OPTIONS for the allocation stack.
# DEBUGINFOD_URLS: libdwfl must not look for separate debug files on the network.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=0:quarantine_size_mb=16}"
unset DEBUGINFOD_URLS

inputs=()
for arg in "$@"; do
  [ -f "$arg" ] && inputs+=("$arg")
done
if [ ${#inputs[@]} -gt 0 ]; then
  exec nice -n 10 "$binary" "${defaults[@]}" "$@"
fi
exec nice -n 10 "$binary" -dict="$dict" -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$artifacts/" "${defaults[@]}" "$@" "$corpus"
