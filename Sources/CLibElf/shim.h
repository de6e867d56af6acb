// SPDX-License-Identifier: GPL-2.0-only
#include <gelf.h>
#include <libelf.h>
