// SPDX-License-Identifier: GPL-2.0
/*
 * fake-lwswitch.c — a user-space stand-in for /dev/lwswitch, so the host
 * can run the library's switchto backend (the module only loads in the
 * VM).  Linked into a test with -Wl,--wrap=open,--wrap=ioctl,--wrap=access:
 * open("/dev/lwswitch") returns an eventfd that stands for the domain, and
 * the ioctls on it follow include/uapi/linux/lwswitch.h — handles, one
 * binary resume token per member, WAIT/WAKE/SWITCHTO with ABSTIME or
 * relative timeouts, -EINTR never restarted, the documented errors for bad
 * input — with futexes underneath.  What it cannot show: CPU placement.
 * SWITCHTO here is WAKE + WAIT in one call, which is all the library can
 * observe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/lwswitch.h>

int __real_open(const char *path, int flags, ...);
int __real_ioctl(int fd, unsigned long req, ...);
int __real_access(const char *path, int mode);
int __wrap_open(const char *path, int flags, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
int __wrap_access(const char *path, int mode);

#define FAKE_MAX_MEMBERS 4096
#define DEV "/dev/" LWSWITCH_DEVICE_NAME

struct member {
	uint32_t token;		/* atomic: 0/1 */
	int used;		/* under lock */
};

static struct member members[FAKE_MAX_MEMBERS + 1];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int fake_fd = -1;
static pid_t fake_pid;		/* the process that opened the domain */
static __thread uint32_t my_handle;

static int64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int reserved_zero(const __u64 *r, int n)
{
	for (int i = 0; i < n; i++)
		if (r[i])
			return 0;
	return 1;
}

static int wait_token(uint32_t h, int64_t deadline)
{
	struct member *m = &members[h];

	for (;;) {
		struct timespec ts, *tsp = NULL;

		if (__atomic_exchange_n(&m->token, 0, __ATOMIC_ACQ_REL))
			return 0;
		if (deadline >= 0) {
			if (mono_now() >= deadline)
				return -ETIMEDOUT;
			ts.tv_sec = deadline / 1000000000LL;
			ts.tv_nsec = deadline % 1000000000LL;
			tsp = &ts;
		}
		if (syscall(SYS_futex, &m->token, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0,
			    tsp, NULL, FUTEX_BITSET_MATCH_ANY) < 0 && errno == EINTR)
			return -EINTR;
	}
}

static int resume(uint32_t target)
{
	int ok;

	pthread_mutex_lock(&lock);
	ok = target <= FAKE_MAX_MEMBERS && members[target].used;
	if (ok) {
		__atomic_store_n(&members[target].token, 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &members[target].token, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1,
			NULL, NULL, 0);
	}
	pthread_mutex_unlock(&lock);
	return ok ? 0 : -ESRCH;
}

static int hop_deadline(const struct lwswitch_hop *h, int64_t *deadline)
{
	*deadline = -1;
	if ((h->flags & LWSWITCH_HOP_TIMEOUT) && (h->flags & LWSWITCH_HOP_ABSTIME))
		return -EINVAL;
	if (h->flags & LWSWITCH_HOP_ABSTIME)
		*deadline = (int64_t)h->timeout_ns;
	else if (h->flags & LWSWITCH_HOP_TIMEOUT)
		*deadline = mono_now() + (int64_t)h->timeout_ns;
	else if (h->timeout_ns)
		return -EINVAL;
	return 0;
}

/* Tests that link the stand-in can tell (a weak reference elsewhere). */
int fake_lwswitch_linked = 1;

/* What INFO reports can be set from the environment, to play a module of
 * another API version or with other features. */
static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : dflt;
}

