/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the DAMON virtual address operations: how the three areas
 * to monitor are chosen from the layout of a process's mappings.
 *
 * The layouts are synthetic, so the tests need neither a process nor an mm;
 * they feed the same accumulator the VMA walk feeds.
 */

#ifndef _DAMON_VADDR_KUNIT_H
#define _DAMON_VADDR_KUNIT_H

#include <kunit/test.h>

#define P	DAMON_MIN_REGION

/* Feed @nr mappings to a fresh layout and compute the areas. */
static int damon_va_test_regions(const struct damon_addr_range *maps,
				 unsigned int nr,
				 struct damon_addr_range regions[3])
{
	struct damon_va_layout layout = {};
	unsigned int i;

	for (i = 0; i < nr; i++)
		damon_va_layout_add(&layout, maps[i].start, maps[i].end);
	return damon_va_layout_regions(&layout, regions);
}

static void damon_va_test_expect(struct kunit *test,
				 const struct damon_addr_range *maps,
				 unsigned int nr,
				 const struct damon_addr_range expected[3])
{
	struct damon_addr_range got[3];
	int i;

	KUNIT_ASSERT_EQ(test, damon_va_test_regions(maps, nr, got), 0);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ_MSG(test, got[i].start, expected[i].start,
				    "start of area %d", i);
		KUNIT_EXPECT_EQ_MSG(test, got[i].end, expected[i].end,
				    "end of area %d", i);
	}
}

/*
 * A usual x86-64 process: program image, data and heap low, libraries high,
 * the stack at the top.  The small holes between the low mappings and
 * between the libraries stay inside the areas; the two huge gaps go.
 */
static void damon_va_test_typical_layout(struct kunit *test)
{
	const struct damon_addr_range maps[] = {
		{ 0x555555554000UL, 0x555555556000UL },	/* text */
		{ 0x555555755000UL, 0x555555757000UL },	/* data */
		{ 0x555555757000UL, 0x555555778000UL },	/* heap */
		{ 0x7ffff7dd3000UL, 0x7ffff7dfc000UL },	/* ld.so */
		{ 0x7ffff7e00000UL, 0x7ffff7fa0000UL },	/* libc */
		{ 0x7ffff7ff8000UL, 0x7ffff7ffd000UL },	/* vdso */
		{ 0x7ffffffde000UL, 0x7ffffffff000UL },	/* stack */
	};
	const struct damon_addr_range expected[3] = {
		{ 0x555555554000UL, 0x555555778000UL },
		{ 0x7ffff7dd3000UL, 0x7ffff7ffd000UL },
		{ 0x7ffffffde000UL, 0x7ffffffff000UL },
	};

	damon_va_test_expect(test, maps, ARRAY_SIZE(maps), expected);
}

/*
 * The biggest gaps are chosen by size, not by position, and the areas come
 * out in address order whichever of the two gaps is bigger.
 */
static void damon_va_test_biggest_gaps(struct kunit *test)
{
	/* gaps: 3P, 1P, 5P, 2P -> the first and the third go */
	const struct damon_addr_range maps1[] = {
		{ 0, P }, { 4 * P, 5 * P }, { 6 * P, 7 * P },
		{ 12 * P, 13 * P }, { 15 * P, 16 * P },
	};
	const struct damon_addr_range expected1[3] = {
		{ 0, P }, { 4 * P, 7 * P }, { 12 * P, 16 * P },
	};
	/* gaps: 5P, 1P, 3P -> the bigger one comes first in address */
	const struct damon_addr_range maps2[] = {
		{ 0, P }, { 6 * P, 7 * P }, { 8 * P, 9 * P },
		{ 12 * P, 13 * P },
	};
	const struct damon_addr_range expected2[3] = {
		{ 0, P }, { 6 * P, 9 * P }, { 12 * P, 13 * P },
	};

	damon_va_test_expect(test, maps1, ARRAY_SIZE(maps1), expected1);
	damon_va_test_expect(test, maps2, ARRAY_SIZE(maps2), expected2);
}

/* Of gaps of equal size, the lowest ones are left out. */
static void damon_va_test_gaps_tie(struct kunit *test)
{
	const struct damon_addr_range maps[] = {
		{ 0, P }, { 3 * P, 4 * P }, { 6 * P, 7 * P }, { 9 * P, 10 * P },
	};
	const struct damon_addr_range expected[3] = {
		{ 0, P }, { 3 * P, 4 * P }, { 6 * P, 10 * P },
	};
	/* a bigger gap after the tie wins over the second of the tie */
	const struct damon_addr_range maps2[] = {
		{ 0, P }, { 3 * P, 4 * P }, { 6 * P, 7 * P },
		{ 10 * P, 11 * P },
	};
	const struct damon_addr_range expected2[3] = {
		{ 0, P }, { 3 * P, 7 * P }, { 10 * P, 11 * P },
	};

	damon_va_test_expect(test, maps, ARRAY_SIZE(maps), expected);
	damon_va_test_expect(test, maps2, ARRAY_SIZE(maps2), expected2);
}

/*
 * Adjacent mappings (as two VMAs with different protections make) leave
 * zero-sized gaps; they are gaps all the same when there is nothing bigger,
 * and lose to any real gap.
 */
