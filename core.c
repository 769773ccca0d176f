// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON core: the monitoring engine and the DAMOS scheme engine.
 *
 * The core owns the objects of include/linux/damon.h and the kdamond thread
 * that drives them.  It never looks at memory itself: every access check and
 * every action goes through the context's &struct damon_operations.
 *
 * The kdamond keeps time in sampling intervals.  Every sampling interval it
 * lets the operations check one address per region; every aggregation
 * interval it ages, merges, reports, applies schemes and splits; every
 * update interval it lets the operations refresh the monitoring ranges.  The
 * work per sampling interval is thus proportional to the number of regions,
 * which stays in [min_nr_regions, max_nr_regions].
 */

#define pr_fmt(fmt) "damon: " fmt

#include <linux/damon.h>
#include <linux/delay.h>
#include <linux/idr.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/nodemask.h>
#include <linux/overflow.h>
#include <linux/psi.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmstat.h>

#define CREATE_TRACE_POINTS
#include <trace/events/damon.h>

/* Protects the registry, the running count and the exclusivity flag. */
static DEFINE_MUTEX(damon_lock);
static int nr_running_ctxs;
static bool running_exclusive_ctxs;
static struct damon_operations damon_registered_ops[NR_DAMON_OPS];
static DECLARE_BITMAP(damon_ops_registered, NR_DAMON_OPS);
/* Numbers the kdamonds as kdamond.0, kdamond.1, ... */
static DEFINE_IDA(damon_kdamond_ida);

static void damon_stop_kdamond(struct damon_ctx *ctx);
static void damos_init_runtime(struct damon_ctx *ctx, struct damos *s);

/*
 * Operations set registry
 */

/**
 * damon_is_registered_ops() - Whether an operations set is registered.
 * @id:	Identifier of the operations set.
 *
 * Return: true if @id has been registered with damon_register_ops().
 */
bool damon_is_registered_ops(enum damon_ops_id id)
{
	bool registered;

	if (id >= NR_DAMON_OPS)
		return false;
	mutex_lock(&damon_lock);
	registered = test_bit(id, damon_ops_registered);
	mutex_unlock(&damon_lock);
	return registered;
}

/**
 * damon_register_ops() - Make an operations set available to contexts.
 * @ops:	The operations set; @ops->id says which one it is.
 *
 * Return: 0 on success, -EINVAL if @ops->id is out of range or taken.
 */
int damon_register_ops(struct damon_operations *ops)
{
	int err = 0;

	if (ops->id >= NR_DAMON_OPS)
		return -EINVAL;
	mutex_lock(&damon_lock);
	if (test_bit(ops->id, damon_ops_registered)) {
		err = -EINVAL;
	} else {
		damon_registered_ops[ops->id] = *ops;
		set_bit(ops->id, damon_ops_registered);
	}
	mutex_unlock(&damon_lock);
	return err;
}

/**
 * damon_select_ops() - Give a context a registered operations set.
 * @ctx:	The context; must not be running.
 * @id:		Identifier of the operations set.
 *
 * Return: 0 on success, -EINVAL if @id is not registered.
 */
int damon_select_ops(struct damon_ctx *ctx, enum damon_ops_id id)
{
	int err = 0;

	if (id >= NR_DAMON_OPS)
		return -EINVAL;
	mutex_lock(&damon_lock);
	if (test_bit(id, damon_ops_registered))
		ctx->ops = damon_registered_ops[id];
	else
		err = -EINVAL;
	mutex_unlock(&damon_lock);
	return err;
}

/*
 * Regions
 */

/**
 * damon_new_region() - Allocate a region covering [@start, @end).
 * @start:	First address.
 * @end:	First address after the region.
 *
 * Return: the region, with zeroed monitoring results, or NULL.
 */
struct damon_region *damon_new_region(unsigned long start, unsigned long end)
{
	struct damon_region *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (!r)
		return NULL;
	r->ar.start = start;
	r->ar.end = end;
	INIT_LIST_HEAD(&r->list);
	return r;
}

/* Put @r in @t's list right after @prev (or first, when @prev is NULL). */
static void damon_insert_region(struct damon_region *r,
				struct damon_region *prev, struct damon_target *t)
{
	if (prev)
		list_add(&r->list, &prev->list);
	else
		list_add(&r->list, &t->regions_list);
	t->nr_regions++;
}

/**
 * damon_add_region() - Append a region to a target.
 * @r:	The region; must start at or after the end of @t's last region.
 * @t:	The target.
 */
void damon_add_region(struct damon_region *r, struct damon_target *t)
{
	list_add_tail(&r->list, &t->regions_list);
	t->nr_regions++;
}

/**
 * damon_destroy_region() - Unlink a region from its target and free it.
 * @r:	The region.
 * @t:	The target owning @r.
 */
void damon_destroy_region(struct damon_region *r, struct damon_target *t)
{
	list_del(&r->list);
	t->nr_regions--;
	kfree(r);
}

/**
 * damon_nr_regions() - Number of regions of a target.
 * @t:	The target.
 *
 * Return: the number of regions @t has.
 */
unsigned int damon_nr_regions(struct damon_target *t)
{
	return t->nr_regions;
}

/* Give @dst the monitoring results of @src, as for a piece of it. */
static void damon_copy_results(struct damon_region *dst,
			       const struct damon_region *src)
{
	dst->nr_accesses = src->nr_accesses;
	dst->last_nr_accesses = src->last_nr_accesses;
	dst->age = src->age;
}

/*
 * Align @ranges to DAMON_MIN_REGION and drop the overlaps alignment creates.
 * Returns the number of non-empty ranges written to @out, or -EINVAL if the
 * ranges are empty, unsorted or overlapping.
 */
static int damon_align_ranges(const struct damon_addr_range *ranges,
			      unsigned int nr_ranges, struct damon_addr_range *out)
{
	unsigned long prev_end = 0;
	unsigned int i, nr_out = 0;

	for (i = 0; i < nr_ranges; i++) {
		unsigned long start = ALIGN_DOWN(ranges[i].start, DAMON_MIN_REGION);
		unsigned long end = ALIGN(ranges[i].end, DAMON_MIN_REGION);

		if (ranges[i].start >= ranges[i].end)
			return -EINVAL;
		if (i && ranges[i].start < ranges[i - 1].end)
			return -EINVAL;
		/* ALIGN() wraps to zero at the very top of the space */
		if (end < ranges[i].end)
			end = ALIGN_DOWN(ULONG_MAX, DAMON_MIN_REGION);
		if (nr_out && start < prev_end)
			start = prev_end;
		if (start >= end)
			continue;
		out[nr_out].start = start;
		out[nr_out].end = end;
		prev_end = end;
		nr_out++;
	}
	return nr_out;
}

/*
 * Build in @list the regions that exactly cover @range, taking the pieces
 * that overlap existing regions (from *@pos on, in order) with their
 * monitoring results.  *@pos is left at the first region that may still
 * overlap a later range.
 */
static int damon_cover_range(struct damon_target *t,
			     const struct damon_addr_range *range, struct damon_region **pos,
		struct list_head *list)
{
	unsigned long cursor = range->start;
	struct damon_region *r = *pos, *piece;

	for (; &r->list != &t->regions_list; r = damon_next_region(r)) {
		unsigned long start, end;

		if (r->ar.end <= range->start)
			continue;
		if (r->ar.start >= range->end)
			break;
		start = max(r->ar.start, range->start);
		end = min(r->ar.end, range->end);
		if (cursor < start) {
			piece = damon_new_region(cursor, start);
			if (!piece)
				return -ENOMEM;
			list_add_tail(&piece->list, list);
		}
		piece = damon_new_region(start, end);
		if (!piece)
			return -ENOMEM;
		damon_copy_results(piece, r);
		list_add_tail(&piece->list, list);
		cursor = end;
		if (r->ar.end > range->end)
			break;
	}
	*pos = r;
	if (cursor < range->end) {
		piece = damon_new_region(cursor, range->end);
		if (!piece)
			return -ENOMEM;
		list_add_tail(&piece->list, list);
	}
	return 0;
}

/*
 * Build in @list the regions that cover exactly @ranges, taking the
 * monitoring results of @t's regions where they overlap; @t is not changed.
 * Returns 0, -EINVAL for bad ranges, or -ENOMEM (then @list is empty).
 */
static int damon_build_regions(struct damon_target *t,
			       struct damon_addr_range *ranges,
			       unsigned int nr_ranges, struct list_head *list)
{
	struct damon_addr_range *aligned;
	struct damon_region *r, *next, *pos;
	int i, n, err = 0;

	aligned = kmalloc_array(max(nr_ranges, 1U), sizeof(*aligned),
				GFP_KERNEL | __GFP_NOWARN);
	if (!aligned)
		return -ENOMEM;
	n = damon_align_ranges(ranges, nr_ranges, aligned);
	if (n < 0) {
		err = n;
		goto out;
	}
	pos = list_first_entry(&t->regions_list, struct damon_region, list);
	for (i = 0; i < n && !err; i++)
		err = damon_cover_range(t, &aligned[i], &pos, list);
	if (err) {
		list_for_each_entry_safe(r, next, list, list)
			kfree(r);
		INIT_LIST_HEAD(list);
	}
out:
	kfree(aligned);
	return err;
}

/* Replace the regions of @t by those of @list, which ends up empty. */
static void damon_install_regions(struct damon_target *t,
				  struct list_head *list)
{
	struct damon_region *r, *next;
	unsigned int nr = 0;

	damon_for_each_region_safe(r, next, t)
		damon_destroy_region(r, t);
	list_for_each_entry(r, list, list)
		nr++;
	list_splice_init(list, &t->regions_list);
	t->nr_regions = nr;
}

/**
 * damon_set_regions() - Make a target's regions cover exactly some ranges.
 * @t:		The target.
 * @ranges:	Sorted, non-overlapping address ranges.
 * @nr_ranges:	Number of @ranges.
 *
 * The ranges are aligned to %DAMON_MIN_REGION.  Parts of the old regions
 * that stay covered keep their monitoring results; newly covered parts start
 * from zero.  On failure @t is left as it was.
 *
 * Return: 0 on success, -EINVAL for bad ranges, -ENOMEM.
 */
int damon_set_regions(struct damon_target *t, struct damon_addr_range *ranges,
		      unsigned int nr_ranges)
{
	LIST_HEAD(list);
	int err;

	err = damon_build_regions(t, ranges, nr_ranges, &list);
	if (!err)
		damon_install_regions(t, &list);
	return err;
}

/**
 * damon_update_region_access_rate() - Record one access check of a region.
 * @r:		The region.
 * @accessed:	Whether the check found the region accessed.
 * @attrs:	The monitoring attributes of the region's context.
 *
 * Called by the operations from &damon_operations->check_accesses, once per
 * region per sampling interval.
 */
