// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch: the directed hand-off (handoff=yield) and the paths around a
 * runnable waiter.  Every test runs in the mode the module was loaded
 * with (the VM suite runs once per mode), except the parameter tests,
 * which switch it and put it back.  Nothing here asserts a time: the
 * checks are return values, strict alternation (a plain counter that only
 * the thread holding the turn touches), context switch counts and the
 * module's counters.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "lwsw_harness.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180
#include "lwsw_kmod.h"

/* Long enough never to fire on a working module; a lost resume fails. */
#define LOST_NS		(20ull * 1000000000ull)

static int handoff_is_yield(void)
{
	struct lwswitch_info info = { 0 };
	int fd = lwsw_open(), ret;

	if (fd < 0)
		return fd;
	ret = lwsw_ioctl(fd, LWSWITCH_IOC_INFO, &info);
	close(fd);
	if (ret)
		return ret;
	return !!(info.features & LWSWITCH_FEAT_HANDOFF_YIELD);
}

/* The parameter's value, "yield" or "block", into @buf. */
static int handoff_read(char *buf, size_t len)
{
	FILE *f = fopen(LWSW_PARAM("handoff"), "r");
	int ok;

	if (!f)
		return -errno;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -EIO;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static long thread_csw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* Burn @ns of this thread's CPU time (not wall time: the host is shared). */
static void compute(uint64_t ns)
{
	struct timespec ts;
	uint64_t t0, t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	t0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	do {
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
		t = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	} while (t - t0 < ns);
}

/* State letter of thread @tid of this process in /proc, or '?'. */
static char thread_state(pid_t tid)
{
	char path[64], buf[256], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	f = fopen(path, "r");
	if (!f)
		return '?';
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p)
		return '?';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* ---- the parameter: bad values first ---- */

TEST(bad_handoff_parameter_values)
{
	char before[32], now[32];

	LWSW_NEED_ROOT("writes the module's parameters");
	ASSERT_EQ(0, handoff_read(before, sizeof(before)));
	EXPECT_EQ(-EINVAL, lwsw_write_file(LWSW_PARAM("handoff"), "spin"));
	EXPECT_EQ(-EINVAL, lwsw_write_file(LWSW_PARAM("handoff"), "1"));
	EXPECT_EQ(-EINVAL, lwsw_write_file(LWSW_PARAM("handoff"), "yieldx"));
	EXPECT_EQ(-EINVAL, lwsw_write_file(LWSW_PARAM("handoff"), "\n"));
	ASSERT_EQ(0, handoff_read(now, sizeof(now)));
	EXPECT_STREQ(before, now);
}

TEST(handoff_parameter_is_reported_by_info)
{
	char before[32], now[32];

	LWSW_NEED_ROOT("writes the module's parameters");
	ASSERT_EQ(0, handoff_read(before, sizeof(before)));
	ASSERT_TRUE(!strcmp(before, "yield") || !strcmp(before, "block"));
	EXPECT_EQ(!strcmp(before, "yield"), handoff_is_yield());

	ASSERT_EQ(0, lwsw_write_file(LWSW_PARAM("handoff"), "block"));
	EXPECT_EQ(0, handoff_is_yield());
	ASSERT_EQ(0, handoff_read(now, sizeof(now)));
	EXPECT_STREQ("block", now);
	ASSERT_EQ(0, lwsw_write_file(LWSW_PARAM("handoff"), "yield\n"));
	EXPECT_EQ(1, handoff_is_yield());
	ASSERT_EQ(0, handoff_read(now, sizeof(now)));
	EXPECT_STREQ("yield", now);
	ASSERT_EQ(0, lwsw_write_file(LWSW_PARAM("handoff"), before));
}

/* ---- a two-thread ping-pong with per-side hooks ---- */

struct duo {
	int fd;
	volatile int handle[2];
	volatile pid_t tid[2];
	volatile int ready;
	long rounds;			/* round trips */
	long counter;			/* plain: the turn protects it */
	long bad;			/* first out-of-turn count + 1, or 0 */
	int err[2];			/* first unexpected return per side */
	long eintr[2];
	uint64_t seed;
	/* the hook run by side @id before each hop of its */
	void (*before_hop)(struct duo *d, int id, long i, uint64_t *rng);
	long csw[2];			/* context switches of each side's loop */
	int restart_eintr;		/* EINTR: WAIT for the resume, go on */
};

struct duo_arg {
	struct duo *d;
	int id;
};

/* SWITCHTO, and after -EINTR the documented continuation: WAIT. */
static int duo_hop(struct duo *d, int id, uint32_t peer)
{
	int ret = lwsw_switchto_timeout(d->fd, peer, LOST_NS);

	while (ret == -EINTR && d->restart_eintr) {
		d->eintr[id]++;
		ret = lwsw_wait_timeout(d->fd, LOST_NS);
	}
	return ret;
}

static void *duo_thread(void *arg)
{
	struct duo_arg *a = arg;
	struct duo *d = a->d;
	int id = a->id, ret;
	uint64_t rng = d->seed + (uint64_t)id;
	uint32_t peer;
	long csw0;

	d->tid[id] = lwsw_gettid();
	d->handle[id] = lwsw_register(d->fd);
	__atomic_add_fetch(&d->ready, 1, __ATOMIC_ACQ_REL);
	while (__atomic_load_n(&d->ready, __ATOMIC_ACQUIRE) < 2)
		usleep(100);
	peer = (uint32_t)d->handle[!id];
	csw0 = thread_csw();

	if (id == 1) {
		ret = lwsw_wait_timeout(d->fd, LOST_NS);
		while (ret == -EINTR && d->restart_eintr) {
			d->eintr[id]++;
			ret = lwsw_wait_timeout(d->fd, LOST_NS);
		}
		if (ret) {
			d->err[id] = ret;
			return NULL;
		}
	}
	for (long i = 0;; i++) {
		if (d->counter >= 2 * d->rounds)
			break;
		if (d->counter % 2 != id && !d->bad)
			d->bad = d->counter + 1;
		d->counter++;
		if (d->counter == 2 * d->rounds) {
			ret = lwsw_wake(d->fd, peer);
			if (ret)
				d->err[id] = ret;
			break;
		}
		if (d->before_hop)
			d->before_hop(d, id, i, &rng);
		ret = duo_hop(d, id, peer);
		if (ret) {
			d->err[id] = ret;
			/* Let the peer out of its wait too. */
			lwsw_wake(d->fd, peer);
			break;
		}
	}
	d->csw[id] = thread_csw() - csw0;
	/* Every resume was consumed: none is left over for this side. */
	ret = lwsw_wait_timeout(d->fd, 0);
	if (ret != -ETIMEDOUT && !d->err[id])
		d->err[id] = ret ? ret : -EEXIST;
	return NULL;
}

static void duo_run(struct duo *d);

static void *duo_run_thread(void *arg)
{
	duo_run(arg);
	return NULL;
}

static void duo_run(struct duo *d)
{
	struct duo_arg args[2] = { { d, 0 }, { d, 1 } };
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, duo_thread, &args[i]))
			abort();
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

