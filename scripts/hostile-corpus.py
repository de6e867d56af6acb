#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
#
# The hostile corpus: a few hundred inputs a hostile user would try, made fresh in a
# temporary directory, each run through the built verify-patch and held to the
# README's contract:
#   - the exit status is the one the case expects (0, 1 or 2 as the README says);
#   - on exit 2: exactly one line on stderr, "verify-patch: ...", and nothing on stdout;
#   - on exit 0 or 1: nothing on stderr;
#   - no signal, no timeout at 20 s, peak RSS under 512 MiB (or the case's stated bound);
#   - apply: no byte outside the tree changed, no tree changed by a failed apply, no
#     temporary file left behind.
#
#   scripts/hostile-corpus.py VERIFY-PATCH [--only SUBSTRING] [--keep]
#
# Prints one line per failing case and the totals by class; exit 0 when every case
# held. Needs python3, gcc (some objects are compiled here) and chattr for one case.

import os
import resource
import shutil
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 20.0
MEMORY = 512 << 20


class Case:
    def __init__(self, cls, name, args, status, setup=None, env=None, memory=MEMORY, apply_tree=None,
                 changed=(), stdout=None, stderr=None, limit_fsize=None):
        self.cls, self.name, self.args, self.status = cls, name, args, status
        self.setup, self.env, self.memory = setup, env or {}, memory
        self.apply_tree = apply_tree      # sandbox root to snapshot for apply cases
        self.changed = set(changed)       # files an exit 0 apply may change (relative to sandbox)
        self.stdout, self.stderr = stdout, stderr
        self.limit_fsize = limit_fsize


CASES = []


def case(*a, **k):
    CASES.append(Case(*a, **k))


def fixture(rel):
    return os.path.join(REPO, rel)


SEED = fixture("fixtures/patches/seed-archive.txt")
PATCHED = fixture("fixtures/objects/port/patched/page_alloc.o")
BASELINE = fixture("fixtures/objects/port/baseline/page_alloc.o")


