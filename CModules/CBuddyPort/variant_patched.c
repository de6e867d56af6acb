// SPDX-License-Identifier: GPL-2.0-only
/* The patched variant: Linux 7.3 with the seed patch's six hunks. */
#define BPORT_SEED_PATCH 1
#define BPORT_VARIANT_NAME bport_patched
#include "port/variant.h"