/* ---- a partner that computes 10 ms between hops ---- */

#define SLOW_ROUNDS	20

static long slow_seen_blocked;

static void slow_partner(struct duo *d, int id, long i, uint64_t *rng)
{
	(void)i;
	(void)rng;
	if (id != 1)
		return;
	compute(10 * 1000000ull);
	/* Side 0 waits for us: runnable still, or blocked for real. */
	slow_seen_blocked += thread_state(d->tid[0]) == 'S';
}

/*
 * Side 0 hands off and waits; side 1 computes for 10 ms of CPU before it
 * answers.  A runnable waiter that gets the CPU back meanwhile must block
 * for real at once: side 0 may switch at most twice per wait (the
 * hand-off, and that one block), never spin.
 */
TEST(partner_computes_10ms_waiter_blocks)
{
	struct duo d = { .rounds = SLOW_ROUNDS, .before_hop = slow_partner };
	long blocked0 = lwsw_stat("yield_blocked");
	int yield = handoff_is_yield();

	LWSW_NEED_ROOT("reads the module's debugfs counters");
	ASSERT_LE(0, yield);
	d.fd = lwsw_open();
	ASSERT_LE(0, d.fd);
	duo_run(&d);
	EXPECT_EQ(0, d.err[0]);
	EXPECT_EQ(0, d.err[1]);
	EXPECT_EQ(0, d.bad);
	EXPECT_EQ(2 * SLOW_ROUNDS, d.counter);
	/* Side 0 waits SLOW_ROUNDS times, at most one extra switch each. */
	EXPECT_LE(d.csw[0], 2 * SLOW_ROUNDS) {
		TH_LOG("waiter: %ld context switches in %d waits", d.csw[0],
		       SLOW_ROUNDS);
	}
	EXPECT_LE(SLOW_ROUNDS - 1, d.csw[0]);
	if (yield) {
		EXPECT_LT(0, lwsw_stat("yield_blocked") - blocked0);
	}
	ksft_print_msg("handoff=%s: waiter %ld switches in %d waits, seen blocked %ld times, yield_blocked +%ld\n",
		       yield ? "yield" : "block", d.csw[0], SLOW_ROUNDS,
		       slow_seen_blocked, lwsw_stat("yield_blocked") - blocked0);
	close(d.fd);
}

