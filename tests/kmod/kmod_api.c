// SPDX-License-Identifier: GPL-2.0
/*
 * lwswitch: every ioctl's happy path, then the bad-input matrix — each
 * case says why it must fail and asserts the exact errno, and that the
 * failed call changed nothing.
 */
#include <stdlib.h>
#include <sys/mman.h>

#include "lwsw_harness.h"
#include "lwsw_kmod.h"

FIXTURE(dom) {
	int fd;
	int me;
};

FIXTURE_SETUP(dom)
{
	/* These tests run in the VM with the module loaded: no device is a
	 * failure, not a skip. */
	self->fd = lwsw_open();
	ASSERT_LE(0, self->fd);
	self->me = lwsw_register(self->fd);
	ASSERT_LT(0, self->me);
}

FIXTURE_TEARDOWN(dom)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* A registered peer thread that blocks in WAIT until stopped. */
static void *peer_waiter(void *arg)
{
	struct lwsw_peer *p = arg;

	p->handle = lwsw_register(p->fd);
	p->tid = lwsw_gettid();
	__atomic_store_n(&p->ready, 1, __ATOMIC_RELEASE);
	while (!p->stop)
		p->ret = lwsw_wait(p->fd);
	return NULL;
}

static void peer_start(struct __test_metadata *_metadata, struct lwsw_peer *p, int fd)
{
	memset(p, 0, sizeof(*p));
	p->fd = fd;
	ASSERT_EQ(0, pthread_create(&p->thread, NULL, peer_waiter, p));
	lwsw_peer_wait_ready(p);
	ASSERT_LT(0, p->handle);
}

static void peer_stop(struct lwsw_peer *p)
{
	p->stop = 1;
	lwsw_wake(p->fd, p->handle);
	pthread_join(p->thread, NULL);
}

/* A page the kernel may read but not write, and one it may not touch. */
static void *ro_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(p, 0, 4096);
	mprotect(p, 4096, PROT_READ);
	return p;
}

static void *bad_ptr(void)
{
	return mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/* ---- happy paths ---- */

TEST_F(dom, info)
{
	struct lwswitch_info info;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, lwsw_ioctl(self->fd, LWSWITCH_IOC_INFO, &info));
	EXPECT_EQ(LWSWITCH_API_VERSION, info.version);
	EXPECT_LE(info.placement, LWSWITCH_PLACE_FTRACE);
	EXPECT_LT(0, info.max_members);
	EXPECT_LT(0, info.max_domains);
	EXPECT_NE(0, info.features & LWSWITCH_FEAT_TIMEOUT);
	EXPECT_LT(0, info.max_user_domains);
	EXPECT_LT(0, info.max_user_members);
	EXPECT_EQ(0, info.reserved[0]);
	EXPECT_EQ(0, info.__pad);
	TH_LOG("placement %u, max_members %u", info.placement, info.max_members);
}

/* sysfs shows what is in force, as INFO does: never the -1 asked for. */
TEST_F(dom, parameters_read_back_what_is_in_force)
{
	struct lwswitch_info info;
	char mode[16] = "";
	int placement = -2;
	FILE *f;

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, lwsw_ioctl(self->fd, LWSWITCH_IOC_INFO, &info));
	f = fopen(LWSW_PARAM("placement"), "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%d", &placement));
	fclose(f);
	EXPECT_EQ((int)info.placement, placement);
	f = fopen(LWSW_PARAM("handoff"), "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%15s", mode));
	fclose(f);
	EXPECT_STREQ(info.features & LWSWITCH_FEAT_HANDOFF_YIELD ? "yield" : "block",
		     mode);
}

