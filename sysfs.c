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

struct dadm_region {
	unsigned long start;
	unsigned long end;
};

struct dadm_target {
	int pid;
	struct dadm_list regions;
};

struct dadm_intervals {
	unsigned long sample_us;
	unsigned long aggr_us;
	unsigned long update_us;
};

struct dadm_mon_attrs {
	struct dadm_intervals intervals;
	struct dadm_range nr_regions;
};

struct dadm_context {
	int ops;
	struct dadm_mon_attrs attrs;
	struct dadm_list targets;
	struct dadm_list schemes;
};

/*
 * A context started from a kdamond directory.  Commands that wait on its
 * kdamond without the tree lock hold a reference, so that "off" meanwhile
 * cannot free it under them: the last reference frees it (stopping the
 * kdamond, if it still runs).
 */
struct dadm_run {
	struct damon_ctx *ctx;
	refcount_t users;
};

/* A kdamond directory's data: its contexts list must come first. */
struct dadm_kdamond {
	struct dadm_list contexts;
	/* the context last started from this directory, if still there */
	struct dadm_run *run;
	/*
	 * Commands waiting on the kdamond without the tree lock: while there
	 * are some, the directory and its context directory stay.
	 */
	unsigned int nr_waiting;
};

struct dadm_admin {
	struct dadm_list kdamonds;
};

static const char * const dadm_ops_words[] = {
	[DAMON_OPS_VADDR] = "vaddr",
	[DAMON_OPS_FVADDR] = "fvaddr",
	[DAMON_OPS_PADDR] = "paddr",
};

static_assert(ARRAY_SIZE(dadm_ops_words) == NR_DAMON_OPS);

static bool dadm_kdamond_on(struct dadm_kdamond *kd)
{
	return kd->run && damon_is_running(kd->run->ctx);
}

static struct dadm_run *dadm_run_new(struct damon_ctx *ctx)
{
	struct dadm_run *run = kmalloc(sizeof(*run), GFP_KERNEL);

	if (run) {
		run->ctx = ctx;
		refcount_set(&run->users, 1);
	}
	return run;
}

static void dadm_run_put(struct dadm_run *run)
{
	if (!run || !refcount_dec_and_test(&run->users))
		return;
	damon_destroy_ctx(run->ctx);
	kfree(run);
}

/* targets/<N>/regions/<N>/ */

static struct dadm_file dadm_region_files[] = {
	DADM_VAL(start, DADM_RW, DADM_ULONG, struct dadm_region, start),
	DADM_VAL(end, DADM_RW, DADM_ULONG, struct dadm_region, end),
	{ }
};

static const struct dadm_dir dadm_region_dir = {
	.files = dadm_region_files,
	.data_size = sizeof(struct dadm_region),
};

/* targets/<N>/regions/ */

static struct dadm_file dadm_regions_files[] = {
	DADM_COUNT(nr_regions),
	{ }
};

static const struct dadm_dir dadm_regions_dir = {
	.files = dadm_regions_files,
	.elem = &dadm_region_dir,
};

/* targets/<N>/ */

static struct dadm_file dadm_target_files[] = {
	DADM_VAL(pid_target, DADM_RW, DADM_INT, struct dadm_target, pid),
	{ }
};

static const struct dadm_subdir dadm_target_subdirs[] = {
	{ "regions", &dadm_regions_dir, offsetof(struct dadm_target, regions) },
	{ }
};

static const struct dadm_dir dadm_target_dir = {
	.files = dadm_target_files,
	.subdirs = dadm_target_subdirs,
	.data_size = sizeof(struct dadm_target),
};

/* targets/ */

static struct dadm_file dadm_targets_files[] = {
	DADM_COUNT(nr_targets),
	{ }
};

static const struct dadm_dir dadm_targets_dir = {
	.files = dadm_targets_files,
	.elem = &dadm_target_dir,
};

/* schemes/: the scheme directories themselves are in sysfs-schemes.c */

static struct dadm_file dadm_schemes_files[] = {
	DADM_COUNT(nr_schemes),
	{ }
};

static const struct dadm_dir dadm_schemes_dir = {
	.files = dadm_schemes_files,
	.elem = &dadm_scheme_dir,
};

/* monitoring_attrs/intervals/ */

static struct dadm_file dadm_intervals_files[] = {
	DADM_VAL(sample_us, DADM_RW, DADM_ULONG, struct dadm_intervals,
		 sample_us),
	DADM_VAL(aggr_us, DADM_RW, DADM_ULONG, struct dadm_intervals, aggr_us),
	DADM_VAL(update_us, DADM_RW, DADM_ULONG, struct dadm_intervals,
		 update_us),
	{ }
};

