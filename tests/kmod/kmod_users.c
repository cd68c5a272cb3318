// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch on a shared machine: who may open the device (the udev rule's
 * group and mode), per-user limits that leave other users alone, memory
 * charged to the caller's memory cgroup, and a placement hook that the
 * ftrace_enabled sysctl cannot silently turn off.
 *
 * The users are unprivileged uids with no name (60001, 60002, 60003);
 * the harness runs as root, and each user is a forked child that drops
 * to its uid before it touches the device.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lwsw_harness.h"
#include "lwsw_kmod.h"

#define USER_A		60001
#define USER_B		60002
#define USER_OUT	60003
#define CGROOT		"/sys/fs/cgroup"
#define CG		CGROOT "/lws-memcg"

/* Become @uid (primary group @uid), in the device's group if @in_group. */
static int become(uid_t uid, bool in_group)
{
	struct stat st;

	if (stat(LWSW_DEV, &st))
		return -errno;
	if (setgroups(in_group ? 1 : 0, &st.st_gid))
		return -errno;
	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

/* Shared between the test and its children: the parent touches it first,
 * so it is charged to the parent's memory cgroup. */
static void *shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, size);
	return p;
}

static void wait_flag(volatile int *flag)
{
	while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
		usleep(1000);
}

static void set_flag(volatile int *flag)
{
	__atomic_store_n(flag, 1, __ATOMIC_RELEASE);
}

/* Exit status of @pid, or -1 if it did not exit normally. */
static int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static long read_long(const char *path, const char *key)
{
	char k[64];
	long v, ret = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!key) {
		if (fscanf(f, "%ld", &v) == 1)
			ret = v;
	} else {
		while (fscanf(f, "%63s %ld", k, &v) == 2)
			if (!strcmp(k, key))
				ret = v;
	}
	fclose(f);
	return ret;
}

/* ---- who may open the device ------------------------------------------ */

/* 0 if the device opens, else the errno. */
static int open_errno(void)
{
	int fd = lwsw_open();

	if (fd < 0)
		return -fd;
	close(fd);
	return 0;
}