void damon_update_region_access_rate(struct damon_region *r, bool accessed,
				     struct damon_attrs *attrs)
{
	if (accessed && r->nr_accesses < damon_max_nr_accesses(attrs))
		r->nr_accesses++;
}

/*
 * Targets
 */

/**
 * damon_new_target() - Allocate a target with no region.
 *
 * Return: the target or NULL.  Its @pid, if set by the caller, is a
 * reference the target owns: damon_free_target() puts it.
 */
struct damon_target *damon_new_target(void)
{
	struct damon_target *t = kzalloc(sizeof(*t), GFP_KERNEL);

	if (t) {
		INIT_LIST_HEAD(&t->list);
		INIT_LIST_HEAD(&t->regions_list);
	}
	return t;
}

/**
 * damon_add_target() - Append a target to a context.
 * @ctx:	The context.
 * @t:		The target.
 */
void damon_add_target(struct damon_ctx *ctx, struct damon_target *t)
{
	list_add_tail(&t->list, &ctx->adaptive_targets);
}

/**
 * damon_targets_empty() - Whether a context has no target.
 * @ctx:	The context.
 *
 * Return: true if @ctx has no target.
 */
bool damon_targets_empty(struct damon_ctx *ctx)
{
	struct list_head *targets = &ctx->adaptive_targets;

	return list_empty(targets);
}

/**
 * damon_free_target() - Free a target that is in no context's list.
 * @t:	The target.
 *
 * Frees the target's regions and puts its pid reference.
 */
void damon_free_target(struct damon_target *t)
{
	struct damon_region *r, *next;

	damon_for_each_region_safe(r, next, t)
		damon_destroy_region(r, t);
	put_pid(t->pid);
	kfree(t);
}

/**
 * damon_destroy_target() - Unlink a target from its context and free it.
 * @t:	The target.
 */
void damon_destroy_target(struct damon_target *t)
{
	list_del(&t->list);
	damon_free_target(t);
}

/*
 * Schemes, their filters and quota goals
 */

/**
 * damos_new_filter() - Allocate a scheme filter.
 * @type:	What the filter looks at.
 * @matching:	Whether to filter out matching (true) or other memory.
 *
 * Return: the filter, with its type-specific field zeroed, or NULL.
 */
struct damos_filter *damos_new_filter(enum damos_filter_type type,
				      bool matching)
{
	struct damos_filter *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return NULL;
	f->type = type;
	f->matching = matching;
	INIT_LIST_HEAD(&f->list);
	return f;
}

/**
 * damos_add_filter() - Append a filter to a scheme.
 * @s:	The scheme.
 * @f:	The filter.
 */
void damos_add_filter(struct damos *s, struct damos_filter *f)
{
	list_add_tail(&f->list, &s->filters);
}

/**
 * damos_destroy_filter() - Unlink a filter from its scheme and free it.
 * @f:	The filter.
 */
void damos_destroy_filter(struct damos_filter *f)
{
	list_del(&f->list);
	kfree(f);
}

/**
 * damos_new_quota_goal() - Allocate a quota goal.
 * @metric:		The metric to reach.
 * @target_value:	The value to reach.
 *
 * Return: the goal or NULL.
 */
struct damos_quota_goal *
damos_new_quota_goal(enum damos_quota_goal_metric metric,
		     unsigned long target_value)
{
	struct damos_quota_goal *g = kzalloc(sizeof(*g), GFP_KERNEL);

	if (!g)
		return NULL;
	g->metric = metric;
	g->target_value = target_value;
	INIT_LIST_HEAD(&g->list);
	return g;
}

/**
 * damos_add_quota_goal() - Append a goal to a quota.
 * @q:	The quota.
 * @g:	The goal.
 */
void damos_add_quota_goal(struct damos_quota *q, struct damos_quota_goal *g)
{
	list_add_tail(&g->list, &q->goals);
}

/**
 * damos_destroy_quota_goal() - Unlink a goal from its quota and free it.
 * @goal:	The goal.
 */
void damos_destroy_quota_goal(struct damos_quota_goal *goal)
{
	list_del(&goal->list);
	kfree(goal);
}

/* Copy the user-set parameters of @src into @dst, keeping private state. */
static void damos_copy_quota_params(struct damos_quota *dst,
				    const struct damos_quota *src)
{
	dst->reset_interval = src->reset_interval;
	dst->ms = src->ms;
	dst->sz = src->sz;
	dst->weight_sz = src->weight_sz;
	dst->weight_nr_accesses = src->weight_nr_accesses;
	dst->weight_age = src->weight_age;
}

/**
 * damon_new_scheme() - Allocate a scheme.
 * @pattern:		Access pattern of the regions to act on.
 * @action:		What to do to them.
 * @apply_interval_us:	Apply interval in microseconds, 0 for the
 *			aggregation interval.
 * @quota:		Quota parameters to copy (its goals are not copied).
 * @wmarks:		Watermarks to copy.
 * @target_nid:		Destination node of migration actions.
 *
 * Return: the scheme, with no filter and no quota goal, or NULL.
 */
struct damos *damon_new_scheme(struct damos_access_pattern *pattern,
			       enum damos_action action, unsigned long apply_interval_us,
		struct damos_quota *quota, struct damos_watermarks *wmarks,
		int target_nid)
{
	struct damos *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	s->pattern = *pattern;
	s->action = action;
	s->apply_interval_us = apply_interval_us;
	damos_copy_quota_params(&s->quota, quota);
	INIT_LIST_HEAD(&s->quota.goals);
	s->wmarks = *wmarks;
	s->wmarks.activated = true;
	s->target_nid = target_nid;
	INIT_LIST_HEAD(&s->filters);
	INIT_LIST_HEAD(&s->list);
	return s;
}

/**
 * damon_add_scheme() - Append a scheme to a context.
 * @ctx:	The context.
 * @s:		The scheme.
 */
void damon_add_scheme(struct damon_ctx *ctx, struct damos *s)
{
	list_add_tail(&s->list, &ctx->schemes);
}

/**
 * damon_destroy_scheme() - Unlink a scheme from its context and free it.
 * @s:	The scheme, with its filters and quota goals.
 */
void damon_destroy_scheme(struct damos *s)
{
	struct damos_quota_goal *g, *next_g;
	struct damos_filter *f, *next_f;

	damos_for_each_quota_goal_safe(g, next_g, &s->quota)
		damos_destroy_quota_goal(g);
	damos_for_each_filter_safe(f, next_f, s)
		damos_destroy_filter(f);
	list_del(&s->list);
	kfree(s);
}

/**
 * damon_set_schemes() - Replace the schemes of a context.
 * @ctx:	The context; must not be running.
 * @schemes:	The new schemes.
 * @nr_schemes:	Number of @schemes.
 */
void damon_set_schemes(struct damon_ctx *ctx, struct damos **schemes,
		       ssize_t nr_schemes)
{
	struct damos *old;
	ssize_t i = 0;

	while (!list_empty(&ctx->schemes)) {
		old = list_first_entry(&ctx->schemes, struct damos, list);
		damon_destroy_scheme(old);
	}
	while (i < nr_schemes)
		damon_add_scheme(ctx, schemes[i++]);
}

/*
 * Contexts and their attributes
 */

/**
 * damon_new_ctx() - Allocate a context.
 *
 * Return: the context or NULL.  It has no operations set, no target and no
 * scheme, and samples every 5 ms, aggregates every 100 ms, updates its
 * monitoring ranges every minute, with 10 to 1000 regions.
 */
struct damon_ctx *damon_new_ctx(void)
{
	struct damon_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return NULL;
	ctx->attrs.sample_interval = DAMON_DEFAULT_SAMPLE_US;
	ctx->attrs.aggr_interval = DAMON_DEFAULT_AGGR_US;
	ctx->attrs.ops_update_interval = DAMON_DEFAULT_UPDATE_US;
	ctx->attrs.min_nr_regions = DAMON_DEFAULT_MIN_NR_REGIONS;
	ctx->attrs.max_nr_regions = DAMON_DEFAULT_MAX_NR_REGIONS;
	INIT_LIST_HEAD(&ctx->adaptive_targets);
	INIT_LIST_HEAD(&ctx->schemes);
	mutex_init(&ctx->kdamond_lock);
	mutex_init(&ctx->call_controls_lock);
	INIT_LIST_HEAD(&ctx->call_controls);
	mutex_init(&ctx->walk_control_lock);
	return ctx;
}

/**
 * damon_destroy_ctx() - Free a context with its targets and schemes.
 * @ctx:	The context; must not be running.
 */
void damon_destroy_ctx(struct damon_ctx *ctx)
{
	struct damon_target *t, *next_t;
	struct damos *s, *next_s;

	damon_stop_kdamond(ctx);
	damon_for_each_target_safe(t, next_t, ctx)
		damon_destroy_target(t);
	damon_for_each_scheme_safe(s, next_s, ctx)
		damon_destroy_scheme(s);
	mutex_destroy(&ctx->kdamond_lock);
	mutex_destroy(&ctx->call_controls_lock);
	mutex_destroy(&ctx->walk_control_lock);
	kfree(ctx);
}

/* Number of sampling intervals in @us microseconds, at least one. */
static unsigned long damon_us_to_sis(const struct damon_attrs *attrs,
				     unsigned long us)
{
	return max(us / attrs->sample_interval, 1UL);
}

/*
 * The sampling interval count @us microseconds from now.  It saturates
 * rather than wraps: an interval of centuries is merely never reached,
 * instead of being due at once.
 */
static unsigned long damon_sis_after(struct damon_ctx *ctx, unsigned long us)
{
	unsigned long now = ctx->passed_sample_intervals;
	unsigned long sis = damon_us_to_sis(&ctx->attrs, us);

	return sis > ULONG_MAX - now ? ULONG_MAX : now + sis;
}

/* When @s is next due: one apply interval of it from now. */
static unsigned long damos_next_apply(struct damon_ctx *ctx, struct damos *s)
{
	return damon_sis_after(ctx,
			       s->apply_interval_us ?: ctx->attrs.aggr_interval);
}

/*
 * Jiffies in @ms milliseconds or @us microseconds.  The kernel's helpers
 * take 32 bits; longer intervals saturate instead of being truncated.
 */
static unsigned long damon_ms_to_jiffies(unsigned long ms)
{
	return ms > UINT_MAX ? MAX_JIFFY_OFFSET : msecs_to_jiffies(ms);
}

static unsigned long damon_us_to_jiffies(unsigned long us)
{
	if (us > UINT_MAX)
		return damon_ms_to_jiffies(us / USEC_PER_MSEC);
	return usecs_to_jiffies(us);
}

static bool damon_valid_attrs(const struct damon_attrs *attrs)
{
	if (!attrs->sample_interval)
		return false;
	if (attrs->aggr_interval < attrs->sample_interval)
		return false;
	if (attrs->min_nr_regions < 3)
		return false;
	return attrs->min_nr_regions <= attrs->max_nr_regions;
}

