/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the DAMON debugfs interface: the parsers of what is written
 * to attrs, target_ids, init_regions and schemes, and the text those files
 * show.  Valid inputs, malformed ones, numbers that overflow their field and
 * inputs as big as a write may be.
 */

#ifndef _DAMON_DBGFS_KUNIT_H
#define _DAMON_DBGFS_KUNIT_H

#include <kunit/test.h>

/* A copy of @s after @pad blanks, as a huge but valid write would be. */
static char *dbgfs_test_padded(struct kunit *test, const char *s, size_t pad)
{
	size_t len = strlen(s);
	char *buf = kunit_kzalloc(test, pad + len + 1, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, ' ', pad);
	memcpy(buf + pad, s, len);
	return buf;
}

/* The concatenation of the NULL-terminated @pieces. */
static char *dbgfs_test_join(struct kunit *test, const char * const *pieces)
{
	size_t len = 1;
	char *buf;
	int i;

	for (i = 0; pieces[i]; i++)
		len += strlen(pieces[i]);
	buf = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	for (i = 0; pieces[i]; i++)
		strcat(buf, pieces[i]);
	return buf;
}

static void dbgfs_test_parse_number(struct kunit *test)
{
	const char *s;
	unsigned long v;

	s = "0";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, ULONG_MAX, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 0UL);
	KUNIT_EXPECT_EQ(test, *s, '\0');

	s = "18446744073709551615 7";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, ULONG_MAX, &v), 0);
	KUNIT_EXPECT_EQ(test, v, ULONG_MAX);
	KUNIT_EXPECT_STREQ(test, s, " 7");

	s = "007\n";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, ULONG_MAX, &v), 0);
	KUNIT_EXPECT_EQ(test, v, 7UL);

	/* one more than ULONG_MAX, and far more */
	s = "18446744073709551616";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, ULONG_MAX, &v), -ERANGE);
	s = "99999999999999999999999999999999999999";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, ULONG_MAX, &v), -ERANGE);
	/* above the field's own limit */
	s = "4294967296";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, UINT_MAX, &v), -ERANGE);
	s = "4294967295";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, UINT_MAX, &v), 0);

	/* not a number, or not only one */
	v = 42;
	s = "";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, ULONG_MAX, &v), -EINVAL);
	s = "-1";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, ULONG_MAX, &v), -EINVAL);
	s = "+1";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, ULONG_MAX, &v), -EINVAL);
	s = "12a";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, ULONG_MAX, &v), -EINVAL);
	s = "0x10";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, ULONG_MAX, &v), -EINVAL);
	s = " 1";
	KUNIT_EXPECT_EQ(test, dbgfs_parse_number(&s, ULONG_MAX, &v), -EINVAL);
	KUNIT_EXPECT_EQ(test, v, 42UL);
}

static void dbgfs_test_parse_attrs(struct kunit *test)
{
	static const char * const bad[] = {
		"", "\n", "1 2 3 4", "1 2 3 4 5 6", "1 2 3 4 x", "1 2 3 4 5x",
		"a 1 2 3 4", "-1 2 3 4 5", "1,2,3,4,5",
		"1 2 3 4 18446744073709551616",
	};
	struct damon_attrs a = {}, before;
	char *padded;
	int i;

	KUNIT_EXPECT_EQ(test, dbgfs_parse_attrs("5000 100000 1000000 10 1000\n",
						&a), 0);
	KUNIT_EXPECT_EQ(test, a.sample_interval, 5000UL);
	KUNIT_EXPECT_EQ(test, a.aggr_interval, 100000UL);
	KUNIT_EXPECT_EQ(test, a.ops_update_interval, 1000000UL);
	KUNIT_EXPECT_EQ(test, a.min_nr_regions, 10UL);
	KUNIT_EXPECT_EQ(test, a.max_nr_regions, 1000UL);

	KUNIT_EXPECT_EQ(test, dbgfs_parse_attrs(" 1\t2\n3 4  5\t\n", &a), 0);
	KUNIT_EXPECT_EQ(test, a.sample_interval, 1UL);
	KUNIT_EXPECT_EQ(test, a.max_nr_regions, 5UL);

	KUNIT_EXPECT_EQ(test, dbgfs_parse_attrs("18446744073709551615 1 1 3 3",
						&a), 0);
	KUNIT_EXPECT_EQ(test, a.sample_interval, ULONG_MAX);

	before = a;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, dbgfs_parse_attrs(bad[i], &a), -EINVAL,
				    "input \"%s\"", bad[i]);
		KUNIT_EXPECT_EQ(test, a.sample_interval, before.sample_interval);
	}

	/* as big as a write may be, and still valid */
	padded = dbgfs_test_padded(test, "1 2 3 4 5", DBGFS_MAX_INPUT - 9);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_attrs(padded, &a), 0);
	KUNIT_EXPECT_EQ(test, a.max_nr_regions, 5UL);
}

