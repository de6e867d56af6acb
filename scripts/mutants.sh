#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Checks that the tests catch wrong ports: for each mutant, a copy of the repository
# gets one deliberate change to the patched variant's code, then `swift test` runs on
# the copy and must fail. Prints one line per mutant and exits 1 if any mutant survived.
#
# Usage: scripts/mutants.sh [FILTER]   (FILTER is passed to swift test --filter)
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
filter=("$@")

port=CModules/CBuddyPort/port/mm/page_alloc.c
# name | sed expression applied to the port
mutants=(
  "expand marks page, not &page[size]|s/__SetPageReported(&page\[size\]);/__SetPageReported(page);/"
  "expand does not mark the split-off buddies|s/__SetPageReported(&page\[size\]);/(void)0;/"
  "page_del_and_expand reads the flag after the block left the list|/^static __always_inline void page_del_and_expand/,/^}/{/bool was_reported = page_reported(page);\$/{h;d};/__del_page_from_free_list(page, zone, high, migratetype);/G}"
  "try_to_claim_block passes false|s/^\t\t\t\t  was_reported);/\t\t\t\t  false);/"
)

survivors=0
for m in "${mutants[@]}"; do
  name=${m%%|*}; expr=${m#*|}
  rm -rf "$work/repo"
  mkdir -p "$work/repo"
  (cd "$repo" && git ls-files -z | xargs -0 -I{} cp --parents {} "$work/repo/")
  sed -i -e "$expr" "$work/repo/$port"
  if cmp -s "$repo/$port" "$work/repo/$port"; then
    echo "NOT APPLIED  $name"; survivors=$((survivors + 1)); continue
  fi
  if (cd "$work/repo" && swift test -c release --scratch-path "$work/build" ${filter:+--filter "${filter[@]}"} >"$work/log" 2>&1); then
    echo "SURVIVED     $name"; survivors=$((survivors + 1))
  elif grep -q ': error: ' "$work/log"; then
    echo "NO BUILD     $name"; survivors=$((survivors + 1))
  else
    echo "killed       $name ($(grep -c '✘ Test' "$work/log") failing tests)"
  fi
done
exit $((survivors > 0))
