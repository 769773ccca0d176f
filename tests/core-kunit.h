/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the DAMON core.
 *
 * This file is included at the end of core.c, so the tests reach the static
 * functions of the monitoring and scheme engines directly.  No test touches
 * real memory: regions are plain address ranges, and wherever the core calls
 * into an operations set, a fake set records what it was asked to do.
 *
 * Every object a test allocates hangs off a context that is destroyed when
 * the test ends, even when an assertion stops it early.
 */

#ifndef _DAMON_CORE_KUNIT_H
#define _DAMON_CORE_KUNIT_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <kunit/test-bug.h>

/* @n pages: the unit of every address in these tests. */
#define DAMON_PG(n)	((unsigned long)(n) * DAMON_MIN_REGION)

/* A region to build, or the region expected at some position. */
struct damon_test_region {
	unsigned long start;
	unsigned long end;
	unsigned int nr_accesses;
	unsigned int age;
};

KUNIT_DEFINE_ACTION_WRAPPER(damon_test_destroy_ctx, damon_destroy_ctx,
			    struct damon_ctx *);

/* A context destroyed, with everything it holds, when the test ends. */
static struct damon_ctx *damon_test_new_ctx(struct kunit *test)
{
	struct damon_ctx *ctx = damon_new_ctx();

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test,
			kunit_add_action_or_reset(test, damon_test_destroy_ctx, ctx),
			0);
	return ctx;
}

/* Append to @ctx a target whose regions are built from @rgns. */
static struct damon_target *damon_test_add_target(struct kunit *test,
						  struct damon_ctx *ctx,
					   const struct damon_test_region *rgns,
					   unsigned int nr)
{
	struct damon_target *t = damon_new_target();
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	damon_add_target(ctx, t);
	for (i = 0; i < nr; i++) {
		struct damon_region *r;

		r = damon_new_region(rgns[i].start, rgns[i].end);
		KUNIT_ASSERT_NOT_NULL(test, r);
		r->nr_accesses = rgns[i].nr_accesses;
		r->age = rgns[i].age;
		damon_add_region(r, t);
	}
	return t;
}

/* Expect @t to hold exactly the regions of @exp, results included. */
static void damon_test_expect_regions(struct kunit *test, struct damon_target *t,
				      const struct damon_test_region *exp, unsigned int nr)
{
	struct damon_region *r;
	unsigned int i = 0;

	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), nr);
	damon_for_each_region(r, t) {
		if (i == nr) {
			KUNIT_FAIL(test, "more regions than the %u expected",
				   nr);
			return;
		}
		KUNIT_EXPECT_EQ_MSG(test, r->ar.start, exp[i].start,
				    "start of region %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r->ar.end, exp[i].end,
				    "end of region %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r->nr_accesses, exp[i].nr_accesses,
				    "nr_accesses of region %u", i);
		KUNIT_EXPECT_EQ_MSG(test, r->age, exp[i].age,
				    "age of region %u", i);
		i++;
	}
	KUNIT_EXPECT_EQ(test, i, nr);
}

/*
 * Check what every target must keep, whatever happened to it: non-empty
 * regions aligned to DAMON_MIN_REGION, sorted and not overlapping, as many
 * as its counter says.  Returns how many there are.
 */
static unsigned int damon_test_check_regions_sane(struct kunit *test, struct damon_target *t)
{
	struct damon_region *r;
	unsigned long prev_end = 0;
	unsigned int nr = 0;

	damon_for_each_region(r, t) {
		KUNIT_EXPECT_LT_MSG(test, r->ar.start, r->ar.end,
				    "region %u is empty", nr);
		KUNIT_EXPECT_TRUE_MSG(test,
				      IS_ALIGNED(r->ar.start, DAMON_MIN_REGION),
				      "region %u starts unaligned", nr);
		KUNIT_EXPECT_TRUE_MSG(test,
				      IS_ALIGNED(r->ar.end, DAMON_MIN_REGION),
				      "region %u ends unaligned", nr);
		if (nr)
			KUNIT_EXPECT_LE_MSG(test, prev_end, r->ar.start,
					    "region %u overlaps or is unsorted",
					    nr);
		prev_end = r->ar.end;
		nr++;
	}
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), nr);
	return nr;
}

/* damon_test_check_regions_sane() on every target, plus the region count limits. */
static void damon_test_check_ctx(struct kunit *test, struct damon_ctx *ctx,
				 unsigned long min_nr, unsigned long max_nr)
{
	struct damon_target *t;
	unsigned long nr = 0;

	damon_for_each_target(t, ctx)
		nr += damon_test_check_regions_sane(test, t);
	KUNIT_EXPECT_GE(test, nr, min_nr);
	KUNIT_EXPECT_LE(test, nr, max_nr);
}

#define DAMON_TEST_MAX_SPANS	16

/* The maximal runs of contiguous regions of a target: the bytes it covers. */
struct damon_test_spans {
	unsigned int nr;
	struct damon_addr_range span[DAMON_TEST_MAX_SPANS];
};

static struct damon_test_spans *damon_test_spans_of(struct kunit *test,
						    struct damon_target *t)
{
	struct damon_test_spans *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct damon_region *r;

	KUNIT_ASSERT_NOT_NULL(test, s);
	damon_for_each_region(r, t) {
		if (s->nr && s->span[s->nr - 1].end == r->ar.start) {
			s->span[s->nr - 1].end = r->ar.end;
			continue;
		}
		KUNIT_ASSERT_LT(test, s->nr, DAMON_TEST_MAX_SPANS);
		s->span[s->nr++] = r->ar;
	}
	return s;
}

/* Expect @t to cover exactly the bytes it covered when @before was taken. */
static void damon_test_expect_same_bytes(struct kunit *test, struct damon_target *t,
					 const struct damon_test_spans *before)
{
	struct damon_test_spans *now = damon_test_spans_of(test, t);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, now->nr, before->nr);
	for (i = 0; i < now->nr; i++) {
		KUNIT_EXPECT_EQ_MSG(test, now->span[i].start,
				    before->span[i].start, "span %u", i);
		KUNIT_EXPECT_EQ_MSG(test, now->span[i].end,
				    before->span[i].end, "span %u", i);
	}
}

/*
 * A fake operations set: its action records every region it is applied to
 * and claims to have acted on a set percentage of it; its priority score of
 * a region is the region's age.
 */
#define DAMON_TEST_MAX_ACTIONS	16U

struct damon_test_action {
	struct damon_target *t;
	struct damos *s;
	struct damon_addr_range ar;
	bool time_up;
	ktime_t deadline;
};

struct damon_test_fake_ops {
	unsigned int nr_calls;
	struct damon_test_action calls[DAMON_TEST_MAX_ACTIONS];
	unsigned int applied_pct;
};

static unsigned long damon_test_fake_apply(struct damon_ctx *ctx,
					   struct damon_target *t,
				    struct damon_region *r, struct damos *s,
				    unsigned long *sz_filter_passed)
{
	struct kunit *test = kunit_get_current_test();
	struct damon_test_fake_ops *fake = test->priv;

	if (fake->nr_calls < DAMON_TEST_MAX_ACTIONS) {
		struct damon_test_action *call = &fake->calls[fake->nr_calls];

		call->t = t;
		call->s = s;
		call->ar = r->ar;
		call->time_up = damos_quota_time_up(s);
		call->deadline = s->quota.act_deadline;
	}
	fake->nr_calls++;
	return mult_frac(damon_sz_region(r), fake->applied_pct, 100);
}

static int damon_test_fake_score(struct damon_ctx *ctx, struct damon_target *t,
				 struct damon_region *r, struct damos *s)
{
	return r->age;
}

static struct damon_test_fake_ops *damon_test_use_fake_ops(struct kunit *test,
							   struct damon_ctx *ctx,
					 unsigned int applied_pct)
{
	struct damon_test_fake_ops *fake = kunit_kzalloc(test, sizeof(*fake), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, fake);
	fake->applied_pct = applied_pct;
	test->priv = fake;
	ctx->ops.apply_scheme = damon_test_fake_apply;
	return fake;
}

/* Expect call @i of the fake action to be by @s on [@start, @end). */
static void damon_test_expect_action(struct kunit *test, struct damon_test_fake_ops *fake,
				     unsigned int i, struct damos *s,
			    unsigned long start, unsigned long end)
{
	KUNIT_ASSERT_LT(test, i, min(fake->nr_calls, DAMON_TEST_MAX_ACTIONS));
	KUNIT_EXPECT_PTR_EQ_MSG(test, fake->calls[i].s, s, "call %u", i);
	KUNIT_EXPECT_EQ_MSG(test, fake->calls[i].ar.start, start,
			    "start of call %u", i);
	KUNIT_EXPECT_EQ_MSG(test, fake->calls[i].ar.end, end,
			    "end of call %u", i);
}

/* A pattern every region matches. */
static const struct damos_access_pattern damon_test_any_pattern = {
	.max_sz_region = ULONG_MAX,
	.max_nr_accesses = UINT_MAX,
	.max_age_region = UINT_MAX,
};

/*
 * Append to @ctx a DAMOS_STAT scheme of @pattern, with a size quota of
 * @quota_sz bytes (none if zero) in windows long enough never to end during
 * a test, and ready to be applied as a starting kdamond would leave it.
 */
static struct damos *damon_test_add_scheme(struct kunit *test, struct damon_ctx *ctx,
					   const struct damos_access_pattern *pattern,
				    unsigned long quota_sz)
{
	struct damos_access_pattern p = *pattern;
	struct damos_quota q = {
		.reset_interval = 3600 * MSEC_PER_SEC,
		.sz = quota_sz,
	};
	struct damos_watermarks w = { .metric = DAMOS_WMARK_NONE };
	struct damos *s;

	s = damon_new_scheme(&p, DAMOS_STAT, 0, &q, &w, NUMA_NO_NODE);
	KUNIT_ASSERT_NOT_NULL(test, s);
	damon_add_scheme(ctx, s);
	damos_init_runtime(ctx, s);
	/* due now, as at the end of the first aggregation interval */
	s->next_apply_sis = ctx->passed_sample_intervals;
	return s;
}

static struct damos_filter *damon_test_add_filter(struct kunit *test,
						  struct damos *s,
					   enum damos_filter_type type,
					   bool matching)
{
	struct damos_filter *f = damos_new_filter(type, matching);

	KUNIT_ASSERT_NOT_NULL(test, f);
	damos_add_filter(s, f);
	return f;
}

static struct damos_filter *damon_test_add_addr_filter(struct kunit *test,
						       struct damos *s,
						unsigned long start,
						unsigned long end,
						bool matching)
{
	struct damos_filter *f;

	f = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ADDR, matching);
	f->addr_range.start = start;
	f->addr_range.end = end;
	return f;
}

static struct damos_quota_goal *damon_test_add_goal(struct kunit *test,
						    struct damos *s,
					     unsigned long target_value,
					     unsigned long current_value)
{
	struct damos_quota_goal *g;

	g = damos_new_quota_goal(DAMOS_QUOTA_USER_INPUT, target_value);
	KUNIT_ASSERT_NOT_NULL(test, g);
	g->current_value = current_value;
	damos_add_quota_goal(&s->quota, g);
	return g;
}

/*
 * Regions: creation, splitting, merging, limits and range setting
 */

static void damon_core_test_region_lifecycle(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, NULL, 0);
	struct damon_region *a, *b;

	a = damon_new_region(DAMON_PG(1), DAMON_PG(3));
	KUNIT_ASSERT_NOT_NULL(test, a);
	damon_add_region(a, t);
	KUNIT_EXPECT_EQ(test, a->ar.start, DAMON_PG(1));
	KUNIT_EXPECT_EQ(test, a->ar.end, DAMON_PG(3));
	KUNIT_EXPECT_EQ(test, damon_sz_region(a), DAMON_PG(2));
	KUNIT_EXPECT_EQ(test, a->nr_accesses, 0U);
	KUNIT_EXPECT_EQ(test, a->last_nr_accesses, 0U);
	KUNIT_EXPECT_EQ(test, a->age, 0U);

	b = damon_new_region(DAMON_PG(5), DAMON_PG(6));
	KUNIT_ASSERT_NOT_NULL(test, b);
	damon_add_region(b, t);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 2U);
	KUNIT_EXPECT_PTR_EQ(test, damon_first_region(t), a);
	KUNIT_EXPECT_PTR_EQ(test, damon_last_region(t), b);
	KUNIT_EXPECT_PTR_EQ(test, damon_next_region(a), b);

	damon_destroy_region(a, t);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 1U);
	KUNIT_EXPECT_PTR_EQ(test, damon_first_region(t), b);
	KUNIT_EXPECT_EQ(test, damon_test_check_regions_sane(test, t), 1U);
}

static void damon_core_test_split_region_at(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(10), DAMON_PG(20), 6, 3 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(10), DAMON_PG(13), 6, 3 },
		{ DAMON_PG(13), DAMON_PG(20), 6, 3 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, 1);
	struct damon_region *left = damon_first_region(t), *right;
	struct damon_test_spans *before = damon_test_spans_of(test, t);

	left->last_nr_accesses = 4;
	damon_split_region_at(t, left, DAMON_PG(3));

	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	/* the split region becomes the left piece */
	KUNIT_EXPECT_PTR_EQ(test, damon_first_region(t), left);
	right = damon_last_region(t);
	KUNIT_EXPECT_EQ(test, right->last_nr_accesses, 4U);
	KUNIT_EXPECT_EQ(test, right->sampling_addr, DAMON_PG(13));
	KUNIT_EXPECT_EQ(test, damon_test_check_regions_sane(test, t), 2U);
	damon_test_expect_same_bytes(test, t, before);
}

/* A split in the middle of a list leaves the neighbours alone. */
static void damon_core_test_split_region_at_middle(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(2), 1, 1 },
		{ DAMON_PG(2), DAMON_PG(10), 2, 2 },
		{ DAMON_PG(12), DAMON_PG(14), 3, 3 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(2), 1, 1 },
		{ DAMON_PG(2), DAMON_PG(3), 2, 2 },
		{ DAMON_PG(3), DAMON_PG(10), 2, 2 },
		{ DAMON_PG(12), DAMON_PG(14), 3, 3 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_test_spans *before = damon_test_spans_of(test, t);

	damon_split_region_at(t, damon_next_region(damon_first_region(t)),
			      DAMON_PG(1));
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	damon_test_check_regions_sane(test, t);
	damon_test_expect_same_bytes(test, t, before);
}

/* The merged results are the size-weighted means of the two. */
static void damon_core_test_merge_two_regions(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(4), 10, 2 },
		{ DAMON_PG(4), DAMON_PG(16), 2, 10 },
	};
	static const struct damon_test_region out[] = {
		/* (10 * 4 + 2 * 12) / 16 and (2 * 4 + 10 * 12) / 16 */
		{ DAMON_PG(0), DAMON_PG(16), 4, 8 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_region *l = damon_first_region(t);
	struct damon_region *r = damon_last_region(t);

	l->last_nr_accesses = 6;
	r->last_nr_accesses = 2;
	damon_merge_two_regions(t, l, r);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	KUNIT_EXPECT_PTR_EQ(test, damon_first_region(t), l);
	/* (6 * 4 + 2 * 12) / 16 */
	KUNIT_EXPECT_EQ(test, l->last_nr_accesses, 3U);
}

/*
 * Neighbours merge while their access frequencies differ by at most the
 * threshold; a merged region is compared with its next neighbour by its
 * new, averaged frequency.
 */
static void damon_core_test_merge_regions_of_thres(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 0, 0 },
		{ DAMON_PG(1), DAMON_PG(2), 1, 0 },
		{ DAMON_PG(2), DAMON_PG(3), 2, 0 },
		{ DAMON_PG(3), DAMON_PG(4), 10, 4 },
		{ DAMON_PG(4), DAMON_PG(5), 11, 2 },
		{ DAMON_PG(5), DAMON_PG(6), 30, 0 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(2), 0, 0 },
		{ DAMON_PG(2), DAMON_PG(3), 2, 0 },
		{ DAMON_PG(3), DAMON_PG(5), 10, 3 },
		{ DAMON_PG(5), DAMON_PG(6), 30, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_test_spans *before = damon_test_spans_of(test, t);

	damon_merge_regions_of(t, 1, ULONG_MAX);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	damon_test_check_regions_sane(test, t);
	damon_test_expect_same_bytes(test, t, before);
}

/* No merge may produce a region bigger than the size limit. */
static void damon_core_test_merge_regions_of_sz_limit(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 5, 0 },
		{ DAMON_PG(1), DAMON_PG(2), 5, 0 },
		{ DAMON_PG(2), DAMON_PG(3), 5, 0 },
		{ DAMON_PG(3), DAMON_PG(5), 5, 0 },
		{ DAMON_PG(5), DAMON_PG(6), 5, 0 },
		{ DAMON_PG(6), DAMON_PG(7), 5, 0 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(2), 5, 0 },
		{ DAMON_PG(2), DAMON_PG(3), 5, 0 },
		{ DAMON_PG(3), DAMON_PG(5), 5, 0 },
		{ DAMON_PG(5), DAMON_PG(7), 5, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));

	damon_merge_regions_of(t, 0, DAMON_PG(2));
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	damon_test_check_regions_sane(test, t);
}

