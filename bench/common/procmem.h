/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procmem.h — what the memory rows of bench/ read from /proc, shared by
 * the host programs (bench/host/hostutil.h) and the VM's lws-scale:
 * this process's resident set, the kernel's per-thread memory that RSS
 * does not show, the number of mappings, and the sysctls the memory rows
 * raise for their run (vm.max_map_count, kernel.threads-max).
 */
#ifndef LWSW_PROCMEM_H
#define LWSW_PROCMEM_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Resident set size of this process, bytes (/proc/self/statm), or -1. */
static inline long bench_rss(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size, res = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * sysconf(_SC_PAGESIZE);
}

/*
 * RSS once it has stopped changing (sampled every 50 ms, for at most
 * ~2 s): the last units to start may still be on their way to their idle
 * state.
 */
static inline long bench_rss_settled(void)
{
	struct timespec ms50 = { 0, 50 * 1000 * 1000 };
	long prev = bench_rss(), r;

	for (int i = 0; i < 40; i++) {
		nanosleep(&ms50, NULL);
		if ((r = bench_rss()) == prev)
			break;
		prev = r;
	}
	return prev;
}

/* A /proc/meminfo field in bytes (system-wide), or -1. */
static inline long bench_meminfo(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	size_t len = strlen(field);
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			kb = atol(line + len + 1);
			break;
		}
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

/*
 * Memory the kernel holds for threads and mappings that RSS does not
 * show: kernel stacks and page tables (system-wide figures, so only a
 * difference taken around a large N means much), or -1.
 */
static inline long bench_kmem(void)
{
	long ks = bench_meminfo("KernelStack"), pt = bench_meminfo("PageTables");

	return ks < 0 || pt < 0 ? -1 : ks + pt;
}

/* Number of memory mappings of this process, or -1. */
static inline long bench_nmaps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;

	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* A number from a /proc/sys file, or -1. */
static inline long bench_read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Write @v to a /proc/sys file: 0 or -errno. */
static inline int bench_write_long(const char *path, long v)
{
	char buf[32];
	int fd = open(path, O_WRONLY), len, ok;

	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%ld\n", v);
	ok = write(fd, buf, (size_t)len) == len;
	close(fd);
	return ok ? 0 : -EIO;
}

#endif /* LWSW_PROCMEM_H */