TEST_F(dom, register_lookup_unregister)
{
	struct lwsw_peer p;

	ASSERT_EQ(self->me, lwsw_lookup(self->fd, lwsw_gettid()));
	peer_start(_metadata, &p, self->fd);
	EXPECT_NE(self->me, p.handle);
	EXPECT_EQ(p.handle, lwsw_lookup(self->fd, p.tid));
	peer_stop(&p);
	/* The peer exited while registered: its membership ended with it. */
	EXPECT_EQ(-ESRCH, lwsw_lookup(self->fd, p.tid));
	EXPECT_EQ(-ESRCH, lwsw_wake(self->fd, p.handle));

	ASSERT_EQ(0, lwsw_unregister(self->fd));
	EXPECT_EQ(-ESRCH, lwsw_lookup(self->fd, lwsw_gettid()));
	/* Registering again gives a new handle. */
	int h = lwsw_register(self->fd);

	ASSERT_LT(0, h);
	EXPECT_NE(self->me, h);
}

TEST_F(dom, wake_then_wait_consumes_token)
{
	struct lwsw_peer p;

	peer_start(_metadata, &p, self->fd);
	/* The peer is blocked: wake it; it loops back into WAIT. */
	ASSERT_EQ(0, lwsw_wake(self->fd, p.handle));
	usleep(20000);
	EXPECT_EQ(0, p.ret);
	peer_stop(&p);
}

TEST_F(dom, wait_timeout_relative_and_absolute)
{
	struct lwswitch_hop h = { .flags = LWSWITCH_HOP_ABSTIME };
	uint64_t t0 = lwsw_now_ns();

	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(self->fd, 20 * 1000 * 1000));
	EXPECT_LE(t0 + 20 * 1000 * 1000, lwsw_now_ns());

	t0 = lwsw_now_ns();
	h.timeout_ns = t0 + 20 * 1000 * 1000;
	EXPECT_EQ(-ETIMEDOUT, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAIT, &h));
	EXPECT_LE(h.timeout_ns, lwsw_now_ns());
}

TEST_F(dom, switchto_roundtrip)
{
	struct lwsw_peer p;

	peer_start(_metadata, &p, self->fd);
	/* The peer's WAIT returns 0, it loops into WAIT again: nobody resumes
	 * us, so bound our wait. */
	EXPECT_EQ(-ETIMEDOUT, lwsw_switchto_timeout(self->fd, p.handle, 20 * 1000 * 1000));
	EXPECT_EQ(0, p.ret);
	peer_stop(&p);
}

/* ---- the bad-input matrix ---- */

TEST_F(dom, bad_unknown_command)
{
	struct lwswitch_hop h = { 0 };

	/* Not one of ours, though the magic is. */
	EXPECT_EQ(-ENOTTY, lwsw_ioctl(self->fd, _IOWR(LWSWITCH_IOC_MAGIC, 0x3f, struct lwswitch_hop), &h));
	/* Right number, wrong size encoded in the command. */
	EXPECT_EQ(-ENOTTY, lwsw_ioctl(self->fd, _IOWR(LWSWITCH_IOC_MAGIC, 0x05, struct lwswitch_info), &h));
	/* A foreign magic. */
	EXPECT_EQ(-ENOTTY, lwsw_ioctl(self->fd, _IOWR('x', 0x05, struct lwswitch_hop), &h));
	/* The magic this module once used, which mshv.h uses (MSHV_ROOT_HVCALL). */
	EXPECT_EQ(-ENOTTY, lwsw_ioctl(self->fd, _IOWR(0xB8, 0x07, struct lwswitch_hop), &h));
	/* A read-only command encoded as read-write. */
	EXPECT_EQ(-ENOTTY, lwsw_ioctl(self->fd, _IOWR(LWSWITCH_IOC_MAGIC, 0x05, struct lwswitch_hop), &h));
}

