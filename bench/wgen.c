// SPDX-License-Identifier: GPL-2.0
/*
 * wgen: a workload generator for the DAMON benchmarks, whose true access
 * pattern is known and written down.
 *
 * Usage: wgen [options] -b BUFFER... [-p PHASE...]
 *
 *   -b NAME:SIZE[:thp][:used=SIZE][:chunk=SIZE]
 *         a buffer of SIZE bytes of virtual space (suffixes K, M, G, T).
 *         "thp" asks for transparent huge pages (MADV_HUGEPAGE); without
 *         it the buffer gets MADV_NOHUGEPAGE and is made of 4 KiB pages.
 *         "used=U" makes it sparse: only U bytes of it are populated and
 *         touched, in chunks of "chunk" bytes (default 64K, 2M with thp)
 *         spread evenly over the SIZE; the rest is never touched (and,
 *         mapped with MAP_NORESERVE, costs no memory).
 *   -p SECONDS:D,D,...
 *         a phase: for SECONDS, buffer i (in -b order) is touched on every
 *         D-th sweep (1 = every sweep, 4 = every 4th, 16 = every 16th,
 *         0 = never).  Phases run in order and start over after the last
 *         one until -t runs out.  Without -p, every buffer is touched on
 *         every sweep.
 *   -P USEC  a sweep starts every USEC microseconds (default 10000); a
 *            sweep that takes longer delays the next one, and the achieved
 *            rates fall short of the requested ones.  0: sweep back to back
 *            as fast as possible (for throughput).
 *   -R USEC  make the kernel flush the TLB at most this often, after a
 *            sweep (default 1000, 0 = after every sweep; see below)
 *   -t SECONDS  stop after this long (default: when the last phase ends,
 *            or never without -p); SIGINT and SIGTERM stop it too
 *   -o FILE  write the ground truth there (see below)
 *   -q       do not report each phase on stdout
 *
 * Touching a page means writing one byte of each 4 KiB of it.  The buffers
 * are consecutive mappings without gaps between them, each starting on a
 * 2 MiB boundary, so that nothing but their accesses tells them apart.  All
 * used pages are written once before "ready" is printed.
 *
 * QEMU's TCG sets the Accessed bit of a page table entry only when it
 * refills its software TLB, and DAMON clears that bit without flushing, so a
 * page that stays in the TLB would look idle however often it is used.  So
 * after a sweep (at most every -R microseconds) the program populates and
 * MADV_DONTNEEDs 40 pages of a scratch mapping, more than the kernel's
 * ceiling for a ranged flush (33), which makes it flush the whole TLB.
 *
 * Stdout: "buf NAME START END KIND SIZE USED" per buffer (hexadecimal
 * START and END, END exclusive; KIND is thp or 4k), "ready", then one line
 * per phase and buffer with the requested and achieved touch rates, and at
 * the end "throughput PAGES_PER_SECOND SWEEPS SECONDS".
 *
 * Ground truth (-o), one record per line, flushed as it happens:
 *   clock monotonic
 *   period_us P
 *   buf NAME START END KIND SIZE USED CHUNK STRIDE
 *   phase I T_START
 *   want I NAME DIV HZ     requested touches per second (0: never,
 *                          "max" when -P 0)
 *   end I T_END SWEEPS
 *   got I NAME TOUCHES HZ  achieved touches per second in phase I
 *   throughput PAGES_PER_SECOND SWEEPS SECONDS
 * Times are CLOCK_MONOTONIC seconds, the clock of the "mono" trace clock,
 * so they line up with tracepoint timestamps.
 *
 * A user space program, built on the host by bench/run into $BENCH_CACHE;
 * bench/ is developer tooling and nothing in it lands in the kernel tree.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define KIB		1024UL
#define MIB		(1024 * KIB)
#define HUGE_SZ		(2 * MIB)
#define TOUCH_STEP	(4 * KIB)
#define SCRATCH_PAGES	40
#define MAX_BUFS	64
#define MAX_PHASES	256

struct buf {
	char name[32];
	size_t size;		/* virtual size, a multiple of 2 MiB */
	size_t used;		/* bytes populated and touched */
	size_t chunk;		/* populated piece */
	size_t stride;		/* distance between the starts of pieces */
	size_t nr_chunks;
	int thp;
	char *start;
	unsigned long touches;	/* in the current phase */
};

