// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch: a randomized stress of many threads in several processes and
 * domains, with signals, stops and SIGKILLs injected at random.
 *
 * Four worker processes (more are forked to replace the ones killed) of 17
 * threads each share three domains (opened by the parent before fork).
 * Every thread is a member of one domain and loops doing, at random: WAKE
 * (sometimes with HERE) or SWITCHTO (with a timeout) to a random member
 * of its domain in any process, WAIT with a relative, absolute, past or
 * zero timeout, and UNREGISTER + REGISTER.  The parent meanwhile sends
 * SIGUSR1 to random threads, SIGSTOP/SIGCONT to random processes, and
 * SIGKILLs two of them at random moments (one more per 20 s of a long run).
 *
 * The counting protocol ("every token delivered exactly once").  Tokens do
 * not count (two resumes before a wait leave one), so each member has a
 * one-slot mailbox in shared memory and a sender may only resume a member
 * whose mailbox it filled (compare-and-swap from empty) with a baton that
 * names the sending process and is unique to the sending thread (its
 * thread and a sequence number of its own: a baton another thread could
 * also make would let a sender's later compare-and-swap mistake the
 * other's baton for its own, and mark a resume delivered before it was
 * made).  Hence every member has at most one resume in flight, and:
 *  - a wait that returns 0 must find a baton in its mailbox (else a resume
 *    came from nowhere, or was delivered twice): it takes it, and counts
 *    it as received from the baton's process;
 *  - a sender whose WAKE/SWITCHTO delivered (0, or EINTR/ETIMEDOUT/
 *    EOWNERDEAD for SWITCHTO) counts it as sent and then marks the baton
 *    DELIVERED; a wait that starts with a DELIVERED baton in the mailbox
 *    must return 0 at once (else a pending token was lost);
 *  - ESRCH (the target left): the sender takes its baton back, unless the
 *    target took it first by unregistering (the pending token dies with the
 *    membership: counted as dropped by the target, sent by the sender);
 *  - at the end, all senders stopped, every surviving member's WAIT with
 *    timeout 0 must return 0 exactly when its mailbox holds a baton.
 * For every pair of surviving processes (p, q): sent[p->q] ==
 * received[q<-p] + dropped[q<-p].  Batons of killed processes are not
 * counted (a process may die between an ioctl and its bookkeeping).
 *
 * Also: every call returns an errno its kernel-doc allows, every process
 * is reaped, nothing hangs (all waits are bounded; the parent gives every
 * phase a deadline), the module's counters moved at least as much as the
 * calls counted, register == unregister + exit + close over the run, and
 * the domain and member counts come back to where they were.
 *
 * LWSW_STRESS_SECONDS (default 12) bounds the run; LWSW_STRESS_SEED replaces
 * the fixed seed (printed).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "lwsw_harness.h"
#include "lwsw_kmod.h"

#define NDOM		3
#define NWORKERS	4
#define MAXPROC		16
#define THREADS		17
#define NSLOT		(MAXPROC * THREADS)
#define MAXKILLS	(MAXPROC - NWORKERS)
#define SEED_DEFAULT	0x5717e55eu
#define SECONDS_DEFAULT	12

#define DELIVERED	(1ull << 63)
/* Bit 63: DELIVERED; 47..40: thread; 39..32: process + 1; 31..0: sequence. */
#define BATON(p, t, seq) (((uint64_t)(t) << 40) | ((uint64_t)((p) + 1) << 32) | \
			  (uint32_t)(seq))
#define BATON_PROC(v)	((int)(((v) >> 32) & 0xff) - 1)

enum { RUN, STOP, CHECK };

struct slot {
	int handle;		/* 0 while not a member */
	pid_t tid;
	uint64_t mbox;		/* 0, or a baton (| DELIVERED) */
};

struct shm {
	int phase;
	int stopped, checked;
	int nproc;			/* process indices used so far */
	int killed[MAXPROC];
	pid_t pid[MAXPROC];
	struct slot slot[NSLOT];
	unsigned long sent[MAXPROC][MAXPROC];
	unsigned long received[MAXPROC][MAXPROC];	/* [receiver][sender] */
	unsigned long dropped[MAXPROC][MAXPROC];
	unsigned long returned, final_tokens;
	unsigned long n_switchto, n_wake, n_wait, n_register, n_unregister;
	unsigned long n_eintr, n_etimedout, n_eownerdead, n_esrch, n_ok;
	unsigned long phantom, lost, stray, badret, badmodel;
	char first_bad[256];
};