/* Regions with a hole between them are never merged, whatever the rest. */
static void damon_core_test_merge_regions_of_hole(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(2), 3, 0 },
		{ DAMON_PG(3), DAMON_PG(5), 3, 0 },
		{ DAMON_PG(5), DAMON_PG(6), 3, 0 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(2), 3, 0 },
		{ DAMON_PG(3), DAMON_PG(6), 3, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_test_spans *before = damon_test_spans_of(test, t);

	damon_merge_regions_of(t, 100, ULONG_MAX);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	damon_test_expect_same_bytes(test, t, before);
}

/* Every target of the context is merged, each on its own. */
static void damon_core_test_kdamond_merge_targets(struct kunit *test)
{
	static const struct damon_test_region a_in[] = {
		{ DAMON_PG(0), DAMON_PG(2), 4, 0 },
		{ DAMON_PG(2), DAMON_PG(4), 5, 0 },
		{ DAMON_PG(4), DAMON_PG(6), 15, 0 },
	};
	static const struct damon_test_region b_in[] = {
		/* adjacent to the last region of a, but in another target */
		{ DAMON_PG(6), DAMON_PG(8), 15, 0 },
		{ DAMON_PG(8), DAMON_PG(9), 16, 0 },
	};
	static const struct damon_test_region a_out[] = {
		{ DAMON_PG(0), DAMON_PG(4), 4, 0 },
		{ DAMON_PG(4), DAMON_PG(6), 15, 0 },
	};
	static const struct damon_test_region b_out[] = {
		/* (15 * 2 + 16) / 3 */
		{ DAMON_PG(6), DAMON_PG(9), 15, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *a, *b;

	a = damon_test_add_target(test, ctx, a_in, ARRAY_SIZE(a_in));
	b = damon_test_add_target(test, ctx, b_in, ARRAY_SIZE(b_in));
	kdamond_merge_regions(ctx, 1, ULONG_MAX);
	damon_test_expect_regions(test, a, a_out, ARRAY_SIZE(a_out));
	damon_test_expect_regions(test, b, b_out, ARRAY_SIZE(b_out));
	damon_test_check_ctx(test, ctx, 3, 3);
}

/*
 * While there are more regions than max_nr_regions, the threshold doubles,
 * but no further than needed: here 2 is enough, while the maximum (20) would
 * merge everything into one region.
 */
static void damon_core_test_kdamond_merge_doubles_thres(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 0, 0 },
		{ DAMON_PG(1), DAMON_PG(2), 2, 0 },
		{ DAMON_PG(2), DAMON_PG(3), 4, 0 },
		{ DAMON_PG(3), DAMON_PG(4), 6, 0 },
		{ DAMON_PG(4), DAMON_PG(5), 8, 0 },
		{ DAMON_PG(5), DAMON_PG(6), 10, 0 },
		{ DAMON_PG(6), DAMON_PG(7), 12, 0 },
		{ DAMON_PG(7), DAMON_PG(8), 14, 0 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(2), 1, 0 },
		{ DAMON_PG(2), DAMON_PG(4), 5, 0 },
		{ DAMON_PG(4), DAMON_PG(6), 9, 0 },
		{ DAMON_PG(6), DAMON_PG(8), 13, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_test_spans *before = damon_test_spans_of(test, t);

	ctx->attrs.min_nr_regions = 3;
	ctx->attrs.max_nr_regions = 4;
	KUNIT_ASSERT_EQ(test, damon_max_nr_accesses(&ctx->attrs), 20U);
	kdamond_merge_regions(ctx, 1, ULONG_MAX);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	damon_test_check_ctx(test, ctx, 3, 4);
	damon_test_expect_same_bytes(test, t, before);
}

/*
 * With enough regions already, a single pass at the given threshold is
 * done; and when the size limit keeps the count high, the threshold stops
 * growing at the highest possible nr_accesses instead of looping forever.
 */
static void damon_core_test_kdamond_merge_thres_bounds(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 0, 0 },
		{ DAMON_PG(1), DAMON_PG(2), 3, 0 },
		{ DAMON_PG(2), DAMON_PG(3), 3, 0 },
		{ DAMON_PG(3), DAMON_PG(4), 9, 0 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(1), 0, 0 },
		{ DAMON_PG(1), DAMON_PG(3), 3, 0 },
		{ DAMON_PG(3), DAMON_PG(4), 9, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));

	/* within limits from the start: only equal neighbours merge */
	kdamond_merge_regions(ctx, 1, ULONG_MAX);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));

	/* the limit can't be met: nothing may grow beyond one page */
	ctx->attrs.max_nr_regions = 1;
	kdamond_merge_regions(ctx, 1, DAMON_PG(1));
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 3U);
	damon_test_check_regions_sane(test, t);
}

/*
 * A zero threshold (a nearly idle interval) still doubles, from one on, and
 * the doubling ends at the highest frequency possible, even where that is
 * close to UINT_MAX, instead of wrapping and looping for ever.
 */
static void damon_core_test_kdamond_merge_thres_zero(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 0, 0 },
		{ DAMON_PG(1), DAMON_PG(2), UINT_MAX, 0 },
		{ DAMON_PG(2), DAMON_PG(3), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));

	ctx->attrs.sample_interval = 1;
	ctx->attrs.aggr_interval = ULONG_MAX;
	KUNIT_ASSERT_EQ(test, damon_max_nr_accesses(&ctx->attrs), UINT_MAX);
	ctx->attrs.max_nr_regions = 1;
	kdamond_merge_regions(ctx, 0, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 1U);
	damon_test_check_regions_sane(test, t);
}

/*
 * A region of 1000 pages is cut at a multiple of 100 pages, so splitting it
 * always works, whatever the random numbers; each split adds one region.
 */
static void damon_core_test_split_regions_of_two(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1000), 7, 5 },
		{ DAMON_PG(2000), DAMON_PG(3000), 9, 1 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_test_spans *before = damon_test_spans_of(test, t);
	struct damon_region *r;

	KUNIT_EXPECT_EQ(test, damon_split_regions_of(t, 2), 2UL);
	KUNIT_EXPECT_EQ(test, damon_test_check_regions_sane(test, t), 4U);
	damon_test_expect_same_bytes(test, t, before);
	damon_for_each_region(r, t) {
		/* every piece is between a tenth and nine tenths */
		KUNIT_EXPECT_GE(test, damon_sz_region(r), DAMON_PG(100));
		KUNIT_EXPECT_LE(test, damon_sz_region(r), DAMON_PG(900));
		/* and keeps the results of the region it came from */
		if (r->ar.start < DAMON_PG(1000)) {
			KUNIT_EXPECT_EQ(test, r->nr_accesses, 7U);
			KUNIT_EXPECT_EQ(test, r->age, 5U);
		} else {
			KUNIT_EXPECT_EQ(test, r->nr_accesses, 9U);
			KUNIT_EXPECT_EQ(test, r->age, 1U);
		}
	}
}

static void damon_core_test_split_regions_of_three(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1000), 0, 0 },
		{ DAMON_PG(1000), DAMON_PG(2000), 0, 0 },
		{ DAMON_PG(4000), DAMON_PG(5000), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_test_spans *before = damon_test_spans_of(test, t);
	int round;

	for (round = 0; round < 10; round++) {
		struct damon_region *r;

		KUNIT_EXPECT_EQ(test, damon_split_regions_of(t, 3), 6UL);
		KUNIT_EXPECT_EQ(test, damon_test_check_regions_sane(test, t), 9U);
		damon_test_expect_same_bytes(test, t, before);
		/*
		 * The first cut takes some tenths of the whole region, the
		 * second one cuts what is left, not the piece already cut.
		 */
		damon_for_each_region(r, t) {
			if (r->ar.start % DAMON_PG(1000))
				continue;
			KUNIT_EXPECT_EQ_MSG(test,
					    damon_sz_region(r) % DAMON_PG(100),
					    0UL, "first piece of round %d",
					    round);
		}
		/* undo the split for the next round */
		damon_merge_regions_of(t, 0, DAMON_PG(1000));
		damon_test_expect_regions(test, t, in, ARRAY_SIZE(in));
	}
}

/* Regions of one page can't be split; those of two pages may be. */
static void damon_core_test_split_regions_of_small(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 0, 0 },
		{ DAMON_PG(1), DAMON_PG(2), 0, 0 },
		{ DAMON_PG(5), DAMON_PG(6), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_test_spans *before;
	unsigned long added;
	int i;

	KUNIT_EXPECT_EQ(test, damon_split_regions_of(t, 3), 0UL);
	KUNIT_EXPECT_EQ(test, damon_test_check_regions_sane(test, t), 3U);

	for (i = 0; i < 20; i++) {
		struct damon_target *t2;

		t2 = damon_test_add_target(test, ctx, (const struct damon_test_region[]){
					{ DAMON_PG(8), DAMON_PG(10), 0, 0 } }, 1);
		before = damon_test_spans_of(test, t2);
		added = damon_split_regions_of(t2, 2);
		KUNIT_EXPECT_LE(test, added, 1UL);
		KUNIT_EXPECT_EQ(test, damon_test_check_regions_sane(test, t2), 1 + added);
		damon_test_expect_same_bytes(test, t2, before);
		damon_destroy_target(t2);
	}
}

/*
 * Splitting is skipped above half of max_nr_regions, and cuts in three when
 * the last split was undone by merging and a third of the limit allows.
 */
static void damon_core_test_kdamond_split_regions(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1000), 0, 0 },
		{ DAMON_PG(3000), DAMON_PG(4000), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_test_spans *before = damon_test_spans_of(test, t);

	ctx->attrs.max_nr_regions = 7;
	kdamond_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 4U);
	/* the count before the split is what the next split compares with */
	KUNIT_EXPECT_EQ(test, ctx->nr_regions_before_split, 2UL);
	damon_test_check_ctx(test, ctx, 4, 7);
	damon_test_expect_same_bytes(test, t, before);

	/* 4 > 7 / 2: no split, and the count of the last one stays */
	kdamond_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 4U);
	KUNIT_EXPECT_EQ(test, ctx->nr_regions_before_split, 2UL);
	damon_test_expect_same_bytes(test, t, before);
}

static void damon_core_test_kdamond_split_regions_three(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1000), 0, 0 },
		{ DAMON_PG(3000), DAMON_PG(4000), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));

	/* the same count as before the last split, but 2 >= 6 / 3: halves */
	ctx->nr_regions_before_split = 2;
	ctx->attrs.max_nr_regions = 6;
	kdamond_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 4U);

	/* merging undid the split: the count is back, so thirds */
	damon_merge_regions_of(t, 0, ULONG_MAX);
	damon_merge_regions_of(t, 0, ULONG_MAX);
	KUNIT_ASSERT_EQ(test, damon_nr_regions(t), 2U);
	ctx->attrs.max_nr_regions = 9;
	kdamond_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 6U);
	KUNIT_EXPECT_EQ(test, ctx->nr_regions_before_split, 2UL);
	damon_test_check_ctx(test, ctx, 6, 6);

	/* a count that changed since the last split: halves again */
	damon_merge_regions_of(t, 0, ULONG_MAX);
	KUNIT_ASSERT_LT(test, damon_nr_regions(t), 6U);
	ctx->attrs.max_nr_regions = 100;
	ctx->nr_regions_before_split = 1;
	kdamond_split_regions(ctx);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t),
			2 * (unsigned int)ctx->nr_regions_before_split);
}