/* Rescale @v, counted out of @old_max, to be counted out of @new_max. */
static unsigned int damon_rescale(unsigned int v, unsigned long old_max,
				  unsigned long new_max)
{
	return min_t(u64, div64_u64((u64)v * new_max, old_max), UINT_MAX);
}

/*
 * Keep the monitoring results meaningful across an attribute change of a
 * running context: nr_accesses is counted per aggregation interval in units
 * of sampling intervals, and age in aggregation intervals.
 */
static void damon_rescale_results(struct damon_ctx *ctx,
				  const struct damon_attrs *new)
{
	unsigned long old_max = damon_max_nr_accesses(&ctx->attrs);
	unsigned long new_max = damon_max_nr_accesses(new);
	struct damon_target *t;
	struct damon_region *r;

	if (old_max == new_max && ctx->attrs.aggr_interval == new->aggr_interval)
		return;
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->nr_accesses = damon_rescale(r->nr_accesses,
						       old_max, new_max);
			r->last_nr_accesses = damon_rescale(r->last_nr_accesses,
							    old_max, new_max);
			r->age = damon_rescale(r->age, new->aggr_interval,
					       ctx->attrs.aggr_interval);
		}
	}
}

/**
 * damon_set_attrs() - Set the monitoring attributes of a context.
 * @ctx:	The context.
 * @attrs:	The attributes.
 *
 * May be called on a running context only from its kdamond (through
 * damon_call()); the monitoring results are then rescaled to the new
 * intervals and the kdamond's timers restarted.
 *
 * Return: 0 on success, -EINVAL if @attrs are invalid: zero sampling
 * interval, aggregation interval shorter than the sampling interval, fewer
 * than three minimum regions, or minimum above maximum regions.
 */
int damon_set_attrs(struct damon_ctx *ctx, struct damon_attrs *attrs)
{
	struct damos *s;

	if (!damon_valid_attrs(attrs))
		return -EINVAL;
	damon_rescale_results(ctx, attrs);
	ctx->attrs = *attrs;
	ctx->next_aggregation_sis = damon_sis_after(ctx, attrs->aggr_interval);
	ctx->next_ops_update_sis = damon_sis_after(ctx,
						   attrs->ops_update_interval);
	damon_for_each_scheme(s, ctx)
		s->next_apply_sis = damos_next_apply(ctx, s);
	return 0;
}

/*
 * What the types of a scheme's fields allow but no kdamond can act on: an
 * unknown action, or a migration to a node that has no memory.
 */
static bool damos_valid(const struct damos *s)
{
	switch (s->action) {
	case DAMOS_MIGRATE_HOT:
	case DAMOS_MIGRATE_COLD:
		return s->target_nid >= 0 && s->target_nid < MAX_NUMNODES &&
			node_state(s->target_nid, N_MEMORY);
	default:
		return s->action < NR_DAMOS_ACTIONS;
	}
}

static bool damon_valid_schemes(struct damon_ctx *ctx)
{
	struct damos *s;

	damon_for_each_scheme(s, ctx) {
		if (!damos_valid(s))
			return false;
	}
	return true;
}

/*
 * Committing a context's parameters to another, possibly running, one
 */

static int damos_commit_filters(struct damos *dst, struct damos *src)
{
	struct damos_filter *f, *next, *copy;
	LIST_HEAD(fresh);

	damos_for_each_filter(f, src) {
		copy = damos_new_filter(f->type, f->matching);
		if (!copy)
			goto fail;
		/* the biggest member of the union copies all of it */
		copy->addr_range = f->addr_range;
		list_add_tail(&copy->list, &fresh);
	}
	damos_for_each_filter_safe(f, next, dst)
		damos_destroy_filter(f);
	list_splice(&fresh, &dst->filters);
	return 0;
fail:
	list_for_each_entry_safe(f, next, &fresh, list)
		kfree(f);
	return -ENOMEM;
}

static int damos_commit_quota_goals(struct damos_quota *dst,
				    struct damos_quota *src)
{
	struct damos_quota_goal *g, *next, *copy;
	LIST_HEAD(fresh);

	damos_for_each_quota_goal(g, src) {
		copy = damos_new_quota_goal(g->metric, g->target_value);
		if (!copy)
			goto fail;
		copy->current_value = g->current_value;
		list_add_tail(&copy->list, &fresh);
	}
	/* keep the PSI baseline of goals that measure the same thing */
	list_for_each_entry(copy, &fresh, list) {
		damos_for_each_quota_goal(g, dst) {
			if (g->metric == copy->metric) {
				copy->last_psi_total = g->last_psi_total;
				break;
			}
		}
	}
	damos_for_each_quota_goal_safe(g, next, dst)
		damos_destroy_quota_goal(g);
	list_splice(&fresh, &dst->goals);
	return 0;
fail:
	list_for_each_entry_safe(g, next, &fresh, list)
		kfree(g);
	return -ENOMEM;
}

/* The plain parameters of a scheme: all but its filters, goals and state. */
static void damos_copy_params(struct damos *dst, const struct damos *src)
{
	dst->pattern = src->pattern;
	dst->action = src->action;
	dst->apply_interval_us = src->apply_interval_us;
	damos_copy_quota_params(&dst->quota, &src->quota);
	dst->wmarks.metric = src->wmarks.metric;
	dst->wmarks.interval = src->wmarks.interval;
	dst->wmarks.high = src->wmarks.high;
	dst->wmarks.mid = src->wmarks.mid;
	dst->wmarks.low = src->wmarks.low;
	dst->target_nid = src->target_nid;
}

static int damos_commit(struct damos *dst, struct damos *src)
{
	int err;

	err = damos_commit_filters(dst, src);
	if (err)
		return err;
	err = damos_commit_quota_goals(&dst->quota, &src->quota);
	if (err)
		return err;
	damos_copy_params(dst, src);
	return 0;
}

static struct damos *damos_dup(struct damos *src)
{
	struct damos *s = damon_new_scheme(&src->pattern, src->action,
			src->apply_interval_us, &src->quota, &src->wmarks,
			src->target_nid);

	if (!s)
		return NULL;
	if (damos_commit(s, src)) {
		damon_destroy_scheme(s);
		return NULL;
	}
	return s;
}

/*
 * A commit is all or nothing: everything it needs memory for, and every
 * check that may fail, is done first, into a staging context that holds a
 * copy of each scheme and target of the source, the targets' regions
 * already fitted to the destination's monitoring results.  Only then is the
 * destination changed, by moving things over, which cannot fail.
 */

/* Exchange the entries of the lists headed by @a and @b. */
static void damon_swap_lists(struct list_head *a, struct list_head *b)
{
	LIST_HEAD(tmp);

	list_splice_init(a, &tmp);
	list_splice_init(b, a);
	list_splice_init(&tmp, b);
}

/* Copy @src's targets into @stage, their regions fitted to @dst's. */
static int damon_stage_targets(struct damon_ctx *stage, struct damon_ctx *dst,
			       struct damon_ctx *src)
{
	struct damon_target *d, *s, *copy;
	struct damon_addr_range *ranges;
	struct damon_region *r;
	unsigned int i;
	int err;

	d = list_first_entry(&dst->adaptive_targets, struct damon_target, list);
	damon_for_each_target(s, src) {
		bool paired = &d->list != &dst->adaptive_targets;

		copy = damon_new_target();
		if (!copy)
			return -ENOMEM;
		damon_add_target(stage, copy);
		copy->pid = get_pid(s->pid);
		/* no regions given: a paired target keeps the ones it has */
		if (s->nr_regions) {
			ranges = kmalloc_array(s->nr_regions, sizeof(*ranges),
					       GFP_KERNEL | __GFP_NOWARN);
			if (!ranges)
				return -ENOMEM;
			i = 0;
			damon_for_each_region(r, s)
				ranges[i++] = r->ar;
			err = damon_build_regions(paired ? d : copy, ranges, i,
						  &copy->regions_list);
			kfree(ranges);
			if (err)
				return err;
			damon_for_each_region(r, copy)
				copy->nr_regions++;
		}
		if (paired)
			d = list_next_entry(d, list);
	}
	return 0;
}

/* Copy @src's schemes into @stage. */
static int damon_stage_schemes(struct damon_ctx *stage, struct damon_ctx *src)
{
	struct damos *s, *copy;

	damon_for_each_scheme(s, src) {
		copy = damos_dup(s);
		if (!copy)
			return -ENOMEM;
		damon_add_scheme(stage, copy);
	}
	return 0;
}

/* Give @dst the parameters, filters and goals of @staged; keep its state. */
static void damos_take(struct damos *dst, struct damos *staged)
{
	struct damos_quota_goal *g, *old;

	/* keep the PSI baseline of goals that measure the same thing */
	damos_for_each_quota_goal(g, &staged->quota) {
		damos_for_each_quota_goal(old, &dst->quota) {
			if (old->metric == g->metric) {
				g->last_psi_total = old->last_psi_total;
				break;
			}
		}
	}
	damon_swap_lists(&dst->filters, &staged->filters);
	damon_swap_lists(&dst->quota.goals, &staged->quota.goals);
	damos_copy_params(dst, staged);
}

/* Move the staged schemes over, pairing them with @dst's by position. */
static void damon_take_schemes(struct damon_ctx *dst, struct damon_ctx *stage)
{
	struct damos *d = list_first_entry(&dst->schemes, struct damos, list);
	struct damos *s, *next;

	damon_for_each_scheme_safe(s, next, stage) {
		if (&d->list != &dst->schemes) {
			damos_take(d, s);
			d = list_next_entry(d, list);
			continue;
		}
		list_move_tail(&s->list, &dst->schemes);
		damos_init_runtime(dst, s);
	}
	/* @dst had more schemes than @src */
	list_for_each_entry_safe_from(d, next, &dst->schemes, list)
		damon_destroy_scheme(d);
}

/* Move the staged targets over, pairing them with @dst's by position. */
static void damon_take_targets(struct damon_ctx *dst, struct damon_ctx *stage)
{
	struct damon_target *d, *s, *next;

	d = list_first_entry(&dst->adaptive_targets, struct damon_target, list);
	damon_for_each_target_safe(s, next, stage) {
		if (&d->list == &dst->adaptive_targets) {
			list_move_tail(&s->list, &dst->adaptive_targets);
			continue;
		}
		swap(d->pid, s->pid);
		if (s->nr_regions) {
			damon_swap_lists(&d->regions_list, &s->regions_list);
			swap(d->nr_regions, s->nr_regions);
		}
		d = list_next_entry(d, list);
	}
	list_for_each_entry_safe_from(d, next, &dst->adaptive_targets, list)
		damon_destroy_target(d);
}