/* ---- resumes racing the runnable -> blocked transition ---- */

#define RACE_PAIRS	2
#define RACE_ROUNDS	3000

/*
 * Before each hop, at random: nothing, a short spin, a short sleep (the
 * waiter on our CPU gets it back without a token and blocks while our
 * timer brings us back to resume it, maybe from the other CPU), or a
 * sched_yield().
 */
static void race_hook(struct duo *d, int id, long i, uint64_t *rng)
{
	volatile unsigned int sink = 0;

	(void)d;
	(void)id;
	(void)i;
	switch (lwsw_rnd(rng, 4)) {
	case 1:
		for (unsigned int n = lwsw_rnd(rng, 4000); n; n--)
			sink += n;
		break;
	case 2:
		usleep(lwsw_rnd(rng, 60));
		break;
	case 3:
		sched_yield();
		break;
	}
}

static const char *const race_stats[] = {
	"switchto", "wake", "resume_woke", "resume_token", "resume_runnable",
	"yield_blocked", "timeout",
};
#define NRACE (sizeof(race_stats) / sizeof(race_stats[0]))

TEST(resume_races_runnable_to_blocked)
{
	struct duo d[RACE_PAIRS];
	pthread_t t[RACE_PAIRS];
	long st[NRACE];
	int yield = handoff_is_yield();

	LWSW_NEED_ROOT("reads the module's debugfs counters");
	ASSERT_LE(0, yield);
	for (unsigned int i = 0; i < NRACE; i++)
		st[i] = lwsw_stat(race_stats[i]);
	for (int p = 0; p < RACE_PAIRS; p++) {
		d[p] = (struct duo){ .rounds = RACE_ROUNDS, .before_hop = race_hook,
				     .seed = 0x5eed0000ull + (uint64_t)p * 7919 };
		d[p].fd = lwsw_open();
		ASSERT_LE(0, d[p].fd);
	}
	for (int p = 0; p < RACE_PAIRS; p++)
		ASSERT_EQ(0, pthread_create(&t[p], NULL,
					    duo_run_thread, &d[p]));
	for (int p = 0; p < RACE_PAIRS; p++)
		pthread_join(t[p], NULL);
	for (unsigned int i = 0; i < NRACE; i++)
		st[i] = lwsw_stat(race_stats[i]) - st[i];

	for (int p = 0; p < RACE_PAIRS; p++) {
		EXPECT_EQ(0, d[p].err[0]);
		EXPECT_EQ(0, d[p].err[1]);
		EXPECT_EQ(0, d[p].bad);
		EXPECT_EQ(2 * RACE_ROUNDS, d[p].counter);
		close(d[p].fd);
	}
	/* Each pair: one SWITCHTO per hop but the last, which is a WAKE. */
	EXPECT_EQ(RACE_PAIRS * (2 * RACE_ROUNDS - 1), st[0]);
	EXPECT_EQ(RACE_PAIRS, st[1]);
	/* Every resume took exactly one of the three ways. */
	EXPECT_EQ(st[0] + st[1], st[2] + st[3] + st[4]);
	/* No wait timed out but each side's final check for a token. */
	EXPECT_EQ(2 * RACE_PAIRS, st[6]);
	if (yield) {
		EXPECT_LT(0, st[4]);
		EXPECT_LT(0, st[5]);
	} else {
		EXPECT_EQ(0, st[4]);
		EXPECT_EQ(0, st[5]);
	}
	ksft_print_msg("handoff=%s: %ld resumes: woke %ld, token %ld, runnable %ld; runnable waiters blocked %ld\n",
		       yield ? "yield" : "block", st[0] + st[1], st[2], st[3],
		       st[4], st[5]);
}

