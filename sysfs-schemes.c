// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: the schemes directories.
 *
 * Below contexts/<N>/schemes/ every scheme is a numbered child whose data
 * (&struct dadm_scheme) holds all of its files, those of its fixed
 * subdirectories included.  Its quota goals, filters and tried regions are
 * numbered children again, with data of their own.
 */

#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/numa.h>
#include <linux/slab.h>

#include "sysfs-common.h"

struct dadm_pattern {
	struct dadm_range sz;
	struct dadm_range nr_accesses;
	struct dadm_range age;
};

struct dadm_weights {
	unsigned int sz;
	unsigned int nr_accesses;
	unsigned int age;
};

struct dadm_quotas {
	unsigned long ms;
	unsigned long bytes;
	unsigned long reset_interval_ms;
	unsigned long effective_bytes;
	struct dadm_weights weights;
	struct dadm_list goals;
};

struct dadm_wmarks {
	int metric;
	unsigned long interval_us;
	unsigned long high;
	unsigned long mid;
	unsigned long low;
};

/* The tried regions directory: its list must come first. */
struct dadm_tried {
	struct dadm_list regions;
	u64 total_bytes;
};

struct dadm_scheme {
	int action;
	int target_nid;
	unsigned long apply_interval_us;
	struct dadm_pattern pattern;
	struct dadm_quotas quotas;
	struct dadm_wmarks wmarks;
	struct dadm_list filters;
	struct damos_stat stat;
	struct dadm_tried tried;
};

struct dadm_goal {
	int metric;
	unsigned long target_value;
	unsigned long current_value;
};

struct dadm_filter {
	int type;
	bool matching;
	char *memcg_path;
	unsigned long addr_start;
	unsigned long addr_end;
	int target_idx;
};

struct dadm_tried_region {
	unsigned long start;
	unsigned long end;
	unsigned int nr_accesses;
	unsigned int age;
	unsigned long sz_filter_passed;
};

