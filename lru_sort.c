// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON_LRU_SORT: keep the LRU lists sorted by what DAMON sees.
 *
 * One paddr context with two schemes: mark the pages of hot regions
 * accessed (towards the active lists), and deactivate those of regions left
 * unaccessed for a while, so that reclaim finds the cold pages first.  Both
 * share a time quota, spent on the hottest and the coldest regions first,
 * and work only while free memory is between the low and high watermarks.
 * Everything is set with the parameters below /sys/module/damon_lru_sort/.
 */

#define pr_fmt(fmt) "damon-lru-sort: " fmt

#include <linux/damon.h>
#include <linux/init.h>

#include "modules-common.h"

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "damon_lru_sort."

static int damon_lru_sort_add_schemes(struct damon_ctx *ctx);
static void damon_lru_sort_update_stats(struct damon_ctx *ctx);

static struct damon_module damon_lru_sort_mod = {
	.name = "damon_lru_sort",
	.add_schemes = damon_lru_sort_add_schemes,
	.update_stats = damon_lru_sort_update_stats,
	.attrs = DAMON_MODULE_DEFAULT_ATTRS,
	.wmarks = {
		.metric = DAMOS_WMARK_FREE_MEM_RATE,
		.interval = 5 * USEC_PER_SEC,
		.high = 200,
		.mid = 150,
		.low = 50,
	},
};

DAMON_MODULE_CONTROL_PARAMS(damon_lru_sort);
DAMON_MODULE_COMMON_PARAMS(damon_lru_sort);

/* Hot: accessed in at least this share (permil) of the samples. */
static unsigned long hot_thres_access_freq = 500;
module_param_cb(hot_thres_access_freq, &damon_modules_permil_ops,
		&hot_thres_access_freq, 0600);
MODULE_PARM_DESC(hot_thres_access_freq,
		 "Access frequency (permil of the samples) of hot regions");

/* Cold: not accessed for this long, in microseconds. */
static unsigned long cold_min_age = 120 * USEC_PER_SEC;
module_param(cold_min_age, ulong, 0600);
MODULE_PARM_DESC(cold_min_age,
		 "Microseconds a region must stay unaccessed to be cold");

static unsigned long quota_ms = 10;
module_param(quota_ms, ulong, 0600);
MODULE_PARM_DESC(quota_ms,
		 "Milliseconds each scheme may take per reset interval");

static unsigned long quota_reset_interval_ms = 1000;
module_param_cb(quota_reset_interval_ms, &damon_modules_nonzero_ops,
		&quota_reset_interval_ms, 0600);
MODULE_PARM_DESC(quota_reset_interval_ms,
		 "Length of the quota's charge window, in milliseconds");

static struct damos_stat damon_lru_sort_hot_stat;
DAMON_MODULE_STAT_PARAMS(damon_lru_sort_hot, lru_sort_tried_hot_regions,
			 lru_sorted_hot_regions, hot_quota_exceeds);

static struct damos_stat damon_lru_sort_cold_stat;
DAMON_MODULE_STAT_PARAMS(damon_lru_sort_cold,
			 lru_sort_tried_cold_regions, lru_sorted_cold_regions,
			 cold_quota_exceeds);

/*
 * Add a scheme doing @action to the regions of @pattern, within the time
 * quota, the regions scoring highest by @weight_nr_accesses and
 * @weight_age first.
 */
static int damon_lru_sort_add(struct damon_ctx *ctx,
			      struct damos_access_pattern *pattern,
			      enum damos_action action,
			      unsigned int weight_nr_accesses,
			      unsigned int weight_age)
{
	struct damos_quota quota = {
		.ms = quota_ms,
		.reset_interval = quota_reset_interval_ms,
		.weight_nr_accesses = weight_nr_accesses,
		.weight_age = weight_age,
	};
	struct damos *s;

	s = damon_new_scheme(pattern, action, 0, &quota,
			     &damon_lru_sort_mod.wmarks, NUMA_NO_NODE);
	if (!s)
		return -ENOMEM;
	damon_add_scheme(ctx, s);
	return 0;
}

/* The hot scheme first, then the cold one: the stats go by that order. */
static int damon_lru_sort_add_schemes(struct damon_ctx *ctx)
{
	unsigned int max_nr = damon_max_nr_accesses(&ctx->attrs);
	struct damos_access_pattern hot = {
		.min_sz_region = PAGE_SIZE,
		.max_sz_region = ULONG_MAX,
		.min_nr_accesses = mult_frac(max_nr, hot_thres_access_freq,
					     1000),
		.max_nr_accesses = UINT_MAX,
		.max_age_region = UINT_MAX,
	};
	struct damos_access_pattern cold = {
		.min_sz_region = PAGE_SIZE,
		.max_sz_region = ULONG_MAX,
		.max_nr_accesses = 0,
		.min_age_region = min_t(unsigned long, UINT_MAX,
					cold_min_age / ctx->attrs.aggr_interval),
		.max_age_region = UINT_MAX,
	};

	return damon_lru_sort_add(ctx, &hot, DAMOS_LRU_PRIO, 1, 0) ?:
		damon_lru_sort_add(ctx, &cold, DAMOS_LRU_DEPRIO, 0, 1);
}

static void damon_lru_sort_update_stats(struct damon_ctx *ctx)
{
	struct damos_stat *dst[] = {
		&damon_lru_sort_hot_stat, &damon_lru_sort_cold_stat,
	};
	unsigned int i = 0;
	struct damos *s;

	damon_for_each_scheme(s, ctx) {
		if (i < ARRAY_SIZE(dst))
			damon_modules_copy_stat(dst[i++], &s->stat);
	}
}

static int __init damon_lru_sort_init(void)
{
	return damon_modules_init(&damon_lru_sort_mod);
}
module_init(damon_lru_sort_init);