/**
 * damon_commit_ctx() - Apply a context's parameters to another context.
 * @dst:	The context to update; may be running, but then only its
 *		kdamond may call this (from damon_call()).
 * @src:	The context whose parameters to take; not modified.
 *
 * Targets and schemes are paired by their position in the lists; surplus
 * ones of @dst are destroyed and missing ones created.  Monitoring results
 * of the regions that stay monitored, and the statistics of the schemes that
 * stay, are kept.  A target of @src without regions keeps @dst's regions.
 * It is all or nothing: on failure @dst is left exactly as it was.
 *
 * Return: 0 on success; -EINVAL if @src has invalid attributes or schemes
 * (a migration to a node without memory, for instance) or a different
 * operations set than running @dst; -ENOMEM.
 */
int damon_commit_ctx(struct damon_ctx *dst, struct damon_ctx *src)
{
	struct damon_ctx *stage;
	int err;

	if (!damon_valid_attrs(&src->attrs) || !damon_valid_schemes(src))
		return -EINVAL;
	/* a kdamond keeps the operations it started with */
	if (dst->kdamond == current && dst->ops.id != src->ops.id)
		return -EINVAL;
	stage = damon_new_ctx();
	if (!stage)
		return -ENOMEM;
	err = damon_stage_schemes(stage, src) ?:
		damon_stage_targets(stage, dst, src);
	if (!err) {
		if (dst->kdamond != current)
			dst->ops = src->ops;
		damon_take_schemes(dst, stage);
		damon_take_targets(dst, stage);
		damon_set_attrs(dst, &src->attrs);
		/* judge the new watermarks at once, not an old interval later */
		dst->next_wmarks_check = jiffies;
	}
	damon_destroy_ctx(stage);
	return err;
}

struct damon_commit_call {
	struct damon_ctx *dst;
	struct damon_ctx *src;
};

static int damon_commit_call_fn(void *data)
{
	struct damon_commit_call *commit = data;

	return damon_commit_ctx(commit->dst, commit->src);
}

/**
 * damon_commit_running() - Apply a context's parameters to a running one.
 * @dst:	The running context to update.
 * @src:	The context whose parameters to take; not modified.
 *
 * Has @dst's kdamond run damon_commit_ctx() and waits for it, as
 * damon_call() does.
 *
 * Return: what damon_commit_ctx() returned, or an error of damon_call().
 */
int damon_commit_running(struct damon_ctx *dst, struct damon_ctx *src)
{
	struct damon_commit_call commit = { .dst = dst, .src = src };
	struct damon_call_control control = {
		.fn = damon_commit_call_fn,
		.data = &commit,
	};

	return damon_call(dst, &control) ?: control.return_code;
}

/*
 * Adaptive regions adjustment
 */

/*
 * Split @r in two at @sz_left bytes from its start.  Both pieces keep @r's
 * monitoring results: the access pattern of a piece is best guessed by that
 * of the whole.
 */
static void damon_split_region_at(struct damon_target *t,
				  struct damon_region *r, unsigned long sz_left)
{
	struct damon_region *right;

	right = damon_new_region(r->ar.start + sz_left, r->ar.end);
	if (!right)
		return;
	damon_copy_results(right, r);
	right->sampling_addr = right->ar.start;
	r->ar.end = right->ar.start;
	damon_insert_region(right, r, t);
}

/* How far apart two counters are. */
static unsigned int damon_diff(unsigned int a, unsigned int b)
{
	return a > b ? a - b : b - a;
}

/*
 * Size-weighted mean of @a and @b, rounded down: the smaller value plus the
 * difference times the bigger value's share of the size.  That avoids the
 * product of a counter and a size, which for regions of terabytes would not
 * fit in 64 bits.
 */
static unsigned int damon_weighted_mean(unsigned int a, unsigned long sz_a,
					unsigned int b, unsigned long sz_b)
{
	if (a < b) {
		swap(a, b);
		swap(sz_a, sz_b);
	}
	return b + mul_u64_u64_div_u64(a - b, sz_a, sz_a + sz_b);
}

/* Absorb @r, which must directly follow @l, into @l. */
static void damon_merge_two_regions(struct damon_target *t,
				    struct damon_region *l, struct damon_region *r)
{
	unsigned long sz_l = damon_sz_region(l), sz_r = damon_sz_region(r);

	l->nr_accesses = damon_weighted_mean(l->nr_accesses, sz_l,
					     r->nr_accesses, sz_r);
	l->last_nr_accesses = damon_weighted_mean(l->last_nr_accesses, sz_l,
						  r->last_nr_accesses, sz_r);
	l->age = damon_weighted_mean(l->age, sz_l, r->age, sz_r);
	l->ar.end = r->ar.end;
	damon_destroy_region(r, t);
}

/*
 * Merge every run of adjacent regions of @t whose access frequencies differ
 * by at most @thres, as long as a merged region stays within @sz_limit.
 */
static void damon_merge_regions_of(struct damon_target *t, unsigned int thres,
				   unsigned long sz_limit)
{
	struct damon_region *r, *next, *prev = NULL;

	damon_for_each_region_safe(r, next, t) {
		if (prev && prev->ar.end == r->ar.start &&
		    damon_diff(prev->nr_accesses, r->nr_accesses) <= thres &&
		    damon_sz_region(prev) + damon_sz_region(r) <= sz_limit) {
			damon_merge_two_regions(t, prev, r);
			continue;
		}
		prev = r;
	}
}

/*
 * The most regions the kdamond makes: max_nr_regions, but never so many
 * that their bookkeeping would take more than a small share of the memory
 * (a region costs less than a tenth of a page; this allows one region per
 * 16 pages).  Without it, min_nr_regions and max_nr_regions in the
 * billions over a huge physical range would have the kdamond allocate
 * until the system runs out of memory.
 */
static unsigned long damon_regions_limit(struct damon_ctx *ctx)
{
	return min(ctx->attrs.max_nr_regions,
		   max(totalram_pages() / 16, 1000UL));
}

static unsigned long damon_nr_regions_of_ctx(struct damon_ctx *ctx)
{
	struct damon_target *t;
	unsigned long nr = 0;

	damon_for_each_target(t, ctx)
		nr += t->nr_regions;
	return nr;
}

/*
 * Merge regions with similar access frequencies.  While there are more than
 * max_nr_regions, the similarity threshold doubles (from one, if it was
 * zero), so the count comes back within limits within a logarithmic number
 * of passes; once it allows any difference, every pass is the last.
 */
static void kdamond_merge_regions(struct damon_ctx *ctx, unsigned int thres,
				  unsigned long sz_limit)
{
	unsigned int max_thres = damon_max_nr_accesses(&ctx->attrs);
	struct damon_target *t;

	do {
		damon_for_each_target(t, ctx)
			damon_merge_regions_of(t, thres, sz_limit);
		if (thres >= max_thres)
			break;
		thres = thres > max_thres / 2 ? max_thres : max(thres * 2, 1U);
	} while (damon_nr_regions_of_ctx(ctx) > damon_regions_limit(ctx));
}

/*
 * Split every region of @t that is big enough into @nr_pieces pieces of
 * random sizes.  Returns the number of regions added.
 */
static unsigned long damon_split_regions_of(struct damon_target *t,
					    unsigned int nr_pieces)
{
	struct damon_region *r, *next;
	unsigned long added = 0;
	unsigned int i;

	damon_for_each_region_safe(r, next, t) {
		for (i = 1; i < nr_pieces; i++) {
			unsigned long sz = damon_sz_region(r), sz_left;

			if (sz < 2 * DAMON_MIN_REGION)
				break;
			/* somewhere between a tenth and nine tenths */
			sz_left = ALIGN_DOWN(sz / 10 * damon_rand(1, 10),
					     DAMON_MIN_REGION);
			if (!sz_left || sz_left >= sz)
				break;
			damon_split_region_at(t, r, sz_left);
			if (damon_next_region(r) == next)
				break;	/* allocation failed */
			added++;
			r = damon_next_region(r);
		}
	}
	return added;
}

/*
 * Split regions to find finer access patterns in the next aggregation
 * interval.  Splitting in two keeps the count under max_nr_regions.  When
 * the count is back where it was before the previous split, merging undid
 * that split: the boundaries worth finding may lie where a cut in two never
 * falls (the middle of a region), so try three pieces.
 */
static void kdamond_split_regions(struct damon_ctx *ctx)
{
	unsigned long nr = damon_nr_regions_of_ctx(ctx);
	unsigned int nr_pieces = 2;
	struct damon_target *t;

	if (nr > damon_regions_limit(ctx) / 2)
		return;
	if (nr == ctx->nr_regions_before_split &&
	    nr < damon_regions_limit(ctx) / 3)
		nr_pieces = 3;
	ctx->nr_regions_before_split = nr;
	damon_for_each_target(t, ctx)
		damon_split_regions_of(t, nr_pieces);
}

/*
 * The biggest size a merge may produce: regions stay small enough that at
 * least min_nr_regions of them cover the monitored memory.
 */
static unsigned long damon_region_sz_limit(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	unsigned long sz = 0;

	damon_for_each_target(t, ctx)
		damon_for_each_region(r, t)
			sz += damon_sz_region(r);
	sz /= ctx->attrs.min_nr_regions;
	return max_t(unsigned long, ALIGN_DOWN(sz, DAMON_MIN_REGION),
		     DAMON_MIN_REGION);
}

/*
 * Split regions bigger than @sz_limit into equal pieces, so that a context
 * starts (and stays after range updates) with at least min_nr_regions
 * regions, but never more than damon_regions_limit().
 */
static void damon_split_to_limit(struct damon_ctx *ctx, unsigned long sz_limit)
{
	unsigned long nr = damon_nr_regions_of_ctx(ctx);
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			while (damon_sz_region(r) > sz_limit &&
			       nr < damon_regions_limit(ctx)) {
				struct damon_region *next = damon_next_region(r);

				damon_split_region_at(t, r, sz_limit);
				if (damon_next_region(r) == next)
					return;	/* allocation failed */
				nr++;
				r = damon_next_region(r);
			}
		}
	}
}

/*
 * Aggregation
 */

/*
 * The change of nr_accesses between two aggregation intervals that makes a
 * region young again, and the difference up to which neighbours merge: a
 * tenth of the highest frequency the interval actually saw.  Measured
 * against what was seen rather than what is possible, a mostly idle address
 * space keeps its rarely accessed regions apart from its never accessed
 * ones, while a busy one is not split by sampling noise.
 */
static unsigned int damon_similarity_thres(struct damon_ctx *ctx)
{
	return ctx->max_nr_accesses / 10;
}

static void damon_age_region(struct damon_region *r, unsigned int thres)
{
	if (damon_diff(r->nr_accesses, r->last_nr_accesses) > thres)
		r->age = 0;
	else if (r->age < UINT_MAX)
		r->age++;
}

static void kdamond_age_regions(struct damon_ctx *ctx)
{
	unsigned int thres = damon_similarity_thres(ctx);
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx)
		damon_for_each_region(r, t)
			damon_age_region(r, thres);
}

