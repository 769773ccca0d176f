// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON_RECLAIM: proactive reclamation of memory that stays unaccessed.
 *
 * One paddr context with one scheme: page out the regions not accessed for
 * min_age, the longest unaccessed first, within a time and a size quota per
 * reset interval, while free memory is between the low and high watermarks.
 * The quota can be tuned towards a memory pressure (PSI) or a user-fed goal.
 * Everything is set with the parameters below /sys/module/damon_reclaim/.
 */

#define pr_fmt(fmt) "damon-reclaim: " fmt

#include <linux/damon.h>
#include <linux/init.h>
#include <linux/sizes.h>

#include "modules-common.h"

#ifdef MODULE_PARAM_PREFIX
#undef MODULE_PARAM_PREFIX
#endif
#define MODULE_PARAM_PREFIX "damon_reclaim."

static int damon_reclaim_add_schemes(struct damon_ctx *ctx);
static void damon_reclaim_update_stats(struct damon_ctx *ctx);

static struct damon_module damon_reclaim_mod = {
	.name = "damon_reclaim",
	.add_schemes = damon_reclaim_add_schemes,
	.update_stats = damon_reclaim_update_stats,
	.attrs = DAMON_MODULE_DEFAULT_ATTRS,
	.wmarks = {
		.metric = DAMOS_WMARK_FREE_MEM_RATE,
		.interval = 5 * USEC_PER_SEC,
		.high = 500,
		.mid = 400,
		.low = 200,
	},
};

DAMON_MODULE_CONTROL_PARAMS(damon_reclaim);
DAMON_MODULE_COMMON_PARAMS(damon_reclaim);

/* Time a region must stay unaccessed before it is reclaimed, in us. */
static unsigned long min_age = 120 * USEC_PER_SEC;
module_param(min_age, ulong, 0600);
MODULE_PARM_DESC(min_age,
		 "Microseconds a region must stay unaccessed to be reclaimed");

static unsigned long quota_ms = 10;
module_param(quota_ms, ulong, 0600);
MODULE_PARM_DESC(quota_ms, "Milliseconds reclaim may take per reset interval");

static unsigned long quota_sz = 128 * SZ_1M;
module_param(quota_sz, ulong, 0600);
MODULE_PARM_DESC(quota_sz, "Bytes reclaim may try per reset interval");

static unsigned long quota_reset_interval_ms = 1000;
module_param_cb(quota_reset_interval_ms, &damon_modules_nonzero_ops,
		&quota_reset_interval_ms, 0600);
MODULE_PARM_DESC(quota_reset_interval_ms,
		 "Length of the quota's charge window, in milliseconds");

/* A goal of this much "some" memory pressure per reset interval, or none. */
static unsigned long quota_mem_pressure_us;
module_param(quota_mem_pressure_us, ulong, 0600);
MODULE_PARM_DESC(quota_mem_pressure_us,
		 "Memory pressure stall (us per reset interval) to aim at; 0: off");

/*
 * A goal fed by the user: 10000 means the goal is met, less that the quota
 * should grow, more that it should shrink.  Zero turns it off.
 */
static unsigned long quota_autotune_feedback;
module_param(quota_autotune_feedback, ulong, 0600);
MODULE_PARM_DESC(quota_autotune_feedback,
		 "User feedback for quota tuning, 10000 being on target; 0: off");

static bool skip_anon __read_mostly;
module_param(skip_anon, bool, 0600);
MODULE_PARM_DESC(skip_anon, "Reclaim file-backed pages only");

static struct damos_stat damon_reclaim_stat;
DAMON_MODULE_STAT_PARAMS(damon_reclaim, reclaim_tried_regions,
			 reclaimed_regions, quota_exceeds);

static int damon_reclaim_add_goal(struct damos *s,
				  enum damos_quota_goal_metric metric,
				  unsigned long target, unsigned long value)
{
	struct damos_quota_goal *g = damos_new_quota_goal(metric, target);

	if (!g)
		return -ENOMEM;
	g->current_value = value;
	damos_add_quota_goal(&s->quota, g);
	return 0;
}

static int damon_reclaim_add_schemes(struct damon_ctx *ctx)
{
	struct damos_access_pattern pattern = {
		.min_sz_region = PAGE_SIZE,
		.max_sz_region = ULONG_MAX,
		.min_nr_accesses = 0,
		.max_nr_accesses = 0,
		.min_age_region = min_t(unsigned long, UINT_MAX,
					min_age / ctx->attrs.aggr_interval),
		.max_age_region = UINT_MAX,
	};
	/* the longest unaccessed first */
	struct damos_quota quota = {
		.ms = quota_ms,
		.sz = quota_sz,
		.reset_interval = quota_reset_interval_ms,
		.weight_age = 1,
	};
	struct damos_filter *f;
	struct damos *s;
	int err = 0;

	s = damon_new_scheme(&pattern, DAMOS_PAGEOUT, 0, &quota,
			     &damon_reclaim_mod.wmarks, NUMA_NO_NODE);
	if (!s)
		return -ENOMEM;
	damon_add_scheme(ctx, s);
	if (quota_mem_pressure_us)
		err = damon_reclaim_add_goal(s, DAMOS_QUOTA_SOME_MEM_PSI_US,
					     quota_mem_pressure_us, 0);
	if (!err && quota_autotune_feedback)
		err = damon_reclaim_add_goal(s, DAMOS_QUOTA_USER_INPUT, 10000,
					     quota_autotune_feedback);
	if (err || !skip_anon)
		return err;
	f = damos_new_filter(DAMOS_FILTER_TYPE_ANON, true);
	if (!f)
		return -ENOMEM;
	damos_add_filter(s, f);
	return 0;
}

static void damon_reclaim_update_stats(struct damon_ctx *ctx)
{
	struct damos *s;

	damon_for_each_scheme(s, ctx)
		damon_modules_copy_stat(&damon_reclaim_stat, &s->stat);
}

static int __init damon_reclaim_init(void)
{
	return damon_modules_init(&damon_reclaim_mod);
}
module_init(damon_reclaim_init);
