// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch: a random ioctl fuzzer on /dev/lwswitch.
 *
 * Two fuzzing threads fire random commands at three domains: the seven
 * real commands with random contents (flags, reserved words, targets,
 * tids, timeouts: huge, "negative", past, zero), the real numbers with a
 * wrong size or direction, unknown numbers under our magic and under
 * others, and argument pointers that are NULL, unmapped, read-only, a
 * struct straddling the end of a writable page into a read-only or an
 * unmapped one, kernel and non-canonical addresses, misaligned.  Peers
 * registered in the domains wait, wake and switch to the fuzzers, so real
 * hand-offs race with the garbage.
 *
 * Asserted: every call returns 0 or an errno that the UAPI's kernel-doc
 * lists for that command (ENOTTY for anything else), the caller's
 * membership follows a model (EEXIST/EPERM/handles agree with what
 * REGISTER/UNREGISTER returned before), no call hangs (a timer signal
 * every few milliseconds interrupts any wait; a watchdog fails the test
 * when a thread makes no progress), and the module's domain and member
 * counts return to where they were once everything is closed.
 *
 * LWSW_FUZZ_SEED (decimal or 0x...) replaces the fixed seed; the seed is
 * always printed.  LWSW_FUZZ_SECONDS (default 15) bounds the run.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "lwsw_harness.h"
#include "lwsw_kmod.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define FUZZ_SEED_DEFAULT	0x1b8f00d5u
#define FUZZ_SECONDS_DEFAULT	15
#define NFUZZ			2
#define NPEERS			3
#define PAGE			4096

/* ---- the allowed errnos, from include/uapi/linux/lwswitch.h ---- */

enum { C_INFO, C_REGISTER, C_UNREGISTER, C_LOOKUP, C_SWITCHTO, C_WAKE,
       C_WAIT, C_UNKNOWN, NCMDS };

static const char *const cmd_names[NCMDS] = {
	"INFO", "REGISTER", "UNREGISTER", "LOOKUP", "SWITCHTO", "WAKE", "WAIT",
	"unknown",
};

static const unsigned long cmd_nums[C_UNKNOWN] = {
	LWSWITCH_IOC_INFO, LWSWITCH_IOC_REGISTER, LWSWITCH_IOC_UNREGISTER,
	LWSWITCH_IOC_LOOKUP, LWSWITCH_IOC_SWITCHTO, LWSWITCH_IOC_WAKE,
	LWSWITCH_IOC_WAIT,
};

/* Each command's "Return:" list in the header's kernel-doc (0 is always
 * allowed); ENOTTY is the only answer to a command the module lacks. */
static const int allowed[NCMDS][8] = {
	[C_INFO]	= { EFAULT, EINVAL },
	[C_REGISTER]	= { EFAULT, EINVAL, EEXIST, ENOSPC },
	[C_UNREGISTER]	= { EFAULT, EINVAL, EPERM },
	[C_LOOKUP]	= { EFAULT, EINVAL, ESRCH },
	[C_SWITCHTO]	= { EFAULT, EINVAL, EPERM, ESRCH, EINTR, ETIMEDOUT, EOWNERDEAD },
	[C_WAKE]	= { EFAULT, EINVAL, EPERM, ESRCH },
	[C_WAIT]	= { EFAULT, EINVAL, EPERM, EINTR, ETIMEDOUT },
	[C_UNKNOWN]	= { ENOTTY },
};

static int is_allowed(int c, int ret)
{
	if (ret == 0)
		return c != C_UNKNOWN;
	for (int i = 0; i < 8 && allowed[c][i]; i++)
		if (-ret == allowed[c][i])
			return 1;
	return 0;
}

/* errnos tallied per command: index = errno (0 = success), capped. */
#define NERR 160

struct tally {
	unsigned long calls[NCMDS];
	unsigned long err[NCMDS][NERR];
};

/* ---- shared state ---- */

