// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch: faults around a hand-off.
 *
 *  - the target exits (returns, _exit()s, is SIGKILLed) at random points
 *    of a SWITCHTO or WAKE naming it, looped: the caller gets 0, ESRCH or
 *    EOWNERDEAD as documented, never hangs, and no token is left behind;
 *  - the domain's fd is closed by another thread while members are blocked
 *    in WAIT and SWITCHTO: the blocked ioctls hold the file, so nothing
 *    ends; they are still resumed through another fd of the domain, or
 *    leave by a signal, and the domain goes away after the last of them;
 *  - fork() of a registered thread: the child is not a member (EPERM;
 *    LOOKUP does not find it), may register on its own, and takes none of
 *    the parent's tokens;
 *  - exec while registered, from the only thread and from a non-leader
 *    thread of a process with other members: every membership of the
 *    process ends, peers blocked in SWITCHTO on them get EOWNERDEAD, the
 *    new image is not a member (EPERM);
 *  - SIGSTOP/SIGCONT and ptrace attach/interrupt/detach of a member
 *    blocked in WAIT or SWITCHTO: it comes back (EINTR is allowed, and a
 *    SWITCHTO interrupted this way must be followed by WAIT, never
 *    repeated), and every token arrives exactly once;
 *  - allocation failures (failslab) when the kernel has fault injection.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "lwsw_harness.h"
#include "lwsw_kmod.h"

#define MS		(1000 * 1000ull)
#define EXEC_ENV	"LWSW_FAULTS_EXEC"

/* The scheduler state letter of one of our threads or children. */
static char task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return 0;
	return p[2];
}

/* Wait (at most 5 s) until @tid sleeps. */
static int wait_sleeping(pid_t pid, pid_t tid)
{
	for (int i = 0; i < 5000; i++) {
		if (task_state(pid, tid) == 'S')
			return 0;
		usleep(1000);
	}
	return -1;
}

static uint64_t rng = 0xfa17u;

static uint32_t rnd(uint32_t n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33) % n;
}

/* ---- the new image of an exec'd member (see exec_* below) ---- */

/*
 * Runs before the harness when we were exec'd by a test: the fd of the
 * domain survived the exec (no O_CLOEXEC), the membership must not have.
 * Exit status: 0 good, else the number of the failed check.
 */
__attribute__((constructor)) static void exec_child(void)
{
	const char *v = getenv(EXEC_ENV);
	int fd, h;

	if (!v)
		return;
	fd = atoi(v);
	if (lwsw_wait_timeout(fd, 0) != -EPERM)
		_exit(1);
	if (lwsw_wake(fd, 1) != -EPERM)
		_exit(2);
	if (lwsw_lookup(fd, (uint32_t)lwsw_gettid()) != -ESRCH)
		_exit(3);
	/* The new image may join again, with a new handle and no token. */
	h = lwsw_register(fd);
	if (h <= 0)
		_exit(4);
	if (lwsw_wait_timeout(fd, 0) != -ETIMEDOUT)
		_exit(5);
	_exit(0);
}

/* ---- the target exits during a hand-off ---- */

struct tgt {
	int fd;
	volatile int handle;
	volatile int mode;
	volatile int delay_us;
	volatile int ret;
};

static void spin_us(int us)
{
	uint64_t end = lwsw_now_ns() + (uint64_t)us * 1000;

	while (lwsw_now_ns() < end)
		;
}

static void *target_main(void *arg)
{
	struct tgt *t = arg;

	t->handle = lwsw_register(t->fd);
	switch (t->mode) {
	case 0:		/* blocked in WAIT; exits as soon as it is resumed */
		t->ret = lwsw_wait(t->fd);
		break;
	default:	/* runs a little, exits without waiting */
		spin_us(t->delay_us);
		break;
	}
	return NULL;
}

