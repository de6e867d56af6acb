#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Writes the patch fixtures `verify-patch review` is tested on (fixtures/patches/review/README.md
# says what each one is and the verdict it is meant to give):
#
#   fixtures/patches/review/NN-*.patch         patches to Linux 7.3.4, one scripted edit each
#   fixtures/patches/review/rN-revert-*.patch  reverts of the merged patches kept, as the
#                                              archive gave them, in fixtures/patches/review/real/
#   fixtures/patches/mutants/mN-*.patch        mutants of the seed: patches to Linux 7.3.4 with
#                                              fixtures/patches/seed-archive.txt applied
#
# Each file is `git format-patch` of one commit in a temporary repository that holds the
# pristine mm/ files of the cached Linux 7.3.4 tree. Names, emails, dates and the signature
# are fixed and the commit line is zeroed, so every run writes the same bytes. Every patch
# written is checked with `patch -p1 --dry-run` against a copy of the files it was made from.
# The mutants need the seed applied by `verify-patch apply`, so --mutants builds the release
# verify-patch (swift run) first.
#
# Usage: scripts/make-review-fixtures.sh [--own|--mutants]   (default: both)
# Env:   KERNEL_TREE  the Linux 7.3.4 tree (default: the one scripts/fetch-kernel.sh
#                     --source-only puts in the cache)
# Exit:  0 written, 1 no tree, or an edit or a check failed, 2 usage.
set -euo pipefail

me=make-review-fixtures.sh
repo="$(cd "$(dirname "$0")/.." && pwd)"
do_own=1 do_mutants=1
case "${1:-}" in
  "") ;;
  --own) do_mutants=0 ;;
  --mutants) do_own=0 ;;
  *) echo "$me: unknown option '$1' (use --own or --mutants)" >&2; exit 2 ;;
esac

cache="${VERIFY_PATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/verify-patch}"
tree="${KERNEL_TREE:-$cache/src/linux-source-7.3-7.3.4-1~bpo13+1}"
if [ ! -f "$tree/mm/page_alloc.c" ] || [ ! -f "$tree/Makefile" ] ||
   [ "$(sed -n 's/^VERSION = //p; s/^PATCHLEVEL = //p; s/^SUBLEVEL = //p' "$tree/Makefile" | head -n 3 | tr '\n' .)" != "7.3.4." ]; then
  echo "$me: no Linux 7.3.4 tree at $tree (scripts/fetch-kernel.sh --source-only fetches it)" >&2
  exit 1
fi

review="$repo/fixtures/patches/review"
mutants="$repo/fixtures/patches/mutants"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git_dir="$work/repo"
files=(mm/page_alloc.c mm/page_reporting.c)

fail() { echo "$me: $*" >&2; exit 1; }

# git with no user or system configuration, 12-digit abbreviations, and the kernel's
# `*.c diff=cpp` so hunk headers name functions as they do in kernel patches.
g() {
  GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null \
    git -C "$git_dir" -c core.abbrev=12 -c core.autocrlf=false "$@"
}

# commit DATE: one commit of the work tree by the fixtures' fixed identity, message on stdin.
commit() {
  GIT_AUTHOR_NAME="Fixture Author" GIT_AUTHOR_EMAIL="fixtures@verify-patch.invalid" \
  GIT_COMMITTER_NAME="Fixture Author" GIT_COMMITTER_EMAIL="fixtures@verify-patch.invalid" \
  GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" g commit -q -a -F -
}

# write OUT: the last commit as a patch, checked against a copy of its parent's files.
write() {
  local out="$1" check="$work/check"
  g format-patch -1 --stdout --zero-commit --signature=2.39.5 > "$out.tmp"
  rm -rf "$check"; mkdir -p "$check"
  g archive HEAD~1 | tar -x -C "$check"
  patch -p1 --dry-run -s -d "$check" < "$out.tmp" > /dev/null ||
    fail "$(basename "$out"): does not apply to the files it was made from"
  mv "$out.tmp" "$out"
}

# edit FILE PERL: one scripted change; a substitution that matches nothing fails.
edit() {
  perl -0pi -e "$2" "$git_dir/$1" || fail "edit of $1 did not match: $2"
}