struct phase {
	double seconds;
	unsigned int div[MAX_BUFS];
};

static struct buf bufs[MAX_BUFS];
static unsigned int nr_bufs;
static struct phase phases[MAX_PHASES];
static unsigned int nr_phases;
static FILE *truth;
/* user space: volatile is what C asks of a flag a signal handler sets */
static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("wgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void record(const char *fmt, ...)
{
	va_list ap;

	if (!truth)
		return;
	va_start(ap, fmt);
	vfprintf(truth, fmt, ap);
	va_end(ap);
	fflush(truth);
}

/* "64M", "1G", "4096": a size in bytes. */
static size_t parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0)
		die("bad size '%s'", s);
	switch (*end) {
	case 'k':
	case 'K':
		v *= KIB;
		end++;
		break;
	case 'm':
	case 'M':
		v *= MIB;
		end++;
		break;
	case 'g':
	case 'G':
		v *= 1024.0 * MIB;
		end++;
		break;
	case 't':
	case 'T':
		v *= 1024.0 * 1024 * MIB;
		end++;
		break;
	}
	if (*end == 'i' || *end == 'B')	/* tolerate "MiB", "MB" */
		end += strspn(end, "iB");
	if (*end)
		die("bad size '%s'", s);
	return (size_t)v;
}

static size_t round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

static void parse_buf(char *spec)
{
	struct buf *b;
	char *tok, *save = NULL;
	int field = 0;

	if (nr_bufs == MAX_BUFS)
		die("at most %d buffers", MAX_BUFS);
	b = &bufs[nr_bufs++];
	for (tok = strtok_r(spec, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save), field++) {
		if (field == 0)
			snprintf(b->name, sizeof(b->name), "%s", tok);
		else if (field == 1)
			b->size = parse_size(tok);
		else if (!strcmp(tok, "thp"))
			b->thp = 1;
		else if (!strncmp(tok, "used=", 5))
			b->used = parse_size(tok + 5);
		else if (!strncmp(tok, "chunk=", 6))
			b->chunk = parse_size(tok + 6);
		else
			die("unknown buffer option '%s'", tok);
	}
	if (field < 2 || !b->name[0] || !b->size)
		die("a buffer is NAME:SIZE[:thp][:used=SIZE][:chunk=SIZE]");
	b->size = round_up(b->size, HUGE_SZ);
	if (!b->chunk)
		b->chunk = b->thp ? HUGE_SZ : 64 * KIB;
	b->chunk = round_up(b->chunk, b->thp ? HUGE_SZ : TOUCH_STEP);
	if (!b->used || b->used >= b->size) {
		/* dense: one chunk, the whole buffer */
		b->used = b->size;
		b->chunk = b->size;
	}
	b->used = round_up(b->used, b->chunk);
	b->nr_chunks = b->used / b->chunk;
	b->stride = b->size / b->nr_chunks;
	b->stride -= b->stride % (b->thp ? HUGE_SZ : TOUCH_STEP);
	if (b->stride < b->chunk)
		die("buffer %s: used size does not fit", b->name);
}