TEST(target_exits_during_handoff)
{
	enum { LOOPS = 60 };
	unsigned long n_owner = 0, n_srch = 0, n_wake_ok = 0, n_kill = 0;
	int fd = lwsw_open(), me, status, r;
	long members0 = lwsw_stat("members");

	LWSW_NEED_ROOT("reads the module's debugfs counters");
	ASSERT_LE(0, fd);
	me = lwsw_register(fd);
	ASSERT_LT(0, me);

	for (int i = 0; i < LOOPS; i++) {
		struct tgt t = { .fd = fd, .mode = i % 2, .delay_us = (int)rnd(400) };
		pthread_t th;

		ASSERT_EQ(0, pthread_create(&th, NULL, target_main, &t));
		while (!t.handle)
			;
		ASSERT_LT(0, t.handle);
		if (t.mode == 0) {
			/* The resume wakes it and it dies without resuming us:
			 * its death must, with EOWNERDEAD (5 s: never reached). */
			r = lwsw_switchto_timeout(fd, t.handle, 5000 * MS);
			EXPECT_EQ(-EOWNERDEAD, r);
			n_owner += r == -EOWNERDEAD;
		} else if (i % 4 == 1) {
			spin_us((int)rnd(400));
			r = lwsw_switchto_timeout(fd, t.handle, 5000 * MS);
			EXPECT_TRUE(r == -EOWNERDEAD || r == -ESRCH) {
				TH_LOG("loop %d: SWITCHTO to an exiting thread: %d", i, r);
			}
			n_owner += r == -EOWNERDEAD;
			n_srch += r == -ESRCH;
		} else {
			spin_us((int)rnd(400));
			r = lwsw_wake(fd, t.handle);
			EXPECT_TRUE(r == 0 || r == -ESRCH);
			n_wake_ok += r == 0;
			n_srch += r == -ESRCH;
		}
		pthread_join(th, NULL);
		/* Gone now, whatever happened. */
		r = lwsw_wake(fd, t.handle);
		EXPECT_EQ(-ESRCH, r);
	}

	/* The same with a member process killed at a random moment. */
	for (int i = 0; i < LOOPS / 3; i++) {
		int p2c[2], h = 0;
		pid_t pid;

		ASSERT_EQ(0, pipe(p2c));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			h = lwsw_register(fd);
			if (write(p2c[1], &h, sizeof(h)) != sizeof(h))
				_exit(1);
			for (;;)
				lwsw_wait_timeout(fd, 1000 * MS);
		}
		ASSERT_EQ(sizeof(h), read(p2c[0], &h, sizeof(h)));
		close(p2c[0]);
		close(p2c[1]);
		ASSERT_LT(0, h);
		if (i % 2) {
			/* SIGKILL it while we are (about to be) blocked on it. */
			pid_t k = fork();

			if (k == 0) {
				spin_us((int)rnd(3000));
				kill(pid, SIGKILL);
				_exit(0);
			}
			r = lwsw_switchto_timeout(fd, (uint32_t)h, 5000 * MS);
			EXPECT_TRUE(r == -EOWNERDEAD || r == -ESRCH) {
				TH_LOG("SWITCHTO to a member being killed: %d", r);
			}
			n_owner += r == -EOWNERDEAD;
			n_srch += r == -ESRCH;
			waitpid(k, &status, 0);
		} else {
			spin_us((int)rnd(2000));
			kill(pid, SIGKILL);
			r = lwsw_wake(fd, (uint32_t)h);
			EXPECT_TRUE(r == 0 || r == -ESRCH);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status));
		n_kill++;
		EXPECT_EQ(-ESRCH, lwsw_wake(fd, (uint32_t)h));
	}

	/* None of that left a token for us, or a member behind. */
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(fd, 0));
	EXPECT_EQ(members0 + 1, lwsw_stat_settles("members", members0 + 1));
	ksft_print_msg("exits: EOWNERDEAD %lu, ESRCH %lu, WAKE ok %lu, killed %lu\n",
		       n_owner, n_srch, n_wake_ok, n_kill);
	close(fd);
	EXPECT_EQ(members0, lwsw_stat_settles("members", members0));
}

/* ---- the fd closed while members are blocked ---- */

struct blk {
	int fd;
	int target;		/* SWITCHTO target, 0: WAIT */
	volatile int handle;
	volatile int done;
	volatile int ret;
	volatile pid_t tid;
	pthread_t th;
};