static const struct dadm_dir dadm_intervals_dir = {
	.files = dadm_intervals_files,
};

/* monitoring_attrs/ */

static const struct dadm_subdir dadm_mon_attrs_subdirs[] = {
	{ "intervals", &dadm_intervals_dir,
	  offsetof(struct dadm_mon_attrs, intervals) },
	{ "nr_regions", &dadm_range_dir,
	  offsetof(struct dadm_mon_attrs, nr_regions) },
	{ }
};

static const struct dadm_dir dadm_mon_attrs_dir = {
	.subdirs = dadm_mon_attrs_subdirs,
};

/* contexts/<N>/ */

static int dadm_avail_ops_show(struct dadm_node *node, char *buf)
{
	int id, len = 0;

	for (id = 0; id < NR_DAMON_OPS; id++) {
		if (damon_is_registered_ops(id))
			len += sysfs_emit_at(buf, len, "%s\n",
					     dadm_ops_words[id]);
	}
	return len;
}

static void dadm_context_init(void *data)
{
	struct dadm_context *dc = data;

	dc->ops = DAMON_OPS_VADDR;
	dc->attrs.intervals.sample_us = 5000;
	dc->attrs.intervals.aggr_us = 100000;
	dc->attrs.intervals.update_us = 60000000;
	dc->attrs.nr_regions.min = 10;
	dc->attrs.nr_regions.max = 1000;
}

static struct dadm_file dadm_context_files[] = {
	DADM_CALLS(avail_operations, DADM_RO, dadm_avail_ops_show, NULL),
	DADM_WORDS(operations, struct dadm_context, ops, dadm_ops_words,
		   NR_DAMON_OPS),
	{ }
};

static const struct dadm_subdir dadm_context_subdirs[] = {
	{ "monitoring_attrs", &dadm_mon_attrs_dir,
	  offsetof(struct dadm_context, attrs) },
	{ "targets", &dadm_targets_dir,
	  offsetof(struct dadm_context, targets) },
	{ "schemes", &dadm_schemes_dir,
	  offsetof(struct dadm_context, schemes) },
	{ }
};

static const struct dadm_dir dadm_context_dir = {
	.files = dadm_context_files,
	.subdirs = dadm_context_subdirs,
	.data_size = sizeof(struct dadm_context),
	.init = dadm_context_init,
};

/* kdamonds/<N>/contexts/ */

static int dadm_contexts_may_resize(struct dadm_list *contexts)
{
	struct dadm_kdamond *kd;

	kd = container_of(contexts, struct dadm_kdamond, contexts);
	return dadm_kdamond_on(kd) || kd->nr_waiting ? -EBUSY : 0;
}

static struct dadm_file dadm_contexts_files[] = {
	DADM_COUNT(nr_contexts),
	{ }
};

/* Only one context per kdamond is supported for now. */
static const struct dadm_dir dadm_contexts_dir = {
	.files = dadm_contexts_files,
	.elem = &dadm_context_dir,
	.max_elems = 1,
	.may_resize = dadm_contexts_may_resize,
};

/*
 * Building DAMON contexts from the files
 */

