// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * park_stub.c — test-only stand-in for lib/'s lws_parker_current() /
 * lws_parker_set_current(), linked only while lib/ does not provide them
 * (see lib/coro/coro.mk).  A native thread has no parker here.
 */
#include <stddef.h>

#include "park.h"

__thread struct lws_parker *lws__co_parker __attribute__((tls_model("initial-exec")));

struct lws_parker *lws_parker_current(void)
{
	return lws__co_parker;
}

void lws_parker_set_current(struct lws_parker *p)
{
	lws__co_parker = p;
}
