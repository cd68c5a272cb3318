/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * offsets.h — internal to lib/coro: the field offsets that the assembly
 * fast path of lws_co_yield() (yield-x86_64.S) uses.  Plain #defines, for
 * the assembler; sched.c checks every one with _Static_assert against the
 * C structs (struct lws_worker, struct lws_co, struct lws_co_hints in
 * coro.h) of the build that uses the assembly (x86-64, no sanitizer).
 */
#ifndef LWS_CORO_OFFSETS_H
#define LWS_CORO_OFFSETS_H

/* struct lws_worker (x86-64, glibc: pthread_mutex_t is 40 bytes) */
#define LWS_W_N			0x38	/* _Atomic unsigned int n */
#define LWS_W_CUR		0x48	/* struct lws_co *cur */
#define LWS_W_LHEAD		0x50	/* struct lws_co *lhead */
#define LWS_W_LTAIL		0x58	/* struct lws_co *ltail */

/* struct lws_co */
#define LWS_CO_SP		0x00	/* void *sp */
#define LWS_CO_NEXT		0x08	/* struct lws_co *next */
#define LWS_CO_PARKER		0x18	/* struct lws_parker parker */
#define LWS_CO_IDX		0x30	/* uint32_t idx */

/* struct lws_co_hints (lws__co_hints) */
#define LWS_HINTS_DEADLINE	0x00	/* _Atomic int64_t next_deadline */
#define LWS_HINTS_BUSY		0x08	/* _Atomic int busy */

#endif /* LWS_CORO_OFFSETS_H */
