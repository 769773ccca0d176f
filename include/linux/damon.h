/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DAMON: Data Access MONitor - the kernel programming interface.
 *
 * A monitoring context (&struct damon_ctx) owns a list of targets, each of
 * which owns a sorted list of address regions.  A kernel thread, kdamond,
 * samples one address of every region per sampling interval through a set of
 * operations (&struct damon_operations) that knows the address space, and
 * periodically aggregates the results, adjusts the regions and applies the
 * access-aware memory management schemes (&struct damos) of the context.
 */

#ifndef _LINUX_DAMON_H
#define _LINUX_DAMON_H

#include <linux/completion.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/memcontrol.h>
#include <linux/mutex.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <linux/random.h>

struct damon_ctx;

/*
 * Default monitoring attributes, the same for the core, the sysfs
 * interface and the modules: sampling, aggregation and update intervals in
 * microseconds, and the range of the number of regions.
 */
#define DAMON_DEFAULT_SAMPLE_US		(5 * USEC_PER_MSEC)
#define DAMON_DEFAULT_AGGR_US		(100 * USEC_PER_MSEC)
#define DAMON_DEFAULT_UPDATE_US		(60 * USEC_PER_SEC)
#define DAMON_DEFAULT_MIN_NR_REGIONS	10
#define DAMON_DEFAULT_MAX_NR_REGIONS	1000

/* Upper bound of the score that prioritises the regions of a scheme. */
#define DAMOS_MAX_SCORE		99
/* No region is ever smaller than this, nor unaligned to it. */
#define DAMON_MIN_REGION	PAGE_SIZE

/**
 * damon_rand() - Pick a pseudo-random number in [@l, @r).
 * @l:	Inclusive lower bound.
 * @r:	Exclusive upper bound; must be bigger than @l.
 *
 * Return: the number.
 */
static inline unsigned long damon_rand(unsigned long l, unsigned long r)
{
	unsigned long span = r - l;

	/*
	 * A random number scaled to the span.  Nearly every region spans
	 * less than 4 GiB, and 32 random bits then do: they cost the
	 * sampling path half the entropy of 64.
	 */
	if (span <= U32_MAX)
		return l + (unsigned long)(((u64)get_random_u32() * span) >> 32);
	return l + mul_u64_u64_shr(get_random_u64(), span, 64);
}

/**
 * struct damon_addr_range - A half-open address range, [@start, @end).
 * @start:	First address of the range.
 * @end:	First address after the range.
 */
struct damon_addr_range {
	unsigned long start, end;
};

/**
 * struct damon_region - One monitored address region.
 * @ar:			The address range of the region.
 * @sampling_addr:	Address checked in the current sampling interval.
 * @nr_accesses:	Sampling intervals of the current aggregation interval
 *			that found the region accessed.
 * @last_nr_accesses:	@nr_accesses of the previous aggregation interval.
 * @age:		Aggregation intervals the region's access frequency has
 *			kept without a meaningful change.
 * @list:		Entry in the owning target's region list.
 *
 * Regions of one target never overlap and are kept sorted by address.  The
 * operations set one sampling address per region per sampling interval and
 * report whether it was accessed through damon_update_region_access_rate().
 */
struct damon_region {
	struct list_head list;
	struct damon_addr_range ar;
	unsigned int nr_accesses, last_nr_accesses;
	unsigned int age;
	unsigned long sampling_addr;
};

/**
 * struct damon_target - One monitoring target.
 * @pid:	The process to monitor, for virtual address operations.
 * @nr_regions:	Number of regions in @regions_list.
 * @regions_list:	The monitoring regions, sorted by address.
 * @list:	Entry in the owning context's target list.
 *
 * The meaning of a target is up to the operations set: a process for the
 * virtual address operations, the whole physical address space for paddr.
 */
struct damon_target {
	struct list_head list;
	struct pid *pid;
	struct list_head regions_list;
	unsigned int nr_regions;
};