/* ---- a waiter whose partner exits ---- */

#define EXIT_ROUNDS	50

struct quitter {
	int fd;
	volatile int handle;
	volatile int ready;
	int spin;
	int ret;
};

static void *quitter_thread(void *arg)
{
	struct quitter *q = arg;

	q->handle = lwsw_register(q->fd);
	__atomic_store_n(&q->ready, 1, __ATOMIC_RELEASE);
	q->ret = lwsw_wait_timeout(q->fd, LOST_NS);
	/* Resumed: leave without resuming the one who switched to us. */
	if (q->spin)
		compute((uint64_t)q->spin * 1000);
	return NULL;
}

TEST(waiter_whose_partner_thread_exits)
{
	long dead0 = lwsw_stat("owner_dead");
	int fd = lwsw_open(), me;

	LWSW_NEED_ROOT("reads the module's debugfs counters");
	ASSERT_LE(0, fd);
	me = lwsw_register(fd);
	ASSERT_LT(0, me);
	for (int i = 0; i < EXIT_ROUNDS; i++) {
		struct quitter q = { .fd = fd, .spin = (i % 5) * 200 };
		pthread_t t;

		ASSERT_EQ(0, pthread_create(&t, NULL, quitter_thread, &q));
		while (!__atomic_load_n(&q.ready, __ATOMIC_ACQUIRE))
			usleep(100);
		/* Its WAIT may not have started: a token then, same answer. */
		ASSERT_EQ(-EOWNERDEAD, lwsw_switchto_timeout(fd, (uint32_t)q.handle,
							      LOST_NS)) {
			TH_LOG("round %d", i);
		}
		pthread_join(t, NULL);
		EXPECT_EQ(0, q.ret);
		EXPECT_EQ(-ESRCH, lwsw_switchto(fd, (uint32_t)q.handle));
	}
	EXPECT_EQ(EXIT_ROUNDS, lwsw_stat("owner_dead") - dead0);
	/* Nobody resumed us: no token. */
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(fd, 0));
	close(fd);
}

/* Shared between the test and a forked child. */
struct shared {
	volatile int handle;
	volatile int ready;
	long counter;			/* plain: the turn protects it */
	long bad;
	int err;
	long eintr;
};

static struct shared *shared_map(void)
{
	void *p = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

TEST(waiter_whose_partner_process_exits)
{
	for (int i = 0; i < 10; i++) {
		struct shared *s = shared_map();
		int fd = lwsw_open(), status;
		pid_t pid;

		ASSERT_NE(NULL, s);
		ASSERT_LE(0, fd);
		ASSERT_LT(0, lwsw_register(fd));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			s->handle = lwsw_register(fd);
			__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
			s->err = lwsw_wait_timeout(fd, LOST_NS);
			if (i % 2)
				compute(500 * 1000);
			_exit(0);
		}
		while (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
			usleep(100);
		EXPECT_EQ(-EOWNERDEAD, lwsw_switchto_timeout(fd, (uint32_t)s->handle,
							      LOST_NS));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		EXPECT_EQ(0, s->err);
		EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(fd, 0));
		close(fd);
		munmap(s, sizeof(*s));
	}
}

/* ---- a waiter interrupted by a signal while runnable ---- */

struct sigpeer {
	int fd;
	volatile int handle;
	volatile int ready;
	pthread_t victim;
	volatile int victim_done;
	int ret;
};

static void *signaller(void *arg)
{
	struct sigpeer *s = arg;

	s->handle = lwsw_register(s->fd);
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	s->ret = lwsw_wait_timeout(s->fd, LOST_NS);
	/*
	 * Our resumer waits for us, runnable on this CPU or asleep; signal
	 * it and keep the CPU a while before anyone resumes it.
	 */
	pthread_kill(s->victim, SIGUSR1);
	compute(2 * 1000000ull);
	/* Stay a member until it has returned: else it might see us gone. */
	while (!__atomic_load_n(&s->victim_done, __ATOMIC_ACQUIRE))
		usleep(100);
	return NULL;
}