static void dbgfs_test_parse_ids(struct kunit *test)
{
	int ids[DBGFS_MAX_TARGETS];
	char many[DBGFS_MAX_TARGETS * 4 + 8] = "";
	char *padded;
	bool paddr;
	int i, len = 0;

	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("1 2 3 4\n", ids, &paddr), 4);
	KUNIT_EXPECT_FALSE(test, paddr);
	KUNIT_EXPECT_EQ(test, ids[0], 1);
	KUNIT_EXPECT_EQ(test, ids[3], 4);

	/* the list ends quietly where a word is not a number */
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("1 2 abc 4", ids, &paddr), 2);
	KUNIT_EXPECT_EQ(test, ids[1], 2);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("12 35abc 46", ids, &paddr), 2);
	KUNIT_EXPECT_EQ(test, ids[1], 35);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("abc 2 3", ids, &paddr), 0);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("", ids, &paddr), 0);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("\n", ids, &paddr), 0);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("paddrx", ids, &paddr), 0);
	KUNIT_EXPECT_FALSE(test, paddr);

	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("paddr\n", ids, &paddr), 1);
	KUNIT_EXPECT_TRUE(test, paddr);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("  paddr ", ids, &paddr), 1);
	KUNIT_EXPECT_TRUE(test, paddr);

	/* ids no process can have */
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("0", ids, &paddr), -EINVAL);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("1 -1", ids, &paddr), -EINVAL);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("2147483648", ids, &paddr),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("99999999999999999999999", ids,
					      &paddr), -EINVAL);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids("2147483647", ids, &paddr), 1);

	/* as many as a context may have, then one more */
	for (i = 0; i < DBGFS_MAX_TARGETS; i++)
		len += scnprintf(many + len, sizeof(many) - len, "%d ", i + 1);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids(many, ids, &paddr),
			DBGFS_MAX_TARGETS);
	KUNIT_EXPECT_EQ(test, ids[DBGFS_MAX_TARGETS - 1], DBGFS_MAX_TARGETS);
	scnprintf(many + len, sizeof(many) - len, "99");
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids(many, ids, &paddr), -EINVAL);

	padded = dbgfs_test_padded(test, "7 8", DBGFS_MAX_INPUT - 3);
	KUNIT_EXPECT_EQ(test, dbgfs_parse_ids(padded, ids, &paddr), 2);
}

static void dbgfs_test_expect_regions(struct kunit *test, const char *in,
				      const char *want, unsigned int nr_targets)
{
	struct dbgfs_regions r;
	struct dbgfs_text text;

	KUNIT_ASSERT_EQ_MSG(test, dbgfs_parse_regions(in, &r), 0,
			    "input \"%s\"", in);
	KUNIT_EXPECT_EQ(test, dbgfs_regions_nr_targets(&r), nr_targets);
	KUNIT_ASSERT_EQ(test, dbgfs_regions_text(&r, &text), 0);
	KUNIT_EXPECT_STREQ(test, text.buf, want);
	KUNIT_EXPECT_EQ(test, text.len, strlen(want));
	kvfree(text.buf);
	dbgfs_regions_free(&r);
}

