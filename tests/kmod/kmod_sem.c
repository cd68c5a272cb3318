// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch: the hand-off semantics — tokens, timeouts, signals, members
 * and processes that die, isolation, a domain shared through SCM_RIGHTS.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "lwsw_harness.h"
#include "lwsw_kmod.h"

#define MS	(1000 * 1000ull)

FIXTURE(dom) {
	int fd;
	int me;
};

FIXTURE_SETUP(dom)
{
	self->fd = lwsw_open();
	ASSERT_LE(0, self->fd);
	self->me = lwsw_register(self->fd);
	ASSERT_LT(0, self->me);
	lwsw_catch_usr1();
}

FIXTURE_TEARDOWN(dom)
{
	close(self->fd);
}

/* A peer that registers, then runs @fn. */
struct peer {
	struct lwsw_peer p;
	void (*fn)(struct peer *);
	int me_handle;			/* the main thread's handle */
	volatile int step;
	volatile int r1, r2, r3;
};

static void *peer_main(void *arg)
{
	struct peer *pe = arg;

	pe->p.handle = lwsw_register(pe->p.fd);
	pe->p.tid = lwsw_gettid();
	__atomic_store_n(&pe->p.ready, 1, __ATOMIC_RELEASE);
	pe->fn(pe);
	return NULL;
}

static void peer_run(struct __test_metadata *_metadata, struct peer *pe, int fd,
		     int me, void (*fn)(struct peer *))
{
	memset(pe, 0, sizeof(*pe));
	pe->p.fd = fd;
	pe->fn = fn;
	pe->me_handle = me;
	ASSERT_EQ(0, pthread_create(&pe->p.thread, NULL, peer_main, pe));
	lwsw_peer_wait_ready(&pe->p);
	ASSERT_LT(0, pe->p.handle);
}

static void wait_step(struct peer *pe, int step)
{
	while (__atomic_load_n(&pe->step, __ATOMIC_ACQUIRE) < step)
		usleep(1000);
}

static void set_step(struct peer *pe, int step)
{
	__atomic_store_n(&pe->step, step, __ATOMIC_RELEASE);
}

/* ---- tokens ---- */

static void wake_me_twice(struct peer *pe)
{
	pe->r1 = lwsw_wake(pe->p.fd, pe->me_handle);
	pe->r2 = lwsw_wake(pe->p.fd, pe->me_handle);
	set_step(pe, 1);
}

TEST_F(dom, wake_before_wait_is_kept_once)
{
	struct peer pe;

	peer_run(_metadata, &pe, self->fd, self->me, wake_me_twice);
	pthread_join(pe.p.thread, NULL);
	ASSERT_EQ(0, pe.r1);
	ASSERT_EQ(0, pe.r2);
	/* Two resumes before a wait: one token, never lost, never doubled. */
	EXPECT_EQ(0, lwsw_wait_timeout(self->fd, 0));
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(self->fd, 0));
}

static void wait_once(struct peer *pe)
{
	pe->r1 = lwsw_wait(pe->p.fd);
	set_step(pe, 1);
}

TEST_F(dom, wake_here_resumes_blocked_peer)
{
	struct peer pe;
	struct lwswitch_hop h = { .flags = LWSWITCH_HOP_HERE };

	peer_run(_metadata, &pe, self->fd, self->me, wait_once);
	usleep(20000);
	h.target = pe.p.handle;
	ASSERT_EQ(0, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAKE, &h));
	pthread_join(pe.p.thread, NULL);
	EXPECT_EQ(0, pe.r1);
}

TEST_F(dom, timeout_leaves_no_token)
{
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(self->fd, 5 * MS));
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(self->fd, 0));
}

/* ---- signals ---- */

static void wait_twice(struct peer *pe)
{
	pe->r1 = lwsw_wait(pe->p.fd);
	set_step(pe, 1);
	pe->r2 = lwsw_wait(pe->p.fd);
	set_step(pe, 2);
}

TEST_F(dom, signal_during_wait)
{
	struct peer pe;

	peer_run(_metadata, &pe, self->fd, self->me, wait_twice);
	usleep(20000);
	ASSERT_EQ(0, pthread_kill(pe.p.thread, SIGUSR1));
	wait_step(&pe, 1);
	EXPECT_EQ(-EINTR, pe.r1);
	/* The interrupted wait consumed nothing: a later resume arrives. */
	ASSERT_EQ(0, lwsw_wake(self->fd, pe.p.handle));
	pthread_join(pe.p.thread, NULL);
	EXPECT_EQ(0, pe.r2);
}