static void kdamond_report_aggregated(struct damon_ctx *ctx)
{
	unsigned int ti = 0;
	struct damon_target *t;
	struct damon_region *r;

	if (!trace_damon_aggregated_enabled())
		return;
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t)
			trace_damon_aggregated(ti, r, t->nr_regions);
		ti++;
	}
}

/* Start a new aggregation interval. */
static void kdamond_reset_aggregated(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->last_nr_accesses = r->nr_accesses;
			r->nr_accesses = 0;
		}
	}
}

/*
 * DAMOS: applying schemes
 */

/*
 * Whether @r has the access pattern @p.  Schemes may run in the middle of
 * an aggregation interval, so the frequency is the current estimate.
 */
static bool damos_pattern_match(struct damon_ctx *ctx,
				struct damos_access_pattern *p,
				struct damon_region *r)
{
	unsigned long sz = damon_sz_region(r);
	unsigned int nr_accesses = damon_nr_accesses_now(ctx, r);

	return p->min_sz_region <= sz && sz <= p->max_sz_region &&
		p->min_nr_accesses <= nr_accesses &&
		nr_accesses <= p->max_nr_accesses &&
		p->min_age_region <= r->age && r->age <= p->max_age_region;
}

/*
 * The range of an address filter on the region grid: every page it touches.
 * Splitting and matching both use it, so a region is never half filtered.
 */
static struct damon_addr_range damos_filter_range(struct damos_filter *f)
{
	unsigned long top = ALIGN_DOWN(ULONG_MAX, DAMON_MIN_REGION);
	struct damon_addr_range range = {
		.start = ALIGN_DOWN(f->addr_range.start, DAMON_MIN_REGION),
		.end = f->addr_range.end,
	};

	range.end = range.end > top ? ULONG_MAX :
		ALIGN(range.end, DAMON_MIN_REGION);
	return range;
}

/* Whether the address or target filter @f matches the whole of @r. */
static bool damos_core_filter_match(struct damos_filter *f,
				    unsigned int target_idx, struct damon_region *r)
{
	struct damon_addr_range range;

	switch (f->type) {
	case DAMOS_FILTER_TYPE_TARGET:
		return f->target_idx == target_idx;
	case DAMOS_FILTER_TYPE_ADDR:
		range = damos_filter_range(f);
		return range.start <= r->ar.start && r->ar.end <= range.end;
	default:
		return false;
	}
}

/*
 * Make the address filters of @s decide for all of @r or none of it, by
 * cutting @r at the lowest filter boundary strictly inside it.  The piece
 * left then has no boundary inside; the rest is visited as a region of its
 * own, and cut again if needed.
 */
static void damos_split_at_filters(struct damon_target *t,
				   struct damon_region *r, struct damos *s)
{
	unsigned long cut = r->ar.end;
	struct damon_addr_range range;
	struct damos_filter *f;

	damos_for_each_filter(f, s) {
		if (f->type != DAMOS_FILTER_TYPE_ADDR)
			continue;
		range = damos_filter_range(f);
		if (r->ar.start < range.start && range.start < cut)
			cut = range.start;
		if (r->ar.start < range.end && range.end < cut)
			cut = range.end;
	}
	if (cut < r->ar.end)
		damon_split_region_at(t, r, cut - r->ar.start);
}

/* Whether the core-judged filters of @s leave @r out. */
static bool damos_core_filter_out(struct damos *s, unsigned int target_idx,
				  struct damon_region *r)
{
	struct damos_filter *f;

	damos_for_each_filter(f, s) {
		if (f->type != DAMOS_FILTER_TYPE_ADDR &&
		    f->type != DAMOS_FILTER_TYPE_TARGET)
			continue;
		if (damos_core_filter_match(f, target_idx, r) == f->matching)
			return true;
	}
	return false;
}

/* Whether a goal of @q can tune it: one that aims at zero is ignored. */
static bool damos_has_goal(struct damos_quota *q)
{
	struct damos_quota_goal *g;

	damos_for_each_quota_goal(g, q) {
		if (g->target_value)
			return true;
	}
	return false;
}

static bool damos_quota_set(struct damos_quota *q)
{
	return q->ms || q->sz || damos_has_goal(q);
}

/* Bytes @s may still act on in this charge window; ULONG_MAX if unlimited. */
static unsigned long damos_quota_left(struct damos *s)
{
	struct damos_quota *q = &s->quota;

	if (!damos_quota_set(q))
		return ULONG_MAX;
	/*
	 * The bytes are an estimate from the past throughput; the time quota
	 * also holds by the clock, when the action turns slower than it was.
	 */
	if (q->ms && q->charged_ns / NSEC_PER_MSEC >= q->ms)
		return 0;
	return q->esz > q->charged_sz ? q->esz - q->charged_sz : 0;
}

/* Whether @s has no page left to act on in this charge window. */
static bool damos_quota_spent(struct damos *s)
{
	return damos_quota_left(s) < DAMON_MIN_REGION;
}

static int damos_score(struct damon_ctx *ctx, struct damon_target *t,
		       struct damon_region *r, struct damos *s)
{
	if (!ctx->ops.get_scheme_score)
		return DAMOS_MAX_SCORE;
	return clamp(ctx->ops.get_scheme_score(ctx, t, r, s), 0,
		     DAMOS_MAX_SCORE);
}

/* The context's index among the kdamond's contexts: one each, for now. */
#define DAMON_CTX_IDX	0

/*
 * Remember where the quota of @s ran out, right after @r (the region of
 * target @target_idx it was spent on last), for the next charge window to
 * resume there.  Running out at the very end of the last target needs no
 * mark: the next window starts from the beginning anyway.
 */
static void damos_mark_resume(struct damon_ctx *ctx, struct damon_target *t,
			      unsigned int target_idx, struct damon_region *r,
			      struct damos *s)
{
	struct damos_quota *q = &s->quota;

	if (!damos_quota_spent(s))
		return;
	q->resume = !(r == damon_last_region(t) &&
		      list_is_last(&t->list, &ctx->adaptive_targets));
	q->resume_target = target_idx;
	q->resume_addr = r->ar.end;
}

static void damos_walk_visit(struct damon_ctx *ctx, struct damon_target *t,
			     struct damon_region *r, struct damos *s,
			     unsigned long sz_filter_passed);

/*
 * When an action starting at @now runs out of the time left in the charge
 * window of @q: 0 (no limit) without a time quota.  damos_quota_left() let
 * the action start, so some time is left.
 */
static ktime_t damos_act_deadline(struct damos_quota *q, ktime_t now)
{
	u64 budget;

	if (!q->ms || check_mul_overflow((u64)q->ms, (u64)NSEC_PER_MSEC,
					 &budget))
		return 0;
	budget -= min_t(u64, budget, q->charged_ns);
	if (budget > (u64)(KTIME_MAX - now))
		return 0;
	return ktime_add_ns(now, budget);
}

/* Act on one region that passed the pattern, filters and score checks. */
static void damos_apply_region(struct damon_ctx *ctx, struct damon_target *t,
			       unsigned int target_idx, unsigned int scheme_idx,
		struct damon_region *r, struct damos *s)
{
	unsigned long left = damos_quota_left(s), sz, applied = 0;
	unsigned long sz_filter_passed = 0;
	struct damos_quota *q = &s->quota;
	ktime_t begin;
	s64 ns;

	if (damon_sz_region(r) > left) {
		if (left < DAMON_MIN_REGION)
			return;
		damon_split_region_at(t, r, ALIGN_DOWN(left, DAMON_MIN_REGION));
	}
	sz = damon_sz_region(r);
	trace_damos_before_apply(DAMON_CTX_IDX, scheme_idx, target_idx, r,
				 damon_nr_accesses_now(ctx, r), t->nr_regions);
	begin = ktime_get();
	q->act_deadline = damos_act_deadline(q, begin);
	if (ctx->ops.apply_scheme)
		applied = ctx->ops.apply_scheme(ctx, t, r, s,
						&sz_filter_passed);
	q->act_deadline = 0;
	ns = ktime_to_ns(ktime_sub(ktime_get(), begin));
	q->charged_ns += ns;
	q->total_charged_ns += ns;
	q->charged_sz += sz;
	q->total_charged_sz += sz;
	damos_walk_visit(ctx, t, r, s, sz_filter_passed);
	s->stat.nr_tried++;
	s->stat.sz_tried += sz;
	s->stat.sz_ops_filter_passed += sz_filter_passed;
	if (applied) {
		s->stat.nr_applied++;
		s->stat.sz_applied += applied;
	}
	/*
	 * The region just changed under the action (paged out, promoted,
	 * ...): how long it kept its old access pattern no longer says much,
	 * and a scheme that prioritises or filters by age must not pick it
	 * again and again.  Only counting leaves it as it was.
	 */
	if (s->action != DAMOS_STAT)
		r->age = 0;
	damos_mark_resume(ctx, t, target_idx, r, s);
}

static void damos_try_region(struct damon_ctx *ctx, struct damon_target *t,
			     unsigned int target_idx, unsigned int scheme_idx,
		struct damon_region *r, struct damos *s)
{
	if (!damos_pattern_match(ctx, &s->pattern, r))
		return;
	damos_split_at_filters(t, r, s);
	if (damos_core_filter_out(s, target_idx, r))
		return;
	if (damos_quota_spent(s))
		return;
	if (s->quota.min_score &&
	    damos_score(ctx, t, r, s) < s->quota.min_score)
		return;
	damos_apply_region(ctx, t, target_idx, scheme_idx, r, s);
}

/*
 * Find the lowest priority score that regions of @s need so that those
 * matching it fit in the quota: the quota then goes to the best regions
 * instead of the first ones in address order.
 */
static void damos_set_min_score(struct damon_ctx *ctx, struct damos *s)
{
	unsigned long hist[DAMOS_MAX_SCORE + 1] = {};
	unsigned long left = damos_quota_left(s), sum = 0;
	struct damon_target *t;
	struct damon_region *r;
	int score;

	s->quota.min_score = 0;
	if (left == ULONG_MAX || !ctx->ops.get_scheme_score)
		return;
	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			if (damos_pattern_match(ctx, &s->pattern, r))
				hist[damos_score(ctx, t, r, s)] +=
					damon_sz_region(r);
		}
	}
	for (score = DAMOS_MAX_SCORE; score > 0; score--) {
		sum += hist[score];
		if (sum >= left)
			break;
	}
	s->quota.min_score = score;
}

/*
 * DAMOS: quotas and their goals
 */

/*
 * A guess of the action's throughput before anything was measured: a low
 * one, as the first window applies the action to that many bytes whatever
 * they cost (reclaim under emulation does less than 64 KiB per ms), and the
 * measured throughput takes over from the second window on.
 */
