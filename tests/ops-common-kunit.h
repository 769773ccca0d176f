/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the helpers shared by the DAMON operations sets: the
 * logarithmic age scale and the hot and cold scores of regions.
 */

#ifndef _DAMON_OPS_COMMON_KUNIT_H
#define _DAMON_OPS_COMMON_KUNIT_H

#include <kunit/test.h>

/* 5 ms sampling, 100 ms aggregation: nr_accesses goes up to 20. */
static struct damon_ctx *damon_ops_test_ctx(struct kunit *test)
{
	struct damon_ctx *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	c->attrs.sample_interval = 5000;
	c->attrs.aggr_interval = 100000;
	return c;
}

static struct damos *damon_ops_test_scheme(struct kunit *test,
					   enum damos_action action,
					   unsigned int w_freq,
					   unsigned int w_age)
{
	struct damos *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->action = action;
	s->quota.weight_nr_accesses = w_freq;
	s->quota.weight_age = w_age;
	INIT_LIST_HEAD(&s->filters);
	return s;
}

static int damon_ops_test_hot(struct damon_ctx *c, struct damos *s,
			      unsigned int nr_accesses, unsigned int age)
{
	struct damon_region r = { .nr_accesses = nr_accesses, .age = age };

	return damon_hot_score(c, &r, s);
}

static int damon_ops_test_cold(struct damon_ctx *c, struct damos *s,
			       unsigned int nr_accesses, unsigned int age)
{
	struct damon_region r = { .nr_accesses = nr_accesses, .age = age };

	return damon_cold_score(c, &r, s);
}

static void damon_ops_test_age_level(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, damon_age_level(0), 0U);
	KUNIT_EXPECT_EQ(test, damon_age_level(1), 1U);
	KUNIT_EXPECT_EQ(test, damon_age_level(2), 3U);
	KUNIT_EXPECT_EQ(test, damon_age_level(3), 4U);
	KUNIT_EXPECT_EQ(test, damon_age_level(4), 5U);
	KUNIT_EXPECT_EQ(test, damon_age_level(5), 5U);
	KUNIT_EXPECT_EQ(test, damon_age_level(6), 6U);
	KUNIT_EXPECT_EQ(test, damon_age_level(1000), 20U);
	/* one hour still differs from one minute */
	KUNIT_EXPECT_GT(test, damon_age_level(3600 * 1000),
			damon_age_level(60 * 1000));
	KUNIT_EXPECT_EQ(test, damon_age_level(U64_MAX),
			(unsigned int)DAMON_SCORE_AGE_LEVELS);
}

/*
 * The formula worked out by hand, for one always-accessed and one idle
 * region of the same age (10 aggregations, one second, age level 20, half
 * span 208 permil):
 *   hot:  (1000 + 708) / 2 = 854 permil -> 84, cold 15
 *   idle: (0 + 292) / 2 = 146 permil -> 14, cold 85
 */
static void damon_ops_test_hot_above_cold(struct kunit *test)
{
	struct damon_ctx *c = damon_ops_test_ctx(test);
	struct damos *s = damon_ops_test_scheme(test, DAMOS_PAGEOUT, 1, 1);

	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, s, 20, 10), 84);
	KUNIT_EXPECT_EQ(test, damon_ops_test_cold(c, s, 20, 10), 15);
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, s, 0, 10), 14);
	KUNIT_EXPECT_EQ(test, damon_ops_test_cold(c, s, 0, 10), 85);

	/* frequency alone: the access ratio, scaled */
	s->quota.weight_age = 0;
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, s, 20, 10),
			DAMOS_MAX_SCORE);
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, s, 10, 10), 49);
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, s, 0, 10), 0);
}