static void damon_core_test_region_sz_limit(struct kunit *test)
{
	static const struct damon_test_region a_in[] = {
		{ DAMON_PG(0), DAMON_PG(20), 0, 0 },
		{ DAMON_PG(30), DAMON_PG(35), 0, 0 },
	};
	static const struct damon_test_region b_in[] = {
		{ DAMON_PG(100), DAMON_PG(120), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_region *r;
	struct damon_target *t;

	/* no region: one page at least */
	KUNIT_EXPECT_EQ(test, damon_region_sz_limit(ctx), DAMON_PG(1));

	damon_test_add_target(test, ctx, a_in, ARRAY_SIZE(a_in));
	t = damon_test_add_target(test, ctx, b_in, ARRAY_SIZE(b_in));
	/* 45 pages over both targets, for 10 regions: aligned down */
	KUNIT_EXPECT_EQ(test, damon_region_sz_limit(ctx), DAMON_PG(4));
	ctx->attrs.min_nr_regions = 3;
	KUNIT_EXPECT_EQ(test, damon_region_sz_limit(ctx), DAMON_PG(15));
	ctx->attrs.min_nr_regions = 100;
	KUNIT_EXPECT_EQ(test, damon_region_sz_limit(ctx), DAMON_PG(1));

	/* 25 + 9975 pages */
	r = damon_first_region(t);
	r->ar.end = DAMON_PG(10075);
	KUNIT_EXPECT_EQ(test, damon_region_sz_limit(ctx), DAMON_PG(100));
}

static void damon_core_test_split_to_limit(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(10), 2, 1 },
		{ DAMON_PG(10), DAMON_PG(13), 3, 1 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(4), 2, 1 },
		{ DAMON_PG(4), DAMON_PG(8), 2, 1 },
		{ DAMON_PG(8), DAMON_PG(10), 2, 1 },
		{ DAMON_PG(10), DAMON_PG(13), 3, 1 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_test_spans *before = damon_test_spans_of(test, t);

	damon_split_to_limit(ctx, DAMON_PG(4));
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	damon_test_expect_same_bytes(test, t, before);
}

/* What a starting kdamond does: min_nr_regions, but never above the max. */
static void damon_core_test_split_to_limit_capped(struct kunit *test)
{
	static const struct damon_test_region a_in[] = {
		{ DAMON_PG(0), DAMON_PG(40), 0, 0 },
	};
	static const struct damon_test_region b_in[] = {
		{ DAMON_PG(100), DAMON_PG(140), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *a, *b;
	struct damon_test_spans *a_before, *b_before;

	a = damon_test_add_target(test, ctx, a_in, ARRAY_SIZE(a_in));
	b = damon_test_add_target(test, ctx, b_in, ARRAY_SIZE(b_in));
	a_before = damon_test_spans_of(test, a);
	b_before = damon_test_spans_of(test, b);

	ctx->attrs.min_nr_regions = 10;
	damon_split_to_limit(ctx, damon_region_sz_limit(ctx));
	KUNIT_EXPECT_EQ(test, damon_nr_regions(a), 5U);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(b), 5U);
	KUNIT_EXPECT_EQ(test, damon_sz_region(damon_last_region(b)),
			DAMON_PG(8));
	damon_test_check_ctx(test, ctx, 10, 10);

	/* a maximum of 12 stops the splitting of a finer limit early */
	ctx->attrs.max_nr_regions = 12;
	damon_split_to_limit(ctx, DAMON_PG(1));
	KUNIT_EXPECT_EQ(test, damon_nr_regions(a), 7U);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(b), 5U);
	KUNIT_EXPECT_EQ(test, damon_sz_region(damon_first_region(a)),
			DAMON_PG(1));
	damon_test_check_ctx(test, ctx, 12, 12);
	damon_test_expect_same_bytes(test, a, a_before);
	damon_test_expect_same_bytes(test, b, b_before);
}

static void damon_core_test_align_ranges(struct kunit *test)
{
	static const struct damon_addr_range in[] = {
		{ 100, DAMON_PG(1) + 904 },		/* -> [0, 2) */
		{ DAMON_PG(2) + 808, DAMON_PG(2) + 1000 },	/* -> [2, 3) */
		{ DAMON_PG(3) + 1, DAMON_PG(3) + 2 },	/* -> [3, 4) */
		{ DAMON_PG(9), DAMON_PG(12) },		/* as is */
	};
	static const struct damon_addr_range top[] = {
		{ ULONG_MAX - DAMON_PG(3) - 5, ULONG_MAX - 5 },
	};
	struct damon_addr_range *out;

	out = kunit_kcalloc(test, ARRAY_SIZE(in), sizeof(*out), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, out);

	KUNIT_ASSERT_EQ(test, damon_align_ranges(in, ARRAY_SIZE(in), out), 4);
	KUNIT_EXPECT_EQ(test, out[0].start, 0UL);
	KUNIT_EXPECT_EQ(test, out[0].end, DAMON_PG(2));
	KUNIT_EXPECT_EQ(test, out[1].start, DAMON_PG(2));
	KUNIT_EXPECT_EQ(test, out[1].end, DAMON_PG(3));
	KUNIT_EXPECT_EQ(test, out[2].start, DAMON_PG(3));
	KUNIT_EXPECT_EQ(test, out[2].end, DAMON_PG(4));
	KUNIT_EXPECT_EQ(test, out[3].start, DAMON_PG(9));
	KUNIT_EXPECT_EQ(test, out[3].end, DAMON_PG(12));

	/* a range swallowed by the aligned previous one is dropped */
	KUNIT_ASSERT_EQ(test, damon_align_ranges(in, 2, out), 2);
	KUNIT_EXPECT_EQ(test,
			damon_align_ranges((const struct damon_addr_range[]){
					{ DAMON_PG(1) + 1, DAMON_PG(1) + 2 },
					{ DAMON_PG(1) + 3, DAMON_PG(1) + 4 } },
					2, out), 1);
	KUNIT_EXPECT_EQ(test, out[0].start, DAMON_PG(1));
	KUNIT_EXPECT_EQ(test, out[0].end, DAMON_PG(2));

	/* aligning up at the top of the space must not wrap to zero */
	KUNIT_ASSERT_EQ(test, damon_align_ranges(top, 1, out), 1);
	KUNIT_EXPECT_EQ(test, out[0].start,
			ALIGN_DOWN(ULONG_MAX, DAMON_MIN_REGION) - DAMON_PG(3));
	KUNIT_EXPECT_EQ(test, out[0].end,
			ALIGN_DOWN(ULONG_MAX, DAMON_MIN_REGION));
}

static void damon_core_test_align_ranges_invalid(struct kunit *test)
{
	static const struct damon_addr_range empty[] = {
		{ DAMON_PG(1), DAMON_PG(2) }, { DAMON_PG(5), DAMON_PG(5) },
	};
	static const struct damon_addr_range inverted[] = {
		{ DAMON_PG(3), DAMON_PG(2) },
	};
	static const struct damon_addr_range unsorted[] = {
		{ DAMON_PG(5), DAMON_PG(6) }, { DAMON_PG(1), DAMON_PG(2) },
	};
	static const struct damon_addr_range overlapping[] = {
		{ DAMON_PG(1), DAMON_PG(5) }, { DAMON_PG(4), DAMON_PG(6) },
	};
	struct damon_addr_range *out;

	out = kunit_kcalloc(test, 2, sizeof(*out), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, out);
	KUNIT_EXPECT_EQ(test, damon_align_ranges(empty, 2, out), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_align_ranges(inverted, 1, out), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_align_ranges(unsorted, 2, out), -EINVAL);
	KUNIT_EXPECT_EQ(test, damon_align_ranges(overlapping, 2, out),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, damon_align_ranges(NULL, 0, out), 0);
}

static void damon_core_test_set_regions_fresh(struct kunit *test)
{
	struct damon_addr_range ranges[] = {
		{ DAMON_PG(1) + 10, DAMON_PG(3) - 10 },
		{ DAMON_PG(7), DAMON_PG(9) + 1 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(1), DAMON_PG(3), 0, 0 },
		{ DAMON_PG(7), DAMON_PG(10), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, NULL, 0);

	KUNIT_ASSERT_EQ(test, damon_set_regions(t, ranges, 2), 0);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	damon_test_check_regions_sane(test, t);
}

/* Covered parts keep their results, pieces of new memory start afresh. */
static void damon_core_test_set_regions_keeps_results(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(8), 5, 3 },
		{ DAMON_PG(8), DAMON_PG(16), 7, 1 },
		{ DAMON_PG(20), DAMON_PG(24), 9, 9 },
		{ DAMON_PG(30), DAMON_PG(40), 4, 4 },
	};
	struct damon_addr_range ranges[] = {
		{ DAMON_PG(4), DAMON_PG(24) },
		{ DAMON_PG(50), DAMON_PG(52) },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(4), DAMON_PG(8), 5, 3 },
		{ DAMON_PG(8), DAMON_PG(16), 7, 1 },
		{ DAMON_PG(16), DAMON_PG(20), 0, 0 },
		{ DAMON_PG(20), DAMON_PG(24), 9, 9 },
		{ DAMON_PG(50), DAMON_PG(52), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));

	KUNIT_ASSERT_EQ(test, damon_set_regions(t, ranges, 2), 0);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	damon_test_check_regions_sane(test, t);
}

/* One old region cut by several new ranges gives all of them its results. */
static void damon_core_test_set_regions_one_to_many(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(40), 3, 6 },
	};
	struct damon_addr_range ranges[] = {
		{ DAMON_PG(4), DAMON_PG(8) },
		{ DAMON_PG(12), DAMON_PG(16) },
		{ DAMON_PG(38), DAMON_PG(42) },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(4), DAMON_PG(8), 3, 6 },
		{ DAMON_PG(12), DAMON_PG(16), 3, 6 },
		{ DAMON_PG(38), DAMON_PG(40), 3, 6 },
		{ DAMON_PG(40), DAMON_PG(42), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));

	KUNIT_ASSERT_EQ(test, damon_set_regions(t, ranges, 3), 0);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	damon_test_check_regions_sane(test, t);
}

/* Bad ranges are refused and leave the target alone; none clear it. */
static void damon_core_test_set_regions_invalid_and_none(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(8), 5, 3 },
		{ DAMON_PG(8), DAMON_PG(16), 7, 1 },
	};
	struct damon_addr_range bad[] = {
		{ DAMON_PG(4), DAMON_PG(12) },
		{ DAMON_PG(10), DAMON_PG(20) },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));

	KUNIT_EXPECT_EQ(test, damon_set_regions(t, bad, 2), -EINVAL);
	damon_test_expect_regions(test, t, in, ARRAY_SIZE(in));

	KUNIT_EXPECT_EQ(test, damon_set_regions(t, NULL, 0), 0);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 0U);
	KUNIT_EXPECT_TRUE(test, list_empty(&t->regions_list));
}

/* Sampling addresses cover the whole of regions bigger than 4 GiB. */
static void damon_core_test_rand_big_span(struct kunit *test)
{
	unsigned long l = DAMON_PG(1), r = l + (1UL << 40), v, max_seen = 0;
	int i;

	if (BITS_PER_LONG < 64)
		kunit_skip(test, "no span over 4 GiB on 32-bit");
	for (i = 0; i < 64; i++) {
		v = damon_rand(l, r);
		KUNIT_ASSERT_GE(test, v, l);
		KUNIT_ASSERT_LT(test, v, r);
		max_seen = max(max_seen, v - l);
	}
	/* all 64 below 4 GiB by chance: probability 2^-512 */
	KUNIT_EXPECT_GT(test, max_seen, (unsigned long)U32_MAX);
	KUNIT_EXPECT_EQ(test, damon_rand(l, l + 1), l);
}

/*
 * Spans up to 4 GiB take the 32-bit path: every value of a small span comes
 * up, and nothing falls outside a span of exactly U32_MAX.
 */
static void damon_core_test_rand_small_span(struct kunit *test)
{
	unsigned long l = DAMON_PG(3), seen = 0, v;
	int i;

	for (i = 0; i < 300; i++) {
		v = damon_rand(1, 10);
		KUNIT_ASSERT_GE(test, v, 1UL);
		KUNIT_ASSERT_LT(test, v, 10UL);
		seen |= 1UL << v;
	}
	/* one of the nine values missing by chance: below 10^-14 */
	KUNIT_EXPECT_EQ(test, seen, 0x3feUL);
	for (i = 0; i < 64; i++) {
		v = damon_rand(l, l + U32_MAX);
		KUNIT_ASSERT_GE(test, v, l);
		KUNIT_ASSERT_LT(test, v, l + U32_MAX);
	}
}

static struct kunit_case damon_test_regions_cases[] = {
	KUNIT_CASE(damon_core_test_rand_big_span),
	KUNIT_CASE(damon_core_test_rand_small_span),
	KUNIT_CASE(damon_core_test_region_lifecycle),
	KUNIT_CASE(damon_core_test_split_region_at),
	KUNIT_CASE(damon_core_test_split_region_at_middle),
	KUNIT_CASE(damon_core_test_merge_two_regions),
	KUNIT_CASE(damon_core_test_merge_regions_of_thres),
	KUNIT_CASE(damon_core_test_merge_regions_of_sz_limit),
	KUNIT_CASE(damon_core_test_merge_regions_of_hole),
	KUNIT_CASE(damon_core_test_kdamond_merge_targets),
	KUNIT_CASE(damon_core_test_kdamond_merge_doubles_thres),
	KUNIT_CASE(damon_core_test_kdamond_merge_thres_bounds),
	KUNIT_CASE(damon_core_test_kdamond_merge_thres_zero),
	KUNIT_CASE(damon_core_test_split_regions_of_two),
	KUNIT_CASE(damon_core_test_split_regions_of_three),
	KUNIT_CASE(damon_core_test_split_regions_of_small),
	KUNIT_CASE(damon_core_test_kdamond_split_regions),
	KUNIT_CASE(damon_core_test_kdamond_split_regions_three),
	KUNIT_CASE(damon_core_test_region_sz_limit),
	KUNIT_CASE(damon_core_test_split_to_limit),
	KUNIT_CASE(damon_core_test_split_to_limit_capped),
	KUNIT_CASE(damon_core_test_align_ranges),
	KUNIT_CASE(damon_core_test_align_ranges_invalid),
	KUNIT_CASE(damon_core_test_set_regions_fresh),
	KUNIT_CASE(damon_core_test_set_regions_keeps_results),
	KUNIT_CASE(damon_core_test_set_regions_one_to_many),
	KUNIT_CASE(damon_core_test_set_regions_invalid_and_none),
	{}
};

static struct kunit_suite damon_test_regions_suite = {
	.name = "damon-core-regions",
	.test_cases = damon_test_regions_cases,
};

/*
 * Aggregation: access counting, ageing and the adaptive regions cycle
 */

static void damon_core_test_update_access_rate(struct kunit *test)
{
	struct damon_attrs attrs = {
		.sample_interval = 10000,
		.aggr_interval = 30000,
	};
	struct damon_region *r = damon_new_region(0, DAMON_PG(1));
	int i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	damon_update_region_access_rate(r, false, &attrs);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 0U);
	damon_update_region_access_rate(r, true, &attrs);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 1U);
	damon_update_region_access_rate(r, false, &attrs);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 1U);
	/* never above the number of samples in an aggregation interval */
	for (i = 0; i < 10; i++)
		damon_update_region_access_rate(r, true, &attrs);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 3U);
	kfree(r);
}

static void damon_core_test_max_nr_accesses(struct kunit *test)
{
	struct damon_attrs attrs = {
		.sample_interval = 5000,
		.aggr_interval = 100000,
	};

	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 20U);
	attrs.aggr_interval = 104999;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 20U);
	attrs.aggr_interval = 5000;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 1U);
	attrs.aggr_interval = 1000;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 1U);
	attrs.sample_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_max_nr_accesses(&attrs), 1U);
}

/* A tenth of the highest frequency seen, not of the highest possible one. */
static void damon_core_test_similarity_thres(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);

	ctx->max_nr_accesses = 20;
	KUNIT_EXPECT_EQ(test, damon_similarity_thres(ctx), 2U);
	ctx->attrs.aggr_interval = 1000 * ctx->attrs.sample_interval;
	KUNIT_EXPECT_EQ(test, damon_similarity_thres(ctx), 2U);
	ctx->max_nr_accesses = 1000;
	KUNIT_EXPECT_EQ(test, damon_similarity_thres(ctx), 100U);
	/* a nearly idle space: any difference keeps regions apart */
	ctx->max_nr_accesses = 9;
	KUNIT_EXPECT_EQ(test, damon_similarity_thres(ctx), 0U);
	ctx->max_nr_accesses = 0;
	KUNIT_EXPECT_EQ(test, damon_similarity_thres(ctx), 0U);
}

static void damon_core_test_age_region(struct kunit *test)
{
	struct damon_region *r = damon_new_region(0, DAMON_PG(1));

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->age = 5;
	r->last_nr_accesses = 10;
	r->nr_accesses = 12;
	damon_age_region(r, 2);
	KUNIT_EXPECT_EQ(test, r->age, 6U);
	r->nr_accesses = 8;
	damon_age_region(r, 2);
	KUNIT_EXPECT_EQ(test, r->age, 7U);
	r->nr_accesses = 13;
	damon_age_region(r, 2);
	KUNIT_EXPECT_EQ(test, r->age, 0U);
	r->nr_accesses = 7;
	r->age = 4;
	damon_age_region(r, 2);
	KUNIT_EXPECT_EQ(test, r->age, 0U);
	r->nr_accesses = 10;
	r->age = UINT_MAX;
	damon_age_region(r, 0);
	KUNIT_EXPECT_EQ(test, r->age, UINT_MAX);
	kfree(r);
}

/* kdamond_age_regions() uses a tenth of the highest nr_accesses seen. */
static void damon_core_test_kdamond_age_regions(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 10, 3 },
		{ DAMON_PG(1), DAMON_PG(2), 10, 3 },
		{ DAMON_PG(2), DAMON_PG(3), 10, 3 },
	};
	static const unsigned int last[] = { 8, 7, 10 };
	static const unsigned int age[] = { 4, 0, 4 };
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_region *r;
	unsigned int i = 0;

	damon_for_each_region(r, t)
		r->last_nr_accesses = last[i++];
	ctx->max_nr_accesses = 20;
	kdamond_age_regions(ctx);
	i = 0;
	damon_for_each_region(r, t) {
		KUNIT_EXPECT_EQ_MSG(test, r->age, age[i], "region %u", i);
		i++;
	}
}

static void damon_core_test_reset_aggregated(struct kunit *test)
{
	static const struct damon_test_region a_in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 4, 1 },
		{ DAMON_PG(1), DAMON_PG(2), 9, 2 },
	};
	static const struct damon_test_region b_in[] = {
		{ DAMON_PG(5), DAMON_PG(6), 17, 3 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *a, *b;
	struct damon_region *r;

	a = damon_test_add_target(test, ctx, a_in, ARRAY_SIZE(a_in));
	b = damon_test_add_target(test, ctx, b_in, ARRAY_SIZE(b_in));
	kdamond_reset_aggregated(ctx);

	r = damon_first_region(a);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, 4U);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 0U);
	KUNIT_EXPECT_EQ(test, r->age, 1U);
	r = damon_last_region(a);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, 9U);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 0U);
	r = damon_first_region(b);
	KUNIT_EXPECT_EQ(test, r->last_nr_accesses, 17U);
	KUNIT_EXPECT_EQ(test, r->nr_accesses, 0U);
	KUNIT_EXPECT_EQ(test, r->age, 3U);
}

/*
 * Rounds of the kdamond's aggregation with random access frequencies: the
 * regions must stay sane, within [min_nr_regions, max_nr_regions], and
 * cover the same memory all along.
 */