/**
 * enum damos_action - What a scheme does to the regions it targets.
 * @DAMOS_WILLNEED:	madvise(MADV_WILLNEED).
 * @DAMOS_COLD:		madvise(MADV_COLD).
 * @DAMOS_PAGEOUT:	Reclaim the region's pages.
 * @DAMOS_HUGEPAGE:	madvise(MADV_HUGEPAGE).
 * @DAMOS_NOHUGEPAGE:	madvise(MADV_NOHUGEPAGE).
 * @DAMOS_LRU_PRIO:	Move the pages to the head of their LRU lists.
 * @DAMOS_LRU_DEPRIO:	Move the pages to the tail of their LRU lists.
 * @DAMOS_MIGRATE_HOT:	Migrate the pages, hottest first, to a node.
 * @DAMOS_MIGRATE_COLD:	Migrate the pages, coldest first, to a node.
 * @DAMOS_STAT:		Do nothing but count the region in the statistics.
 * @NR_DAMOS_ACTIONS:	Number of actions; not an action.
 *
 * Not every operations set implements every action; applying one it does not
 * know is counted as tried but not applied.
 */
enum damos_action {
	DAMOS_WILLNEED = 0, DAMOS_COLD, DAMOS_PAGEOUT,
	DAMOS_HUGEPAGE, DAMOS_NOHUGEPAGE,
	DAMOS_LRU_PRIO, DAMOS_LRU_DEPRIO,
	DAMOS_MIGRATE_HOT, DAMOS_MIGRATE_COLD,
	DAMOS_STAT,
	NR_DAMOS_ACTIONS
};

/**
 * enum damos_quota_goal_metric - What a quota goal measures.
 * @DAMOS_QUOTA_USER_INPUT:	A value the user feeds in.
 * @DAMOS_QUOTA_SOME_MEM_PSI_US:	Microseconds of system-wide "some"
 *				memory pressure stall per reset interval.
 * @NR_DAMOS_QUOTA_GOAL_METRICS:	Number of metrics; not a metric.
 */
enum damos_quota_goal_metric {
	DAMOS_QUOTA_USER_INPUT = 0,
	DAMOS_QUOTA_SOME_MEM_PSI_US,
	NR_DAMOS_QUOTA_GOAL_METRICS
};

/**
 * struct damos_quota_goal - A target the quota is automatically tuned for.
 * @metric:		The metric to reach.
 * @target_value:	Value of @metric the tuning aims at.
 * @current_value:	Latest value of @metric.
 * @last_psi_total:	Private: PSI total at the previous measurement.
 * @list:		Entry in the quota's goal list.
 *
 * The effective size quota grows while @current_value is below
 * @target_value and shrinks while it is above.
 */
struct damos_quota_goal {
	struct list_head list;
	enum damos_quota_goal_metric metric;
	unsigned long target_value, current_value;
	u64 last_psi_total;
};

/**
 * struct damos_quota - Limits on how much a scheme may do per time.
 * @reset_interval:	Length of one charge window, in milliseconds.
 * @ms:			Time the action may take per window, in ms.
 * @sz:			Bytes the action may be applied to per window.
 * @goals:		Quota goals (&struct damos_quota_goal).
 * @esz:		Effective size quota of the current window (read only);
 *			zero when no quota is set.
 * @weight_sz:		Weight of the region size in the priority score.
 * @weight_nr_accesses:	Weight of the access frequency in the score.
 * @weight_age:		Weight of the region age in the score.
 *
 * @ms is turned into a size with the action's measured throughput; the
 * smaller of that, @sz and the goal-tuned size becomes @esz.  Zero @ms and
 * @sz with no goal mean no limit.  When the regions matching the scheme are
 * bigger than @esz, those with the highest priority score (a weighted sum of
 * size, access frequency and age, as judged by the operations set) are
 * served first.
 */