# fixture FROM OUT [FILE PERL]...: a commit on FROM made of the edits, its message on
# stdin, written to OUT. Commit dates follow the order the fixtures of a kind are made in.
next_date() { made=$((made + 1)); date=$(printf '%sT09:%02d:00+00:00' "$day" "$made"); }
fixture() {
  local from="$1" out="$2"; shift 2
  g checkout -q -B work "$from"
  while [ $# -gt 0 ]; do edit "$1" "$2"; shift 2; done
  next_date
  commit "$date"
  write "$out"
}

mkdir -p "$git_dir"
g init -q
printf '*.c diff=cpp\n*.h diff=cpp\n' > "$git_dir/.git/info/attributes"
for f in "${files[@]}"; do
  mkdir -p "$git_dir/$(dirname "$f")"
  cp "$tree/$f" "$git_dir/$f"
done
g add -A
printf 'Linux 7.3.4\n\nmm/page_alloc.c and mm/page_reporting.c of Debian linux-source-7.3 7.3.4-1~bpo13+1.\n' |
  commit "2026-06-01T09:00:00+00:00"
g tag base
sob="Signed-off-by: Fixture Author <fixtures@verify-patch.invalid>"

if [ "$do_own" = 1 ]; then
  mkdir -p "$review"
  day=2026-06-02 made=0

  # (a) a pure refactor.
  fixture base "$review/01-expand-name-buddy.patch" \
    mm/page_alloc.c 's#(static inline unsigned int expand\(.*?\n\}\n)# my $f = $1;
      $f =~ s/&page\[size\]/buddy/g;
      $f =~ s/\twhile \(high > low\) \{\n\t\thigh--;\n\t\tsize >>= 1;\n/\twhile (high > low) {\n\t\tstruct page *buddy;\n\n\t\thigh--;\n\t\tsize >>= 1;\n\t\tbuddy = &page[size];\n/ or die;
      $f #se or die' <<EOF
mm/page_alloc: name the split-off buddy in expand()

expand() spells &page[size] five times in its loop. Give the buddy that
is split off a name of its own.

No functional change.

$sob
EOF

  # (b) a behaviour change without a bug.
  fixture base "$review/02-unmovable-fallback-movable-first.patch" \
    mm/page_alloc.c 's#(\t\[MIGRATE_UNMOVABLE\]   = \{ )MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE   \},#${1}MIGRATE_MOVABLE,     MIGRATE_RECLAIMABLE },# or die' <<EOF
mm/page_alloc: let unmovable allocations fall back to movable blocks first

An unmovable allocation that finds no unmovable free page tries the
reclaimable free lists before the movable ones. Reclaimable pageblocks
are few, and their pages go away when the shrinkers run; an unmovable
page placed among them keeps the whole block from ever being freed.

Try the movable free lists first: they are the bulk of memory, and
try_to_claim_block() converts a whole movable block when enough of it
is free or movable, so unmovable pages end up grouped there.

$sob
EOF

  # (c) a soundness bug on the merge path.
  fixture base "$review/03-merge-keeps-reported.patch" \
    mm/page_alloc.c 's{(\tstruct page \*buddy;\n)(\tbool to_tail;\n\n\tVM_BUG_ON\(!zone_is_initialized\(zone\)\);)}{$1\tbool reported = false;\n$2} or die' \
    mm/page_alloc.c 's{(\t\t\} else \{\n)(\t\t\t__del_page_from_free_list\(buddy, zone, order, buddy_mt\);\n)}{$1\t\t\treported |= page_reported(buddy);\n$2} or die' \
    mm/page_alloc.c 's{(done_merging:\n\tset_buddy_order\(page, order\);\n)}{$1\tif (reported)\n\t\t__SetPageReported(page);\n} or die' <<EOF
mm/page_alloc: keep PageReported when merging with a reported buddy

When a freed page merges with a buddy that page reporting has already
reported, __del_page_from_free_list() clears PG_reported from the buddy
and the merged block is sent to the host again in the next reporting
pass, although the host already has half of it.

Carry the flag over to the merged block, so that it is not reported
again.

$sob
EOF

  # (c) a soundness bug in the reporting drain.
  fixture base "$review/04-drain-fold-error-check.patch" \
    mm/page_reporting.c 's{\t\t/\* If the pages were not reported due to error skip flagging \*/\n\t\tif \(!reported\)\n\t\t\tcontinue;\n\n}{} or die' \
    mm/page_reporting.c 's{(\t\t \* up to that higher order\.)\n\t\t \*/\n\t\tif \(PageBuddy\(page\) && buddy_order\(page\) == order\)\n}{$1 Pages that were not reported\n\t\t * due to an error are not flagged.\n\t\t */\n\t\tif (reported || (PageBuddy(page) && buddy_order(page) == order))\n} or die' <<EOF
mm/page_reporting: fold the error check into the flagging condition

page_reporting_drain() leaves the loop body early on error with a
continue whose only purpose is to skip flagging the page. Fold the test
into the condition that decides whether the page is flagged, next to
the comment that explains it.

No functional change intended.

$sob
EOF

  # (d) a kernel check: the free list helper sees the new type.
  fixture base "$review/05-claim-retype-before-delete.patch" \
    mm/page_alloc.c 's{(\t\tdel_page_from_free_list\(page, zone, current_order, block_type\);\n)(\t\tchange_pageblock_range\(page, current_order, start_type\);\n)}{$2$1} or die' <<EOF
mm/page_alloc: retype a claimed block before taking it off its free list

try_to_claim_block() takes a block of pageblock order or more off the
free list of its old type and only then changes the type of its
pageblocks. Change the type first, so that the block is never off the
free lists while its pageblocks still carry the type it is being taken
from; the list it comes off is still named by block_type.

$sob
EOF

  # (d) a kernel check: a wrong migratetype passed to the free list helpers.
  fixture base "$review/06-steal-remainder-requester-type.patch" \
    mm/page_alloc.c 's{(\t\tpage_del_and_expand\(zone, page, order, current_order, )fallback_mt\);}{${1}start_migratetype);} or die' <<EOF
mm/page_alloc: keep the remainder of a stolen block on the requester's lists

__rmqueue_steal() takes a block off a fallback free list, and expand()
puts what is left of it back on the fallback type's lists, where the
next allocation of the requesting type has to steal again.

Pass the requesting migratetype instead, so that the remainder is found
by the next __rmqueue_smallest() of that type.

$sob
EOF

  # (e) a change to mm/page_reporting.c: the order of what is reported.
  fixture base "$review/07-report-highest-order-first.patch" \
    mm/page_reporting.c 's{\tunsigned int order, mt, leftover, offset = prdev->capacity;\n}{\tunsigned int mt, leftover, offset = prdev->capacity;\n\tint order;\n} or die' \
    mm/page_reporting.c 's#\t/\* Process each free list starting from lowest order/mt \*/\n\tfor \(order = page_reporting_order; order < NR_PAGE_ORDERS; order\+\+\) \{\n#\t/* Process each free list starting from the highest order, lowest mt */\n\tfor (order = MAX_PAGE_ORDER; order >= (int)page_reporting_order; order--) {\n# or die' <<EOF
mm/page_reporting: report the highest orders first

page_reporting_process_zone() walks the free lists from
page_reporting_order up, so a pass that stops early, on a failed report
or when a list's budget runs out, has reported the smallest blocks and
left the largest ones, which give the host the most memory back, for a
later pass.

Walk the orders from MAX_PAGE_ORDER down instead.

$sob
EOF

  # (f) one hunk in a ported function, one in the slow path, which the port does not carry.
  fixture base "$review/08-nofragment-half-pageblock.patch" \
    mm/page_alloc.c 's{(\t \* Do not steal pages from freelists belonging to other pageblocks\n\t \* i\.e\. )orders < pageblock_order\.( If there are no local zones free,\n\t \* the zonelists will be reiterated without ALLOC_NOFRAGMENT\.\n\t \*/\n\tif \(order < pageblock_order && alloc_flags & ALLOC_NOFRAGMENT\)\n\t\tmin_order = pageblock_order)}{${1}below half a pageblock.$2 - 1} or die' \
    mm/page_alloc.c 's{(\t\tac->reclaim_compact_order = max\(order, pageblock_order)\);}{$1 - 1);} or die' <<EOF
mm/page_alloc: let ALLOC_NOFRAGMENT claim from half a pageblock up

With ALLOC_NOFRAGMENT, __rmqueue_claim() only looks at fallback blocks
of pageblock order and up. A free buddy of half a pageblock is already
enough for try_to_claim_block() to convert the whole pageblock, which
does not mix migratetypes in a block either.

Start the search one order lower, and have the slow path reclaim and
compact for that order when it promotes a non-movable request.

$sob
EOF

  # An edit that reads as a behaviour change and is none: expand() only ever adds to empty
  # lists (README.md says why).
  fixture base "$review/09-expand-split-buddies-to-tail.patch" \
    mm/page_alloc.c 's{(\t\t__add_to_free_list\(&page\[size\], zone, high, migratetype, )false\);}{${1}true);} or die' <<EOF
mm/page_alloc: queue split-off buddies at the tail of the free list

expand() puts the halves it splits off at the head of their free lists,
so the next allocation of that order takes the buddy of the block that
was just handed out, and the two can no longer merge when the first one
is freed.

Queue them at the tail instead, as __free_one_page() does for a page
whose higher-order buddy is free, so they are taken last and have a
chance to merge back.

$sob
EOF

  # Reverts of merged patches: the archived message applied in reverse (patch -R, which
  # also gets past context that changed since the patch was posted) and committed.
  # revert N NAME [COMMIT]: review/real/NAME.eml reverted into review/rN-revert-NAME.patch.
  revert() {
    local n="$1" name="$2" upstream="${3:+ (upstream commit $3)}" eml subject msgid
    eml="$review/real/$name.eml"
    [ -f "$eml" ] || fail "$eml: missing"
    subject=$(sed -n '/^Subject: /{s/^Subject: //;N;s/\n / /;s/\n.*//;p;q}' "$eml" | sed 's/^\[[^]]*\] //')
    msgid=$(sed -n 's/^Message-I[Dd]: *//p' "$eml" | head -n 1)
    g checkout -q -B work base
    patch -p1 -R -s --no-backup-if-mismatch -d "$git_dir" < "$eml" > /dev/null ||
      fail "$eml: does not revert on Linux 7.3.4"
    next_date
    commit "$date" <<EOF
Revert "$subject"

This reverts the patch posted as
$msgid,
which Linux 7.3.4 carries$upstream.

$sob
EOF
    write "$review/r$n-revert-$name.patch"
  }
  revert 1 split-large-buddy-pfn-to-page faeec8e23c10
  revert 2 change-all-pageblocks-migratetype
  revert 3 page-reporting-stale-list-head
fi

if [ "$do_mutants" = 1 ]; then
  mkdir -p "$mutants"
  seeded="$work/seeded"
  mkdir -p "$seeded/mm"
  cp "$tree/mm/page_alloc.c" "$seeded/mm/"
  (cd "$repo" && swift run -q -c release verify-patch apply \
     --patch fixtures/patches/seed-archive.txt --tree "$seeded") > /dev/null ||
    fail "verify-patch apply could not apply the seed to Linux 7.3.4"
  g checkout -q -B work base
  cp "$seeded/mm/page_alloc.c" "$git_dir/mm/page_alloc.c"
  printf 'mm: page_alloc: propagate PageReported flag across buddy splits\n\nfixtures/patches/seed-archive.txt as verify-patch apply places it on Linux 7.3.4.\n' |
    commit "2026-06-02T08:00:00+00:00"
  g tag seed
  day=2026-06-16 made=0

  fixture seed "$mutants/m1-expand-marks-page.patch" \
    mm/page_alloc.c 's{\t\tif \(reported\)\n\t\t\t__SetPageReported\(&page\[size\]\);}{\t\tif (reported)\n\t\t\t__SetPageReported(page);} or die' <<EOF
mutant: expand() marks page instead of &page[size]

The block being split is the one handed out, so the allocated page
leaves the allocator with PG_reported set.

$sob
EOF
  fixture seed "$mutants/m2-expand-marks-nothing.patch" \
    mm/page_alloc.c 's{\n\t\tif \(reported\)\n\t\t\t__SetPageReported\(&page\[size\]\);\n}{\n} or die' <<EOF
mutant: expand() does not mark the split-off buddies

The reported argument reaches expand() and is dropped there.

$sob
EOF
  fixture seed "$mutants/m3-del-and-expand-reads-late.patch" \
    mm/page_alloc.c 's{(\tint nr_pages = 1 << high;\n)\tbool was_reported = page_reported\(page\);\n\n(\t__del_page_from_free_list\(page, zone, high, migratetype\);\n)}{$1\n$2\tbool was_reported = page_reported(page);\n} or die' <<EOF
mutant: page_del_and_expand() reads the flag after the block left its list

__del_page_from_free_list() has cleared PG_reported by then.

$sob
EOF
  fixture seed "$mutants/m4-claim-passes-false.patch" \
    mm/page_alloc.c 's{(\t\tnr_added = expand\(zone, page, order, current_order, start_type,\n\t\t\t\t  )was_reported\);}{${1}false);} or die' <<EOF
mutant: try_to_claim_block() passes false to expand()

A claimed block that was reported splits into pieces that are not.

$sob
EOF
  fixture seed "$mutants/m5-split-large-buddy-inverted.patch" \
    mm/page_alloc.c 's{(\t\tint mt = get_pfnblock_migratetype\(page, pfn\);\n\n\t\tif \()reported(\)\n\t\t\t__SetPageReported\(page\);)}{$1!reported$2} or die' <<EOF
mutant: split_large_buddy() marks the pieces of a block that was not reported

Every free goes through split_large_buddy(), so freed pages are marked
PG_reported although the host never had them.

$sob
EOF
  fixture seed "$mutants/m6-del-and-expand-inverted.patch" \
    mm/page_alloc.c 's{(\tnr_pages -= expand\(zone, page, low, high, migratetype, )was_reported\);}{$1!was_reported);} or die' <<EOF
mutant: page_del_and_expand() passes the flag inverted

The pieces of a block that was not reported are marked PG_reported.

$sob
EOF
  fixture seed "$mutants/m7-claim-reads-late.patch" \
    mm/page_alloc.c 's{\t\tbool was_reported = page_reported\(page\);\n\n(\t\tdel_page_from_free_list\(page, zone, current_order, block_type\);\n)}{\n$1\t\tbool was_reported = page_reported(page);\n} or die' <<EOF
mutant: try_to_claim_block() reads the flag after the block left its list

del_page_from_free_list() has cleared PG_reported by then.

$sob
EOF
fi