TEST_F(dom, bad_pointers)
{
	void *none = bad_ptr();
	void *ro = ro_page();

	/* Unreadable argument, for every command. */
	EXPECT_EQ(-EFAULT, lwsw_ioctl(self->fd, LWSWITCH_IOC_INFO, NULL));
	EXPECT_EQ(-EFAULT, lwsw_ioctl(self->fd, LWSWITCH_IOC_INFO, none));
	EXPECT_EQ(-EFAULT, lwsw_ioctl(self->fd, LWSWITCH_IOC_LOOKUP, none));
	EXPECT_EQ(-EFAULT, lwsw_ioctl(self->fd, LWSWITCH_IOC_SWITCHTO, none));
	EXPECT_EQ(-EFAULT, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAKE, none));
	EXPECT_EQ(-EFAULT, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAIT, none));
	EXPECT_EQ(-EFAULT, lwsw_ioctl(self->fd, LWSWITCH_IOC_UNREGISTER, none));
	/* Readable but not writable: INFO cannot store its answer. */
	EXPECT_EQ(-EFAULT, lwsw_ioctl(self->fd, LWSWITCH_IOC_INFO, ro));
	/* We are still registered: nothing was lost. */
	EXPECT_EQ(self->me, lwsw_lookup(self->fd, lwsw_gettid()));
}

TEST_F(dom, bad_register_readonly_loses_nothing)
{
	struct lwswitch_lookup *l;
	struct lwsw_peer p;
	void *ro = ro_page();

	/* REGISTER cannot store the handle: it must be undone, so a second
	 * REGISTER works instead of failing with EEXIST. */
	ASSERT_EQ(0, lwsw_unregister(self->fd));
	EXPECT_EQ(-EFAULT, lwsw_ioctl(self->fd, LWSWITCH_IOC_REGISTER, ro));
	EXPECT_EQ(-ESRCH, lwsw_lookup(self->fd, lwsw_gettid()));
	EXPECT_EQ(-EFAULT, lwsw_ioctl(self->fd, LWSWITCH_IOC_REGISTER, NULL));
	EXPECT_EQ(-ESRCH, lwsw_lookup(self->fd, lwsw_gettid()));
	EXPECT_LT(0, lwsw_register(self->fd));

	/* LOOKUP finds the peer but cannot store the handle. */
	peer_start(_metadata, &p, self->fd);
	l = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, l);
	memset(l, 0, sizeof(*l));
	l->tid = (uint32_t)p.tid;
	ASSERT_EQ(0, mprotect(l, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, lwsw_ioctl(self->fd, LWSWITCH_IOC_LOOKUP, l));
	peer_stop(&p);
}

TEST_F(dom, bad_nonzero_reserved_and_flags)
{
	struct lwswitch_info info = { .flags = 1 };
	struct lwswitch_register r = { 0 };
	struct lwswitch_lookup l = { .tid = (uint32_t)lwsw_gettid() };
	struct lwswitch_hop h = { .target = 1 };

	/* INFO: flags, pad and reserved words must be zero. */
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_INFO, &info));
	memset(&info, 0, sizeof(info));
	info.__pad = 1;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_INFO, &info));
	memset(&info, 0, sizeof(info));
	info.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_INFO, &info));

	/* REGISTER/UNREGISTER: flags, the out field and reserved must be zero. */
	r.flags = 1;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_UNREGISTER, &r));
	r.flags = 0;
	r.reserved[2] = 1;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_UNREGISTER, &r));
	r.reserved[2] = 0;
	r.handle = 7;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_UNREGISTER, &r));
	EXPECT_EQ(self->me, lwsw_lookup(self->fd, lwsw_gettid()));
	ASSERT_EQ(0, lwsw_unregister(self->fd));
	r.handle = 0;
	r.flags = 0x80000000u;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_REGISTER, &r));
	r.flags = 0;
	r.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_REGISTER, &r));
	EXPECT_EQ(-ESRCH, lwsw_lookup(self->fd, lwsw_gettid()));
	self->me = lwsw_register(self->fd);
	ASSERT_LT(0, self->me);

	/* LOOKUP: flags, pad, reserved and the out field must be zero. */
	l.flags = 1;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_LOOKUP, &l));
	l.flags = 0;
	l.__pad = 1;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_LOOKUP, &l));
	l.__pad = 0;
	l.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_LOOKUP, &l));

	/* Hops: unknown flag bits, reserved words. */
	h.flags = 1u << 31;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_SWITCHTO, &h));
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAKE, &h));
	h.target = 0;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAIT, &h));
	h.flags = 0;
	h.reserved[1] = 1;
	h.target = 1;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_SWITCHTO, &h));
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAKE, &h));
	h.target = 0;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAIT, &h));
}