static void *blk_main(void *arg)
{
	struct blk *b = arg;

	b->handle = lwsw_register(b->fd);
	b->tid = lwsw_gettid();
	b->ret = b->target ? lwsw_switchto(b->fd, (uint32_t)b->target) : lwsw_wait(b->fd);
	__atomic_store_n(&b->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

struct closer {
	int fd;
	int ret;
};

static void *close_main(void *arg)
{
	struct closer *c = arg;

	c->ret = close(c->fd);
	return NULL;
}

TEST(fd_closed_while_members_blocked)
{
	enum { N = 6 };
	struct blk b[N];
	struct closer c;
	pthread_t ct;
	long domains0 = lwsw_stat("domains");
	int fd = lwsw_open(), fd2, me;

	LWSW_NEED_ROOT("reads the module's debugfs counters");
	lwsw_catch_usr1();
	ASSERT_LE(0, fd);
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);
	/* We are a member that never waits: SWITCHTO callers leave us tokens. */
	me = lwsw_register(fd);
	ASSERT_LT(0, me);
	for (int i = 0; i < N; i++) {
		b[i] = (struct blk){ .fd = fd, .target = i % 2 ? me : 0 };
		ASSERT_EQ(0, pthread_create(&b[i].th, NULL, blk_main, &b[i]));
	}
	for (int i = 0; i < N; i++) {
		while (!b[i].tid)
			usleep(1000);
		ASSERT_EQ(0, wait_sleeping(getpid(), b[i].tid));
	}

	/* Another thread closes the fd they are blocked on. */
	c.fd = fd;
	ASSERT_EQ(0, pthread_create(&ct, NULL, close_main, &c));
	ASSERT_EQ(0, pthread_join(ct, NULL));
	ASSERT_EQ(0, c.ret);
	usleep(50000);
	for (int i = 0; i < N; i++)
		EXPECT_EQ(0, b[i].done);
	EXPECT_EQ(domains0 + 1, lwsw_stat("domains"));

	/* The domain lives on through the other fd: resume them all. */
	for (int i = 0; i < N; i++)
		EXPECT_EQ(0, lwsw_wake(fd2, (uint32_t)b[i].handle));
	for (int i = 0; i < N; i++) {
		pthread_join(b[i].th, NULL);
		EXPECT_EQ(0, b[i].ret);
	}
	/* The SWITCHTO callers each left us one token: one, not more. */
	EXPECT_EQ(0, lwsw_wait_timeout(fd2, 0));
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(fd2, 0));

	/* Now close every fd while they block: they hold the domain until a
	 * signal gets them out, then it goes. */
	for (int i = 0; i < N; i++) {
		b[i] = (struct blk){ .fd = fd2, .target = i % 2 ? me : 0 };
		ASSERT_EQ(0, pthread_create(&b[i].th, NULL, blk_main, &b[i]));
	}
	for (int i = 0; i < N; i++) {
		while (!b[i].tid)
			usleep(1000);
		ASSERT_EQ(0, wait_sleeping(getpid(), b[i].tid));
	}
	c.fd = fd2;
	ASSERT_EQ(0, pthread_create(&ct, NULL, close_main, &c));
	ASSERT_EQ(0, pthread_join(ct, NULL));
	ASSERT_EQ(0, c.ret);
	usleep(50000);
	EXPECT_EQ(domains0 + 1, lwsw_stat("domains"));
	for (int i = 0; i < N; i++) {
		EXPECT_EQ(0, b[i].done);
		ASSERT_EQ(0, pthread_kill(b[i].th, SIGUSR1));
		pthread_join(b[i].th, NULL);
		/* EINTR; a SWITCHTO's resume went to us (a token), but the
		 * odd ones' target (us) is the main thread, never blocked. */
		EXPECT_EQ(-EINTR, b[i].ret);
	}
	EXPECT_EQ(domains0, lwsw_stat_settles("domains", domains0));
}

/* ---- fork of a registered thread ---- */

struct forker {
	int fd;
	int main_handle;
	volatile int handle;
	volatile pid_t tid;
	int status;
	int child_handle;
};