static int fake_ioctl(unsigned long req, void *arg)
{
	struct lwswitch_register *r = arg;
	struct lwswitch_hop *h = arg;
	struct lwswitch_info *info = arg;
	int64_t deadline;
	uint64_t limit;
	int rc;

	switch (req) {
	case LWSWITCH_IOC_INFO:
		if (info->flags || info->__pad || !reserved_zero(info->reserved, 1))
			return -EINVAL;
		info->version = env_u64("FAKE_LWSWITCH_VERSION", LWSWITCH_API_VERSION);
		info->placement = LWSWITCH_PLACE_WAKE;
		info->max_members = FAKE_MAX_MEMBERS;
		info->max_domains = 1;
		info->max_user_domains = 1;
		info->max_user_members = FAKE_MAX_MEMBERS;
		info->features = env_u64("FAKE_LWSWITCH_FEATURES", LWSWITCH_FEAT_TIMEOUT);
		return 0;
	case LWSWITCH_IOC_REGISTER:
		if (r->flags || !reserved_zero(r->reserved, 3))
			return -EINVAL;
		if (my_handle)
			return -EEXIST;
		limit = env_u64("FAKE_LWSWITCH_MAX_MEMBERS", FAKE_MAX_MEMBERS);
		if (limit > FAKE_MAX_MEMBERS)
			limit = FAKE_MAX_MEMBERS;
		pthread_mutex_lock(&lock);
		for (uint32_t i = 1; i <= limit; i++) {
			if (!members[i].used) {
				members[i].used = 1;
				__atomic_store_n(&members[i].token, 0, __ATOMIC_RELAXED);
				my_handle = i;
				break;
			}
		}
		pthread_mutex_unlock(&lock);
		if (!my_handle)
			return -ENOSPC;
		r->handle = my_handle;
		return 0;
	case LWSWITCH_IOC_UNREGISTER:
		if (r->flags || !reserved_zero(r->reserved, 3))
			return -EINVAL;
		if (!my_handle)
			return -EPERM;
		pthread_mutex_lock(&lock);
		members[my_handle].used = 0;
		pthread_mutex_unlock(&lock);
		my_handle = 0;
		return 0;
	case LWSWITCH_IOC_WAKE:
		if ((h->flags & ~LWSWITCH_HOP_HERE) || h->timeout_ns ||
		    !reserved_zero(h->reserved, 2) || !h->target)
			return -EINVAL;
		if (!my_handle)
			return -EPERM;
		if (h->target == my_handle)
			return -EINVAL;
		return resume(h->target);
	case LWSWITCH_IOC_WAIT:
		if ((h->flags & LWSWITCH_HOP_HERE) || h->target || !reserved_zero(h->reserved, 2))
			return -EINVAL;
		rc = hop_deadline(h, &deadline);
		if (rc)
			return rc;
		if (!my_handle)
			return -EPERM;
		return wait_token(my_handle, deadline);
	case LWSWITCH_IOC_SWITCHTO:
		if ((h->flags & LWSWITCH_HOP_HERE) || !reserved_zero(h->reserved, 2) || !h->target)
			return -EINVAL;
		rc = hop_deadline(h, &deadline);
		if (rc)
			return rc;
		if (!my_handle)
			return -EPERM;
		if (h->target == my_handle)
			return -EINVAL;
		rc = resume(h->target);
		if (rc)
			return rc;
		return wait_token(my_handle, deadline);
	default:
		return -ENOTTY;
	}
}

int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	int mode = 0;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	if (!strcmp(path, DEV)) {
		int fd = eventfd(0, (flags & O_CLOEXEC) ? EFD_CLOEXEC : 0);

		/* Each open is a new domain.  The one domain modelled here
		 * is per process: a forked child that opens again starts
		 * with no members, its one thread included. */
		if (fd >= 0) {
			pthread_mutex_lock(&lock);
			if (fake_pid != getpid()) {
				memset(members, 0, sizeof(members));
				my_handle = 0;
				fake_pid = getpid();
			}
			fake_fd = fd;
			pthread_mutex_unlock(&lock);
		}
		return fd;
	}
	return __real_open(path, flags, mode);
}

int __wrap_access(const char *path, int mode)
{
	if (!strcmp(path, DEV))
		return 0;
	return __real_access(path, mode);
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int rc;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd != fake_fd)
		return __real_ioctl(fd, req, arg);
	rc = fake_ioctl(req, arg);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}