static void damon_core_test_adaptive_cycle(struct kunit *test)
{
	static const struct damon_test_region a_in[] = {
		{ DAMON_PG(0), DAMON_PG(100), 0, 0 },
	};
	static const struct damon_test_region b_in[] = {
		{ DAMON_PG(200), DAMON_PG(230), 0, 0 },
		{ DAMON_PG(230), DAMON_PG(260), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_spans *a_before, *b_before;
	struct damon_target *a, *b, *t;
	struct damon_region *r;
	int round;

	a = damon_test_add_target(test, ctx, a_in, ARRAY_SIZE(a_in));
	b = damon_test_add_target(test, ctx, b_in, ARRAY_SIZE(b_in));
	a_before = damon_test_spans_of(test, a);
	b_before = damon_test_spans_of(test, b);
	ctx->attrs.min_nr_regions = 4;
	ctx->attrs.max_nr_regions = 24;
	damon_split_to_limit(ctx, damon_region_sz_limit(ctx));
	damon_test_check_ctx(test, ctx, 4, 24);

	for (round = 0; round < 30; round++) {
		unsigned int max = damon_max_nr_accesses(&ctx->attrs);

		ctx->max_nr_accesses = 0;
		damon_for_each_target(t, ctx) {
			damon_for_each_region(r, t) {
				r->nr_accesses = get_random_u32_below(max + 1);
				ctx->max_nr_accesses = max(ctx->max_nr_accesses,
							   r->nr_accesses);
			}
		}
		kdamond_age_regions(ctx);
		kdamond_merge_regions(ctx, damon_similarity_thres(ctx),
				      damon_region_sz_limit(ctx));
		damon_test_check_ctx(test, ctx, 4, 24);
		kdamond_reset_aggregated(ctx);
		kdamond_split_regions(ctx);
		damon_test_check_ctx(test, ctx, 4, 24);
		damon_test_expect_same_bytes(test, a, a_before);
		damon_test_expect_same_bytes(test, b, b_before);
	}
}

static struct kunit_case damon_test_aggregation_cases[] = {
	KUNIT_CASE(damon_core_test_update_access_rate),
	KUNIT_CASE(damon_core_test_max_nr_accesses),
	KUNIT_CASE(damon_core_test_similarity_thres),
	KUNIT_CASE(damon_core_test_age_region),
	KUNIT_CASE(damon_core_test_kdamond_age_regions),
	KUNIT_CASE(damon_core_test_reset_aggregated),
	KUNIT_CASE(damon_core_test_adaptive_cycle),
	{}
};

static struct kunit_suite damon_test_aggregation_suite = {
	.name = "damon-core-aggregation",
	.test_cases = damon_test_aggregation_cases,
};

/*
 * Attributes, the operations registry, and committing contexts
 */

static void damon_core_test_valid_attrs(struct kunit *test)
{
	struct damon_attrs ok = {
		.sample_interval = 5000,
		.aggr_interval = 100000,
		.ops_update_interval = 1000000,
		.min_nr_regions = 10,
		.max_nr_regions = 1000,
	};
	struct damon_attrs a;

	KUNIT_EXPECT_TRUE(test, damon_valid_attrs(&ok));
	a = ok;
	a.sample_interval = 0;
	KUNIT_EXPECT_FALSE(test, damon_valid_attrs(&a));
	a = ok;
	a.aggr_interval = a.sample_interval - 1;
	KUNIT_EXPECT_FALSE(test, damon_valid_attrs(&a));
	a.aggr_interval = a.sample_interval;
	KUNIT_EXPECT_TRUE(test, damon_valid_attrs(&a));
	a = ok;
	a.min_nr_regions = 2;
	KUNIT_EXPECT_FALSE(test, damon_valid_attrs(&a));
	a.min_nr_regions = 3;
	KUNIT_EXPECT_TRUE(test, damon_valid_attrs(&a));
	a = ok;
	a.max_nr_regions = a.min_nr_regions - 1;
	KUNIT_EXPECT_FALSE(test, damon_valid_attrs(&a));
	a.max_nr_regions = a.min_nr_regions;
	KUNIT_EXPECT_TRUE(test, damon_valid_attrs(&a));
}

static void damon_core_test_set_attrs_invalid(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 10, 4 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_attrs old = ctx->attrs, bad = ctx->attrs;
	struct damon_target *t = damon_test_add_target(test, ctx, in, 1);

	bad.sample_interval *= 2;
	bad.min_nr_regions = 1;
	KUNIT_EXPECT_EQ(test, damon_set_attrs(ctx, &bad), -EINVAL);
	KUNIT_EXPECT_MEMEQ(test, &ctx->attrs, &old, sizeof(old));
	damon_test_expect_regions(test, t, in, 1);
}

/* nr_accesses is rescaled to the new number of samples per aggregation. */
static void damon_core_test_set_attrs_rescale_accesses(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 10, 4 },
		{ DAMON_PG(1), DAMON_PG(2), 20, 7 },
		{ DAMON_PG(2), DAMON_PG(3), 3, 0 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(1), 5, 4 },
		{ DAMON_PG(1), DAMON_PG(2), 10, 7 },
		{ DAMON_PG(2), DAMON_PG(3), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_attrs attrs = ctx->attrs;

	damon_first_region(t)->last_nr_accesses = 6;
	/* 20 samples per aggregation become 10 */
	attrs.sample_interval *= 2;
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &attrs), 0);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	KUNIT_EXPECT_EQ(test, damon_first_region(t)->last_nr_accesses, 3U);
	KUNIT_EXPECT_MEMEQ(test, &ctx->attrs, &attrs, sizeof(attrs));

	/* setting the same intervals again changes nothing */
	attrs.max_nr_regions++;
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &attrs), 0);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
}

/* age counts aggregation intervals: it shrinks when they grow longer. */
static void damon_core_test_set_attrs_rescale_age(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 10, 10 },
		{ DAMON_PG(1), DAMON_PG(2), 4, 3 },
	};
	static const struct damon_test_region half[] = {
		{ DAMON_PG(0), DAMON_PG(1), 10, 5 },
		{ DAMON_PG(1), DAMON_PG(2), 4, 1 },
	};
	static const struct damon_test_region back[] = {
		{ DAMON_PG(0), DAMON_PG(1), 10, 10 },
		{ DAMON_PG(1), DAMON_PG(2), 4, 2 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_attrs attrs = ctx->attrs;

	/* both intervals doubled: 20 samples per aggregation still */
	attrs.sample_interval *= 2;
	attrs.aggr_interval *= 2;
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &attrs), 0);
	damon_test_expect_regions(test, t, half, ARRAY_SIZE(half));

	attrs.sample_interval /= 2;
	attrs.aggr_interval /= 2;
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &attrs), 0);
	damon_test_expect_regions(test, t, back, ARRAY_SIZE(back));
}

/* The kdamond's timers restart from now, in sampling intervals. */
static void damon_core_test_set_attrs_timers(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_attrs attrs = {
		.sample_interval = 5000,
		.aggr_interval = 100000,
		.ops_update_interval = 1000000,
		.min_nr_regions = 10,
		.max_nr_regions = 1000,
	};
	struct damos *every_aggr, *own, *tiny;

	every_aggr = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	own = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	own->apply_interval_us = 50000;
	tiny = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	tiny->apply_interval_us = 1;

	ctx->passed_sample_intervals = 100;
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &attrs), 0);
	KUNIT_EXPECT_EQ(test, ctx->next_aggregation_sis, 120UL);
	KUNIT_EXPECT_EQ(test, ctx->next_ops_update_sis, 300UL);
	KUNIT_EXPECT_EQ(test, every_aggr->next_apply_sis, 120UL);
	KUNIT_EXPECT_EQ(test, own->next_apply_sis, 110UL);
	/* at least one sampling interval */
	KUNIT_EXPECT_EQ(test, tiny->next_apply_sis, 101UL);
}

/*
 * Every operations set of this configuration registers itself at boot; one
 * is taken out for a moment to see that an unregistered id is refused and
 * can then be registered, but only once.
 */
static void damon_core_test_ops_registry(struct kunit *test)
{
	struct damon_operations fake = {
		.id = DAMON_OPS_FVADDR,
		.apply_scheme = damon_test_fake_apply,
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_operations saved;
	bool was_registered;

	KUNIT_EXPECT_FALSE(test, damon_is_registered_ops(NR_DAMON_OPS));
	KUNIT_EXPECT_EQ(test, damon_select_ops(ctx, NR_DAMON_OPS), -EINVAL);
	fake.id = NR_DAMON_OPS;
	KUNIT_EXPECT_EQ(test, damon_register_ops(&fake), -EINVAL);
	fake.id = DAMON_OPS_FVADDR;

	mutex_lock(&damon_lock);
	saved = damon_registered_ops[DAMON_OPS_FVADDR];
	was_registered = test_and_clear_bit(DAMON_OPS_FVADDR,
					    damon_ops_registered);
	mutex_unlock(&damon_lock);

	/* no assertion until the registry is restored */
	KUNIT_EXPECT_TRUE(test, was_registered);
	KUNIT_EXPECT_FALSE(test, damon_is_registered_ops(DAMON_OPS_FVADDR));
	KUNIT_EXPECT_EQ(test, damon_select_ops(ctx, DAMON_OPS_FVADDR),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, ctx->ops.apply_scheme);
	KUNIT_EXPECT_EQ(test, damon_register_ops(&fake), 0);
	KUNIT_EXPECT_TRUE(test, damon_is_registered_ops(DAMON_OPS_FVADDR));
	KUNIT_EXPECT_EQ(test, damon_select_ops(ctx, DAMON_OPS_FVADDR), 0);
	KUNIT_EXPECT_EQ(test, ctx->ops.id, DAMON_OPS_FVADDR);
	KUNIT_EXPECT_PTR_EQ(test, ctx->ops.apply_scheme, &damon_test_fake_apply);
	fake.apply_scheme = NULL;
	KUNIT_EXPECT_EQ(test, damon_register_ops(&fake), -EINVAL);

	mutex_lock(&damon_lock);
	damon_registered_ops[DAMON_OPS_FVADDR] = saved;
	assign_bit(DAMON_OPS_FVADDR, damon_ops_registered, was_registered);
	mutex_unlock(&damon_lock);

	KUNIT_EXPECT_EQ(test, damon_select_ops(ctx, DAMON_OPS_PADDR), 0);
	KUNIT_EXPECT_EQ(test, ctx->ops.id, DAMON_OPS_PADDR);
	KUNIT_EXPECT_NOT_NULL(test, ctx->ops.check_accesses);
}

static void damon_core_test_commit_invalid(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_new_ctx(test), *src = damon_test_new_ctx(test);
	struct damon_attrs old = dst->attrs;

	damon_test_add_scheme(test, dst, &damon_test_any_pattern, 0);
	damon_test_add_target(test, dst, NULL, 0);
	src->attrs.min_nr_regions = src->attrs.max_nr_regions + 1;
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&dst->schemes), 1UL);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&dst->adaptive_targets), 1UL);
	KUNIT_EXPECT_MEMEQ(test, &dst->attrs, &old, sizeof(old));
}

/*
 * Targets pair by position: a paired target takes the source's ranges and
 * keeps the results of what stays covered, or keeps its regions if the
 * source target has none; surplus targets go.
 */
static void damon_core_test_commit_targets_paired(struct kunit *test)
{
	static const struct damon_test_region d0_in[] = {
		{ DAMON_PG(0), DAMON_PG(8), 5, 3 },
		{ DAMON_PG(8), DAMON_PG(16), 7, 1 },
	};
	static const struct damon_test_region d1_in[] = {
		{ DAMON_PG(100), DAMON_PG(110), 2, 2 },
	};
	static const struct damon_test_region d2_in[] = {
		{ DAMON_PG(200), DAMON_PG(210), 1, 1 },
	};
	static const struct damon_test_region s0_in[] = {
		{ DAMON_PG(4), DAMON_PG(12), 9, 9 },
		{ DAMON_PG(12), DAMON_PG(20), 9, 9 },
	};
	static const struct damon_test_region d0_out[] = {
		{ DAMON_PG(4), DAMON_PG(8), 5, 3 },
		{ DAMON_PG(8), DAMON_PG(12), 7, 1 },
		{ DAMON_PG(12), DAMON_PG(16), 7, 1 },
		{ DAMON_PG(16), DAMON_PG(20), 0, 0 },
	};
	struct damon_ctx *dst = damon_test_new_ctx(test), *src = damon_test_new_ctx(test);
	struct damon_target *d0, *d1, *t;
	unsigned int i = 0;

	d0 = damon_test_add_target(test, dst, d0_in, ARRAY_SIZE(d0_in));
	d1 = damon_test_add_target(test, dst, d1_in, ARRAY_SIZE(d1_in));
	damon_test_add_target(test, dst, d2_in, ARRAY_SIZE(d2_in));
	damon_test_add_target(test, src, s0_in, ARRAY_SIZE(s0_in));
	damon_test_add_target(test, src, NULL, 0);

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_ASSERT_EQ(test, list_count_nodes(&dst->adaptive_targets), 2UL);
	damon_for_each_target(t, dst) {
		KUNIT_EXPECT_PTR_EQ(test, t, i ? d1 : d0);
		i++;
	}
	damon_test_expect_regions(test, d0, d0_out, ARRAY_SIZE(d0_out));
	damon_test_expect_regions(test, d1, d1_in, ARRAY_SIZE(d1_in));
	/* the source is left as it was */
	t = list_first_entry(&src->adaptive_targets, struct damon_target,
			     list);
	damon_test_expect_regions(test, t, s0_in, ARRAY_SIZE(s0_in));
}

/* Missing targets are created with the source's ranges, fresh results. */
static void damon_core_test_commit_targets_grow(struct kunit *test)
{
	static const struct damon_test_region d0_in[] = {
		{ DAMON_PG(0), DAMON_PG(8), 5, 3 },
	};
	static const struct damon_test_region s1_in[] = {
		{ DAMON_PG(30), DAMON_PG(40), 9, 9 },
		{ DAMON_PG(50), DAMON_PG(51), 9, 9 },
	};
	static const struct damon_test_region s1_out[] = {
		{ DAMON_PG(30), DAMON_PG(40), 0, 0 },
		{ DAMON_PG(50), DAMON_PG(51), 0, 0 },
	};
	struct damon_ctx *dst = damon_test_new_ctx(test), *src = damon_test_new_ctx(test);
	struct damon_target *d0, *t;

	d0 = damon_test_add_target(test, dst, d0_in, ARRAY_SIZE(d0_in));
	damon_test_add_target(test, src, NULL, 0);
	damon_test_add_target(test, src, s1_in, ARRAY_SIZE(s1_in));

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_ASSERT_EQ(test, list_count_nodes(&dst->adaptive_targets), 2UL);
	KUNIT_EXPECT_PTR_EQ(test, list_first_entry(&dst->adaptive_targets,
						   struct damon_target, list),
			    d0);
	damon_test_expect_regions(test, d0, d0_in, ARRAY_SIZE(d0_in));
	t = list_last_entry(&dst->adaptive_targets, struct damon_target, list);
	damon_test_expect_regions(test, t, s1_out, ARRAY_SIZE(s1_out));
}

/*
 * Schemes pair by position: a paired scheme takes the source's parameters,
 * filters and goals, and keeps its statistics; surplus schemes go.
 */