struct damos_quota {
	unsigned long ms, sz, reset_interval;
	unsigned int weight_sz, weight_nr_accesses, weight_age;
	struct list_head goals;
	unsigned long esz;

/* private: */
	/* the current charge window: its start (jiffies), bytes and time charged */
	unsigned long charged_from, charged_sz, charged_ns;
	/* all charged so far, to measure the action's throughput */
	unsigned long total_charged_sz, total_charged_ns;
	/* lowest score that still fits in the quota in this window */
	unsigned int min_score;
	/* goal-tuned size quota, in bytes (0 until the first tuning) */
	unsigned long esz_bp;
	/*
	 * Where the last charge window ran out of quota: the next one
	 * resumes there (target index, address), so that a quota smaller
	 * than the matching memory walks all of it in turn.
	 */
	bool resume;
	unsigned int resume_target;
	unsigned long resume_addr;
	/*
	 * While the action is applied to a region under a time quota: when
	 * the window's time runs out (see damos_quota_time_up()); 0 for no
	 * such limit.
	 */
	ktime_t act_deadline;
};

/**
 * enum damos_wmark_metric - What watermarks measure.
 * @DAMOS_WMARK_NONE:		Nothing; the scheme is always active.
 * @DAMOS_WMARK_FREE_MEM_RATE:	Free memory of the system, in permil.
 * @NR_DAMOS_WMARK_METRICS:	Number of metrics; not a metric.
 */
enum damos_wmark_metric {
	DAMOS_WMARK_NONE = 0,
	DAMOS_WMARK_FREE_MEM_RATE,
	NR_DAMOS_WMARK_METRICS
};

/**
 * struct damos_watermarks - When a scheme is active.
 * @metric:	The metric to watch.
 * @interval:	How often to check @metric, in microseconds.
 * @high:	Deactivate the scheme above this value.
 * @mid:	Activate the scheme between @low and this value.
 * @low:	Deactivate the scheme below this value.
 *
 * When every scheme of a context is deactivated, its kdamond stops
 * monitoring too, checking the metric only every @interval.
 */
struct damos_watermarks {
	enum damos_wmark_metric metric;
	unsigned long interval;
	unsigned long high, mid, low;

/* private: */
	/* whether the watermarks currently let the scheme run */
	bool activated;
};

/**
 * struct damos_stat - What a scheme has done so far.
 * @nr_tried:	Regions the scheme tried to apply its action to.
 * @sz_tried:	Total bytes of those regions.
 * @nr_applied:	Regions the action was applied to, fully or in part.
 * @sz_applied:	Bytes the action was actually applied to.
 * @sz_ops_filter_passed:	Bytes of the tried regions that the filters
 *			judged by the operations set (per page) let through.
 * @qt_exceeds:	Charge windows in which the quota was used up.
 */
struct damos_stat {
	unsigned long nr_tried, sz_tried;
	unsigned long nr_applied, sz_applied;
	unsigned long sz_ops_filter_passed;
	unsigned long qt_exceeds;
};

/**
 * enum damos_filter_type - What a scheme filter looks at.
 * @DAMOS_FILTER_TYPE_ANON:	Anonymous pages.
 * @DAMOS_FILTER_TYPE_MEMCG:	Pages charged to one memory cgroup.
 * @DAMOS_FILTER_TYPE_YOUNG:	Pages accessed since the last check.
 * @DAMOS_FILTER_TYPE_ADDR:	An address range.
 * @DAMOS_FILTER_TYPE_TARGET:	One monitoring target.
 * @NR_DAMOS_FILTER_TYPES:	Number of types; not a type.
 *
 * The first three are judged per page by the operations set; the address
 * and target filters are judged per region by the core, before a region
 * counts as tried.
 */
enum damos_filter_type {
	DAMOS_FILTER_TYPE_ANON = 0,
	DAMOS_FILTER_TYPE_MEMCG,
	DAMOS_FILTER_TYPE_YOUNG,
	DAMOS_FILTER_TYPE_ADDR,
	DAMOS_FILTER_TYPE_TARGET,
	NR_DAMOS_FILTER_TYPES
};

/**
 * struct damos_filter - Memory a scheme must leave alone.
 * @type:	What the filter looks at.
 * @matching:	Filter out the memory that matches (true) or that does not.
 * @memcg_id:	Memory cgroup id, for %DAMOS_FILTER_TYPE_MEMCG.
 * @addr_range:	Address range, for %DAMOS_FILTER_TYPE_ADDR.
 * @target_idx:	Index of the target in the context, for
 *		%DAMOS_FILTER_TYPE_TARGET.
 * @list:	Entry in the scheme's filter list.
 */