static struct shm *S;
static int dom_fd[NDOM];
static uint64_t seed;

#define INC(x) __atomic_add_fetch(&(x), 1, __ATOMIC_SEQ_CST)
#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_SEQ_CST)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_SEQ_CST)

static void bad(unsigned long *counter, const char *fmt, ...)
{
	va_list ap;

	if (INC(*counter) == 1 && !__atomic_exchange_n(&S->first_bad[0], 'x', __ATOMIC_SEQ_CST)) {
		va_start(ap, fmt);
		vsnprintf(S->first_bad, sizeof(S->first_bad), fmt, ap);
		va_end(ap);
	}
}

/* ---- a worker thread ---- */

struct wt {
	int proc, idx, slot, dom;
	uint64_t rng;
	uint32_t seq;
	int handle;
};

/* Our wait returned 0: take the baton that must be there. */
static void consume(struct wt *w, const char *how)
{
	uint64_t v = __atomic_exchange_n(&S->slot[w->slot].mbox, 0, __ATOMIC_SEQ_CST);

	if (!v) {
		bad(&S->phantom, "%s returned 0 to slot %d with an empty mailbox", how, w->slot);
		return;
	}
	INC(S->received[w->proc][BATON_PROC(v)]);
}

/* A wait ended without a resume: was one pending before it started? */
static void check_not_lost(struct wt *w, uint64_t pre, int ret, const char *how)
{
	if (pre & DELIVERED)
		bad(&S->lost, "%s returned %d to slot %d although a delivered baton %#llx was pending",
		    how, ret, w->slot, (unsigned long long)pre);
}

static void do_register(struct wt *w)
{
	int h = lwsw_register(dom_fd[w->dom]);

	if (h <= 0) {
		bad(&S->badret, "REGISTER: %d", h);
		return;
	}
	INC(S->n_register);
	w->handle = h;
	STORE(S->slot[w->slot].handle, h);
}

static void do_unregister(struct wt *w)
{
	uint64_t v;
	int ret;

	STORE(S->slot[w->slot].handle, 0);
	ret = lwsw_unregister(dom_fd[w->dom]);
	if (ret) {
		bad(&S->badret, "UNREGISTER: %d", ret);
		return;
	}
	INC(S->n_unregister);
	w->handle = 0;
	/* A pending token died with the membership: so does its baton. */
	v = __atomic_exchange_n(&S->slot[w->slot].mbox, 0, __ATOMIC_SEQ_CST);
	if (v)
		INC(S->dropped[w->proc][BATON_PROC(v)]);
}

static void tally(int ret)
{
	switch (ret) {
	case 0: INC(S->n_ok); break;
	case -EINTR: INC(S->n_eintr); break;
	case -ETIMEDOUT: INC(S->n_etimedout); break;
	case -EOWNERDEAD: INC(S->n_eownerdead); break;
	case -ESRCH: INC(S->n_esrch); break;
	}
}

static struct lwswitch_hop rand_timeout(struct wt *w, uint32_t target)
{
	struct lwswitch_hop h = { .target = target };
	uint64_t now = lwsw_now_ns();

	switch (lwsw_rnd(&w->rng, 6)) {
	case 0:
		h.flags = LWSWITCH_HOP_TIMEOUT;		/* 0: at once */
		break;
	case 1:
		h.flags = LWSWITCH_HOP_ABSTIME;
		h.timeout_ns = now - lwsw_rnd(&w->rng, 1000000);	/* past */
		break;
	case 2:
		h.flags = LWSWITCH_HOP_ABSTIME;
		h.timeout_ns = now + lwsw_rnd(&w->rng, 10000000);
		break;
	default:
		h.flags = LWSWITCH_HOP_TIMEOUT;
		h.timeout_ns = lwsw_rnd(&w->rng, 10000000);
		break;
	}
	return h;
}

