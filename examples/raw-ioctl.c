// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * raw-ioctl.c — /dev/lwswitch without the library: what liblwswitch's
 * switchto backend does underneath.
 *
 *  1. open() the device: that creates a switch domain, private to this
 *     open file description (and whoever it is passed to on purpose).
 *  2. LWSWITCH_IOC_INFO: the module's API version, where SWITCHTO places
 *     its target, features and limits.
 *  3. Two threads LWSWITCH_IOC_REGISTER: each becomes a member of the
 *     domain and gets a handle, which names it to the other members.
 *  4. A ping-pong: LWSWITCH_IOC_SWITCHTO(peer) resumes the peer, on the
 *     caller's CPU, and blocks the caller until something resumes it: one
 *     system call per hop.
 *  5. LWSWITCH_IOC_UNREGISTER, and close().
 *
 * Each member has one resume token: a resume sent to a member that is not
 * blocked yet is kept, and its next wait returns at once, so no resume is
 * lost.  main's first SWITCHTO may well come before the peer waits.
 *
 * ioctl() returns -1 with errno set.  When SWITCHTO fails with EINTR,
 * ETIMEDOUT or EOWNERDEAD the resume was delivered all the same: never
 * repeat the SWITCHTO, wait with LWSWITCH_IOC_WAIT (see hop() below).
 *
 * Without the module (no /dev/lwswitch) the program says so and exits with
 * status 77, which test drivers (Automake's, Meson's) count as "skipped".
 * Every other failure is status 1.
 *
 *	cc -pthread -I<lwswitch source tree>/include/uapi raw-ioctl.c
 * (the UAPI header alone; no library is needed)
 */
#define _GNU_SOURCE				/* sched_getcpu() */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/lwswitch.h>

#define ROUNDS		10
#define EXIT_SKIP	77
#define PATIENCE_NS	10000000000ULL		/* 10 s: give up on a peer */

/* A thread's result: 0 or a negative errno value, carried as a pointer. */
#define RESULT(rc)	((void *)(intptr_t)(rc))

static int fd;					/* the domain */
static __u32 main_handle, peer_handle;
static pthread_barrier_t registered;		/* both threads are members */
/*
 * What the two threads pass back and forth.  The module's header promises
 * no memory ordering, so what the threads share is atomic.
 */
static atomic_long ball;
static atomic_int main_cpu;
static int same_cpu;			/* wake-ups onto the waker's CPU */