static int dadm_add_target(struct damon_ctx *ctx, struct dadm_target *dt,
			   bool has_pid)
{
	struct dadm_list *regions = &dt->regions;
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
		struct dadm_region *dr = dadm_elem(regions, i);

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
static struct damon_ctx *dadm_build_ctx(struct dadm_context *dc)
{
	struct dadm_mon_attrs *ma = &dc->attrs;
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
		err = dadm_add_target(ctx, dadm_elem(&dc->targets, i), has_pid);
	if (!err)
		err = dadm_schemes_to_ctx(&dc->schemes, ctx);
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
static struct dadm_context *dadm_kdamond_context(struct dadm_kdamond *kd)
{
	if (kd->contexts.nr != 1)
		return NULL;
	return dadm_elem(&kd->contexts, 0);
}

static int dadm_cmd_on(struct dadm_kdamond *kd, struct dadm_context *dc,
		       struct dadm_node *node)
{
	struct dadm_run *run;
	struct damon_ctx *ctx;
	int err;

	if (dadm_kdamond_on(kd))
		return -EBUSY;
	ctx = dadm_build_ctx(dc);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	run = dadm_run_new(ctx);
	if (!run) {
		damon_destroy_ctx(ctx);
		return -ENOMEM;
	}
	err = damon_start(&ctx, 1, false);
	if (err) {
		dadm_run_put(run);
		return err;
	}
	/* the former context, if any, finished on its own */
	dadm_run_put(kd->run);
	kd->run = run;
	return 0;
}

/*
 * The directory lets go of its context at once; the kdamond is stopped
 * without the tree lock.  Commands still waiting on it are cancelled.
 */
static int dadm_cmd_off(struct dadm_kdamond *kd, struct dadm_context *dc,
			struct dadm_node *node)
{
	struct dadm_run *run = kd->run;
	int err;

	if (!run)
		return -EINVAL;
	kd->run = NULL;
	dadm_unlock();
	err = damon_stop(&run->ctx, 1);
	dadm_run_put(run);
	dadm_relock(node);
	return err;
}

/*
 * Run @fn for a command that waits on the kdamond: the context stays
 * allocated, and the directories in place, until it is done.
 */
static int dadm_cmd_wait(struct dadm_kdamond *kd, struct dadm_node *node,
			 int (*fn)(struct dadm_run *run, struct dadm_node *node,
				   void *arg), void *arg)
{
	struct dadm_run *run = kd->run;
	int err;

	if (!run)
		return -EINVAL;
	refcount_inc(&run->users);
	kd->nr_waiting++;
	err = fn(run, node, arg);
	kd->nr_waiting--;
	dadm_run_put(run);
	return err;
}

struct dadm_commit {
	struct damon_ctx *dst;
	struct damon_ctx *src;
};

static int dadm_commit_fn(void *arg)
{
	struct dadm_commit *commit = arg;

	return damon_commit_ctx(commit->dst, commit->src);
}

/* Waits for the kdamond to take the new parameters, without the lock. */
static int dadm_commit_wait(struct dadm_run *run, struct dadm_node *node,
			    void *arg)
{
	struct dadm_commit commit = { .dst = run->ctx, .src = arg };
	struct damon_call_control control = {
		.fn = dadm_commit_fn,
		.data = &commit,
	};
	int err;

	dadm_unlock();
	err = damon_call(run->ctx, &control) ?: control.return_code;
	dadm_relock(node);
	return err;
}

static int dadm_cmd_commit(struct dadm_kdamond *kd, struct dadm_context *dc,
			   struct dadm_node *node)
{
	struct damon_ctx *src;
	int err;

	if (!dadm_kdamond_on(kd))
		return -EINVAL;
	src = dadm_build_ctx(dc);
	if (IS_ERR(src))
		return PTR_ERR(src);
	err = dadm_cmd_wait(kd, node, dadm_commit_wait, src);
	damon_destroy_ctx(src);
	return err;
}

static int dadm_goals_wait(struct dadm_run *run, struct dadm_node *node,
			   void *arg)
{
	return dadm_schemes_push_goals(arg, run->ctx, node);
}

static int dadm_cmd_goals(struct dadm_kdamond *kd, struct dadm_context *dc,
			  struct dadm_node *node)
{
	if (!dadm_kdamond_on(kd))
		return -EINVAL;
	return dadm_cmd_wait(kd, node, dadm_goals_wait, &dc->schemes);
}

static int dadm_stats_wait(struct dadm_run *run, struct dadm_node *node,
			   void *arg)
{
	return dadm_schemes_sync(arg, run->ctx, node, true, false);
}

static int dadm_cmd_stats(struct dadm_kdamond *kd, struct dadm_context *dc,
			  struct dadm_node *node)
{
	return dadm_cmd_wait(kd, node, dadm_stats_wait, &dc->schemes);
}

static int dadm_quotas_wait(struct dadm_run *run, struct dadm_node *node,
			    void *arg)
{
	return dadm_schemes_sync(arg, run->ctx, node, false, true);
}

static int dadm_cmd_quotas(struct dadm_kdamond *kd, struct dadm_context *dc,
			   struct dadm_node *node)
{
	return dadm_cmd_wait(kd, node, dadm_quotas_wait, &dc->schemes);
}

static int dadm_tried_wait(struct dadm_run *run, struct dadm_node *node,
			   void *arg)
{
	return dadm_schemes_walk(arg, run->ctx, node, false);
}

static int dadm_cmd_tried(struct dadm_kdamond *kd, struct dadm_context *dc,
			  struct dadm_node *node)
{
	if (!dadm_kdamond_on(kd))
		return -EINVAL;
	return dadm_cmd_wait(kd, node, dadm_tried_wait, &dc->schemes);
}

static int dadm_tried_bytes_wait(struct dadm_run *run, struct dadm_node *node,
				 void *arg)
{
	return dadm_schemes_walk(arg, run->ctx, node, true);
}

static int dadm_cmd_tried_bytes(struct dadm_kdamond *kd,
				struct dadm_context *dc, struct dadm_node *node)
{
	if (!dadm_kdamond_on(kd))
		return -EINVAL;
	return dadm_cmd_wait(kd, node, dadm_tried_bytes_wait, &dc->schemes);
}

static int dadm_cmd_clear_tried(struct dadm_kdamond *kd,
				struct dadm_context *dc, struct dadm_node *node)
{
	return dadm_schemes_clear_tried(&dc->schemes);
}

/* Every command needs the (single) context directory of the kdamond. */
static const struct {
	const char *word;
	int (*run)(struct dadm_kdamond *kd, struct dadm_context *dc,
		   struct dadm_node *node);
} dadm_cmds[] = {
	{ "on", dadm_cmd_on },
	{ "off", dadm_cmd_off },
	{ "commit", dadm_cmd_commit },
	{ "commit_schemes_quota_goals", dadm_cmd_goals },
	{ "update_schemes_stats", dadm_cmd_stats },
	{ "update_schemes_tried_regions", dadm_cmd_tried },
	{ "update_schemes_tried_bytes", dadm_cmd_tried_bytes },
	{ "clear_schemes_tried_regions", dadm_cmd_clear_tried },
	{ "update_schemes_effective_quotas", dadm_cmd_quotas },
};

static int dadm_state_store(struct dadm_node *node, const char *buf,
			    size_t len)
{
	struct dadm_kdamond *kd = node->data;
	struct dadm_context *dc = dadm_kdamond_context(kd);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dadm_cmds); i++) {
		if (!sysfs_streq(buf, dadm_cmds[i].word))
			continue;
		/* "off" must work whatever became of the contexts */
		if (!dc && dadm_cmds[i].run != dadm_cmd_off)
			return -EINVAL;
		return dadm_cmds[i].run(kd, dc, node);
	}
	return -EINVAL;
}

