#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Records what verify-patch prints for its help and for runs on the repository's
# fixtures, in fixtures/cli/: NAME.txt holds the exact standard output of the command
# in the table below. Tests/VerifyPatchTests/ContractTests.swift runs the same commands
# and compares. Rerun after a deliberate change to a command's output:
#
#   scripts/make-cli-fixtures.sh              # builds the release verify-patch first
#   VERIFY_PATCH=path/to/verify-patch scripts/make-cli-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
vp=${VERIFY_PATCH:-}
if [ -z "$vp" ]; then
  swift build -c release --product verify-patch >&2
  vp=.build/release/verify-patch
fi
out=fixtures/cli
mkdir -p "$out"
rm -f "$out"/*.txt

# name, then the arguments (run from the repository root).
while IFS='|' read -r name args; do
  [ -z "$name" ] && continue
  # shellcheck disable=SC2086
  "$vp" $args > "$out/$name.txt" || true
done <<'TABLE'
help|--help
help-overview|overview --help
help-check|check --help
help-functions|functions --help
help-review|review --help
help-variant|variant --help
help-explore|explore --help
help-campaign|campaign --help
help-merge|merge --help
help-symbols|symbols --help
help-apply|apply --help
help-drift|drift --help
help-demo|demo --help
check-seed|check --patch fixtures/patches/seed-archive.txt fixtures/objects/port/baseline/page_alloc.o fixtures/objects/port/patched/page_alloc.o
functions-seed|functions --patch fixtures/patches/seed-archive.txt
symbols-alloc|symbols fixtures/objects/alloc-x86_64.o
symbols-alloc-json|symbols --json fixtures/objects/alloc-i686.o --name page_score
TABLE
ls "$out"
