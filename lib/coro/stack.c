// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * stack.c — coroutine stacks and the stack-overflow report.
 *
 * A stack is one anonymous private mapping, MAP_NORESERVE so the kernel
 * commits its pages only when they are touched (an idle coroutine costs
 * the one or two pages at the top that it used), with the lowest page
 * turned PROT_NONE: running off the bottom faults there instead of
 * corrupting whatever lies below.  Stacks of the default size are kept in
 * a small per-worker cache (no lock: only its worker touches it) backed
 * by a bounded global cache (a mutex), so spawning and finishing
 * coroutines does not mmap/munmap each time.
 *
 * The SIGSEGV handler runs on each worker's alternate signal stack (the
 * faulting stack is unusable).  If the fault is on, or the interrupted
 * stack pointer is at or below, the guard page of the coroutine running
 * on this worker, it writes one line naming the coroutine and lets the
 * fault kill the process with SIGSEGV (default action, so a core dump
 * shows the faulting frame).  Any other fault goes to the handler that
 * was installed before lwsw_co_start(), or the default action.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "coro.h"

size_t lwsw_stack_default = LWSW_CO_STACK_DEFAULT;

#define GLOBAL_CACHE	64

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int cache_n;
static struct lwsw_stack cache[GLOBAL_CACHE];

static int stack_map(size_t size, struct lwsw_stack *st)
{
	size_t len = size + LWSW_CO_GUARD;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	if (mprotect(p, LWSW_CO_GUARD, PROT_NONE)) {
		/* ENOMEM here: vm.max_map_count reached (the guard splits
		 * the mapping in two). */
		munmap(p, len);
		return -ENOMEM;
	}
	st->base = p;
	st->size = size;
	st->vg_id = 0;
#ifdef LWSW_VALGRIND
	st->vg_id = VALGRIND_STACK_REGISTER((char *)p + LWSW_CO_GUARD, (char *)p + len);
#endif
	return 0;
}

static void stack_unmap(struct lwsw_stack *st)
{
#ifdef LWSW_VALGRIND
	VALGRIND_STACK_DEREGISTER(st->vg_id);
#endif
	munmap(st->base, st->size + LWSW_CO_GUARD);
	st->base = NULL;
}

int lwsw_stack_get(struct lwsw_worker *w, size_t size, struct lwsw_stack *st)
{
	int found = 0;

	if (size == lwsw_stack_default) {
		if (w && w->ncache) {
			*st = w->cache[--w->ncache];
			found = 1;
		} else {
			pthread_mutex_lock(&cache_lock);
			if (cache_n) {
				*st = cache[--cache_n];
				found = 1;
			}
			pthread_mutex_unlock(&cache_lock);
		}
	}
	if (!found)
		return stack_map(size, st);
#ifdef LWSW_ASAN
	/* The last user's frames that never returned left poison behind. */
	ASAN_UNPOISON_MEMORY_REGION((char *)st->base + LWSW_CO_GUARD, st->size);
#endif
	return 0;
}

void lwsw_stack_put(struct lwsw_worker *w, struct lwsw_stack *st)
{
	if (st->size == lwsw_stack_default) {
		if (w && w->ncache < LWSW_WORKER_STACK_CACHE) {
			w->cache[w->ncache++] = *st;
			st->base = NULL;
			return;
		}
		pthread_mutex_lock(&cache_lock);
		if (cache_n < GLOBAL_CACHE) {
			cache[cache_n++] = *st;
			st->base = NULL;
		}
		pthread_mutex_unlock(&cache_lock);
		if (!st->base)
			return;
	}
	stack_unmap(st);
}

/* Unmap @w's cached stacks (NULL: the global cache). */
void lwsw_stack_drain(struct lwsw_worker *w)
{
	if (w) {
		while (w->ncache)
			stack_unmap(&w->cache[--w->ncache]);
		return;
	}
	pthread_mutex_lock(&cache_lock);
	while (cache_n)
		stack_unmap(&cache[--cache_n]);
	pthread_mutex_unlock(&cache_lock);
}