def write(path, data, mode=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    if mode is not None:
        os.chmod(path, mode)


def sparse(path, size, prefix=b""):
    write(path, prefix)
    os.truncate(path, size)


def snapshot(root):
    """Every entry below root: link target, or mode and content digest."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = "link " + os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                if st.st_size > (1 << 24):
                    out[rel] = "big %o %d %d" % (st.st_mode, st.st_size, st.st_ino)
                else:
                    with open(p, "rb") as f:
                        out[rel] = "file %o %s" % (st.st_mode, hash(f.read()))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = "dir %o" % st.st_mode
            else:
                out[rel] = "other %o" % st.st_mode
    return out


# ---------------------------------------------------------------- apply

TEXT = "a\nb\nc\n"


def b_to_B(path, old=None):
    old = old or path
    return "--- a/%s\n+++ b/%s\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n" % (old, path)


def sandbox(w):
    """w/tree (mm/x.c, mm/y.c, links out, a FIFO) and w/outside."""
    for f in ["tree/mm/x.c", "tree/mm/y.c", "tree/top.c", "outside/x.c", "outside/mm/x.c"]:
        write(os.path.join(w, f), TEXT)
    os.symlink("../outside", os.path.join(w, "tree/out"))
    os.symlink("../../outside/x.c", os.path.join(w, "tree/mm/l.c"))
    os.symlink("/dev/zero", os.path.join(w, "tree/mm/zero.c"))
    os.symlink("loop.c", os.path.join(w, "tree/mm/loop.c"))
    os.symlink("x.c", os.path.join(w, "tree/mm/inside.c"))
    os.mkfifo(os.path.join(w, "tree/mm/fifo.c"))
    os.mkdir(os.path.join(w, "tree/mm/dir.c"))


def apply_case(name, patch_text, status, changed=(), extra=None, tree="tree", args=(), limit_fsize=None,
               cls="apply"):
    def setup(w):
        sandbox(w)
        if extra:
            extra(w)
        write(os.path.join(w, "p.patch"), patch_text)
    case(cls, name, ["apply", "--patch", "{w}/p.patch", "--tree", "{w}/" + tree] + list(args), status,
         setup=setup, apply_tree=True, changed=changed, limit_fsize=limit_fsize)


HOSTILE_PATHS = [
    "../x.c", "../outside/x.c", "mm/../../outside/x.c", "mm/../../../x.c", "./../x.c", "mm/./../../outside/x.c",
    "mm/x.c/../../../outside/x.c", "/tmp/x.c", "//etc/passwd", "out/x.c", "out/mm/x.c", "mm/l.c", "mm/zero.c",
    "mm/loop.c", "mm/fifo.c", "mm/dir.c", "mm/x.c/y.c", "mm/none.c", "none/x.c", "mm/inside.c", "top.c/..",
    "mm/..", "..", ".", "mm/" + "n" * 300 + ".c", "mm/\u00e9\u00e8.c", "out/../mm/x.c",
]


def quoted(path):
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


def gen_apply():
    for i, p in enumerate(HOSTILE_PATHS):
        apply_case("path %r" % p, b_to_B(p), 2)
        # The same path as the second file of two: the first must not be written.
        apply_case("path %r after mm/x.c" % p, b_to_B("mm/x.c") + b_to_B(p), 2)
        apply_case("path %r, dry run" % p, b_to_B(p), 2, args=["--dry-run"])
    for p in ["mm/x\ny.c", "mm/x\ty.c", "mm/\"q\".c", "../\n../x.c", "mm/x.c\n"]:
        text = "diff --git %s %s\n--- %s\n+++ %s\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n" % (
            quoted("a/" + p), quoted("b/" + p), quoted("a/" + p), quoted("b/" + p))
        apply_case("quoted path %r" % p, text, 2)
    # Old side names another file than the new side.
    apply_case("old side outside", b_to_B("mm/x.c", old="../outside/x.c"), 2)
    apply_case("old side other file", "--- a/mm/y.c\n+++ b/mm/x.c\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n", 2)
    # Good ones.
    apply_case("one file", b_to_B("mm/x.c"), 0, changed=["tree/mm/x.c"])
    apply_case("two files", b_to_B("mm/x.c") + b_to_B("mm/y.c"), 0, changed=["tree/mm/x.c", "tree/mm/y.c"])
    apply_case("dot and double slash", b_to_B("./mm//x.c"), 0, changed=["tree/mm/x.c"])
    apply_case("dry run", b_to_B("mm/x.c"), 0, args=["--dry-run"])
    apply_case("tree through a link", b_to_B("x.c"), 0, changed=["outside/x.c"], tree="tree/out")
    # Structure.
    apply_case("counts past the body", "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n+B2\n", 2)
    apply_case("counts past the body, second file", b_to_B("mm/x.c") + "--- a/mm/y.c\n+++ b/mm/y.c\n@@ -1,3 +1,3 @@\n a\n-b\n", 2)
    apply_case("huge counts", "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,999999999999 +1,999999999999 @@\n a\n-b\n+B\n c\n", 2)
    apply_case("counts short", "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,1 +1,1 @@\n a\n-b\n+B\n c\n", 2)
    apply_case("zero counts", "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,0 +1,0 @@\n", 2)
    apply_case("two sections", "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n"
               "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -2,2 +2,2 @@\n b\n-c\n+C\n", 0, changed=["tree/mm/x.c"])
    apply_case("two sections, second fails", "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,2 +1,2 @@\n-a\n+A\n b\n"
               "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -2,2 +2,2 @@\n b\n-z\n+C\n", 2)
    apply_case("no newline on new side", "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -2,2 +2,2 @@\n b\n-c\n+C\n"
               "\\ No newline at end of file\n", 0, changed=["tree/mm/x.c"])
    apply_case("no newline on old side, file has one", "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -2,2 +2,2 @@\n b\n-c\n"
               "\\ No newline at end of file\n+C\n", 2)
    apply_case("no newline marker mid-hunk", "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,3 +1,3 @@\n a\n"
               "\\ No newline at end of file\n-b\n+B\n c\n", 2)
    apply_case("already applied", b_to_B("mm/x.c"), 1,
               extra=lambda w: write(os.path.join(w, "tree/mm/x.c"), "a\nB\nc\n"))
    apply_case("half applied", b_to_B("mm/x.c") + b_to_B("mm/y.c"), 2,
               extra=lambda w: write(os.path.join(w, "tree/mm/x.c"), "a\nB\nc\n"))
    apply_case("ambiguous", b_to_B("mm/x.c"), 2,
               extra=lambda w: write(os.path.join(w, "tree/mm/x.c"), TEXT + TEXT))
    apply_case("no anchor", b_to_B("mm/x.c"), 2,
               extra=lambda w: write(os.path.join(w, "tree/mm/x.c"), "q\nr\ns\n"))
    apply_case("overlapping hunks", "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n"
               "@@ -1,2 +1,2 @@\n a\n-b\n+B\n", 2)
    apply_case("new file", "--- /dev/null\n+++ b/mm/new.c\n@@ -0,0 +1 @@\n+x\n", 2)
    apply_case("deleted file", "--- a/mm/x.c\n+++ /dev/null\n@@ -1,3 +0,0 @@\n-a\n-b\n-c\n", 2)
    apply_case("rename", "diff --git a/mm/x.c b/mm/z.c\nsimilarity index 90%\nrename from mm/x.c\nrename to mm/z.c\n"
               "--- a/mm/x.c\n+++ b/mm/z.c\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n", 2)
    apply_case("rename out of the tree", "diff --git a/mm/x.c b/../z.c\nrename from mm/x.c\nrename to ../z.c\n"
               "--- a/mm/x.c\n+++ b/../z.c\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n", 2)
    apply_case("binary", "diff --git a/mm/x.c b/mm/x.c\nBinary files a/mm/x.c and b/mm/x.c differ\n" + b_to_B("mm/y.c"), 2)
    apply_case("not UTF-8 in the tree", b_to_B("mm/x.c"), 2,
               extra=lambda w: write(os.path.join(w, "tree/mm/x.c"), b"a\nb\nc\xff\n"))
    apply_case("CRLF file", b_to_B("mm/x.c"), 0, changed=["tree/mm/x.c"],
               extra=lambda w: write(os.path.join(w, "tree/mm/x.c"), "a\r\nb\r\nc\r\n"))
    apply_case("file over 64 MiB (sparse)", b_to_B("mm/x.c"), 2,
               extra=lambda w: sparse(os.path.join(w, "tree/mm/x.c"), 65 << 20, TEXT.encode()))
    apply_case("empty file in tree", b_to_B("mm/x.c"), 2,
               extra=lambda w: write(os.path.join(w, "tree/mm/x.c"), ""))
    apply_case("planted link at the old temporary name", b_to_B("mm/x.c"), 0, changed=["tree/mm/x.c"],
               extra=lambda w: os.symlink("../../outside/x.c", os.path.join(w, "tree/mm/.x.c.verify-patch.tmp")))
    apply_case("read-only file (mode kept)", b_to_B("mm/x.c"), 0, changed=["tree/mm/x.c"],
               extra=lambda w: os.chmod(os.path.join(w, "tree/mm/x.c"), 0o444))
    apply_case("setuid bits kept, not widened", b_to_B("mm/x.c"), 0, changed=["tree/mm/x.c"],
               extra=lambda w: os.chmod(os.path.join(w, "tree/mm/x.c"), 0o600))
    apply_case("hard link to outside", b_to_B("mm/h.c"), 0, changed=["tree/mm/h.c"],
               extra=lambda w: os.link(os.path.join(w, "outside/mm/x.c"), os.path.join(w, "tree/mm/h.c")))
    apply_case("two names of one file", b_to_B("mm/x.c") + b_to_B("mm/h.c"), 2,
               extra=lambda w: os.link(os.path.join(w, "tree/mm/x.c"), os.path.join(w, "tree/mm/h.c")))
    big = "a\n" * 20000 + "b\n" + "c\n"
    apply_case("second file over the file-size limit", b_to_B("mm/x.c") +
               "--- a/mm/y.c\n+++ b/mm/y.c\n@@ -20001,2 +20001,2 @@\n-b\n+B\n c\n", 2,
               extra=lambda w: write(os.path.join(w, "tree/mm/y.c"), big), limit_fsize=16 << 10)
    apply_case("tree is a file", b_to_B("mm/x.c"), 2, tree="tree/mm/x.c")
    apply_case("tree is missing", b_to_B("mm/x.c"), 2, tree="none")
    apply_case("tree is a FIFO", b_to_B("mm/x.c"), 2, tree="tree/mm/fifo.c")
    apply_case("tree with a newline in its name", b_to_B("mm/x.c"), 2, tree="no\nsuch")

    def immutable(w):
        subprocess.run(["chattr", "+i", os.path.join(w, "tree/mm/y.c")], check=True)
    if shutil.which("chattr"):
        apply_case("second file immutable", b_to_B("mm/x.c") + b_to_B("mm/y.c"), 2, extra=immutable)

    def readonly_dir(w):
        os.makedirs(os.path.join(w, "tree/ro"))
        write(os.path.join(w, "tree/ro/x.c"), TEXT)
        subprocess.run(["chattr", "+i", os.path.join(w, "tree/ro")], check=True)
    if shutil.which("chattr"):
        apply_case("second file in an immutable directory", b_to_B("mm/x.c") + b_to_B("ro/x.c"), 2, extra=readonly_dir)
    # Many files, many hunks: linear.
    many = "".join(b_to_B("mm/f%d.c" % i) for i in range(2000))
    apply_case("2000 files", many, 0, changed=["tree/mm/f%d.c" % i for i in range(2000)],
               extra=lambda w: [write(os.path.join(w, "tree/mm/f%d.c" % i), TEXT) for i in range(2000)])
    lines = "".join("l%d\n" % i for i in range(200000))
    hunks = "".join("@@ -%d,1 +%d,1 @@\n-l%d\n+L%d\n" % (i + 1, i + 1, i, i) for i in range(0, 200000, 4))
    apply_case("50000 hunks in one file", "--- a/mm/x.c\n+++ b/mm/x.c\n" + hunks, 0, changed=["tree/mm/x.c"],
               extra=lambda w: write(os.path.join(w, "tree/mm/x.c"), lines))
    blank = "--- a/mm/x.c\n+++ b/mm/x.c\n@@ -1,100002 +1,100002 @@\n a\n" + " \n" * 100000 + "-b\n+B\n"
    apply_case("100000 blank context lines", blank, 0, changed=["tree/mm/x.c"],
               extra=lambda w: write(os.path.join(w, "tree/mm/x.c"), "a\n" + "\n" * 100000 + "b\n"))


# ---------------------------------------------------------------- patches

def patch_case(name, make, status, commands=("functions", "check"), memory=MEMORY, cls="patch"):
    def setup(w):
        make(os.path.join(w, "in.patch"))
    for command in commands:
        args = ["functions", "--patch", "{w}/in.patch"] if command == "functions" else \
               ["check", "--patch", "{w}/in.patch", PATCHED]
        st = status[command] if isinstance(status, dict) else status
        st = st if isinstance(st, set) else st
        case(cls, "%s: %s" % (command, name), args, st, setup=setup, memory=memory)


def hunk_of(body_lines, name="helper"):
    n = len(body_lines)
    old = sum(1 for l in body_lines if not l.startswith("+"))
    new = sum(1 for l in body_lines if not l.startswith("-"))
    return "--- a/mm/page_alloc.c\n+++ b/mm/page_alloc.c\n@@ -1,%d +1,%d @@ static void %s(void)\n%s" % (
        old, new, name, "".join(l + "\n" for l in body_lines))


def gen_patches():
    def fifo(p): os.mkfifo(p)
    def link_to(target):
        return lambda p: os.symlink(target, p)
    patch_case("FIFO", fifo, 2)
    patch_case("link to a FIFO", lambda p: (os.mkfifo(p + ".fifo"), os.symlink(p + ".fifo", p)), 2)
    patch_case("/dev/zero", link_to("/dev/zero"), 2)
    patch_case("/dev/null", link_to("/dev/null"), 2)
    patch_case("/dev/urandom", link_to("/dev/urandom"), 2)
    patch_case("/proc/self/mem", link_to("/proc/self/mem"), 2)
    patch_case("a directory", lambda p: os.mkdir(p), 2)
    patch_case("a link loop", lambda p: os.symlink(p, p), 2)
    patch_case("missing", lambda p: None, 2)
    patch_case("a socket", lambda p: socket.socket(socket.AF_UNIX).bind(p), 2)
    # Root reads a file of mode 000 all the same.
    unreadable = 0 if os.geteuid() == 0 else 2
    patch_case("unreadable (mode 000)", lambda p: write(p, b_to_B("mm/x.c"), 0o000), {"functions": unreadable, "check": 2})
    patch_case("empty", lambda p: write(p, ""), 2)
    patch_case("blanks only", lambda p: write(p, " \n\t\n" * 1000), 2)
    patch_case("NUL", lambda p: write(p, b_to_B("mm/x.c") + "\0"), 2)
    patch_case("4 GiB sparse", lambda p: sparse(p, 4 << 30), 2)
    patch_case("65 MiB", lambda p: sparse(p, 65 << 20, b_to_B("mm/x.c").encode()), 2)
    patch_case("63 MiB of zeros", lambda p: sparse(p, 63 << 20), 2)
    patch_case("invalid UTF-8", lambda p: write(p, b"\xc3\x28\x80\x81" * 100), 2)
    patch_case("UTF-16 without hunks", lambda p: write(p, "\ufeffhello\n".encode("utf-16")), 2)
    patch_case("UTF-16 odd length", lambda p: write(p, b"\xff\xfe\x41"), 2)
    patch_case("prose", lambda p: write(p, "This is not a patch.\n" * 100), 2)
    patch_case("hunk header only", lambda p: write(p, "@@ -1 +1 @@\n"), {"functions": 0, "check": 2})
    patch_case("hunk header with 40 digits", lambda p: write(p, "--- a/x.c\n+++ b/x.c\n@@ -" + "9" * 40 + " +1 @@\n-a\n+b\n"), 2)
    patch_case("negative counts", lambda p: write(p, "--- a/x.c\n+++ b/x.c\n@@ --1,-2 +1 @@\n-a\n+b\n"), 2)
    patch_case("combined diff", lambda p: write(p, "diff --cc x.c\n@@@ -1,1 -1,1 +1,1 @@@\n- a\n +b\n"), 2)
    patch_case("only a non-C file", lambda p: write(p, b_to_B("Documentation/x.txt")), {"functions": 0, "check": 2})
    patch_case("two patches", lambda p: write(p, "From 1 Mon Sep 17 00:00:00 2001\nSubject: a\n\n" + hunk_of(["-a", "+b"]) +
                                                 "From 2 Mon Sep 17 00:00:00 2001\nSubject: b\n\n" + hunk_of(["-a", "+b"])), 2)
    patch_case("1000 patches in an mbox", lambda p: write(p, "".join(
        "From %d Mon Sep 17 00:00:00 2001\nSubject: p%d\n\n%s" % (i, i, hunk_of(["-a", "+b"])) for i in range(1000))), 2)
    patch_case("seed", lambda p: shutil.copy(SEED, p), {"functions": 0, "check": 0})
    patch_case("seed, CRLF", lambda p: write(p, open(SEED).read().replace("\n", "\r\n")), {"functions": 0, "check": 0})
    patch_case("seed, CR only", lambda p: write(p, open(SEED).read().replace("\n", "\r")), 2)
    patch_case("seed, truncated mid-hunk", lambda p: write(p, open(SEED).read()[:3000]), {"functions": 0, "check": {0, 1}})
    patch_case("seed with a newline in the path", lambda p: write(p, open(SEED).read()), {"functions": 0, "check": 0})
    # Size and shape: each linear or refused.
    patch_case("60 MiB line of punctuation in a hunk",
               lambda p: write(p, "--- a/mm/page_alloc.c\n+++ b/mm/page_alloc.c\n@@ -1,1 +1,2 @@ static void f(void)\n a\n+" +
                               "(){}[];,.*&+-!~" * (4 << 20) + "\n"), {"functions": 0, "check": 1}, memory=MEMORY)
    patch_case("60 MiB line of punctuation outside hunks", lambda p: write(p, "!" * (60 << 20) + "\n"), 2)
    patch_case("60 MiB of opening braces", lambda p: write(p, hunk_of([" a", "+" + "{" * (60 << 20)])),
               {"functions": 0, "check": 1})
    patch_case("100000 blank lines in one hunk", lambda p: write(p, hunk_of(["+int x = 1;"] + ["+"] * 100000)),
               {"functions": 0, "check": 1})
    patch_case("100000 comment lines in one hunk", lambda p: write(p, hunk_of(["+int x = 1;"] + ["+/* c */"] * 100000)),
               {"functions": 0, "check": 1})
    patch_case("20000 definitions in one hunk", lambda p: write(p, hunk_of(
        ["+static int f%d(int a)" % i for i in range(0)] +
        sum([["+static int f%d(int a)" % i, "+{", "+\treturn a;", "+}"] for i in range(20000)], []))),
        {"functions": 0, "check": 1})
    patch_case("20000 nested blocks in a hunk", lambda p: write(p, hunk_of(["+\tif (a) {"] * 20000 + ["+\t}"] * 20000)),
               {"functions": 0, "check": 1})
    patch_case("200000 tokens in one declaration", lambda p: write(p, hunk_of(["+int " + ", ".join("v%d" % i for i in range(200000)) + ";"])),
               {"functions": 0, "check": 1})
    patch_case("RFC 2047: 100000 fragments", lambda p: write(p, "Subject: " + "=?utf-8?q?a" * 100000 + "\n\n" + hunk_of(["-a", "+b"])),
               {"functions": 0, "check": 1})
    patch_case("RFC 2047: 100000 encoded words", lambda p: write(p, "Subject: " + "=?utf-8?q?a?= " * 100000 + "\n\n" + hunk_of(["-a", "+b"])),
               {"functions": 0, "check": 1})
    patch_case("RFC 2047: unclosed base64", lambda p: write(p, "Subject: =?utf-8?b?" + "QUFB" * 500000 + "\n\n" + hunk_of(["-a", "+b"])),
               {"functions": 0, "check": 1})
    patch_case("a folded subject of 100000 lines", lambda p: write(p, "Subject: x\n" + " y\n" * 100000 + "\n" + hunk_of(["-a", "+b"])),
               {"functions": 0, "check": 1})
    patch_case("100000 HTML entities", lambda p: write(p, hunk_of(["+int x = a &amp;&amp; b;"] * 50000)), {"functions": 0, "check": 1})
    patch_case("100000 files", lambda p: write(p, "".join(hunk_of(["-a", "+b"], "f%d" % (i % 7)) for i in range(100000))),
               {"functions": 0, "check": 1}, memory=768 << 20)
    patch_case("one line of 32 MiB", lambda p: write(p, hunk_of(["-a", "+" + "x" * (32 << 20)])), {"functions": 0, "check": 1})
    patch_case("a prototype with 50000 parameters", lambda p: write(p, hunk_of(
        ["-static void f(" + ", ".join("int p%d" % i for i in range(50000)) + ")",
         "+static void f(" + ", ".join("long p%d" % i for i in range(50000)) + ")", " {", " }"])), {"functions": 0, "check": 1})
    patch_case("50000 parentheses deep", lambda p: write(p, hunk_of(["+x = " + "(" * 50000 + ")" * 50000 + ";"])),
               {"functions": 0, "check": 1})
    patch_case("an archive page of 500000 lines without markers", lambda p: write(p, "Subject: s\n\n@@ -1,3 +1,3 @@ static void f(void)\n"
                                                                             + "a\n" * 500000), {"functions": 0, "check": 2})


# ---------------------------------------------------------------- objects

def gcc(w, name, source, flags=("-g", "-O0", "-c")):
    src = os.path.join(w, name + ".c")
    write(src, source)
    out = os.path.join(w, name + ".o")
    subprocess.run(["gcc"] + list(flags) + [src, "-o", out], check=True, cwd=w,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


HELPER_PATCH = "--- a/t.c\n+++ b/t.c\n@@ -1,3 +1,3 @@ int helper(int a)\n {\n-\tint local = a;\n+\tlong local = a;\n \treturn local;\n"


def object_case(name, make, status, command="check", memory=MEMORY, env=None, cls="object", patch=HELPER_PATCH):
    def setup(w):
        write(os.path.join(w, "t.patch"), patch)
        make(w)
    if command == "check":
        args = ["check", "--patch", "{w}/t.patch", "{w}/obj.o"]
    elif command == "symbols":
        args = ["symbols", "{w}/obj.o"]
    else:
        args = ["symbols", "--json", "{w}/obj.o"]
    case(cls, "%s: %s" % (command, name), args, status, setup=setup, memory=memory, env=env)


def elf64(sections, entries=b"", shstrndx=0):
    """A minimal ELF64 LE relocatable: `sections` are (name_offset, type, offset, size, link, entsize)."""
    shoff = 64 + len(entries)
    shoff = (shoff + 7) & ~7
    body = entries + b"\0" * (shoff - 64 - len(entries))
    header = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    header += struct.pack("<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, len(sections), shstrndx)
    table = b""
    for (name, typ, off, size, link, entsize) in sections:
        table += struct.pack("<IIQQQQIIQQ", name, typ, 0, 0, off, size, link, 0, 1, entsize)
    return header + body + table


def shared_section_names(w, count=16000, length=60000):
    strtab = b"\0" + b"n" * length + b"\0"
    sections = [(0, 0, 0, 0, 0, 0)] + [(1, 1, 64, 0, 0, 0)] * (count - 2) + [(1, 3, 64, len(strtab), 0, 0)]
    write(os.path.join(w, "obj.o"), elf64(sections, strtab, shstrndx=count - 1))


def shared_symbol_names(w, count=40000, length=60000):
    strtab = b"\0" + b"s" * length + b"\0"
    syms = b"\0" * 24 + b"".join(struct.pack("<IBBHQQ", 1, 0x12, 0, 1, 0, 0) for _ in range(count))
    shstr = b"\0.symtab\0.strtab\0.shstrtab\0.text\0"
    data = strtab + syms + shstr
    o_str, o_sym, o_shs = 64, 64 + len(strtab), 64 + len(strtab) + len(syms)
    sections = [(0, 0, 0, 0, 0, 0), (26, 1, 64, 0, 0, 0), (1, 2, o_sym, len(syms), 3, 24),
                (9, 3, o_str, len(strtab), 0, 0), (17, 3, o_shs, len(shstr), 0, 0)]
    write(os.path.join(w, "obj.o"), elf64(sections, data, shstrndx=4))


TYPEOF_CHAIN = "typedef void (*f0)(void);\n" + "".join(
    "typedef void (*f%d)(f%d, f%d, f%d);\n" % (i, i - 1, i - 1, i - 1) for i in range(1, 40)) + \
    "int helper(int a) { f39 local = 0; return a + (local != 0); }\n"
TYPEOF_REAL = "void (*p0)(void);\n" + "".join(
    "__typeof__(p%d) (*p%d)(__typeof__(p%d), __typeof__(p%d));\n" % (i - 1, i, i - 1, i - 1) for i in range(1, 30)) + \
    "int helper(int a) { __typeof__(p29) local = 0; return a + (local != 0); }\n"


def nested_blocks(depth):
    return "int helper(int a) {\n" + "".join("{ int v%d = a + %d; a += v%d;\n" % (i, i, i) for i in range(depth)) + \
        "}" * depth + "\n int local = a; return local; }\n"


def sibling_blocks(count):
    return "int helper(int a) {\n" + "".join("{ int v%d = a + %d; a += v%d; }\n" % (i, i, i) for i in range(count)) + \
        " int local = a; return local; }\n"


def long_typedef(count, length):
    name = "t" * length
    return "typedef int %s;\nint helper(int a) {\n" % name + "".join("%s v%d = a;\n" % (name, i) for i in range(count)) + \
        " int local = a; return local + v0; }\n"


def blackhole():
    """A local TCP server that accepts and never answers: a debuginfod that hangs."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    held = []

    def serve():
        while True:
            try:
                c, _ = s.accept()
                held.append(c)
            except OSError:
                return
    threading.Thread(target=serve, daemon=True).start()
    return s


BLACKHOLE = None


def gen_objects():
    global BLACKHOLE
    BLACKHOLE = blackhole()
    url = "http://127.0.0.1:%d" % BLACKHOLE.getsockname()[1]
    simple = "int helper(int a) {\n\tint local = a;\n\treturn local;\n}\n"

    def compiled(source, flags=("-g", "-O0", "-c")):
        return lambda w: os.rename(gcc(w, "t", source, flags), os.path.join(w, "obj.o"))

    def stripped_with_link(target):
        def make(w):
            full = gcc(w, "t", simple)
            subprocess.run(["objcopy", "--only-keep-debug", full, os.path.join(w, "t.debug")], check=True)
            subprocess.run(["objcopy", "--strip-debug", "--add-gnu-debuglink=" + os.path.join(w, "t.debug"), full,
                            os.path.join(w, "obj.o")], check=True)
            os.remove(os.path.join(w, "t.debug"))
            target(os.path.join(w, "t.debug"))
        return make

    object_case("FIFO", lambda w: os.mkfifo(os.path.join(w, "obj.o")), 2)
    object_case("/dev/zero", lambda w: os.symlink("/dev/zero", os.path.join(w, "obj.o")), 2)
    object_case("/dev/null", lambda w: os.symlink("/dev/null", os.path.join(w, "obj.o")), 2)
    object_case("/dev/tty", lambda w: os.symlink("/dev/tty", os.path.join(w, "obj.o")), 2)
    object_case("directory", lambda w: os.mkdir(os.path.join(w, "obj.o")), 2)
    object_case("missing", lambda w: None, 2)
    object_case("empty", lambda w: write(os.path.join(w, "obj.o"), ""), 2)
    object_case("4 GiB of zeros", lambda w: sparse(os.path.join(w, "obj.o"), 4 << 30), 2)
    object_case("symbols: FIFO", lambda w: os.mkfifo(os.path.join(w, "obj.o")), 2, command="symbols")
    object_case("plain gcc -g", compiled(simple), 1)
    object_case("gcc -g -O2", compiled(simple, ("-g", "-O2", "-c")), 1)
    object_case("gcc -gdwarf-4", compiled(simple, ("-gdwarf-4", "-c")), 1)
    object_case("gcc -gdwarf-2", compiled(simple, ("-gdwarf-2", "-c")), 1)
    object_case("gcc -g3", compiled(simple, ("-g3", "-c")), 1)
    object_case("gcc -gz (compressed DWARF)", compiled(simple, ("-g", "-gz", "-c")), 1)
    object_case("split DWARF", compiled(simple, ("-g", "-gsplit-dwarf", "-c")), 2)
    object_case("split DWARF, dwarf-4", compiled(simple, ("-gdwarf-4", "-gsplit-dwarf", "-c")), 2)
    object_case("split DWARF, the .dwo a FIFO",
                lambda w: (compiled(simple, ("-g", "-gsplit-dwarf", "-c"))(w), os.remove(os.path.join(w, "t.dwo")),
                           os.mkfifo(os.path.join(w, "t.dwo"))), 2)
    object_case("LTO", compiled(simple, ("-g", "-flto", "-c")), 2)
    object_case("fat LTO", compiled(simple, ("-g", "-flto", "-ffat-lto-objects", "-c")), 1)
    object_case("BTF only", compiled(simple, ("-gbtf", "-c")), 2)
    object_case("CTF only", compiled(simple, ("-gctf", "-c")), 2)
    object_case("no debug", compiled(simple, ("-c",)), 2)
    object_case("shared object", lambda w: (gcc(w, "t", simple, ("-g", "-shared", "-fPIC")),
                                            os.rename(os.path.join(w, "t.o"), os.path.join(w, "obj.o"))), 1)
    object_case("debuglink to a FIFO", stripped_with_link(os.mkfifo), 2)
    object_case("debuglink to /dev/zero", stripped_with_link(lambda p: os.symlink("/dev/zero", p)), 2)
    object_case("debuglink to a 4 GiB file", stripped_with_link(lambda p: sparse(p, 4 << 30)), 2)
    object_case("debuglink, DEBUGINFOD_URLS to a server that never answers",
                stripped_with_link(lambda p: None), 2, env={"DEBUGINFOD_URLS": url})
    object_case("DEBUGINFOD_URLS set, full object", compiled(simple), 1, env={"DEBUGINFOD_URLS": url})
    object_case("typedef chain of 40 subroutine types", compiled(TYPEOF_CHAIN), 1)
    object_case("__typeof__ chain of 30", compiled(TYPEOF_REAL), 2)
    object_case("200 nested lexical blocks", compiled(nested_blocks(200)), 1)
    object_case("300 nested lexical blocks", compiled(nested_blocks(300)), 2)
    object_case("20000 sibling lexical blocks", compiled(sibling_blocks(20000)), 1)
    object_case("5000 locals of a 4 KiB typedef", compiled(long_typedef(5000, 4096)), 2)
    object_case("100 locals of a 4 KiB typedef", compiled(long_typedef(100, 4096)), 1)
    object_case("16000 sections sharing a 60 KB name", shared_section_names, 2)
    object_case("symbols: 16000 sections sharing a 60 KB name", shared_section_names, 2, command="symbols")
    object_case("symbols: 40000 symbols sharing a 60 KB name", shared_symbol_names, 2, command="symbols")
    object_case("symbols --json: 40000 symbols sharing a 60 KB name", shared_symbol_names, 2, command="json")
    object_case("symbols: 1000 symbols sharing a 60 KB name", lambda w: shared_symbol_names(w, 1000), 0, command="symbols")
    object_case("symbols --json: 1000 symbols sharing a 60 KB name", lambda w: shared_symbol_names(w, 1000), 0, command="json")
    object_case("40000 symbols sharing a 60 KB name", shared_symbol_names, 2)
    for n in [1, 4, 16, 17, 52, 63, 64, 65, 100, 500, 1000, 5000, 20000]:
        object_case("port object cut at %d bytes" % n, lambda w, n=n: write(os.path.join(w, "obj.o"), open(PATCHED, "rb").read()[:n]),
                    2, patch=open(SEED).read())
    data = open(PATCHED, "rb").read()
    import random
    rng = random.Random(13)
    for k in range(60):
        flips = [(rng.randrange(len(data)), rng.randrange(256)) for _ in range(1 + k % 8)]

        def mutate(w, flips=flips):
            b = bytearray(data)
            for (i, v) in flips:
                b[i] = v
            write(os.path.join(w, "obj.o"), bytes(b))
        object_case("port object with %d byte(s) changed (seed %d)" % (len(flips), k), mutate, {0, 1, 2},
                    patch=open(SEED).read())
    for arch, prefix in [("arm64", "aarch64-linux-gnu"), ("riscv64", "riscv64-linux-gnu"), ("s390x", "s390x-linux-gnu"),
                         ("ppc64el", "powerpc64le-linux-gnu"), ("i386", "i686-linux-gnu")]:
        cross = fixture("fixtures/objects/cross/alloc-%s.o" % arch)
        if os.path.exists(cross):
            object_case("%s cross object" % arch, lambda w, c=cross: shutil.copy(c, os.path.join(w, "obj.o")), 0,
                        patch=open(fixture("fixtures/objects/cross/alloc.patch")).read())
            object_case("symbols: %s cross object" % arch, lambda w, c=cross: shutil.copy(c, os.path.join(w, "obj.o")), 0,
                        command="symbols")
    # A real module with its DWARF, from the cached debug package (scripts/fetch-kernel.sh).
    debs = os.path.expanduser("~/.cache/verify-patch/debs")
    dbg = [d for d in (os.listdir(debs) if os.path.isdir(debs) else []) if d.startswith("linux-image-7.3") and "-dbg_" in d]
    if dbg:
        def module(w):
            member = "./usr/lib/debug/lib/modules/7.3.4+deb13-cloud-amd64/kernel/drivers/virtio/virtio_balloon.ko"
            subprocess.run("dpkg-deb --fsys-tarfile '%s' | tar -xO '%s' > '%s'" % (os.path.join(debs, dbg[0]), member,
                           os.path.join(w, "obj.o")), shell=True, check=True)
        ko_patch = ("--- a/drivers/virtio/virtio_balloon.c\n+++ b/drivers/virtio/virtio_balloon.c\n"
                    "@@ -1,3 +1,3 @@ static int virtballoon_free_page_report(struct page_reporting_dev_info *pr_dev_info,\n"
                    " {\n-\tstruct virtio_balloon *vb =\n+\tstruct virtio_balloon *balloon =\n \t\tcontainer_of(pr_dev_info, struct virtio_balloon, pr_dev_info);\n")
        object_case("kernel module virtio_balloon.ko", module, 1, patch=ko_patch)
        object_case("symbols: kernel module virtio_balloon.ko", module, 0, command="symbols")


VMLINUX = os.path.expanduser("~/.cache/verify-patch/vmlinux/7.3.4+deb13-cloud-amd64/vmlinux")


def gen_real():
    if os.path.exists(VMLINUX):
        case("real", "symbols --json on the 7.3 vmlinux", ["symbols", "--json", VMLINUX], 0)
        case("real", "symbols on the 7.3 vmlinux", ["symbols", VMLINUX], 0)
        case("real", "check the seed on the 7.3 vmlinux", ["check", "--patch", SEED, VMLINUX], 1)


# ---------------------------------------------------------------- the command line

def gen_cli():
    nl = "{w}/no\nsuch"

    def setup_nl(w):
        write(os.path.join(w, "new\nline"), open(SEED).read())
    usage = [
        (["nonsense"], 2), (["--nonsense"], 2), (["check"], 2), (["check", "--patch"], 2),
        (["check", "--patch", SEED], 2), (["check", PATCHED], 2), (["check", "--patch", SEED, PATCHED, "--bogus"], 2),
        (["check", "--patch", SEED, "--json", "--json", PATCHED], 0),
        (["functions"], 2), (["functions", "--patch", SEED, "extra"], 2), (["symbols"], 2), (["symbols", "a", "b"], 2),
        (["symbols", PATCHED, "--name"], 2), (["apply"], 2), (["apply", "--patch", SEED], 2), (["apply", "--tree", "/"], 2),
        (["drift"], 2), (["drift", "--tree"], 2), (["drift", "--tree", "/nonexistent"], 2),
        (["drift", "--tree", "/", "--variant", "x"], 2), (["drift", "--tree", "/", "--variant"], 2),
        (["demo", "--geometry", "huge"], 2), (["demo", "--geometry"], 2), (["demo", "extra"], 2),
        (["explore", "--geometry", "huge"], 2), (["explore", "--min-order", "99"], 2), (["explore", "--min-order", "x"], 2),
        (["explore", "--max-states", "0"], 2), (["explore", "--max-states", "-1"], 2),
        (["explore", "--movable-only", "--reclaimable"], 2),
        (["semantics", "--seed", "18446744073709551615"], 2), (["semantics", "--seed", "18446744073709551600"], 2),
        (["semantics", "--seed", "-1"], 2), (["semantics", "--seed", "abc"], 2), (["semantics", "--seed", "1e3"], 2),
        (["semantics", "--seed", "99999999999999999999"], 2), (["semantics", "--geometries", "huge"], 2),
        (["semantics", "--geometries", ""], 2), (["semantics", "--geometries", "tiny16,,x86-64"], 2),
        (["semantics", "--svg", "/nonexistent/dir/x.svg", "--geometries", "tiny16"], 2),
        (["semantics", "--svg", "/", "--geometries", "tiny16"], 2),
        (["semantics", "--svg", "{w}", "--geometries", "tiny16"], 2),
        (["overview", "--nonsense"], 2), (["--json", "--nonsense"], 2), (["help", "nonsense"], 0),
        (["check", "--patch", "", PATCHED], 2), (["check", "--patch", SEED, ""], 2),
        (["check", "--patch", SEED, "-"], 2), (["functions", "--patch", "-"], 2),
    ]
    for args, st in usage:
        case("cli", "usage: %s" % " ".join(args), args, st)
    for sub in ["", "overview", "check", "functions", "semantics", "explore", "symbols", "apply", "drift", "demo"]:
        args = ([sub] if sub else []) + ["--help"]
        case("cli", "help: %s" % " ".join(args), args, 0)
        case("cli", "help via -h: %s" % sub, ([sub] if sub else []) + ["-h"], 0)
    for args in (["check", "--patch", nl, PATCHED], ["functions", "--patch", nl], ["symbols", nl],
                 ["check", "--patch", SEED, nl], ["apply", "--patch", nl, "--tree", "{w}"],
                 ["apply", "--patch", SEED, "--tree", nl], ["drift", "--tree", nl]):
        case("cli", "newline in a path: %s" % args[0], args, 2 if args[-1] != "{w}" else 2, setup=setup_nl)
    case("cli", "check: the seed against both objects", ["check", "--patch", SEED, BASELINE, PATCHED], 1)
    case("cli", "check: the seed, JSON", ["check", "--json", "--patch", SEED, PATCHED], 0)
    case("cli", "functions: the seed, JSON", ["functions", "--json", "--patch", SEED], 0)
    case("cli", "symbols: the port object", ["symbols", PATCHED], 0)
    case("cli", "symbols: --name expand", ["symbols", PATCHED, "--name", "expand"], 0)
    case("cli", "symbols: --name with a newline", ["symbols", PATCHED, "--name", "a\nb"], 0)


# ---------------------------------------------------------------- running

def run_case(c, binary, base, index):
    w = os.path.join(base, "case-%d" % index)
    os.makedirs(w)
    if c.setup:
        c.setup(w)
    args = [a.replace("{w}", w) for a in c.args]
    env = dict(os.environ)
    env.pop("DEBUGINFOD_URLS", None)
    env.update(c.env)
    before = snapshot(w) if c.apply_tree else None
    limit = c.limit_fsize

    def preexec():
        if limit:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        os.setsid()
    start = time.monotonic()
    out_path, err_path = os.path.join(base, "out-%d" % index), os.path.join(base, "err-%d" % index)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        p = subprocess.Popen([binary] + args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                             preexec_fn=preexec, cwd=w)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - start > TIMEOUT:
                timed_out = True
                os.killpg(p.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.005)
    elapsed = time.monotonic() - start
    stdout = open(out_path, "rb").read()
    stderr = open(err_path, "rb").read()
    os.remove(out_path)
    os.remove(err_path)
    problems = []
    rss = usage.ru_maxrss * 1024
    if timed_out:
        problems.append("timed out after %.0f s" % TIMEOUT)
    elif os.WIFSIGNALED(status):
        problems.append("killed by signal %d" % os.WTERMSIG(status))
    else:
        code = os.WEXITSTATUS(status)
        allowed = c.status if isinstance(c.status, set) else {c.status}
        if code not in allowed:
            problems.append("exit %d, expected %s" % (code, "/".join(map(str, sorted(allowed)))))
        if code == 2:
            lines = stderr.split(b"\n")
            if not (len(lines) == 2 and lines[1] == b"" and lines[0].startswith(b"verify-patch: ")):
                problems.append("stderr is not one line: %r" % stderr[:300])
            if stdout:
                problems.append("stdout not empty on error: %r" % stdout[:200])
        elif stderr:
            problems.append("stderr not empty on exit %d: %r" % (code, stderr[:300]))
    if rss > c.memory:
        problems.append("peak RSS %d MiB over %d MiB" % (rss >> 20, c.memory >> 20))
    if c.apply_tree:
        after = snapshot(w)
        outside = {k: v for k, v in before.items() if not k.startswith("tree")}
        outside_after = {k: v for k, v in after.items() if not k.startswith("tree")}
        ok_status = not timed_out and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        allowed_changes = set(c.changed) if ok_status else set()
        for k in set(outside) | set(outside_after):
            if outside.get(k) != outside_after.get(k) and k not in allowed_changes:
                problems.append("outside the tree, %s changed" % k)
        for k in set(before) | set(after):
            if k.startswith("tree") and before.get(k) != after.get(k) and k not in allowed_changes:
                problems.append("%s changed (%s)" % (k, "after a failed apply" if not ok_status else "not named"))
    subprocess.run(["chattr", "-R", "-i", w], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(w, ignore_errors=True)
    return problems, elapsed, rss, stderr


def main():
    if len(sys.argv) < 2:
        print("usage: hostile-corpus.py VERIFY-PATCH [--only SUBSTRING] [--keep]", file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    verbose = "--verbose" in sys.argv
    gen_apply()
    gen_patches()
    gen_objects()
    gen_real()
    gen_cli()
    base = tempfile.mkdtemp(prefix="hostile-corpus-")
    totals = {}
    failed = 0
    slowest = (0, "")
    largest = (0, "")
    try:
        for i, c in enumerate(CASES):
            if only and only not in c.cls + ": " + c.name:
                continue
            problems, elapsed, rss, stderr = run_case(c, binary, base, i)
            t = totals.setdefault(c.cls, [0, 0])
            t[0] += 1
            slowest = max(slowest, (elapsed, c.name))
            largest = max(largest, (rss, c.name))
            if problems:
                t[1] += 1
                failed += 1
                shown = problems[:4] + (["and %d more" % (len(problems) - 4)] if len(problems) > 4 else [])
                print("FAIL [%s] %s: %s" % (c.cls, c.name, "; ".join(shown)), flush=True)
            elif verbose:
                print("ok   [%s] %s (%.2f s, %d MiB) %s" % (c.cls, c.name, elapsed, rss >> 20,
                                                          stderr.decode(errors="replace").strip()[:150]), flush=True)
    finally:
        shutil.rmtree(base, ignore_errors=True)
        if BLACKHOLE:
            BLACKHOLE.close()
    cases = sum(t[0] for t in totals.values())
    for cls in sorted(totals):
        print("%-8s %4d cases, %d failed" % (cls, totals[cls][0], totals[cls][1]))
    print("slowest: %.2f s (%s); largest peak RSS: %d MiB (%s)" % (slowest[0], slowest[1], largest[0] >> 20, largest[1]))
    print("%d passed, %d failed" % (cases - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