static uint64_t seed;
static int fuzz_seconds;
static volatile int stop;

struct dom {
	int fd;
	volatile int peer_handle[NPEERS];
	volatile pid_t peer_tid[NPEERS];
};

static struct dom doms[2];		/* 0: main domain, 1: another one */
static volatile int dead_handle;	/* a member of doms[0] that exited */
static volatile pid_t dead_tid;
static volatile int fuzz_handle[NFUZZ];	/* fuzzers' handles in doms[0] */

static void on_sig(int sig)
{
	(void)sig;
}

/* ---- peers: members that wait, wake and switch back ---- */

struct peer_arg {
	int dom, idx;
	uint64_t rng;
	unsigned long bad;	/* results outside the allowed sets */
	int first_bad, first_bad_cmd;
};

static void peer_note(struct peer_arg *a, int c, int ret)
{
	if (is_allowed(c, ret))
		return;
	if (!a->bad++) {
		a->first_bad = ret;
		a->first_bad_cmd = c;
	}
}

static void *peer_main(void *p)
{
	struct peer_arg *a = p;
	struct dom *d = &doms[a->dom];
	int h = lwsw_register(d->fd);

	d->peer_tid[a->idx] = lwsw_gettid();
	d->peer_handle[a->idx] = h;
	if (h <= 0) {
		a->bad++;
		a->first_bad = h;
		return NULL;
	}
	while (!stop) {
		uint32_t r = lwsw_rnd(&a->rng, 100);
		int t = fuzz_handle[lwsw_rnd(&a->rng, NFUZZ)];
		int ret;

		if (r < 60 || a->dom || t <= 0) {
			ret = lwsw_wait_timeout(d->fd, 1000000 + lwsw_rnd(&a->rng, 4000000));
			peer_note(a, C_WAIT, ret);
		} else if (r < 85) {
			ret = lwsw_wake(d->fd, t);
			peer_note(a, C_WAKE, ret);
		} else {
			ret = lwsw_switchto_timeout(d->fd, t, 2000000);
			peer_note(a, C_SWITCHTO, ret);
		}
	}
	return NULL;
}

static void *dead_main(void *p)
{
	(void)p;
	dead_tid = lwsw_gettid();
	dead_handle = lwsw_register(doms[0].fd);
	return NULL;
}

/* ---- argument memory ---- */

/*
 * region: [0] RW  [1] RW  [2] RO  [3] NONE  [4] RW  [5] NONE
 * so a struct can straddle RW->RO (p+2P-k), RO->NONE (p+3P-k) and
 * RW->NONE (p+5P-k).
 */
struct mem {
	unsigned char *p;
	void *gone;		/* a page that was unmapped */
};

static int mem_init(struct mem *m)
{
	m->p = mmap(NULL, 6 * PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->p == MAP_FAILED)
		return -1;
	if (mprotect(m->p + 2 * PAGE, PAGE, PROT_READ) ||
	    mprotect(m->p + 3 * PAGE, PAGE, PROT_NONE) ||
	    mprotect(m->p + 5 * PAGE, PAGE, PROT_NONE))
		return -1;
	m->gone = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->gone == MAP_FAILED)
		return -1;
	munmap(m->gone, PAGE);
	return 0;
}

/* Write @len bytes of @src at @dst, which may be partly read-only; the
 * bytes that land on an unmapped page are dropped. */
static void mem_fill(struct mem *m, unsigned char *dst, const void *src, size_t len)
{
	unsigned char *ro = m->p + 2 * PAGE;

	mprotect(ro, PAGE, PROT_READ | PROT_WRITE);
	for (size_t i = 0; i < len; i++) {
		unsigned char *q = dst + i;

		if ((q >= m->p && q < m->p + 3 * PAGE) ||
		    (q >= m->p + 4 * PAGE && q < m->p + 5 * PAGE))
			*q = ((const unsigned char *)src)[i];
	}
	mprotect(ro, PAGE, PROT_READ);
}