static void do_send(struct wt *w)
{
	int tproc = (int)lwsw_rnd(&w->rng, (uint32_t)LOAD(S->nproc));
	int tidx = w->dom + NDOM * (int)lwsw_rnd(&w->rng, (THREADS - 1 - w->dom) / NDOM + 1);
	int j = tproc * THREADS + tidx, fd = dom_fd[w->dom], ret, h;
	struct lwswitch_hop hop;
	uint64_t val, pre, exp;
	int sw = lwsw_rnd(&w->rng, 2);

	if (j == w->slot || tidx >= THREADS)
		return;
	h = LOAD(S->slot[j].handle);
	if (!h)
		return;
	val = BATON(w->proc, w->idx, ++w->seq);
	exp = 0;
	if (!__atomic_compare_exchange_n(&S->slot[j].mbox, &exp, val, 0,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return;		/* it has a resume in flight already */

	if (sw) {
		pre = LOAD(S->slot[w->slot].mbox);
		hop = rand_timeout(w, (uint32_t)h);
		ret = lwsw_ioctl(fd, LWSWITCH_IOC_SWITCHTO, &hop);
		INC(S->n_switchto);
	} else {
		pre = 0;
		hop = (struct lwswitch_hop){ .target = (uint32_t)h };
		if (lwsw_rnd(&w->rng, 2))
			hop.flags = LWSWITCH_HOP_HERE;
		ret = lwsw_ioctl(fd, LWSWITCH_IOC_WAKE, &hop);
		INC(S->n_wake);
	}
	tally(ret);

	if (ret == -ESRCH) {
		exp = val;
		if (__atomic_compare_exchange_n(&S->slot[j].mbox, &exp, 0, 0,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			INC(S->returned);
		else
			INC(S->sent[w->proc][tproc]);	/* taken by its UNREGISTER */
		return;
	}
	if (ret == 0 || (sw && (ret == -EINTR || ret == -ETIMEDOUT || ret == -EOWNERDEAD))) {
		INC(S->sent[w->proc][tproc]);
		exp = val;
		__atomic_compare_exchange_n(&S->slot[j].mbox, &exp, val | DELIVERED, 0,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	} else {
		bad(&S->badret, "%s to handle %d: %d", sw ? "SWITCHTO" : "WAKE", h, ret);
		return;
	}
	if (!sw)
		return;
	if (ret == 0)
		consume(w, "SWITCHTO");
	else
		check_not_lost(w, pre, ret, "SWITCHTO");
}

static void do_wait(struct wt *w)
{
	uint64_t pre = LOAD(S->slot[w->slot].mbox);
	struct lwswitch_hop hop = rand_timeout(w, 0);
	int ret = lwsw_ioctl(dom_fd[w->dom], LWSWITCH_IOC_WAIT, &hop);

	INC(S->n_wait);
	tally(ret);
	if (ret == 0)
		consume(w, "WAIT");
	else if (ret == -ETIMEDOUT || ret == -EINTR)
		check_not_lost(w, pre, ret, "WAIT");
	else
		bad(&S->badret, "WAIT: %d", ret);
}

/* All senders stopped: a baton in the mailbox <=> a token pending. */
static void final_check(struct wt *w)
{
	uint64_t v = LOAD(S->slot[w->slot].mbox);
	int sender_dead = v && LOAD(S->killed[BATON_PROC(v)]);
	int ret;

	if (!w->handle) {
		if (v && !sender_dead)
			bad(&S->stray, "slot %d: not a member, baton %#llx in its mailbox",
			    w->slot, (unsigned long long)v);
		return;
	}
	ret = lwsw_wait_timeout(dom_fd[w->dom], 0);
	if (ret == 0) {
		if (!v)
			bad(&S->stray, "slot %d: a token pending with an empty mailbox", w->slot);
		else
			INC(S->final_tokens);
		consume(w, "final WAIT");
	} else if (ret == -ETIMEDOUT) {
		if (v && !sender_dead)
			bad(&S->lost, "slot %d: baton %#llx but no token at the end", w->slot,
			    (unsigned long long)v);
	} else {
		bad(&S->badret, "final WAIT: %d", ret);
	}
}

static void *worker_thread(void *p)
{
	struct wt *w = p;

	STORE(S->slot[w->slot].tid, lwsw_gettid());
	do_register(w);
	while (LOAD(S->phase) == RUN) {
		uint32_t r = lwsw_rnd(&w->rng, 100);

		if (!w->handle)
			do_register(w);
		else if (r < 3)
			do_unregister(w);
		else if (r < 55)
			do_send(w);
		else
			do_wait(w);
	}
	INC(S->stopped);
	while (LOAD(S->phase) != CHECK)
		usleep(1000);
	final_check(w);
	INC(S->checked);
	return NULL;
}

static void worker(int proc)
{
	static struct wt w[THREADS];
	pthread_t t[THREADS];

	lwsw_catch_usr1();
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct wt){ .proc = proc, .idx = i, .slot = proc * THREADS + i,
				    .dom = i % NDOM,
				    .rng = seed ^ ((uint64_t)(proc * THREADS + i + 1) << 40) };
		if (pthread_create(&t[i], NULL, worker_thread, &w[i]))
			_exit(10);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

static pid_t spawn(int proc)
{
	pid_t pid = fork();

	if (pid == 0)
		worker(proc);
	if (pid > 0)
		STORE(S->pid[proc], pid);
	return pid;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

/* Wait until *@ctr reaches @want, at most @sec seconds. */
static int wait_count(int *ctr, int want, int sec)
{
	for (int i = 0; i < sec * 100; i++) {
		if (LOAD(*ctr) >= want)
			return 0;
		usleep(10000);
	}
	return -1;
}

static const char *const stat_names[] = {
	"switchto", "wake", "wait", "register", "unregister", "exit", "close",
};
#define NSTATS (sizeof(stat_names) / sizeof(stat_names[0]))

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
}

FIXTURE_TEARDOWN(stress)
{
}

/* The harness's limit is only a backstop: LWSW_STRESS_SECONDS bounds the
 * run and every phase has its own deadline. */
TEST_F_TIMEOUT(stress, run, 3600)
{
	long st0[NSTATS], st1[NSTATS], domains0, members0;
	bool counters;
	unsigned long signals = 0, stops = 0, kills = 0;
	unsigned long sent = 0, got = 0, dropped = 0;
	int alive, seconds, status;
	uint64_t rng, t0, t_end, kill_at[MAXKILLS];
	int nkills;

	/* The counters are root's (debugfs): as anyone else, no leak check. */
	counters = geteuid() == 0;
	seed = env_u64("LWSW_STRESS_SEED", SEED_DEFAULT);
	seconds = (int)env_u64("LWSW_STRESS_SECONDS", SECONDS_DEFAULT);
	rng = seed;
	ksft_print_msg("stress: seed %#llx (LWSW_STRESS_SEED), %d s (LWSW_STRESS_SECONDS), %d processes x %d threads, %d domains\n",
		       (unsigned long long)seed, seconds, NWORKERS, THREADS, NDOM);

	S = mmap(NULL, sizeof(*S), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, S);
	domains0 = lwsw_stat("domains");
	members0 = lwsw_stat("members");
	if (counters)
		ASSERT_LE(0, members0);
	for (unsigned int i = 0; i < NSTATS; i++)
		st0[i] = lwsw_stat(stat_names[i]);
	for (int d = 0; d < NDOM; d++) {
		dom_fd[d] = lwsw_open();
		ASSERT_LE(0, dom_fd[d]);
	}
	signal(SIGUSR1, SIG_IGN);	/* the parent sends, never receives */

	STORE(S->nproc, NWORKERS);
	for (int p = 0; p < NWORKERS; p++)
		ASSERT_LT(0, spawn(p));
	alive = NWORKERS;

	t0 = lwsw_now_ns();
	t_end = t0 + (uint64_t)seconds * 1000000000ull;
	/* Two SIGKILLs in a short run, one more per 20 s in a long one. */
	nkills = 2 + seconds / 20 < MAXKILLS ? 2 + seconds / 20 : MAXKILLS;
	for (int k = 0; k < nkills; k++)
		kill_at[k] = t0 + (uint64_t)seconds * 1000000000ull * (10 * k + 3 + lwsw_rnd(&rng, 5)) /
				  (10 * nkills + 2);

	/* Chaos until the end. */
	while (lwsw_now_ns() < t_end) {
		int p = (int)lwsw_rnd(&rng, (uint32_t)S->nproc);
		uint32_t r = lwsw_rnd(&rng, 100);

		usleep(2000 + lwsw_rnd(&rng, 8000));
		for (int k = 0; k < nkills; k++) {
			if (!kill_at[k] || lwsw_now_ns() < kill_at[k] || S->killed[p])
				continue;
			/* SIGKILL a worker mid-flight; a new one takes its place. */
			kill_at[k] = 0;
			STORE(S->killed[p], 1);
			ASSERT_EQ(0, kill(S->pid[p], SIGKILL));
			ASSERT_EQ(S->pid[p], waitpid(S->pid[p], &status, 0));
			EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
			kills++;
			if (S->nproc < MAXPROC) {
				ASSERT_LT(0, spawn(S->nproc));
				STORE(S->nproc, S->nproc + 1);
			} else {
				alive--;
			}
		}
		if (S->killed[p])
			continue;
		if (r < 85) {
			pid_t tid = LOAD(S->slot[p * THREADS + (int)lwsw_rnd(&rng, THREADS)].tid);

			if (tid > 0 && !syscall(SYS_tgkill, S->pid[p], tid, SIGUSR1))
				signals++;
		} else if (r < 95) {
			kill(S->pid[p], SIGUSR1);
			signals++;
		} else {
			kill(S->pid[p], SIGSTOP);
			usleep(1000 + lwsw_rnd(&rng, 5000));
			kill(S->pid[p], SIGCONT);
			stops++;
		}
	}

	/* Stop every sender, then the final check, then exit. */
	STORE(S->phase, STOP);
	EXPECT_EQ(0, wait_count(&S->stopped, alive * THREADS, 60)) {
		TH_LOG("only %d of %d threads stopped: a hang", LOAD(S->stopped), alive * THREADS);
	}
	STORE(S->phase, CHECK);
	EXPECT_EQ(0, wait_count(&S->checked, alive * THREADS, 60));
	for (int p = 0; p < S->nproc; p++) {
		pid_t r = 0;

		if (S->killed[p])
			continue;
		for (int i = 0; i < 3000 && (r = waitpid(S->pid[p], &status, WNOHANG)) == 0; i++)
			usleep(10000);
		if (r != S->pid[p]) {
			kill(S->pid[p], SIGKILL);
			waitpid(S->pid[p], &status, 0);
		}
		EXPECT_EQ(S->pid[p], r) {
			TH_LOG("worker %d not reaped within 30 s", p);
		}
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}

	/* The token accounts, between surviving processes. */
	for (int p = 0; p < S->nproc; p++)
		for (int q = 0; q < S->nproc; q++) {
			if (S->killed[p] || S->killed[q])
				continue;
			sent += S->sent[p][q];
			got += S->received[q][p];
			dropped += S->dropped[q][p];
			EXPECT_EQ(S->sent[p][q], S->received[q][p] + S->dropped[q][p]) {
				TH_LOG("process %d -> %d: sent %lu, received %lu, dropped %lu", p, q,
				       S->sent[p][q], S->received[q][p], S->dropped[q][p]);
			}
		}
	ksft_print_msg("stress: calls: switchto %lu, wake %lu, wait %lu, register %lu, unregister %lu\n",
		       S->n_switchto, S->n_wake, S->n_wait, S->n_register, S->n_unregister);
	ksft_print_msg("stress: results: ok %lu, EINTR %lu, ETIMEDOUT %lu, EOWNERDEAD %lu, ESRCH %lu\n",
		       S->n_ok, S->n_eintr, S->n_etimedout, S->n_eownerdead, S->n_esrch);
	ksft_print_msg("stress: batons between survivors: sent %lu = received %lu + dropped %lu; returned %lu, pending at the end %lu\n",
		       sent, got, dropped, S->returned, S->final_tokens);
	ksft_print_msg("stress: injected: %lu SIGUSR1, %lu SIGSTOP/SIGCONT, %lu SIGKILL; %d processes in all\n",
		       signals, stops, kills, S->nproc);
	if (S->first_bad[0])
		TH_LOG("first violation: %s", S->first_bad);
	EXPECT_EQ(0, S->phantom);
	EXPECT_EQ(0, S->lost);
	EXPECT_EQ(0, S->stray);
	EXPECT_EQ(0, S->badret);
	EXPECT_LT(1000, S->n_ok);
	EXPECT_EQ(nkills, kills);

	/* Counters: back to zero, and they moved as much as we counted. */
	for (int d = 0; d < NDOM; d++)
		close(dom_fd[d]);
	if (!counters) {
		TH_LOG("not root: the module's counters were not checked");
		return;
	}
	EXPECT_EQ(domains0, lwsw_stat_settles("domains", domains0));
	EXPECT_EQ(members0, lwsw_stat_settles("members", members0));
	for (unsigned int i = 0; i < NSTATS; i++)
		st1[i] = lwsw_stat(stat_names[i]) - st0[i];
	EXPECT_LE(S->n_switchto, st1[0]);
	EXPECT_LE(S->n_wake, st1[1]);
	EXPECT_LE(S->n_wait, st1[2]);
	EXPECT_LE(S->n_register, st1[3]);
	EXPECT_LE(S->n_unregister, st1[4]);
	EXPECT_EQ(st1[3], st1[4] + st1[5] + st1[6]) {
		TH_LOG("register %ld != unregister %ld + exit %ld + close %ld",
		       st1[3], st1[4], st1[5], st1[6]);
	}
}

TEST_HARNESS_MAIN