static void parse_phase(char *spec)
{
	struct phase *p;
	char *colon = strchr(spec, ':'), *tok, *save = NULL;
	unsigned int i = 0;

	if (nr_phases == MAX_PHASES)
		die("at most %d phases", MAX_PHASES);
	if (!colon)
		die("a phase is SECONDS:D,D,...");
	p = &phases[nr_phases++];
	*colon = '\0';
	p->seconds = strtod(spec, NULL);
	if (p->seconds <= 0)
		die("a phase lasts more than 0 seconds");
	for (tok = strtok_r(colon + 1, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (i == MAX_BUFS)
			die("too many rates in a phase");
		p->div[i++] = strtoul(tok, NULL, 0);
	}
}

static void *map_or_die(void *addr, size_t sz, int prot, int flags)
{
	void *p = mmap(addr, sz, prot, flags | MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap of %zu bytes: %s", sz, strerror(errno));
	return p;
}

/* Map every buffer, back to back, 2 MiB aligned, and populate it. */
static void setup_bufs(void)
{
	size_t total = 0, off;
	unsigned int i, c;
	uintptr_t base;
	char *res;

	for (i = 0; i < nr_bufs; i++)
		total += bufs[i].size;
	res = map_or_die(NULL, total + HUGE_SZ, PROT_NONE, 0);
	base = round_up((uintptr_t)res, HUGE_SZ);
	/* give back the unaligned head and the tail of the reservation */
	if (base > (uintptr_t)res)
		munmap(res, base - (uintptr_t)res);
	if ((uintptr_t)res + total + HUGE_SZ > base + total)
		munmap((char *)base + total,
		       (uintptr_t)res + total + HUGE_SZ - (base + total));
	for (i = 0, off = 0; i < nr_bufs; i++) {
		struct buf *b = &bufs[i];

		b->start = map_or_die((char *)base + off, b->size,
				      PROT_READ | PROT_WRITE, MAP_FIXED);
		if (madvise(b->start, b->size,
			    b->thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
			fprintf(stderr, "wgen: madvise(%s): %s\n",
				b->thp ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
				strerror(errno));
		off += b->size;
	}
	for (i = 0; i < nr_bufs; i++) {
		struct buf *b = &bufs[i];

		for (c = 0; c < b->nr_chunks; c++)
			memset(b->start + c * b->stride, 1, b->chunk);
	}
}

static void refresh_tlb(char *scratch)
{
	unsigned int i;

	for (i = 0; i < SCRATCH_PAGES; i++)
		scratch[i * TOUCH_STEP] = 1;
	madvise(scratch, SCRATCH_PAGES * TOUCH_STEP, MADV_DONTNEED);
}

/* Write one byte of every 4 KiB of the used part of @b; pages written. */
static size_t touch(struct buf *b)
{
	size_t c, off, n = 0;

	for (c = 0; c < b->nr_chunks; c++) {
		/* volatile: every write must reach memory, none be merged */
		volatile char *p = b->start + c * b->stride;

		for (off = 0; off < b->chunk; off += TOUCH_STEP)
			p[off]++;
		n += b->chunk / TOUCH_STEP;
	}
	return n;
}

static void sleep_until(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR && !stop)
		;
}

static void phase_begin(unsigned int idx, const struct phase *p,
			double t, long period_us, int quiet)
{
	unsigned int i;

	record("phase %u %.6f\n", idx, t);
	for (i = 0; i < nr_bufs; i++) {
		unsigned int d = p->div[i];

		bufs[i].touches = 0;
		if (!d)
			record("want %u %s 0 0\n", idx, bufs[i].name);
		else if (!period_us)
			record("want %u %s %u max\n", idx, bufs[i].name, d);
		else
			record("want %u %s %u %.3f\n", idx, bufs[i].name, d,
			       1e6 / ((double)period_us * d));
	}
	if (!quiet) {
		printf("phase %u at %.3f\n", idx, t);
		fflush(stdout);
	}
}

static void phase_end(unsigned int idx, const struct phase *p, double t0,
		      double t, unsigned long sweeps, long period_us,
		      int quiet)
{
	double len = t - t0 > 0 ? t - t0 : 1e-9;
	unsigned int i;

	record("end %u %.6f %lu\n", idx, t, sweeps);
	for (i = 0; i < nr_bufs; i++) {
		double hz = bufs[i].touches / len;
		unsigned int d = p->div[i];

		record("got %u %s %lu %.3f\n", idx, bufs[i].name,
		       bufs[i].touches, hz);
		if (quiet)
			continue;
		if (d && period_us)
			printf("  %-10s every %2u: requested %8.2f/s achieved %8.2f/s (%.0f%%)\n",
			       bufs[i].name, d, 1e6 / ((double)period_us * d),
			       hz, 100 * hz * period_us * d / 1e6);
		else
			printf("  %-10s every %2u: achieved %8.2f/s\n",
			       bufs[i].name, d, hz);
	}
	if (!quiet)
		fflush(stdout);
}

int main(int argc, char **argv)
{
	long period_us = 10000, refresh_us = 1000;
	double seconds = -1, t, t_start, t_phase, t_next, t_last_refresh = 0;
	unsigned long sweeps = 0, phase_sweeps = 0, pages = 0;
	unsigned int i, ph = 0, ph_idx = 0;
	const char *truth_path = NULL;
	int opt, quiet = 0;
	char *scratch;

	while ((opt = getopt(argc, argv, "b:p:P:R:t:o:q")) != -1) {
		switch (opt) {
		case 'b':
			parse_buf(optarg);
			break;
		case 'p':
			parse_phase(optarg);
			break;
		case 'P':
			period_us = strtol(optarg, NULL, 0);
			break;
		case 'R':
			refresh_us = strtol(optarg, NULL, 0);
			break;
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		case 'o':
			truth_path = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-P USEC] [-R USEC] [-t SECONDS] [-o FILE] [-q]\n"
				"\t-b NAME:SIZE[:thp][:used=SIZE][:chunk=SIZE]...\n"
				"\t[-p SECONDS:D,D,...]...\n"
				"(the comment at the top of wgen.c explains them)\n",
				argv[0]);
			return 2;
		}
	}
	if (!nr_bufs)
		die("no buffer (-b)");
	if (period_us < 0 || refresh_us < 0)
		die("negative period");
	if (!nr_phases) {
		/* one endless phase, every buffer on every sweep */
		nr_phases = 1;
		phases[0].seconds = 1e18;
		for (i = 0; i < nr_bufs; i++)
			phases[0].div[i] = 1;
	}
	if (seconds < 0) {
		seconds = 0;
		for (i = 0; i < nr_phases; i++)
			seconds += phases[i].seconds;
	}
	if (truth_path) {
		truth = fopen(truth_path, "w");
		if (!truth)
			die("%s: %s", truth_path, strerror(errno));
	}
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);

	setup_bufs();
	scratch = map_or_die(NULL, SCRATCH_PAGES * TOUCH_STEP,
			     PROT_READ | PROT_WRITE, 0);
	record("clock monotonic\nperiod_us %ld\n", period_us);
	for (i = 0; i < nr_bufs; i++) {
		struct buf *b = &bufs[i];

		printf("buf %s %lx %lx %s %zu %zu\n", b->name,
		       (unsigned long)b->start,
		       (unsigned long)(b->start + b->size),
		       b->thp ? "thp" : "4k", b->size, b->used);
		record("buf %s %lx %lx %s %zu %zu %zu %zu\n", b->name,
		       (unsigned long)b->start,
		       (unsigned long)(b->start + b->size),
		       b->thp ? "thp" : "4k", b->size, b->used, b->chunk,
		       b->stride);
	}
	printf("ready\n");
	fflush(stdout);

	t_start = now_s();
	t_phase = t_start;
	t_next = t_start;
	phase_begin(ph_idx, &phases[ph], t_phase, period_us, quiet);
	for (;;) {
		const struct phase *p = &phases[ph];

		for (i = 0; i < nr_bufs; i++) {
			unsigned int d = p->div[i];

			if (d && phase_sweeps % d == 0) {
				pages += touch(&bufs[i]);
				bufs[i].touches++;
			}
		}
		sweeps++;
		phase_sweeps++;
		t = now_s();
		if (t - t_last_refresh >= refresh_us / 1e6) {
			refresh_tlb(scratch);
			t_last_refresh = t;
		}
		if (period_us) {
			t_next += period_us / 1e6;
			if (t_next < t)		/* late: no catching up */
				t_next = t;
			else
				sleep_until(t_next);
			t = now_s();
		}
		if (stop || t - t_start >= seconds) {
			phase_end(ph_idx, p, t_phase, t, phase_sweeps,
				  period_us, quiet);
			break;
		}
		if (t - t_phase >= p->seconds) {
			phase_end(ph_idx, p, t_phase, t, phase_sweeps,
				  period_us, quiet);
			ph = (ph + 1) % nr_phases;
			ph_idx++;
			phase_sweeps = 0;
			t_phase = t;
			phase_begin(ph_idx, &phases[ph], t, period_us, quiet);
		}
	}
	t = now_s() - t_start;
	printf("throughput %.0f %lu %.3f\n", pages / t, sweeps, t);
	record("throughput %.0f %lu %.3f\n", pages / t, sweeps, t);
	if (truth)
		fclose(truth);
	return 0;
}