struct damos_filter {
	struct list_head list;
	enum damos_filter_type type;
	union {
		struct damon_addr_range addr_range;
		unsigned short memcg_id;
		int target_idx;
	};
	bool matching;
};

/**
 * struct damos_access_pattern - Which regions a scheme targets.
 * @min_sz_region:	Smallest region size, in bytes.
 * @max_sz_region:	Biggest region size, in bytes.
 * @min_nr_accesses:	Lowest &damon_region->nr_accesses.
 * @max_nr_accesses:	Highest &damon_region->nr_accesses.
 * @min_age_region:	Lowest &damon_region->age.
 * @max_age_region:	Highest &damon_region->age.
 *
 * Every range is closed.  A region matches when all three hold.
 */
struct damos_access_pattern {
	unsigned long min_sz_region, max_sz_region;
	unsigned int min_nr_accesses, max_nr_accesses;
	unsigned int min_age_region, max_age_region;
};

/**
 * struct damos - A DAMON-based operation scheme.
 * @pattern:		Access pattern of the regions to act on.
 * @action:		What to do to them.
 * @apply_interval_us:	How often to apply the scheme, in microseconds;
 *			zero means every aggregation interval.
 * @quota:		How much the scheme may do per time.
 * @wmarks:		When the scheme is active.
 * @target_nid:		Destination node of the migration actions.
 * @filters:		Memory to leave alone (&struct damos_filter).
 * @stat:		What the scheme has done so far.
 * @list:		Entry in the context's scheme list.
 *
 * At every apply interval, for every region of every target that matches
 * @pattern and passes the core-judged @filters, the kdamond asks the
 * operations set to apply @action, within @quota, while @wmarks allow.
 */
struct damos {
	struct list_head list;
	enum damos_action action;
	struct damos_access_pattern pattern;
	unsigned long apply_interval_us;
	int target_nid;
	struct damos_quota quota;
	struct damos_watermarks wmarks;
	struct list_head filters;
	struct damos_stat stat;

/* private: */
	/* sampling interval count at which the scheme is next applied */
	unsigned long next_apply_sis;
	/* whether a damos_walk() request has seen this scheme's apply pass */
	bool walk_completed;
};

/**
 * damos_quota_time_up() - Whether the action under way is out of time.
 * @s:	The scheme whose action is being applied.
 *
 * The core cuts a region to the bytes that the time quota is estimated to
 * allow, but the estimate comes from past regions and may be far off for
 * this one: the same bytes may hold no pages, or pages that each take
 * long to reclaim.  Operations sets call this between the batches of a
 * long action and stop early when it returns true, so that the time quota
 * also holds within a region.
 *
 * Return: true if the action of @s should stop now.
 */
static inline bool damos_quota_time_up(struct damos *s)
{
	ktime_t deadline = s->quota.act_deadline;

	return deadline && ktime_after(ktime_get(), deadline);
}

/**
 * enum damon_ops_id - Identifier of a registered operations set.
 * @DAMON_OPS_VADDR:	Virtual address spaces of processes.
 * @DAMON_OPS_FVADDR:	Fixed, user-given ranges of virtual address spaces.
 * @DAMON_OPS_PADDR:	The physical address space.
 * @NR_DAMON_OPS:	Number of identifiers; not an operations set.
 */
enum damon_ops_id {
	DAMON_OPS_VADDR = 0, DAMON_OPS_FVADDR, DAMON_OPS_PADDR,
	NR_DAMON_OPS
};