static void damon_core_test_commit_schemes_paired(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_new_ctx(test), *src = damon_test_new_ctx(test);
	struct damos_access_pattern p = damon_test_any_pattern;
	struct damos *d0, *d1, *s0, *s1;
	struct damos_filter *sf, *f;
	struct damos_quota_goal *g;

	d0 = damon_test_add_scheme(test, dst, &damon_test_any_pattern, 0);
	d1 = damon_test_add_scheme(test, dst, &damon_test_any_pattern, 0);
	damon_test_add_scheme(test, dst, &damon_test_any_pattern, 0);
	d0->stat.nr_tried = 7;
	d0->stat.sz_tried = DAMON_PG(70);
	d0->stat.nr_applied = 3;
	d0->stat.sz_applied = DAMON_PG(9);
	d0->stat.qt_exceeds = 2;
	d1->stat.nr_tried = 11;
	damon_test_add_addr_filter(test, d0, DAMON_PG(1), DAMON_PG(2), true);
	damon_test_add_goal(test, d1, 5, 5);

	p.min_sz_region = DAMON_PG(2);
	p.min_nr_accesses = 4;
	p.max_age_region = 30;
	s0 = damon_test_add_scheme(test, src, &p, DAMON_PG(64));
	s0->action = DAMOS_PAGEOUT;
	s0->apply_interval_us = 300000;
	s0->quota.ms = 15;
	s0->quota.reset_interval = 500;
	s0->quota.weight_age = 3;
	s0->target_nid = 1;
	s0->wmarks.metric = DAMOS_WMARK_FREE_MEM_RATE;
	s0->wmarks.interval = 7;
	s0->wmarks.high = 900;
	s0->wmarks.mid = 500;
	s0->wmarks.low = 100;
	sf = damon_test_add_addr_filter(test, s0, DAMON_PG(16),
					DAMON_PG(32), false);
	f = damon_test_add_filter(test, s0, DAMOS_FILTER_TYPE_TARGET, true);
	f->target_idx = 3;
	damon_test_add_goal(test, s0, 800, 200);
	s1 = damon_test_add_scheme(test, src, &damon_test_any_pattern, 0);
	s1->action = DAMOS_COLD;

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_ASSERT_EQ(test, list_count_nodes(&dst->schemes), 2UL);
	KUNIT_EXPECT_PTR_EQ(test,
			    list_first_entry(&dst->schemes, struct damos, list),
			    d0);
	KUNIT_EXPECT_PTR_EQ(test,
			    list_last_entry(&dst->schemes, struct damos, list),
			    d1);

	KUNIT_EXPECT_EQ(test, d0->stat.nr_tried, 7UL);
	KUNIT_EXPECT_EQ(test, d0->stat.sz_tried, DAMON_PG(70));
	KUNIT_EXPECT_EQ(test, d0->stat.nr_applied, 3UL);
	KUNIT_EXPECT_EQ(test, d0->stat.sz_applied, DAMON_PG(9));
	KUNIT_EXPECT_EQ(test, d0->stat.qt_exceeds, 2UL);
	KUNIT_EXPECT_MEMEQ(test, &d0->pattern, &p, sizeof(p));
	KUNIT_EXPECT_EQ(test, d0->action, DAMOS_PAGEOUT);
	KUNIT_EXPECT_EQ(test, d0->apply_interval_us, 300000UL);
	KUNIT_EXPECT_EQ(test, d0->quota.sz, DAMON_PG(64));
	KUNIT_EXPECT_EQ(test, d0->quota.ms, 15UL);
	KUNIT_EXPECT_EQ(test, d0->quota.reset_interval, 500UL);
	KUNIT_EXPECT_EQ(test, d0->quota.weight_age, 3U);
	KUNIT_EXPECT_EQ(test, d0->target_nid, 1);
	KUNIT_EXPECT_EQ(test, d0->wmarks.metric, DAMOS_WMARK_FREE_MEM_RATE);
	KUNIT_EXPECT_EQ(test, d0->wmarks.interval, 7UL);
	KUNIT_EXPECT_EQ(test, d0->wmarks.high, 900UL);
	KUNIT_EXPECT_EQ(test, d0->wmarks.mid, 500UL);
	KUNIT_EXPECT_EQ(test, d0->wmarks.low, 100UL);

	/* the filters are copies, in order; the old one is gone */
	KUNIT_ASSERT_EQ(test, list_count_nodes(&d0->filters), 2UL);
	f = list_first_entry(&d0->filters, struct damos_filter, list);
	KUNIT_EXPECT_PTR_NE(test, f, sf);
	KUNIT_EXPECT_EQ(test, f->type, DAMOS_FILTER_TYPE_ADDR);
	KUNIT_EXPECT_FALSE(test, f->matching);
	KUNIT_EXPECT_EQ(test, f->addr_range.start, DAMON_PG(16));
	KUNIT_EXPECT_EQ(test, f->addr_range.end, DAMON_PG(32));
	f = list_last_entry(&d0->filters, struct damos_filter, list);
	KUNIT_EXPECT_EQ(test, f->type, DAMOS_FILTER_TYPE_TARGET);
	KUNIT_EXPECT_TRUE(test, f->matching);
	KUNIT_EXPECT_EQ(test, f->target_idx, 3);
	KUNIT_EXPECT_EQ(test, list_count_nodes(&s0->filters), 2UL);

	KUNIT_ASSERT_EQ(test, list_count_nodes(&d0->quota.goals), 1UL);
	g = list_first_entry(&d0->quota.goals, struct damos_quota_goal, list);
	KUNIT_EXPECT_EQ(test, g->metric, DAMOS_QUOTA_USER_INPUT);
	KUNIT_EXPECT_EQ(test, g->target_value, 800UL);
	KUNIT_EXPECT_EQ(test, g->current_value, 200UL);

	KUNIT_EXPECT_EQ(test, d1->action, DAMOS_COLD);
	KUNIT_EXPECT_EQ(test, d1->stat.nr_tried, 11UL);
	KUNIT_EXPECT_TRUE(test, list_empty(&d1->filters));
	KUNIT_EXPECT_TRUE(test, list_empty(&d1->quota.goals));
}

/* Missing schemes are copied whole, ready to be applied. */
static void damon_core_test_commit_schemes_grow(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_new_ctx(test), *src = damon_test_new_ctx(test);
	struct damos_access_pattern p = damon_test_any_pattern;
	struct damos *s0, *d;
	struct damos_filter *f;
	struct damos_quota_goal *g;

	p.max_nr_accesses = 3;
	s0 = damon_test_add_scheme(test, src, &p, DAMON_PG(64));
	s0->action = DAMOS_LRU_DEPRIO;
	s0->stat.nr_tried = 5;
	damon_test_add_addr_filter(test, s0, DAMON_PG(16), DAMON_PG(32), true);
	damon_test_add_goal(test, s0, 800, 200);
	damon_test_add_scheme(test, src, &damon_test_any_pattern, 0);

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_ASSERT_EQ(test, list_count_nodes(&dst->schemes), 2UL);
	d = list_first_entry(&dst->schemes, struct damos, list);
	KUNIT_EXPECT_PTR_NE(test, d, s0);
	KUNIT_EXPECT_MEMEQ(test, &d->pattern, &p, sizeof(p));
	KUNIT_EXPECT_EQ(test, d->action, DAMOS_LRU_DEPRIO);
	/* statistics are the scheme's own, not the source's */
	KUNIT_EXPECT_EQ(test, d->stat.nr_tried, 0UL);
	KUNIT_EXPECT_EQ(test, d->quota.sz, DAMON_PG(64));
	KUNIT_EXPECT_EQ(test, d->quota.esz, DAMON_PG(64));
	KUNIT_EXPECT_TRUE(test, d->wmarks.activated);

	KUNIT_ASSERT_EQ(test, list_count_nodes(&d->filters), 1UL);
	f = list_first_entry(&d->filters, struct damos_filter, list);
	KUNIT_EXPECT_EQ(test, f->type, DAMOS_FILTER_TYPE_ADDR);
	KUNIT_EXPECT_TRUE(test, f->matching);
	KUNIT_EXPECT_EQ(test, f->addr_range.start, DAMON_PG(16));
	KUNIT_EXPECT_EQ(test, f->addr_range.end, DAMON_PG(32));
	KUNIT_ASSERT_EQ(test, list_count_nodes(&d->quota.goals), 1UL);
	g = list_first_entry(&d->quota.goals, struct damos_quota_goal, list);
	KUNIT_EXPECT_EQ(test, g->target_value, 800UL);
	KUNIT_EXPECT_EQ(test, g->current_value, 200UL);
}

/* Attributes are committed with rescaling, and a new ops set is taken. */
static void damon_core_test_commit_attrs_and_ops(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(4), 10, 4 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(4), 10, 2 },
	};
	struct damon_ctx *dst = damon_test_new_ctx(test), *src = damon_test_new_ctx(test);
	struct damon_target *t;

	t = damon_test_add_target(test, dst, in, ARRAY_SIZE(in));
	damon_test_add_target(test, src, NULL, 0);
	src->attrs.sample_interval *= 2;
	src->attrs.aggr_interval *= 2;
	src->attrs.max_nr_regions = 77;
	src->ops.id = DAMON_OPS_PADDR;
	src->ops.apply_scheme = damon_test_fake_apply;

	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_MEMEQ(test, &dst->attrs, &src->attrs, sizeof(src->attrs));
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	KUNIT_EXPECT_EQ(test, dst->ops.id, DAMON_OPS_PADDR);
	KUNIT_EXPECT_PTR_EQ(test, dst->ops.apply_scheme, &damon_test_fake_apply);
}

static struct kunit_case damon_test_attrs_cases[] = {
	KUNIT_CASE(damon_core_test_valid_attrs),
	KUNIT_CASE(damon_core_test_set_attrs_invalid),
	KUNIT_CASE(damon_core_test_set_attrs_rescale_accesses),
	KUNIT_CASE(damon_core_test_set_attrs_rescale_age),
	KUNIT_CASE(damon_core_test_set_attrs_timers),
	KUNIT_CASE(damon_core_test_ops_registry),
	KUNIT_CASE(damon_core_test_commit_invalid),
	KUNIT_CASE(damon_core_test_commit_targets_paired),
	KUNIT_CASE(damon_core_test_commit_targets_grow),
	KUNIT_CASE(damon_core_test_commit_schemes_paired),
	KUNIT_CASE(damon_core_test_commit_schemes_grow),
	KUNIT_CASE(damon_core_test_commit_attrs_and_ops),
	{}
};

static struct kunit_suite damon_test_attrs_suite = {
	.name = "damon-core-attrs",
	.test_cases = damon_test_attrs_cases,
};

/*
 * Schemes: patterns, core filters, quotas, watermarks and the apply pass
 */

static void damon_core_test_pattern_match(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos_access_pattern p = {
		.min_sz_region = DAMON_PG(2), .max_sz_region = DAMON_PG(4),
		.min_nr_accesses = 3, .max_nr_accesses = 5,
		.min_age_region = 10, .max_age_region = 20,
	};
	struct damon_region *r = damon_new_region(0, DAMON_PG(2));

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->nr_accesses = 3;
	r->age = 10;
	KUNIT_EXPECT_TRUE(test, damos_pattern_match(ctx, &p, r));
	r->ar.end = DAMON_PG(4);
	r->nr_accesses = 5;
	r->age = 20;
	KUNIT_EXPECT_TRUE(test, damos_pattern_match(ctx, &p, r));

	r->ar.end = DAMON_PG(4) + 1;
	KUNIT_EXPECT_FALSE(test, damos_pattern_match(ctx, &p, r));
	r->ar.end = DAMON_PG(2) - 1;
	KUNIT_EXPECT_FALSE(test, damos_pattern_match(ctx, &p, r));
	r->ar.end = DAMON_PG(3);
	r->nr_accesses = 6;
	KUNIT_EXPECT_FALSE(test, damos_pattern_match(ctx, &p, r));
	r->nr_accesses = 2;
	KUNIT_EXPECT_FALSE(test, damos_pattern_match(ctx, &p, r));
	r->nr_accesses = 4;
	r->age = 21;
	KUNIT_EXPECT_FALSE(test, damos_pattern_match(ctx, &p, r));
	r->age = 9;
	KUNIT_EXPECT_FALSE(test, damos_pattern_match(ctx, &p, r));
	r->age = 15;
	KUNIT_EXPECT_TRUE(test, damos_pattern_match(ctx, &p, r));
	kfree(r);
}

static void damon_core_test_core_filter_match(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	struct damos_filter *addr, *target, *anon;
	struct damon_region *r = damon_new_region(DAMON_PG(8), DAMON_PG(20));

	KUNIT_ASSERT_NOT_NULL(test, r);
	addr = damon_test_add_addr_filter(test, s, DAMON_PG(8), DAMON_PG(20), true);
	target = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_TARGET, true);
	target->target_idx = 2;
	anon = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ANON, true);

	KUNIT_EXPECT_TRUE(test, damos_core_filter_match(addr, 0, r));
	r->ar.start = DAMON_PG(4);
	r->ar.end = DAMON_PG(12);
	KUNIT_EXPECT_FALSE(test, damos_core_filter_match(addr, 0, r));
	r->ar.start = DAMON_PG(12);
	r->ar.end = DAMON_PG(24);
	KUNIT_EXPECT_FALSE(test, damos_core_filter_match(addr, 0, r));
	r->ar.start = DAMON_PG(20);
	KUNIT_EXPECT_FALSE(test, damos_core_filter_match(addr, 0, r));

	KUNIT_EXPECT_TRUE(test, damos_core_filter_match(target, 2, r));
	KUNIT_EXPECT_FALSE(test, damos_core_filter_match(target, 1, r));
	/* page-level filters are for the operations set to judge */
	KUNIT_EXPECT_FALSE(test, damos_core_filter_match(anon, 0, r));
	kfree(r);
}

static void damon_core_test_core_filter_out(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	struct damon_region *r = damon_new_region(DAMON_PG(8), DAMON_PG(12));
	struct damos_filter *addr, *target;

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_FALSE(test, damos_core_filter_out(s, 0, r));

	/* ops-judged filters never make the core leave a region out */
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_ANON, true);
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_YOUNG, false);
	KUNIT_EXPECT_FALSE(test, damos_core_filter_out(s, 0, r));

	/* 'matching' filters out what is inside */
	addr = damon_test_add_addr_filter(test, s, DAMON_PG(8), DAMON_PG(16), true);
	KUNIT_EXPECT_TRUE(test, damos_core_filter_out(s, 0, r));
	r->ar.start = DAMON_PG(16);
	r->ar.end = DAMON_PG(20);
	KUNIT_EXPECT_FALSE(test, damos_core_filter_out(s, 0, r));
	/* and the opposite what is outside */
	addr->matching = false;
	KUNIT_EXPECT_TRUE(test, damos_core_filter_out(s, 0, r));
	r->ar.start = DAMON_PG(8);
	r->ar.end = DAMON_PG(12);
	KUNIT_EXPECT_FALSE(test, damos_core_filter_out(s, 0, r));

	/* any one filter is enough to leave a region out */
	target = damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_TARGET, true);
	target->target_idx = 1;
	KUNIT_EXPECT_FALSE(test, damos_core_filter_out(s, 0, r));
	KUNIT_EXPECT_TRUE(test, damos_core_filter_out(s, 1, r));
	target->matching = false;
	KUNIT_EXPECT_TRUE(test, damos_core_filter_out(s, 0, r));
	KUNIT_EXPECT_FALSE(test, damos_core_filter_out(s, 1, r));
	kfree(r);
}

/* A region is cut at the boundaries of address filters, one at a time. */
static void damon_core_test_split_at_filters(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(40), 4, 4 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(8), 4, 4 },
		{ DAMON_PG(8), DAMON_PG(21), 4, 4 },
		{ DAMON_PG(21), DAMON_PG(40), 4, 4 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	struct damon_test_spans *before = damon_test_spans_of(test, t);
	struct damon_region *r;

	/* no address filter, no split */
	damon_test_add_filter(test, s, DAMOS_FILTER_TYPE_TARGET, true);
	damos_split_at_filters(t, damon_first_region(t), s);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 1U);

	damon_test_add_addr_filter(test, s, DAMON_PG(8), DAMON_PG(20) + 100, true);
	damos_split_at_filters(t, damon_first_region(t), s);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 2U);
	KUNIT_EXPECT_EQ(test, damon_first_region(t)->ar.end, DAMON_PG(8));
	/* the rest is cut at the next boundary, rounded up to whole pages */
	damos_split_at_filters(t, damon_last_region(t), s);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 3U);
	KUNIT_EXPECT_EQ(test, damon_last_region(t)->ar.start, DAMON_PG(21));

	/* regions already inside or outside stay whole */
	damon_for_each_region(r, t)
		damos_split_at_filters(t, r, s);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
	damon_test_check_regions_sane(test, t);
	damon_test_expect_same_bytes(test, t, before);
}