TEST_F(dom, bad_flag_combinations)
{
	struct lwsw_peer p;
	struct lwswitch_hop h;

	peer_start(_metadata, &p, self->fd);
	/* HERE is a WAKE flag only. */
	h = (struct lwswitch_hop){ .target = p.handle, .flags = LWSWITCH_HOP_HERE };
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_SWITCHTO, &h));
	h.target = 0;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAIT, &h));
	/* TIMEOUT and ABSTIME exclude each other. */
	h = (struct lwswitch_hop){ .target = p.handle,
		.flags = LWSWITCH_HOP_TIMEOUT | LWSWITCH_HOP_ABSTIME, .timeout_ns = 1 };
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_SWITCHTO, &h));
	/* A timeout value without a timeout flag. */
	h = (struct lwswitch_hop){ .target = p.handle, .timeout_ns = 1000 };
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_SWITCHTO, &h));
	h.target = 0;
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAIT, &h));
	/* WAKE takes no timeout at all. */
	h = (struct lwswitch_hop){ .target = p.handle, .flags = LWSWITCH_HOP_TIMEOUT,
				   .timeout_ns = 1000 };
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAKE, &h));
	/* WAIT names no target. */
	h = (struct lwswitch_hop){ .target = p.handle };
	EXPECT_EQ(-EINVAL, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAIT, &h));
	/* None of these delivered anything: the peer is still blocked. */
	EXPECT_EQ(0, p.ret);
	peer_stop(&p);
}

TEST_F(dom, bad_targets)
{
	/* Switching or waking oneself would block forever or mean nothing. */
	EXPECT_EQ(-EINVAL, lwsw_switchto(self->fd, self->me));
	EXPECT_EQ(-EINVAL, lwsw_wake(self->fd, self->me));
	/* Handle 0 is never allocated. */
	EXPECT_EQ(-EINVAL, lwsw_switchto(self->fd, 0));
	EXPECT_EQ(-EINVAL, lwsw_wake(self->fd, 0));
	/* Unknown handles. */
	EXPECT_EQ(-ESRCH, lwsw_switchto(self->fd, self->me + 1000));
	EXPECT_EQ(-ESRCH, lwsw_wake(self->fd, 0xffffffffu));
	/* LOOKUP: tid 0 is invalid; a live thread that is not a member,
	 * a tid no thread has, a tid beyond PID_MAX_LIMIT are not found. */
	EXPECT_EQ(-EINVAL, lwsw_lookup(self->fd, 0));
	EXPECT_EQ(-ESRCH, lwsw_lookup(self->fd, 1));
	EXPECT_EQ(-ESRCH, lwsw_lookup(self->fd, 4000000));
	EXPECT_EQ(-ESRCH, lwsw_lookup(self->fd, 0xfffffff0u));
}

TEST_F(dom, bad_unregistered_caller)
{
	struct lwsw_peer p;

	peer_start(_metadata, &p, self->fd);
	ASSERT_EQ(0, lwsw_unregister(self->fd));
	/* Only members act in a domain. */
	EXPECT_EQ(-EPERM, lwsw_switchto(self->fd, p.handle));
	EXPECT_EQ(-EPERM, lwsw_wake(self->fd, p.handle));
	EXPECT_EQ(-EPERM, lwsw_wait(self->fd));
	EXPECT_EQ(-EPERM, lwsw_unregister(self->fd));
	/* ... but INFO and LOOKUP need no membership. */
	EXPECT_EQ(p.handle, lwsw_lookup(self->fd, p.tid));
	self->me = lwsw_register(self->fd);
	ASSERT_LT(0, self->me);
	EXPECT_EQ(-EEXIST, lwsw_register(self->fd));
	peer_stop(&p);
}

