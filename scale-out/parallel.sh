#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# An exploration and a differential campaign in N shards on one machine with GNU
# parallel, then merged (SCALING.md). Usage: scale-out/parallel.sh [N] [OUTDIR]
set -euo pipefail
n=${1:-4}
out=${2:-shards}
vp=${VERIFY_PATCH:-verify-patch}
mkdir -p "$out"

# explore: every shard runs the same prefix, then the part of the search it owns
parallel --halt now,fail=1 -j "$n" \
    "$vp explore --geometry tiny16 --min-order 2 --isolation --workers 1 --shard {}/$n --json > $out/explore-{}.json" \
    ::: $(seq 1 "$n")
"$vp" merge "$out"/explore-*.json

# campaign: shard K runs the K-th of N seed ranges
parallel --halt now,fail=1 -j "$n" \
    "$vp campaign --seeds 1000 --threads 1 --shard {}/$n --json > $out/campaign-{}.json" \
    ::: $(seq 1 "$n")
"$vp" merge "$out"/campaign-*.json