static void damon_ops_test_monotonic_in_nr_accesses(struct kunit *test)
{
	struct damon_ctx *c = damon_ops_test_ctx(test);
	struct damos *s = damon_ops_test_scheme(test, DAMOS_PAGEOUT, 3, 1);
	unsigned int nr;
	int prev_hot = -1, prev_cold = DAMOS_MAX_SCORE + 1;

	for (nr = 0; nr <= 20; nr++) {
		int hot = damon_ops_test_hot(c, s, nr, 5);
		int cold = damon_ops_test_cold(c, s, nr, 5);

		KUNIT_EXPECT_GE_MSG(test, hot, prev_hot, "nr_accesses %u", nr);
		KUNIT_EXPECT_LE_MSG(test, cold, prev_cold, "nr_accesses %u",
				    nr);
		prev_hot = hot;
		prev_cold = cold;
	}
	KUNIT_EXPECT_GT(test, damon_ops_test_hot(c, s, 20, 5),
			damon_ops_test_hot(c, s, 1, 5));
	KUNIT_EXPECT_GT(test, damon_ops_test_hot(c, s, 1, 5),
			damon_ops_test_hot(c, s, 0, 5));
}

/* Staying idle makes a region colder; staying accessed makes it hotter. */
static void damon_ops_test_age(struct kunit *test)
{
	static const unsigned int ages[] = { 0, 1, 10, 100, 1000, 100000 };
	struct damon_ctx *c = damon_ops_test_ctx(test);
	struct damos *s = damon_ops_test_scheme(test, DAMOS_PAGEOUT, 1, 1);
	unsigned int i;

	for (i = 1; i < ARRAY_SIZE(ages); i++) {
		KUNIT_EXPECT_GE(test, damon_ops_test_cold(c, s, 0, ages[i]),
				damon_ops_test_cold(c, s, 0, ages[i - 1]));
		KUNIT_EXPECT_GE(test, damon_ops_test_hot(c, s, 10, ages[i]),
				damon_ops_test_hot(c, s, 10, ages[i - 1]));
	}
	KUNIT_EXPECT_GT(test, damon_ops_test_cold(c, s, 0, 100000),
			damon_ops_test_cold(c, s, 0, 10));
	KUNIT_EXPECT_GT(test, damon_ops_test_cold(c, s, 0, 10),
			damon_ops_test_cold(c, s, 0, 0));

	/* age alone: a fresh region is neutral, an old idle one is coldest */
	s->quota.weight_nr_accesses = 0;
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, s, 0, 0), 49);
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, s, 20, 0), 49);
	KUNIT_EXPECT_EQ(test, damon_ops_test_cold(c, s, 0, UINT_MAX),
			DAMOS_MAX_SCORE);
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, s, 1, UINT_MAX),
			DAMOS_MAX_SCORE);
}

/*
 * No weight at all is no preference: every region ties, hot or cold, so
 * that a quota goes round in address order.  No attribute divides by zero.
 */
static void damon_ops_test_zero_weights(struct kunit *test)
{
	struct damon_ctx *c = damon_ops_test_ctx(test);
	struct damos *none = damon_ops_test_scheme(test, DAMOS_PAGEOUT, 0, 0);
	struct damos *even = damon_ops_test_scheme(test, DAMOS_PAGEOUT, 7, 7);
	int tie = damon_ops_test_hot(c, none, 0, 0);

	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, none, 20, 10), tie);
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, none, 3, UINT_MAX), tie);
	KUNIT_EXPECT_EQ(test, damon_ops_test_cold(c, none, 20, 10),
			DAMOS_MAX_SCORE - tie);
	KUNIT_EXPECT_EQ(test, damon_ops_test_cold(c, none, 0, UINT_MAX),
			DAMOS_MAX_SCORE - tie);
	/* weights, even equal ones, do rank */
	KUNIT_EXPECT_GT(test, damon_ops_test_hot(c, even, 20, 10),
			damon_ops_test_hot(c, even, 0, 10));

	/* max nr_accesses falls back to one without intervals */
	c->attrs.sample_interval = 0;
	c->attrs.aggr_interval = 0;
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, even, 0, 0), 24);
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, even, 1, 1000), 74);
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, none, 1, 1000), tie);
}

static void damon_ops_test_in_range(struct kunit *test, struct damon_ctx *c,
				    struct damos *s, unsigned int nr,
				    unsigned int age)
{
	int hot = damon_ops_test_hot(c, s, nr, age);
	int cold = damon_ops_test_cold(c, s, nr, age);

	KUNIT_EXPECT_GE(test, hot, 0);
	KUNIT_EXPECT_LE(test, hot, DAMOS_MAX_SCORE);
	KUNIT_EXPECT_EQ(test, hot + cold, DAMOS_MAX_SCORE);
}

