// SPDX-License-Identifier: GPL-2.0
/*
 * moving_hot: equal areas of one mapping, some kept busy, the rest idle,
 * for checking how well DAMON finds the boundaries between them and how
 * fast it follows a hot area that moves.
 *
 * Usage: moving_hot [-n AREAS] [-s AREA_KIB] [-e] [-t SECONDS]
 *
 *   -n  number of areas (default 8)
 *   -s  size of an area in KiB (default 8192)
 *   -e  keep every even-numbered area busy, and never move
 *   -t  exit after this many seconds (default 600)
 *
 * The areas are consecutive slices of a single anonymous mapping, all
 * written once at start, so nothing but the accesses tells them apart.
 * Once populated it prints "area I START END" per area (hexadecimal, END
 * exclusive) and "ready".  Without -e, area 0 is busy first, and every
 * SIGUSR1 moves the busy area to the next one (wrapping around); the
 * program prints "hot I" once the new area is the one being written.
 *
 * A busy area has one byte of each page written, over and over.  Every
 * REFRESH_US the program makes the kernel flush its whole TLB (by mapping
 * and discarding more pages than a ranged flush covers), so that an
 * emulated CPU, which sets Accessed bits only on a TLB refill, shows the
 * accesses as a real one would (see hot_cold.c).
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
#define SCRATCH_PAGES	40
#define REFRESH_US	2000

static volatile sig_atomic_t moves;
static volatile sig_atomic_t stop_now;

static void on_move(int sig)
{
	(void)sig;
	moves++;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_now = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *map_or_die(size_t sz)
{
	void *p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void refresh_tlb(char *scratch, size_t page)
{
	size_t i;

	for (i = 0; i < SCRATCH_PAGES; i++)
		scratch[i * page] = 1;
	madvise(scratch, SCRATCH_PAGES * page, MADV_DONTNEED);
}

/* Write one byte of every page of @area. */
static void touch(char *area, size_t sz, size_t page)
{
	size_t off;

	for (off = 0; off < sz; off += page)
		((volatile char *)area)[off]++;
}

int main(int argc, char **argv)
{
	size_t page = sysconf(_SC_PAGESIZE), area_sz = 8192 * KIB;
	unsigned int nr = 8, hot = 0, seen_moves = 0, i;
	double end, last_refresh = 0;
	int even = 0, opt;
	long seconds = 600;
	char *base, *scratch;

	while ((opt = getopt(argc, argv, "n:s:et:")) != -1) {
		switch (opt) {
		case 'n':
			nr = strtoul(optarg, NULL, 0);
			break;
		case 's':
			area_sz = strtoul(optarg, NULL, 0) * KIB;
			break;
		case 'e':
			even = 1;
			break;
		case 't':
			seconds = strtol(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n AREAS] [-s AREA_KIB] [-e] [-t SECONDS]\n",
				argv[0]);
			return 2;
		}
	}
	if (!nr || area_sz < page) {
		fprintf(stderr, "need at least one area of a page\n");
		return 2;
	}
	area_sz -= area_sz % page;
	signal(SIGUSR1, on_move);
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);

	base = map_or_die(nr * area_sz);
	scratch = map_or_die(SCRATCH_PAGES * page);
	memset(base, 1, nr * area_sz);
	for (i = 0; i < nr; i++)
		printf("area %u %lx %lx\n", i,
		       (unsigned long)(base + i * area_sz),
		       (unsigned long)(base + (i + 1) * area_sz));
	printf("ready\n");
	fflush(stdout);

	end = seconds ? now_s() + seconds : 0;
	while (!stop_now && (!end || now_s() < end)) {
		double t;

		if (!even && seen_moves != (unsigned int)moves) {
			seen_moves = moves;
			hot = seen_moves % nr;
			printf("hot %u\n", hot);
			fflush(stdout);
		}
		if (even) {
			for (i = 0; i < nr; i += 2)
				touch(base + i * area_sz, area_sz, page);
		} else {
			touch(base + hot * area_sz, area_sz, page);
		}
		t = now_s();
		if (t - last_refresh >= REFRESH_US / 1e6) {
			refresh_tlb(scratch, page);
			last_refresh = t;
		}
	}
	return 0;
}