TEST(device_belongs_to_a_group)
{
	struct stat st;
	pid_t pid;

	LWSW_NEED_ROOT("becomes other users");
	ASSERT_EQ(0, stat(LWSW_DEV, &st));
	/* The rule's mode and group, not the 0666 the module once set. */
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_NE(0, st.st_gid);

	/* A user in the group opens it... */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(become(USER_A, true) ? 100 : open_errno());
	EXPECT_EQ(0, reap(pid));

	/* ...one outside it is refused. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(become(USER_OUT, false) ? 100 : open_errno());
	EXPECT_EQ(EACCES, reap(pid));
}

/* ---- per-user limits --------------------------------------------------- */

#define A_DOMAINS	4
#define A_MEMBERS	6

struct users {
	/* user A */
	int a_open[A_DOMAINS + 1];	/* fd or -errno; the last is one too many */
	int a_reg[A_MEMBERS + 1];	/* handle or -errno; the last is one too many */
	int a_again_open, a_again_reg;
	volatile int a_full, a_release, a_threads_done;
	/* user B */
	int b_open, b_main, b_peer, b_switchto, b_wait, b_wake;
	volatile int b_peer_ready, b_done;
};

static char saved_user_domains[32], saved_user_members[32];

static void save_param(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (f) {
		if (!fgets(buf, (int)size, f))
			buf[0] = 0;
		fclose(f);
	}
}

FIXTURE(user_limits) {
	struct users *u;
};

FIXTURE_SETUP(user_limits)
{
	save_param(LWSW_PARAM("max_user_domains"), saved_user_domains,
		   sizeof(saved_user_domains));
	save_param(LWSW_PARAM("max_user_members"), saved_user_members,
		   sizeof(saved_user_members));
	ASSERT_NE(0, saved_user_domains[0]);
	ASSERT_NE(0, saved_user_members[0]);
	self->u = shared(sizeof(*self->u));
	ASSERT_NE(NULL, self->u);
}

FIXTURE_TEARDOWN(user_limits)
{
	lwsw_write_file(LWSW_PARAM("max_user_domains"), saved_user_domains);
	lwsw_write_file(LWSW_PARAM("max_user_members"), saved_user_members);
}

struct a_thread {
	struct users *u;
	int fd, slot;
};

/* One of A's threads: registers, then stays (its exit would unregister). */
static void *a_member(void *arg)
{
	struct a_thread *t = arg;

	t->u->a_reg[t->slot] = lwsw_register(t->fd);
	__atomic_add_fetch(&t->u->a_threads_done, 1, __ATOMIC_RELEASE);
	wait_flag(&t->u->a_release);
	return NULL;
}

static void user_a(struct users *u)
{
	struct a_thread t[A_MEMBERS + 1 - A_DOMAINS];
	pthread_t th[A_MEMBERS + 1 - A_DOMAINS];
	int i, n = A_MEMBERS + 1 - A_DOMAINS;

	if (become(USER_A, true))
		_exit(100);
	for (i = 0; i <= A_DOMAINS; i++)
		u->a_open[i] = lwsw_open();
	/* The main thread joins each domain: A_DOMAINS members... */
	for (i = 0; i < A_DOMAINS; i++)
		u->a_reg[i] = u->a_open[i] >= 0 ? lwsw_register(u->a_open[i]) : -EBADF;
	/* ...and threads fill the first one, the last one past the limit. */
	for (i = 0; i < n; i++) {
		t[i] = (struct a_thread){ .u = u, .fd = u->a_open[0], .slot = A_DOMAINS + i };
		if (pthread_create(&th[i], NULL, a_member, &t[i]))
			_exit(101);
		/* One at a time, so that the one refused is the last. */
		while (__atomic_load_n(&u->a_threads_done, __ATOMIC_ACQUIRE) <= i)
			usleep(1000);
	}
	set_flag(&u->a_full);

	/* B runs while A holds all of its share. */
	wait_flag(&u->b_done);
	set_flag(&u->a_release);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i <= A_DOMAINS; i++)
		if (u->a_open[i] >= 0)
			close(u->a_open[i]);

	/* Its descriptors closed, A may again. */
	u->a_again_open = lwsw_open();
	u->a_again_reg = u->a_again_open >= 0 ? lwsw_register(u->a_again_open) : -EBADF;
	_exit(0);
}

static int b_fd;

static void *b_peer(void *arg)
{
	struct users *u = arg;

	u->b_peer = lwsw_register(b_fd);
	set_flag(&u->b_peer_ready);
	if (u->b_peer < 0)
		return NULL;
	/* Resumed by B's SWITCHTO, and resumes B in turn. */
	u->b_wait = lwsw_wait_timeout(b_fd, 10000000000ull);
	u->b_wake = lwsw_wake(b_fd, (uint32_t)u->b_main);
	return NULL;
}

static void user_b(struct users *u)
{
	pthread_t th;

	if (become(USER_B, true))
		_exit(100);
	wait_flag(&u->a_full);
	b_fd = u->b_open = lwsw_open();
	if (b_fd < 0)
		goto out;
	u->b_main = lwsw_register(b_fd);
	if (u->b_main < 0)
		goto out;
	if (pthread_create(&th, NULL, b_peer, u))
		_exit(101);
	wait_flag(&u->b_peer_ready);
	if (u->b_peer > 0)
		u->b_switchto = lwsw_switchto_timeout(b_fd, (uint32_t)u->b_peer,
						     10000000000ull);
	pthread_join(th, NULL);
out:
	set_flag(&u->b_done);
	_exit(0);
}