static void damon_core_test_quota_left(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);

	KUNIT_EXPECT_EQ(test, damos_quota_left(s), ULONG_MAX);
	s->quota.charged_sz = DAMON_PG(1000);
	KUNIT_EXPECT_EQ(test, damos_quota_left(s), ULONG_MAX);

	s->quota.sz = DAMON_PG(10);
	s->quota.esz = DAMON_PG(10);
	s->quota.charged_sz = DAMON_PG(4);
	KUNIT_EXPECT_EQ(test, damos_quota_left(s), DAMON_PG(6));
	s->quota.charged_sz = DAMON_PG(10);
	KUNIT_EXPECT_EQ(test, damos_quota_left(s), 0UL);
	s->quota.charged_sz = DAMON_PG(12);
	KUNIT_EXPECT_EQ(test, damos_quota_left(s), 0UL);

	/* a time quota or a goal alone is a quota too */
	s->quota.sz = 0;
	s->quota.ms = 1;
	s->quota.charged_sz = DAMON_PG(3);
	KUNIT_EXPECT_EQ(test, damos_quota_left(s), DAMON_PG(7));
	s->quota.ms = 0;
	damon_test_add_goal(test, s, 10, 0);
	KUNIT_EXPECT_EQ(test, damos_quota_left(s), DAMON_PG(7));

	/* a time quota runs out by the clock too, whatever bytes are left */
	s->quota.ms = 2;
	s->quota.charged_ns = 2 * NSEC_PER_MSEC - 1;
	KUNIT_EXPECT_EQ(test, damos_quota_left(s), DAMON_PG(7));
	s->quota.charged_ns = 2 * NSEC_PER_MSEC;
	KUNIT_EXPECT_EQ(test, damos_quota_left(s), 0UL);
	KUNIT_EXPECT_TRUE(test, damos_quota_spent(s));
	/* and only a time quota does */
	s->quota.ms = 0;
	KUNIT_EXPECT_EQ(test, damos_quota_left(s), DAMON_PG(7));
}

/*
 * An action runs with a deadline at the end of the window's time quota,
 * which damos_quota_time_up() checks, and none without a time quota.
 */
static void damon_core_test_act_deadline(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(4), 0, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	struct damos_quota *q = &s->quota;
	ktime_t before, after;

	KUNIT_EXPECT_EQ(test, damos_act_deadline(q, ktime_get()), 0);
	q->ms = 10;
	q->esz = DAMON_PG(100);
	q->charged_ns = 4 * NSEC_PER_MSEC;
	before = ktime_get();
	damos_apply_region(ctx, t, 0, 0, damon_first_region(t), s);
	after = ktime_get();
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 1U);
	KUNIT_EXPECT_FALSE(test, fake->calls[0].time_up);
	KUNIT_EXPECT_GE(test, fake->calls[0].deadline,
			ktime_add_ns(before, 6 * NSEC_PER_MSEC));
	KUNIT_EXPECT_LE(test, fake->calls[0].deadline,
			ktime_add_ns(after, 6 * NSEC_PER_MSEC));
	/* only while the action runs */
	KUNIT_EXPECT_EQ(test, q->act_deadline, 0);
	KUNIT_EXPECT_FALSE(test, damos_quota_time_up(s));

	/* a window overspent already: the deadline is now, and passes */
	q->charged_ns = 20 * NSEC_PER_MSEC;
	before = ktime_get();
	KUNIT_EXPECT_EQ(test, damos_act_deadline(q, before), before);
	q->act_deadline = ktime_sub_ns(ktime_get(), 1);
	KUNIT_EXPECT_TRUE(test, damos_quota_time_up(s));
	q->act_deadline = 0;
	/* a quota of more milliseconds than time can hold is no limit */
	if (BITS_PER_LONG == 64) {
		q->ms = ULONG_MAX;
		KUNIT_EXPECT_EQ(test, damos_act_deadline(q, ktime_get()), 0);
	}
}

/* The fake score of a region is its age. */
static void damon_core_test_set_min_score(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(8), 0, 50 },
		{ DAMON_PG(8), DAMON_PG(16), 0, 90 },
		{ DAMON_PG(16), DAMON_PG(20), 0, 10 },
		{ DAMON_PG(20), DAMON_PG(24), 0, 90 },
		/* left out by the pattern, so never counted */
		{ DAMON_PG(24), DAMON_PG(40), 0, 150 },
	};
	static const struct {
		unsigned long quota_pages;
		unsigned long charged_pages;
		unsigned int min_score;
	} cases[] = {
		{ 6, 0, 90 }, { 12, 0, 90 }, { 13, 0, 50 }, { 20, 0, 50 },
		{ 21, 0, 10 }, { 24, 0, 10 }, { 25, 0, 0 }, { 20, 8, 90 },
	};
	struct damos_access_pattern p = damon_test_any_pattern;
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s;
	unsigned int i;

	p.max_age_region = 100;
	damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	s = damon_test_add_scheme(test, ctx, &p, DAMON_PG(6));

	/* without scores, or without quota, no region is preferred */
	damos_set_min_score(ctx, s);
	KUNIT_EXPECT_EQ(test, s->quota.min_score, 0U);
	ctx->ops.get_scheme_score = damon_test_fake_score;
	s->quota.sz = 0;
	damos_set_min_score(ctx, s);
	KUNIT_EXPECT_EQ(test, s->quota.min_score, 0U);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		s->quota.sz = DAMON_PG(cases[i].quota_pages);
		s->quota.esz = s->quota.sz;
		s->quota.charged_sz = DAMON_PG(cases[i].charged_pages);
		s->quota.min_score = 1234;
		damos_set_min_score(ctx, s);
		KUNIT_EXPECT_EQ_MSG(test, s->quota.min_score,
				    cases[i].min_score, "case %u", i);
	}
}

static void damon_core_test_tune_size(struct kunit *test)
{
	/* missing the goal grows the size in proportion */
	KUNIT_EXPECT_EQ(test, damos_tune_size(1000, 0), 2000UL);
	KUNIT_EXPECT_EQ(test, damos_tune_size(1000, 5000), 1500UL);
	KUNIT_EXPECT_EQ(test, damos_tune_size(1000, 9000), 1100UL);
	/* by one byte at least */
	KUNIT_EXPECT_EQ(test, damos_tune_size(1, 9999), 2UL);
	KUNIT_EXPECT_EQ(test, damos_tune_size(1000, 10000), 1000UL);
	/* overshooting it shrinks the size in proportion too */
	KUNIT_EXPECT_EQ(test, damos_tune_size(1000, 12000), 800UL);
	KUNIT_EXPECT_EQ(test, damos_tune_size(1000, 15000), 500UL);
	KUNIT_EXPECT_EQ(test, damos_tune_size(1000, 19999), 1UL);
	KUNIT_EXPECT_EQ(test, damos_tune_size(3, 15000), 2UL);
	/* twice the goal or more: down to the minimum at once */
	KUNIT_EXPECT_EQ(test, damos_tune_size(1000, 20000), 1UL);
	KUNIT_EXPECT_EQ(test, damos_tune_size(ULONG_MAX, 40000), 1UL);
	/* never to zero */
	KUNIT_EXPECT_EQ(test, damos_tune_size(1, 15000), 1UL);
	KUNIT_EXPECT_EQ(test, damos_tune_size(1, 19999), 1UL);
}

static void damon_core_test_goal_achievement_bp(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	struct damos_quota_goal *g;

	KUNIT_EXPECT_EQ(test, damos_goal_achievement_bp(&s->quota), 0UL);
	g = damon_test_add_goal(test, s, 100, 50);
	KUNIT_EXPECT_EQ(test, damos_goal_achievement_bp(&s->quota), 5000UL);
	g->current_value = 100;
	KUNIT_EXPECT_EQ(test, damos_goal_achievement_bp(&s->quota), 10000UL);
	g->current_value = 500;
	KUNIT_EXPECT_EQ(test, damos_goal_achievement_bp(&s->quota), 20000UL);
	/* a goal that aims at zero is ignored */
	g->target_value = 0;
	KUNIT_EXPECT_EQ(test, damos_goal_achievement_bp(&s->quota), 0UL);
	KUNIT_EXPECT_FALSE(test, damos_has_goal(&s->quota));
	KUNIT_EXPECT_FALSE(test, damos_quota_set(&s->quota));

	/* the most achieved goal decides */
	g->target_value = 100;
	g->current_value = 50;
	damon_test_add_goal(test, s, 1000, 1200);
	KUNIT_EXPECT_EQ(test, damos_goal_achievement_bp(&s->quota), 12000UL);
	damon_test_add_goal(test, s, 1000, 30);
	KUNIT_EXPECT_EQ(test, damos_goal_achievement_bp(&s->quota), 12000UL);
}

static void damon_core_test_effective_quota_sz_ms(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	struct damos_quota *q = &s->quota;

	q->esz = 123;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 0UL);

	q->sz = DAMON_PG(10);
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, DAMON_PG(10));
	/* less than a page is what it is: enough for nothing */
	q->sz = 100;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 100UL);
	KUNIT_EXPECT_TRUE(test, damos_quota_spent(s));

	/* with less than a millisecond measured, assume 64 KiB per ms */
	q->sz = 0;
	q->ms = 3;
	q->total_charged_sz = SZ_1G;
	q->total_charged_ns = NSEC_PER_MSEC - 1;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 3UL * SZ_64K);
	/* then the measured throughput: 2 MiB per ms */
	q->total_charged_sz = 8 * SZ_1M;
	q->total_charged_ns = 4 * NSEC_PER_MSEC;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 6UL * SZ_1M);
	/* the smaller of the two quotas wins */
	q->sz = SZ_1M;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, (unsigned long)SZ_1M);
	q->sz = SZ_1G;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 6UL * SZ_1M);
}

static void damon_core_test_effective_quota_goals(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	struct damos_quota *q = &s->quota;
	struct damos_quota_goal *g = damon_test_add_goal(test, s, 100, 0);

	/* far from the goal: from 1 MiB on, doubling each time */
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 2UL * SZ_1M);
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 4UL * SZ_1M);
	KUNIT_EXPECT_EQ(test, q->esz_bp, 4UL * SZ_1M);
	/* a size quota caps what the goal asks for */
	q->sz = 3 * SZ_1M;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 3UL * SZ_1M);
	KUNIT_EXPECT_EQ(test, q->esz_bp, 8UL * SZ_1M);
	/* half again the goal halves it */
	g->current_value = 150;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz_bp, 4UL * SZ_1M);
	KUNIT_EXPECT_EQ(test, q->esz, 3UL * SZ_1M);
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 2UL * SZ_1M);
	/* on target: stable */
	g->current_value = 100;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 2UL * SZ_1M);
	/* twice the goal: the minimum, from where missing it grows again */
	g->current_value = 200;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 1UL);
	g->current_value = 0;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 2UL);
	/* a goal of zero is no goal: the size quota alone is left */
	g->target_value = 0;
	damos_set_effective_quota(q);
	KUNIT_EXPECT_EQ(test, q->esz, 3UL * SZ_1M);
}

/* A new charge window starts when the reset interval is over. */
static void damon_core_test_charge_window(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx,
						&damon_test_any_pattern, DAMON_PG(10));
	struct damos_quota *q = &s->quota;
	unsigned long window = msecs_to_jiffies(q->reset_interval);

	KUNIT_ASSERT_EQ(test, q->esz, DAMON_PG(10));
	q->charged_sz = DAMON_PG(4);
	damos_charge_window(s);
	KUNIT_EXPECT_EQ(test, q->charged_sz, DAMON_PG(4));

	q->charged_ns = NSEC_PER_MSEC;
	q->charged_from = jiffies - window - 1;
	damos_charge_window(s);
	KUNIT_EXPECT_EQ(test, q->charged_sz, 0UL);
	KUNIT_EXPECT_EQ(test, q->charged_ns, 0UL);
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 0UL);
	KUNIT_EXPECT_FALSE(test, time_before(q->charged_from + window,
					     jiffies));

	/* a window that used up the quota counts as exceeded */
	q->charged_sz = DAMON_PG(11);
	q->sz = DAMON_PG(20);
	q->charged_from = jiffies - window - 1;
	damos_charge_window(s);
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 1UL);
	KUNIT_EXPECT_EQ(test, q->charged_sz, 0UL);
	KUNIT_EXPECT_EQ(test, q->esz, DAMON_PG(20));

	/* no quota, no window */
	q->sz = 0;
	damos_charge_window(s);
	KUNIT_EXPECT_EQ(test, q->esz, 0UL);
}

/*
 * The free memory rate is a permil, between 0 and 1000 whatever the
 * machine, so watermarks around that range give known answers.
 */
static void damon_core_test_check_wmarks(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	struct damos_watermarks *w = &s->wmarks;

	w->activated = false;
	damos_check_wmarks(s);
	KUNIT_EXPECT_TRUE(test, w->activated);

	w->metric = DAMOS_WMARK_FREE_MEM_RATE;
	/* below low */
	w->high = ULONG_MAX;
	w->mid = ULONG_MAX;
	w->low = 1001;
	damos_check_wmarks(s);
	KUNIT_EXPECT_FALSE(test, w->activated);
	/* between low and mid */
	w->low = 0;
	damos_check_wmarks(s);
	KUNIT_EXPECT_TRUE(test, w->activated);
	/* between mid and high: stays as it is */
	w->mid = 0;
	damos_check_wmarks(s);
	KUNIT_EXPECT_TRUE(test, w->activated);
	w->activated = false;
	damos_check_wmarks(s);
	KUNIT_EXPECT_FALSE(test, w->activated);
	/* above high */
	w->activated = true;
	w->high = 0;
	w->low = 0;
	if (damos_wmark_metric_value(w->metric) > 0) {
		damos_check_wmarks(s);
		KUNIT_EXPECT_FALSE(test, w->activated);
	}
	KUNIT_EXPECT_LE(test, damos_wmark_metric_value(w->metric), 1000UL);
	KUNIT_EXPECT_EQ(test, damos_wmark_metric_value(DAMOS_WMARK_NONE), 0UL);
}

/* Monitoring sleeps only while every scheme is deactivated. */
static void damon_core_test_wmarks_sleep(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s;

	KUNIT_EXPECT_EQ(test, kdamond_wmarks_sleep_us(ctx), 0UL);
	s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	KUNIT_EXPECT_EQ(test, kdamond_wmarks_sleep_us(ctx), 0UL);

	s->wmarks.metric = DAMOS_WMARK_FREE_MEM_RATE;
	s->wmarks.interval = 7000;
	s->wmarks.high = ULONG_MAX;
	s->wmarks.mid = ULONG_MAX;
	s->wmarks.low = 1001;
	ctx->next_wmarks_check = jiffies;
	KUNIT_EXPECT_EQ(test, kdamond_wmarks_sleep_us(ctx), 7000UL);
	KUNIT_EXPECT_FALSE(test, s->wmarks.activated);
	KUNIT_EXPECT_TRUE(test, time_after(ctx->next_wmarks_check,
					   jiffies - 1));

	/* an active scheme keeps the monitoring going */
	damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	KUNIT_EXPECT_EQ(test, kdamond_wmarks_sleep_us(ctx), 0UL);
}

/* A scheme whose metric a commit dropped comes back from deactivation. */
static void damon_core_test_wmarks_dropped_metric(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_ctx *src = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);

	s->wmarks.metric = DAMOS_WMARK_FREE_MEM_RATE;
	s->wmarks.interval = USEC_PER_SEC;
	s->wmarks.high = 1;
	s->wmarks.mid = 1;
	s->wmarks.low = 0;
	ctx->next_wmarks_check = jiffies;
	KUNIT_EXPECT_EQ(test, kdamond_wmarks_sleep_us(ctx), USEC_PER_SEC);
	KUNIT_ASSERT_FALSE(test, s->wmarks.activated);

	/* the same scheme, committed without watermarks */
	damon_test_add_scheme(test, src, &damon_test_any_pattern, 0);
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(ctx, src), 0);
	KUNIT_EXPECT_EQ(test, kdamond_wmarks_sleep_us(ctx), 0UL);
	KUNIT_EXPECT_TRUE(test, s->wmarks.activated);
}

