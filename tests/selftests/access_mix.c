// SPDX-License-Identifier: GPL-2.0
/*
 * access_mix: a workload with several buffers of known temperature, for the
 * selftests that check what DAMOS actions really do to memory.
 *
 * Usage: access_mix [options]
 *
 *   -H KIB     hot anonymous buffer: every page written over and over
 *   -C KIB     cold anonymous buffer: written once, then left alone
 *   -M KIB     mixed anonymous buffer: written once; afterwards only every
 *              STRIDE-th page of it (pages 0, STRIDE, 2*STRIDE, ...) is
 *              written over and over, the rest stays idle
 *   -s STRIDE  the stride of the mixed buffer (default 32)
 *   -F KIB     cold file-backed buffer: a shared mapping of a file created
 *              (and unlinked at once) in DIR, written once
 *   -d DIR     where to create that file (default /dev/shm, a tmpfs)
 *   -T KIB     cold anonymous buffer aligned to 2 MiB (a multiple of 2 MiB
 *              big), for transparent huge page checks
 *   -b NODE    populate every buffer with memory of NUMA node NODE only
 *              (a temporary MPOL_BIND policy; the default policy is back
 *              once the buffers are populated)
 *   -L         mlock() the guard mappings (MLOCK_ONFAULT, so nothing is
 *              populated): VMAs that MADV_COLD and MADV_PAGEOUT refuse,
 *              right next to the buffers, as an mlock()ed area or [vvar]
 *              can be next to a process's idle memory
 *   -A         ask for transparent huge pages for the hot buffer
 *              (MADV_HUGEPAGE before it is populated): a huge page keeps
 *              it physically contiguous.  Every other anonymous buffer,
 *              and the hot one without -A, gets MADV_NOHUGEPAGE, so that
 *              it is made of small pages that can be judged one by one
 *   -t SECONDS exit after this long (default 600, 0 = never)
 *
 * Every buffer is a mapping of its own, with an inaccessible guard mapping
 * on both sides, all inside one reservation.  Once they are populated it
 * prints, and flushes,
 *
 *   buf NAME START END        (one line per buffer, hexadecimal, END
 *                              exclusive; NAME is hot, cold, mixed, file
 *                              or thp)
 *   stride STRIDE
 *   ready
 *
 * and then loops over the hot pages until killed or out of time.
 *
 * Like hot_cold, it makes the kernel flush its TLB every millisecond or two
 * (populating and zapping a small scratch mapping, more pages than a
 * ranged flush covers), because an emulator such as QEMU TCG only sets the
 * Accessed bit of a page table entry when it refills its software TLB:
 * without the flushes the hot pages would look idle to DAMON.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mempolicy.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define KIB		1024UL
#define MIB		(1024 * KIB)
#define HUGE_SZ		(2 * MIB)
#define GAP		(2 * MIB)
#define FLUSH_PAGES	48
#define FLUSH_EVERY_NS	1500000L

enum { B_HOT, B_COLD, B_MIXED, B_FILE, B_THP, NR_BUFS };

static const char *const buf_names[NR_BUFS] = {
	"hot", "cold", "mixed", "file", "thp",
};

struct buf {
	size_t size;
	char *start;
};

static volatile sig_atomic_t quit;

static void handle_quit(int sig)
{
	(void)sig;
	quit = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "access_mix: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long number(const char *arg, const char *what)
{
	unsigned long val;
	char *rest;

	errno = 0;
	val = strtoul(arg, &rest, 0);
	if (errno || rest == arg || *rest) {
		fprintf(stderr, "access_mix: %s: not a number: '%s'\n", what,
			arg);
		exit(2);
	}
	return val;
}

static long nsec_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static size_t round_up(size_t val, size_t unit)
{
	return (val + unit - 1) / unit * unit;
}

static void set_policy(int mode, int node)
{
	unsigned long mask = 0;

	if (node >= 0)
		mask = 1UL << node;
	if (syscall(SYS_set_mempolicy, mode, node >= 0 ? &mask : NULL,
		    node >= 0 ? sizeof(mask) * 8 : 0))
		die("set_mempolicy");
}

/* Map [@at, @at + @b->size) for buffer @idx, populated by writing it. */
static void populate(int idx, struct buf *b, char *at, const char *dir,
		     int huge_hot)
{
	size_t page = sysconf(_SC_PAGESIZE);
	char path[4096];
	size_t off;
	void *p;
	int fd;

	if (idx == B_FILE) {
		snprintf(path, sizeof(path), "%s/access_mix.XXXXXX", dir);
		fd = mkstemp(path);
		if (fd < 0)
			die("mkstemp");
		unlink(path);
		if (ftruncate(fd, b->size))
			die("ftruncate");
		p = mmap(at, b->size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, fd, 0);
		close(fd);
	} else {
		p = mmap(at, b->size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	}
	if (p == MAP_FAILED)
		die("mmap");
	if (idx != B_FILE &&
	    madvise(p, b->size, idx == B_HOT && huge_hot ? MADV_HUGEPAGE :
		    MADV_NOHUGEPAGE))
		die("madvise(MADV_[NO]HUGEPAGE)");
	b->start = p;
	for (off = 0; off < b->size; off += page)
		b->start[off] = (char)(idx + 1);
}

int main(int argc, char **argv)
{
	struct buf bufs[NR_BUFS] = { { 0 } };
	size_t page = sysconf(_SC_PAGESIZE);
	unsigned long seconds = 600, stride = 32;
	const char *dir = "/dev/shm";
	int opt, i, node = -1, huge_hot = 0, lock_guards = 0;
	size_t total, off, hot_step;
	char *area, *at, *scratch;
	long end_ns, next_flush;

	while ((opt = getopt(argc, argv, "H:C:M:s:F:d:T:b:LAt:")) != -1) {
		switch (opt) {
		case 'H':
			bufs[B_HOT].size = number(optarg, "-H") * KIB;
			break;
		case 'C':
			bufs[B_COLD].size = number(optarg, "-C") * KIB;
			break;
		case 'M':
			bufs[B_MIXED].size = number(optarg, "-M") * KIB;
			break;
		case 's':
			stride = number(optarg, "-s");
			break;
		case 'F':
			bufs[B_FILE].size = number(optarg, "-F") * KIB;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'T':
			bufs[B_THP].size = number(optarg, "-T") * KIB;
			break;
		case 'b':
			node = (int)number(optarg, "-b");
			break;
		case 'L':
			lock_guards = 1;
			break;
		case 'A':
			huge_hot = 1;
			break;
		case 't':
			seconds = number(optarg, "-t");
			break;
		default:
			fputs("usage: access_mix [-H KIB] [-C KIB] [-M KIB] [-s STRIDE]\n"
			      "       [-F KIB] [-d DIR] [-T KIB] [-b NODE] [-L] [-A]\n"
			      "       [-t SECONDS]\n",
			      stderr);
			return 2;
		}
	}
	if (!stride) {
		fprintf(stderr, "access_mix: the stride must not be 0\n");
		return 2;
	}
	if (bufs[B_THP].size % HUGE_SZ) {
		fprintf(stderr, "access_mix: -T takes a multiple of 2048\n");
		return 2;
	}
	total = HUGE_SZ;	/* slack for aligning the start */
	for (i = 0; i < NR_BUFS; i++) {
		if (bufs[i].size % page) {
			fprintf(stderr, "access_mix: %s buffer: not a multiple of the page size\n",
				buf_names[i]);
			return 2;
		}
		total += GAP + round_up(bufs[i].size, HUGE_SZ);
	}
	total += GAP;

	/* one inaccessible reservation; each buffer is mapped over a piece */
	area = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		die("mmap reservation");
	/* the buffers mapped over it below start unlocked */
	if (lock_guards && mlock2(area, total, MLOCK_ONFAULT))
		die("mlock2 guards");
	at = (char *)round_up((size_t)area, HUGE_SZ) + GAP;

	scratch = mmap(NULL, FLUSH_PAGES * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (scratch == MAP_FAILED)
		die("mmap scratch");

	if (node >= 0)
		set_policy(MPOL_BIND, node);
	for (i = 0; i < NR_BUFS; i++) {
		if (!bufs[i].size)
			continue;
		populate(i, &bufs[i], at, dir, huge_hot);
		at += round_up(bufs[i].size, HUGE_SZ) + GAP;
	}
	if (node >= 0)
		set_policy(MPOL_DEFAULT, -1);

	signal(SIGTERM, handle_quit);
	signal(SIGINT, handle_quit);
	for (i = 0; i < NR_BUFS; i++)
		if (bufs[i].size)
			printf("buf %s 0x%lx 0x%lx\n", buf_names[i],
			       (unsigned long)bufs[i].start,
			       (unsigned long)(bufs[i].start + bufs[i].size));
	printf("stride %lu\nready\n", stride);
	fflush(stdout);

	hot_step = stride * page;
	end_ns = seconds ? nsec_now() + (long)seconds * 1000000000L : 0;
	next_flush = 0;
	while (!quit) {
		long now;

		for (off = 0; off < bufs[B_HOT].size; off += page)
			((volatile char *)bufs[B_HOT].start)[off]++;
		for (off = 0; off < bufs[B_MIXED].size; off += hot_step)
			((volatile char *)bufs[B_MIXED].start)[off]++;
		now = nsec_now();
		if (end_ns && now >= end_ns)
			break;
		if (now >= next_flush) {
			for (off = 0; off < FLUSH_PAGES * page; off += page)
				((volatile char *)scratch)[off] = 1;
			madvise(scratch, FLUSH_PAGES * page, MADV_DONTNEED);
			next_flush = now + FLUSH_EVERY_NS;
		}
		/* nothing hot at all: do not spin a CPU for nothing */
		if (!bufs[B_HOT].size && !bufs[B_MIXED].size)
			usleep(100000);
	}
	return 0;
}