TEST_F(user_limits, one_user_cannot_starve_another)
{
	struct users *u = self->u;
	pid_t a, b;
	int i;

	LWSW_NEED_ROOT("becomes other users and writes the module's parameters");
	ASSERT_EQ(0, lwsw_write_file(LWSW_PARAM("max_user_domains"), "4"));
	ASSERT_EQ(0, lwsw_write_file(LWSW_PARAM("max_user_members"), "6"));

	a = fork();
	ASSERT_LE(0, a);
	if (!a)
		user_a(u);
	b = fork();
	ASSERT_LE(0, b);
	if (!b)
		user_b(u);
	EXPECT_EQ(0, reap(b));
	EXPECT_EQ(0, reap(a));

	/* A: its own limits, with the errors inotify gives. */
	for (i = 0; i < A_DOMAINS; i++)
		EXPECT_LE(0, u->a_open[i]);
	EXPECT_EQ(-EMFILE, u->a_open[A_DOMAINS]);
	for (i = 0; i < A_MEMBERS; i++)
		EXPECT_LT(0, u->a_reg[i]);
	EXPECT_EQ(-ENOSPC, u->a_reg[A_MEMBERS]);

	/* B, meanwhile: open, register, a hand-off both ways. */
	EXPECT_LE(0, u->b_open);
	EXPECT_LT(0, u->b_main);
	EXPECT_LT(0, u->b_peer);
	EXPECT_EQ(0, u->b_switchto);
	EXPECT_EQ(0, u->b_wait);
	EXPECT_EQ(0, u->b_wake);

	/* A again, after closing. */
	EXPECT_LE(0, u->a_again_open);
	EXPECT_LT(0, u->a_again_reg);
}

TEST(info_reports_user_limits)
{
	struct lwswitch_info info = { 0 };
	int fd = lwsw_open();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, lwsw_ioctl(fd, LWSWITCH_IOC_INFO, &info));
	EXPECT_EQ(read_long(LWSW_PARAM("max_user_domains"), NULL),
		  (long)info.max_user_domains);
	EXPECT_EQ(read_long(LWSW_PARAM("max_user_members"), NULL),
		  (long)info.max_user_members);
	close(fd);
}

/* ---- memory charged to the caller's cgroup ---------------------------- */

#define MC_DOMAINS	512
#define MC_THREADS	64

struct memcg {
	int fds[MC_DOMAINS];
	int ok[MC_THREADS];		/* registrations that succeeded */
	int err[MC_THREADS];		/* the first error, or 0 */
	int open_failed, setup_failed;
	int after;			/* registrations with the limit lifted */
	volatile int ready, go, done, lifted;
};

static struct memcg *mc;
static pthread_barrier_t mc_start;

static void *mc_member(void *arg)
{
	int i, t = (int)(long)arg, r;

	pthread_barrier_wait(&mc_start);
	for (i = 0; i < MC_DOMAINS; i++) {
		r = lwsw_register(mc->fds[i]);
		if (r < 0) {
			mc->err[t] = -r;
			break;
		}
		mc->ok[t]++;
	}
	return NULL;
}

static void memcg_child(void)
{
	pthread_t th[MC_THREADS];
	int i;

	if (lwsw_write_file(CG "/cgroup.procs", "0"))
		_exit(100);
	for (i = 0; i < MC_DOMAINS; i++) {
		mc->fds[i] = lwsw_open();
		if (mc->fds[i] < 0) {
			mc->open_failed = -mc->fds[i];
			_exit(101);
		}
	}
	if (pthread_barrier_init(&mc_start, NULL, MC_THREADS + 1))
		_exit(102);
	for (i = 0; i < MC_THREADS; i++)
		if (pthread_create(&th[i], NULL, mc_member, (void *)(long)i))
			_exit(103);
	set_flag(&mc->ready);
	wait_flag(&mc->go);
	pthread_barrier_wait(&mc_start);
	for (i = 0; i < MC_THREADS; i++)
		pthread_join(th[i], NULL);
	set_flag(&mc->done);

	/* With the limit lifted, the same calls succeed. */
	wait_flag(&mc->lifted);
	for (i = 0; i < MC_DOMAINS; i++)
		if (lwsw_register(mc->fds[i]) > 0)
			mc->after++;
	_exit(0);
}

static char saved_max_user_domains[32];

FIXTURE(memcg) {
	long domains, members;
	int mounted;
};

