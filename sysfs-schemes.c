// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: the schemes directories.
 *
 * Below contexts/<N>/schemes/ every scheme is a numbered child whose data
 * (&struct damon_sysfs_scheme) holds all of its files, those of its fixed
 * subdirectories included.  Its quota goals, filters and tried regions are
 * numbered children again, with data of their own.
 */

#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/numa.h>
#include <linux/slab.h>

#include "sysfs-common.h"

struct damon_sysfs_pattern {
	struct damon_sysfs_range sz;
	struct damon_sysfs_range nr_accesses;
	struct damon_sysfs_range age;
};

struct damon_sysfs_weights {
	unsigned int sz;
	unsigned int nr_accesses;
	unsigned int age;
};

struct damon_sysfs_quotas {
	unsigned long ms;
	unsigned long bytes;
	unsigned long reset_interval_ms;
	unsigned long effective_bytes;
	struct damon_sysfs_weights weights;
	struct damon_sysfs_list goals;
};

struct damon_sysfs_wmarks {
	int metric;
	unsigned long interval_us;
	unsigned long high;
	unsigned long mid;
	unsigned long low;
};

/*
 * The tried regions directory.  Its list comes first: a directory of
 * numbered children is handed its data as a &struct damon_sysfs_list.
 */
struct damon_sysfs_tried {
	struct damon_sysfs_list regions;
	u64 total_bytes;
};

static_assert(offsetof(struct damon_sysfs_tried, regions) == 0);

struct damon_sysfs_scheme {
	int action;
	int target_nid;
	unsigned long apply_interval_us;
	struct damon_sysfs_pattern pattern;
	struct damon_sysfs_quotas quotas;
	struct damon_sysfs_wmarks wmarks;
	struct damon_sysfs_list filters;
	struct damos_stat stat;
	struct damon_sysfs_tried tried;
};

struct damon_sysfs_goal {
	int metric;
	unsigned long target_value;
	unsigned long current_value;
};

struct damon_sysfs_filter {
	int type;
	bool matching;
	char *memcg_path;
	unsigned long addr_start;
	unsigned long addr_end;
	int target_idx;
};

struct damon_sysfs_tried_region {
	unsigned long start;
	unsigned long end;
	unsigned int nr_accesses;
	unsigned int age;
	unsigned long sz_filter_passed;
};

static const char * const damon_sysfs_action_words[] = {
	[DAMOS_WILLNEED] = "willneed",
	[DAMOS_COLD] = "cold",
	[DAMOS_PAGEOUT] = "pageout",
	[DAMOS_HUGEPAGE] = "hugepage",
	[DAMOS_NOHUGEPAGE] = "nohugepage",
	[DAMOS_LRU_PRIO] = "lru_prio",
	[DAMOS_LRU_DEPRIO] = "lru_deprio",
	[DAMOS_MIGRATE_HOT] = "migrate_hot",
	[DAMOS_MIGRATE_COLD] = "migrate_cold",
	[DAMOS_STAT] = "stat",
};

static_assert(ARRAY_SIZE(damon_sysfs_action_words) == NR_DAMOS_ACTIONS);

static const char * const damon_sysfs_wmark_words[] = {
	[DAMOS_WMARK_NONE] = "none",
	[DAMOS_WMARK_FREE_MEM_RATE] = "free_mem_rate",
};

static_assert(ARRAY_SIZE(damon_sysfs_wmark_words) == NR_DAMOS_WMARK_METRICS);

static const char * const damon_sysfs_goal_words[] = {
	[DAMOS_QUOTA_USER_INPUT] = "user_input",
	[DAMOS_QUOTA_SOME_MEM_PSI_US] = "some_mem_psi_us",
};

static_assert(ARRAY_SIZE(damon_sysfs_goal_words) == NR_DAMOS_QUOTA_GOAL_METRICS);

static const char * const damon_sysfs_filter_words[] = {
	[DAMOS_FILTER_TYPE_ANON] = "anon",
	[DAMOS_FILTER_TYPE_MEMCG] = "memcg",
	[DAMOS_FILTER_TYPE_YOUNG] = "young",
	[DAMOS_FILTER_TYPE_ADDR] = "addr",
	[DAMOS_FILTER_TYPE_TARGET] = "target",
};