static void dbgfs_test_parse_regions(struct kunit *test)
{
	static const char * const bad[] = {
		"0 20 10",			/* end before start */
		"0 10 10",			/* empty */
		"1 10 20\n1 15 30",		/* overlap */
		"0 10 20\n1 30 40\n0 5 8",	/* not in address order */
		"0 10",				/* not a triple */
		"0 10 20 1",
		"0 10 20 x",			/* garbage */
		"0 10 0x20",
		"-1 10 20",
		"32 10 20",			/* no context has target 32 */
		"0 10 18446744073709551616",	/* overflow */
		"4294967296 10 20",
	};
	static const char * const guide[] = {
		"0   1       100         0   100     200         ",
		"1   20      40          1   50      100", NULL,
	};
	struct dbgfs_regions r;
	char *padded;
	int i;

	dbgfs_test_expect_regions(test, "", "", 0);
	dbgfs_test_expect_regions(test, "\t\n\t", "", 0);
	dbgfs_test_expect_regions(test, "1 10 20\n 1   20 30\n1 35 45",
				  "1 10 20\n1 20 30\n1 35 45\n", 2);
	/* targets may take turns; reading groups them */
	dbgfs_test_expect_regions(test,
				  "2 100 200 0 5 10\n2 300 400\n0 10 15\n",
				  "0 5 10\n0 10 15\n2 100 200\n2 300 400\n",
				  3);
	/* the example of the guide, as bash makes it: one line */
	dbgfs_test_expect_regions(test, dbgfs_test_join(test, guide),
				  "0 1 100\n0 100 200\n1 20 40\n1 50 100\n", 2);
	dbgfs_test_expect_regions(test, "31 0 18446744073709551615",
				  "31 0 18446744073709551615\n", 32);

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, dbgfs_parse_regions(bad[i], &r),
				    -EINVAL, "input \"%s\"", bad[i]);

	padded = dbgfs_test_padded(test, "0 4096 8192", DBGFS_MAX_INPUT - 11);
	dbgfs_test_expect_regions(test, padded, "0 4096 8192\n", 1);
}

/* The schemes made from @in as the schemes file shows them. */
static int dbgfs_test_schemes(struct kunit *test, const char *in,
			      struct dbgfs_text *text)
{
	struct damon_ctx *ctx = damon_new_ctx();
	LIST_HEAD(schemes);
	struct damos *s, *next;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	err = dbgfs_parse_schemes(in, &schemes);
	list_for_each_entry_safe(s, next, &schemes, list) {
		list_del_init(&s->list);
		damon_add_scheme(ctx, s);
	}
	text->buf = NULL;
	if (!err)
		err = dbgfs_schemes_text(ctx, text);
	damon_destroy_ctx(ctx);
	return err;
}