enum { A_RW, A_RW_MISALIGNED, A_NULL, A_NONE, A_GONE, A_RO, A_RW_RO, A_RO_NONE,
       A_RW_NONE, A_KERNEL, A_NONCANON, A_LOW, NARGS };

static const char *const arg_names[NARGS] = {
	"rw", "rw-misaligned", "null", "prot-none", "unmapped", "read-only",
	"straddle-rw-ro", "straddle-ro-none", "straddle-rw-none", "kernel",
	"non-canonical", "low",
};

/* Where the argument goes; readable, writable: whether the whole struct
 * of @len bytes is. */
static void *arg_place(struct mem *m, uint64_t *s, int kind, size_t len,
		       int *readable, int *writable)
{
	size_t k = len > 1 ? 1 + lwsw_rnd(s, (uint32_t)len - 1) : 1;

	*readable = *writable = 0;
	switch (kind) {
	case A_RW:
		*readable = *writable = 1;
		return m->p + 8 * lwsw_rnd(s, (PAGE - 64) / 8);
	case A_RW_MISALIGNED:
		*readable = *writable = 1;
		return m->p + PAGE + 1 + lwsw_rnd(s, PAGE - 80);
	case A_NULL:
		return NULL;
	case A_NONE:
		return m->p + 3 * PAGE + lwsw_rnd(s, PAGE - 64);
	case A_GONE:
		return m->gone;
	case A_RO:
		*readable = 1;
		return m->p + 2 * PAGE + lwsw_rnd(s, PAGE - 64);
	case A_RW_RO:
		*readable = 1;
		return m->p + 2 * PAGE - k;
	case A_RO_NONE:
		return m->p + 3 * PAGE - k;
	case A_RW_NONE:
		return m->p + 5 * PAGE - k;
	case A_KERNEL:
		return (void *)(0xffff888000000000ull + 8 * lwsw_rnd(s, 1 << 20));
	case A_NONCANON:
		return (void *)(0x8000000000000000ull | lwsw_rng_next(s));
	default:
		return (void *)(uintptr_t)(lwsw_rnd(s, PAGE));
	}
}

/* ---- random field values ---- */

static uint64_t junk64(uint64_t *s)
{
	switch (lwsw_rnd(s, 10)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ~0ull;
	case 3: return 0x8000000000000000ull;
	case 4: return 0x7fffffffffffffffull;
	case 5: return 0x80000000ull;
	case 6: return 0xffffffffull;
	case 7: return 1ull << lwsw_rnd(s, 64);
	default: return lwsw_rng_next(s);
	}
}

static uint64_t timeout_val(uint64_t *s, uint32_t flags)
{
	uint64_t now = lwsw_now_ns();

	switch (lwsw_rnd(s, 12)) {
	case 0: return 0;
	case 1: return junk64(s);			/* huge, "negative" */
	case 2: return (uint64_t)INT64_MIN;
	case 3: return ~0ull;
	case 4: return now - 1000000;			/* absolute: past */
	case 5: return 1;				/* absolute: 1970-ish */
	case 6: return now + 2000000;			/* absolute: soon */
	default:
		if (flags & LWSWITCH_HOP_ABSTIME)
			return now + lwsw_rnd(s, 3000000);
		return lwsw_rnd(s, 3000000);			/* relative: short */
	}
}

struct fz {
	int id;
	uint64_t rng;
	struct mem mem;
	struct tally t;
	int handle[3];		/* our handle per domain, 0: not a member */
	int fd3;		/* a short-lived third domain, -1 if none */
	volatile unsigned long progress;
	volatile int in_call;	/* command index while inside ioctl, else -1 */
	unsigned long bad;
	char first_bad[256];
	unsigned long nr_calls;
};