static int dadm_state_show(struct dadm_node *node, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  dadm_kdamond_on(node->data) ? "on" : "off");
}

static int dadm_pid_show(struct dadm_node *node, char *buf)
{
	struct dadm_kdamond *kd = node->data;
	int pid = kd->run ? damon_kdamond_pid(kd->run->ctx) : -1;

	return sysfs_emit(buf, "%d\n", pid < 0 ? -1 : pid);
}

/* kdamonds/<N>/ */

static void dadm_kdamond_fini(void *data)
{
	struct dadm_kdamond *kd = data;

	/* the kdamond is off, or removal would have been refused */
	dadm_run_put(kd->run);
	kd->run = NULL;
}

static struct dadm_file dadm_kdamond_files[] = {
	DADM_CALLS(state, DADM_RW, dadm_state_show, dadm_state_store),
	DADM_CALLS(pid, DADM_RO, dadm_pid_show, NULL),
	{ }
};

static const struct dadm_subdir dadm_kdamond_subdirs[] = {
	{ "contexts", &dadm_contexts_dir,
	  offsetof(struct dadm_kdamond, contexts) },
	{ }
};

static const struct dadm_dir dadm_kdamond_dir = {
	.files = dadm_kdamond_files,
	.subdirs = dadm_kdamond_subdirs,
	.data_size = sizeof(struct dadm_kdamond),
	.fini = dadm_kdamond_fini,
};

/* kdamonds/ */

static int dadm_kdamonds_may_resize(struct dadm_list *kdamonds)
{
	unsigned int i;

	for (i = 0; i < kdamonds->nr; i++) {
		struct dadm_kdamond *kd = dadm_elem(kdamonds, i);

		if (dadm_kdamond_on(kd) || kd->nr_waiting)
			return -EBUSY;
	}
	return 0;
}

static struct dadm_file dadm_kdamonds_files[] = {
	DADM_COUNT(nr_kdamonds),
	{ }
};

static const struct dadm_dir dadm_kdamonds_dir = {
	.files = dadm_kdamonds_files,
	.elem = &dadm_kdamond_dir,
	.may_resize = dadm_kdamonds_may_resize,
};

/* admin/ */

static const struct dadm_subdir dadm_admin_subdirs[] = {
	{ "kdamonds", &dadm_kdamonds_dir,
	  offsetof(struct dadm_admin, kdamonds) },
	{ }
};

static const struct dadm_dir dadm_admin_dir = {
	.subdirs = dadm_admin_subdirs,
};

static struct dadm_admin dadm_admin;

static int __init dadm_init(void)
{
	struct kobject *damon_kobj;
	struct dadm_node *admin;

	damon_kobj = kobject_create_and_add("damon", mm_kobj);
	if (!damon_kobj)
		return -ENOMEM;
	admin = dadm_create_root(damon_kobj, "admin", &dadm_admin_dir,
				 &dadm_admin);
	if (IS_ERR(admin)) {
		kobject_put(damon_kobj);
		return PTR_ERR(admin);
	}
	return 0;
}
subsys_initcall(dadm_init);