TEST(signal_while_runnable_waiter)
{
	long intr0 = lwsw_stat("interrupted");
	int fd = lwsw_open(), me;

	LWSW_NEED_ROOT("reads the module's debugfs counters");
	ASSERT_LE(0, fd);
	me = lwsw_register(fd);
	ASSERT_LT(0, me);
	lwsw_catch_usr1();
	for (int i = 0; i < 20; i++) {
		struct sigpeer s = { .fd = fd, .victim = pthread_self() };
		pthread_t t;

		ASSERT_EQ(0, pthread_create(&t, NULL, signaller, &s));
		while (!__atomic_load_n(&s.ready, __ATOMIC_ACQUIRE))
			usleep(100);
		/* Nobody resumes us before the signal: EINTR, after the resume. */
		EXPECT_EQ(-EINTR, lwsw_switchto_timeout(fd, (uint32_t)s.handle, LOST_NS));
		__atomic_store_n(&s.victim_done, 1, __ATOMIC_RELEASE);
		pthread_join(t, NULL);
		/* The peer was resumed, and nobody resumed us. */
		EXPECT_EQ(0, s.ret);
		EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(fd, 0));
	}
	EXPECT_EQ(20, lwsw_stat("interrupted") - intr0);
	close(fd);
}

/* A storm of signals: some pending before the call, some while waiting. */
struct storm {
	struct duo *d;
	volatile int stop;
	long sent;
};

/* By thread id (tgkill): a thread that has exited is just ESRCH. */
static void *storm_thread(void *arg)
{
	struct storm *s = arg;
	uint64_t rng = 42;
	pid_t tid;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		tid = s->d->tid[lwsw_rnd(&rng, 2)];
		if (tid && !syscall(SYS_tgkill, getpid(), tid, SIGUSR1))
			s->sent++;
		usleep(lwsw_rnd(&rng, 200));
	}
	return NULL;
}

TEST(signal_storm_each_resume_once)
{
	struct duo d = { .rounds = 3000, .restart_eintr = 1 };
	struct storm s = { .d = &d };
	pthread_t t;

	lwsw_catch_usr1();
	d.fd = lwsw_open();
	ASSERT_LE(0, d.fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, storm_thread, &s));
	duo_run(&d);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	EXPECT_EQ(0, d.err[0]);
	EXPECT_EQ(0, d.err[1]);
	EXPECT_EQ(0, d.bad);
	EXPECT_EQ(2 * 3000, d.counter);
	ksft_print_msg("%ld signals sent, EINTR %ld + %ld\n", s.sent,
		       d.eintr[0], d.eintr[1]);
	close(d.fd);
}

/* ---- a SIGSTOP'd partner in another process ---- */

#define STOP_ROUNDS	200
#define STOP_EVERY	20

TEST(sigstopped_partner)
{
	struct shared *s = shared_map();
	int fd = lwsw_open(), me, status, stops = 0;
	pid_t pid;

	ASSERT_NE(NULL, s);
	ASSERT_LE(0, fd);
	me = lwsw_register(fd);
	ASSERT_LT(0, me);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ret;

		s->handle = lwsw_register(fd);
		__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
		ret = lwsw_wait_timeout(fd, LOST_NS);
		for (;;) {
			/* A stop interrupts the wait: then WAIT for the resume. */
			while (ret == -EINTR) {
				s->eintr++;
				ret = lwsw_wait_timeout(fd, LOST_NS);
			}
			if (ret) {
				s->err = ret;
				_exit(1);
			}
			if (s->counter % 2 != 1 && !s->bad)
				s->bad = s->counter + 1;
			if (++s->counter >= 2 * STOP_ROUNDS) {
				lwsw_wake(fd, (uint32_t)me);
				_exit(0);
			}
			ret = lwsw_switchto_timeout(fd, (uint32_t)me, LOST_NS);
		}
	}
	while (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
		usleep(100);
	for (int i = 0; i < STOP_ROUNDS; i++) {
		int ret;

		if (s->counter % 2 != 0 && !s->bad)
			s->bad = s->counter + 1;
		s->counter++;
		if (i % STOP_EVERY == STOP_EVERY - 1) {
			/* The child waits for us (runnable or asleep): stop it. */
			ASSERT_EQ(0, kill(pid, SIGSTOP));
			ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
			ASSERT_TRUE(WIFSTOPPED(status));
			stops++;
			/* A stopped partner cannot answer: we time out. */
			EXPECT_EQ(-ETIMEDOUT, lwsw_switchto_timeout(fd, (uint32_t)s->handle,
								     20 * 1000000ull));
			ASSERT_EQ(0, kill(pid, SIGCONT));
			/* The resume was delivered: the child answers it. */
			ret = lwsw_wait_timeout(fd, LOST_NS);
		} else {
			ret = lwsw_switchto_timeout(fd, (uint32_t)s->handle, LOST_NS);
		}
		ASSERT_EQ(0, ret) {
			TH_LOG("round %d", i);
		}
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, s->err);
	EXPECT_EQ(0, s->bad);
	EXPECT_EQ(2 * STOP_ROUNDS, s->counter);
	EXPECT_EQ(STOP_ROUNDS / STOP_EVERY, stops);
	/* The child's last WAKE ended our last wait: nothing is left. */
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(fd, 0));
	ksft_print_msg("%d stops, child EINTRs %ld\n", stops, s->eintr);
	close(fd);
	munmap(s, sizeof(*s));
}