TEST_F(dom, bad_past_and_zero_timeouts)
{
	struct lwsw_peer p;
	struct lwswitch_hop h = { .flags = LWSWITCH_HOP_ABSTIME, .timeout_ns = 1 };

	/* A deadline long past and a relative 0 time out at once. */
	EXPECT_EQ(-ETIMEDOUT, lwsw_ioctl(self->fd, LWSWITCH_IOC_WAIT, &h));
	EXPECT_EQ(-ETIMEDOUT, lwsw_wait_timeout(self->fd, 0));
	/* SWITCHTO with a past deadline still delivers the resume. */
	peer_start(_metadata, &p, self->fd);
	h.target = p.handle;
	h.timeout_ns = lwsw_now_ns() - 1000;
	p.ret = 1;
	EXPECT_EQ(-ETIMEDOUT, lwsw_ioctl(self->fd, LWSWITCH_IOC_SWITCHTO, &h));
	for (int i = 0; i < 1000 && p.ret; i++)
		usleep(1000);
	EXPECT_EQ(0, p.ret);
	/* A huge relative timeout means no limit; a pending token returns it. */
	ASSERT_EQ(0, lwsw_wake(self->fd, p.handle));
	peer_stop(&p);
}

TEST_F(dom, bad_other_domain_member)
{
	struct lwsw_peer p;
	int fd2 = lwsw_open();

	ASSERT_LE(0, fd2);
	/* In the second domain we hold handle 1, nothing else. */
	ASSERT_EQ(1, lwsw_register(fd2));
	peer_start(_metadata, &p, self->fd);
	ASSERT_LT(1, p.handle);
	/* The peer belongs to the first domain only. */
	EXPECT_EQ(-ESRCH, lwsw_wake(fd2, p.handle));
	EXPECT_EQ(-ESRCH, lwsw_switchto(fd2, p.handle));
	EXPECT_EQ(-ESRCH, lwsw_lookup(fd2, p.tid));
	peer_stop(&p);
	close(fd2);
}

static void *register_thread(void *arg)
{
	return (void *)(long)lwsw_register((int)(long)arg);
}

static char saved_max_members[32];

FIXTURE(limits) {
	int fd;
};

FIXTURE_SETUP(limits)
{
	FILE *f;

	self->fd = lwsw_open();
	ASSERT_LE(0, self->fd);
	f = fopen(LWSW_PARAM("max_members"), "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(saved_max_members, sizeof(saved_max_members), f));
	fclose(f);
}

FIXTURE_TEARDOWN(limits)
{
	/* Restore the limits whatever happened. */
	lwsw_write_file(LWSW_PARAM("max_members"), saved_max_members);
	lwsw_write_file(LWSW_PARAM("max_domains"), "1024");
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(limits, members_per_domain)
{
	pthread_t t;
	void *res;

	LWSW_NEED_ROOT("writes the module's parameters");
	/* One member allowed: a second thread gets ENOSPC. */
	ASSERT_EQ(0, lwsw_write_file(LWSW_PARAM("max_members"), "1"));
	ASSERT_LT(0, lwsw_register(self->fd));
	ASSERT_EQ(0, pthread_create(&t, NULL, register_thread, (void *)(long)self->fd));
	pthread_join(t, &res);
	EXPECT_EQ(-ENOSPC, (int)(long)res);
	/* Raising the limit lets it in. */
	ASSERT_EQ(0, lwsw_write_file(LWSW_PARAM("max_members"), "2"));
	ASSERT_EQ(0, pthread_create(&t, NULL, register_thread, (void *)(long)self->fd));
	pthread_join(t, &res);
	EXPECT_LT(0, (int)(long)res);
}

TEST_F(limits, domains)
{
	int fds[8], n;

	LWSW_NEED_ROOT("writes the module's parameters");
	/* No new domain may be created: open fails with EMFILE. */
	ASSERT_EQ(0, lwsw_write_file(LWSW_PARAM("max_domains"), "0"));
	EXPECT_EQ(-EMFILE, lwsw_open());
	ASSERT_EQ(0, lwsw_write_file(LWSW_PARAM("max_domains"), "1024"));
	for (n = 0; n < 8; n++) {
		fds[n] = lwsw_open();
		ASSERT_LE(0, fds[n]);
	}
	for (n = 0; n < 8; n++)
		close(fds[n]);
}

TEST_HARNESS_MAIN