static void *fork_from_member(void *arg)
{
	struct forker *f = arg;
	int pipefd[2];
	pid_t pid;

	f->handle = lwsw_register(f->fd);
	f->tid = lwsw_gettid();
	if (pipe(pipefd))
		return NULL;
	pid = fork();
	if (pid == 0) {
		int h;

		/* The child: same domain, not a member. */
		if (lwsw_wait_timeout(f->fd, 0) != -EPERM)
			_exit(1);
		if (lwsw_switchto_timeout(f->fd, (uint32_t)f->main_handle, 0) != -EPERM)
			_exit(2);
		if (lwsw_wake(f->fd, (uint32_t)f->main_handle) != -EPERM)
			_exit(3);
		if (lwsw_unregister(f->fd) != -EPERM)
			_exit(4);
		if (lwsw_lookup(f->fd, (uint32_t)lwsw_gettid()) != -ESRCH)
			_exit(5);
		/* LOOKUP needs no membership: it finds the forking thread. */
		if (lwsw_lookup(f->fd, (uint32_t)f->tid) != f->handle)
			_exit(6);
		/* It may join, as itself; then it can resume the parent. */
		h = lwsw_register(f->fd);
		if (h <= 0 || h == f->handle || h == f->main_handle)
			_exit(7);
		if (write(pipefd[1], &h, sizeof(h)) != sizeof(h))
			_exit(8);
		if (lwsw_wake(f->fd, (uint32_t)f->handle))
			_exit(9);
		_exit(0);
	}
	if (read(pipefd[0], &f->child_handle, sizeof(int)) != sizeof(int))
		f->child_handle = -1;
	waitpid(pid, &f->status, 0);
	close(pipefd[0]);
	close(pipefd[1]);
	/* Exactly the child's one resume is pending for us. */
	if (lwsw_wait_timeout(f->fd, 0) != 0)
		f->status = -1;
	else if (lwsw_wait_timeout(f->fd, 0) != -ETIMEDOUT)
		f->status = -2;
	return NULL;
}

TEST(fork_of_registered_thread)
{
	struct forker f = { 0 };
	pthread_t th;
	long members0 = lwsw_stat("members");

	LWSW_NEED_ROOT("reads the module's debugfs counters");
	f.fd = lwsw_open();
	ASSERT_LE(0, f.fd);
	f.main_handle = lwsw_register(f.fd);
	ASSERT_LT(0, f.main_handle);
	/* A token of ours is pending across the fork: the child cannot take it. */
	ASSERT_EQ(0, pthread_create(&th, NULL, fork_from_member, &f));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_LT(0, f.handle);
	EXPECT_LT(0, f.child_handle);
	EXPECT_TRUE(WIFEXITED(f.status)) {
		TH_LOG("status %d", f.status);
	}
	EXPECT_EQ(0, WEXITSTATUS(f.status));
	/* Our own membership was untouched by the fork. */
	EXPECT_EQ(f.main_handle, lwsw_lookup(f.fd, (uint32_t)lwsw_gettid()));
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(f.fd, 0));
	/* The thread and the child exited: only we remain. */
	EXPECT_EQ(members0 + 1, lwsw_stat_settles("members", members0 + 1));
	close(f.fd);
}

/* ---- exec while registered ---- */

struct sw {
	int fd;
	int target;
	volatile pid_t tid;
	volatile int ret;
	pthread_t th;
};

static void *switch_main(void *arg)
{
	struct sw *s = arg;

	s->tid = lwsw_gettid();
	if (lwsw_register(s->fd) <= 0) {
		s->ret = -1000;
		return NULL;
	}
	s->ret = lwsw_switchto_timeout(s->fd, (uint32_t)s->target, 10000 * MS);
	return NULL;
}

static int open_inheritable(void)
{
	int fd = open(LWSW_DEV, O_RDWR);

	return fd < 0 ? -errno : fd;
}

static void exec_self(int fd)
{
	char env[64], *argv[] = { "kmod_faults", NULL };
	char *envp[] = { env, NULL };

	snprintf(env, sizeof(env), EXEC_ENV "=%d", fd);
	execve("/proc/self/exe", argv, envp);
	_exit(100);
}

TEST(exec_of_single_threaded_member)
{
	struct sw s = { 0 };
	int p[2], h, status;
	long members0 = lwsw_stat("members");
	pid_t pid;

	s.fd = open_inheritable();
	ASSERT_LE(0, s.fd);
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		h = lwsw_register(s.fd);
		if (write(p[1], &h, sizeof(h)) != sizeof(h))
			_exit(99);
		/* Resumed by the parent's SWITCHTO, then exec (never resuming it). */
		if (lwsw_wait(s.fd))
			_exit(98);
		exec_self(s.fd);
	}
	ASSERT_EQ(sizeof(h), read(p[0], &h, sizeof(h)));
	ASSERT_LT(0, h);
	s.target = h;
	ASSERT_EQ(0, pthread_create(&s.th, NULL, switch_main, &s));
	pthread_join(s.th, NULL);
	/* The exec ended the membership the parent was blocked on. */
	EXPECT_EQ(-EOWNERDEAD, s.ret);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(-ESRCH, lwsw_lookup(s.fd, (uint32_t)pid));
	close(s.fd);
	close(p[0]);
	close(p[1]);
	EXPECT_EQ(members0, lwsw_stat_settles("members", members0));
}