#define DAMOS_DEFAULT_BYTES_PER_MS	(SZ_64K)
/* Where goal-based tuning of the size quota starts. */
#define DAMOS_GOAL_INITIAL_SZ		(SZ_1M)

static unsigned long damos_psi_mem_some_us(struct damos_quota_goal *g)
{
#ifdef CONFIG_PSI
	u64 total = READ_ONCE(psi_system.total[PSI_AVGS][PSI_MEM_SOME]);
	u64 delta = total - g->last_psi_total;

	g->last_psi_total = total;
	return div_u64(delta, NSEC_PER_USEC);
#else
	return 0;
#endif
}

/* Refresh the goals' current values that the kernel itself can measure. */
static void damos_update_goal_values(struct damos_quota *q)
{
	struct damos_quota_goal *g;

	damos_for_each_quota_goal(g, q) {
		if (g->metric == DAMOS_QUOTA_SOME_MEM_PSI_US)
			g->current_value = damos_psi_mem_some_us(g);
	}
}

/* Goal achievement in basis points: 10000 is on target. */
#define DAMOS_GOAL_BP		10000UL

/*
 * How far the goals are reached, in basis points, capped at twice the
 * target.  With several goals the most achieved one decides: the quota is
 * only as aggressive as the least demanding goal needs, so that it does not
 * keep growing for a goal that is already met by another path.  Goals that
 * aim at zero are ignored.
 */
static unsigned long damos_goal_achievement_bp(struct damos_quota *q)
{
	unsigned long best = 0, bp;
	struct damos_quota_goal *g;

	damos_for_each_quota_goal(g, q) {
		if (!g->target_value)
			continue;
		bp = min_t(u64, div64_u64((u64)g->current_value *
					  DAMOS_GOAL_BP, g->target_value),
			   2 * DAMOS_GOAL_BP);
		best = max(best, bp);
	}
	return best;
}

/*
 * Feedback step of the goal-tuned size: move it by its own size times the
 * relative distance to the goal, up while the goal is missed, down while it
 * is overshot.  At twice the goal or more it drops to the minimum, one byte,
 * from where it can grow again as soon as the goal is missed.
 */
static unsigned long damos_tune_size(unsigned long sz, unsigned long bp)
{
	unsigned long step;

	if (bp >= 2 * DAMOS_GOAL_BP)
		return 1;
	if (bp < DAMOS_GOAL_BP) {
		step = max(mult_frac(sz, DAMOS_GOAL_BP - bp, DAMOS_GOAL_BP),
			   1UL);
		return sz > ULONG_MAX - step ? ULONG_MAX : sz + step;
	}
	step = mult_frac(sz, bp - DAMOS_GOAL_BP, DAMOS_GOAL_BP);
	return sz > step ? sz - step : 1;
}

static void damos_set_effective_quota(struct damos_quota *q)
{
	unsigned long esz = ULONG_MAX;

	if (!damos_quota_set(q)) {
		q->esz = 0;
		return;
	}
	if (q->ms) {
		unsigned long per_ms = DAMOS_DEFAULT_BYTES_PER_MS;

		/* total bytes over total milliseconds: cannot overflow */
		if (q->total_charged_ns >= NSEC_PER_MSEC)
			per_ms = div64_u64(q->total_charged_sz,
					   q->total_charged_ns / NSEC_PER_MSEC);
		if (check_mul_overflow(per_ms, q->ms, &esz))
			esz = ULONG_MAX;
	}
	if (damos_has_goal(q)) {
		damos_update_goal_values(q);
		q->esz_bp = damos_tune_size(q->esz_bp ?: DAMOS_GOAL_INITIAL_SZ,
					    damos_goal_achievement_bp(q));
		esz = min(esz, q->esz_bp);
	}
	if (q->sz)
		esz = min(esz, q->sz);
	/* less than a page buys nothing in this window: damos_quota_spent() */
	q->esz = esz;
}

/* Open a new charge window when the current one is over. */
static void damos_charge_window(struct damos *s)
{
	struct damos_quota *q = &s->quota;

	if (!damos_quota_set(q)) {
		q->esz = 0;
		return;
	}
	if (time_before(jiffies, q->charged_from +
			damon_ms_to_jiffies(q->reset_interval)))
		return;
	if (damos_quota_spent(s))
		s->stat.qt_exceeds++;
	q->charged_from = jiffies;
	q->charged_sz = 0;
	q->charged_ns = 0;
	damos_set_effective_quota(q);
}

/*
 * Prepare @s for applying from @ctx's current time on: its first pass comes
 * one apply interval from now, when there is something to judge.
 */
static void damos_init_runtime(struct damon_ctx *ctx, struct damos *s)
{
	s->next_apply_sis = damos_next_apply(ctx, s);
	s->quota.resume = false;
	s->quota.charged_from = jiffies;
	s->quota.charged_sz = 0;
	s->quota.charged_ns = 0;
	damos_set_effective_quota(&s->quota);
	s->wmarks.activated = true;
	s->walk_completed = false;
}

/*
 * DAMOS: watermarks
 */

static unsigned long damos_wmark_metric_value(enum damos_wmark_metric metric)
{
	switch (metric) {
	case DAMOS_WMARK_FREE_MEM_RATE:
		return global_zone_page_state(NR_FREE_PAGES) * 1000 /
			max(totalram_pages(), 1UL);
	default:
		return 0;
	}
}

/* Activate or deactivate @s by its watermarks; inside [low, high] the
 * scheme needs the value below mid to start, and keeps running above it.
 */
static void damos_check_wmarks(struct damos *s)
{
	struct damos_watermarks *w = &s->wmarks;
	unsigned long v;

	if (w->metric == DAMOS_WMARK_NONE) {
		w->activated = true;
		return;
	}
	v = damos_wmark_metric_value(w->metric);
	if (v > w->high || v < w->low)
		w->activated = false;
	else if (v < w->mid)
		w->activated = true;
}

/*
 * Check the watermarks when due.  Returns how long to sleep when every
 * scheme is deactivated (monitoring is pointless then), or zero.
 */
static unsigned long kdamond_wmarks_sleep_us(struct damon_ctx *ctx)
{
	unsigned long min_interval = ULONG_MAX, left_us;
	bool active = false;
	struct damos *s;

	if (list_empty(&ctx->schemes))
		return 0;
	damon_for_each_scheme(s, ctx) {
		/* a commit may have dropped the metric of an inactive one */
		if (s->wmarks.metric == DAMOS_WMARK_NONE)
			s->wmarks.activated = true;
		else
			min_interval = min(min_interval,
					   max(s->wmarks.interval, 1UL));
	}
	if (min_interval == ULONG_MAX)
		return 0;
	if (!time_before(jiffies, ctx->next_wmarks_check)) {
		damon_for_each_scheme(s, ctx)
			damos_check_wmarks(s);
		ctx->next_wmarks_check = jiffies +
			damon_us_to_jiffies(min_interval);
	}
	damon_for_each_scheme(s, ctx)
		active |= s->wmarks.activated;
	if (active)
		return 0;
	/* a nudge may have ended the last sleep early: sleep what is left */
	left_us = (unsigned long)jiffies_to_msecs(ctx->next_wmarks_check -
						  jiffies) * USEC_PER_MSEC;
	return left_us ? min(left_us, min_interval) : min_interval;
}

/*
 * DAMOS: the walk of the regions schemes are applied to (damos_walk())
 */

/* Start serving a walk requested since the last apply pass. */
static void damos_walk_begin(struct damon_ctx *ctx)
{
	struct damos_walk_control *walk;
	struct damos *s;

	mutex_lock(&ctx->walk_control_lock);
	walk = ctx->walk_control;
	if (walk && !walk->started) {
		damon_for_each_scheme(s, ctx)
			s->walk_completed = false;
		walk->started = true;
	}
	mutex_unlock(&ctx->walk_control_lock);
}

/*
 * Show @r, which @s was just applied to, to the walk under way, if any.  A
 * walk sees each scheme's regions for one full pass only.
 */
static void damos_walk_visit(struct damon_ctx *ctx, struct damon_target *t,
			     struct damon_region *r, struct damos *s,
			     unsigned long sz_filter_passed)
{
	struct damos_walk_control *walk;

	/* no walk, no lock: the common case costs a read */
	if (!READ_ONCE(ctx->walk_control) || s->walk_completed)
		return;
	/* held across walk_fn: a killed damos_walk() may not leave meanwhile */
	mutex_lock(&ctx->walk_control_lock);
	walk = ctx->walk_control;
	if (walk && walk->started)
		walk->walk_fn(walk->data, ctx, t, r, s, sz_filter_passed);
	mutex_unlock(&ctx->walk_control_lock);
}

/*
 * Complete the walk once every active scheme had a full apply pass since it
 * started, or unconditionally with @cancel.
 */
static void damos_walk_end(struct damon_ctx *ctx, bool cancel)
{
	struct damos_walk_control *walk;
	struct damos *s;

	mutex_lock(&ctx->walk_control_lock);
	walk = ctx->walk_control;
	if (!walk || (!cancel && !walk->started))
		goto out;
	damon_for_each_scheme(s, ctx) {
		if (!cancel && s->wmarks.activated && !s->walk_completed)
			goto out;
	}
	WRITE_ONCE(ctx->walk_control, NULL);
	walk->canceled = cancel;
	complete(&walk->completion);
out:
	mutex_unlock(&ctx->walk_control_lock);
}

/*
 * DAMOS: the apply pass
 */

static bool damos_due(struct damon_ctx *ctx, struct damos *s)
{
	return s->wmarks.activated &&
		ctx->passed_sample_intervals >= s->next_apply_sis;
}

/*
 * Where a pass starts: at the first region, or, when an earlier charge
 * window ran out of quota, at the address it stopped at.
 */
struct damos_pass_start {
	bool pending;		/* the start is still ahead */
	unsigned int target;
	unsigned long addr;
};

/*
 * Whether @r of target @ti lies before the start of the pass.  The region
 * the start falls into is cut there, its first piece skipped.  The start is
 * passed (and forgotten) at the first region at or after it, or at the
 * first target after its own, should its addresses have gone meanwhile.
 */
static bool damos_before_start(struct damos_pass_start *start,
			       struct damon_target *t, unsigned int ti,
			       struct damon_region *r)
{
	if (!start->pending)
		return false;
	if (ti < start->target)
		return true;
	if (ti == start->target && r->ar.start < start->addr) {
		/* marks are region ends: aligned, the cut is clean */
		if (start->addr < r->ar.end)
			damon_split_region_at(t, r, start->addr - r->ar.start);
		return true;
	}
	start->pending = false;
	return false;
}

/*
 * One scheme over every region of every target.  Schemes go one after the
 * other, so a region that a scheme splits (for its quota or filters) is not
 * visited again by the schemes before it.
 */