/* Only the regions that match the pattern are acted on and counted. */
static void damon_core_test_apply_pattern_stats(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(4), 2, 0 },
		{ DAMON_PG(4), DAMON_PG(12), 7, 0 },
		{ DAMON_PG(12), DAMON_PG(14), 9, 0 },
		{ DAMON_PG(14), DAMON_PG(20), 12, 0 },
		{ DAMON_PG(20), DAMON_PG(22), 5, 0 },
	};
	struct damos_access_pattern p = damon_test_any_pattern;
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 50);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damos *s;

	p.min_nr_accesses = 5;
	p.max_nr_accesses = 9;
	s = damon_test_add_scheme(test, ctx, &p, 0);
	kdamond_apply_schemes(ctx);

	KUNIT_ASSERT_EQ(test, fake->nr_calls, 3U);
	damon_test_expect_action(test, fake, 0, s, DAMON_PG(4), DAMON_PG(12));
	damon_test_expect_action(test, fake, 1, s, DAMON_PG(12), DAMON_PG(14));
	damon_test_expect_action(test, fake, 2, s, DAMON_PG(20), DAMON_PG(22));
	KUNIT_EXPECT_PTR_EQ(test, fake->calls[0].t, t);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 3UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, DAMON_PG(12));
	KUNIT_EXPECT_EQ(test, s->stat.nr_applied, 3UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_applied, DAMON_PG(6));
	damon_test_expect_regions(test, t, in, ARRAY_SIZE(in));

	/* statistics add up over passes */
	KUNIT_ASSERT_EQ(test, s->next_apply_sis, 20UL);
	ctx->passed_sample_intervals = 20;
	kdamond_apply_schemes(ctx);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 6U);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 6UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_applied, DAMON_PG(12));
}

/* A region the action did nothing to is tried, not applied. */
static void damon_core_test_apply_nothing_applied(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(4), 2, 0 },
		{ DAMON_PG(4), DAMON_PG(5), 2, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 0);
	struct damos *s;

	damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	kdamond_apply_schemes(ctx);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 2U);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 2UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, DAMON_PG(5));
	KUNIT_EXPECT_EQ(test, s->stat.nr_applied, 0UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_applied, 0UL);

	/* with no action at all, the same */
	ctx->ops.apply_scheme = NULL;
	ctx->passed_sample_intervals = s->next_apply_sis;
	kdamond_apply_schemes(ctx);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 4UL);
	KUNIT_EXPECT_EQ(test, s->stat.nr_applied, 0UL);
}

/* The quota cuts the region it runs out in, so that the charge fits. */
static void damon_core_test_apply_quota_split(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(16), 1, 0 },
		{ DAMON_PG(16), DAMON_PG(32), 1, 0 },
		{ DAMON_PG(32), DAMON_PG(48), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damon_test_spans *before = damon_test_spans_of(test, t);
	struct damos *s = damon_test_add_scheme(test, ctx,
						&damon_test_any_pattern, DAMON_PG(24));

	KUNIT_ASSERT_EQ(test, s->quota.esz, DAMON_PG(24));
	kdamond_apply_schemes(ctx);
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 2U);
	damon_test_expect_action(test, fake, 0, s, DAMON_PG(0), DAMON_PG(16));
	damon_test_expect_action(test, fake, 1, s, DAMON_PG(16), DAMON_PG(24));
	KUNIT_EXPECT_EQ(test, s->quota.charged_sz, DAMON_PG(24));
	KUNIT_EXPECT_EQ(test, s->quota.total_charged_sz, DAMON_PG(24));
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 2UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, DAMON_PG(24));
	KUNIT_EXPECT_EQ(test, s->stat.sz_applied, DAMON_PG(24));
	KUNIT_EXPECT_EQ(test, damon_test_check_regions_sane(test, t), 4U);
	damon_test_expect_same_bytes(test, t, before);

	/* used up: nothing more in this window */
	ctx->passed_sample_intervals = s->next_apply_sis;
	kdamond_apply_schemes(ctx);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 2U);
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 2UL);
}

/* An unaligned quota: the charge stays below it, in whole pages. */
static void damon_core_test_apply_quota_unaligned(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(16), 1, 0 },
		{ DAMON_PG(16), DAMON_PG(17), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damos *s;

	s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, DAMON_PG(10) + 100);
	kdamond_apply_schemes(ctx);
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 1U);
	damon_test_expect_action(test, fake, 0, s, DAMON_PG(0), DAMON_PG(10));
	KUNIT_EXPECT_EQ(test, s->quota.charged_sz, DAMON_PG(10));
	KUNIT_EXPECT_LE(test, s->quota.charged_sz, s->quota.esz);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, DAMON_PG(10));
	KUNIT_EXPECT_EQ(test, damon_test_check_regions_sane(test, t), 3U);
}

/* The core splits at address filters and skips what they leave out. */
static void damon_core_test_apply_addr_filter(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(32), 1, 0 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(8), 1, 0 },
		{ DAMON_PG(8), DAMON_PG(24), 1, 0 },
		{ DAMON_PG(24), DAMON_PG(32), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damon_target *t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	struct damos_filter *f;

	f = damon_test_add_addr_filter(test, s, DAMON_PG(8), DAMON_PG(24), true);
	kdamond_apply_schemes(ctx);
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 2U);
	damon_test_expect_action(test, fake, 0, s, DAMON_PG(0), DAMON_PG(8));
	damon_test_expect_action(test, fake, 1, s, DAMON_PG(24), DAMON_PG(32));
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 2UL);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, DAMON_PG(16));
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));

	/* the other way round: only the inside */
	f->matching = false;
	ctx->passed_sample_intervals = s->next_apply_sis;
	kdamond_apply_schemes(ctx);
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 3U);
	damon_test_expect_action(test, fake, 2, s, DAMON_PG(8), DAMON_PG(24));
	KUNIT_EXPECT_EQ(test, s->stat.nr_tried, 3UL);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
}

/* Targets are numbered by position for target filters. */
static void damon_core_test_apply_target_filter(struct kunit *test)
{
	static const struct damon_test_region a_in[] = {
		{ DAMON_PG(0), DAMON_PG(2), 1, 0 },
	};
	static const struct damon_test_region b_in[] = {
		{ DAMON_PG(10), DAMON_PG(13), 1, 0 },
		{ DAMON_PG(13), DAMON_PG(14), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damon_target *a, *b;
	struct damos *keep_b, *skip_b;
	struct damos_filter *f;

	a = damon_test_add_target(test, ctx, a_in, ARRAY_SIZE(a_in));
	b = damon_test_add_target(test, ctx, b_in, ARRAY_SIZE(b_in));
	keep_b = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	f = damon_test_add_filter(test, keep_b, DAMOS_FILTER_TYPE_TARGET, false);
	f->target_idx = 1;
	skip_b = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	f = damon_test_add_filter(test, skip_b, DAMOS_FILTER_TYPE_TARGET, true);
	f->target_idx = 1;

	kdamond_apply_schemes(ctx);
	/* schemes act one after the other */
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 3U);
	damon_test_expect_action(test, fake, 0, keep_b, DAMON_PG(10), DAMON_PG(13));
	KUNIT_EXPECT_PTR_EQ(test, fake->calls[0].t, b);
	damon_test_expect_action(test, fake, 1, keep_b, DAMON_PG(13), DAMON_PG(14));
	KUNIT_EXPECT_PTR_EQ(test, fake->calls[1].t, b);
	damon_test_expect_action(test, fake, 2, skip_b, DAMON_PG(0), DAMON_PG(2));
	KUNIT_EXPECT_PTR_EQ(test, fake->calls[2].t, a);
	KUNIT_EXPECT_EQ(test, keep_b->stat.sz_tried, DAMON_PG(4));
	KUNIT_EXPECT_EQ(test, skip_b->stat.sz_tried, DAMON_PG(2));
}

/* Under a quota, the regions of the highest scores go first. */
static void damon_core_test_apply_min_score(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(8), 0, 50 },
		{ DAMON_PG(8), DAMON_PG(16), 0, 90 },
		{ DAMON_PG(16), DAMON_PG(20), 0, 10 },
		{ DAMON_PG(20), DAMON_PG(24), 0, 90 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damos *s;

	ctx->ops.get_scheme_score = damon_test_fake_score;
	damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, DAMON_PG(12));
	kdamond_apply_schemes(ctx);
	KUNIT_EXPECT_EQ(test, s->quota.min_score, 90U);
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 2U);
	damon_test_expect_action(test, fake, 0, s, DAMON_PG(8), DAMON_PG(16));
	damon_test_expect_action(test, fake, 1, s, DAMON_PG(20), DAMON_PG(24));
	KUNIT_EXPECT_EQ(test, s->quota.charged_sz, DAMON_PG(12));
}

/* Only due, active schemes apply, and then wait for their next interval. */
static void damon_core_test_apply_due(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(2), 1, 0 },
		{ DAMON_PG(2), DAMON_PG(3), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damos *own, *later, *inactive;
	unsigned int i;

	damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	ctx->passed_sample_intervals = 50;
	own = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	own->apply_interval_us = 50000;
	later = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	later->next_apply_sis = 55;
	inactive = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	inactive->wmarks.activated = false;

	kdamond_apply_schemes(ctx);
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 2U);
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_PTR_EQ(test, fake->calls[i].s, own);
	KUNIT_EXPECT_EQ(test, own->next_apply_sis, 60UL);
	KUNIT_EXPECT_EQ(test, later->next_apply_sis, 55UL);
	KUNIT_EXPECT_EQ(test, inactive->next_apply_sis, 50UL);
	KUNIT_EXPECT_EQ(test, inactive->stat.nr_tried, 0UL);

	ctx->passed_sample_intervals = 55;
	kdamond_apply_schemes(ctx);
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 4U);
	for (i = 2; i < 4; i++)
		KUNIT_EXPECT_PTR_EQ(test, fake->calls[i].s, later);
	/* no own apply interval: every aggregation interval, 20 samples */
	KUNIT_EXPECT_EQ(test, later->next_apply_sis, 75UL);
	KUNIT_EXPECT_EQ(test, own->next_apply_sis, 60UL);
	KUNIT_EXPECT_EQ(test, own->stat.nr_tried, 2UL);
}

/* A region split by a later scheme is not acted on again by earlier ones. */
static void damon_core_test_no_reapply_after_filter_split(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(16), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damos *first, *second;

	damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	first = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	second = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	damon_test_add_addr_filter(test, second, DAMON_PG(8), DAMON_PG(16), true);
	kdamond_apply_schemes(ctx);
	KUNIT_EXPECT_EQ(test, first->stat.nr_tried, 1UL);
	KUNIT_EXPECT_EQ(test, first->stat.sz_tried, DAMON_PG(16));
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 2U);
}

/* The same when the later scheme splits for its quota. */
static void damon_core_test_no_reapply_after_quota_split(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(16), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damos *first;

	damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	first = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	damon_test_add_scheme(test, ctx, &damon_test_any_pattern, DAMON_PG(8));
	kdamond_apply_schemes(ctx);
	KUNIT_EXPECT_EQ(test, first->stat.nr_tried, 1UL);
	KUNIT_EXPECT_EQ(test, first->stat.sz_tried, DAMON_PG(16));
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 2U);
}

/* Goal tuning saturates instead of wrapping around. */
static void damon_core_test_tune_size_saturates(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	unsigned long big = ULONG_MAX / 2 + 1;

	KUNIT_EXPECT_GE(test, damos_tune_size(big, 0), big);
	/* a goal at 0% for long: the quota must not collapse */
	damon_test_add_goal(test, s, 100, 0);
	s->quota.esz_bp = big;
	damos_set_effective_quota(&s->quota);
	KUNIT_EXPECT_GE(test, s->quota.esz, big);
}

/* A filter start inside a region's first page does not hide its end. */
static void damon_core_test_split_at_filters_unaligned(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(8), DAMON_PG(40), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t = damon_test_add_target(test, ctx, in, 1);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);

	damon_test_add_addr_filter(test, s, DAMON_PG(8) + 100, DAMON_PG(20), true);
	damos_split_at_filters(t, damon_first_region(t), s);
	KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 2U);
}

/* A cut piece is checked against the boundaries of every filter. */
static void damon_core_test_split_at_filters_nested(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(16), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damos *s;

	damon_test_add_target(test, ctx, in, 1);
	s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	damon_test_add_addr_filter(test, s, DAMON_PG(8), DAMON_PG(12), true);
	damon_test_add_addr_filter(test, s, DAMON_PG(4), DAMON_PG(20), true);
	kdamond_apply_schemes(ctx);
	/* [4, 16) is inside the second filter: only [0, 4) may be acted on */
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 1U);
	damon_test_expect_action(test, fake, 0, s, DAMON_PG(0), DAMON_PG(4));
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, DAMON_PG(4));
}

/* A non-running context takes the operations even with the same id. */
static void damon_core_test_commit_same_ops_id(struct kunit *test)
{
	struct damon_ctx *dst = damon_test_new_ctx(test), *src = damon_test_new_ctx(test);

	src->ops.id = DAMON_OPS_VADDR;
	src->ops.apply_scheme = damon_test_fake_apply;
	KUNIT_ASSERT_EQ(test, damon_commit_ctx(dst, src), 0);
	KUNIT_EXPECT_PTR_EQ(test, dst->ops.apply_scheme, &damon_test_fake_apply);
}

/* The measured throughput does not overflow after ~16 TiB charged. */
static void damon_core_test_throughput_no_overflow(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);

	/* 32 TiB in 2^45 ns (about 9.8 hours): one byte per ns */
	s->quota.ms = 10;
	s->quota.total_charged_sz = 1UL << 45;
	s->quota.total_charged_ns = 1UL << 45;
	damos_set_effective_quota(&s->quota);
	KUNIT_EXPECT_EQ(test, s->quota.esz, 10UL * NSEC_PER_MSEC);
}

/*
 * Mid-aggregation, the frequency is the count so far plus the previous
 * interval's pace over the samples still to come.
 */
static void damon_core_test_nr_accesses_now(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_region *r = damon_new_region(0, DAMON_PG(1));

	KUNIT_ASSERT_NOT_NULL(test, r);
	/* 20 samples per aggregation; 5 of them passed */
	ctx->passed_sample_intervals = 105;
	ctx->next_aggregation_sis = 120;
	r->nr_accesses = 3;
	r->last_nr_accesses = 8;
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_now(ctx, r), 3U + 8 * 15 / 20);
	/* at the end of the interval: the count itself */
	ctx->passed_sample_intervals = 120;
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_now(ctx, r), 3U);
	/* a retimed interval never counts more than one previous interval */
	ctx->passed_sample_intervals = 0;
	ctx->next_aggregation_sis = ULONG_MAX;
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_now(ctx, r), 11U);
	r->nr_accesses = UINT_MAX;
	r->last_nr_accesses = UINT_MAX;
	KUNIT_EXPECT_EQ(test, damon_nr_accesses_now(ctx, r), UINT_MAX);
	kfree(r);
}

/*
 * A quota smaller than the matching memory goes round all of it: each
 * charge window resumes where the previous one ran out, across targets,
 * and starts over once the end was reached.
 */