/* ---- a hand-off between members of two processes ---- */

#define PROC_ROUNDS	2000

TEST(handoff_between_two_processes)
{
	struct shared *s = shared_map();
	long runnable0 = lwsw_stat("resume_runnable");
	int fd = lwsw_open(), me, status, yield = handoff_is_yield();
	pid_t pid;

	ASSERT_LE(0, yield);
	ASSERT_NE(NULL, s);
	ASSERT_LE(0, fd);
	me = lwsw_register(fd);
	ASSERT_LT(0, me);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ret;

		s->handle = lwsw_register(fd);
		__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
		ret = lwsw_wait_timeout(fd, LOST_NS);
		while (!ret) {
			if (s->counter % 2 != 1 && !s->bad)
				s->bad = s->counter + 1;
			if (++s->counter >= 2 * PROC_ROUNDS) {
				ret = lwsw_wake(fd, (uint32_t)me);
				break;
			}
			ret = lwsw_switchto_timeout(fd, (uint32_t)me, LOST_NS);
		}
		s->err = ret;
		_exit(ret ? 1 : 0);
	}
	while (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
		usleep(100);
	for (int i = 0; i < PROC_ROUNDS; i++) {
		if (s->counter % 2 != 0 && !s->bad)
			s->bad = s->counter + 1;
		s->counter++;
		ASSERT_EQ(0, lwsw_switchto_timeout(fd, (uint32_t)s->handle, LOST_NS));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, s->err);
	EXPECT_EQ(0, s->bad);
	EXPECT_EQ(2 * PROC_ROUNDS, s->counter);
	/* Which path the resumes took: the counters are root's (debugfs). */
	if (geteuid() != 0) {
		TH_LOG("not root: the module's counters were not checked");
	} else if (yield) {
		EXPECT_LT(0, lwsw_stat("resume_runnable") - runnable0);
	} else {
		EXPECT_EQ(0, lwsw_stat("resume_runnable") - runnable0);
	}
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(fd, 0));
	close(fd);
	munmap(s, sizeof(*s));
}

/* ---- the mode switched while a pair hands off ---- */

struct flipper {
	volatile int stop;
	long flips;
};

static void *flip_thread(void *arg)
{
	struct flipper *f = arg;

	while (!__atomic_load_n(&f->stop, __ATOMIC_ACQUIRE)) {
		lwsw_write_file(LWSW_PARAM("handoff"), f->flips % 2 ? "yield" : "block");
		f->flips++;
		usleep(500);
	}
	return NULL;
}

TEST(handoff_mode_flipped_during_pingpong)
{
	struct duo d = { .rounds = 3000 };
	struct flipper f = { 0 };
	char before[32];
	pthread_t t;

	LWSW_NEED_ROOT("writes the module's parameters");
	ASSERT_EQ(0, handoff_read(before, sizeof(before)));
	d.fd = lwsw_open();
	ASSERT_LE(0, d.fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, flip_thread, &f));
	duo_run(&d);
	__atomic_store_n(&f.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	ASSERT_EQ(0, lwsw_write_file(LWSW_PARAM("handoff"), before));
	EXPECT_EQ(0, d.err[0]);
	EXPECT_EQ(0, d.err[1]);
	EXPECT_EQ(0, d.bad);
	EXPECT_EQ(2 * 3000, d.counter);
	ksft_print_msg("%ld flips\n", f.flips);
	close(d.fd);
}

TEST_HARNESS_MAIN