static uint32_t pick_target(struct fz *f, int di)
{
	uint64_t *s = &f->rng;

	switch (lwsw_rnd(s, 12)) {
	case 0: return 0;
	case 1: return (uint32_t)f->handle[di];				/* self */
	case 2: return dead_handle;					/* exited */
	case 3: return (uint32_t)doms[1].peer_handle[0];		/* other domain's */
	case 4: return 0xffffffffu;
	case 5: return (uint32_t)lwsw_rng_next(s);
	case 6: return (uint32_t)fuzz_handle[!f->id];
	default:
		if (di > 1)
			return 1 + lwsw_rnd(s, 4);
		return (uint32_t)doms[di].peer_handle[lwsw_rnd(s, NPEERS)];
	}
}

static uint32_t pick_tid(struct fz *f)
{
	uint64_t *s = &f->rng;

	switch (lwsw_rnd(s, 10)) {
	case 0: return 0;
	case 1: return (uint32_t)lwsw_gettid();
	case 2: return (uint32_t)dead_tid;
	case 3: return (uint32_t)doms[1].peer_tid[0];
	case 4: return 1;
	case 5: return 0xffffffffu;
	case 6: return 4194304 + 1;	/* PID_MAX_LIMIT + 1 */
	case 7: return (uint32_t)lwsw_rng_next(s);
	default: return (uint32_t)doms[0].peer_tid[lwsw_rnd(s, NPEERS)];
	}
}

/* Build a plausible argument for command @c, then break it at random. */
static size_t make_arg(struct fz *f, int c, int di, unsigned char *buf)
{
	uint64_t *s = &f->rng;
	int sane = lwsw_rnd(s, 100) < 55;	/* mostly valid, so deep paths run */
	int mutate = sane ? (lwsw_rnd(s, 4) == 0) : 1;

	memset(buf, 0, 64);
	switch (c) {
	case C_INFO: {
		struct lwswitch_info *x = (void *)buf;

		if (mutate) {
			switch (lwsw_rnd(s, 4)) {
			case 0: x->flags = (uint32_t)junk64(s); break;
			case 1: x->__pad = (uint32_t)junk64(s); break;
			case 2: x->reserved[lwsw_rnd(s, 2)] = junk64(s); break;
			default: x->version = (uint32_t)junk64(s); break; /* out field */
			}
		}
		return sizeof(*x);
	}
	case C_REGISTER:
	case C_UNREGISTER: {
		struct lwswitch_register *x = (void *)buf;

		if (mutate) {
			switch (lwsw_rnd(s, 3)) {
			case 0: x->flags = (uint32_t)junk64(s); break;
			case 1: x->handle = (uint32_t)junk64(s); break;
			default: x->reserved[lwsw_rnd(s, 3)] = junk64(s); break;
			}
		}
		return sizeof(*x);
	}
	case C_LOOKUP: {
		struct lwswitch_lookup *x = (void *)buf;

		x->tid = pick_tid(f);
		if (mutate) {
			switch (lwsw_rnd(s, 4)) {
			case 0: x->flags = (uint32_t)junk64(s); break;
			case 1: x->__pad = (uint32_t)junk64(s); break;
			case 2: x->handle = (uint32_t)junk64(s); break;
			default: x->reserved[lwsw_rnd(s, 2)] = junk64(s); break;
			}
		}
		return sizeof(*x);
	}
	default: {
		struct lwswitch_hop *x = (void *)buf;
		uint32_t fl = 0;

		if (c != C_WAIT)
			x->target = pick_target(f, di);
		switch (lwsw_rnd(s, 4)) {
		case 0: break;
		case 1: fl = LWSWITCH_HOP_TIMEOUT; break;
		case 2: fl = LWSWITCH_HOP_ABSTIME; break;
		default: fl = c == C_WAKE ? LWSWITCH_HOP_HERE : LWSWITCH_HOP_TIMEOUT; break;
		}
		if (c == C_WAKE && fl != LWSWITCH_HOP_HERE && sane)
			fl = 0;
		x->flags = fl;
		if (fl & (LWSWITCH_HOP_TIMEOUT | LWSWITCH_HOP_ABSTIME))
			x->timeout_ns = timeout_val(s, fl);
		if (mutate) {
			switch (lwsw_rnd(s, 6)) {
			case 0: x->flags = (uint32_t)junk64(s); break;
			case 1: x->flags |= 1u << lwsw_rnd(s, 32); break;
			case 2: x->timeout_ns = junk64(s); break;
			case 3: x->reserved[lwsw_rnd(s, 2)] = junk64(s); break;
			case 4: x->target = (uint32_t)junk64(s); break;
			default:
				x->flags = LWSWITCH_HOP_TIMEOUT | LWSWITCH_HOP_ABSTIME;
				x->timeout_ns = 1;
				break;
			}
		}
		return sizeof(*x);
	}
	}
}

