// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: /sys/kernel/mm/damon/admin/.
 *
 * The files only hold values.  Writing "on" to a kdamond's state file turns
 * the values into a new DAMON context and starts it; "commit" turns them
 * into a temporary context that the running one takes its parameters from.
 * A running context never points into the files' data, so the directories
 * may change freely while it runs.
 */

#include <linux/kobject.h>
#include <linux/pid.h>
#include <linux/refcount.h>
#include <linux/slab.h>

#include "sysfs-common.h"

struct damon_sysfs_region {
	unsigned long start;
	unsigned long end;
};

struct damon_sysfs_target {
	int pid;
	struct damon_sysfs_list regions;
};

struct damon_sysfs_intervals {
	unsigned long sample_us;
	unsigned long aggr_us;
	unsigned long update_us;
};

struct damon_sysfs_mon_attrs {
	struct damon_sysfs_intervals intervals;
	struct damon_sysfs_range nr_regions;
};

struct damon_sysfs_context {
	int ops;
	struct damon_sysfs_mon_attrs attrs;
	struct damon_sysfs_list targets;
	struct damon_sysfs_list schemes;
};

/*
 * A context started from a kdamond directory.  Commands that wait on its
 * kdamond without the tree lock hold a reference, so that "off" meanwhile
 * cannot free it under them: the last reference frees it (stopping the
 * kdamond, if it still runs).
 */
struct damon_sysfs_run {
	struct damon_ctx *ctx;
	refcount_t users;
};

/*
 * A kdamond directory's data.  Its contexts list comes first: a directory
 * of numbered children is handed its data as a &struct damon_sysfs_list.
 */
struct damon_sysfs_kdamond {
	struct damon_sysfs_list contexts;
	/* the context last started from this directory, if still there */
	struct damon_sysfs_run *run;
	/*
	 * Commands waiting on the kdamond without the tree lock: while there
	 * are some, the directory and its context directory stay.
	 */
	unsigned int nr_waiting;
};

static_assert(offsetof(struct damon_sysfs_kdamond, contexts) == 0);

struct damon_sysfs_admin {
	struct damon_sysfs_list kdamonds;
};

static const char * const damon_sysfs_ops_words[] = {
	[DAMON_OPS_VADDR] = "vaddr",
	[DAMON_OPS_FVADDR] = "fvaddr",
	[DAMON_OPS_PADDR] = "paddr",
};

static_assert(ARRAY_SIZE(damon_sysfs_ops_words) == NR_DAMON_OPS);

static bool damon_sysfs_kdamond_on(struct damon_sysfs_kdamond *kd)
{
	return kd->run && damon_is_running(kd->run->ctx);
}

static struct damon_sysfs_run *damon_sysfs_run_new(struct damon_ctx *ctx)
{
	struct damon_sysfs_run *run = kmalloc(sizeof(*run), GFP_KERNEL);

	if (run) {
		run->ctx = ctx;
		refcount_set(&run->users, 1);
	}
	return run;
}

static void damon_sysfs_run_put(struct damon_sysfs_run *run)
{
	if (!run || !refcount_dec_and_test(&run->users))
		return;
	damon_destroy_ctx(run->ctx);
	kfree(run);
}

/* targets/<N>/regions/<N>/ */