static void dbgfs_test_parse_schemes(struct kunit *test)
{
	/* every action, blank lines, tabs, the largest value of every field */
	static const char * const in[] = {
		"\n",
		"0 18446744073709551615 0 4294967295 0 4294967295 0\t",
		"18446744073709551615 18446744073709551615\t",
		"18446744073709551615 4294967295 4294967295 4294967295\t",
		"0 18446744073709551615 18446744073709551615\t",
		"18446744073709551615 18446744073709551615\n",
		"\n",
		" 4096 8192  0 5    10 20    2 10 1073741824 1000\t",
		"0 0 100 1 5000000 600 500 300\t\n",
		"0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0\n",
		"0 0 0 0 0 0 3 0 0 0 0 0 0 0 0 0 0 0\n",
		"0 0 0 0 0 0 4 0 0 0 0 0 0 0 0 0 0 0\n",
		"0 0 0 0 0 0 5 0 0 0 0 0 0 0 0 0 0 0",
		NULL,
	};
	static const char * const out[] = {
		"0 18446744073709551615 0 4294967295 0 4294967295 0 ",
		"18446744073709551615 18446744073709551615 ",
		"18446744073709551615 4294967295 4294967295 4294967295 ",
		"0 18446744073709551615 18446744073709551615 ",
		"18446744073709551615 18446744073709551615 0 0 0 0 0\n",
		"4096 8192 0 5 10 20 2 10 1073741824 1000 ",
		"0 0 100 1 5000000 600 500 300 0 0 0 0 0\n",
		"0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		"0 0 0 0 0 0 3 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		"0 0 0 0 0 0 4 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		"0 0 0 0 0 0 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		NULL,
	};
	static const char * const bad[] = {
		"1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2",		/* 17 */
		"1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1 0",	/* 19 */
		"1 2\n3 4 5 6 3 0 0 0 1 2 3 1 100 3 2 1",	/* split */
		"1 2 3 4 5 6 6 0 0 0 1 2 3 1 100 3 2 1",	/* action */
		"1 2 3 4 5 6 4 0 0 0 1 2 3 2 100 3 2 1",	/* metric */
		"2 1 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1",	/* size range */
		"1 2 4 3 5 6 4 0 0 0 1 2 3 1 100 3 2 1",	/* nr_accesses */
		"1 2 3 4 6 5 4 0 0 0 1 2 3 1 100 3 2 1",	/* age */
		"1 2 3 4 5 6 4 0 0 0 1 2 3 0 100 2 3 1",	/* mid > high */
		"1 2 3 4 5 6 4 0 0 0 1 2 3 0 100 3 1 2",	/* low > mid */
		"1 2 3 4294967296 5 6 4 0 0 0 1 2 3 1 100 3 2 1",
		"1 2 3 4 5 6 4 0 0 0 1 4294967296 3 1 100 3 2 1",
		"1 18446744073709551616 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1",
		"1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1x",
		"1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1 garbage",
		"1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1\ngarbage",
		"1 2 3 4 5 6 -4 0 0 0 1 2 3 1 100 3 2 1",
		"x",
	};
	/* two schemes on one line */
	static const char * const two[] = {
		"1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1\t",
		"1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1", NULL,
	};
	const char *upstream = "1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1\n";
	const char *line = "0 1 0 9 0 9 5 0 0 0 0 0 0 0 0 0 0 0";
	size_t len = 0, wlen = 0, size = (DBGFS_MAX_SCHEMES + 1) * 64;
	struct dbgfs_text text;
	char *many, *want;
	int i, err;

	err = dbgfs_test_schemes(test, upstream, &text);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, strncmp(text.buf, upstream, strlen(upstream) - 1),
			0);
	KUNIT_EXPECT_STREQ(test, text.buf + strlen(upstream) - 1,
			   " 0 0 0 0 0\n");
	kvfree(text.buf);

	err = dbgfs_test_schemes(test, dbgfs_test_join(test, in), &text);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_STREQ(test, text.buf, dbgfs_test_join(test, out));
	kvfree(text.buf);

	/* nothing is no scheme */
	KUNIT_ASSERT_EQ(test, dbgfs_test_schemes(test, "\t\n\n", &text), 0);
	KUNIT_EXPECT_STREQ(test, text.buf, "");
	kvfree(text.buf);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err = dbgfs_test_schemes(test, bad[i], &text);
		KUNIT_EXPECT_EQ_MSG(test, err, -EINVAL, "input \"%s\"", bad[i]);
	}
	err = dbgfs_test_schemes(test, dbgfs_test_join(test, two), &text);
	KUNIT_EXPECT_EQ(test, err, -EINVAL);

	/* as many schemes as a context may have, then one more */
	many = kunit_kzalloc(test, size, GFP_KERNEL);
	want = kunit_kzalloc(test, size * 2, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, many);
	KUNIT_ASSERT_NOT_NULL(test, want);
	for (i = 0; i < DBGFS_MAX_SCHEMES; i++) {
		len += scnprintf(many + len, size - len,
				 "%d %d 0 9 0 9 5 0 0 0 0 0 0 0 0 0 0 0\n",
				 i, i + 1);
		/* each as written, with five statistics */
		wlen += scnprintf(want + wlen, size * 2 - wlen,
				  "%d %d 0 9 0 9 5 0 0 0 0 0 0 0 0 0 0 0 %s\n",
				  i, i + 1, "0 0 0 0 0");
	}
	KUNIT_ASSERT_EQ(test, dbgfs_test_schemes(test, many, &text), 0);
	KUNIT_EXPECT_EQ(test, text.len, wlen);
	KUNIT_EXPECT_EQ(test, memcmp(text.buf, want, wlen), 0);
	kvfree(text.buf);
	scnprintf(many + len, size - len, "%s", line);
	KUNIT_EXPECT_EQ(test, dbgfs_test_schemes(test, many, &text), -EINVAL);

	many = dbgfs_test_padded(test, line, DBGFS_MAX_INPUT - strlen(line));
	KUNIT_ASSERT_EQ(test, dbgfs_test_schemes(test, many, &text), 0);
	KUNIT_EXPECT_EQ(test, strncmp(text.buf, line, strlen(line)), 0);
	KUNIT_EXPECT_STREQ(test, text.buf + strlen(line), " 0 0 0 0 0\n");
	kvfree(text.buf);
}

