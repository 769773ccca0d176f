// SPDX-License-Identifier: GPL-2.0
/*
 * module_workload: the process the damon_reclaim and damon_lru_sort tests
 * watch from outside DAMON.  One buffer is kept hot, one is written once and
 * left cold; what the modules do to them shows in /proc/PID/{status,pagemap}
 * and /proc/kpageflags.
 *
 * Usage: module_workload [-H HOT_KIB] [-C COLD_KIB] [-t SECONDS] [-T] [-n]
 *                        [-c NODE]
 *
 *   -H  size of the hot buffer in KiB (default 8192)
 *   -C  size of the cold buffer in KiB (default 262144)
 *   -t  exit after this many seconds (default 900; 0 means never)
 *   -T  back the hot buffer with transparent huge pages where possible
 *       (aligned to 2 MiB and madvise(MADV_HUGEPAGE)): physically
 *       contiguous in 2 MiB pieces, which a physical address monitor finds
 *       much sooner than 4 KiB pages scattered among cold ones
 *   -n  no TLB refresh
 *   -c  take the cold buffer's memory from NUMA node NODE only (an
 *       MPOL_BIND policy on its mapping).  A physical address monitor
 *       sees memory in ranges: a node that holds nothing but the cold
 *       buffer and free pages has ranges that are idle through and through,
 *       while on a shared node hot pages of anyone may sit among them
 *
 * The cold buffer always gets 4 KiB pages (MADV_NOHUGEPAGE), so that one
 * pagemap entry is one reclaimable page.  Its pages are filled with one
 * byte value, which zram swap stores without compressing anything: paging
 * out is as cheap as it gets, even in an emulated guest.
 *
 * Once both buffers are populated it prints, and flushes,
 *
 *   hot START END
 *   cold START END
 *   ready
 *
 * (hexadecimal, END exclusive), then writes one byte of every page of the
 * hot buffer, over and over, and never touches the cold buffer again.
 *
 * Like hot_cold.c, every REFRESH_US it faults in and drops a few scratch
 * pages so that the kernel flushes this process's TLB: an emulator sets the
 * Accessed bit only when it walks the page tables, which a cached
 * translation never makes it do.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define KIB		1024UL
#define HPAGE		(2048 * KIB)
/* more pages than the kernel flushes one by one (33 by default) */
#define SCRATCH_PAGES	40
#define REFRESH_US	2000
/* from <linux/mempolicy.h>, without needing libnuma */
#define POLICY_BIND	2

static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long parse_num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "module_workload: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

/* Take the memory of [@p, @p + @sz) from NUMA node @node only. */
static int bind_to_node(char *p, size_t sz, unsigned long node)
{
	unsigned long mask[4] = { 0 };
	unsigned long bits = 8 * sizeof(mask[0]);

	if (node >= bits * 4) {
		errno = EINVAL;
		return -1;
	}
	mask[node / bits] = 1UL << (node % bits);
	return syscall(SYS_mbind, p, sz, POLICY_BIND, mask, bits * 4, 0);
}

/* An anonymous mapping of @sz bytes starting at a multiple of @align. */
static char *map_aligned(size_t sz, size_t align)
{
	char *p = mmap(NULL, sz + align, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t start, aligned;

	if (p == MAP_FAILED)
		return NULL;
	start = (uintptr_t)p;
	aligned = (start + align - 1) & ~(uintptr_t)(align - 1);
	if (aligned > start)
		munmap(p, aligned - start);
	munmap((char *)aligned + sz, start + align - aligned);
	return (char *)aligned;
}

int main(int argc, char **argv)
{
	unsigned long hot_kib = 8192, cold_kib = 262144, seconds = 900;
	size_t page = sysconf(_SC_PAGESIZE);
	size_t hot_sz, cold_sz, off;
	char *hot, *cold, *scratch = NULL;
	double deadline, next_refresh, now;
	int opt, refresh = 1, thp = 0;
	long cold_node = -1;
	unsigned long i;

	while ((opt = getopt(argc, argv, "H:C:t:Tnc:")) != -1) {
		switch (opt) {
		case 'H':
			hot_kib = parse_num(optarg, "hot size");
			break;
		case 'C':
			cold_kib = parse_num(optarg, "cold size");
			break;
		case 't':
			seconds = parse_num(optarg, "duration");
			break;
		case 'T':
			thp = 1;
			break;
		case 'n':
			refresh = 0;
			break;
		case 'c':
			cold_node = parse_num(optarg, "node");
			break;
		default:
			fprintf(stderr,
				"usage: module_workload [-H KIB] [-C KIB] [-t S] [-T] [-n] [-c NODE]\n");
			return 2;
		}
	}
	hot_sz = hot_kib * KIB;
	cold_sz = cold_kib * KIB;
	if (!hot_sz || !cold_sz || hot_sz % page || cold_sz % page) {
		fprintf(stderr, "module_workload: sizes must be non-zero page multiples\n");
		return 2;
	}

	/* a hole before each buffer keeps them in VMAs of their own */
	hot = map_aligned(hot_sz, HPAGE);
	cold = map_aligned(cold_sz, HPAGE);
	if (!hot || !cold) {
		perror("module_workload: mmap");
		return 1;
	}
	if (madvise(cold, cold_sz, MADV_NOHUGEPAGE))
		perror("module_workload: madvise(MADV_NOHUGEPAGE)");
	if (cold_node >= 0 && bind_to_node(cold, cold_sz, cold_node)) {
		perror("module_workload: mbind(cold)");
		return 1;
	}
	if (madvise(hot, hot_sz, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		perror("module_workload: madvise(hot)");
	if (refresh) {
		scratch = mmap(NULL, SCRATCH_PAGES * page,
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (scratch == MAP_FAILED) {
			perror("module_workload: mmap scratch");
			return 1;
		}
	}

	/* the cold buffer first, then the hot one: never again for cold */
	memset(cold, 0x3c, cold_sz);
	memset(hot, 0xc3, hot_sz);

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("hot 0x%lx 0x%lx\n", (unsigned long)hot,
	       (unsigned long)(hot + hot_sz));
	printf("cold 0x%lx 0x%lx\n", (unsigned long)cold,
	       (unsigned long)(cold + cold_sz));
	printf("ready\n");
	fflush(stdout);

	now = now_seconds();
	deadline = seconds ? now + seconds : 0;
	next_refresh = now;
	while (!stop_now) {
		for (off = 0; off < hot_sz; off += page)
			((volatile char *)hot)[off] += 1;
		now = now_seconds();
		if (deadline && now > deadline)
			break;
		if (scratch && now >= next_refresh) {
			for (i = 0; i < SCRATCH_PAGES; i++)
				((volatile char *)scratch)[i * page] = 1;
			madvise(scratch, SCRATCH_PAGES * page, MADV_DONTNEED);
			next_refresh = now + REFRESH_US / 1e6;
		}
	}
	return 0;
}