/*
 * Whatever the inputs, scores stay in range and hot + cold is the maximum:
 * out-of-range nr_accesses, ages and weights that overflow naive sums and
 * products included.
 */
static void damon_ops_test_clamp_and_complement(struct kunit *test)
{
	static const unsigned int values[] = { 0, 1, 7, 20, 21, 1000,
		UINT_MAX };
	static const unsigned long aggr_intervals[] = { 0, 100000,
		ULONG_MAX };
	struct damon_ctx *c = damon_ops_test_ctx(test);
	struct damos *s = damon_ops_test_scheme(test, DAMOS_PAGEOUT, 0, 0);
	unsigned int a, i, j;

	for (a = 0; a < ARRAY_SIZE(aggr_intervals); a++) {
		c->attrs.aggr_interval = aggr_intervals[a];
		for (i = 0; i < ARRAY_SIZE(values) * ARRAY_SIZE(values); i++) {
			/* i walks nr_accesses and age, j both weights */
			unsigned int nr = values[i % ARRAY_SIZE(values)];
			unsigned int age = values[i / ARRAY_SIZE(values)];

			for (j = 0; j < ARRAY_SIZE(values) *
			     ARRAY_SIZE(values); j++) {
				s->quota.weight_nr_accesses =
					values[j % ARRAY_SIZE(values)];
				s->quota.weight_age =
					values[j / ARRAY_SIZE(values)];
				damon_ops_test_in_range(test, c, s, nr, age);
			}
		}
	}
	/* more accesses than possible count as the maximum, not beyond */
	c->attrs.aggr_interval = 100000;
	s->quota.weight_nr_accesses = 1;
	s->quota.weight_age = 0;
	KUNIT_EXPECT_EQ(test, damon_ops_test_hot(c, s, UINT_MAX, 0),
			DAMOS_MAX_SCORE);
}

/* Reclaim-like actions go for the coldest regions, the others the hottest. */
static void damon_ops_test_scheme_score(struct kunit *test)
{
	struct damon_ctx *c = damon_ops_test_ctx(test);
	struct damos *s = damon_ops_test_scheme(test, DAMOS_PAGEOUT, 1, 1);
	struct damon_region idle = { .nr_accesses = 0, .age = 10 };

	KUNIT_EXPECT_EQ(test, damon_scheme_score(c, &idle, s), 85);
	s->action = DAMOS_MIGRATE_COLD;
	KUNIT_EXPECT_EQ(test, damon_scheme_score(c, &idle, s), 85);
	s->action = DAMOS_WILLNEED;
	KUNIT_EXPECT_EQ(test, damon_scheme_score(c, &idle, s), 14);
	s->action = DAMOS_LRU_PRIO;
	KUNIT_EXPECT_EQ(test, damon_scheme_score(c, &idle, s), 14);
	s->action = DAMOS_STAT;
	KUNIT_EXPECT_EQ(test, damon_scheme_score(c, &idle, s),
			DAMOS_MAX_SCORE);
}

static struct kunit_case damon_ops_common_test_cases[] = {
	KUNIT_CASE(damon_ops_test_age_level),
	KUNIT_CASE(damon_ops_test_hot_above_cold),
	KUNIT_CASE(damon_ops_test_monotonic_in_nr_accesses),
	KUNIT_CASE(damon_ops_test_age),
	KUNIT_CASE(damon_ops_test_zero_weights),
	KUNIT_CASE(damon_ops_test_clamp_and_complement),
	KUNIT_CASE(damon_ops_test_scheme_score),
	{},
};

static struct kunit_suite damon_ops_common_test_suite = {
	.name = "damon-ops-common",
	.test_cases = damon_ops_common_test_cases,
};

kunit_test_suite(damon_ops_common_test_suite);

#endif	/* _DAMON_OPS_COMMON_KUNIT_H */