struct mt {
	int fd;
	int go;
	volatile int handle;
	volatile pid_t tid;
};

static void *member_then_block(void *arg)
{
	struct mt *m = arg;

	m->handle = lwsw_register(m->fd);
	m->tid = lwsw_gettid();
	for (;;)
		pause();
	return NULL;
}

static void *member_then_exec(void *arg)
{
	struct mt *m = arg;
	char c;

	m->handle = lwsw_register(m->fd);
	m->tid = lwsw_gettid();
	if (read(m->go, &c, 1) != 1)
		_exit(97);
	exec_self(m->fd);
	return NULL;
}

TEST(exec_from_non_leader_thread)
{
	struct sw s[2] = { 0 };
	int c2p[2], go[2], h[3], status;
	long members0 = lwsw_stat("members");
	pid_t pid;
	int fd = open_inheritable();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(c2p));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Three members: the leader, a blocked thread, and the thread
		 * that will exec (which kills the other two first). */
		struct mt a = { .fd = fd, .go = go[0] }, b = { .fd = fd, .go = go[0] };
		pthread_t ta, tb;

		h[0] = lwsw_register(fd);
		if (pthread_create(&ta, NULL, member_then_block, &a) ||
		    pthread_create(&tb, NULL, member_then_exec, &b))
			_exit(96);
		while (!a.handle || !b.handle)
			usleep(1000);
		h[1] = a.handle;
		h[2] = b.handle;
		if (write(c2p[1], h, sizeof(h)) != sizeof(h))
			_exit(95);
		for (;;)
			pause();
	}
	ASSERT_EQ(sizeof(h), read(c2p[0], h, sizeof(h)));
	for (int i = 0; i < 3; i++)
		ASSERT_LT(0, h[i]);
	/* Two peers block on the two members that de_thread() will kill. */
	for (int i = 0; i < 2; i++) {
		s[i] = (struct sw){ .fd = fd, .target = h[i] };
		ASSERT_EQ(0, pthread_create(&s[i].th, NULL, switch_main, &s[i]));
	}
	for (int i = 0; i < 2; i++) {
		while (!s[i].tid)
			usleep(1000);
		ASSERT_EQ(0, wait_sleeping(getpid(), s[i].tid));
	}
	ASSERT_EQ(1, write(go[1], "g", 1));
	for (int i = 0; i < 2; i++) {
		pthread_join(s[i].th, NULL);
		EXPECT_EQ(-EOWNERDEAD, s[i].ret);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* Every membership of the exec'ing process ended. */
	ASSERT_LT(0, lwsw_register(fd));
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(-ESRCH, lwsw_wake(fd, (uint32_t)h[i]));
	close(fd);
	EXPECT_EQ(members0, lwsw_stat_settles("members", members0));
}

/* ---- stops and ptrace of blocked members ---- */

struct pp {
	int fd;
	int parent_handle;
	volatile int handle;
	volatile pid_t tid;
	volatile int round;		/* rounds the child finished */
	volatile int eintr;		/* EINTRs it saw */
	volatile int bad;		/* first unexpected result + 1000*round */
};

/*
 * The child member: a strict ping-pong of SWITCHTO with the parent.  After
 * an EINTR from SWITCHTO its resume was delivered: never switch again,
 * WAIT for the reply instead.
 */
static void pp_child(struct pp *s, int rounds)
{
	s->handle = lwsw_register(s->fd);
	s->tid = lwsw_gettid();
	for (int i = 0; i < rounds; i++) {
		int r = lwsw_switchto(s->fd, (uint32_t)s->parent_handle);

		while (r == -EINTR) {
			s->eintr++;
			r = lwsw_wait(s->fd);
		}
		if (r && !s->bad)
			s->bad = r - 1000 * (i + 1);
		__atomic_store_n(&s->round, i + 1, __ATOMIC_SEQ_CST);
	}
	_exit(0);
}

