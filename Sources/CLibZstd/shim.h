// SPDX-License-Identifier: GPL-2.0-only
// libzstd, and the anonymous in-memory file an object with zstd-compressed debug
// sections is inflated into (memfd_create needs _GNU_SOURCE, which Swift's Glibc
// module does not set).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/mman.h>
#include <zstd.h>

static inline int CLibZstd_memfd(const char *name) {
    return memfd_create(name, MFD_CLOEXEC);
}
