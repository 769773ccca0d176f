/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the DAMON policy modules (damon_reclaim, damon_lru_sort) share.
 *
 * Each module is a paddr context whose schemes are built from module
 * parameters.  The plumbing is here: the parameters both have (monitoring
 * attributes, watermarks, the monitored physical range), checks of written
 * values, turning the context on and off, committing changed parameters to
 * it while it runs, and keeping the statistics parameters current.  A module
 * only says which schemes its parameters make.
 */

#ifndef _DAMON_MODULES_COMMON_H
#define _DAMON_MODULES_COMMON_H

#include <linux/damon.h>
#include <linux/moduleparam.h>

/**
 * struct damon_module - One DAMON policy module.
 * @name:		Its name, for the kernel log.
 * @add_schemes:	Add the module's schemes, as its parameters say, to a
 *			context that has its attributes set already.
 * @update_stats:	Copy what the schemes of the running context did into
 *			the module's statistics parameters; runs in the
 *			kdamond, every sampling interval.
 * @attrs:		Monitoring attributes (parameters).
 * @wmarks:		Watermarks of the schemes (parameters).
 * @region_start:	First physical address to monitor (parameter); zero
 *			along with @region_end for the biggest System RAM.
 * @region_end:		First physical address after the range (parameter).
 * @enabled:		What the user asked for last, until the module is
 *			initialised; from then on the running state decides.
 * @ctx:		The running context, or NULL.
 * @stats_call:		The repeated damon_call() that runs @update_stats.
 * @ready:		Whether the module was initialised: parameters given
 *			on the kernel command line are only recorded before.
 * @busy:		A handler waits on the kdamond without the parameter
 *			lock (see modules-common.c): the module's state must
 *			not change meanwhile.
 *
 * The kernel serialises the set and get handlers of all parameters of
 * built-in code with its parameter lock, which protects @ctx and @busy.
 */
struct damon_module {
	const char *name;
	int (*add_schemes)(struct damon_ctx *ctx);
	void (*update_stats)(struct damon_ctx *ctx);
	struct damon_attrs attrs;
	struct damos_watermarks wmarks;
	unsigned long region_start, region_end;
	bool enabled;
	struct damon_ctx *ctx;
	struct damon_call_control stats_call;
	bool ready;
	bool busy;
};

/* The monitoring attributes a module starts with. */
#define DAMON_MODULE_DEFAULT_ATTRS {					\
	.sample_interval = DAMON_DEFAULT_SAMPLE_US,			\
	.aggr_interval = DAMON_DEFAULT_AGGR_US,				\
	.ops_update_interval = DAMON_DEFAULT_UPDATE_US,			\
	.min_nr_regions = DAMON_DEFAULT_MIN_NR_REGIONS,			\
	.max_nr_regions = DAMON_DEFAULT_MAX_NR_REGIONS,			\
}

/* Parameters whose values must be within a range (see modules-common.c). */
extern const struct kernel_param_ops damon_modules_nonzero_ops;
extern const struct kernel_param_ops damon_modules_permil_ops;
extern const struct kernel_param_ops damon_modules_nr_regions_ops;
/* The control parameters, whose argument is the &struct damon_module. */
extern const struct kernel_param_ops damon_modules_enabled_ops;
extern const struct kernel_param_ops damon_modules_commit_ops;
extern const struct kernel_param_ops damon_modules_pid_ops;

/*
 * The parameters every module has, backed by the fields of its &struct
 * damon_module, which is named @name followed by _mod.  Each module sets its
 * own MODULE_PARAM_PREFIX ("damon_reclaim." ...) first.
 */
