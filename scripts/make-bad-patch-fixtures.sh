#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Writes the malformed patch inputs of fixtures/patches/bad/ that verify-patch must
# refuse with one line and exit 2 (and the CRLF copy of the seed it must accept).
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/fixtures/patches"
mkdir -p "$dir/bad"
: > "$dir/bad/empty.patch"
printf 'diff --git a/x b/x\n\x00\x01\x02binary\n' > "$dir/bad/binary.patch"
printf 'diff --git a/mm/page_alloc.c b/mm/page_alloc.c\nindex 1111111..2222222 100644\n--- a/mm/page_alloc.c\n+++ b/mm/page_alloc.c\n' > "$dir/bad/no-hunks.patch"
printf 'The buddy allocator keeps free pages on lists by order.\nNothing here is a diff.\n' > "$dir/bad/prose.txt"
# Bytes that are neither UTF-8 nor plausible Latin-1 text (C1 control characters).
printf -- '--- a/f.c\n+++ b/f.c\n@@ -1 +1 @@\n-\x81\x82\x83\x84\n+\x85\x86\x87\x88\n' > "$dir/bad/unknown-encoding.patch"
sed 's/$/\r/' "$dir/seed-archive.txt" > "$dir/seed-archive-crlf.txt"
