/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Instrumented replacements: kernel checks that stop or taint the kernel are
 * turned into records that the harness keeps per zone and Swift reads back
 * (bport_violation_at). Execution goes on after a record, as after a WARN.
 *
 * port: the _ONCE variants record every time they fire, so a test sees each
 * occurrence rather than only the first one of the process.
 */
#ifndef BPORT_LINUX_INSTRUMENTED_H
#define BPORT_LINUX_INSTRUMENTED_H

#include <stdbool.h>

struct page;

/* Defined in harness.h: appends to the current zone's violation log. */
static void port_violation(const char *check, const char *condition,
			   const char *file, const char *function, int line,
			   const struct page *page);

#define PORT_CHECK(name, cond, page) ({					\
	int port_ret__ = !!(cond);					\
	if (__builtin_expect(port_ret__, 0))				\
		port_violation(name, #cond, __FILE_NAME__, __func__, __LINE__, page);	\
	port_ret__;							\
})

#define VM_BUG_ON(cond)			((void)PORT_CHECK("VM_BUG_ON", cond, NULL))
#define VM_BUG_ON_PAGE(cond, page)	((void)PORT_CHECK("VM_BUG_ON_PAGE", cond, page))
#define VM_WARN_ON(cond)		PORT_CHECK("VM_WARN_ON", cond, NULL)
#define VM_WARN_ON_ONCE(cond)		PORT_CHECK("VM_WARN_ON_ONCE", cond, NULL)
#define VM_WARN_ONCE(cond, ...)		PORT_CHECK("VM_WARN_ONCE", cond, NULL)
#define WARN_ON_ONCE(cond)		PORT_CHECK("WARN_ON_ONCE", cond, NULL)
#define BUILD_BUG_ON(cond)		_Static_assert(!(cond), #cond)

/*
 * bad_page() prints, rate-limits and taints; the port records the reason and
 * keeps the one state change it makes (clearing PageBuddy). See harness.h.
 */
#define bad_page(page, reason)	port_bad_page(page, reason, __FILE_NAME__, __func__, __LINE__)

#endif /* BPORT_LINUX_INSTRUMENTED_H */