static void kdamond_apply_scheme(struct damon_ctx *ctx, struct damos *s,
				 unsigned int scheme_idx)
{
	struct damos_quota *q = &s->quota;
	struct damos_pass_start start = {
		.pending = q->resume,
		.target = q->resume_target,
		.addr = q->resume_addr,
	};
	unsigned int ti = 0;
	struct damon_target *t;
	struct damon_region *r;

	/* a mark, if any, is set again where this pass runs out */
	q->resume = false;
	damon_for_each_target(t, ctx) {
		/* open-coded so that the pieces of a split are visited too */
		for (r = damon_first_region(t); &r->list != &t->regions_list;
		     r = damon_next_region(r)) {
			if (damos_before_start(&start, t, ti, r))
				continue;
			damos_try_region(ctx, t, ti, scheme_idx, r, s);
		}
		ti++;
	}
}

/*
 * A full apply pass of a scheme that is due.  With its quota used up until
 * the charge window ends there is nothing to do; the pass still counts as
 * done, for the walks waiting on it.
 */
static void damos_apply_pass(struct damon_ctx *ctx, struct damos *s,
			     unsigned int scheme_idx)
{
	damos_charge_window(s);
	if (!damos_quota_spent(s)) {
		damos_set_min_score(ctx, s);
		kdamond_apply_scheme(ctx, s, scheme_idx);
	}
	s->next_apply_sis = damos_next_apply(ctx, s);
	s->walk_completed = true;
}

/* Apply the schemes that are due; called every sampling interval. */
static void kdamond_apply_schemes(struct damon_ctx *ctx)
{
	unsigned int si = 0;
	bool due = false;
	struct damos *s;

	damon_for_each_scheme(s, ctx)
		due |= damos_due(ctx, s);
	if (!due)
		return;
	damos_walk_begin(ctx);
	damon_for_each_scheme(s, ctx) {
		if (damos_due(ctx, s))
			damos_apply_pass(ctx, s, si);
		si++;
	}
	damos_walk_end(ctx, false);
}

/*
 * Running functions inside a kdamond (damon_call())
 */

/*
 * Run the pending calls, or with @cancel, cancel them all.  Each call is
 * taken off the list before its function runs, so that a caller who stops
 * waiting (it was killed) can tell whether the function is still to come.
 */
static void kdamond_call(struct damon_ctx *ctx, bool cancel)
{
	struct damon_call_control *control;
	LIST_HEAD(again);

	/* whatever is posted from now on nudges the next sleep */
	smp_store_mb(ctx->kdamond_nudged, false);
	for (;;) {
		mutex_lock(&ctx->call_controls_lock);
		control = list_first_entry_or_null(&ctx->call_controls,
						   struct damon_call_control,
						   list);
		if (control)
			list_del_init(&control->list);
		mutex_unlock(&ctx->call_controls_lock);
		if (!control)
			break;
		if (cancel) {
			control->canceled = true;
		} else {
			control->return_code = control->fn(control->data);
			if (control->repeat) {
				list_add_tail(&control->list, &again);
				continue;
			}
		}
		/* the caller may free @control as soon as it completes */
		complete(&control->completion);
	}
	if (list_empty(&again))
		return;
	mutex_lock(&ctx->call_controls_lock);
	list_splice_tail(&again, &ctx->call_controls);
	mutex_unlock(&ctx->call_controls_lock);
}

static bool damon_running_locked(struct damon_ctx *ctx)
{
	return ctx->kdamond && !ctx->kdamond_done;
}

/*
 * Tell the running kdamond that work was posted for it.  The flag, not the
 * wake-up alone, is what counts: a kdamond about to sleep, past its last
 * look at the work, would miss a bare wake-up and sleep its whole interval,
 * which the user may have set to an hour.  Called with kdamond_lock held.
 */
static void kdamond_nudge(struct damon_ctx *ctx)
{
	WRITE_ONCE(ctx->kdamond_nudged, true);
	wake_up_process(ctx->kdamond);
}

/**
 * damon_call() - Run a function inside a context's kdamond.
 * @ctx:	The context.
 * @control:	The function and its argument; see &struct damon_call_control.
 *
 * The kdamond runs @control->fn between two sampling intervals, when it may
 * safely read and change the context (e.g. with damon_commit_ctx()).  The
 * kdamond is woken for it, so it runs within the work of one sampling
 * interval whatever the intervals are.  Unless @control->repeat is set, this
 * waits until the function has run, so it must not be called with locks the
 * function takes; a fatal signal ends the wait, withdrawing the call if the
 * function did not start yet.  A repeated call runs every sampling interval
 * until the kdamond stops; @control must stay valid until then.  Called from
 * the kdamond itself, the function runs at once.
 *
 * Return: 0 once the function ran (its result is in @control->return_code),
 * -EINVAL if @ctx is not running, -ECANCELED if the kdamond stopped first,
 * -EINTR if the caller was killed before the function started.
 */
int damon_call(struct damon_ctx *ctx, struct damon_call_control *control)
{
	init_completion(&control->completion);
	control->canceled = false;
	INIT_LIST_HEAD(&control->list);

	if (current == READ_ONCE(ctx->kdamond)) {
		control->return_code = control->fn(control->data);
		return 0;
	}
	mutex_lock(&ctx->kdamond_lock);
	if (!damon_running_locked(ctx)) {
		mutex_unlock(&ctx->kdamond_lock);
		return -EINVAL;
	}
	mutex_lock(&ctx->call_controls_lock);
	list_add_tail(&control->list, &ctx->call_controls);
	mutex_unlock(&ctx->call_controls_lock);
	kdamond_nudge(ctx);
	mutex_unlock(&ctx->kdamond_lock);

	if (control->repeat)
		return 0;
	if (wait_for_completion_killable(&control->completion)) {
		bool taken;

		/* withdraw the call, unless the kdamond is running it */
		mutex_lock(&ctx->call_controls_lock);
		taken = list_empty(&control->list);
		list_del_init(&control->list);
		mutex_unlock(&ctx->call_controls_lock);
		if (!taken)
			return -EINTR;
		wait_for_completion(&control->completion);
	}
	return control->canceled ? -ECANCELED : 0;
}

/**
 * damos_walk() - Visit the regions the schemes of a context act on.
 * @ctx:	The context.
 * @control:	The visitor; see &struct damos_walk_control.
 *
 * From the next apply pass of the kdamond on, @control->walk_fn is called
 * for every region a scheme is about to apply its action to, until every
 * scheme that the watermarks let run had one full pass.  Waits until then,
 * or until @control->timeout jiffies passed, which ends the walk where it
 * is (schemes with long apply intervals may not have had their pass), or
 * until a fatal signal, which cancels it.  One walk per context at a time.
 *
 * Return: 0 when the walk is done or timed out, -EINVAL if @ctx is not
 * running, -EBUSY if another walk is in progress, -ECANCELED if the kdamond
 * stopped first, -EINTR if the caller was killed.
 */
int damos_walk(struct damon_ctx *ctx, struct damos_walk_control *control)
{
	int err = 0;
	long left;

	init_completion(&control->completion);
	control->canceled = false;
	control->started = false;

	mutex_lock(&ctx->kdamond_lock);
	if (!damon_running_locked(ctx) || current == ctx->kdamond) {
		mutex_unlock(&ctx->kdamond_lock);
		return -EINVAL;
	}
	mutex_lock(&ctx->walk_control_lock);
	if (ctx->walk_control)
		err = -EBUSY;
	else
		WRITE_ONCE(ctx->walk_control, control);
	mutex_unlock(&ctx->walk_control_lock);
	if (!err)
		kdamond_nudge(ctx);
	mutex_unlock(&ctx->kdamond_lock);
	if (err)
		return err;

	left = control->timeout ?: MAX_SCHEDULE_TIMEOUT;
	left = wait_for_completion_killable_timeout(&control->completion, left);
	if (left <= 0) {
		bool mine;

		/* the kdamond calls walk_fn with the lock held: safe to leave */
		mutex_lock(&ctx->walk_control_lock);
		mine = ctx->walk_control == control;
		if (mine)
			WRITE_ONCE(ctx->walk_control, NULL);
		mutex_unlock(&ctx->walk_control_lock);
		if (mine)
			return left ? -EINTR : 0;
		wait_for_completion(&control->completion);
	}
	return control->canceled ? -ECANCELED : 0;
}

/*
 * The kdamond
 */

/*
 * Sleep for @us microseconds.  A long sleep ends early for kthread_stop()
 * and for posted work (kdamond_nudge()); both are checked after the task
 * state is set, so that a wake-up between the check and the sleep is not
 * lost.  Short sleeps, precise on hrtimers, just run out.
 */
static void kdamond_usleep(struct damon_ctx *ctx, unsigned long us)
{
	if (us < 20 * USEC_PER_MSEC) {
		usleep_idle_range(us, us + 1);
		return;
	}
	set_current_state(TASK_IDLE);
	if (!READ_ONCE(ctx->kdamond_nudged) && !kthread_should_stop())
		schedule_timeout(damon_us_to_jiffies(us));
	__set_current_state(TASK_RUNNING);
}

/* Whether some target is left to monitor; without a way to tell, yes. */
static bool damon_has_valid_target(struct damon_ctx *ctx)
{
	bool (*valid)(struct damon_target *t) = ctx->ops.target_valid;
	struct damon_target *t;

	damon_for_each_target(t, ctx) {
		if (!valid || valid(t))
			return true;
	}
	return !valid;
}

static bool kdamond_need_stop(struct damon_ctx *ctx)
{
	return kthread_should_stop() || !damon_has_valid_target(ctx);
}

/* Monitoring restarts from scratch: forget the results of a former run. */
static void kdamond_init(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;
	struct damos *s;

	damon_for_each_target(t, ctx) {
		damon_for_each_region(r, t) {
			r->nr_accesses = 0;
			r->last_nr_accesses = 0;
			r->age = 0;
		}
	}
	if (ctx->ops.init)
		ctx->ops.init(ctx);
	ctx->passed_sample_intervals = 0;
	ctx->next_aggregation_sis = damon_sis_after(ctx,
						    ctx->attrs.aggr_interval);
	ctx->next_ops_update_sis = damon_sis_after(ctx,
						   ctx->attrs.ops_update_interval);
	ctx->next_wmarks_check = jiffies;
	ctx->max_nr_accesses = 0;
	ctx->nr_regions_before_split = 0;
	damon_for_each_scheme(s, ctx)
		damos_init_runtime(ctx, s);
	damon_split_to_limit(ctx, damon_region_sz_limit(ctx));
}

/*
 * The end of an aggregation interval, before the schemes: age the regions
 * by what the interval saw, and merge those that turned out alike.
 */
static void kdamond_merge(struct damon_ctx *ctx)
{
	kdamond_age_regions(ctx);
	kdamond_merge_regions(ctx, damon_similarity_thres(ctx),
			      damon_region_sz_limit(ctx));
}

