/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of DAMON: the monitoring results of every aggregation
 * interval, and the regions a scheme is about to act on.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM damon

#if !defined(_TRACE_DAMON_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_DAMON_H

#include <linux/damon.h>
#include <linux/types.h>
#include <linux/tracepoint.h>

/*
 * One event per region at the end of an aggregation interval.  target_id is
 * the index of the target in its context; nr_accesses and age are the values
 * the aggregation interval ends with.
 */
TRACE_EVENT(damon_aggregated,
	    TP_PROTO(unsigned int target_id, struct damon_region *r,
		     unsigned int nr_regions),

	    TP_ARGS(target_id, r, nr_regions),

	    TP_STRUCT__entry(__field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned long, target_id)
			     __field(unsigned int, nr_accesses)
			     __field(unsigned int, age)
			     __field(unsigned int, nr_regions)),

	    TP_fast_assign(__entry->start = r->ar.start;
			   __entry->end = r->ar.end;
			   __entry->nr_accesses = r->nr_accesses;
			   __entry->age = r->age;
			   __entry->target_id = target_id;
			   __entry->nr_regions = nr_regions;),

	    TP_printk("target_id=%lu nr_regions=%u %lu-%lu: %u %u",
		      __entry->target_id, __entry->nr_regions, __entry->start,
		      __entry->end, __entry->nr_accesses, __entry->age)
);

/*
 * One event per region a scheme is about to apply its action to, after the
 * access pattern, the core-judged filters and the quota let it through.
 * The indexes locate the context in its kdamond, the scheme in its context
 * and the target in its context.  Schemes may run in the middle of an
 * aggregation interval: nr_accesses is the frequency the scheme judged the
 * region by (see damon_nr_accesses_now()).
 */
TRACE_EVENT(damos_before_apply,
	    TP_PROTO(unsigned int context_idx, unsigned int scheme_idx,
		     unsigned int target_idx, struct damon_region *r,
		     unsigned int nr_accesses, unsigned int nr_regions),

	    TP_ARGS(context_idx, scheme_idx, target_idx, r, nr_accesses,
		    nr_regions),

	    TP_STRUCT__entry(__field(unsigned long, start)
			     __field(unsigned long, end)
			     __field(unsigned long, target_idx)
			     __field(unsigned int, nr_accesses)
			     __field(unsigned int, age)
			     __field(unsigned int, nr_regions)
			     __field(unsigned int, context_idx)
			     __field(unsigned int, scheme_idx)),

	    TP_fast_assign(__entry->start = r->ar.start;
			   __entry->end = r->ar.end;
			   __entry->nr_accesses = nr_accesses;
			   __entry->age = r->age;
			   __entry->nr_regions = nr_regions;
			   __entry->context_idx = context_idx;
			   __entry->scheme_idx = scheme_idx;
			   __entry->target_idx = target_idx;),

	    TP_printk("ctx_idx=%u scheme_idx=%u target_idx=%lu nr_regions=%u %lu-%lu: %u %u",
		      __entry->context_idx, __entry->scheme_idx,
		      __entry->target_idx, __entry->nr_regions, __entry->start,
		      __entry->end, __entry->nr_accesses, __entry->age)
);

#endif /* _TRACE_DAMON_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
