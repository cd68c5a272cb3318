/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * offsets.h — internal to lib/coro: the field offsets that the assembly
 * fast path of lwsw_co_yield() (yield-x86_64.S) uses.  Plain #defines, for
 * the assembler; sched.c checks every one with _Static_assert against the
 * C structs (struct lwsw_worker, struct lwsw_co, struct lwsw_co_hints in
 * coro.h) of the build that uses the assembly (x86-64, no sanitizer).
 */
#ifndef LWSW_CORO_OFFSETS_H
#define LWSW_CORO_OFFSETS_H

/* struct lwsw_worker (x86-64, glibc: pthread_mutex_t is 40 bytes) */
#define LWSW_W_N			0x38	/* _Atomic unsigned int n */
#define LWSW_W_CUR		0x48	/* struct lwsw_co *cur */
#define LWSW_W_LHEAD		0x50	/* struct lwsw_co *lhead */
#define LWSW_W_LTAIL		0x58	/* struct lwsw_co *ltail */

/* struct lwsw_co */
#define LWSW_CO_SP		0x00	/* void *sp */
#define LWSW_CO_NEXT		0x08	/* struct lwsw_co *next */
#define LWSW_CO_PARKER		0x18	/* struct lwsw_parker parker */
#define LWSW_CO_IDX		0x30	/* uint32_t idx */

/* struct lwsw_co_hints (lwsw__co_hints) */
#define LWSW_HINTS_DEADLINE	0x00	/* _Atomic int64_t next_deadline */
#define LWSW_HINTS_BUSY		0x08	/* _Atomic int busy */

#endif /* LWSW_CORO_OFFSETS_H */