/**
 * struct damon_operations - What the core needs from an address space.
 * @id:			Identifier of the operations set.
 * @init:		Set up the initial regions of every target.
 * @update:		Refresh the monitoring ranges; called every update
 *			interval.
 * @prepare_access_checks:	Pick a sampling address for every region and
 *			clear its accessed state; called every sampling
 *			interval.
 * @check_accesses:	Check whether each sampling address was accessed since
 *			@prepare_access_checks, record it with
 *			damon_update_region_access_rate() and return the
 *			highest &damon_region->nr_accesses seen.
 * @get_scheme_score:	Priority of a region for a scheme, 0 to
 *			%DAMOS_MAX_SCORE; higher goes first under a quota.
 * @apply_scheme:	Apply the scheme's action to a region; return the
 *			number of bytes it was applied to, and add to the
 *			last argument the bytes that the per-page filters of
 *			the scheme let through.
 * @target_valid:	Whether the target can still be monitored (its process
 *			is alive, for instance).
 * @cleanup:		Release what @init set up.
 *
 * All callbacks run in the kdamond, so they may sleep; any of them may be
 * NULL.  The core never looks inside a region's memory itself: every access
 * check and every action goes through these callbacks.
 */
struct damon_operations {
	enum damon_ops_id id;
	void (*init)(struct damon_ctx *ctx);
	void (*update)(struct damon_ctx *ctx);
	void (*prepare_access_checks)(struct damon_ctx *ctx);
	unsigned int (*check_accesses)(struct damon_ctx *ctx);
	bool (*target_valid)(struct damon_target *t);
	int (*get_scheme_score)(struct damon_ctx *ctx, struct damon_target *t,
				struct damon_region *r, struct damos *s);
	unsigned long (*apply_scheme)(struct damon_ctx *ctx,
				      struct damon_target *t,
				      struct damon_region *r, struct damos *s,
				      unsigned long *sz_filter_passed);
	void (*cleanup)(struct damon_ctx *ctx);
};

/**
 * struct damon_call_control - A function to run inside a kdamond.
 * @fn:			The function; called with @data in the kdamond.
 * @data:		Argument of @fn.
 * @repeat:		Keep calling @fn every sampling interval until the
 *			kdamond stops, instead of once.
 * @return_code:	What @fn returned (the last call, for @repeat).
 *
 * See damon_call().
 */
struct damon_call_control {
	int (*fn)(void *data);
	void *data;
	bool repeat;
	int return_code;
/* private: */
	struct completion completion;
	bool canceled;
	struct list_head list;
};

/**
 * struct damos_walk_control - A visit of the regions schemes are applied to.
 * @walk_fn:	Called in the kdamond for every region a scheme was applied
 *		to, right after its action, with the bytes of the region
 *		that the per-page filters let through as last argument.
 * @data:	First argument of @walk_fn.
 * @timeout:	Most jiffies to wait for the walk to be complete, or zero for
 *		no limit; see damos_walk().
 *
 * See damos_walk().
 */
struct damos_walk_control {
	void (*walk_fn)(void *data, struct damon_ctx *ctx,
			struct damon_target *t, struct damon_region *r,
			struct damos *s, unsigned long sz_filter_passed);
	void *data;
	unsigned long timeout;
/* private: */
	struct completion completion;
	bool canceled;
	bool started;
};

/**
 * struct damon_attrs - Monitoring attributes of a context.
 * @sample_interval:	Time between two access checks, in microseconds.
 * @aggr_interval:	Time between two aggregations, in microseconds.
 * @ops_update_interval:	Time between two &damon_operations->update
 *			calls, in microseconds.
 * @min_nr_regions:	Fewest regions the context keeps.
 * @max_nr_regions:	Most regions the context keeps.
 *
 * The monitoring overhead is bounded by @max_nr_regions access checks per
 * @sample_interval, whatever the size of the monitored memory.  The highest
 * possible &damon_region->nr_accesses is @aggr_interval / @sample_interval.
 */
struct damon_attrs {
	unsigned long sample_interval, aggr_interval, ops_update_interval;
	unsigned long min_nr_regions, max_nr_regions;
};

/**
 * struct damon_ctx - A monitoring context, run by one kdamond.
 * @attrs:		Monitoring attributes; set with damon_set_attrs().
 * @ops:		The operations set; set with damon_select_ops().
 * @adaptive_targets:	The monitoring targets (&struct damon_target).
 * @schemes:		The schemes (&struct damos).
 *
 * The fields may be changed freely while the context is not running.  While
 * it runs, only its kdamond may touch them: change them from damon_call(),
 * for instance with damon_commit_ctx().
 */