static struct damon_sysfs_file damon_sysfs_region_files[] = {
	DAMON_SYSFS_VAL(start, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_region, start),
	DAMON_SYSFS_VAL(end, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_region, end),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_region_dir = {
	.files = damon_sysfs_region_files,
	.data_size = sizeof(struct damon_sysfs_region),
};

/* targets/<N>/regions/ */

static struct damon_sysfs_file damon_sysfs_regions_files[] = {
	DAMON_SYSFS_COUNT(nr_regions),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_regions_dir = {
	.files = damon_sysfs_regions_files,
	.elem = &damon_sysfs_region_dir,
};

/* targets/<N>/ */

static struct damon_sysfs_file damon_sysfs_target_files[] = {
	DAMON_SYSFS_VAL(pid_target, DAMON_SYSFS_RW, DAMON_SYSFS_INT,
			struct damon_sysfs_target, pid),
	{ }
};

static const struct damon_sysfs_subdir damon_sysfs_target_subdirs[] = {
	{ "regions", &damon_sysfs_regions_dir, offsetof(struct damon_sysfs_target, regions) },
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_target_dir = {
	.files = damon_sysfs_target_files,
	.subdirs = damon_sysfs_target_subdirs,
	.data_size = sizeof(struct damon_sysfs_target),
};

/* targets/ */

static struct damon_sysfs_file damon_sysfs_targets_files[] = {
	DAMON_SYSFS_COUNT(nr_targets),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_targets_dir = {
	.files = damon_sysfs_targets_files,
	.elem = &damon_sysfs_target_dir,
};

/* schemes/: the scheme directories themselves are in sysfs-schemes.c */

static struct damon_sysfs_file damon_sysfs_schemes_files[] = {
	DAMON_SYSFS_COUNT(nr_schemes),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_schemes_dir = {
	.files = damon_sysfs_schemes_files,
	.elem = &damon_sysfs_scheme_dir,
};

/* monitoring_attrs/intervals/ */

static struct damon_sysfs_file damon_sysfs_intervals_files[] = {
	DAMON_SYSFS_VAL(sample_us, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_intervals,
			sample_us),
	DAMON_SYSFS_VAL(aggr_us, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG,
			struct damon_sysfs_intervals, aggr_us),
	DAMON_SYSFS_VAL(update_us, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_intervals,
			update_us),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_intervals_dir = {
	.files = damon_sysfs_intervals_files,
};

/* monitoring_attrs/ */

static const struct damon_sysfs_subdir damon_sysfs_mon_attrs_subdirs[] = {
	{ "intervals", &damon_sysfs_intervals_dir,
	  offsetof(struct damon_sysfs_mon_attrs, intervals) },
	{ "nr_regions", &damon_sysfs_range_dir,
	  offsetof(struct damon_sysfs_mon_attrs, nr_regions) },
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_mon_attrs_dir = {
	.subdirs = damon_sysfs_mon_attrs_subdirs,
};

/* contexts/<N>/ */

static int damon_sysfs_avail_ops_show(struct damon_sysfs_node *node, char *buf)
{
	int id, len = 0;

	for (id = 0; id < NR_DAMON_OPS; id++) {
		if (damon_is_registered_ops(id))
			len += sysfs_emit_at(buf, len, "%s\n",
					     damon_sysfs_ops_words[id]);
	}
	return len;
}

static void damon_sysfs_context_init(void *data)
{
	struct damon_sysfs_context *dc = data;

	dc->ops = DAMON_OPS_VADDR;
	dc->attrs.intervals.sample_us = DAMON_DEFAULT_SAMPLE_US;
	dc->attrs.intervals.aggr_us = DAMON_DEFAULT_AGGR_US;
	dc->attrs.intervals.update_us = DAMON_DEFAULT_UPDATE_US;
	dc->attrs.nr_regions.min = DAMON_DEFAULT_MIN_NR_REGIONS;
	dc->attrs.nr_regions.max = DAMON_DEFAULT_MAX_NR_REGIONS;
}

static struct damon_sysfs_file damon_sysfs_context_files[] = {
	DAMON_SYSFS_CALLS(avail_operations, DAMON_SYSFS_RO, damon_sysfs_avail_ops_show, NULL),
	DAMON_SYSFS_WORDS(operations, struct damon_sysfs_context, ops, damon_sysfs_ops_words,
			  NR_DAMON_OPS),
	{ }
};

static const struct damon_sysfs_subdir damon_sysfs_context_subdirs[] = {
	{ "monitoring_attrs", &damon_sysfs_mon_attrs_dir,
	  offsetof(struct damon_sysfs_context, attrs) },
	{ "targets", &damon_sysfs_targets_dir,
	  offsetof(struct damon_sysfs_context, targets) },
	{ "schemes", &damon_sysfs_schemes_dir,
	  offsetof(struct damon_sysfs_context, schemes) },
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_context_dir = {
	.files = damon_sysfs_context_files,
	.subdirs = damon_sysfs_context_subdirs,
	.data_size = sizeof(struct damon_sysfs_context),
	.init = damon_sysfs_context_init,
};

/* kdamonds/<N>/contexts/ */

static int damon_sysfs_contexts_may_resize(struct damon_sysfs_list *contexts)
{
	struct damon_sysfs_kdamond *kd;

	kd = container_of(contexts, struct damon_sysfs_kdamond, contexts);
	return damon_sysfs_kdamond_on(kd) || kd->nr_waiting ? -EBUSY : 0;
}

static struct damon_sysfs_file damon_sysfs_contexts_files[] = {
	DAMON_SYSFS_COUNT(nr_contexts),
	{ }
};

/* Only one context per kdamond is supported for now. */
static const struct damon_sysfs_dir damon_sysfs_contexts_dir = {
	.files = damon_sysfs_contexts_files,
	.elem = &damon_sysfs_context_dir,
	.max_elems = 1,
	.may_resize = damon_sysfs_contexts_may_resize,
};

/*
 * Building DAMON contexts from the files
 */

static int damon_sysfs_add_target(struct damon_ctx *ctx, struct damon_sysfs_target *dt,
				  bool has_pid)
{
	struct damon_sysfs_list *regions = &dt->regions;
	struct damon_addr_range *ranges;
	struct damon_target *t;
	unsigned int i;
	int err = 0;

	t = damon_new_target();
	if (!t)
		return -ENOMEM;
	damon_add_target(ctx, t);
	if (has_pid) {
		/* the target keeps this reference; DAMON puts it */
		t->pid = find_get_pid(dt->pid);
		if (!t->pid)
			return -EINVAL;
	}
	if (!regions->nr)
		return 0;

	ranges = kmalloc_array(regions->nr, sizeof(*ranges),
			       GFP_KERNEL | __GFP_NOWARN);
	if (!ranges)
		return -ENOMEM;
	for (i = 0; i < regions->nr; i++) {
		struct damon_sysfs_region *dr = damon_sysfs_elem(regions, i);

		/* sorted, not empty, not overlapping */
		if (dr->start >= dr->end ||
		    (i && ranges[i - 1].end > dr->start)) {
			err = -EINVAL;
			break;
		}
		ranges[i].start = dr->start;
		ranges[i].end = dr->end;
	}
	if (!err)
		err = damon_set_regions(t, ranges, regions->nr);
	kfree(ranges);
	return err;
}

/* Make a new, not yet running, DAMON context as the files of @dc say. */
static struct damon_ctx *damon_sysfs_build_ctx(struct damon_sysfs_context *dc)
{
	struct damon_sysfs_mon_attrs *ma = &dc->attrs;
	struct damon_attrs attrs = {
		.sample_interval = ma->intervals.sample_us,
		.aggr_interval = ma->intervals.aggr_us,
		.ops_update_interval = ma->intervals.update_us,
		.min_nr_regions = ma->nr_regions.min,
		.max_nr_regions = ma->nr_regions.max,
	};
	bool has_pid = dc->ops == DAMON_OPS_VADDR ||
		       dc->ops == DAMON_OPS_FVADDR;
	struct damon_ctx *ctx;
	unsigned int i;
	int err;

	ctx = damon_new_ctx();
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	err = damon_select_ops(ctx, dc->ops);
	if (!err)
		err = damon_set_attrs(ctx, &attrs);
	for (i = 0; !err && i < dc->targets.nr; i++)
		err = damon_sysfs_add_target(ctx, damon_sysfs_elem(&dc->targets, i), has_pid);
	if (!err)
		err = damon_sysfs_schemes_to_ctx(&dc->schemes, ctx);
	if (err) {
		damon_destroy_ctx(ctx);
		return ERR_PTR(err);
	}
	return ctx;
}

/*
 * The commands of kdamonds/<N>/state
 */

/* The context directory of @kd, as long as there is exactly one. */
static struct damon_sysfs_context *damon_sysfs_kdamond_context(struct damon_sysfs_kdamond *kd)
{
	if (kd->contexts.nr != 1)
		return NULL;
	return damon_sysfs_elem(&kd->contexts, 0);
}

static int damon_sysfs_cmd_on(struct damon_sysfs_kdamond *kd, struct damon_sysfs_context *dc,
			      struct damon_sysfs_node *node)
{
	struct damon_sysfs_run *run;
	struct damon_ctx *ctx;
	int err;

	if (damon_sysfs_kdamond_on(kd))
		return -EBUSY;
	ctx = damon_sysfs_build_ctx(dc);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	run = damon_sysfs_run_new(ctx);
	if (!run) {
		damon_destroy_ctx(ctx);
		return -ENOMEM;
	}
	err = damon_start(&ctx, 1, false);
	if (err) {
		damon_sysfs_run_put(run);
		return err;
	}
	/* the former context, if any, finished on its own */
	damon_sysfs_run_put(kd->run);
	kd->run = run;
	return 0;
}

/*
 * The directory lets go of its context at once; the kdamond is stopped
 * without the tree lock.  Commands still waiting on it are cancelled.
 */
static int damon_sysfs_cmd_off(struct damon_sysfs_kdamond *kd, struct damon_sysfs_context *dc,
			       struct damon_sysfs_node *node)
{
	struct damon_sysfs_run *run = kd->run;
	int err;

	if (!run)
		return -EINVAL;
	kd->run = NULL;
	damon_sysfs_unlock();
	err = damon_stop(&run->ctx, 1);
	damon_sysfs_run_put(run);
	damon_sysfs_relock(node);
	return err;
}

/*
 * Run @fn for a command that waits on the kdamond: the context stays
 * allocated, and the directories in place, until it is done.
 */
static int damon_sysfs_cmd_wait(struct damon_sysfs_kdamond *kd, struct damon_sysfs_node *node,
				int (*fn)(struct damon_sysfs_run *run,
					  struct damon_sysfs_node *node,
					  void *arg), void *arg)
{
	struct damon_sysfs_run *run = kd->run;
	int err;

	if (!run)
		return -EINVAL;
	refcount_inc(&run->users);
	kd->nr_waiting++;
	err = fn(run, node, arg);
	kd->nr_waiting--;
	damon_sysfs_run_put(run);
	return err;
}

/* Waits for the kdamond to take the new parameters, without the lock. */
static int damon_sysfs_commit_wait(struct damon_sysfs_run *run, struct damon_sysfs_node *node,
				   void *arg)
{
	int err;

	damon_sysfs_unlock();
	err = damon_commit_running(run->ctx, arg);
	damon_sysfs_relock(node);
	return err;
}

static int damon_sysfs_cmd_commit(struct damon_sysfs_kdamond *kd, struct damon_sysfs_context *dc,
				  struct damon_sysfs_node *node)
{
	struct damon_ctx *src;
	int err;

	if (!damon_sysfs_kdamond_on(kd))
		return -EINVAL;
	src = damon_sysfs_build_ctx(dc);
	if (IS_ERR(src))
		return PTR_ERR(src);
	err = damon_sysfs_cmd_wait(kd, node, damon_sysfs_commit_wait, src);
	damon_destroy_ctx(src);
	return err;
}

static int damon_sysfs_goals_wait(struct damon_sysfs_run *run, struct damon_sysfs_node *node,
				  void *arg)
{
	return damon_sysfs_schemes_push_goals(arg, run->ctx, node);
}

static int damon_sysfs_cmd_goals(struct damon_sysfs_kdamond *kd, struct damon_sysfs_context *dc,
				 struct damon_sysfs_node *node)
{
	if (!damon_sysfs_kdamond_on(kd))
		return -EINVAL;
	return damon_sysfs_cmd_wait(kd, node, damon_sysfs_goals_wait, &dc->schemes);
}

static int damon_sysfs_stats_wait(struct damon_sysfs_run *run, struct damon_sysfs_node *node,
				  void *arg)
{
	return damon_sysfs_schemes_sync(arg, run->ctx, node, true, false);
}

static int damon_sysfs_cmd_stats(struct damon_sysfs_kdamond *kd, struct damon_sysfs_context *dc,
				 struct damon_sysfs_node *node)
{
	return damon_sysfs_cmd_wait(kd, node, damon_sysfs_stats_wait, &dc->schemes);
}

static int damon_sysfs_quotas_wait(struct damon_sysfs_run *run, struct damon_sysfs_node *node,
				   void *arg)
{
	return damon_sysfs_schemes_sync(arg, run->ctx, node, false, true);
}

static int damon_sysfs_cmd_quotas(struct damon_sysfs_kdamond *kd, struct damon_sysfs_context *dc,
				  struct damon_sysfs_node *node)
{
	return damon_sysfs_cmd_wait(kd, node, damon_sysfs_quotas_wait, &dc->schemes);
}

static int damon_sysfs_tried_wait(struct damon_sysfs_run *run, struct damon_sysfs_node *node,
				  void *arg)
{
	return damon_sysfs_schemes_walk(arg, run->ctx, node, false);
}

static int damon_sysfs_cmd_tried(struct damon_sysfs_kdamond *kd, struct damon_sysfs_context *dc,
				 struct damon_sysfs_node *node)
{
	if (!damon_sysfs_kdamond_on(kd))
		return -EINVAL;
	return damon_sysfs_cmd_wait(kd, node, damon_sysfs_tried_wait, &dc->schemes);
}

static int damon_sysfs_tried_bytes_wait(struct damon_sysfs_run *run, struct damon_sysfs_node *node,
					void *arg)
{
	return damon_sysfs_schemes_walk(arg, run->ctx, node, true);
}

static int damon_sysfs_cmd_tried_bytes(struct damon_sysfs_kdamond *kd,
				       struct damon_sysfs_context *dc,
				       struct damon_sysfs_node *node)
{
	if (!damon_sysfs_kdamond_on(kd))
		return -EINVAL;
	return damon_sysfs_cmd_wait(kd, node, damon_sysfs_tried_bytes_wait, &dc->schemes);
}

static int damon_sysfs_cmd_clear_tried(struct damon_sysfs_kdamond *kd,
				       struct damon_sysfs_context *dc,
				       struct damon_sysfs_node *node)
{
	return damon_sysfs_schemes_clear_tried(&dc->schemes);
}

/* Every command needs the (single) context directory of the kdamond. */
static const struct {
	const char *word;
	int (*run)(struct damon_sysfs_kdamond *kd, struct damon_sysfs_context *dc,
		   struct damon_sysfs_node *node);
} damon_sysfs_cmds[] = {
	{ "on", damon_sysfs_cmd_on },
	{ "off", damon_sysfs_cmd_off },
	{ "commit", damon_sysfs_cmd_commit },
	{ "commit_schemes_quota_goals", damon_sysfs_cmd_goals },
	{ "update_schemes_stats", damon_sysfs_cmd_stats },
	{ "update_schemes_tried_regions", damon_sysfs_cmd_tried },
	{ "update_schemes_tried_bytes", damon_sysfs_cmd_tried_bytes },
	{ "clear_schemes_tried_regions", damon_sysfs_cmd_clear_tried },
	{ "update_schemes_effective_quotas", damon_sysfs_cmd_quotas },
};

static int damon_sysfs_state_store(struct damon_sysfs_node *node, const char *buf,
				   size_t len)
{
	struct damon_sysfs_kdamond *kd = node->data;
	struct damon_sysfs_context *dc = damon_sysfs_kdamond_context(kd);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(damon_sysfs_cmds); i++) {
		if (!sysfs_streq(buf, damon_sysfs_cmds[i].word))
			continue;
		/* "off" must work whatever became of the contexts */
		if (!dc && damon_sysfs_cmds[i].run != damon_sysfs_cmd_off)
			return -EINVAL;
		return damon_sysfs_cmds[i].run(kd, dc, node);
	}
	return -EINVAL;
}

static int damon_sysfs_state_show(struct damon_sysfs_node *node, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  damon_sysfs_kdamond_on(node->data) ? "on" : "off");
}

static int damon_sysfs_pid_show(struct damon_sysfs_node *node, char *buf)
{
	struct damon_sysfs_kdamond *kd = node->data;
	int pid = kd->run ? damon_kdamond_pid(kd->run->ctx) : -1;

	return sysfs_emit(buf, "%d\n", pid < 0 ? -1 : pid);
}

/* kdamonds/<N>/ */

static void damon_sysfs_kdamond_fini(void *data)
{
	struct damon_sysfs_kdamond *kd = data;

	/* the kdamond is off, or removal would have been refused */
	damon_sysfs_run_put(kd->run);
	kd->run = NULL;
}

static struct damon_sysfs_file damon_sysfs_kdamond_files[] = {
	DAMON_SYSFS_CALLS(state, DAMON_SYSFS_RW, damon_sysfs_state_show, damon_sysfs_state_store),
	DAMON_SYSFS_CALLS(pid, DAMON_SYSFS_RO, damon_sysfs_pid_show, NULL),
	{ }
};

static const struct damon_sysfs_subdir damon_sysfs_kdamond_subdirs[] = {
	{ "contexts", &damon_sysfs_contexts_dir,
	  offsetof(struct damon_sysfs_kdamond, contexts) },
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_kdamond_dir = {
	.files = damon_sysfs_kdamond_files,
	.subdirs = damon_sysfs_kdamond_subdirs,
	.data_size = sizeof(struct damon_sysfs_kdamond),
	.fini = damon_sysfs_kdamond_fini,
};

/* kdamonds/ */

static int damon_sysfs_kdamonds_may_resize(struct damon_sysfs_list *kdamonds)
{
	unsigned int i;

	for (i = 0; i < kdamonds->nr; i++) {
		struct damon_sysfs_kdamond *kd = damon_sysfs_elem(kdamonds, i);

		if (damon_sysfs_kdamond_on(kd) || kd->nr_waiting)
			return -EBUSY;
	}
	return 0;
}

static struct damon_sysfs_file damon_sysfs_kdamonds_files[] = {
	DAMON_SYSFS_COUNT(nr_kdamonds),
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_kdamonds_dir = {
	.files = damon_sysfs_kdamonds_files,
	.elem = &damon_sysfs_kdamond_dir,
	.may_resize = damon_sysfs_kdamonds_may_resize,
};

/* admin/ */

static const struct damon_sysfs_subdir damon_sysfs_admin_subdirs[] = {
	{ "kdamonds", &damon_sysfs_kdamonds_dir,
	  offsetof(struct damon_sysfs_admin, kdamonds) },
	{ }
};

static const struct damon_sysfs_dir damon_sysfs_admin_dir = {
	.subdirs = damon_sysfs_admin_subdirs,
};

static struct damon_sysfs_admin damon_sysfs_admin;

static int __init damon_sysfs_init(void)
{
	struct kobject *damon_kobj;
	struct damon_sysfs_node *admin;

	damon_kobj = kobject_create_and_add("damon", mm_kobj);
	if (!damon_kobj)
		return -ENOMEM;
	admin = damon_sysfs_create_root(damon_kobj, "admin", &damon_sysfs_admin_dir,
					&damon_sysfs_admin);
	if (IS_ERR(admin)) {
		kobject_put(damon_kobj);
		return PTR_ERR(admin);
	}
	return 0;
}
subsys_initcall(damon_sysfs_init);
