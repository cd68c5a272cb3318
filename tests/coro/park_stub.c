// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * park_stub.c — test-only stand-in for lib/'s lwsw_parker_current() /
 * lwsw_parker_set_current(), linked only while lib/ does not provide them
 * (see lib/coro/coro.mk).  A native thread has no parker here.
 */
#include <stddef.h>

#include "park.h"

__thread struct lwsw_parker *lwsw__co_parker __attribute__((tls_model("initial-exec")));

struct lwsw_parker *lwsw_parker_current(void)
{
	return lwsw__co_parker;
}

void lwsw_parker_set_current(struct lwsw_parker *p)
{
	lwsw__co_parker = p;
}

/* Without lib/, a thread needs no set-up to wake or to be woken. */
int lwsw__thread_setup(void)
{
	return 0;
}