static void fz_bad(struct fz *f, const char *fmt, ...)
{
	va_list ap;

	if (f->bad++)
		return;
	va_start(ap, fmt);
	vsnprintf(f->first_bad, sizeof(f->first_bad), fmt, ap);
	va_end(ap);
}

static void tally(struct fz *f, int c, int ret)
{
	int e = -ret;

	f->t.calls[c]++;
	f->t.err[c][e >= 0 && e < NERR ? e : NERR - 1]++;
}

/* The number of a command the module does not have. */
static unsigned long unknown_cmd(struct fz *f)
{
	/* 0xB8: mshv's, which this module once used too. */
	static const unsigned char magics[] = { 'x', 'L', 0xB7, 0xB8, 0xFF, 'V', 'r' };
	uint64_t *s = &f->rng;
	unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE };
	int c = (int)lwsw_rnd(s, C_UNKNOWN);
	unsigned long num = cmd_nums[c];
	unsigned int size = _IOC_SIZE(num), nr = _IOC_NR(num), dir = _IOC_DIR(num);

	switch (lwsw_rnd(s, 4)) {
	case 0:		/* a real number, a wrong size */
		do
			size = lwsw_rnd(s, 1 << 14);
		while (size == _IOC_SIZE(num));
		break;
	case 1:		/* a real number, a wrong direction */
		do
			dir = dirs[lwsw_rnd(s, 4)];
		while (dir == _IOC_DIR(num));
		break;
	case 2:		/* our magic, a number we do not have */
		nr = lwsw_rnd(s, 2) ? 0 : 8 + lwsw_rnd(s, 248);
		dir = dirs[lwsw_rnd(s, 4)];
		size = lwsw_rnd(s, 2) ? size : lwsw_rnd(s, 1 << 14);
		break;
	default:	/* another magic (none the VFS handles itself) */
		return _IOC(dirs[lwsw_rnd(s, 4)], magics[lwsw_rnd(s, sizeof(magics))],
			    lwsw_rnd(s, 256), lwsw_rnd(s, 1 << 14));
	}
	return _IOC(dir, LWSWITCH_IOC_MAGIC, nr, size);
}

