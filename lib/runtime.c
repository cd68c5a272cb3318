// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * runtime.c — backend choice, thread parkers, threads, statistics.
 *
 * A *thread parker* (park.h) is a binary token word in the thread's TLS:
 *
 *   EMPTY  no token, the owner is running;
 *   TOKEN  an unpark is pending (the owner's next park returns at once);
 *   SLEEP  the owner is blocked in the kernel, or about to be.
 *
 *   unpark: old = xchg(state, TOKEN) (release); only when old == SLEEP is
 *           the kernel asked to wake the owner (FUTEX_WAKE or
 *           LWSWITCH_IOC_WAKE).  An unpark of a running thread is one
 *           atomic instruction.
 *   park:   TOKEN -> EMPTY (acquire) returns; otherwise EMPTY -> SLEEP and
 *           block in the kernel until the word leaves SLEEP; a deadline
 *           that passes turns SLEEP -> EMPTY and reports -ETIMEDOUT, unless
 *           a token won the race (then the token is consumed and 0
 *           returned: the unpark is never lost).
 *
 * The word lives in user space on both backends.  It makes the
 * happens-before edge of a hand-off visible (to the C memory model and to
 * ThreadSanitizer, which knows nothing of futexes or ioctls), skips system
 * calls when the peer is not asleep, and makes the kernel's token a hint:
 * a stray kernel resume (a handle reused after its thread exited, a WAKE
 * that arrives after the owner already saw the user-space token) only
 * costs one more trip round the loop, so park never returns spuriously.
 *
 * Two backends, two ops tables.  The switchto handoff uses
 * LWSWITCH_IOC_SWITCHTO only when the target is a switchto thread parker
 * too (compared by ops pointer) and is asleep; anything else is unpark +
 * park.  A coroutine parker (lib/coro/) has its own ops.
 *
 * Each thread's unparker reads the target's handle before it publishes the
 * token: after the xchg the target may return, exit and free its TLS, and
 * the unparker touches the target only through a system call (a futex
 * wake of freed memory, or a WAKE of an unregistered handle, is harmless:
 * at worst a spurious kernel wake-up, which every loop here absorbs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/lwswitch.h>

#include "internal.h"

enum { S_EMPTY = 0, S_TOKEN = 1, S_SLEEP = 2 };
enum { BK_FUTEX = 1, BK_SWITCHTO = 2 };

struct lwsw_tstate {
	struct lwsw_parker parker;	/* ops: futex_ops or switchto_ops */
	uint32_t state;			/* S_*, atomic */
	uint32_t handle;		/* switchto: our handle in the domain */
	int fd;				/* switchto: the domain we joined */
	int setup;			/* lwsw__thread_setup() done */
	int registered;			/* member of the domain at @fd */
	int reg_err;			/* registration's -errno */
	uint64_t rng;
	struct lwsw_stats stats;
};

static __thread struct lwsw_tstate tls;

/* Process state, chosen once by lwsw_init() (again in a forked child). */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_ready;		/* atomic: the fields below are set */
static int g_backend = BK_FUTEX;
static int g_fd = -1;
static int g_init_rc;
static pthread_key_t g_key;
static int g_key_made;

void lwsw__fatal(const char *what, int err)
{
	fprintf(stderr, "liblwswitch: fatal: %s: %s\n", what, strerror(err < 0 ? -err : err));
	abort();
}

struct lwsw_stats *lwsw__stats(void)
{
	return &tls.stats;
}

/* ------------------------------------------------------------------ */
/* Kernel calls                                                        */
/* ------------------------------------------------------------------ */

static int futex_wait(uint32_t *addr, uint32_t val, int64_t deadline)
{
	struct timespec ts, *tsp = NULL;
	int saved = errno, rc = 0;

	if (deadline >= 0) {
		ts.tv_sec = deadline / LWSW_NSEC_PER_SEC;
		ts.tv_nsec = deadline % LWSW_NSEC_PER_SEC;
		tsp = &ts;
	}
	tls.stats.sys_futex_wait++;
	/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC time. */
	if (syscall(SYS_futex, addr, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, val,
		    tsp, NULL, FUTEX_BITSET_MATCH_ANY) < 0)
		rc = -errno;
	errno = saved;
	return rc;
}

static void futex_wake(uint32_t *addr)
{
	int saved = errno;

	tls.stats.sys_futex_wake++;
	syscall(SYS_futex, addr, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
	errno = saved;
}

static int hop(int fd, unsigned long cmd, uint32_t target, int64_t deadline)
{
	struct lwswitch_hop h;
	int saved = errno, rc = 0;

	memset(&h, 0, sizeof(h));
	h.target = target;
	if (deadline >= 0) {
		h.flags = LWSWITCH_HOP_ABSTIME;
		h.timeout_ns = (uint64_t)deadline;
	}
	if (ioctl(fd, cmd, &h) < 0)
		rc = -errno;
	errno = saved;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Thread parkers                                                      */
/* ------------------------------------------------------------------ */

static inline struct lwsw_tstate *tstate_of(struct lwsw_parker *p)
{
	return (struct lwsw_tstate *)p->impl;
}

/* Block in the kernel while our word is S_SLEEP. 0, -EINTR, -EAGAIN (the
 * word changed first) and stray wake-ups all mean "look again". */
static int kernel_wait(struct lwsw_tstate *t, int64_t deadline)
{
	int rc;

	if (t->registered) {	/* switchto */
		tls.stats.sys_wait++;
		rc = hop(t->fd, LWSWITCH_IOC_WAIT, 0, deadline);
		if (rc && rc != -EINTR && rc != -ETIMEDOUT)
			lwsw__fatal("LWSWITCH_IOC_WAIT", rc);
	} else {
		rc = futex_wait(&t->state, S_SLEEP, deadline);
		if (rc && rc != -EINTR && rc != -EAGAIN && rc != -ETIMEDOUT)
			lwsw__fatal("FUTEX_WAIT", rc);
	}
	return rc;
}

/* The park loop; our word may be in any state on entry (S_SLEEP after a
 * SWITCHTO). */
static int tp_wait(struct lwsw_tstate *t, int64_t deadline)
{
	for (;;) {
		uint32_t s = __atomic_load_n(&t->state, __ATOMIC_ACQUIRE);
		int rc;

		if (s == S_TOKEN) {
			if (__atomic_compare_exchange_n(&t->state, &s, S_EMPTY, 0,
							__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
				return 0;
			continue;
		}
		if (s == S_EMPTY &&
		    !__atomic_compare_exchange_n(&t->state, &s, S_SLEEP, 0,
						 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			continue;	/* a token came */
		if (deadline >= 0 && lwsw__now() >= deadline)
			rc = -ETIMEDOUT;
		else
			rc = kernel_wait(t, deadline);
		if (rc == -ETIMEDOUT) {
			s = S_SLEEP;
			if (__atomic_compare_exchange_n(&t->state, &s, S_EMPTY, 0,
							__ATOMIC_RELAXED, __ATOMIC_RELAXED))
				return -ETIMEDOUT;
			/* a token won the race: take it */
		}
	}
}

static int tp_park(struct lwsw_parker *self, int64_t deadline)
{
	return tp_wait(tstate_of(self), deadline);
}

static void futex_unpark(struct lwsw_parker *p)
{
	struct lwsw_tstate *t = tstate_of(p);

	if (__atomic_exchange_n(&t->state, S_TOKEN, __ATOMIC_RELEASE) == S_SLEEP)
		futex_wake(&t->state);
}

static void switchto_unpark(struct lwsw_parker *p)
{
	struct lwsw_tstate *t = tstate_of(p);
	uint32_t handle = t->handle;
	int fd = t->fd, rc;

	/*
	 * Only members may WAKE, and the caller may be a thread that never
	 * used a channel itself (a coroutine worker, say).  Join before the
	 * token is published: once it is, the target may return, exit and
	 * give its handle back, and a registration made after that could be
	 * handed the very same handle — a WAKE of ourselves (-EINVAL).
	 */
	rc = lwsw__thread_setup();
	if (rc)
		lwsw__fatal("cannot join the lwswitch domain to wake a thread", rc);
	if (__atomic_exchange_n(&t->state, S_TOKEN, __ATOMIC_RELEASE) != S_SLEEP)
		return;
	tls.stats.sys_wake++;
	rc = hop(fd, LWSWITCH_IOC_WAKE, handle, -1);
	if (rc && rc != -ESRCH)		/* -ESRCH: it has gone already */
		lwsw__fatal("LWSWITCH_IOC_WAKE", rc);
}

static const struct lwsw_parker_ops futex_ops = {
	.park = tp_park,
	.unpark = futex_unpark,
	.handoff = NULL,	/* a futex cannot do better than wake + wait */
};

static int switchto_handoff(struct lwsw_parker *self, struct lwsw_parker *target,
			    int64_t deadline);

static const struct lwsw_parker_ops switchto_ops = {
	.park = tp_park,
	.unpark = switchto_unpark,
	.handoff = switchto_handoff,
};

/*
 * Wake @target and block, as one LWSWITCH_IOC_SWITCHTO when @target is a
 * sleeping switchto thread parker.  Our word goes to S_SLEEP first, so a
 * resume that comes while we are still on our way into the kernel is a
 * token the kernel keeps for us (the module's park/unpark semantics).
 */
static int switchto_handoff(struct lwsw_parker *self, struct lwsw_parker *target,
			    int64_t deadline)
{
	struct lwsw_tstate *me = tstate_of(self), *t;
	uint32_t s = S_EMPTY, handle;
	int rc;

	if (target->ops != &switchto_ops || target == self ||
	    (deadline >= 0 && lwsw__now() >= deadline)) {
		lwsw_unpark(target);
		return tp_wait(me, deadline);
	}
	t = tstate_of(target);
	handle = t->handle;
	if (t->fd != me->fd ||
	    !__atomic_compare_exchange_n(&me->state, &s, S_SLEEP, 0,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		/* another domain (after fork), or we hold a token already:
		 * nothing to gain from SWITCHTO */
		lwsw_unpark(target);
		return tp_wait(me, deadline);
	}
	if (__atomic_exchange_n(&t->state, S_TOKEN, __ATOMIC_RELEASE) != S_SLEEP)
		return tp_wait(me, deadline);	/* it is running: it sees the token */

	tls.stats.sys_switchto++;
	rc = hop(me->fd, LWSWITCH_IOC_SWITCHTO, handle, deadline);
	switch (rc) {
	case 0:
	case -EINTR:		/* resume delivered; go on with WAIT */
	case -ETIMEDOUT:	/* (tp_wait sees the passed deadline) */
	case -EOWNERDEAD:
		break;
	case -ESRCH:		/* the target has gone: nothing to wake */
		break;
	default:		/* not delivered: deliver it another way */
		tls.stats.sys_wake++;
		rc = hop(me->fd, LWSWITCH_IOC_WAKE, handle, -1);
		if (rc && rc != -ESRCH)
			lwsw__fatal("LWSWITCH_IOC_SWITCHTO/WAKE", rc);
	}
	return tp_wait(me, deadline);
}

/* ------------------------------------------------------------------ */
/* Backend choice, thread set-up                                       */
/* ------------------------------------------------------------------ */

static void tstate_exit(void *p)
{
	struct lwsw_tstate *t = p;
	struct lwswitch_register r;

	if (t->registered) {
		memset(&r, 0, sizeof(r));
		ioctl(t->fd, LWSWITCH_IOC_UNREGISTER, &r);
		t->registered = 0;
	}
	t->setup = 0;
}

static void atfork_prepare(void)
{
	pthread_mutex_lock(&g_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&g_lock);
}

/* The child is not a member of the parent's domain, and must not share it:
 * it opens its own on its next call. */
static void atfork_child(void)
{
	pthread_mutex_init(&g_lock, NULL);
	if (g_fd >= 0)
		close(g_fd);
	g_fd = -1;
	g_backend = BK_FUTEX;
	__atomic_store_n(&g_ready, 0, __ATOMIC_RELEASE);
	tls.setup = 0;
	tls.registered = 0;
}

/* The module's features the library needs: its deadlines are absolute
 * (LWSWITCH_HOP_ABSTIME).  -EOWNERDEAD is handled where a module has it. */
#define LWSW_NEEDED_FEATURES	LWSWITCH_FEAT_TIMEOUT

static int open_module(void)
{
	struct lwswitch_info info;
	int fd, rc;

	fd = open("/dev/" LWSWITCH_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, LWSWITCH_IOC_INFO, &info) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	/* Any module that serves version 1's commands and has the features
	 * the library builds on: a newer one keeps version 1's commands and
	 * announces what it adds in features. */
	if (info.version < 1 ||
	    (info.features & LWSW_NEEDED_FEATURES) != LWSW_NEEDED_FEATURES) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

LWSW_EXPORT int lwsw_init(void)
{
	const char *env;
	int saved, rc = 0, want;

	if (caa_likely(__atomic_load_n(&g_ready, __ATOMIC_ACQUIRE)))
		return g_init_rc;
	saved = errno;
	pthread_mutex_lock(&g_lock);
	if (g_ready)
		goto out;
	if (!g_key_made) {
		if (pthread_key_create(&g_key, tstate_exit) == 0)
			g_key_made = 1;
		pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	}
	env = getenv("LWSW_BACKEND");
	want = 0;			/* automatic */
	if (env && *env) {
		if (!strcmp(env, "futex"))
			want = BK_FUTEX;
		else if (!strcmp(env, "switchto"))
			want = BK_SWITCHTO;
		else
			rc = -EINVAL;
	}
	g_backend = BK_FUTEX;
	if (want != BK_FUTEX) {
		int fd = open_module();

		if (fd >= 0) {
			g_fd = fd;
			g_backend = BK_SWITCHTO;
		} else if (want == BK_SWITCHTO) {
			rc = fd;
		}
	}
	g_init_rc = rc;
	__atomic_store_n(&g_ready, 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&g_lock);
	errno = saved;
	return g_init_rc;
}

LWSW_EXPORT const char *lwsw_backend(void)
{
	lwsw_init();
	return g_backend == BK_SWITCHTO ? "switchto" : "futex";
}

int lwsw__thread_setup(void)
{
	struct lwsw_tstate *t = &tls;
	struct lwswitch_register r;

	if (caa_likely(t->setup))
		return t->reg_err;
	lwsw_init();
	t->parker.impl = t;
	t->parker.ops = &futex_ops;
	t->reg_err = 0;
	t->fd = -1;
	if (g_backend == BK_SWITCHTO) {
		memset(&r, 0, sizeof(r));
		if (ioctl(g_fd, LWSWITCH_IOC_REGISTER, &r) == 0) {
			t->fd = g_fd;
			t->handle = r.handle;
			t->registered = 1;
			t->parker.ops = &switchto_ops;
		} else {
			t->reg_err = -errno;
		}
	}
	if (g_key_made)
		pthread_setspecific(g_key, t);
	t->setup = 1;
	return t->reg_err;
}

/*
 * The running coroutine's parker, or NULL: a TLS word of its own that the
 * coroutine core also stores to directly, inline, when it switches from
 * one coroutine to another (lib/coro/coro.h).  Initial-exec: no
 * __tls_get_addr() call on that path.
 */
__thread struct lwsw_parker *lwsw__co_parker __attribute__((tls_model("initial-exec")));

struct lwsw_parker *lwsw_parker_current(void)
{
	if (lwsw__co_parker)
		return lwsw__co_parker;
	lwsw__thread_setup();
	return &tls.parker;
}

void lwsw_parker_set_current(struct lwsw_parker *p)
{
	lwsw__co_parker = p;
}

uint32_t lwsw__rand(uint32_t n)
{
	uint64_t x = tls.rng;

	if (caa_unlikely(!x))
		x = (uint64_t)(uintptr_t)&tls ^ (uint64_t)lwsw__now() ^ 0x9e3779b97f4a7c15ULL;
	/* xorshift64*; the high 32 bits, scaled without modulo bias
	 * worth mentioning for n <= 65536 (Lemire's multiply-shift). */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	tls.rng = x;
	return (uint32_t)(((x * 0x2545F4914F6CDD1DULL) >> 32) * (uint64_t)n >> 32);
}

/* ------------------------------------------------------------------ */
/* Threads, statistics                                                 */
/* ------------------------------------------------------------------ */

struct tstart {
	void *(*fn)(void *);
	void *arg;
};

static void *trampoline(void *p)
{
	struct tstart s = *(struct tstart *)p;

	free(p);
	lwsw__thread_setup();
	return s.fn(s.arg);
}

LWSW_EXPORT int lwsw_thread_create(lwsw_thread_t *t, void *(*fn)(void *), void *arg)
{
	struct tstart *s;
	int rc;

	if (!t || !fn)
		return -EINVAL;
	lwsw_init();
	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fn = fn;
	s->arg = arg;
	rc = pthread_create(t, NULL, trampoline, s);
	if (rc) {
		free(s);
		return -rc;
	}
	return 0;
}

LWSW_EXPORT int lwsw_thread_join(lwsw_thread_t t, void **ret)
{
	return -pthread_join(t, ret);
}

LWSW_EXPORT int lwsw_stats_get(struct lwsw_stats *st)
{
	if (!st)
		return -EINVAL;
	*st = tls.stats;
	return 0;
}

LWSW_EXPORT void lwsw_stats_reset(void)
{
	memset(&tls.stats, 0, sizeof(tls.stats));
}