static void switch_to_idle_peer(struct peer *pe)
{
	/* me_handle here is the idle member's handle. */
	pe->r1 = lwsw_switchto(pe->p.fd, pe->me_handle);
	set_step(pe, 1);
}

TEST_F(dom, signal_during_switchto_delivers_once)
{
	struct peer pe;

	/* The switcher's target is the main thread, which is not blocked:
	 * the resume becomes its token; the switcher blocks. */
	peer_run(_metadata, &pe, self->fd, self->me, switch_to_idle_peer);
	usleep(20000);
	ASSERT_EQ(0, pthread_kill(pe.p.thread, SIGUSR1));
	pthread_join(pe.p.thread, NULL);
	EXPECT_EQ(-EINTR, pe.r1);
	/* EINTR from SWITCHTO means the resume was delivered: exactly once. */
	EXPECT_EQ(0, lwsw_wait_timeout(self->fd, 0));
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(self->fd, 0));
}

/* ---- dying members and processes ---- */

/*
 * Fork a child that registers in @fd's domain, reports its handle and runs
 * @child; *go is the write end of a pipe the child may wait on.
 */
static pid_t fork_member(struct __test_metadata *_metadata, int fd, int *handle,
			 int *go, void (*child)(int fd, int rfd))
{
	int up[2], down[2];
	pid_t pid;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int h = lwsw_register(fd);

		close(up[0]);
		close(down[1]);
		if (write(up[1], &h, sizeof(h)) != sizeof(h))
			_exit(2);
		child(fd, down[0]);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	*go = down[1];
	ASSERT_EQ(sizeof(*handle), read(up[0], handle, sizeof(*handle)));
	close(up[0]);
	return pid;
}

static void child_wait_forever(int fd, int rfd)
{
	(void)rfd;
	for (;;)
		lwsw_wait(fd);
}

TEST_F(dom, sigkill_of_blocked_member)
{
	int h, go, status;
	long members;
	pid_t pid;

	LWSW_NEED_ROOT("reads the module's debugfs counters");
	pid = fork_member(_metadata, self->fd, &h, &go, child_wait_forever);
	ASSERT_LT(0, h);
	members = lwsw_stat("members");
	usleep(50000);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	/* The dead member is gone: naming it fails, its count is returned. */
	EXPECT_EQ(-ESRCH, lwsw_wake(self->fd, h));
	EXPECT_EQ(-ESRCH, lwsw_switchto(self->fd, h));
	EXPECT_EQ(members - 1, lwsw_stat("members"));
	close(go);
}

static void child_sleep_then_exit(int fd, int rfd)
{
	char c;

	(void)fd;
	/* Wait until told, then die without resuming anyone. */
	if (read(rfd, &c, 1) != 1)
		_exit(3);
	usleep(50000);
	_exit(0);
}

TEST_F(dom, process_exit_wakes_peer_blocked_on_it)
{
	int h, go, status;
	pid_t pid;

	pid = fork_member(_metadata, self->fd, &h, &go, child_sleep_then_exit);
	ASSERT_EQ(1, write(go, "g", 1));
	/* The child never resumes us; its death must. */
	EXPECT_EQ(-EOWNERDEAD, lwsw_switchto(self->fd, h));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(-ESRCH, lwsw_wake(self->fd, h));
	close(go);
}

struct killer {
	pid_t pid;
	int delay_ms;
};

static void *kill_later(void *arg)
{
	struct killer *k = arg;

	usleep(k->delay_ms * 1000);
	kill(k->pid, SIGKILL);
	return NULL;
}

static void child_pause(int fd, int rfd)
{
	(void)fd;
	(void)rfd;
	for (;;)
		pause();
}

TEST_F(dom, sigkill_of_process_wakes_peer_blocked_on_it)
{
	struct killer k = { .delay_ms = 100 };
	pthread_t t;
	int h, go, status;

	k.pid = fork_member(_metadata, self->fd, &h, &go, child_pause);
	ASSERT_EQ(0, pthread_create(&t, NULL, kill_later, &k));
	EXPECT_EQ(-EOWNERDEAD, lwsw_switchto(self->fd, h));
	pthread_join(t, NULL);
	ASSERT_EQ(k.pid, waitpid(k.pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	close(go);
}

static void exit_at_once(struct peer *pe)
{
	(void)pe;
}

TEST_F(dom, exited_thread_is_esrch)
{
	struct peer pe;

	peer_run(_metadata, &pe, self->fd, self->me, exit_at_once);
	pthread_join(pe.p.thread, NULL);
	EXPECT_EQ(-ESRCH, lwsw_switchto(self->fd, pe.p.handle));
	EXPECT_EQ(-ESRCH, lwsw_wake(self->fd, pe.p.handle));
	EXPECT_EQ(-ESRCH, lwsw_lookup(self->fd, pe.p.tid));
}

TEST_F(dom, forked_child_is_not_a_member)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Same domain (inherited fd), but membership is per thread. */
		if (lwsw_wait_timeout(self->fd, 0) != -EPERM)
			_exit(1);
		if (lwsw_wake(self->fd, self->me) != -EPERM)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* No token was delivered to us by the child. */
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(self->fd, 0));
}

