// SPDX-License-Identifier: GPL-2.0
/*
 * The plumbing of the DAMON policy modules: parameter checks, turning the
 * module's context on and off, committing parameters to it, and keeping its
 * statistics parameters current.  See modules-common.h.
 */

#define pr_fmt(fmt) "damon: " fmt

#include <linux/kernel.h>
#include <linux/string.h>

#include "modules-common.h"

/*
 * Checked parameters.  A value outside its range is refused when written,
 * and the parameter keeps its former value; what depends on several
 * parameters (watermark order, minimum and maximum) is checked when the
 * parameters are applied.
 */

static int damon_modules_set_ulong(const char *val,
				   const struct kernel_param *kp,
				   unsigned long min, unsigned long max)
{
	unsigned long v;
	int err = kstrtoul(val, 0, &v);

	if (err)
		return err;
	if (v < min || v > max)
		return -EINVAL;
	*(unsigned long *)kp->arg = v;
	return 0;
}

/* Intervals: zero would make the kdamond spin or divide by zero. */
static int damon_modules_set_nonzero(const char *val,
				     const struct kernel_param *kp)
{
	return damon_modules_set_ulong(val, kp, 1, ULONG_MAX);
}

const struct kernel_param_ops damon_modules_nonzero_ops = {
	.set = damon_modules_set_nonzero,
	.get = param_get_ulong,
};

/* Rates of free memory, access frequencies: per thousand. */
static int damon_modules_set_permil(const char *val,
				    const struct kernel_param *kp)
{
	return damon_modules_set_ulong(val, kp, 0, 1000);
}

const struct kernel_param_ops damon_modules_permil_ops = {
	.set = damon_modules_set_permil,
	.get = param_get_ulong,
};

/* DAMON needs three regions at least (see damon_set_attrs()). */
static int damon_modules_set_nr_regions(const char *val,
					const struct kernel_param *kp)
{
	return damon_modules_set_ulong(val, kp, 3, ULONG_MAX);
}

const struct kernel_param_ops damon_modules_nr_regions_ops = {
	.set = damon_modules_set_nr_regions,
	.get = param_get_ulong,
};

/*
 * Building the context
 */

static bool damon_modules_valid_wmarks(const struct damos_watermarks *w)
{
	return w->metric == DAMOS_WMARK_NONE ||
		(w->low <= w->mid && w->mid <= w->high);
}

/*
 * A new, not running, paddr context as the parameters of @m say.  The
 * monitored range is written back to the parameters, so that they show the
 * System RAM range chosen for 0/0.
 */
static struct damon_ctx *damon_modules_build(struct damon_module *m)
{
	unsigned long start = m->region_start, end = m->region_end;
	struct damon_target *t;
	struct damon_ctx *ctx;
	int err;

	if (!damon_modules_valid_wmarks(&m->wmarks))
		return ERR_PTR(-EINVAL);
	ctx = damon_new_ctx();
	if (!ctx)
		return ERR_PTR(-ENOMEM);
	err = damon_select_ops(ctx, DAMON_OPS_PADDR) ?:
		damon_set_attrs(ctx, &m->attrs);
	if (err)
		goto fail;
	t = damon_new_target();
	if (!t) {
		err = -ENOMEM;
		goto fail;
	}
	damon_add_target(ctx, t);
	err = damon_set_region_biggest_system_ram_default(t, &start, &end) ?:
		m->add_schemes(ctx);
	if (err)
		goto fail;
	m->region_start = start;
	m->region_end = end;
	return ctx;
fail:
	damon_destroy_ctx(ctx);
	return ERR_PTR(err);
}

/*
 * Turning on and off
 */

static int damon_modules_stats_fn(void *data)
{
	struct damon_module *m = data;

	m->update_stats(m->ctx);
	return 0;
}

static bool damon_modules_running(struct damon_module *m)
{
	return m->ctx && damon_is_running(m->ctx);
}

/*
 * The parameter handlers run with the kernel's parameter lock held.  They
 * let go of it while they wait on the kdamond (to stop, or to take a
 * commit), so that the parameters stay readable and a kdamond with long
 * intervals never keeps other writers waiting; the module is marked busy
 * meanwhile, and other changes of its state fail with -EBUSY.
 */
static void damon_modules_wait_begin(struct damon_module *m)
{
	m->busy = true;
	kernel_param_unlock(NULL);
}

static void damon_modules_wait_end(struct damon_module *m)
{
	kernel_param_lock(NULL);
	m->busy = false;
}

/*
 * Stop and free the module's context, whether it still runs or not.  The
 * statistics call runs in the kdamond until it exits and reads @m->ctx, so
 * that is cleared only once damon_stop() returned.
 */
static void damon_modules_off(struct damon_module *m)
{
	struct damon_ctx *ctx = m->ctx;

	if (!ctx)
		return;
	damon_modules_wait_begin(m);
	damon_stop(&ctx, 1);
	damon_modules_wait_end(m);
	m->ctx = NULL;
	damon_destroy_ctx(ctx);
}

