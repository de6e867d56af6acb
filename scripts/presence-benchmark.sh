#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The presence benchmark: every patch of fixtures/presence/truth.tsv checked against
# the Debian cloud-amd64 debug vmlinux of 6.12 and 7.3, fetched the integration stage's
# way (scripts/fetch-kernel.sh: apt alone, the machine's own mirror, a cache outside the
# repository), each verdict scored against the ground truth written down from the two
# source trees: correct, wrong or undecided (indeterminate, absent or conflicting, with
# the reasons `check` gives).
#
# Usage: scripts/presence-benchmark.sh        Exit: 0 when no verdict is wrong, 1 otherwise.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
scripts/deps.sh
swift build -c release --product verify-patch 2>&1 | tail -n 1 >&2
vp="$repo/.build/release/verify-patch"

declare -A vmlinux
for series in 6.12 7; do
  out=$(scripts/fetch-kernel.sh --series "$series" --dbg-only)
  v=$(sed -n 's/^VMLINUX=//p' <<<"$out")
  k=$(sed -n 's/^KERNEL_VERSION=//p' <<<"$out")
  vmlinux[${k%%+*}]=$v
done

truth=fixtures/presence/truth.tsv
correct=0 wrong=0 undecided=0
printf '%-48s %-8s %-10s %-14s %s\n' patch kernel truth verdict score
while IFS=$'\t' read -r patch kernel expected line; do
  case "$patch" in ''|'#'*) continue ;; esac
  object=${vmlinux[$kernel]:-}
  [ -n "$object" ] || { echo "presence-benchmark: no vmlinux for kernel $kernel" >&2; exit 1; }
  file="fixtures/presence/$patch"
  json=$("$vp" check --json --patch "$file" "$object" || true)
  got=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["objects"][0]["overall"])' <<<"$json")
  case "$got" in
    "$expected") score=correct; correct=$((correct + 1)) ;;
    patched|unpatched|partly) score=WRONG; wrong=$((wrong + 1)) ;;
    *) score=undecided; undecided=$((undecided + 1)) ;;
  esac
  printf '%-48s %-8s %-10s %-14s %s\n' "$(basename "$patch")" "$kernel" "$expected" "$got" "$score"
  if [ "$score" = undecided ]; then
    python3 -c '
import json, sys
for f in json.load(sys.stdin)["objects"][0]["functions"]:
    for x in f["findings"]:
        if x["kind"] in ("undecided", "no DWARF definition", "prototype unchanged and no call, local or label to compare"):
            print("    %s: %s" % (f["name"], x["detail"]))' <<<"$json"
  fi
done < "$truth"
total=$((correct + wrong + undecided))
echo "pairs: $total  correct: $correct  wrong: $wrong  undecided: $undecided"
[ "$wrong" -eq 0 ]
