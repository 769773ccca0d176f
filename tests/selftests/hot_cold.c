// SPDX-License-Identifier: GPL-2.0
/*
 * hot_cold: a workload with one small, constantly used buffer and one big
 * buffer that is written once and then left alone, for checking what DAMON
 * reports about a process.
 *
 * Usage: hot_cold [-H HOT_KIB] [-C COLD_KIB] [-t SECONDS] [-o FILE] [-n]
 *
 *   -H  size of the hot buffer in KiB (default 2048)
 *   -C  size of the cold buffer in KiB (default 65536)
 *   -t  exit after this many seconds (default 600; 0 means never)
 *   -o  also write the address lines to FILE (written to FILE.tmp first,
 *       then renamed, so a reader never sees half of it)
 *   -n  no TLB refresh (see below)
 *
 * Once both buffers are populated, it prints (and flushes)
 *
 *   hot START END
 *   cold START END
 *   ready
 *
 * with addresses in hexadecimal, END exclusive, and then keeps writing one
 * byte of every page of the hot buffer, over and over.  The two buffers are
 * separate mappings with an inaccessible guard mapping between them, so they
 * never share a VMA.
 *
 * TLB refresh.  DAMON clears the Accessed bit of a page table entry and
 * later looks whether the CPU set it again; x86 sets it only when it walks
 * the page tables, that is on a TLB miss.  Real CPUs miss often enough, but
 * an emulator such as QEMU's TCG keeps a translation until the TLB is
 * flushed, which a process running alone on its CPU never causes: its hot
 * pages would look idle forever.  So, every REFRESH_US, the program maps a
 * few pages of a scratch buffer and unmaps them again with MADV_DONTNEED:
 * the kernel then flushes this process's whole TLB (more pages than the
 * single-page flush limit), and the next pass over the hot buffer walks the
 * page tables again.  -n turns this off.  The scratch buffer is a third,
 * small (SCRATCH_PAGES pages), separate mapping; it is not reported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define KIB		1024UL
#define GUARD_SZ	(4UL * 1024 * KIB)
/* above the kernel's default tlb_single_page_flush_ceiling of 33 pages */
#define SCRATCH_PAGES	40
#define REFRESH_US	2000

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

static void print_layout(FILE *f, char *hot, size_t hot_sz, char *cold,
			 size_t cold_sz)
{
	fprintf(f, "hot 0x%lx 0x%lx\n", (unsigned long)hot,
		(unsigned long)(hot + hot_sz));
	fprintf(f, "cold 0x%lx 0x%lx\n", (unsigned long)cold,
		(unsigned long)(cold + cold_sz));
	fprintf(f, "ready\n");
	fflush(f);
}

static int save_layout(const char *path, char *hot, size_t hot_sz,
		       char *cold, size_t cold_sz)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	print_layout(f, hot, hot_sz, cold, cold_sz);
	if (fclose(f))
		return -1;
	return rename(tmp, path);
}

/* Make the kernel flush our TLB: populate and drop a few scratch pages. */
static void refresh_tlb(char *scratch, size_t page)
{
	size_t i;

	for (i = 0; i < SCRATCH_PAGES; i++)
		((volatile char *)scratch)[i * page] = 1;
	madvise(scratch, SCRATCH_PAGES * page, MADV_DONTNEED);
}

static unsigned long parse_num(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "hot_cold: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	unsigned long hot_kib = 2048, cold_kib = 65536, seconds = 600;
	const char *out_path = NULL;
	size_t page = sysconf(_SC_PAGESIZE);
	size_t hot_sz, cold_sz, total, off;
	char *area, *hot, *cold, *scratch = NULL;
	double deadline, next_refresh, now;
	int opt, refresh = 1;

	while ((opt = getopt(argc, argv, "H:C:t:o:n")) != -1) {
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
		case 'o':
			out_path = optarg;
			break;
		case 'n':
			refresh = 0;
			break;
		default:
			fprintf(stderr,
				"usage: hot_cold [-H KIB] [-C KIB] [-t S] [-o FILE] [-n]\n");
			return 2;
		}
	}
	hot_sz = hot_kib * KIB;
	cold_sz = cold_kib * KIB;
	if (!hot_sz || !cold_sz || hot_sz % page || cold_sz % page) {
		fprintf(stderr, "hot_cold: sizes must be non-zero page multiples\n");
		return 2;
	}

	/* one reservation: [hot][guard][cold], the guard never accessible */
	total = hot_sz + GUARD_SZ + cold_sz;
	area = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (area == MAP_FAILED) {
		perror("hot_cold: mmap");
		return 1;
	}
	hot = area;
	cold = area + hot_sz + GUARD_SZ;
	if (mprotect(hot, hot_sz, PROT_READ | PROT_WRITE) ||
	    mprotect(cold, cold_sz, PROT_READ | PROT_WRITE)) {
		perror("hot_cold: mprotect");
		return 1;
	}

	if (refresh) {
		scratch = mmap(NULL, SCRATCH_PAGES * page,
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (scratch == MAP_FAILED) {
			perror("hot_cold: mmap scratch");
			return 1;
		}
	}

	/* populate both once; the cold one is never touched again */
	memset(cold, 0x5a, cold_sz);
	memset(hot, 0xa5, hot_sz);

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	print_layout(stdout, hot, hot_sz, cold, cold_sz);
	if (out_path && save_layout(out_path, hot, hot_sz, cold, cold_sz)) {
		perror("hot_cold: writing the layout file");
		return 1;
	}

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
			refresh_tlb(scratch, page);
			next_refresh = now + REFRESH_US / 1e6;
		}
	}
	return 0;
}