/*
 * Start a context built from the parameters.  DAMON runs it exclusively:
 * no other kdamond (of sysfs or of another module) may run meanwhile, and
 * the start fails with -EBUSY while one does.
 */
static int damon_modules_on(struct damon_module *m)
{
	struct damon_ctx *ctx;
	int err;

	if (damon_modules_running(m))
		return 0;
	/* a context that stopped on its own */
	damon_modules_off(m);
	ctx = damon_modules_build(m);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	err = damon_start(&ctx, 1, true);
	if (err) {
		damon_destroy_ctx(ctx);
		return err;
	}
	m->ctx = ctx;
	m->stats_call.fn = damon_modules_stats_fn;
	m->stats_call.data = m;
	m->stats_call.repeat = true;
	/* repeated: returns at once, and only fails if already stopped */
	damon_call(ctx, &m->stats_call);
	return 0;
}

static int damon_modules_set_enabled(const char *val,
				     const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;
	bool enable;
	int err = kstrtobool(val, &enable);

	if (err)
		return err;
	if (!m->ready) {
		/* from the kernel command line: damon_modules_init() acts */
		m->enabled = enable;
		return 0;
	}
	if (m->busy)
		return -EBUSY;
	if (enable)
		return damon_modules_on(m);
	damon_modules_off(m);
	return 0;
}

static int damon_modules_get_enabled(char *buf, const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;
	bool on = m->ready ? damon_modules_running(m) : m->enabled;

	return sysfs_emit(buf, "%c\n", on ? 'Y' : 'N');
}

const struct kernel_param_ops damon_modules_enabled_ops = {
	.set = damon_modules_set_enabled,
	.get = damon_modules_get_enabled,
};

/*
 * Committing parameters to a running context
 */

/*
 * Apply the parameters to the running context, keeping its monitoring
 * results, and return once that is done (or failed).  When the module is
 * off, the parameters are only checked: they are applied on the next start
 * anyway.  On failure the running context keeps its former parameters.
 */
static int damon_modules_set_commit(const char *val,
				    const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;
	struct damon_ctx *src;
	bool yes;
	int err = kstrtobool(val, &yes);

	if (err || !yes || !m->ready)
		return err;
	if (m->busy)
		return -EBUSY;
	src = damon_modules_build(m);
	if (IS_ERR(src))
		return PTR_ERR(src);
	if (damon_modules_running(m)) {
		struct damon_ctx *ctx = m->ctx;

		damon_modules_wait_begin(m);
		err = damon_commit_running(ctx, src);
		damon_modules_wait_end(m);
	}
	damon_destroy_ctx(src);
	return err;
}

static int damon_modules_get_commit(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "N\n");
}

const struct kernel_param_ops damon_modules_commit_ops = {
	.set = damon_modules_set_commit,
	.get = damon_modules_get_commit,
};

static int damon_modules_get_pid(char *buf, const struct kernel_param *kp)
{
	struct damon_module *m = kp->arg;

	return sysfs_emit(buf, "%d\n", m->ctx ? damon_kdamond_pid(m->ctx) : -1);
}

const struct kernel_param_ops damon_modules_pid_ops = {
	.get = damon_modules_get_pid,
};

/**
 * damon_modules_init() - Make a module's parameters take effect.
 * @m:	The module.
 *
 * Called once, from the module's initcall, after the operations sets are
 * registered.  Starts the module if enabled=Y was given on the kernel
 * command line.
 *
 * Return: 0, or the error of that start (the module then stays off).
 */
int damon_modules_init(struct damon_module *m)
{
	int err = 0;

	/* as if written by the user: the handlers expect the lock held */
	kernel_param_lock(NULL);
	m->ready = true;
	if (m->enabled)
		err = damon_modules_on(m);
	kernel_param_unlock(NULL);
	if (err)
		pr_err("%s: cannot start: %d\n", m->name, err);
	return err;
}

/**
 * damon_modules_copy_stat() - Copy scheme statistics to module parameters.
 * @dst:	The statistics parameters.
 * @src:	The statistics of the scheme.
 *
 * Readers of the parameters may race with the copy; each value is written
 * in one go, so they read old or new values, never torn ones.
 */
void damon_modules_copy_stat(struct damos_stat *dst,
			     const struct damos_stat *src)
{
	WRITE_ONCE(dst->nr_tried, src->nr_tried);
	WRITE_ONCE(dst->sz_tried, src->sz_tried);
	WRITE_ONCE(dst->nr_applied, src->nr_applied);
	WRITE_ONCE(dst->sz_applied, src->sz_applied);
	WRITE_ONCE(dst->sz_ops_filter_passed, src->sz_ops_filter_passed);
	WRITE_ONCE(dst->qt_exceeds, src->qt_exceeds);
}