/*
 * The end of an aggregation interval, after the schemes: report the regions
 * as the schemes left them (ages reset, quota and filter cuts made), then
 * start the next interval with freshly split regions.
 */
static void kdamond_end_aggregation(struct damon_ctx *ctx)
{
	kdamond_report_aggregated(ctx);
	kdamond_reset_aggregated(ctx);
	kdamond_split_regions(ctx);
	ctx->next_aggregation_sis = damon_sis_after(ctx,
						    ctx->attrs.aggr_interval);
}

static void kdamond_update_ops(struct damon_ctx *ctx)
{
	if (ctx->ops.update)
		ctx->ops.update(ctx);
	damon_split_to_limit(ctx, damon_region_sz_limit(ctx));
	ctx->next_ops_update_sis = damon_sis_after(ctx,
						   ctx->attrs.ops_update_interval);
}

/*
 * One sampling interval.  Schemes are due at any sampling interval; at the
 * end of an aggregation interval they run between the merge and the reset,
 * so that they judge the regions by the whole interval.
 */
static void kdamond_sample(struct damon_ctx *ctx)
{
	bool aggregate;

	if (ctx->ops.prepare_access_checks)
		ctx->ops.prepare_access_checks(ctx);
	kdamond_usleep(ctx, ctx->attrs.sample_interval);
	if (kthread_should_stop())
		return;
	if (ctx->ops.check_accesses)
		ctx->max_nr_accesses = ctx->ops.check_accesses(ctx);
	ctx->passed_sample_intervals++;
	aggregate = ctx->passed_sample_intervals >= ctx->next_aggregation_sis;
	if (aggregate)
		kdamond_merge(ctx);
	kdamond_apply_schemes(ctx);
	if (aggregate)
		kdamond_end_aggregation(ctx);
	if (ctx->passed_sample_intervals >= ctx->next_ops_update_sis)
		kdamond_update_ops(ctx);
}

/*
 * The end of a kdamond's run, done once whoever gets there first: the
 * kdamond itself, or the stopper of a kdamond stopped before it ever ran.
 * Nobody may wait on it any more, the context looks stopped, and it no
 * longer counts as running.
 */
static void damon_kdamond_retire(struct damon_ctx *ctx)
{
	bool first;

	mutex_lock(&ctx->kdamond_lock);
	first = !ctx->kdamond_done;
	if (first) {
		kdamond_call(ctx, true);
		damos_walk_end(ctx, true);
		ctx->kdamond_done = true;
	}
	mutex_unlock(&ctx->kdamond_lock);
	if (!first)
		return;
	/* not nested in kdamond_lock: damon_start() takes them the other way */
	mutex_lock(&damon_lock);
	if (!--nr_running_ctxs)
		running_exclusive_ctxs = false;
	mutex_unlock(&damon_lock);
}

/*
 * Wind down and exit.  The context keeps a reference to the thread, so that
 * damon_stop() can still wait for it to be gone before its owner frees the
 * context (see damon_stop_kdamond()).
 */
static void kdamond_finish(struct damon_ctx *ctx)
{
	if (ctx->ops.cleanup)
		ctx->ops.cleanup(ctx);
	damon_kdamond_retire(ctx);
}

static int kdamond_fn(void *data)
{
	struct damon_ctx *ctx = data;

	kdamond_init(ctx);
	while (!kdamond_need_stop(ctx)) {
		unsigned long sleep_us;

		kdamond_call(ctx, false);
		sleep_us = kdamond_wmarks_sleep_us(ctx);
		if (sleep_us) {
			/* no scheme can act, so no walk can go further */
			damos_walk_begin(ctx);
			damos_walk_end(ctx, false);
			kdamond_usleep(ctx, sleep_us);
			continue;
		}
		kdamond_sample(ctx);
	}
	kdamond_finish(ctx);
	return 0;
}

/*
 * Starting and stopping
 */

/*
 * Stop and forget @ctx's kdamond, if it has one.  kthread_stop() also waits
 * for a kdamond that exited on its own, held by the context's reference:
 * once it returns, the thread is gone and touches the context no more.
 */
static void damon_stop_kdamond(struct damon_ctx *ctx)
{
	struct task_struct *tsk;

	mutex_lock(&ctx->kdamond_lock);
	tsk = ctx->kdamond;
	if (tsk)
		get_task_struct(tsk);
	mutex_unlock(&ctx->kdamond_lock);
	if (!tsk)
		return;

	/* without the lock: the kdamond takes it to finish */
	if (kthread_stop(tsk) == -EINTR)
		/* stopped before kdamond_fn() ever ran */
		damon_kdamond_retire(ctx);
	put_task_struct(tsk);

	mutex_lock(&ctx->kdamond_lock);
	if (ctx->kdamond == tsk) {
		ida_free(&damon_kdamond_ida, ctx->kdamond_id);
		ctx->kdamond = NULL;
		ctx->kdamond_done = false;
		put_task_struct(tsk);
	}
	mutex_unlock(&ctx->kdamond_lock);
}

/* Called with damon_lock held. */
static int __damon_start(struct damon_ctx *ctx)
{
	struct task_struct *tsk;
	int id, err = 0;

	mutex_lock(&ctx->kdamond_lock);
	if (ctx->kdamond) {
		err = -EBUSY;
		goto out;
	}
	id = ida_alloc(&damon_kdamond_ida, GFP_KERNEL);
	if (id < 0) {
		err = id;
		goto out;
	}
	tsk = kthread_create(kdamond_fn, ctx, "kdamond.%d", id);
	if (IS_ERR(tsk)) {
		ida_free(&damon_kdamond_ida, id);
		err = PTR_ERR(tsk);
		goto out;
	}
	/* the context's reference, put when the kdamond is reaped */
	get_task_struct(tsk);
	ctx->kdamond = tsk;
	ctx->kdamond_id = id;
	ctx->kdamond_done = false;
	wake_up_process(tsk);
out:
	mutex_unlock(&ctx->kdamond_lock);
	return err;
}

/**
 * damon_start() - Start monitoring with some contexts.
 * @ctxs:	The contexts.
 * @nr_ctxs:	Number of @ctxs.
 * @exclusive:	Refuse to run alongside any other context, and keep others
 *		from starting while these run.
 *
 * Starts one kdamond per context.  If one fails to start, those started
 * before it keep running.
 *
 * Return: 0 on success, -EINVAL if a context has a scheme no kdamond can
 * run (see damon_commit_ctx()), -EBUSY if exclusivity forbids it or a
 * context is already running, or another error from thread creation.
 */
int damon_start(struct damon_ctx **ctxs, int nr_ctxs, bool exclusive)
{
	int i, err = 0;

	for (i = 0; i < nr_ctxs; i++) {
		if (!damon_valid_schemes(ctxs[i]))
			return -EINVAL;
	}
	/*
	 * Reap kdamonds that finished on their own first, without damon_lock:
	 * reaping waits for them to be gone, and they take it on their way.
	 */
	for (i = 0; i < nr_ctxs; i++) {
		bool finished;

		mutex_lock(&ctxs[i]->kdamond_lock);
		finished = ctxs[i]->kdamond && ctxs[i]->kdamond_done;
		mutex_unlock(&ctxs[i]->kdamond_lock);
		if (finished)
			damon_stop_kdamond(ctxs[i]);
	}
	mutex_lock(&damon_lock);
	if (running_exclusive_ctxs || (exclusive && nr_running_ctxs))
		err = -EBUSY;
	for (i = 0; !err && i < nr_ctxs; i++) {
		err = __damon_start(ctxs[i]);
		nr_running_ctxs += !err;
	}
	running_exclusive_ctxs |= exclusive && nr_running_ctxs;
	mutex_unlock(&damon_lock);
	return err;
}

/**
 * damon_stop() - Stop the kdamonds of some contexts.
 * @ctxs:	The contexts.
 * @nr_ctxs:	Number of @ctxs.
 *
 * Returns once every kdamond has exited.  Those that had finished on their
 * own are reaped too.
 *
 * Return: 0, or -EPERM if a context was not running.
 */
int damon_stop(struct damon_ctx **ctxs, int nr_ctxs)
{
	int i, err = 0;

	for (i = 0; i < nr_ctxs; i++) {
		if (!damon_is_running(ctxs[i]))
			err = err ?: -EPERM;
		damon_stop_kdamond(ctxs[i]);
	}
	return err;
}

/**
 * damon_is_running() - Whether a context's kdamond is monitoring.
 * @ctx:	The context.
 *
 * Return: true from damon_start() until the kdamond stops or finishes.
 */
bool damon_is_running(struct damon_ctx *ctx)
{
	bool running;

	mutex_lock(&ctx->kdamond_lock);
	running = damon_running_locked(ctx);
	mutex_unlock(&ctx->kdamond_lock);
	return running;
}

/**
 * damon_kdamond_pid() - The pid of a context's kdamond.
 * @ctx:	The context.
 *
 * Return: the pid, or -1 if @ctx is not running.
 */
int damon_kdamond_pid(struct damon_ctx *ctx)
{
	int pid = -1;

	mutex_lock(&ctx->kdamond_lock);
	if (damon_running_locked(ctx))
		pid = ctx->kdamond->pid;
	mutex_unlock(&ctx->kdamond_lock);
	return pid;
}

/**
 * damon_nr_running_ctxs() - Number of running contexts.
 *
 * Return: how many kdamonds are monitoring.
 */
int damon_nr_running_ctxs(void)
{
	int nr;

	mutex_lock(&damon_lock);
	nr = nr_running_ctxs;
	mutex_unlock(&damon_lock);
	return nr;
}

/*
 * Defaults for physical address monitoring
 */

static int damon_take_bigger_ram(struct resource *res, void *arg)
{
	struct damon_addr_range *biggest = arg;

	if (resource_size(res) > biggest->end - biggest->start) {
		biggest->start = res->start;
		biggest->end = res->end + 1;
	}
	return 0;
}

/**
 * damon_set_region_biggest_system_ram_default() - Monitor a physical range.
 * @t:		The target.
 * @start:	In: first address, or zero along with @end for the default.
 *		Out: the first address used.
 * @end:	In: first address after the range, or zero.  Out: the one used.
 *
 * With zero @start and @end, the biggest "System RAM" resource is used.
 *
 * Return: 0 on success, -EINVAL for an inverted range, -ENOMEM.
 */
int damon_set_region_biggest_system_ram_default(struct damon_target *t,
						unsigned long *start, unsigned long *end)
{
	struct damon_addr_range range = {};

	if (*start > *end)
		return -EINVAL;
	if (!*start && !*end) {
		walk_system_ram_res(0, ULONG_MAX, &range,
				    damon_take_bigger_ram);
		*start = range.start;
		*end = range.end;
	}
	range.start = *start;
	range.end = *end;
	return damon_set_regions(t, &range, 1);
}

#ifdef CONFIG_DAMON_KUNIT_TEST
#include "tests/core-kunit.h"
#endif