static void damon_va_test_adjacent(struct kunit *test)
{
	const struct damon_addr_range all_adjacent[] = {
		{ 10 * P, 11 * P }, { 11 * P, 12 * P }, { 12 * P, 13 * P },
		{ 13 * P, 20 * P },
	};
	const struct damon_addr_range expected1[3] = {
		{ 10 * P, 11 * P }, { 11 * P, 12 * P }, { 12 * P, 20 * P },
	};
	const struct damon_addr_range one_gap[] = {
		{ 10 * P, 11 * P }, { 11 * P, 12 * P }, { 30 * P, 31 * P },
		{ 31 * P, 32 * P },
	};
	const struct damon_addr_range expected2[3] = {
		{ 10 * P, 11 * P }, { 11 * P, 12 * P }, { 30 * P, 32 * P },
	};

	damon_va_test_expect(test, all_adjacent, ARRAY_SIZE(all_adjacent),
			     expected1);
	damon_va_test_expect(test, one_gap, ARRAY_SIZE(one_gap), expected2);
}

/* Fewer than three mappings, or a layout that is not sorted, is refused. */
static void damon_va_test_too_few_or_unsorted(struct kunit *test)
{
	const struct damon_addr_range maps[] = {
		{ 0, P }, { 5 * P, 6 * P }, { 10 * P, 11 * P },
	};
	const struct damon_addr_range overlapping[] = {
		{ 0, 4 * P }, { 3 * P, 6 * P }, { 10 * P, 11 * P },
	};
	const struct damon_addr_range unsorted[] = {
		{ 10 * P, 11 * P }, { 0, P }, { 5 * P, 6 * P },
	};
	const struct damon_addr_range empty_map[] = {
		{ 0, P }, { 5 * P, 5 * P }, { 10 * P, 11 * P },
	};
	struct damon_addr_range got[3];

	KUNIT_EXPECT_EQ(test, damon_va_test_regions(maps, 0, got), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_va_test_regions(maps, 1, got), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_va_test_regions(maps, 2, got), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_va_test_regions(maps, 3, got), 0);
	KUNIT_EXPECT_EQ(test, damon_va_test_regions(overlapping, 3, got),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, damon_va_test_regions(unsorted, 3, got),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, damon_va_test_regions(empty_map, 3, got),
			-EINVAL);
}

/*
 * Areas are widened to DAMON_MIN_REGION; a gap narrower than that vanishes,
 * and the areas then touch rather than overlap.  An area that alignment
 * leaves empty makes the layout unusable.
 */
static void damon_va_test_alignment(struct kunit *test)
{
	const struct damon_addr_range unaligned[] = {
		{ P + 100, 3 * P - 5 }, { 10 * P + 7, 11 * P },
		{ 20 * P, 30 * P + 1 },
	};
	const struct damon_addr_range expected1[3] = {
		{ P, 3 * P }, { 10 * P, 11 * P }, { 20 * P, 31 * P },
	};
	/* the 16 bytes gap is the second biggest, and is inside one page */
	const struct damon_addr_range tiny_gap[] = {
		{ 0, P + 16 }, { P + 32, 3 * P }, { 10 * P, 11 * P },
	};
	const struct damon_addr_range expected2[3] = {
		{ 0, 2 * P }, { 2 * P, 3 * P }, { 10 * P, 11 * P },
	};
	/* here the middle area is squeezed to nothing */
	const struct damon_addr_range squeezed[] = {
		{ 0, P + 16 }, { P + 32, P + 64 }, { 10 * P, 11 * P },
	};
	struct damon_addr_range got[3];

	damon_va_test_expect(test, unaligned, ARRAY_SIZE(unaligned),
			     expected1);
	damon_va_test_expect(test, tiny_gap, ARRAY_SIZE(tiny_gap), expected2);
	KUNIT_EXPECT_EQ(test, damon_va_test_regions(squeezed, 3, got),
			-EINVAL);
}

/*
 * Near the top of the address space: gap sizes close to ULONG_MAX must not
 * overflow, and an end that cannot be rounded up without wrapping to zero is
 * rounded down instead.
 */
static void damon_va_test_high_addresses(struct kunit *test)
{
	const unsigned long top = ULONG_MAX & ~(P - 1);
	const struct damon_addr_range near_top[] = {
		{ top - 100 * P, top - 90 * P }, { top - 50 * P, top - 40 * P },
		{ top - 10 * P, ULONG_MAX },
	};
	const struct damon_addr_range expected1[3] = {
		{ top - 100 * P, top - 90 * P },
		{ top - 50 * P, top - 40 * P },
		{ top - 10 * P, top },
	};
	const struct damon_addr_range spread[] = {
		{ 0, P }, { 2 * P, 3 * P }, { top - P, top },
	};
	const struct damon_addr_range expected2[3] = {
		{ 0, P }, { 2 * P, 3 * P }, { top - P, top },
	};

	damon_va_test_expect(test, near_top, ARRAY_SIZE(near_top), expected1);
	damon_va_test_expect(test, spread, ARRAY_SIZE(spread), expected2);
}

#undef P

static struct kunit_case damon_va_test_cases[] = {
	KUNIT_CASE(damon_va_test_typical_layout),
	KUNIT_CASE(damon_va_test_biggest_gaps),
	KUNIT_CASE(damon_va_test_gaps_tie),
	KUNIT_CASE(damon_va_test_adjacent),
	KUNIT_CASE(damon_va_test_too_few_or_unsorted),
	KUNIT_CASE(damon_va_test_alignment),
	KUNIT_CASE(damon_va_test_high_addresses),
	{},
};

static struct kunit_suite damon_va_test_suite = {
	.name = "damon-vaddr",
	.test_cases = damon_va_test_cases,
};

kunit_test_suite(damon_va_test_suite);

#endif	/* _DAMON_VADDR_KUNIT_H */
