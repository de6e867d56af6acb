// SPDX-License-Identifier: GPL-2.0-only
//
// C declarations the fuzz targets need that Swift's Glibc module does not offer.

#ifndef CFUZZSUPPORT_H
#define CFUZZSUPPORT_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver, for a fuzz target that keeps its own main (SwiftPM names an
// executable's entry point itself, so libFuzzer's main cannot be used). The symbol
// exists only when the program is linked with -sanitize=fuzzer; call it only then.
int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*test_one_input)(const uint8_t *data, size_t size));

// glibc 2.27 and later (<sys/mman.h> with _GNU_SOURCE): an anonymous file in memory.
int memfd_create(const char *name, unsigned int flags);

#endif