static void wait_expect_intr(struct peer *pe)
{
	set_step(pe, 1);
	pe->r1 = lwsw_wait(pe->p.fd);
	set_step(pe, 2);
}

TEST(close_while_member_blocked)
{
	struct peer pe;
	long domains;
	int fd = lwsw_open();

	LWSW_NEED_ROOT("reads the module's debugfs counters");
	ASSERT_LE(0, fd);
	lwsw_catch_usr1();
	domains = lwsw_stat("domains");
	peer_run(_metadata, &pe, fd, 0, wait_expect_intr);
	wait_step(&pe, 1);
	usleep(20000);
	/* The blocked ioctl holds the file: closing our fd ends nothing. */
	ASSERT_EQ(0, close(fd));
	usleep(20000);
	EXPECT_EQ(1, pe.step);
	EXPECT_EQ(domains, lwsw_stat("domains"));
	/* A signal still gets it out; then the domain goes away. */
	ASSERT_EQ(0, pthread_kill(pe.p.thread, SIGUSR1));
	pthread_join(pe.p.thread, NULL);
	EXPECT_EQ(-EINTR, pe.r1);
	EXPECT_EQ(domains - 1, lwsw_stat("domains"));
}

/* ---- isolation and sharing ---- */

TEST_F(dom, other_process_domain_is_isolated)
{
	struct peer pe;
	int status;
	pid_t pid;

	peer_run(_metadata, &pe, self->fd, self->me, wait_once);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = lwsw_open();

		if (fd < 0 || lwsw_register(fd) != 1)
			_exit(1);
		/* Our own domain knows no such member or thread. */
		if (lwsw_wake(fd, pe.p.handle) != -ESRCH)
			_exit(2);
		if (lwsw_lookup(fd, pe.p.tid) != -ESRCH)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The peer was not touched. */
	EXPECT_EQ(0, pe.step);
	ASSERT_EQ(0, lwsw_wake(self->fd, pe.p.handle));
	pthread_join(pe.p.thread, NULL);
}

static int send_fd(int sock, int fd)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	char c = 'F';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = buf, .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = buf, .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

#define SHARED_ROUNDS 1000

TEST(domain_shared_through_scm_rights)
{
	volatile long *counter;
	int sv[2], fd, me, peer, status, i;
	pid_t pid;

	counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, counter);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The child opened nothing: it joins the parent's domain only
		 * through the descriptor it is sent. */
		int cfd = recv_fd(sv[1]);
		int h = cfd < 0 ? -1 : lwsw_register(cfd);

		if (write(sv[1], &h, sizeof(h)) != sizeof(h) || h < 0)
			_exit(1);
		if (read(sv[1], &peer, sizeof(peer)) != sizeof(peer))
			_exit(2);
		if (lwsw_wait(cfd))
			_exit(3);
		for (i = 0; i < SHARED_ROUNDS; i++) {
			if (*counter != 2 * i + 1)
				_exit(4);
			(*counter)++;
			if (i == SHARED_ROUNDS - 1)
				_exit(lwsw_wake(cfd, peer) ? 5 : 0);
			if (lwsw_switchto(cfd, peer))
				_exit(6);
		}
		_exit(7);
	}
	fd = lwsw_open();
	ASSERT_LE(0, fd);
	me = lwsw_register(fd);
	ASSERT_LT(0, me);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(sizeof(peer), read(sv[0], &peer, sizeof(peer)));
	ASSERT_LT(0, peer);
	ASSERT_EQ(sizeof(me), write(sv[0], &me, sizeof(me)));
	for (i = 0; i < SHARED_ROUNDS; i++) {
		ASSERT_EQ(2 * i, *counter);
		(*counter)++;
		ASSERT_EQ(0, lwsw_switchto(fd, peer));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(2 * SHARED_ROUNDS, *counter);
	close(fd);
}

TEST_HARNESS_MAIN
