// SPDX-License-Identifier: GPL-2.0-only
/* The baseline variant: Linux 7.3 as released, the port's own text. */
#define BPORT_VARIANT_NAME bport_baseline
#include "port/variant.h"
