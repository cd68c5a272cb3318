// SPDX-License-Identifier: GPL-2.0
/*
 * overflow_test — a coroutine that runs off its stack hits the guard page
 * and the process dies of SIGSEGV with a message naming the coroutine
 * (checked in a child process); other faults are not mistaken for one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lwsw_harness.h"
#include "common.h"


static int depth_sink;
static volatile int forever = 1;

__attribute__((noinline)) static int recurse(int n)
{
	volatile char frame[256];

	frame[0] = (char)n;
	frame[255] = (char)n;
	depth_sink += frame[0];
	if (!forever)
		return n;
	return recurse(n + 1) + frame[255];	/* not a tail call */
}

static void *overflow(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)recurse(0);
}

static void *null_write(void *arg)
{
	*(volatile int *)arg = 1;
	return NULL;
}

static void on_segv(int sig)
{
	(void)sig;
	_exit(42);
}

/* Run @fn in a child as a named coroutine; return its status and stderr. */
static int in_child(void *(*fn)(void *), void *arg, int own_handler, char *out, size_t len)
{
	int fds[2], status = 0;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct lwsw_co_attr a;
		struct lwsw_co_config cfg = { .workers = 1 };
		lwsw_co_id_t id;

		dup2(fds[1], 2);
		close(fds[0]);
		if (own_handler)
			signal(SIGSEGV, on_segv);
		if (lwsw_co_start(&cfg))
			_exit(3);
		lwsw_co_attr_init(&a);
		a.name = "deep-thought";
		a.stack_size = 32 * 1024;
		if (lwsw_co_spawn_attr(&id, &a, fn, arg))
			_exit(4);
		lwsw_co_join(id, NULL);
		_exit(0);
	}
	close(fds[1]);
	while (got < (ssize_t)len - 1 && (n = read(fds[0], out + got, len - 1 - got)) > 0)
		got += n;
	out[got] = 0;
	close(fds[0]);
	waitpid(pid, &status, 0);
	return status;
}

FIXTURE(overflow) {
	char out[4096];
};
FIXTURE_SETUP(overflow) {}
FIXTURE_TEARDOWN(overflow) {}

TEST_F(overflow, detected_with_message)
{
	int st;

	if (RUNNING_ON_VALGRIND)
		SKIP(return, "Valgrind reports the guard-page access itself");
	st = in_child(overflow, NULL, 0, self->out, sizeof(self->out));

	TH_LOG("child said: %s", self->out);
	ASSERT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(SIGSEGV, WTERMSIG(st));
	EXPECT_NE(NULL, strstr(self->out, "lwswitch: stack overflow in coroutine "));
	EXPECT_NE(NULL, strstr(self->out, "(\"deep-thought\")"));
	EXPECT_NE(NULL, strstr(self->out, "(32768 bytes)"));
}

TEST_F(overflow, other_faults_are_not_overflows)
{
	int st;

	if (RUNNING_ON_VALGRIND)
		SKIP(return, "Valgrind reports the access itself");
	st = in_child(null_write, NULL, 0, self->out, sizeof(self->out));
	if (under_sanitizer()) {
		/* Chained to the sanitizer's own SEGV report, which exits. */
		ASSERT_TRUE(WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0));
	} else {
		ASSERT_TRUE(WIFSIGNALED(st));
		EXPECT_EQ(SIGSEGV, WTERMSIG(st));
	}
	EXPECT_EQ(NULL, strstr(self->out, "stack overflow"));
}

TEST_F(overflow, previous_handler_still_called)
{
	int st;

	if (RUNNING_ON_VALGRIND || under_sanitizer())
		SKIP(return, "the sanitizer/Valgrind runtime owns SIGSEGV handlers");
	st = in_child(null_write, NULL, 1, self->out, sizeof(self->out));
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(42, WEXITSTATUS(st));
}

TEST_HARNESS_MAIN