/* Statistics come after the eighteen numbers, in their order. */
static void dbgfs_test_scheme_stats(struct kunit *test)
{
	static const char * const in[] = {
		"4096 8192 0 5 10 20 2 10 1073741824 1000 0 0 100\t",
		"1 5000000 600 500 300", NULL,
	};
	static const char * const out[] = {
		"4096 8192 0 5 10 20 2 10 1073741824 1000 0 0 100 ",
		"1 5000000 600 500 300 11 22 33 44 18446744073709551615\n", NULL,
	};
	struct damon_ctx *ctx = damon_new_ctx();
	struct dbgfs_text text;
	LIST_HEAD(schemes);
	struct damos *s, *next;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	err = dbgfs_parse_schemes(dbgfs_test_join(test, in), &schemes);
	KUNIT_ASSERT_EQ(test, err, 0);
	list_for_each_entry_safe(s, next, &schemes, list) {
		list_del_init(&s->list);
		damon_add_scheme(ctx, s);
	}
	damon_for_each_scheme(s, ctx) {
		KUNIT_EXPECT_EQ(test, s->action, DAMOS_PAGEOUT);
		KUNIT_EXPECT_EQ(test, s->quota.sz, 1073741824UL);
		KUNIT_EXPECT_EQ(test, s->wmarks.metric,
				DAMOS_WMARK_FREE_MEM_RATE);
		KUNIT_EXPECT_EQ(test, s->apply_interval_us, 0UL);
		s->stat.nr_tried = 11;
		s->stat.sz_tried = 22;
		s->stat.nr_applied = 33;
		s->stat.sz_applied = 44;
		s->stat.sz_ops_filter_passed = 99;
		s->stat.qt_exceeds = ULONG_MAX;
	}
	KUNIT_ASSERT_EQ(test, dbgfs_schemes_text(ctx, &text), 0);
	KUNIT_EXPECT_STREQ(test, text.buf, dbgfs_test_join(test, out));
	kvfree(text.buf);
	damon_destroy_ctx(ctx);
}