#define DAMON_MODULE_COMMON_PARAMS(name)					\
	module_param_cb(sample_interval, &damon_modules_nonzero_ops,	\
			&name##_mod.attrs.sample_interval, 0600);		\
	MODULE_PARM_DESC(sample_interval,				\
			 "Sampling interval, in microseconds");		\
	module_param_cb(aggr_interval, &damon_modules_nonzero_ops,	\
			&name##_mod.attrs.aggr_interval, 0600);		\
	MODULE_PARM_DESC(aggr_interval,					\
			 "Aggregation interval, in microseconds");	\
	module_param_cb(min_nr_regions, &damon_modules_nr_regions_ops,	\
			&name##_mod.attrs.min_nr_regions, 0600);		\
	MODULE_PARM_DESC(min_nr_regions, "Fewest monitoring regions");	\
	module_param_cb(max_nr_regions, &damon_modules_nr_regions_ops,	\
			&name##_mod.attrs.max_nr_regions, 0600);		\
	MODULE_PARM_DESC(max_nr_regions, "Most monitoring regions");	\
	module_param_cb(wmarks_interval, &damon_modules_nonzero_ops,	\
			&name##_mod.wmarks.interval, 0600);			\
	MODULE_PARM_DESC(wmarks_interval,				\
			 "Watermarks check interval, in microseconds");	\
	module_param_cb(wmarks_high, &damon_modules_permil_ops,		\
			&name##_mod.wmarks.high, 0600);			\
	MODULE_PARM_DESC(wmarks_high,					\
			 "Free memory permil above which to stop");	\
	module_param_cb(wmarks_mid, &damon_modules_permil_ops,		\
			&name##_mod.wmarks.mid, 0600);			\
	MODULE_PARM_DESC(wmarks_mid,					\
			 "Free memory permil below which to start");	\
	module_param_cb(wmarks_low, &damon_modules_permil_ops,		\
			&name##_mod.wmarks.low, 0600);			\
	MODULE_PARM_DESC(wmarks_low,					\
			 "Free memory permil below which to stop");	\
	module_param_named(monitor_region_start, name##_mod.region_start,	\
			   ulong, 0600);				\
	MODULE_PARM_DESC(monitor_region_start,				\
			 "First physical address to monitor");		\
	module_param_named(monitor_region_end, name##_mod.region_end,	\
			   ulong, 0600);				\
	MODULE_PARM_DESC(monitor_region_end,				\
			 "First physical address after those monitored")

/*
 * The enabled, commit_inputs and kdamond_pid parameters of the module whose
 * &struct damon_module is @name followed by _mod.
 * Reading enabled and kdamond_pid tells what runs, not what was asked for;
 * commit_inputs reads N: a write of Y is done when the write returns.
 */
#define DAMON_MODULE_CONTROL_PARAMS(name)				\
	module_param_cb(enabled, &damon_modules_enabled_ops, &name##_mod,	\
			0600);						\
	MODULE_PARM_DESC(enabled, "Run the module (Y) or not (N)");	\
	module_param_cb(commit_inputs, &damon_modules_commit_ops,	\
			&name##_mod, 0600);					\
	MODULE_PARM_DESC(commit_inputs,					\
			 "Write Y to apply the parameters while running");\
	module_param_cb(kdamond_pid, &damon_modules_pid_ops, &name##_mod,	\
			0400);						\
	MODULE_PARM_DESC(kdamond_pid,					\
			 "Pid of the module's kdamond, -1 if not running")

/*
 * Read-only statistics parameters of a scheme, copies of the &struct
 * damos_stat named @name followed by _stat.
 */
#define DAMON_MODULE_STAT_PARAMS(name, tried, applied, exceeds)		\
	module_param_named(nr_##tried, name##_stat.nr_tried, ulong,	\
			   0400);					\
	module_param_named(bytes_##tried, name##_stat.sz_tried, ulong,	\
			   0400);					\
	module_param_named(nr_##applied, name##_stat.nr_applied, ulong,	\
			   0400);					\
	module_param_named(bytes_##applied, name##_stat.sz_applied,	\
			   ulong, 0400);				\
	module_param_named(nr_##exceeds, name##_stat.qt_exceeds, ulong,	\
			   0400)

int damon_modules_init(struct damon_module *m);
void damon_modules_copy_stat(struct damos_stat *dst,
			     const struct damos_stat *src);

#endif	/* _DAMON_MODULES_COMMON_H */