static const char * const dadm_action_words[] = {
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

static_assert(ARRAY_SIZE(dadm_action_words) == NR_DAMOS_ACTIONS);

static const char * const dadm_wmark_words[] = {
	[DAMOS_WMARK_NONE] = "none",
	[DAMOS_WMARK_FREE_MEM_RATE] = "free_mem_rate",
};

static_assert(ARRAY_SIZE(dadm_wmark_words) == NR_DAMOS_WMARK_METRICS);

static const char * const dadm_goal_words[] = {
	[DAMOS_QUOTA_USER_INPUT] = "user_input",
	[DAMOS_QUOTA_SOME_MEM_PSI_US] = "some_mem_psi_us",
};

static_assert(ARRAY_SIZE(dadm_goal_words) == NR_DAMOS_QUOTA_GOAL_METRICS);

static const char * const dadm_filter_words[] = {
	[DAMOS_FILTER_TYPE_ANON] = "anon",
	[DAMOS_FILTER_TYPE_MEMCG] = "memcg",
	[DAMOS_FILTER_TYPE_YOUNG] = "young",
	[DAMOS_FILTER_TYPE_ADDR] = "addr",
	[DAMOS_FILTER_TYPE_TARGET] = "target",
};

static_assert(ARRAY_SIZE(dadm_filter_words) == NR_DAMOS_FILTER_TYPES);

/* tried_regions/<N>/ */

static struct dadm_file dadm_tried_region_files[] = {
	DADM_VAL(start, DADM_RO, DADM_ULONG, struct dadm_tried_region, start),
	DADM_VAL(end, DADM_RO, DADM_ULONG, struct dadm_tried_region, end),
	DADM_VAL(nr_accesses, DADM_RO, DADM_UINT, struct dadm_tried_region,
		 nr_accesses),
	DADM_VAL(age, DADM_RO, DADM_UINT, struct dadm_tried_region, age),
	DADM_VAL(sz_filter_passed, DADM_RO, DADM_ULONG,
		 struct dadm_tried_region, sz_filter_passed),
	{ }
};

static const struct dadm_dir dadm_tried_region_dir = {
	.files = dadm_tried_region_files,
	.data_size = sizeof(struct dadm_tried_region),
};

/* tried_regions/: numbered by the kernel, so it has no count file */

static struct dadm_file dadm_tried_files[] = {
	DADM_VAL(total_bytes, DADM_RO, DADM_U64, struct dadm_tried,
		 total_bytes),
	{ }
};

static const struct dadm_dir dadm_tried_dir = {
	.files = dadm_tried_files,
	.elem = &dadm_tried_region_dir,
};

/* stats/ */

static struct dadm_file dadm_stats_files[] = {
	DADM_VAL(nr_tried, DADM_RO, DADM_ULONG, struct damos_stat, nr_tried),
	DADM_VAL(sz_tried, DADM_RO, DADM_ULONG, struct damos_stat, sz_tried),
	DADM_VAL(nr_applied, DADM_RO, DADM_ULONG, struct damos_stat,
		 nr_applied),
	DADM_VAL(sz_applied, DADM_RO, DADM_ULONG, struct damos_stat,
		 sz_applied),
	DADM_VAL(sz_ops_filter_passed, DADM_RO, DADM_ULONG, struct damos_stat,
		 sz_ops_filter_passed),
	DADM_VAL(qt_exceeds, DADM_RO, DADM_ULONG, struct damos_stat,
		 qt_exceeds),
	{ }
};

static const struct dadm_dir dadm_stats_dir = {
	.files = dadm_stats_files,
};

/* filters/<N>/ */

static void dadm_filter_fini(void *data)
{
	struct dadm_filter *filter = data;

	kfree(filter->memcg_path);
	filter->memcg_path = NULL;
}

static struct dadm_file dadm_filter_files[] = {
	DADM_WORDS(type, struct dadm_filter, type, dadm_filter_words,
		   NR_DAMOS_FILTER_TYPES),
	DADM_VAL(matching, DADM_RW, DADM_BOOL, struct dadm_filter, matching),
	DADM_VAL(memcg_path, DADM_RW, DADM_STR, struct dadm_filter,
		 memcg_path),
	DADM_VAL(addr_start, DADM_RW, DADM_ULONG, struct dadm_filter,
		 addr_start),
	DADM_VAL(addr_end, DADM_RW, DADM_ULONG, struct dadm_filter, addr_end),
	DADM_VAL(damon_target_idx, DADM_RW, DADM_INT, struct dadm_filter,
		 target_idx),
	{ }
};

static const struct dadm_dir dadm_filter_dir = {
	.files = dadm_filter_files,
	.data_size = sizeof(struct dadm_filter),
	.fini = dadm_filter_fini,
};

/* filters/ */

static struct dadm_file dadm_filters_files[] = {
	DADM_COUNT(nr_filters),
	{ }
};

static const struct dadm_dir dadm_filters_dir = {
	.files = dadm_filters_files,
	.elem = &dadm_filter_dir,
};

/* watermarks/ */

static struct dadm_file dadm_wmarks_files[] = {
	DADM_WORDS(metric, struct dadm_wmarks, metric, dadm_wmark_words,
		   NR_DAMOS_WMARK_METRICS),
	DADM_VAL(interval_us, DADM_RW, DADM_ULONG, struct dadm_wmarks,
		 interval_us),
	DADM_VAL(high, DADM_RW, DADM_ULONG, struct dadm_wmarks, high),
	DADM_VAL(mid, DADM_RW, DADM_ULONG, struct dadm_wmarks, mid),
	DADM_VAL(low, DADM_RW, DADM_ULONG, struct dadm_wmarks, low),
	{ }
};

static const struct dadm_dir dadm_wmarks_dir = {
	.files = dadm_wmarks_files,
};

/* quotas/goals/<N>/ */

static struct dadm_file dadm_goal_files[] = {
	DADM_WORDS(target_metric, struct dadm_goal, metric, dadm_goal_words,
		   NR_DAMOS_QUOTA_GOAL_METRICS),
	DADM_VAL(target_value, DADM_RW, DADM_ULONG, struct dadm_goal,
		 target_value),
	DADM_VAL(current_value, DADM_RW, DADM_ULONG, struct dadm_goal,
		 current_value),
	{ }
};

static const struct dadm_dir dadm_goal_dir = {
	.files = dadm_goal_files,
	.data_size = sizeof(struct dadm_goal),
};

/* quotas/goals/ */

static struct dadm_file dadm_goals_files[] = {
	DADM_COUNT(nr_goals),
	{ }
};

static const struct dadm_dir dadm_goals_dir = {
	.files = dadm_goals_files,
	.elem = &dadm_goal_dir,
};

/* quotas/weights/ */

static struct dadm_file dadm_weights_files[] = {
	DADM_VAL(sz_permil, DADM_RW, DADM_UINT, struct dadm_weights, sz),
	DADM_VAL(nr_accesses_permil, DADM_RW, DADM_UINT, struct dadm_weights,
		 nr_accesses),
	DADM_VAL(age_permil, DADM_RW, DADM_UINT, struct dadm_weights, age),
	{ }
};

static const struct dadm_dir dadm_weights_dir = {
	.files = dadm_weights_files,
};

/* quotas/ */

static struct dadm_file dadm_quotas_files[] = {
	DADM_VAL(ms, DADM_RW, DADM_ULONG, struct dadm_quotas, ms),
	DADM_VAL(bytes, DADM_RW, DADM_ULONG, struct dadm_quotas, bytes),
	DADM_VAL(reset_interval_ms, DADM_RW, DADM_ULONG, struct dadm_quotas,
		 reset_interval_ms),
	DADM_VAL(effective_bytes, DADM_RO, DADM_ULONG, struct dadm_quotas,
		 effective_bytes),
	{ }
};

static const struct dadm_subdir dadm_quotas_subdirs[] = {
	{ "weights", &dadm_weights_dir, offsetof(struct dadm_quotas, weights) },
	{ "goals", &dadm_goals_dir, offsetof(struct dadm_quotas, goals) },
	{ }
};

static const struct dadm_dir dadm_quotas_dir = {
	.files = dadm_quotas_files,
	.subdirs = dadm_quotas_subdirs,
};

/* access_pattern/ */

static const struct dadm_subdir dadm_pattern_subdirs[] = {
	{ "sz", &dadm_range_dir, offsetof(struct dadm_pattern, sz) },
	{ "nr_accesses", &dadm_range_dir,
	  offsetof(struct dadm_pattern, nr_accesses) },
	{ "age", &dadm_range_dir, offsetof(struct dadm_pattern, age) },
	{ }
};

static const struct dadm_dir dadm_pattern_dir = {
	.subdirs = dadm_pattern_subdirs,
};

/* schemes/<N>/ */

/*
 * A new scheme counts (stat) the regions of an access pattern that is all
 * zeros, which matches nothing: nothing happens until the user says what to
 * do to which memory.
 */
static void dadm_scheme_init(void *data)
{
	struct dadm_scheme *scheme = data;

	scheme->action = DAMOS_STAT;
	scheme->target_nid = NUMA_NO_NODE;
	scheme->wmarks.metric = DAMOS_WMARK_NONE;
}

static struct dadm_file dadm_scheme_files[] = {
	DADM_WORDS(action, struct dadm_scheme, action, dadm_action_words,
		   NR_DAMOS_ACTIONS),
	DADM_VAL(target_nid, DADM_RW, DADM_INT, struct dadm_scheme,
		 target_nid),
	DADM_VAL(apply_interval_us, DADM_RW, DADM_ULONG, struct dadm_scheme,
		 apply_interval_us),
	{ }
};

static const struct dadm_subdir dadm_scheme_subdirs[] = {
	{ "access_pattern", &dadm_pattern_dir,
	  offsetof(struct dadm_scheme, pattern) },
	{ "quotas", &dadm_quotas_dir, offsetof(struct dadm_scheme, quotas) },
	{ "watermarks", &dadm_wmarks_dir,
	  offsetof(struct dadm_scheme, wmarks) },
	{ "filters", &dadm_filters_dir,
	  offsetof(struct dadm_scheme, filters) },
	{ "stats", &dadm_stats_dir, offsetof(struct dadm_scheme, stat) },
	{ "tried_regions", &dadm_tried_dir,
	  offsetof(struct dadm_scheme, tried) },
	{ }
};

const struct dadm_dir dadm_scheme_dir = {
	.files = dadm_scheme_files,
	.subdirs = dadm_scheme_subdirs,
	.data_size = sizeof(struct dadm_scheme),
	.init = dadm_scheme_init,
};

/*
 * Turning the files into DAMON schemes
 */

#ifdef CONFIG_MEMCG
/* Find the id of the memory cgroup at @path from the cgroup mount point. */
static int dadm_memcg_id(const char *path, unsigned short *id)
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
static int dadm_memcg_id(const char *path, unsigned short *id)
{
	return -EINVAL;
}
#endif

static int dadm_add_filter(struct damos *s, struct dadm_filter *df)
{
	struct damos_filter *f;
	unsigned short memcg_id = 0;
	int err;

	if (df->type == DAMOS_FILTER_TYPE_MEMCG) {
		err = dadm_memcg_id(df->memcg_path, &memcg_id);
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

static int dadm_add_goal(struct damos_quota *quota, struct dadm_goal *dg)
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
static unsigned int dadm_to_uint(unsigned long val)
{
	return min_t(unsigned long, val, UINT_MAX);
}

static struct damos *dadm_new_damos(struct dadm_scheme *ds)
{
	struct dadm_pattern *p = &ds->pattern;
	struct dadm_quotas *q = &ds->quotas;
	struct dadm_wmarks *w = &ds->wmarks;
	struct damos_access_pattern pattern = {
		.min_sz_region = p->sz.min,
		.max_sz_region = p->sz.max,
		.min_nr_accesses = dadm_to_uint(p->nr_accesses.min),
		.max_nr_accesses = dadm_to_uint(p->nr_accesses.max),
		.min_age_region = dadm_to_uint(p->age.min),
		.max_age_region = dadm_to_uint(p->age.max),
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
 * dadm_schemes_to_ctx() - Add the schemes the files describe to a context.
 * @schemes:	The schemes directory's children.
 * @ctx:	The context, not running.
 *
 * On failure, the schemes added so far stay in @ctx for its destruction.
 *
 * Return: 0, -EINVAL for a filter that can not be set, or -ENOMEM.
 */
int dadm_schemes_to_ctx(struct dadm_list *schemes, struct damon_ctx *ctx)
{
	unsigned int i, j;
	int err;

	for (i = 0; i < schemes->nr; i++) {
		struct dadm_scheme *ds = dadm_elem(schemes, i);
		struct dadm_list *goals = &ds->quotas.goals;
		struct damos *s = dadm_new_damos(ds);

		if (!s)
			return -ENOMEM;
		damon_add_scheme(ctx, s);
		for (j = 0; j < goals->nr; j++) {
			err = dadm_add_goal(&s->quota, dadm_elem(goals, j));
			if (err)
				return err;
		}
		for (j = 0; j < ds->filters.nr; j++) {
			err = dadm_add_filter(s, dadm_elem(&ds->filters, j));
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
static int dadm_ctx_call(struct damon_ctx *ctx, struct dadm_node *node,
			 int (*fn)(void *), void *arg)
{
	struct damon_call_control control = {
		.fn = fn,
		.data = arg,
	};
	int err, gone;

	if (damon_is_running(ctx)) {
		dadm_unlock();
		err = damon_call(ctx, &control);
		gone = dadm_relock(node);
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
struct dadm_snap {
	struct damon_ctx *ctx;
	unsigned int nr;
	struct {
		struct damos_stat stat;
		unsigned long esz;
	} scheme[];
};

static int dadm_snap_fn(void *arg)
{
	struct dadm_snap *snap = arg;
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
 * dadm_schemes_sync() - Show what the schemes of a context did.
 * @schemes:	The schemes directory's children.
 * @ctx:	The context; running or not.
 * @node:	The directory of the file being written, for dadm_relock().
 * @stats:	Update the stats files.
 * @quotas:	Update the effective_bytes files.
 *
 * Called with the tree lock held; drops it while the kdamond is asked.
 *
 * Return: 0 or a negative errno (-ENODEV if the directory went away).
 */
int dadm_schemes_sync(struct dadm_list *schemes, struct damon_ctx *ctx,
		      struct dadm_node *node, bool stats, bool quotas)
{
	struct dadm_snap *snap;
	unsigned int i;
	int err;

	snap = kzalloc(struct_size(snap, scheme, schemes->nr),
		       GFP_KERNEL | __GFP_NOWARN);
	if (!snap)
		return -ENOMEM;
	snap->ctx = ctx;
	snap->nr = schemes->nr;
	err = dadm_ctx_call(ctx, node, dadm_snap_fn, snap);
	for (i = 0; !err && i < min(snap->nr, schemes->nr); i++) {
		struct dadm_scheme *ds = dadm_elem(schemes, i);

		if (stats)
			ds->stat = snap->scheme[i].stat;
		if (quotas)
			ds->quotas.effective_bytes = snap->scheme[i].esz;
	}
	kfree(snap);
	return err;
}

/* Make the goals of @dst those of @src, reusing the goals in place. */
static int dadm_commit_goals(struct damos_quota *dst, struct damos_quota *src)
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
struct dadm_pairing {
	struct damon_ctx *ctx;
	struct damon_ctx *files;
};

static int dadm_goals_fn(void *arg)
{
	struct dadm_pairing *pairing = arg;
	struct damos *s, *f;
	int err;

	f = list_first_entry(&pairing->files->schemes, struct damos, list);
	damon_for_each_scheme(s, pairing->ctx) {
		if (&f->list == &pairing->files->schemes)
			break;
		err = dadm_commit_goals(&s->quota, &f->quota);
		if (err)
			return err;
		f = list_next_entry(f, list);
	}
	return 0;
}

/**
 * dadm_schemes_push_goals() - Feed the quota goal files to a running context.
 * @schemes:	The schemes directory's children.
 * @ctx:	The context.
 * @node:	The directory of the file being written, for dadm_relock().
 *
 * Called with the tree lock held; drops it while the kdamond takes the
 * goals, which it takes from a copy made beforehand.
 *
 * Return: 0, -EINVAL if @ctx is not running, -EINVAL for goals that cannot
 * be set, -ENOMEM, or -ENODEV if the directory went away.
 */
int dadm_schemes_push_goals(struct dadm_list *schemes, struct damon_ctx *ctx,
			    struct dadm_node *node)
{
	struct dadm_pairing pairing = { .ctx = ctx };
	int err;

	if (!damon_is_running(ctx))
		return -EINVAL;
	pairing.files = damon_new_ctx();
	if (!pairing.files)
		return -ENOMEM;
	err = dadm_schemes_to_ctx(schemes, pairing.files) ?:
		dadm_ctx_call(ctx, node, dadm_goals_fn, &pairing);
	damon_destroy_ctx(pairing.files);
	return err;
}

/*
 * Tried regions.  The kdamond reports them one by one to dadm_walk_fn(),
 * which only records them; the directories are made once the walk is over.
 */

/* How long a tried-regions update waits for schemes with long intervals. */
#define DADM_WALK_TIMEOUT	(10 * HZ)

struct dadm_seen {
	struct list_head list;
	struct dadm_tried_region region;
};

struct dadm_walk_scheme {
	struct list_head seen;
	unsigned int nr_seen;
	u64 total_bytes;
};

struct dadm_walk {
	struct dadm_walk_scheme *per_scheme;
	unsigned int nr_schemes;
	bool bytes_only;
	/* the scheme of the previous call, to find the next one's index fast */
	struct damos *last;
	unsigned int last_idx;
};

static unsigned int dadm_scheme_idx(struct dadm_walk *walk,
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

static void dadm_walk_fn(void *data, struct damon_ctx *ctx,
			 struct damon_target *t, struct damon_region *r,
			 struct damos *s, unsigned long sz_filter_passed)
{
	struct dadm_walk *walk = data;
	struct dadm_walk_scheme *ws;
	struct dadm_seen *seen;
	unsigned int idx;

	idx = dadm_scheme_idx(walk, ctx, s);
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
static int dadm_show_tried(struct dadm_scheme *ds, struct dadm_walk_scheme *ws,
			   bool bytes_only)
{
	struct dadm_seen *seen;
	unsigned int i = 0;
	int err;

	ds->tried.total_bytes = ws->total_bytes;
	if (bytes_only)
		return 0;
	err = dadm_list_resize(&ds->tried.regions, ws->nr_seen);
	if (err)
		return err;
	list_for_each_entry(seen, &ws->seen, list) {
		struct dadm_tried_region *region;

		region = dadm_elem(&ds->tried.regions, i++);
		*region = seen->region;
	}
	return 0;
}

/**
 * dadm_schemes_walk() - Show the regions the schemes of a context act on.
 * @schemes:	The schemes directory's children.
 * @ctx:	The context, running.
 * @node:	The directory of the file being written, for dadm_relock().
 * @bytes_only:	Update the total_bytes files only.
 *
 * Waits, without the tree lock, until every scheme of @ctx went through
 * all the regions it acts on once, then makes the tried_regions directories
 * describe them.  A scheme whose apply interval is so long that its pass
 * does not come within %DADM_WALK_TIMEOUT shows what it was seen doing by
 * then, possibly nothing; so does every scheme if the kdamond stops
 * meanwhile.
 *
 * Return: 0 or a negative errno, from damos_walk(), -ENOMEM, or -ENODEV if
 * the directory went away.
 */
int dadm_schemes_walk(struct dadm_list *schemes, struct damon_ctx *ctx,
		      struct dadm_node *node, bool bytes_only)
{
	struct dadm_walk walk = {
		.nr_schemes = schemes->nr,
		.bytes_only = bytes_only,
	};
	struct damos_walk_control control = {
		.walk_fn = dadm_walk_fn,
		.data = &walk,
		.timeout = DADM_WALK_TIMEOUT,
	};
	struct dadm_seen *seen, *next;
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

	dadm_unlock();
	err = damos_walk(ctx, &control);
	/* a kdamond that stopped meanwhile tried what was seen so far */
	if (err == -ECANCELED)
		err = 0;
	err = dadm_relock(node) ?: err;
	for (i = 0; i < walk.nr_schemes; i++) {
		struct dadm_walk_scheme *ws = &walk.per_scheme[i];

		if (!err && i < schemes->nr)
			err = dadm_show_tried(dadm_elem(schemes, i), ws,
					      bytes_only);
		list_for_each_entry_safe(seen, next, &ws->seen, list)
			kfree(seen);
	}
	kfree(walk.per_scheme);
	return err;
}

/**
 * dadm_schemes_clear_tried() - Empty the tried_regions directories.
 * @schemes:	The schemes directory's children.
 *
 * Return: 0.
 */
int dadm_schemes_clear_tried(struct dadm_list *schemes)
{
	unsigned int i;

	for (i = 0; i < schemes->nr; i++) {
		struct dadm_scheme *ds = dadm_elem(schemes, i);

		dadm_list_resize(&ds->tried.regions, 0);
		ds->tried.total_bytes = 0;
	}
	return 0;
}
