// SPDX-License-Identifier: GPL-2.0-only
//
// No code: the module only declares functions that the fuzzer runtime and the C
// library provide (include/CFuzzSupport.h).

#include "CFuzzSupport.h"