struct damon_ctx {
	struct damon_operations ops;
	struct damon_attrs attrs;
	struct list_head adaptive_targets, schemes;

/* private: */
	/* counters of sampling intervals, the kdamond's clock */
	unsigned long passed_sample_intervals;
	unsigned long next_aggregation_sis;
	unsigned long next_ops_update_sis;
	/* highest nr_accesses the last access check found */
	unsigned int max_nr_accesses;
	/* regions before the last split, to notice when splits stall */
	unsigned long nr_regions_before_split;
	/* when the watermarks are next checked, in jiffies */
	unsigned long next_wmarks_check;
	/*
	 * The kdamond and its number, protected by @kdamond_lock.  A kdamond
	 * that finished on its own (its targets are gone) sets @kdamond_done
	 * and exits; the context holds a reference to its task until
	 * damon_stop(), damon_start() or damon_destroy_ctx() reaps it, after
	 * making sure it is gone.
	 */
	struct task_struct *kdamond;
	int kdamond_id;
	bool kdamond_done;
	struct mutex kdamond_lock;	/* protects the three above */
	/* pending damon_call() requests */
	struct mutex call_controls_lock;	/* protects call_controls */
	struct list_head call_controls;
	/* the pending or ongoing damos_walk() request */
	struct mutex walk_control_lock;	/* protects walk_control */
	struct damos_walk_control *walk_control;
	/* work was posted since the kdamond last looked: do not sleep long */
	bool kdamond_nudged;
};

/* Iterators over the lists of the objects above. */
#define damon_next_region(region) \
	list_next_entry(region, list)
#define damon_first_region(target) \
	list_first_entry(&(target)->regions_list, struct damon_region, list)
#define damon_last_region(target) \
	list_last_entry(&(target)->regions_list, struct damon_region, list)

#define damon_for_each_region(region, target) \
	list_for_each_entry(region, &(target)->regions_list, list)
#define damon_for_each_region_safe(region, tmp, target) \
	list_for_each_entry_safe(region, tmp, &(target)->regions_list, list)

#define damon_for_each_target(target, c) \
	list_for_each_entry(target, &(c)->adaptive_targets, list)
#define damon_for_each_target_safe(target, tmp, c) \
	list_for_each_entry_safe(target, tmp, &(c)->adaptive_targets, list)

#define damon_for_each_scheme(scheme, c) \
	list_for_each_entry(scheme, &(c)->schemes, list)
#define damon_for_each_scheme_safe(scheme, tmp, c) \
	list_for_each_entry_safe(scheme, tmp, &(c)->schemes, list)

#define damos_for_each_quota_goal(g, q) \
	list_for_each_entry(g, &(q)->goals, list)
#define damos_for_each_quota_goal_safe(g, tmp, q) \
	list_for_each_entry_safe(g, tmp, &(q)->goals, list)

#define damos_for_each_filter(filter, scheme) \
	list_for_each_entry(filter, &(scheme)->filters, list)
#define damos_for_each_filter_safe(filter, tmp, scheme) \
	list_for_each_entry_safe(filter, tmp, &(scheme)->filters, list)

#ifdef CONFIG_DAMON

/* Regions and targets */
struct damon_region *damon_new_region(unsigned long start, unsigned long end);
void damon_add_region(struct damon_region *region, struct damon_target *target);
void damon_destroy_region(struct damon_region *region,
			  struct damon_target *target);
int damon_set_regions(struct damon_target *target,
		      struct damon_addr_range *ranges, unsigned int nr_ranges);
unsigned int damon_nr_regions(struct damon_target *target);
void damon_update_region_access_rate(struct damon_region *region,
				     bool accessed, struct damon_attrs *attrs);
int damon_set_region_biggest_system_ram_default(struct damon_target *target,
						unsigned long *start, unsigned long *end);
struct damon_target *damon_new_target(void);
void damon_free_target(struct damon_target *target);
void damon_destroy_target(struct damon_target *target);
void damon_add_target(struct damon_ctx *c, struct damon_target *target);
bool damon_targets_empty(struct damon_ctx *c);