static_assert(ARRAY_SIZE(damon_sysfs_filter_words) == NR_DAMOS_FILTER_TYPES);

/* tried_regions/<N>/ */

static struct damon_sysfs_file damon_sysfs_tried_region_files[] = {
	DAMON_SYSFS_VAL(start, DAMON_SYSFS_RO, DAMON_SYSFS_ULONG,
			struct damon_sysfs_tried_region, start),
	DAMON_SYSFS_VAL(end, DAMON_SYSFS_RO, DAMON_SYSFS_ULONG,
			struct damon_sysfs_tried_region, end),
	DAMON_SYSFS_VAL(nr_accesses, DAMON_SYSFS_RO, DAMON_SYSFS_UINT,
			struct damon_sysfs_tried_region,
			nr_accesses),
	DAMON_SYSFS_VAL(age, DAMON_SYSFS_RO, DAMON_SYSFS_UINT,
			struct damon_sysfs_tried_region, age),
	DAMON_SYSFS_VAL(sz_filter_passed, DAMON_SYSFS_RO, DAMON_SYSFS_ULONG,
			struct damon_sysfs_tried_region, sz_filter_passed),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_tried_region_dir = {
	.files = damon_sysfs_tried_region_files,
	.data_size = sizeof(struct damon_sysfs_tried_region),
};

/* tried_regions/: numbered by the kernel, so it has no count file */

static struct damon_sysfs_file damon_sysfs_tried_files[] = {
	DAMON_SYSFS_VAL(total_bytes, DAMON_SYSFS_RO, DAMON_SYSFS_U64, struct damon_sysfs_tried,
			total_bytes),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_tried_dir = {
	.files = damon_sysfs_tried_files,
	.elem = &damon_sysfs_tried_region_dir,
};

/* stats/ */

static struct damon_sysfs_file damon_sysfs_stats_files[] = {
	DAMON_SYSFS_VAL(nr_tried, DAMON_SYSFS_RO, DAMON_SYSFS_ULONG, struct damos_stat, nr_tried),
	DAMON_SYSFS_VAL(sz_tried, DAMON_SYSFS_RO, DAMON_SYSFS_ULONG, struct damos_stat, sz_tried),
	DAMON_SYSFS_VAL(nr_applied, DAMON_SYSFS_RO, DAMON_SYSFS_ULONG, struct damos_stat,
			nr_applied),
	DAMON_SYSFS_VAL(sz_applied, DAMON_SYSFS_RO, DAMON_SYSFS_ULONG, struct damos_stat,
			sz_applied),
	DAMON_SYSFS_VAL(sz_ops_filter_passed, DAMON_SYSFS_RO, DAMON_SYSFS_ULONG, struct damos_stat,
			sz_ops_filter_passed),
	DAMON_SYSFS_VAL(qt_exceeds, DAMON_SYSFS_RO, DAMON_SYSFS_ULONG, struct damos_stat,
			qt_exceeds),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_stats_dir = {
	.files = damon_sysfs_stats_files,
};

/* filters/<N>/ */

static void damon_sysfs_filter_fini(void *data)
{
	struct damon_sysfs_filter *filter = data;

	kfree(filter->memcg_path);
	filter->memcg_path = NULL;
}

static struct damon_sysfs_file damon_sysfs_filter_files[] = {
	DAMON_SYSFS_WORDS(type, struct damon_sysfs_filter, type, damon_sysfs_filter_words,
			  NR_DAMOS_FILTER_TYPES),
	DAMON_SYSFS_VAL(matching, DAMON_SYSFS_RW, DAMON_SYSFS_BOOL,
			struct damon_sysfs_filter, matching),
	DAMON_SYSFS_VAL(memcg_path, DAMON_SYSFS_RW, DAMON_SYSFS_STR, struct damon_sysfs_filter,
			memcg_path),
	DAMON_SYSFS_VAL(addr_start, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_filter,
			addr_start),
	DAMON_SYSFS_VAL(addr_end, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG,
			struct damon_sysfs_filter, addr_end),
	DAMON_SYSFS_VAL(damon_target_idx, DAMON_SYSFS_RW, DAMON_SYSFS_INT,
			struct damon_sysfs_filter,
			target_idx),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_filter_dir = {
	.files = damon_sysfs_filter_files,
	.data_size = sizeof(struct damon_sysfs_filter),
	.fini = damon_sysfs_filter_fini,
};

/* filters/ */

static struct damon_sysfs_file damon_sysfs_filters_files[] = {
	DAMON_SYSFS_COUNT(nr_filters),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_filters_dir = {
	.files = damon_sysfs_filters_files,
	.elem = &damon_sysfs_filter_dir,
};

/* watermarks/ */

static struct damon_sysfs_file damon_sysfs_wmarks_files[] = {
	DAMON_SYSFS_WORDS(metric, struct damon_sysfs_wmarks, metric, damon_sysfs_wmark_words,
			  NR_DAMOS_WMARK_METRICS),
	DAMON_SYSFS_VAL(interval_us, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_wmarks,
			interval_us),
	DAMON_SYSFS_VAL(high, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_wmarks, high),
	DAMON_SYSFS_VAL(mid, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_wmarks, mid),
	DAMON_SYSFS_VAL(low, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_wmarks, low),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_wmarks_dir = {
	.files = damon_sysfs_wmarks_files,
};

/* quotas/goals/<N>/ */

static struct damon_sysfs_file damon_sysfs_goal_files[] = {
	DAMON_SYSFS_WORDS(target_metric, struct damon_sysfs_goal, metric, damon_sysfs_goal_words,
			  NR_DAMOS_QUOTA_GOAL_METRICS),
	DAMON_SYSFS_VAL(target_value, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_goal,
			target_value),
	DAMON_SYSFS_VAL(current_value, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_goal,
			current_value),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_goal_dir = {
	.files = damon_sysfs_goal_files,
	.data_size = sizeof(struct damon_sysfs_goal),
};

/* quotas/goals/ */

static struct damon_sysfs_file damon_sysfs_goals_files[] = {
	DAMON_SYSFS_COUNT(nr_goals),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_goals_dir = {
	.files = damon_sysfs_goals_files,
	.elem = &damon_sysfs_goal_dir,
};

/* quotas/weights/ */

static struct damon_sysfs_file damon_sysfs_weights_files[] = {
	DAMON_SYSFS_VAL(sz_permil, DAMON_SYSFS_RW, DAMON_SYSFS_UINT,
			struct damon_sysfs_weights, sz),
	DAMON_SYSFS_VAL(nr_accesses_permil, DAMON_SYSFS_RW, DAMON_SYSFS_UINT,
			struct damon_sysfs_weights,
			nr_accesses),
	DAMON_SYSFS_VAL(age_permil, DAMON_SYSFS_RW, DAMON_SYSFS_UINT,
			struct damon_sysfs_weights, age),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_weights_dir = {
	.files = damon_sysfs_weights_files,
};

/* quotas/ */

static struct damon_sysfs_file damon_sysfs_quotas_files[] = {
	DAMON_SYSFS_VAL(ms, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_quotas, ms),
	DAMON_SYSFS_VAL(bytes, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_quotas, bytes),
	DAMON_SYSFS_VAL(reset_interval_ms, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG,
			struct damon_sysfs_quotas,
			reset_interval_ms),
	DAMON_SYSFS_VAL(effective_bytes, DAMON_SYSFS_RO, DAMON_SYSFS_ULONG,
			struct damon_sysfs_quotas,
			effective_bytes),
	{ }
};

static const struct damon_sysfs_subdir damon_sysfs_quotas_subdirs[] = {
	{ "weights", &damon_sysfs_weights_dir, offsetof(struct damon_sysfs_quotas, weights) },
	{ "goals", &damon_sysfs_goals_dir, offsetof(struct damon_sysfs_quotas, goals) },
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_quotas_dir = {
	.files = damon_sysfs_quotas_files,
	.subdirs = damon_sysfs_quotas_subdirs,
};

/* access_pattern/ */

static const struct damon_sysfs_subdir damon_sysfs_pattern_subdirs[] = {
	{ "sz", &damon_sysfs_range_dir, offsetof(struct damon_sysfs_pattern, sz) },
	{ "nr_accesses", &damon_sysfs_range_dir,
	  offsetof(struct damon_sysfs_pattern, nr_accesses) },
	{ "age", &damon_sysfs_range_dir, offsetof(struct damon_sysfs_pattern, age) },
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_pattern_dir = {
	.subdirs = damon_sysfs_pattern_subdirs,
};

/* schemes/<N>/ */

/*
 * A new scheme counts (stat) the regions of an access pattern that is all
 * zeros, which matches nothing: nothing happens until the user says what to
 * do to which memory.
 */
static void damon_sysfs_scheme_init(void *data)
{
	struct damon_sysfs_scheme *scheme = data;

	scheme->action = DAMOS_STAT;
	scheme->target_nid = NUMA_NO_NODE;
	scheme->wmarks.metric = DAMOS_WMARK_NONE;
}

static struct damon_sysfs_file damon_sysfs_scheme_files[] = {
	DAMON_SYSFS_WORDS(action, struct damon_sysfs_scheme, action, damon_sysfs_action_words,
			  NR_DAMOS_ACTIONS),
	DAMON_SYSFS_VAL(target_nid, DAMON_SYSFS_RW, DAMON_SYSFS_INT, struct damon_sysfs_scheme,
			target_nid),
	DAMON_SYSFS_VAL(apply_interval_us, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG,
			struct damon_sysfs_scheme,
			apply_interval_us),
	{ }
};

static const struct damon_sysfs_subdir damon_sysfs_scheme_subdirs[] = {
	{ "access_pattern", &damon_sysfs_pattern_dir,
	  offsetof(struct damon_sysfs_scheme, pattern) },
	{ "quotas", &damon_sysfs_quotas_dir, offsetof(struct damon_sysfs_scheme, quotas) },
	{ "watermarks", &damon_sysfs_wmarks_dir,
	  offsetof(struct damon_sysfs_scheme, wmarks) },
	{ "filters", &damon_sysfs_filters_dir,
	  offsetof(struct damon_sysfs_scheme, filters) },
	{ "stats", &damon_sysfs_stats_dir, offsetof(struct damon_sysfs_scheme, stat) },
	{ "tried_regions", &damon_sysfs_tried_dir,
	  offsetof(struct damon_sysfs_scheme, tried) },
	{ }
};

const struct damon_sysfs_dir damon_sysfs_scheme_dir = {
	.files = damon_sysfs_scheme_files,
	.subdirs = damon_sysfs_scheme_subdirs,
	.data_size = sizeof(struct damon_sysfs_scheme),
	.init = damon_sysfs_scheme_init,
};

/*
 * Turning the files into DAMON schemes
 */

#ifdef CONFIG_MEMCG
/* Find the id of the memory cgroup at @path from the cgroup mount point. */
static int damon_sysfs_memcg_id(const char *path, unsigned short *id)
{
	struct mem_cgroup *memcg;
	char *buf;
	int err = -EINVAL;

	if (!path)
		return -EINVAL;
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (memcg = mem_cgroup_iter(NULL, NULL, NULL); memcg;
	     memcg = mem_cgroup_iter(NULL, memcg, NULL)) {
		/* an offline memcg has no id anymore */
		if (!mem_cgroup_id(memcg))
			continue;
		if (cgroup_path(memcg->css.cgroup, buf, PATH_MAX) < 0)
			continue;
		if (!strcmp(buf, path)) {
			*id = mem_cgroup_id(memcg);
			mem_cgroup_iter_break(NULL, memcg);
			err = 0;
			break;
		}
	}
	kfree(buf);
	return err;
}
#else
static int damon_sysfs_memcg_id(const char *path, unsigned short *id)
{
	return -EINVAL;
}
#endif

static int damon_sysfs_add_filter(struct damos *s, struct damon_sysfs_filter *df)
{
	struct damos_filter *f;
	unsigned short memcg_id = 0;
	int err;

	if (df->type == DAMOS_FILTER_TYPE_MEMCG) {
		err = damon_sysfs_memcg_id(df->memcg_path, &memcg_id);
		if (err)
			return err;
	} else if (df->type == DAMOS_FILTER_TYPE_ADDR &&
		   df->addr_start > df->addr_end) {
		return -EINVAL;
	}

	f = damos_new_filter(df->type, df->matching);
	if (!f)
		return -ENOMEM;
	switch (df->type) {
	case DAMOS_FILTER_TYPE_MEMCG:
		f->memcg_id = memcg_id;
		break;
	case DAMOS_FILTER_TYPE_ADDR:
		f->addr_range.start = df->addr_start;
		f->addr_range.end = df->addr_end;
		break;
	case DAMOS_FILTER_TYPE_TARGET:
		f->target_idx = df->target_idx;
		break;
	default:
		break;
	}
	damos_add_filter(s, f);
	return 0;
}

static int damon_sysfs_add_goal(struct damos_quota *quota, struct damon_sysfs_goal *dg)
{
	struct damos_quota_goal *g;

	g = damos_new_quota_goal(dg->metric, dg->target_value);
	if (!g)
		return -ENOMEM;
	g->current_value = dg->current_value;
	damos_add_quota_goal(quota, g);
	return 0;
}

/* The files count access frequencies and ages in unsigned longs. */
static unsigned int damon_sysfs_to_uint(unsigned long val)
{
	return min_t(unsigned long, val, UINT_MAX);
}

static struct damos *damon_sysfs_new_damos(struct damon_sysfs_scheme *ds)
{
	struct damon_sysfs_pattern *p = &ds->pattern;
	struct damon_sysfs_quotas *q = &ds->quotas;
	struct damon_sysfs_wmarks *w = &ds->wmarks;
	struct damos_access_pattern pattern = {
		.min_sz_region = p->sz.min,
		.max_sz_region = p->sz.max,
		.min_nr_accesses = damon_sysfs_to_uint(p->nr_accesses.min),
		.max_nr_accesses = damon_sysfs_to_uint(p->nr_accesses.max),
		.min_age_region = damon_sysfs_to_uint(p->age.min),
		.max_age_region = damon_sysfs_to_uint(p->age.max),
	};
	struct damos_quota quota = {
		.reset_interval = q->reset_interval_ms,
		.ms = q->ms,
		.sz = q->bytes,
		.weight_sz = q->weights.sz,
		.weight_nr_accesses = q->weights.nr_accesses,
		.weight_age = q->weights.age,
	};
	struct damos_watermarks wmarks = {
		.metric = w->metric,
		.interval = w->interval_us,
		.high = w->high,
		.mid = w->mid,
		.low = w->low,
	};

	INIT_LIST_HEAD(&quota.goals);
	return damon_new_scheme(&pattern, ds->action, ds->apply_interval_us,
				&quota, &wmarks, ds->target_nid);
}

/**
 * damon_sysfs_schemes_to_ctx() - Add the schemes the files describe to a context.
 * @schemes:	The schemes directory's children.
 * @ctx:	The context, not running.
 *
 * On failure, the schemes added so far stay in @ctx for its destruction.
 *
 * Return: 0, -EINVAL for a filter that can not be set, or -ENOMEM.
 */
int damon_sysfs_schemes_to_ctx(struct damon_sysfs_list *schemes, struct damon_ctx *ctx)
{
	unsigned int i, j;
	int err;

	for (i = 0; i < schemes->nr; i++) {
		struct damon_sysfs_scheme *ds = damon_sysfs_elem(schemes, i);
		struct damon_sysfs_list *goals = &ds->quotas.goals;
		struct damos *s = damon_sysfs_new_damos(ds);

		if (!s)
			return -ENOMEM;
		damon_add_scheme(ctx, s);
		for (j = 0; j < goals->nr; j++) {
			err = damon_sysfs_add_goal(&s->quota, damon_sysfs_elem(goals, j));
			if (err)
				return err;
		}
		for (j = 0; j < ds->filters.nr; j++) {
			err = damon_sysfs_add_filter(s, damon_sysfs_elem(&ds->filters, j));
			if (err)
				return err;
		}
	}
	return 0;
}

/*
 * Reading from and writing to the schemes of a context, by position: the
 * i-th scheme of the context pairs with the i-th scheme directory, if any.
 *
 * The kdamond of a running context is asked through damon_call() or
 * damos_walk(), with the tree lock dropped for the wait: the kdamond works
 * on copies (what it reports, or what it is given), never on the files'
 * data, which may change meanwhile.  Once the lock is back, what the kdamond
 * reported goes to the scheme directories that are still there.
 */

/* Run @fn(@arg) where it may touch @ctx: in its kdamond, if it has one. */
static int damon_sysfs_ctx_call(struct damon_ctx *ctx, struct damon_sysfs_node *node,
				int (*fn)(void *), void *arg)
{
	struct damon_call_control control = {
		.fn = fn,
		.data = arg,
	};
	int err, gone;

	if (damon_is_running(ctx)) {
		damon_sysfs_unlock();
		err = damon_call(ctx, &control);
		gone = damon_sysfs_relock(node);
		if (!err)
			return gone ?: control.return_code;
		/* stopped meanwhile: the context holds still now */
		if (err != -ECANCELED && err != -EINVAL)
			return err;
		if (gone)
			return gone;
	}
	return fn(arg);
}

/* What the kdamond tells of its schemes, for the statistics files. */
struct damon_sysfs_snap {
	struct damon_ctx *ctx;
	unsigned int nr;
	struct {
		struct damos_stat stat;
		unsigned long esz;
	} scheme[];
};

static int damon_sysfs_snap_fn(void *arg)
{
	struct damon_sysfs_snap *snap = arg;
	unsigned int i = 0;
	struct damos *s;

	damon_for_each_scheme(s, snap->ctx) {
		if (i >= snap->nr)
			break;
		snap->scheme[i].stat = s->stat;
		snap->scheme[i++].esz = s->quota.esz;
	}
	return 0;
}

/**
 * damon_sysfs_schemes_sync() - Show what the schemes of a context did.
 * @schemes:	The schemes directory's children.
 * @ctx:	The context; running or not.
 * @node:	The directory of the file being written, for damon_sysfs_relock().
 * @stats:	Update the stats files.
 * @quotas:	Update the effective_bytes files.
 *
 * Called with the tree lock held; drops it while the kdamond is asked.
 *
 * Return: 0 or a negative errno (-ENODEV if the directory went away).
 */
int damon_sysfs_schemes_sync(struct damon_sysfs_list *schemes, struct damon_ctx *ctx,
			     struct damon_sysfs_node *node, bool stats, bool quotas)
{
	struct damon_sysfs_snap *snap;
	unsigned int i;
	int err;

	snap = kzalloc(struct_size(snap, scheme, schemes->nr),
		       GFP_KERNEL | __GFP_NOWARN);
	if (!snap)
		return -ENOMEM;
	snap->ctx = ctx;
	snap->nr = schemes->nr;
	err = damon_sysfs_ctx_call(ctx, node, damon_sysfs_snap_fn, snap);
	for (i = 0; !err && i < min(snap->nr, schemes->nr); i++) {
		struct damon_sysfs_scheme *ds = damon_sysfs_elem(schemes, i);

		if (stats)
			ds->stat = snap->scheme[i].stat;
		if (quotas)
			ds->quotas.effective_bytes = snap->scheme[i].esz;
	}
	kfree(snap);
	return err;
}

/* Make the goals of @dst those of @src, reusing the goals in place. */
static int damon_sysfs_commit_goals(struct damos_quota *dst, struct damos_quota *src)
{
	struct damos_quota_goal *g, *next, *sg;
	int err = 0;

	sg = list_first_entry(&src->goals, struct damos_quota_goal, list);
	damos_for_each_quota_goal_safe(g, next, dst) {
		if (&sg->list == &src->goals) {
			damos_destroy_quota_goal(g);
			continue;
		}
		if (g->metric != sg->metric) {
			g->metric = sg->metric;
			g->last_psi_total = 0;
		}
		g->target_value = sg->target_value;
		g->current_value = sg->current_value;
		sg = list_next_entry(sg, list);
	}
	for (; !err && &sg->list != &src->goals; sg = list_next_entry(sg, list)) {
		g = damos_new_quota_goal(sg->metric, sg->target_value);
		if (!g) {
			err = -ENOMEM;
			break;
		}
		g->current_value = sg->current_value;
		damos_add_quota_goal(dst, g);
	}
	return err;
}

/* The running context and a copy of the files' schemes, paired. */
struct damon_sysfs_pairing {
	struct damon_ctx *ctx;
	struct damon_ctx *files;
};

static int damon_sysfs_goals_fn(void *arg)
{
	struct damon_sysfs_pairing *pairing = arg;
	struct damos *s, *f;
	int err;

	f = list_first_entry(&pairing->files->schemes, struct damos, list);
	damon_for_each_scheme(s, pairing->ctx) {
		if (&f->list == &pairing->files->schemes)
			break;
		err = damon_sysfs_commit_goals(&s->quota, &f->quota);
		if (err)
			return err;
		f = list_next_entry(f, list);
	}
	return 0;
}

/**
 * damon_sysfs_schemes_push_goals() - Feed the quota goal files to a running context.
 * @schemes:	The schemes directory's children.
 * @ctx:	The context.
 * @node:	The directory of the file being written, for damon_sysfs_relock().
 *
 * Called with the tree lock held; drops it while the kdamond takes the
 * goals, which it takes from a copy made beforehand.
 *
 * Return: 0, -EINVAL if @ctx is not running, -EINVAL for goals that cannot
 * be set, -ENOMEM, or -ENODEV if the directory went away.
 */
int damon_sysfs_schemes_push_goals(struct damon_sysfs_list *schemes, struct damon_ctx *ctx,
				   struct damon_sysfs_node *node)
{
	struct damon_sysfs_pairing pairing = { .ctx = ctx };
	int err;

	if (!damon_is_running(ctx))
		return -EINVAL;
	pairing.files = damon_new_ctx();
	if (!pairing.files)
		return -ENOMEM;
	err = damon_sysfs_schemes_to_ctx(schemes, pairing.files) ?:
		damon_sysfs_ctx_call(ctx, node, damon_sysfs_goals_fn, &pairing);
	damon_destroy_ctx(pairing.files);
	return err;
}

/*
 * Tried regions.  The kdamond reports them one by one to damon_sysfs_walk_fn(),
 * which only records them; the directories are made once the walk is over.
 */

/* How long a tried-regions update waits for schemes with long intervals. */
#define DAMON_SYSFS_WALK_TIMEOUT	(10 * HZ)

struct damon_sysfs_seen {
	struct list_head list;
	struct damon_sysfs_tried_region region;
};

struct damon_sysfs_walk_scheme {
	struct list_head seen;
	unsigned int nr_seen;
	u64 total_bytes;
};

struct damon_sysfs_walk {
	struct damon_sysfs_walk_scheme *per_scheme;
	unsigned int nr_schemes;
	bool bytes_only;
	/* the scheme of the previous call, to find the next one's index fast */
	struct damos *last;
	unsigned int last_idx;
};

static unsigned int damon_sysfs_scheme_idx(struct damon_sysfs_walk *walk,
					   struct damon_ctx *ctx, struct damos *s)
{
	unsigned int i = 0;
	struct damos *pos;

	if (s == walk->last)
		return walk->last_idx;
	damon_for_each_scheme(pos, ctx) {
		if (pos == s)
			break;
		i++;
	}
	walk->last = s;
	walk->last_idx = i;
	return i;
}

static void damon_sysfs_walk_fn(void *data, struct damon_ctx *ctx,
				struct damon_target *t, struct damon_region *r,
			 struct damos *s, unsigned long sz_filter_passed)
{
	struct damon_sysfs_walk *walk = data;
	struct damon_sysfs_walk_scheme *ws;
	struct damon_sysfs_seen *seen;
	unsigned int idx;

	idx = damon_sysfs_scheme_idx(walk, ctx, s);
	if (idx >= walk->nr_schemes)
		return;
	ws = &walk->per_scheme[idx];
	ws->total_bytes += damon_sz_region(r);
	/* one apply pass sees each region once: more means a runaway walk */
	if (walk->bytes_only || ws->nr_seen >= ctx->attrs.max_nr_regions)
		return;
	seen = kmalloc(sizeof(*seen), GFP_KERNEL | __GFP_NOWARN);
	if (!seen)
		return;
	seen->region.start = r->ar.start;
	seen->region.end = r->ar.end;
	seen->region.nr_accesses = damon_nr_accesses_now(ctx, r);
	seen->region.age = r->age;
	seen->region.sz_filter_passed = sz_filter_passed;
	list_add_tail(&seen->list, &ws->seen);
	ws->nr_seen++;
}

/* Turn what scheme @ds saw into its tried_regions directory. */
static int damon_sysfs_show_tried(struct damon_sysfs_scheme *ds, struct damon_sysfs_walk_scheme *ws,
				  bool bytes_only)
{
	struct damon_sysfs_seen *seen;
	unsigned int i = 0;
	int err;

	ds->tried.total_bytes = ws->total_bytes;
	if (bytes_only)
		return 0;
	err = damon_sysfs_list_resize(&ds->tried.regions, ws->nr_seen);
	if (err)
		return err;
	list_for_each_entry(seen, &ws->seen, list) {
		struct damon_sysfs_tried_region *region;

		region = damon_sysfs_elem(&ds->tried.regions, i++);
		*region = seen->region;
	}
	return 0;
}

/**
 * damon_sysfs_schemes_walk() - Show the regions the schemes of a context act on.
 * @schemes:	The schemes directory's children.
 * @ctx:	The context, running.
 * @node:	The directory of the file being written, for damon_sysfs_relock().
 * @bytes_only:	Update the total_bytes files only.
 *
 * Waits, without the tree lock, until every scheme of @ctx went through
 * all the regions it acts on once, then makes the tried_regions directories
 * describe them.  A scheme whose apply interval is so long that its pass
 * does not come within %DAMON_SYSFS_WALK_TIMEOUT shows what it was seen doing by
 * then, possibly nothing; so does every scheme if the kdamond stops
 * meanwhile.
 *
 * Return: 0 or a negative errno, from damos_walk(), -ENOMEM, or -ENODEV if
 * the directory went away.
 */
int damon_sysfs_schemes_walk(struct damon_sysfs_list *schemes, struct damon_ctx *ctx,
			     struct damon_sysfs_node *node, bool bytes_only)
{
	struct damon_sysfs_walk walk = {
		.nr_schemes = schemes->nr,
		.bytes_only = bytes_only,
	};
	struct damos_walk_control control = {
		.walk_fn = damon_sysfs_walk_fn,
		.data = &walk,
		.timeout = DAMON_SYSFS_WALK_TIMEOUT,
	};
	struct damon_sysfs_seen *seen, *next;
	unsigned int i;
	int err;

	if (!schemes->nr)
		return damon_is_running(ctx) ? 0 : -EINVAL;
	walk.per_scheme = kcalloc(schemes->nr, sizeof(*walk.per_scheme),
				  GFP_KERNEL | __GFP_NOWARN);
	if (!walk.per_scheme)
		return -ENOMEM;
	for (i = 0; i < walk.nr_schemes; i++)
		INIT_LIST_HEAD(&walk.per_scheme[i].seen);

	damon_sysfs_unlock();
	err = damos_walk(ctx, &control);
	/* a kdamond that stopped meanwhile tried what was seen so far */
	if (err == -ECANCELED)
		err = 0;
	err = damon_sysfs_relock(node) ?: err;
	for (i = 0; i < walk.nr_schemes; i++) {
		struct damon_sysfs_walk_scheme *ws = &walk.per_scheme[i];

		if (!err && i < schemes->nr)
			err = damon_sysfs_show_tried(damon_sysfs_elem(schemes, i), ws,
						     bytes_only);
		list_for_each_entry_safe(seen, next, &ws->seen, list)
			kfree(seen);
	}
	kfree(walk.per_scheme);
	return err;
}

/**
 * damon_sysfs_schemes_clear_tried() - Empty the tried_regions directories.
 * @schemes:	The schemes directory's children.
 *
 * Return: 0.
 */
int damon_sysfs_schemes_clear_tried(struct damon_sysfs_list *schemes)
{
	unsigned int i;

	for (i = 0; i < schemes->nr; i++) {
		struct damon_sysfs_scheme *ds = damon_sysfs_elem(schemes, i);

		damon_sysfs_list_resize(&ds->tried.regions, 0);
		ds->tried.total_bytes = 0;
	}
	return 0;
}