static int wait_round(struct pp *s, int want)
{
	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(&s->round, __ATOMIC_SEQ_CST) >= want)
			return 0;
		usleep(1000);
	}
	return -1;
}

TEST(stop_and_ptrace_of_blocked_members)
{
	enum { ROUNDS = 40 };
	struct pp *s;
	int fd, me, status, r, perturb[4] = { 0 };
	pid_t pid;

	s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s);
	fd = lwsw_open();
	ASSERT_LE(0, fd);
	me = lwsw_register(fd);
	ASSERT_LT(0, me);
	s->fd = fd;
	s->parent_handle = me;
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		pp_child(s, ROUNDS);
	while (!s->handle)
		usleep(1000);
	ASSERT_LT(0, s->handle);

	for (int i = 0; i < ROUNDS; i++) {
		/* The child's SWITCHTO resumes us: exactly one token. */
		r = lwsw_wait_timeout(fd, 5000 * MS);
		ASSERT_EQ(0, r) {
			TH_LOG("round %d: the child's resume did not arrive", i);
		}
		/* It is blocked in the SWITCHTO now (or about to be): perturb. */
		ASSERT_EQ(0, wait_sleeping(pid, s->tid));
		switch (i % 4) {
		case 0:		/* stopped and continued while blocked */
			ASSERT_EQ(0, kill(pid, SIGSTOP));
			ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
			ASSERT_TRUE(WIFSTOPPED(status));
			ASSERT_EQ(0, kill(pid, SIGCONT));
			break;
		case 1:		/* resumed while stopped */
			ASSERT_EQ(0, kill(pid, SIGSTOP));
			ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
			ASSERT_EQ(0, lwsw_wake(fd, (uint32_t)s->handle));
			usleep(5000);
			EXPECT_EQ(i, s->round);		/* stopped: not run yet */
			ASSERT_EQ(0, kill(pid, SIGCONT));
			break;
		case 2:		/* PTRACE_SEIZE + INTERRUPT, resumed in trace stop */
			ASSERT_EQ(0, ptrace(PTRACE_SEIZE, pid, 0, 0));
			ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, pid, 0, 0));
			ASSERT_EQ(pid, waitpid(pid, &status, __WALL));
			ASSERT_EQ(0, lwsw_wake(fd, (uint32_t)s->handle));
			ASSERT_EQ(0, ptrace(PTRACE_DETACH, pid, 0, 0));
			break;
		default:	/* PTRACE_ATTACH (a SIGSTOP) and DETACH */
			ASSERT_EQ(0, ptrace(PTRACE_ATTACH, pid, 0, 0));
			ASSERT_EQ(pid, waitpid(pid, &status, __WALL));
			ASSERT_EQ(0, ptrace(PTRACE_DETACH, pid, 0, 0));
			break;
		}
		perturb[i % 4]++;
		if (i % 4 == 0 || i % 4 == 3) {
			/* Still blocked, nothing consumed: resume it now. */
			usleep(5000);
			EXPECT_EQ(i, s->round);
			ASSERT_EQ(0, lwsw_wake(fd, (uint32_t)s->handle));
		}
		ASSERT_EQ(0, wait_round(s, i + 1)) {
			TH_LOG("round %d: the child was not resumed", i);
		}
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, s->bad);
	/* Every token was delivered once: none left over for us. */
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(fd, 0));
	ksft_print_msg("ptrace/stop: %d rounds (%d stop, %d wake-while-stopped, %d seize+interrupt, %d attach); child EINTRs %d\n",
		       ROUNDS, perturb[0], perturb[1], perturb[2], perturb[3], s->eintr);
	close(fd);
}

/* ---- counters ---- */

static const char *const bal_names[] = { "register", "unregister", "exit", "close", "members" };

static void bal_read(long *v)
{
	for (int i = 0; i < 5; i++)
		v[i] = lwsw_stat(bal_names[i]);
}

/*
 * Every registration ends exactly once, and the counters say how: over any
 * interval, register == unregister + exit + close + (change of members).
 * A REGISTER whose handle cannot be stored is undone (the header: "Loses
 * nothing"), so it must leave the balance intact too.
 */