FIXTURE_SETUP(memcg)
{
	LWSW_NEED_ROOT("mounts a memory cgroup");
	self->domains = lwsw_stat("domains");
	self->members = lwsw_stat("members");
	if (access(CGROOT "/cgroup.controllers", F_OK)) {
		ASSERT_EQ(0, mount("none", CGROOT, "cgroup2", 0, NULL));
		self->mounted = 1;
	}
	ASSERT_EQ(0, lwsw_write_file(CGROOT "/cgroup.subtree_control", "+memory"));
	rmdir(CG);
	ASSERT_EQ(0, mkdir(CG, 0755));
	save_param(LWSW_PARAM("max_user_domains"), saved_max_user_domains,
		   sizeof(saved_max_user_domains));
	ASSERT_EQ(0, lwsw_write_file(LWSW_PARAM("max_user_domains"), "1000"));
	mc = shared(sizeof(*mc));
	ASSERT_NE(NULL, mc);
}

FIXTURE_TEARDOWN(memcg)
{
	lwsw_write_file(LWSW_PARAM("max_user_domains"), saved_max_user_domains);
	rmdir(CG);
	if (self->mounted)
		umount(CGROOT);
}

TEST_F(memcg, registrations_fail_inside_the_limit_only)
{
	long cur, total = 0;
	char max[32];
	int i, fd, enomem = 0, other = 0;
	pid_t pid;

	LWSW_NEED_ROOT("mounts a memory cgroup");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		memcg_child();
	while (!__atomic_load_n(&mc->ready, __ATOMIC_ACQUIRE)) {
		ASSERT_EQ(0, waitpid(pid, NULL, WNOHANG)) TH_LOG("child died setting up (%d)",
								 mc->open_failed);
		usleep(1000);
	}

	/* A little headroom above what the child holds now. */
	cur = read_long(CG "/memory.current", NULL);
	ASSERT_LT(0, cur);
	snprintf(max, sizeof(max), "%ld", (cur + 65536 + 4095) & ~4095L);
	ASSERT_EQ(0, lwsw_write_file(CG "/memory.max", max));
	set_flag(&mc->go);
	wait_flag(&mc->done);

	/* Outside the cgroup nothing changed. */
	fd = lwsw_open();
	ASSERT_LE(0, fd);
	EXPECT_LT(0, lwsw_register(fd));
	close(fd);

	EXPECT_EQ(0, read_long(CG "/memory.events", "oom_kill"));
	ASSERT_EQ(0, lwsw_write_file(CG "/memory.max", "max"));
	set_flag(&mc->lifted);
	EXPECT_EQ(0, reap(pid));

	for (i = 0; i < MC_THREADS; i++) {
		total += mc->ok[i];
		if (mc->err[i] == ENOMEM)
			enomem++;
		else if (mc->err[i])
			other++;
	}
	TH_LOG("limit %s bytes: %ld of %d registrations, %d threads stopped by ENOMEM",
	       max, total, MC_DOMAINS * MC_THREADS, enomem);
	/* Registrations failed at the limit with ENOMEM, and only with it. */
	EXPECT_LT(0, enomem);
	EXPECT_EQ(0, other);
	EXPECT_GT(MC_DOMAINS * MC_THREADS, total);
	/* Lifting the limit lets the same calls in. */
	EXPECT_EQ(MC_DOMAINS, mc->after);

	/* Everything the child made the module allocate is gone. */
	EXPECT_EQ(self->members, lwsw_stat_settles("members", self->members));
	EXPECT_EQ(self->domains, lwsw_stat_settles("domains", self->domains));
}

/* ---- a member ending in a crowded domain ------------------------------ */

/*
 * A waiter blocked in SWITCHTO on a member that exits (or unregisters) is
 * woken with EOWNERDEAD however many members the domain has.  The exit
 * hook runs with preemption off and leaves its scan of the domain to the
 * exiting thread (counted as scan_deferred); UNREGISTER scans itself.
 */
#define CROWD		2048

struct crowd {
	int fd;
	int release[2];		/* a pipe: the members block reading it */
	volatile int registered, failed;
	volatile int target, target_ready, waiter_tid, ret;
	int unregister;		/* the target unregisters instead of exiting */
};

