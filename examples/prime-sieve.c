// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * prime-sieve.c — the concurrent prime sieve, one native thread per prime.
 *
 * A generator thread sends 2, 3, 4, ... into a channel.  The first number
 * out of it, 2, is prime: main prints it and puts a filter thread behind
 * that channel, which passes on, into a new channel, every number that 2
 * does not divide.  The first number out of the new channel, 3, is the
 * next prime; it gets a filter of its own, and so on.  After N primes the
 * chain is the generator and N - 1 filters, each a thread, linked by
 * unbuffered channels; every number travels down it until a prime divides
 * it or it reaches main as the next prime.
 *
 *	generator --2,3,4,5..--> [2] --3,5,7,9..--> [3] --5,7,11..--> main
 *
 * Stopping the chain: main closes the channel it reads from.  In Go a
 * send on a closed channel panics, so only senders close channels; here
 * the send fails with -EPIPE, so a receiver may close its channel to tell
 * the sender to stop.  A filter whose send fails closes its own input in
 * turn and returns: the close travels up the chain to the generator, and
 * main joins every thread.
 *
 * Every prime is checked against trial division; any mismatch or failed
 * call ends the program with status 1.
 *
 *	cc prime-sieve.c $(pkg-config --cflags --libs lwswitch)
 *	./a.out [N]		(the first N primes, default 20)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lwswitch.h>

#define MAX_PRIMES	10000		/* a thread per prime */

/* A thread's result: 0 or a negative errno value, carried as a pointer. */
#define RESULT(rc)	((void *)(intptr_t)(rc))

/* One link of the chain. */
struct filter {
	long prime;
	lwsw_chan_t *in;			/* numbers from upstream */
	lwsw_chan_t *out;			/* those not divisible by it */
};

static int fail(const char *what, int err)
{
	fprintf(stderr, "prime-sieve: %s: %s\n", what, strerror(-err));
	return 1;
}

/* 2, 3, 4, ... into @arg until nobody receives any more. */
static void *generate(void *arg)
{
	lwsw_chan_t *out = arg;
	int rc;

	for (long v = 2;; v++) {
		rc = lwsw_chan_send(out, &v);
		if (rc)
			/* -EPIPE: main or the first filter closed @out. */
			return RESULT(rc == -EPIPE ? 0 : rc);
	}
}

static void *filter(void *arg)
{
	struct filter *f = arg;
	long v;
	int rc;

	while ((rc = lwsw_chan_recv(f->in, &v)) == 0) {
		if (v % f->prime == 0)
			continue;
		rc = lwsw_chan_send(f->out, &v);
		if (rc == -EPIPE)
			/* Downstream is done: tell upstream, and stop. */
			return RESULT(lwsw_chan_close(f->in));
		if (rc)
			break;
	}
	/* Only this filter closes its input: any error here is a bug. */
	return RESULT(rc);
}

/* The reference: the smallest prime above @p, by trial division. */
static long next_prime(long p)
{
	for (long v = p + 1;; v++) {
		long d = 2;

		while (d * d <= v && v % d)
			d++;
		if (d * d > v)
			return v;
	}
}

int main(int argc, char **argv)
{
	lwsw_chan_t **ch;	/* ch[i]: where prime number i comes from */
	struct filter *f;	/* f[i] reads ch[i], writes ch[i + 1] */
	lwsw_thread_t *t;	/* t[0]: the generator; t[i]: f[i - 1] */
	long n = 20, prime = 1;
	char *end;
	int i, rc;

	if (argc == 2)
		n = strtol(argv[1], &end, 10);
	if (argc > 2 || (argc == 2 && (end == argv[1] || *end)) ||
	    n < 1 || n > MAX_PRIMES) {
		fprintf(stderr, "usage: %s [N]  (1 <= N <= %d, default 20)\n",
			argv[0], MAX_PRIMES);
		return 2;
	}
	ch = calloc(n, sizeof(*ch));
	f = calloc(n, sizeof(*f));
	t = calloc(n, sizeof(*t));
	if (!ch || !f || !t)
		return fail("calloc", -ENOMEM);

	rc = lwsw_chan_make(&ch[0], sizeof(long), 0);
	if (rc)
		return fail("lwsw_chan_make", rc);
	rc = lwsw_thread_create(&t[0], generate, ch[0]);
	if (rc)
		return fail("lwsw_thread_create", rc);

	printf("the first %ld primes (%s backend):", n, lwsw_backend());
	for (i = 0; i < n; i++) {
		long want = next_prime(prime);

		rc = lwsw_chan_recv(ch[i], &prime);
		if (rc)
			return fail("lwsw_chan_recv", rc);
		if (prime != want) {
			fprintf(stderr, "\nprime-sieve: got %ld, want %ld\n",
				prime, want);
			return 1;
		}
		printf(" %ld", prime);
		if (i == n - 1)
			break;
		/* A filter for this prime: ch[i] in, a new ch[i + 1] out. */
		rc = lwsw_chan_make(&ch[i + 1], sizeof(long), 0);
		if (rc)
			return fail("lwsw_chan_make", rc);
		f[i] = (struct filter){
			.prime = prime, .in = ch[i], .out = ch[i + 1],
		};
		rc = lwsw_thread_create(&t[i + 1], filter, &f[i]);
		if (rc)
			return fail("lwsw_thread_create", rc);
	}
	printf("\n");

	/* Shut the chain down from its end, then wait for every thread. */
	rc = lwsw_chan_close(ch[n - 1]);
	if (rc)
		return fail("lwsw_chan_close", rc);
	for (i = 0; i < n; i++) {
		void *ret;

		rc = lwsw_thread_join(t[i], &ret);
		if (rc)
			return fail("lwsw_thread_join", rc);
		if (ret)
			return fail(i ? "a filter" : "the generator",
				    (int)(intptr_t)ret);
	}
	/* No thread is left: the channels can go. */
	for (i = 0; i < n; i++) {
		rc = lwsw_chan_free(ch[i]);
		if (rc)
			return fail("lwsw_chan_free", rc);
	}
	free(ch);
	free(f);
	free(t);
	return 0;
}