static void damon_core_test_apply_rotation(struct kunit *test)
{
	static const struct damon_test_region a_in[] = {
		{ DAMON_PG(0), DAMON_PG(4), 1, 0 },
		{ DAMON_PG(4), DAMON_PG(6), 1, 0 },
	};
	static const struct damon_test_region b_in[] = {
		{ DAMON_PG(10), DAMON_PG(13), 1, 0 },
	};
	/* [3, 4) and [4, 6) share a window; [10, 13) uses one up alone */
	static const struct damon_addr_range want[] = {
		{ DAMON_PG(0), DAMON_PG(3) }, { DAMON_PG(3), DAMON_PG(4) },
		{ DAMON_PG(4), DAMON_PG(6) }, { DAMON_PG(10), DAMON_PG(13) },
		{ DAMON_PG(0), DAMON_PG(3) },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damon_target *a, *b;
	struct damos *s;
	unsigned int i, call = 0;

	a = damon_test_add_target(test, ctx, a_in, ARRAY_SIZE(a_in));
	b = damon_test_add_target(test, ctx, b_in, ARRAY_SIZE(b_in));
	s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, DAMON_PG(3));
	/* every pass opens a new window */
	s->quota.reset_interval = 0;
	for (i = 0; i < 4; i++) {
		ctx->passed_sample_intervals = s->next_apply_sis;
		kdamond_apply_schemes(ctx);
	}
	KUNIT_ASSERT_EQ(test, fake->nr_calls, (unsigned int)ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		damon_test_expect_action(test, fake, call++, s, want[i].start,
					 want[i].end);
	damon_test_check_regions_sane(test, a);
	damon_test_check_regions_sane(test, b);
	KUNIT_EXPECT_EQ(test, s->stat.sz_tried, DAMON_PG(12));
}

/* A mark whose target went away is forgotten, not waited for forever. */
static void damon_core_test_apply_rotation_lost_mark(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(4), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damos *s;

	damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, DAMON_PG(2));
	s->quota.reset_interval = 0;
	s->quota.resume = true;
	s->quota.resume_target = 3;
	s->quota.resume_addr = DAMON_PG(1);
	kdamond_apply_schemes(ctx);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 0U);
	ctx->passed_sample_intervals = s->next_apply_sis;
	kdamond_apply_schemes(ctx);
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 1U);
	damon_test_expect_action(test, fake, 0, s, DAMON_PG(0), DAMON_PG(2));
}

/*
 * A quota that is not a whole number of pages still marks where it ran out,
 * and a window with its quota used up keeps the mark for the next one.
 */
static void damon_core_test_apply_rotation_unaligned(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(8), 1, 0 },
	};
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_test_fake_ops *fake = damon_test_use_fake_ops(test, ctx, 100);
	struct damos *s;

	damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, DAMON_PG(3) - 1);
	kdamond_apply_schemes(ctx);
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 1U);
	damon_test_expect_action(test, fake, 0, s, DAMON_PG(0), DAMON_PG(2));
	KUNIT_EXPECT_TRUE(test, s->quota.resume);
	/* the same window: nothing to do, and the mark stays */
	ctx->passed_sample_intervals = s->next_apply_sis;
	kdamond_apply_schemes(ctx);
	KUNIT_EXPECT_EQ(test, fake->nr_calls, 1U);
	KUNIT_EXPECT_TRUE(test, s->quota.resume);
	/* the next window */
	s->quota.charged_from = jiffies -
		msecs_to_jiffies(s->quota.reset_interval) - 1;
	ctx->passed_sample_intervals = s->next_apply_sis;
	kdamond_apply_schemes(ctx);
	KUNIT_ASSERT_EQ(test, fake->nr_calls, 2U);
	damon_test_expect_action(test, fake, 1, s, DAMON_PG(2), DAMON_PG(4));
	KUNIT_EXPECT_EQ(test, s->stat.qt_exceeds, 1UL);
}

/* Any action but stat restarts the age of the regions it was applied to. */
static void damon_core_test_apply_age_reset(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(2), 1, 7 },
		{ DAMON_PG(2), DAMON_PG(4), 5, 9 },
	};
	static const struct damon_test_region out[] = {
		{ DAMON_PG(0), DAMON_PG(2), 1, 0 },
		{ DAMON_PG(2), DAMON_PG(4), 5, 9 },
	};
	struct damos_access_pattern p = damon_test_any_pattern;
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_target *t;
	struct damos *count, *act;

	damon_test_use_fake_ops(test, ctx, 0);
	t = damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	count = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	p.max_nr_accesses = 1;
	act = damon_test_add_scheme(test, ctx, &p, 0);
	act->action = DAMOS_PAGEOUT;
	kdamond_apply_schemes(ctx);
	/* even though the action applied to nothing */
	KUNIT_EXPECT_EQ(test, act->stat.sz_applied, 0UL);
	KUNIT_EXPECT_EQ(test, count->stat.nr_tried, 2UL);
	damon_test_expect_regions(test, t, out, ARRAY_SIZE(out));
}

static void damon_test_count_accesses(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx)
		damon_for_each_region(r, t)
			damon_update_region_access_rate(r, true, &ctx->attrs);
}

static unsigned int damon_test_check_all_accessed(struct damon_ctx *ctx)
{
	damon_test_count_accesses(ctx);
	return damon_max_nr_accesses(&ctx->attrs);
}

/*
 * The kdamond's sampling loop applies a scheme at its own apply interval,
 * even one shorter than the aggregation interval, and one without an apply
 * interval once per aggregation interval.
 */
static void damon_core_test_sample_apply_intervals(struct kunit *test)
{
	static const struct damon_test_region in[] = {
		{ DAMON_PG(0), DAMON_PG(1), 0, 0 },
	};
	struct damos_access_pattern p = damon_test_any_pattern;
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *every_aggr, *tenfold;
	int i;

	damon_test_use_fake_ops(test, ctx, 100);
	ctx->ops.check_accesses = damon_test_check_all_accessed;
	ctx->attrs.sample_interval = 100;
	ctx->attrs.aggr_interval = 2000;
	damon_test_add_target(test, ctx, in, ARRAY_SIZE(in));
	/* the estimate finds the region fully accessed from the start */
	p.min_nr_accesses = 20;
	every_aggr = damon_test_add_scheme(test, ctx, &p, 0);
	tenfold = damon_test_add_scheme(test, ctx, &p, 0);
	tenfold->apply_interval_us = 200;
	KUNIT_ASSERT_EQ(test, damon_set_attrs(ctx, &ctx->attrs), 0);
	for (i = 0; i < 40; i++)
		kdamond_sample(ctx);
	KUNIT_EXPECT_EQ(test, ctx->passed_sample_intervals, 40UL);
	/* the first aggregation interval found nothing yet to go by */
	KUNIT_EXPECT_EQ(test, every_aggr->stat.nr_tried, 2UL);
	KUNIT_EXPECT_EQ(test, tenfold->stat.nr_tried, 11UL);
}

/* Migrations must go to a node with memory; other actions need no node. */
static void damon_core_test_valid_schemes(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	struct damon_ctx *src = damon_test_new_ctx(test);

	KUNIT_EXPECT_TRUE(test, damon_valid_schemes(ctx));
	s->action = DAMOS_MIGRATE_COLD;
	KUNIT_EXPECT_FALSE(test, damon_valid_schemes(ctx));
	s->target_nid = MAX_NUMNODES;
	KUNIT_EXPECT_FALSE(test, damon_valid_schemes(ctx));
	s->target_nid = first_memory_node;
	KUNIT_EXPECT_TRUE(test, damon_valid_schemes(ctx));
	s->action = NR_DAMOS_ACTIONS;
	KUNIT_EXPECT_FALSE(test, damon_valid_schemes(ctx));

	/* a commit of an invalid scheme changes nothing */
	damon_test_add_scheme(test, src, &damon_test_any_pattern, 0)->action = DAMOS_MIGRATE_HOT;
	s->action = DAMOS_STAT;
	KUNIT_EXPECT_EQ(test, damon_commit_ctx(ctx, src), -EINVAL);
	KUNIT_EXPECT_EQ(test, s->action, DAMOS_STAT);
	KUNIT_EXPECT_EQ(test, damon_start(&src, 1, false), -EINVAL);
}

static bool damon_test_target_gone(struct damon_target *t)
{
	return false;
}

/*
 * A kdamond whose targets are all gone exits on its own, no longer counts
 * as running, and is reaped by the next start; winding down twice (its own
 * end, and a stopper's for a kdamond that never ran) counts it out once.
 */
static void damon_core_test_kdamond_ends_on_its_own(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damon_call_control call = { .fn = NULL };
	int nr_before = damon_nr_running_ctxs();
	int i;

	ctx->ops.target_valid = damon_test_target_gone;
	damon_test_add_target(test, ctx, NULL, 0);
	KUNIT_ASSERT_EQ(test, damon_start(&ctx, 1, true), 0);
	for (i = 0; i < 50 && damon_is_running(ctx); i++)
		msleep(20);
	KUNIT_EXPECT_FALSE(test, damon_is_running(ctx));
	KUNIT_EXPECT_EQ(test, damon_kdamond_pid(ctx), -1);
	KUNIT_EXPECT_EQ(test, damon_nr_running_ctxs(), nr_before);
	KUNIT_EXPECT_EQ(test, damon_call(ctx, &call), -EINVAL);
	/* an exclusive start again: nothing counts as running */
	KUNIT_EXPECT_EQ(test, damon_start(&ctx, 1, true), 0);
	for (i = 0; i < 50 && damon_is_running(ctx); i++)
		msleep(20);
	damon_stop(&ctx, 1);
	KUNIT_EXPECT_NULL(test, ctx->kdamond);

	mutex_lock(&damon_lock);
	nr_running_ctxs++;
	mutex_unlock(&damon_lock);
	ctx->kdamond_done = false;
	damon_kdamond_retire(ctx);
	damon_kdamond_retire(ctx);
	KUNIT_EXPECT_TRUE(test, ctx->kdamond_done);
	KUNIT_EXPECT_EQ(test, damon_nr_running_ctxs(), nr_before);
	ctx->kdamond_done = false;
}

/*
 * Extreme values neither wrap nor truncate: means of terabyte regions,
 * counters of centuries-long intervals, 64-bit millisecond intervals, and
 * a time quota times a high throughput.
 */
static void damon_core_test_extreme_values(struct kunit *test)
{
	struct damon_ctx *ctx = damon_test_new_ctx(test);
	struct damos *s = damon_test_add_scheme(test, ctx, &damon_test_any_pattern, 0);
	unsigned long tib = 1UL << 40;

	KUNIT_EXPECT_EQ(test, damon_weighted_mean(UINT_MAX, 64 * tib, 0,
						  64 * tib), UINT_MAX / 2);
	KUNIT_EXPECT_EQ(test, damon_weighted_mean(0, tib, UINT_MAX, 3 * tib),
			(unsigned int)((3ULL * UINT_MAX) / 4));
	KUNIT_EXPECT_EQ(test, damon_weighted_mean(7, DAMON_PG(1), 7, DAMON_PG(9)),
			7U);
	KUNIT_EXPECT_EQ(test, damon_diff(0, UINT_MAX), UINT_MAX);

	ctx->attrs.sample_interval = 1;
	ctx->passed_sample_intervals = ULONG_MAX - 10;
	KUNIT_EXPECT_EQ(test, damon_sis_after(ctx, ULONG_MAX), ULONG_MAX);
	KUNIT_EXPECT_EQ(test, damon_sis_after(ctx, 5), ULONG_MAX - 5);

	KUNIT_EXPECT_EQ(test, damon_ms_to_jiffies(1UL << 40), MAX_JIFFY_OFFSET);
	KUNIT_EXPECT_EQ(test, damon_us_to_jiffies(ULONG_MAX), MAX_JIFFY_OFFSET);
	KUNIT_EXPECT_EQ(test, damon_ms_to_jiffies(1000),
			msecs_to_jiffies(1000));

	s->quota.ms = ULONG_MAX / 2;
	s->quota.total_charged_sz = ULONG_MAX;
	s->quota.total_charged_ns = NSEC_PER_MSEC;
	damos_set_effective_quota(&s->quota);
	KUNIT_EXPECT_EQ(test, s->quota.esz, ULONG_MAX);
}

/*
 * A commit that fails leaves the destination whole: here the targets of
 * the source are bad, after schemes that would have been fine.
 */
static void damon_core_test_commit_all_or_nothing(struct kunit *test)
{
	static const struct damon_test_region dst_in[] = {
		{ DAMON_PG(0), DAMON_PG(4), 3, 5 },
	};
	static const struct damon_test_region bad_in[] = {
		{ DAMON_PG(8), DAMON_PG(12), 0, 0 },
		{ DAMON_PG(10), DAMON_PG(16), 0, 0 },
	};
	struct damon_ctx *dst = damon_test_new_ctx(test);
	struct damon_ctx *src = damon_test_new_ctx(test);
	struct damon_target *t;
	struct damos *s;

	t = damon_test_add_target(test, dst, dst_in, ARRAY_SIZE(dst_in));
	s = damon_test_add_scheme(test, dst, &damon_test_any_pattern, 0);
	damon_test_add_scheme(test, src, &damon_test_any_pattern, 0)->action = DAMOS_PAGEOUT;
	damon_test_add_scheme(test, src, &damon_test_any_pattern, 0);
	damon_test_add_target(test, src, bad_in, ARRAY_SIZE(bad_in));
	damon_test_add_target(test, src, dst_in, ARRAY_SIZE(dst_in));

	KUNIT_EXPECT_EQ(test, damon_commit_ctx(dst, src), -EINVAL);
	KUNIT_EXPECT_EQ(test, s->action, DAMOS_STAT);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&dst->schemes));
	KUNIT_EXPECT_TRUE(test, list_is_singular(&dst->adaptive_targets));
	damon_test_expect_regions(test, t, dst_in, ARRAY_SIZE(dst_in));
}

static struct kunit_case damon_test_schemes_cases[] = {
	KUNIT_CASE(damon_core_test_pattern_match),
	KUNIT_CASE(damon_core_test_core_filter_match),
	KUNIT_CASE(damon_core_test_core_filter_out),
	KUNIT_CASE(damon_core_test_split_at_filters),
	KUNIT_CASE(damon_core_test_quota_left),
	KUNIT_CASE(damon_core_test_act_deadline),
	KUNIT_CASE(damon_core_test_set_min_score),
	KUNIT_CASE(damon_core_test_tune_size),
	KUNIT_CASE(damon_core_test_goal_achievement_bp),
	KUNIT_CASE(damon_core_test_effective_quota_sz_ms),
	KUNIT_CASE(damon_core_test_effective_quota_goals),
	KUNIT_CASE(damon_core_test_charge_window),
	KUNIT_CASE(damon_core_test_check_wmarks),
	KUNIT_CASE(damon_core_test_wmarks_sleep),
	KUNIT_CASE(damon_core_test_wmarks_dropped_metric),
	KUNIT_CASE(damon_core_test_apply_pattern_stats),
	KUNIT_CASE(damon_core_test_apply_nothing_applied),
	KUNIT_CASE(damon_core_test_apply_quota_split),
	KUNIT_CASE(damon_core_test_apply_quota_unaligned),
	KUNIT_CASE(damon_core_test_apply_addr_filter),
	KUNIT_CASE(damon_core_test_apply_target_filter),
	KUNIT_CASE(damon_core_test_apply_min_score),
	KUNIT_CASE(damon_core_test_apply_due),
	KUNIT_CASE(damon_core_test_no_reapply_after_filter_split),
	KUNIT_CASE(damon_core_test_no_reapply_after_quota_split),
	KUNIT_CASE(damon_core_test_tune_size_saturates),
	KUNIT_CASE(damon_core_test_split_at_filters_unaligned),
	KUNIT_CASE(damon_core_test_split_at_filters_nested),
	KUNIT_CASE(damon_core_test_commit_same_ops_id),
	KUNIT_CASE(damon_core_test_throughput_no_overflow),
	KUNIT_CASE(damon_core_test_nr_accesses_now),
	KUNIT_CASE(damon_core_test_apply_rotation),
	KUNIT_CASE(damon_core_test_apply_rotation_lost_mark),
	KUNIT_CASE(damon_core_test_apply_rotation_unaligned),
	KUNIT_CASE(damon_core_test_apply_age_reset),
	KUNIT_CASE(damon_core_test_sample_apply_intervals),
	KUNIT_CASE(damon_core_test_valid_schemes),
	KUNIT_CASE(damon_core_test_kdamond_ends_on_its_own),
	KUNIT_CASE(damon_core_test_extreme_values),
	KUNIT_CASE(damon_core_test_commit_all_or_nothing),
	{}
};

static struct kunit_suite damon_test_schemes_suite = {
	.name = "damon-core-schemes",
	.test_cases = damon_test_schemes_cases,
};

kunit_test_suites(&damon_test_regions_suite, &damon_test_aggregation_suite,
		  &damon_test_attrs_suite, &damon_test_schemes_suite);

#endif /* _DAMON_CORE_KUNIT_H */