static void dbgfs_test_targets(struct kunit *test)
{
	struct pid *mine = get_task_pid(current, PIDTYPE_PID);
	int ids[2] = { pid_vnr(mine), INT_MAX };
	unsigned int refs = refcount_read(&mine->count);
	struct damon_ctx *ctx = damon_new_ctx();
	struct damon_target *t, *next;
	struct dbgfs_text text;
	LIST_HEAD(targets);
	char want[16];

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	if (!damon_is_registered_ops(DAMON_OPS_VADDR) ||
	    !damon_is_registered_ops(DAMON_OPS_PADDR)) {
		damon_destroy_ctx(ctx);
		put_pid(mine);
		kunit_skip(test, "vaddr or paddr operations not registered");
	}

	/* no target */
	KUNIT_ASSERT_EQ(test, damon_select_ops(ctx, DAMON_OPS_PADDR), 0);
	KUNIT_ASSERT_EQ(test, dbgfs_ids_text(ctx, &text), 0);
	KUNIT_EXPECT_STREQ(test, text.buf, "\n");
	kvfree(text.buf);

	/* the physical address space shows as 42 */
	KUNIT_ASSERT_EQ(test, dbgfs_new_targets(NULL, 1, &targets), 0);
	list_for_each_entry_safe(t, next, &targets, list) {
		list_del_init(&t->list);
		damon_add_target(ctx, t);
	}
	KUNIT_ASSERT_EQ(test, dbgfs_ids_text(ctx, &text), 0);
	KUNIT_EXPECT_STREQ(test, text.buf, "42\n");
	kvfree(text.buf);
	damon_for_each_target_safe(t, next, ctx)
		damon_destroy_target(t);

	/* a process that exists, twice; each target holds a reference */
	KUNIT_ASSERT_EQ(test, damon_select_ops(ctx, DAMON_OPS_VADDR), 0);
	ids[1] = ids[0];
	KUNIT_ASSERT_EQ(test, dbgfs_new_targets(ids, 2, &targets), 0);
	KUNIT_EXPECT_EQ(test, refcount_read(&mine->count), refs + 2);
	list_for_each_entry_safe(t, next, &targets, list) {
		list_del_init(&t->list);
		damon_add_target(ctx, t);
	}
	KUNIT_ASSERT_EQ(test, dbgfs_ids_text(ctx, &text), 0);
	scnprintf(want, sizeof(want), "%d %d\n", ids[0], ids[0]);
	KUNIT_EXPECT_STREQ(test, text.buf, want);
	kvfree(text.buf);
	damon_for_each_target_safe(t, next, ctx)
		damon_destroy_target(t);
	KUNIT_EXPECT_EQ(test, refcount_read(&mine->count), refs);

	/* no process of the second id: nothing made, no reference kept */
	ids[1] = INT_MAX;
	KUNIT_EXPECT_EQ(test, dbgfs_new_targets(ids, 2, &targets), -EINVAL);
	KUNIT_EXPECT_TRUE(test, list_empty(&targets));
	KUNIT_EXPECT_EQ(test, refcount_read(&mine->count), refs);

	damon_destroy_ctx(ctx);
	put_pid(mine);
}