static void fuzz_one(struct fz *f)
{
	uint64_t *s = &f->rng;
	unsigned char buf[64];
	int c, di, fd, kind, readable, writable, ret;
	unsigned long num;
	size_t len;
	void *arg;
	uint32_t r = lwsw_rnd(s, 100);

	/* Which domain: mostly the main one, now and then the other or a
	 * fresh one that lives for a few calls. */
	di = r < 80 ? 0 : r < 95 ? 1 : 2;
	if (di == 2) {
		if (f->fd3 < 0 || lwsw_rnd(s, 4) == 0) {
			if (f->fd3 >= 0)
				close(f->fd3);
			f->fd3 = lwsw_open();
			f->handle[2] = 0;
			if (f->fd3 < 0) {
				fz_bad(f, "open of a third domain: %d", f->fd3);
				return;
			}
		}
		fd = f->fd3;
	} else {
		fd = doms[di].fd;
	}

	r = lwsw_rnd(s, 100);
	if (r < 75) {
		c = (int)lwsw_rnd(s, C_UNKNOWN);
		/* Registration changes are rarer than hops. */
		if ((c == C_REGISTER || c == C_UNREGISTER) && lwsw_rnd(s, 3))
			c = C_SWITCHTO + (int)lwsw_rnd(s, 3);
		num = cmd_nums[c];
	} else {
		c = C_UNKNOWN;
		num = unknown_cmd(f);
	}
	len = make_arg(f, c == C_UNKNOWN ? C_SWITCHTO : c, di, buf);
	kind = lwsw_rnd(s, 100) < 60 ? (lwsw_rnd(s, 4) ? A_RW : A_RW_MISALIGNED)
				: (int)lwsw_rnd(s, NARGS);
	arg = arg_place(&f->mem, s, kind, len, &readable, &writable);
	if (kind == A_RW || kind == A_RW_MISALIGNED || kind == A_RO ||
	    kind == A_RW_RO || kind == A_RO_NONE || kind == A_RW_NONE)
		mem_fill(&f->mem, arg, buf, len);

	f->in_call = c;
	ret = lwsw_ioctl(fd, num, arg);
	f->in_call = -1;
	f->progress++;
	f->nr_calls++;
	tally(f, c, ret);

	if (!is_allowed(c, ret)) {
		fz_bad(f, "%s (cmd %#lx, arg %s) on domain %d returned %d (%s), not in its documented set",
		       cmd_names[c], num, arg_names[kind], di, ret, strerror(-ret));
		return;
	}
	/* Failures before anything happened must come with bad memory when
	 * the argument was sound: EFAULT only for unreadable/unwritable. */
	if (ret == -EFAULT && readable && writable)
		fz_bad(f, "%s on %s memory: EFAULT", cmd_names[c], arg_names[kind]);
	if (c != C_UNKNOWN && c != C_INFO && c != C_LOOKUP && ret == 0 &&
	    c != C_REGISTER && !f->handle[di])
		fz_bad(f, "%s succeeded on domain %d while not a member", cmd_names[c], di);
	if (ret == -EPERM && f->handle[di])
		fz_bad(f, "%s: EPERM on domain %d while a member (handle %d)",
		       cmd_names[c], di, f->handle[di]);

	switch (c) {
	case C_REGISTER:
		if (ret == 0) {
			uint32_t h = ((struct lwswitch_register *)arg)->handle;

			if (f->handle[di])
				fz_bad(f, "REGISTER succeeded twice on domain %d", di);
			if (!h)
				fz_bad(f, "REGISTER returned handle 0");
			f->handle[di] = (int)h;
			if (di == 0)
				fuzz_handle[f->id] = (int)h;
			/* The model: LOOKUP of ourselves finds that handle. */
			if (lwsw_lookup(fd, (uint32_t)lwsw_gettid()) != (int)h)
				fz_bad(f, "LOOKUP after REGISTER disagrees");
		} else if (ret == -EEXIST && !f->handle[di]) {
			fz_bad(f, "REGISTER: EEXIST on domain %d while not a member", di);
		} else if (ret == -EFAULT && readable &&
			   lwsw_lookup(fd, (uint32_t)lwsw_gettid()) > 0 && !f->handle[di]) {
			fz_bad(f, "REGISTER failed with EFAULT (%s) but left us registered",
			       arg_names[kind]);
		}
		break;
	case C_UNREGISTER:
		if (ret == 0) {
			f->handle[di] = 0;
			if (di == 0)
				fuzz_handle[f->id] = 0;
			if (lwsw_lookup(fd, (uint32_t)lwsw_gettid()) != -ESRCH)
				fz_bad(f, "LOOKUP after UNREGISTER still finds us");
		}
		break;
	case C_INFO:
		if (ret == 0 && ((struct lwswitch_info *)arg)->version != LWSWITCH_API_VERSION)
			fz_bad(f, "INFO: version %u", ((struct lwswitch_info *)arg)->version);
		break;
	case C_LOOKUP:
		if (ret == 0) {
			struct lwswitch_lookup *l = arg;

			if ((pid_t)l->tid == lwsw_gettid() && (int)l->handle != f->handle[di])
				fz_bad(f, "LOOKUP of ourselves: %u, we hold %d", l->handle,
				       f->handle[di]);
			if (!l->handle)
				fz_bad(f, "LOOKUP returned handle 0");
		}
		break;
	}
}