static void *crowd_member(void *arg)
{
	struct crowd *c = arg;
	char b;

	if (lwsw_register(c->fd) < 0)
		__atomic_add_fetch(&c->failed, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&c->registered, 1, __ATOMIC_RELEASE);
	/* Asleep until the write end closes (EOF for everyone). */
	while (read(c->release[0], &b, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

/* 1 when thread @tid of this process sleeps ('S' in its stat). */
static int sleeping(pid_t tid)
{
	char path[64], buf[256], *p;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'S';
}

static void *crowd_target(void *arg)
{
	struct crowd *c = arg;
	int i;

	c->target = lwsw_register(c->fd);
	set_flag(&c->target_ready);
	/* Until the waiter has blocked on us (10 s at most). */
	for (i = 0; i < 10000 && !(c->waiter_tid && sleeping(c->waiter_tid)); i++)
		usleep(1000);
	if (c->unregister)
		lwsw_unregister(c->fd);
	return NULL;
}

static void *crowd_waiter(void *arg)
{
	struct crowd *c = arg;

	if (lwsw_register(c->fd) < 0) {
		c->ret = 1;
		return NULL;
	}
	wait_flag(&c->target_ready);
	c->waiter_tid = lwsw_gettid();
	c->ret = lwsw_switchto_timeout(c->fd, (uint32_t)c->target, 20000000000ull);
	return NULL;
}

static void crowd_run(struct __test_metadata *_metadata, int unregister)
{
	static pthread_t th[CROWD];
	struct crowd c = { .unregister = unregister };
	pthread_attr_t a;
	pthread_t t, w;
	long before;
	int i, n = 0;

	c.fd = lwsw_open();
	ASSERT_LE(0, c.fd);
	ASSERT_EQ(0, pipe(c.release));
	ASSERT_EQ(0, pthread_attr_init(&a));
	ASSERT_EQ(0, pthread_attr_setstacksize(&a, 64 * 1024));
	for (i = 0; i < CROWD; i++, n++)
		if (pthread_create(&th[i], &a, crowd_member, &c))
			break;
	ASSERT_EQ(CROWD, n);
	while (__atomic_load_n(&c.registered, __ATOMIC_ACQUIRE) < CROWD)
		usleep(1000);
	ASSERT_EQ(0, c.failed);

	before = lwsw_stat("scan_deferred");
	ASSERT_LE(0, before);
	ASSERT_EQ(0, pthread_create(&t, &a, crowd_target, &c));
	ASSERT_EQ(0, pthread_create(&w, &a, crowd_waiter, &c));
	pthread_join(t, NULL);
	pthread_join(w, NULL);
	EXPECT_LT(0, c.target);
	EXPECT_EQ(-EOWNERDEAD, c.ret);
	/* The exit hook deferred its scan; UNREGISTER did its own. */
	EXPECT_EQ(before + !unregister, lwsw_stat("scan_deferred"));

	close(c.release[1]);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_attr_destroy(&a);
	close(c.release[0]);
	close(c.fd);
}

TEST(crowded_domain_target_exits)
{
	LWSW_NEED_ROOT("reads the module's debugfs counters");
	crowd_run(_metadata, 0);
}

TEST(crowded_domain_target_unregisters)
{
	LWSW_NEED_ROOT("reads the module's debugfs counters");
	crowd_run(_metadata, 1);
}

/* ---- the 6.1 placement hook ------------------------------------------- */

TEST(ftrace_hook_is_permanent)
{
	struct lwswitch_info info = { 0 };
	int fd = lwsw_open();

	LWSW_NEED_ROOT("writes kernel.ftrace_enabled");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, lwsw_ioctl(fd, LWSWITCH_IOC_INFO, &info));
	close(fd);
	if (info.placement != LWSWITCH_PLACE_FTRACE)
		SKIP(return, "placement %u uses no ftrace hook", info.placement);
	/* While the hook is registered, ftrace cannot be switched off. */
	EXPECT_EQ(-EBUSY, lwsw_write_file("/proc/sys/kernel/ftrace_enabled", "0"));
	EXPECT_EQ(1, read_long("/proc/sys/kernel/ftrace_enabled", NULL));
}

TEST_HARNESS_MAIN
