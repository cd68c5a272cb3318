/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the module's tests: thin ioctl wrappers that return
 * -errno (0 on success), the debugfs counters, thread ids.
 */
#ifndef LWSW_KMOD_TEST_H
#define LWSW_KMOD_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/lwswitch.h>

#define LWSW_DEV		"/dev/lwswitch"
#define LWSW_STATS	"/sys/kernel/debug/lwswitch/stats"
#define LWSW_PARAM(p)	"/sys/module/lwswitch/parameters/" p

static inline int lwsw_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static inline int lwsw_open(void)
{
	int fd = open(LWSW_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* Register the calling thread; returns the handle (> 0) or -errno. */
static inline int lwsw_register(int fd)
{
	struct lwswitch_register r = { 0 };
	int ret = lwsw_ioctl(fd, LWSWITCH_IOC_REGISTER, &r);

	return ret ? ret : (int)r.handle;
}

static inline int lwsw_unregister(int fd)
{
	struct lwswitch_register r = { 0 };

	return lwsw_ioctl(fd, LWSWITCH_IOC_UNREGISTER, &r);
}

static inline int lwsw_switchto(int fd, uint32_t target)
{
	struct lwswitch_hop h = { .target = target };

	return lwsw_ioctl(fd, LWSWITCH_IOC_SWITCHTO, &h);
}

static inline int lwsw_switchto_timeout(int fd, uint32_t target, uint64_t ns)
{
	struct lwswitch_hop h = { .target = target, .flags = LWSWITCH_HOP_TIMEOUT,
				  .timeout_ns = ns };

	return lwsw_ioctl(fd, LWSWITCH_IOC_SWITCHTO, &h);
}

static inline int lwsw_wake(int fd, uint32_t target)
{
	struct lwswitch_hop h = { .target = target };

	return lwsw_ioctl(fd, LWSWITCH_IOC_WAKE, &h);
}

static inline int lwsw_wait(int fd)
{
	struct lwswitch_hop h = { 0 };

	return lwsw_ioctl(fd, LWSWITCH_IOC_WAIT, &h);
}

static inline int lwsw_wait_timeout(int fd, uint64_t ns)
{
	struct lwswitch_hop h = { .flags = LWSWITCH_HOP_TIMEOUT, .timeout_ns = ns };

	return lwsw_ioctl(fd, LWSWITCH_IOC_WAIT, &h);
}

static inline int lwsw_lookup(int fd, uint32_t tid)
{
	struct lwswitch_lookup l = { .tid = tid };
	int ret = lwsw_ioctl(fd, LWSWITCH_IOC_LOOKUP, &l);

	return ret ? ret : (int)l.handle;
}

static inline pid_t lwsw_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline uint64_t lwsw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One counter of the debugfs "stats" file, or -1 if unreadable. */
/*
 * The module's counters are in debugfs (root's), and its parameters are
 * writable by root only; a test that reads or writes them, becomes other
 * users or mounts a cgroup needs root.  As anyone else (tests/vm/run-vm
 * --user: the suite as a member of the device's group) it is skipped,
 * saying why, and the rest of the suite runs.
 */
#define LWSW_NEED_ROOT(why)						\
	do {								\
		if (geteuid() != 0)					\
			SKIP(return, "needs root: " why);		\
	} while (0)

static inline long lwsw_stat(const char *name)
{
	char key[64];
	long val, ret = -1;
	FILE *f = fopen(LWSW_STATS, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &val) == 2)
		if (!strcmp(key, name)) {
			ret = val;
			break;
		}
	fclose(f);
	return ret;
}

/*
 * Wait (up to ~3 s: exit hooks and RCU callbacks run after pthread_join()
 * and waitpid() return) for a debugfs counter to come back to @want;
 * returns the last value read.
 */
static inline long lwsw_stat_settles(const char *name, long want)
{
	long v = lwsw_stat(name);

	for (int i = 0; i < 300 && v != want; i++) {
		usleep(10000);
		v = lwsw_stat(name);
	}
	return v;
}

static inline void lwsw_on_usr1(int sig)
{
	(void)sig;
}

/* SIGUSR1 interrupts system calls (a handler, no SA_RESTART). */
static inline void lwsw_catch_usr1(void)
{
	struct sigaction sa = { .sa_handler = lwsw_on_usr1 };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

static inline int lwsw_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* A started-thread rendezvous: the thread publishes its handle and tid. */
struct lwsw_peer {
	int		fd;
	volatile int	handle;
	volatile pid_t	tid;
	volatile int	ret;
	volatile int	ready;
	volatile int	stop;
	pthread_t	thread;
};

static inline void lwsw_peer_wait_ready(struct lwsw_peer *p)
{
	while (!__atomic_load_n(&p->ready, __ATOMIC_ACQUIRE))
		usleep(1000);
}

/* splitmix64: the seeded generator of the randomized tests. */
static inline uint64_t lwsw_rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform-enough in [0, n); 0 when n is 0. */
static inline uint32_t lwsw_rnd(uint64_t *s, uint32_t n)
{
	return n ? (uint32_t)(lwsw_rng_next(s) % n) : 0;
}

#endif /* LWSW_KMOD_TEST_H */