static void *fuzz_main(void *p)
{
	struct fz *f = p;
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1 };
	/* Every 4 ms a signal: no wait the fuzzer starts can last. */
	struct itimerspec its = { { 0, 4000000 }, { 0, 4000000 } };
	timer_t tm;
	int h;

	sev.sigev_notify_thread_id = lwsw_gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &tm) || timer_settime(tm, 0, &its, NULL)) {
		fz_bad(f, "timer: %s", strerror(errno));
		return NULL;
	}
	h = lwsw_register(doms[0].fd);
	if (h <= 0) {
		fz_bad(f, "initial REGISTER: %d", h);
		return NULL;
	}
	f->handle[0] = h;
	fuzz_handle[f->id] = h;
	while (!stop)
		fuzz_one(f);
	timer_delete(tm);
	if (f->fd3 >= 0)
		close(f->fd3);
	return NULL;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = getenv(name);

	return v && *v ? strtoull(v, NULL, 0) : def;
}

FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

/* The harness's own limit is only a backstop: the run is bounded by
 * LWSW_FUZZ_SECONDS and guarded by a watchdog. */
TEST_F_TIMEOUT(fuzz, ioctls, 3600)
{
	struct sigaction sa = { .sa_handler = on_sig };
	static struct fz fz[NFUZZ];
	static struct peer_arg pa[2][NPEERS];
	pthread_t ft[NFUZZ], pt[2][NPEERS], dt;
	long domains0, members0;
	bool counters;
	unsigned long last[NFUZZ] = { 0 }, total = 0;
	int stuck[NFUZZ] = { 0 };
	uint64_t t_end;

	/* The counters are root's (debugfs): as anyone else, no leak check. */
	counters = geteuid() == 0;
	seed = env_u64("LWSW_FUZZ_SEED", FUZZ_SEED_DEFAULT);
	fuzz_seconds = (int)env_u64("LWSW_FUZZ_SECONDS", FUZZ_SECONDS_DEFAULT);
	ksft_print_msg("fuzz: seed %#llx (LWSW_FUZZ_SEED), %d s (LWSW_FUZZ_SECONDS)\n",
		       (unsigned long long)seed, fuzz_seconds);

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	domains0 = lwsw_stat("domains");
	members0 = lwsw_stat("members");
	if (counters) {
		ASSERT_LE(0, domains0);
		ASSERT_LE(0, members0);
	}

	for (int d = 0; d < 2; d++) {
		doms[d].fd = lwsw_open();
		ASSERT_LE(0, doms[d].fd);
	}
	ASSERT_EQ(0, pthread_create(&dt, NULL, dead_main, NULL));
	ASSERT_EQ(0, pthread_join(dt, NULL));
	ASSERT_LT(0, dead_handle);

	for (int d = 0; d < 2; d++)
		for (int i = 0; i < NPEERS; i++) {
			pa[d][i] = (struct peer_arg){ .dom = d, .idx = i,
						      .rng = seed ^ (0x100u * (d + 1) + i) };
			ASSERT_EQ(0, pthread_create(&pt[d][i], NULL, peer_main, &pa[d][i]));
		}
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < NPEERS; i++)
			while (!doms[d].peer_handle[i])
				usleep(1000);
	for (int i = 0; i < NFUZZ; i++) {
		memset(&fz[i], 0, sizeof(fz[i]));
		fz[i].id = i;
		fz[i].rng = seed + 0x51ed2700u * (i + 1);
		fz[i].fd3 = -1;
		fz[i].in_call = -1;
		ASSERT_EQ(0, mem_init(&fz[i].mem));
		ASSERT_EQ(0, pthread_create(&ft[i], NULL, fuzz_main, &fz[i]));
	}

	/* The watchdog: a thread stuck in one call for 20 s is a hang (every
	 * wait it starts is interrupted within milliseconds). */
	t_end = lwsw_now_ns() + (uint64_t)fuzz_seconds * 1000000000ull;
	while (lwsw_now_ns() < t_end) {
		sleep(1);
		for (int i = 0; i < NFUZZ; i++) {
			if (fz[i].progress != last[i]) {
				last[i] = fz[i].progress;
				stuck[i] = 0;
			} else if (++stuck[i] >= 20) {
				TH_LOG("fuzzer %d stuck in %s for %d s", i,
				       fz[i].in_call >= 0 ? cmd_names[fz[i].in_call] : "(none)",
				       stuck[i]);
				ASSERT_TRUE(0);	/* a hang: exiting kills the threads */
			}
		}
	}
	stop = 1;
	for (int i = 0; i < NFUZZ; i++)
		ASSERT_EQ(0, pthread_join(ft[i], NULL));
	/* Peers block at most a few ms; a token from the fuzzers may be
	 * pending, which is fine. */
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < NPEERS; i++)
			ASSERT_EQ(0, pthread_join(pt[d][i], NULL));

	/* The report: calls and errnos per command. */
	for (int c = 0; c < NCMDS; c++) {
		char line[512];
		int n = 0;
		unsigned long calls = 0;

		for (int i = 0; i < NFUZZ; i++)
			calls += fz[i].t.calls[c];
		total += calls;
		n += snprintf(line + n, sizeof(line) - n, "%-10s %7lu calls:", cmd_names[c], calls);
		for (int e = 0; e < NERR; e++) {
			unsigned long k = 0;

			for (int i = 0; i < NFUZZ; i++)
				k += fz[i].t.err[c][e];
			if (k && n < (int)sizeof(line) - 32)
				n += snprintf(line + n, sizeof(line) - n, " %s %lu",
					      e ? (e == NERR - 1 ? "other" : strerrorname_np(e)) : "ok", k);
		}
		ksft_print_msg("fuzz: %s\n", line);
	}
	ksft_print_msg("fuzz: %lu calls in %d s, seed %#llx\n", total, fuzz_seconds,
		       (unsigned long long)seed);

	for (int i = 0; i < NFUZZ; i++) {
		if (fz[i].bad)
			TH_LOG("fuzzer %d: %lu bad results; first: %s", i, fz[i].bad,
			       fz[i].first_bad);
		EXPECT_EQ(0, fz[i].bad);
	}
	for (int d = 0; d < 2; d++)
		for (int i = 0; i < NPEERS; i++) {
			if (pa[d][i].bad)
				TH_LOG("peer %d/%d: %lu bad results; first: %s returned %d", d, i,
				       pa[d][i].bad, cmd_names[pa[d][i].first_bad_cmd],
				       pa[d][i].first_bad);
			EXPECT_EQ(0, pa[d][i].bad);
		}
	/*
	 * That the fuzzers ran at all, not how fast: a lockdep+KASAN kernel
	 * under TCG manages ~40 calls a second (560 in 15 s).
	 */
	EXPECT_LT(100, total);

	/* Everything closed and exited: the module is back where it was. */
	close(doms[0].fd);
	close(doms[1].fd);
	if (!counters) {
		TH_LOG("not root: the module's counters were not checked");
		return;
	}
	EXPECT_EQ(domains0, lwsw_stat_settles("domains", domains0));
	EXPECT_EQ(members0, lwsw_stat_settles("members", members0));
}

TEST_HARNESS_MAIN
