// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * request-reply.c — a client (main) and a server thread, request and reply
 * over two unbuffered channels.
 *
 * lwsw_chan_sendrecv(tx, &out, rx, &in) sends on tx, then receives from rx.
 * The client sends a request and waits for its reply; the server sends a
 * reply and waits for the next request; each in one call.  On the switchto
 * backend (/dev/lwswitch loaded) that call is one system call, which runs
 * the peer on the caller's CPU; without the module the futex backend does
 * the same with futexes.
 *
 * The client closes the request channel when it is done: the server's
 * last sendrecv then returns -ECONNRESET (its reply went out, no request
 * will come), which the server hands back as its thread's result.
 *
 * Every lwsw_* function returns 0 or a negative errno value.  To stay
 * short this program only tells success from failure (exit status 1); the
 * other examples say which call failed and why.
 *
 *	cc request-reply.c $(pkg-config --cflags --libs lwswitch)
 */
#include <errno.h>
#include <stdio.h>
#include <lwswitch.h>

static lwsw_chan_t *req, *rep;		/* unbuffered channels of long */

static void *server(void *arg)
{
	long x, y;
	int rc = lwsw_chan_recv(req, &x);

	(void)arg;
	for (; rc == 0; rc = lwsw_chan_sendrecv(rep, &y, req, &x))
		y = x * x;			/* the reply to request x */
	return (void *)(long)rc;
}

int main(void)
{
	lwsw_thread_t t;
	void *ret;
	long i, y;

	if (lwsw_chan_make(&req, sizeof(long), 0) ||
	    lwsw_chan_make(&rep, sizeof(long), 0) ||
	    lwsw_thread_create(&t, server, NULL))
		return 1;
	for (i = 0; i < 10000; i++)
		if (lwsw_chan_sendrecv(req, &i, rep, &y) || y != i * i)
			return 1;
	if (lwsw_chan_close(req) || lwsw_thread_join(t, &ret) ||
	    (long)ret != -ECONNRESET)
		return 1;
	printf("%s backend: %ld round trips\n", lwsw_backend(), i);
	return lwsw_chan_free(req) || lwsw_chan_free(rep);
}