TEST(counters_balance_after_undone_register)
{
	long a[5], b[5], d[5];
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd;

	ASSERT_NE(MAP_FAILED, ro);
	bal_read(a);
	fd = lwsw_open();
	ASSERT_LE(0, fd);
	/* Readable (all zero, valid) but not writable. */
	ASSERT_EQ(-EFAULT, lwsw_ioctl(fd, LWSWITCH_IOC_REGISTER, ro));
	EXPECT_EQ(-ESRCH, lwsw_lookup(fd, (uint32_t)lwsw_gettid()));
	/* A normal registration that ends by UNREGISTER, one by close. */
	ASSERT_LT(0, lwsw_register(fd));
	ASSERT_EQ(0, lwsw_unregister(fd));
	ASSERT_LT(0, lwsw_register(fd));
	close(fd);
	bal_read(b);
	for (int i = 0; i < 5; i++)
		d[i] = b[i] - a[i];
	EXPECT_EQ(0, d[4]);
	EXPECT_EQ(d[0], d[1] + d[2] + d[3] + d[4]) {
		TH_LOG("register +%ld, unregister +%ld, exit +%ld, close +%ld, members %+ld",
		       d[0], d[1], d[2], d[3], d[4]);
	}
}

/* ---- allocation failures ---- */

#define FAILSLAB "/sys/kernel/debug/failslab"

TEST(register_under_failslab)
{
	long members0 = lwsw_stat("members");
	int fd, h, mif, enomem = 0, ok = 0, first_enomem = 0;
	char path[64];

	if (access(FAILSLAB, F_OK))
		SKIP(return, "no " FAILSLAB ": this kernel lacks CONFIG_FAILSLAB (fault injection)");
	fd = lwsw_open();
	ASSERT_LE(0, fd);
	/*
	 * Fail slab allocations of this thread only (task-filter and its
	 * make-it-fail), GFP_KERNEL ones included (ignore-gfp-wait N),
	 * silently (verbose 0: a stack dump on the console would count as a
	 * splat).
	 */
	ASSERT_EQ(0, lwsw_write_file(FAILSLAB "/task-filter", "Y"));
	ASSERT_EQ(0, lwsw_write_file(FAILSLAB "/ignore-gfp-wait", "N"));
	ASSERT_EQ(0, lwsw_write_file(FAILSLAB "/verbose", "0"));
	ASSERT_EQ(0, lwsw_write_file(FAILSLAB "/interval", "1"));
	snprintf(path, sizeof(path), "/proc/self/task/%d/make-it-fail", lwsw_gettid());
	/* Opened once: an open() while failing would fail itself. */
	mif = open(path, O_WRONLY);
	ASSERT_LE(0, mif);

	for (int i = 0; i < 60; i++) {
		/* First 10: the very first allocation fails (the member);
		 * then a random 30% of them (the xarrays' nodes too). */
		ASSERT_EQ(0, lwsw_write_file(FAILSLAB "/probability", i < 10 ? "100" : "30"));
		ASSERT_EQ(0, lwsw_write_file(FAILSLAB "/times", i < 10 ? "1" : "-1"));
		ASSERT_EQ(1, write(mif, "1", 1));
		h = lwsw_register(fd);
		ASSERT_EQ(1, write(mif, "0", 1));
		if (h == -ENOMEM) {
			enomem++;
			first_enomem += i < 10;
			/* Nothing half-done: not a member, count unchanged. */
			EXPECT_EQ(-ESRCH, lwsw_lookup(fd, (uint32_t)lwsw_gettid()));
			EXPECT_EQ(members0, lwsw_stat("members"));
		} else {
			ASSERT_LT(0, h) {
				TH_LOG("REGISTER under failslab: %d", h);
			}
			ok++;
			EXPECT_EQ(h, lwsw_lookup(fd, (uint32_t)lwsw_gettid()));
			ASSERT_EQ(0, lwsw_unregister(fd));
		}
	}
	close(mif);
	lwsw_write_file(FAILSLAB "/probability", "0");
	lwsw_write_file(FAILSLAB "/times", "1");
	ksft_print_msg("failslab: REGISTER gave ENOMEM %d times, succeeded %d times\n",
		       enomem, ok);
	/* The member's allocation is REGISTER's first: it must have failed. */
	EXPECT_EQ(10, first_enomem);
	/* The module still works. */
	h = lwsw_register(fd);
	EXPECT_LT(0, h);
	close(fd);
	EXPECT_EQ(members0, lwsw_stat_settles("members", members0));
}

TEST_HARNESS_MAIN
