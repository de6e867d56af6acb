#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds libelf and libdw from the Debian source of the installed elfutils with the
# toolchain's clang, instrumented for libFuzzer and AddressSanitizer, as static
# libraries, and writes pkg-config files that name them. scripts/fuzz.sh links the ELF
# and DWARF fuzz targets against them, so the fuzzer sees coverage inside libelf and
# libdw and AddressSanitizer sees their memory errors.
#
#   scripts/build-fuzz-elfutils.sh      # prints the pkg-config directory
#
# The source comes with `apt-get source` through a private sources list, lists
# directory and state (the system's apt state is left alone); everything lives under
# $VERIFY_PATCH_CACHE/fuzz/elfutils. Needs: dpkg-dev, make, m4, zlib1g-dev, the Swift
# toolchain's clang. A second run only prints the directory.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cache="${VERIFY_PATCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/verify-patch}/fuzz/elfutils"
prefix="$cache/prefix"
pcdir="$prefix/lib/pkgconfig"

version=$(dpkg-query -W -f='${source:Version}' libdw-dev 2>/dev/null || true)
[ -n "$version" ] || { echo "build-fuzz-elfutils: libdw-dev is not installed (scripts/deps.sh)" >&2; exit 1; }
if [ -f "$pcdir/libdw.pc" ] && [ "$(cat "$prefix/VERSION" 2>/dev/null)" = "$version" ]; then
  echo "$pcdir"
  exit 0
fi

clang="$(dirname "$(readlink -f "$(command -v swift)")")/clang"
[ -x "$clang" ] || { echo "build-fuzz-elfutils: no clang next to swift" >&2; exit 1; }
for tool in dpkg-source make m4; do
  command -v "$tool" >/dev/null || { echo "build-fuzz-elfutils: missing $tool" >&2; exit 1; }
done

# The suite of the machine's Debian mirror, as its own apt sources name it.
sources=/etc/apt/sources.list.d/debian.sources
uri=$(awk '/^URIs:/ { print $2; exit }' "$sources" 2>/dev/null || true)
suite=$(awk '/^Suites:/ { print $2; exit }' "$sources" 2>/dev/null || true)
[ -n "$uri" ] && [ -n "$suite" ] || { echo "build-fuzz-elfutils: no Debian source in $sources" >&2; exit 1; }

apt_root="$cache/apt"
mkdir -p "$apt_root/lists/partial" "$apt_root/archives/partial" "$cache/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" \
  > "$apt_root/sources.list"
touch "$apt_root/status"
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_root/sources.list"
  -o "Dir::Etc::SourceParts=-"
  -o "Dir::State::Lists=$apt_root/lists"
  -o "Dir::Cache=$apt_root"
  -o "Dir::State::status=$apt_root/status"
  -o "Debug::NoLocking=1"
  -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" -qq update >&2
rm -rf "$cache/src"
mkdir -p "$cache/src"
(cd "$cache/src" && apt-get "${apt_opts[@]}" -qq source "elfutils=$version" >&2)
tree=$(find "$cache/src" -mindepth 1 -maxdepth 1 -type d -name 'elfutils-*' | head -n 1)

# Configured without instrumentation (configure's link tests build shared objects,
# which an AddressSanitizer build cannot link with -z defs); the static libraries are
# then compiled with it. lld: gold cannot read clang's DWARF 5 line tables.
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address"
flags+=" -Wno-error -Wno-format-nonliteral -Wno-unused-but-set-variable -Wno-unknown-warning-option"
(
  cd "$tree"
  CC="$clang" ./configure --disable-debuginfod --disable-libdebuginfod --disable-nls \
    --without-zstd --without-bzlib --without-lzma \
    CFLAGS="-O1 -g -Wno-error" LDFLAGS="-fuse-ld=lld" >"$cache/configure.log" 2>&1
  jobs=$(nproc)
  make -j"$jobs" -C config all >"$cache/make.log" 2>&1
  make -j"$jobs" -C lib all >>"$cache/make.log" 2>&1
  for target in libelf:libelf.a libebl:libebl.a libdwelf:libdwelf.a libdwfl:libdwfl.a \
                libcpu:libcpu.a backends:libebl_backends.a libdw:libdw.a; do
    make -j"$jobs" -C "${target%%:*}" CFLAGS="$flags" "${target#*:}" >>"$cache/make.log" 2>&1
  done
) || { echo "build-fuzz-elfutils: build failed; see $cache/configure.log and $cache/make.log" >&2; exit 1; }

mkdir -p "$pcdir"
cp "$tree/libdw/libdw.a" "$tree/libelf/libelf.a" "$tree/lib/libeu.a" "$prefix/lib/"
# The headers stay the system's (same version); only the libraries are these.
cat > "$pcdir/libelf.pc" <<EOF
Name: libelf
Description: libelf $version for fuzzing (libFuzzer, AddressSanitizer)
Version: ${version%%-*}
Libs: -L$prefix/lib -lelf -lz
EOF
cat > "$pcdir/libdw.pc" <<EOF
Name: libdw
Description: libdw $version for fuzzing (libFuzzer, AddressSanitizer)
Version: ${version%%-*}
Requires: libelf
Libs: -L$prefix/lib -ldw -leu -lelf -lz -ldl -lpthread
EOF
echo "$version" > "$prefix/VERSION"
echo "$pcdir"
