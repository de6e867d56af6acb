#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Checks that the review catches broken versions of the seed: each mutant of
# fixtures/patches/mutants (a patch on top of the seed, fixtures/patches/mutants/README.md)
# is reviewed against the seed's variant by `verify-patch review --base SEED MUTANT`, the
# same path as any other patch, and must come out broken or changed. Prints one line per
# mutant and exits 1 if any came out unchanged or could not be reviewed.
#
# Usage: scripts/mutants.sh [MUTANT...]   (default: every fixtures/patches/mutants/*.patch)
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
seed=fixtures/patches/seed-archive.txt
swift build -c release --product verify-patch >/dev/null || exit 1
mutants=("$@")
[ ${#mutants[@]} -gt 0 ] || mutants=(fixtures/patches/mutants/*.patch)

survivors=0
for m in "${mutants[@]}"; do
  json=$(.build/release/verify-patch review --json --base "$seed" "$m" 2>/tmp/mutant.err.$$)
  rc=$?
  verdict=$(printf '%s' "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])' 2>/dev/null)
  case "$verdict" in
    broken|changed) echo "caught ($verdict)  $(basename "$m")" ;;
    unchanged) echo "SURVIVED          $(basename "$m")"; survivors=$((survivors + 1)) ;;
    *) echo "NOT REVIEWED      $(basename "$m") (exit $rc: $(head -n 1 /tmp/mutant.err.$$))"; survivors=$((survivors + 1)) ;;
  esac
done
rm -f /tmp/mutant.err.$$
exit $((survivors > 0))