static int fail(const char *what, int err)
{
	fprintf(stderr, "raw-ioctl: %s: %s\n", what, strerror(-err));
	return 1;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);	/* cannot fail for this clock */
	return (__u64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * One hop: @cmd is LWSWITCH_IOC_SWITCHTO (resume @target, then wait) or
 * LWSWITCH_IOC_WAIT (@target 0: only wait), for at most PATIENCE_NS.  The
 * limit is an absolute CLOCK_MONOTONIC deadline, so that a wait repeated
 * after a signal keeps it.  Returns 0 once resumed, or -errno.
 */
static int hop(unsigned long cmd, __u32 target)
{
	struct lwswitch_hop h = {
		.target = target,
		.flags = LWSWITCH_HOP_ABSTIME,
		.timeout_ns = now_ns() + PATIENCE_NS,
	};

	if (ioctl(fd, cmd, &h) == 0)
		return 0;
	/*
	 * EINTR: a signal handler ran.  A SWITCHTO has delivered its resume
	 * by then: go on waiting, never switch again (WAIT wants target 0).
	 */
	while (errno == EINTR) {
		h.target = 0;
		if (ioctl(fd, LWSWITCH_IOC_WAIT, &h) == 0)
			return 0;
	}
	return -errno;
}

static void *peer(void *arg)
{
	struct lwswitch_register reg = { 0 };	/* in: all zero */
	int rc = 0, b;

	(void)arg;
	if (ioctl(fd, LWSWITCH_IOC_REGISTER, &reg))
		rc = -errno;
	else
		peer_handle = reg.handle;
	/* Registered or not, let main go on (peer_handle 0: failed). */
	b = pthread_barrier_wait(&registered);
	if (b && b != PTHREAD_BARRIER_SERIAL_THREAD)
		return RESULT(-b);
	if (rc)
		return RESULT(rc);

	/* Wait for the first ping; then each SWITCHTO pongs and waits. */
	rc = hop(LWSWITCH_IOC_WAIT, 0);
	for (long i = 1; rc == 0; i++) {
		if (atomic_load(&ball) != i) {
			rc = -EPROTO;		/* not the ping we expect */
			break;
		}
		if (sched_getcpu() == atomic_load(&main_cpu))
			same_cpu++;
		atomic_store(&ball, -i);		/* the pong */
		if (i == ROUNDS)
			break;
		rc = hop(LWSWITCH_IOC_SWITCHTO, main_handle);
	}
	/* The last pong: resume main without waiting (WAKE), then leave. */
	if (rc == 0) {
		struct lwswitch_hop h = { .target = main_handle };

		if (ioctl(fd, LWSWITCH_IOC_WAKE, &h))
			rc = -errno;
	}
	/*
	 * UNREGISTER wants every field 0, @handle too: a fresh struct, not
	 * the one REGISTER filled in (that one is -EINVAL).
	 */
	reg = (struct lwswitch_register){ 0 };
	if (ioctl(fd, LWSWITCH_IOC_UNREGISTER, &reg) && rc == 0)
		rc = -errno;
	return RESULT(rc);
}

static const char *placement_name(__u32 p)
{
	switch (p) {
	case LWSWITCH_PLACE_WAKE:
		return "plain wake-up (the scheduler picks the CPU)";
	case LWSWITCH_PLACE_CURRENT_CPU:
		return "the caller's CPU (WF_CURRENT_CPU wake flag)";
	case LWSWITCH_PLACE_FTRACE:
		return "the caller's CPU (ftrace hook on the wake-up)";
	default:
		return "unknown to this program";
	}
}

int main(void)
{
	struct lwswitch_info info = { 0 };	/* in: all zero */
	struct lwswitch_register reg = { 0 };
	pthread_t t;
	void *ret;
	int rc;

	fd = open("/dev/lwswitch", O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		/* Not an error: there is nothing to show.  77: skipped. */
		printf("raw-ioctl: no /dev/lwswitch: load the module; skipped\n");
		return EXIT_SKIP;
	}
	if (fd < 0) {
		/* EACCES: see README, "Who may use the device". */
		return fail("open /dev/lwswitch", -errno);
	}

	if (ioctl(fd, LWSWITCH_IOC_INFO, &info))
		return fail("LWSWITCH_IOC_INFO", -errno);
	printf("API version %u (this program's: %d)\n", info.version,
	       LWSWITCH_API_VERSION);
	printf("SWITCHTO places its target on: %s\n",
	       placement_name(info.placement));
	printf("features:%s%s%s%s\n",
	       info.features & LWSWITCH_FEAT_TIMEOUT ? " timeout" : "",
	       info.features & LWSWITCH_FEAT_LOOKUP_TID ? " lookup-tid" : "",
	       info.features & LWSWITCH_FEAT_OWNER_DEAD ? " owner-dead" : "",
	       info.features & LWSWITCH_FEAT_HANDOFF_YIELD ?
	       " handoff-yield" : " handoff-block");
	printf("limits: %u domains, %u members each; per user %u domains, %u members\n",
	       info.max_domains, info.max_members, info.max_user_domains,
	       info.max_user_members);
	if (info.version != LWSWITCH_API_VERSION)
		return fail("the module's API version", -EPROTO);
	if (!(info.features & LWSWITCH_FEAT_TIMEOUT))
		return fail("the module has no timeouts", -EOPNOTSUPP);

	if (ioctl(fd, LWSWITCH_IOC_REGISTER, &reg))
		return fail("LWSWITCH_IOC_REGISTER", -errno);
	main_handle = reg.handle;
	rc = pthread_barrier_init(&registered, NULL, 2);
	if (rc)
		return fail("pthread_barrier_init", -rc);
	rc = pthread_create(&t, NULL, peer, NULL);
	if (rc)
		return fail("pthread_create", -rc);
	rc = pthread_barrier_wait(&registered);
	if (rc && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		return fail("pthread_barrier_wait", -rc);
	if (!peer_handle) {
		/* The peer could not register: its result says why. */
		rc = pthread_join(t, &ret);
		return fail("the peer", rc ? -rc : (int)(intptr_t)ret);
	}
	printf("handles: %u (this thread) and %u (the peer)\n", main_handle,
	       peer_handle);

	for (long i = 1; i <= ROUNDS; i++) {
		int cpu = sched_getcpu();

		if (cpu < 0)
			return fail("sched_getcpu", -errno);
		atomic_store(&main_cpu, cpu);
		atomic_store(&ball, i);			/* the ping */
		rc = hop(LWSWITCH_IOC_SWITCHTO, peer_handle);
		if (rc)
			return fail("LWSWITCH_IOC_SWITCHTO", rc);
		if (atomic_load(&ball) != -i) {
			fprintf(stderr, "raw-ioctl: round %ld: pong %ld\n", i,
				atomic_load(&ball));
			return 1;
		}
	}

	rc = pthread_join(t, &ret);
	if (rc)
		return fail("pthread_join", -rc);
	if (ret)
		return fail("the peer", (int)(intptr_t)ret);
	rc = pthread_barrier_destroy(&registered);
	if (rc)
		return fail("pthread_barrier_destroy", -rc);
	reg = (struct lwswitch_register){ 0 };
	if (ioctl(fd, LWSWITCH_IOC_UNREGISTER, &reg))
		return fail("LWSWITCH_IOC_UNREGISTER", -errno);
	if (close(fd))
		return fail("close", -errno);

	printf("%d round trips, %d SWITCHTO calls\n", ROUNDS, 2 * ROUNDS - 1);
	printf("the peer ran on its waker's CPU %d times out of %d\n",
	       same_cpu, ROUNDS);
	return 0;
}