/* At "on", each target gets its regions, aligned to pages. */
static void dbgfs_test_apply_regions(struct kunit *test)
{
	struct dbgfs_context *c = dbgfs_new_context("kunit");
	struct damon_target *t, *next;
	LIST_HEAD(targets);
	struct damon_region *r;
	unsigned int idx = 0;
	int err;

	KUNIT_ASSERT_NOT_NULL(test, c);
	if (damon_select_ops(c->ctx, DAMON_OPS_PADDR)) {
		dbgfs_free_context(c);
		kunit_skip(test, "paddr operations not registered");
	}
	KUNIT_ASSERT_EQ(test, dbgfs_new_targets(NULL, 3, &targets), 0);
	list_for_each_entry_safe(t, next, &targets, list) {
		list_del_init(&t->list);
		damon_add_target(c->ctx, t);
	}
	err = dbgfs_parse_regions("2 1 100 2 100 200 0 4096 12288 2 8192 8193",
				  &c->regions);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_ASSERT_EQ(test, dbgfs_apply_regions(c), 0);
	damon_for_each_target(t, c->ctx) {
		switch (idx++) {
		case 0:
			KUNIT_ASSERT_EQ(test, damon_nr_regions(t), 1U);
			r = damon_first_region(t);
			KUNIT_EXPECT_EQ(test, r->ar.start, 4096UL);
			KUNIT_EXPECT_EQ(test, r->ar.end, 12288UL);
			break;
		case 1:
			KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 0U);
			break;
		default:
			KUNIT_ASSERT_EQ(test, damon_nr_regions(t), 2U);
			r = damon_first_region(t);
			KUNIT_EXPECT_EQ(test, r->ar.start, 0UL);
			KUNIT_EXPECT_EQ(test, r->ar.end, DAMON_MIN_REGION);
			r = damon_last_region(t);
			KUNIT_EXPECT_EQ(test, r->ar.start, 8192UL);
			KUNIT_EXPECT_EQ(test, r->ar.end,
					ALIGN(8193UL, DAMON_MIN_REGION));
		}
	}
	/* and again from scratch, with no region left */
	dbgfs_regions_free(&c->regions);
	KUNIT_ASSERT_EQ(test, dbgfs_apply_regions(c), 0);
	damon_for_each_target(t, c->ctx)
		KUNIT_EXPECT_EQ(test, damon_nr_regions(t), 0U);
	dbgfs_free_context(c);
}

static void dbgfs_test_words(struct kunit *test)
{
	char buf[NAME_MAX + 8];

	strscpy(buf, " foo\n", sizeof(buf));
	KUNIT_EXPECT_STREQ(test, dbgfs_context_name(buf), "foo");
	strscpy(buf, "on", sizeof(buf));
	KUNIT_EXPECT_STREQ(test, dbgfs_one_word(buf), "on");
	strscpy(buf, "on foo", sizeof(buf));
	KUNIT_EXPECT_NULL(test, dbgfs_one_word(buf));
	strscpy(buf, "\t\n", sizeof(buf));
	KUNIT_EXPECT_NULL(test, dbgfs_one_word(buf));
	strscpy(buf, "a/b", sizeof(buf));
	KUNIT_EXPECT_NULL(test, dbgfs_context_name(buf));
	strscpy(buf, "..", sizeof(buf));
	KUNIT_EXPECT_NULL(test, dbgfs_context_name(buf));
	memset(buf, 'x', NAME_MAX);
	buf[NAME_MAX] = '\0';
	KUNIT_EXPECT_NOT_NULL(test, dbgfs_context_name(buf));
	memset(buf, 'x', NAME_MAX + 1);
	buf[NAME_MAX + 1] = '\0';
	KUNIT_EXPECT_NULL(test, dbgfs_context_name(buf));

	KUNIT_EXPECT_TRUE(test, dbgfs_is_root_file("attrs"));
	KUNIT_EXPECT_TRUE(test, dbgfs_is_root_file("DEPRECATED"));
	KUNIT_EXPECT_FALSE(test, dbgfs_is_root_file("foo"));
}

static struct kunit_case dbgfs_test_cases[] = {
	KUNIT_CASE(dbgfs_test_parse_number),
	KUNIT_CASE(dbgfs_test_parse_attrs),
	KUNIT_CASE(dbgfs_test_parse_ids),
	KUNIT_CASE(dbgfs_test_parse_regions),
	KUNIT_CASE(dbgfs_test_parse_schemes),
	KUNIT_CASE(dbgfs_test_scheme_stats),
	KUNIT_CASE(dbgfs_test_targets),
	KUNIT_CASE(dbgfs_test_apply_regions),
	KUNIT_CASE(dbgfs_test_words),
	{},
};

static struct kunit_suite dbgfs_test_suite = {
	.name = "damon-dbgfs",
	.test_cases = dbgfs_test_cases,
};

kunit_test_suite(dbgfs_test_suite);

#endif	/* _DAMON_DBGFS_KUNIT_H */