/* Schemes */
struct damos *damon_new_scheme(struct damos_access_pattern *pattern,
			       enum damos_action action, unsigned long apply_interval_us,
		struct damos_quota *quota, struct damos_watermarks *wmarks,
		int target_nid);
void damon_destroy_scheme(struct damos *scheme);
void damon_add_scheme(struct damon_ctx *c, struct damos *scheme);
void damon_set_schemes(struct damon_ctx *c, struct damos **schemes,
		       ssize_t nr_schemes);
struct damos_filter *damos_new_filter(enum damos_filter_type type,
				      bool matching);
void damos_destroy_filter(struct damos_filter *filter);
void damos_add_filter(struct damos *scheme, struct damos_filter *filter);
struct damos_quota_goal *
damos_new_quota_goal(enum damos_quota_goal_metric metric,
		     unsigned long target_value);
void damos_destroy_quota_goal(struct damos_quota_goal *g);
void damos_add_quota_goal(struct damos_quota *q, struct damos_quota_goal *g);

/* Contexts and operations sets */
struct damon_ctx *damon_new_ctx(void);
void damon_destroy_ctx(struct damon_ctx *c);
int damon_set_attrs(struct damon_ctx *c, struct damon_attrs *attrs);
int damon_commit_ctx(struct damon_ctx *dst, struct damon_ctx *src);
int damon_commit_running(struct damon_ctx *dst, struct damon_ctx *src);
int damon_register_ops(struct damon_operations *ops);
bool damon_is_registered_ops(enum damon_ops_id id);
int damon_select_ops(struct damon_ctx *c, enum damon_ops_id id);

/* Running */
int damon_start(struct damon_ctx **ctxs, int nr_ctxs, bool exclusive);
int damon_stop(struct damon_ctx **ctxs, int nr_ctxs);
int damon_nr_running_ctxs(void);
bool damon_is_running(struct damon_ctx *c);
int damon_kdamond_pid(struct damon_ctx *c);
int damon_call(struct damon_ctx *c, struct damon_call_control *control);
int damos_walk(struct damon_ctx *c, struct damos_walk_control *control);

/**
 * damon_max_nr_accesses() - The highest &damon_region->nr_accesses possible.
 * @attrs:	The monitoring attributes.
 *
 * Return: the number of sampling intervals in an aggregation interval, at
 * least one.
 */
static inline unsigned int damon_max_nr_accesses(const struct damon_attrs *attrs)
{
	if (!attrs->sample_interval)
		return 1;
	return clamp_t(unsigned long,
		       attrs->aggr_interval / attrs->sample_interval,
		       1, UINT_MAX);
}

/**
 * damon_nr_accesses_now() - A region's access frequency at this moment.
 * @ctx:	The monitoring context of the region.
 * @r:		The region.
 *
 * &damon_region->nr_accesses only counts the sampling intervals of the
 * aggregation interval under way, so it is a full measure only at the end
 * of one.  Schemes may be applied at any sampling interval, though: for
 * them, the part of the aggregation interval still to come is filled in
 * with the frequency of the previous one, as if the region kept its pace.
 * At the end of an aggregation interval this is exactly @r->nr_accesses.
 *
 * Return: the estimated number of accessed sampling intervals per
 * aggregation interval.
 */
static inline unsigned int damon_nr_accesses_now(const struct damon_ctx *ctx,
						 const struct damon_region *r)
{
	unsigned long window = damon_max_nr_accesses(&ctx->attrs);
	unsigned long left = 0;

	if (ctx->next_aggregation_sis > ctx->passed_sample_intervals)
		left = min(ctx->next_aggregation_sis -
			   ctx->passed_sample_intervals, window);
	return min_t(u64, r->nr_accesses +
		     div64_u64((u64)r->last_nr_accesses * left, window),
		     UINT_MAX);
}

/**
 * damon_sz_region() - Size of a region, in bytes.
 * @r:	The region.
 *
 * Return: the size.
 */
static inline unsigned long damon_sz_region(struct damon_region *r)
{
	return r->ar.end - r->ar.start;
}

#endif	/* CONFIG_DAMON */

#endif	/* _LINUX_DAMON_H */