/* ---- the overflow report ---- */

static struct sigaction old_segv;
static int segv_installed;

static char *fmt_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *fmt_u(char *p, unsigned long long v, unsigned int base)
{
	char tmp[24];
	int n = 0;

	if (base == 16)
		p = fmt_str(p, "0x");
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static uintptr_t interrupted_sp(void *ucv)
{
	ucontext_t *uc = ucv;

#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#else
	return (uintptr_t)uc->uc_mcontext.sp;
#endif
}

static void segv_handler(int sig, siginfo_t *si, void *ucv)
{
	struct lwsw_worker *w = lwsw_co_this_worker();
	struct lwsw_co *co = w ? w->cur : NULL;

	if (co && co->stack.base) {
		uintptr_t lo = (uintptr_t)co->stack.base;
		uintptr_t guard_end = lo + LWSW_CO_GUARD;
		uintptr_t addr = (uintptr_t)si->si_addr;
		uintptr_t sp = interrupted_sp(ucv);

		/* On the guard page, or a frame that jumped past it. */
		if ((addr >= lo - 65536 && addr < guard_end) ||
		    (sp < guard_end && sp + (1u << 20) >= lo)) {
			char buf[512], *p = buf;

			p = fmt_str(p, "lwswitch: stack overflow in coroutine ");
			p = fmt_u(p, lwsw_co_id_of(co), 10);
			if (co->name) {
				const char *s = co->name;
				int n = 0;

				p = fmt_str(p, " (\"");
				while (*s && n++ < 64)
					*p++ = *s++;
				p = fmt_str(p, "\")");
			}
			p = fmt_str(p, ": fault at ");
			p = fmt_u(p, addr, 16);
			p = fmt_str(p, ", stack ");
			p = fmt_u(p, guard_end, 16);
			p = fmt_str(p, "..");
			p = fmt_u(p, guard_end + co->stack.size, 16);
			p = fmt_str(p, " (");
			p = fmt_u(p, co->stack.size, 10);
			p = fmt_str(p, " bytes); give it a larger lwsw_co_attr.stack_size\n");
			if (write(STDERR_FILENO, buf, p - buf) < 0) {
				/* nothing more we can do */
			}
			signal(SIGSEGV, SIG_DFL);
			return;	/* the access faults again and kills us */
		}
	}
	if (old_segv.sa_flags & SA_SIGINFO) {
		if (old_segv.sa_sigaction) {
			old_segv.sa_sigaction(sig, si, ucv);
			return;
		}
	} else if (old_segv.sa_handler != SIG_DFL && old_segv.sa_handler != SIG_IGN) {
		old_segv.sa_handler(sig);
		return;
	}
	signal(SIGSEGV, SIG_DFL);	/* refault with the default action */
}

int lwsw_stack_signals_init(void)
{
	struct sigaction sa;

	if (segv_installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = segv_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &old_segv))
		return -EINVAL;
	segv_installed = 1;
	return 0;
}

void lwsw_stack_signals_fini(void)
{
	if (!segv_installed)
		return;
	sigaction(SIGSEGV, &old_segv, NULL);
	segv_installed = 0;
}

int lwsw_stack_altstack_init(struct lwsw_worker *w)
{
	long min = sysconf(_SC_SIGSTKSZ);
	size_t size = 64 * 1024;
	stack_t ss;
	void *p;

	if (min > 0 && (size_t)min * 4 > size)
		size = (size_t)min * 4;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	ss.ss_sp = p;
	ss.ss_size = size;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL)) {
		munmap(p, size);
		return -ENOMEM;
	}
	w->altstack = p;
	w->altstack_size = size;
	return 0;
}

void lwsw_stack_altstack_fini(struct lwsw_worker *w)
{
	stack_t ss;

	if (!w->altstack)
		return;
	memset(&ss, 0, sizeof(ss));
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	munmap(w->altstack, w->altstack_size);
	w->altstack = NULL;
}
