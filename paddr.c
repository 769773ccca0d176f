// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON operations for the physical address space.
 *
 * The regions are ranges of physical memory the user chose.  A sampling
 * address is turned into the folio holding it, and the folio's accessed
 * state is read through every mapping of it (reverse mapping) plus its idle
 * flag, which system-call accesses to unmapped page cache clear too.  Only
 * LRU folios are looked at: everything else is kernel memory or free.
 */

#define pr_fmt(fmt) "damon-pa: " fmt

#include <linux/kthread.h>
#include <linux/memblock.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mm_inline.h>
#include <linux/nodemask.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/swap.h>
#include <linux/vmstat.h>

#include "../internal.h"
#include "ops-common.h"

/*
 * Sampling
 * --------
 *
 * Regions are sorted, so when a few consecutive regions sample addresses in
 * one large folio, they follow each other.  The physical range of the last
 * folio handled is remembered with its result, and those regions are served
 * without another rmap walk: the folio's state is the same for all of them.
 */
struct damon_pa_sample {
	bool mkold;		/* make old rather than test */
	bool young;		/* result of the last test */
	unsigned long start;	/* physical range of the last folio */
	unsigned long end;
};

static void damon_pa_visit(unsigned long paddr, struct damon_pa_sample *ps)
{
	struct folio *folio;

	if (paddr >= ps->start && paddr < ps->end)
		return;
	ps->young = false;
	ps->start = 0;
	ps->end = 0;

	folio = damon_get_folio(PHYS_PFN(paddr));
	if (!folio)
		return;
	if (ps->mkold)
		damon_folio_mkold(folio);
	else
		ps->young = damon_folio_young(folio);
	ps->start = PFN_PHYS(folio_pfn(folio));
	ps->end = ps->start + folio_size(folio);
	folio_put(folio);
}

static void damon_pa_prepare_access_checks(struct damon_ctx *ctx)
{
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		struct damon_pa_sample ps = { .mkold = true };

		damon_for_each_region(r, t) {
			r->sampling_addr = damon_rand(r->ar.start, r->ar.end);
			damon_pa_visit(r->sampling_addr, &ps);
		}
	}
}

static unsigned int damon_pa_check_accesses(struct damon_ctx *ctx)
{
	unsigned int max_nr_accesses = 0;
	struct damon_target *t;
	struct damon_region *r;

	damon_for_each_target(t, ctx) {
		struct damon_pa_sample ps = { .mkold = false };

		damon_for_each_region(r, t) {
			damon_pa_visit(r->sampling_addr, &ps);
			damon_update_region_access_rate(r, ps.young,
							&ctx->attrs);
			max_nr_accesses = max(max_nr_accesses, r->nr_accesses);
		}
	}
	return max_nr_accesses;
}

/* Physical memory does not go away the way a process does. */
static bool damon_pa_target_valid(struct damon_target *t)
{
	return true;
}

/*
 * Schemes
 * -------
 *
 * An action walks its region folio by folio, skipping what the per-folio
 * filters of the scheme exclude, and counts the bytes they let through.
 * Actions that need the folios off the LRU (reclaim, migration) isolate them
 * in batches, so that a huge region does not keep gigabytes isolated, and
 * invisible to the rest of reclaim, at once.  Between batches they stop when
 * the scheme's time quota has run out (damos_quota_time_up()): reclaiming a
 * batch may take milliseconds (each dirty page waits for a TLB flush on the
 * CPUs that map it), so a batch is small enough to overrun the quota by
 * little.
 *
 * A large folio may straddle two regions.  It belongs to the region holding
 * its first page, and only that region's action touches it: one application
 * of a scheme never acts on, nor counts, a folio twice.  The filters' count
 * takes only its bytes inside the region, which never passes more than it
 * has.
 */
#define DAMON_PA_BATCH	32

/*
 * Where to look after @addr, which holds no LRU folio.  A region may reach
 * far beyond the memory there is (any range is accepted), so absent memory
 * is stepped over a memory section at a time, and nothing lies beyond the
 * highest page frame.
 */
static unsigned long damon_pa_skip(unsigned long addr, unsigned long end)
{
	unsigned long pfn = PHYS_PFN(addr);

	if (pfn >= max_pfn)
		return end;
#ifdef CONFIG_SPARSEMEM
	if (!online_section_nr(pfn_to_section_nr(pfn)))
		return PFN_PHYS(SECTION_ALIGN_UP(pfn + 1));
#endif
	return addr + PAGE_SIZE;
}

/*
 * Return the next LRU folio that starts in [*@addr, @r's end), with a
 * reference, and move *@addr past it; NULL when there is none left, or
 * when the kdamond is being stopped: an action over a huge region must not
 * keep it from stopping.
 */
static struct folio *damon_pa_next_folio(unsigned long *addr,
					 struct damon_region *r)
{
	struct folio *folio;
	unsigned long start;

	while (*addr < r->ar.end) {
		if (kthread_should_stop())
			return NULL;
		folio = damon_get_folio(PHYS_PFN(*addr));
		if (!folio) {
			*addr = damon_pa_skip(*addr, r->ar.end);
			/* a long run of free or kernel pages may be here */
			cond_resched();
			continue;
		}
		start = PFN_PHYS(folio_pfn(folio));
		*addr = start + folio_size(folio);
		if (start >= r->ar.start)
			return folio;
		folio_put(folio);
	}
	return NULL;
}

/*
 * Whether @s may act on @folio, which starts in @r; if so, its bytes in @r
 * count as passed.  Page-out and migrate_cold leave alone, by an implicit
 * young filter, the folios found accessed since they were last looked at
 * (hot pages in a region judged cold as a whole, or a hot huge page whose
 * head lies in a cold region): moving them out of the way would only have
 * them faulted back in, or used from the slow node.  A scheme with a young
 * filter of its own decides that for itself.
 */
static bool damon_pa_may_act(struct damos *s, struct damon_region *r,
			     struct folio *folio, unsigned long *sz_passed)
{
	unsigned long start = PFN_PHYS(folio_pfn(folio));
	struct damos_filter young = {
		.type = DAMOS_FILTER_TYPE_YOUNG,
		.matching = true,
	};

	if (damos_folio_filtered_out(s, folio))
		return false;
	if ((s->action == DAMOS_PAGEOUT || s->action == DAMOS_MIGRATE_COLD) &&
	    !damos_has_folio_filter(s, DAMOS_FILTER_TYPE_YOUNG) &&
	    damos_folio_filter_match(&young, folio))
		return false;
	*sz_passed += min(start + folio_size(folio), r->ar.end) - start;
	return true;
}

static unsigned long damon_pa_pageout(struct damon_region *r,
				      struct damos *s, unsigned long *sz_passed)
{
	unsigned long addr = r->ar.start, nr_reclaimed = 0;
	unsigned int nr_isolated = 0;
	LIST_HEAD(isolated);
	struct folio *folio;

	while ((folio = damon_pa_next_folio(&addr, r))) {
		/* isolation takes a reference of its own */
		if (damon_pa_may_act(s, r, folio, sz_passed) &&
		    folio_isolate_lru(folio)) {
			list_add(&folio->lru, &isolated);
			nr_isolated++;
		}
		folio_put(folio);
		if (nr_isolated == DAMON_PA_BATCH) {
			nr_reclaimed += reclaim_pages(&isolated);
			nr_isolated = 0;
			if (damos_quota_time_up(s))
				break;
		}
		cond_resched();
	}
	nr_reclaimed += reclaim_pages(&isolated);
	return nr_reclaimed * PAGE_SIZE;
}

/*
 * LRU_PRIO marks the folios accessed, as any use of them would: a second
 * mark activates a folio, and reclaim treats a referenced one as in use.
 * LRU_DEPRIO deactivates them.  Both go through the per-CPU LRU batches, so
 * no isolation is needed.
 */
static unsigned long damon_pa_lru_move(struct damon_region *r,
				       struct damos *s, bool prio,
				       unsigned long *sz_passed)
{
	unsigned long addr = r->ar.start, applied = 0;
	struct folio *folio;

	while ((folio = damon_pa_next_folio(&addr, r))) {
		if (damon_pa_may_act(s, r, folio, sz_passed)) {
			if (prio)
				folio_mark_accessed(folio);
			else
				folio_deactivate(folio);
			applied += folio_size(folio);
		}
		folio_put(folio);
		cond_resched();
	}
	return applied;
}

/*
 * Move @folios, isolated from their LRU lists, to node @nid.  The new folios
 * are taken from @nid only, and without direct reclaim: reclaiming on the
 * destination to make room would evict memory just as valuable, so what does
 * not fit now is left for kswapd to make room for, and for a later try.
 * Asynchronous mode keeps the kdamond from waiting on locked or writeback
 * folios.  What could not be moved goes back to the LRU.
 */
static unsigned long damon_pa_migrate_list(struct list_head *folios, int nid)
{
	struct migration_target_control mtc = {
		.nid = nid,
		.gfp_mask = (GFP_HIGHUSER_MOVABLE & ~__GFP_RECLAIM) |
			GFP_NOWAIT | __GFP_THISNODE | __GFP_NOWARN |
			__GFP_NOMEMALLOC,
		.reason = MR_DAMON,
	};
	unsigned int nr_moved = 0;

	if (list_empty(folios))
		return 0;
	if (migrate_pages(folios, alloc_migration_target, NULL,
			  (unsigned long)&mtc, MIGRATE_ASYNC, MR_DAMON,
			  &nr_moved))
		putback_movable_pages(folios);
	return nr_moved;
}

static unsigned long damon_pa_migrate(struct damon_region *r,
				      struct damos *s, unsigned long *sz_passed)
{
	unsigned long addr = r->ar.start, nr_moved = 0;
	unsigned int nr_isolated = 0;
	int nid = s->target_nid;
	LIST_HEAD(isolated);
	struct folio *folio;

	/* the node may have lost its memory since the scheme was set */
	if (!IS_ENABLED(CONFIG_MIGRATION) || nid < 0 || nid >= MAX_NUMNODES ||
	    !node_state(nid, N_MEMORY))
		return 0;

	while ((folio = damon_pa_next_folio(&addr, r))) {
		if (damon_pa_may_act(s, r, folio, sz_passed) &&
		    folio_nid(folio) != nid && folio_isolate_lru(folio)) {
			list_add_tail(&folio->lru, &isolated);
			/* migration and putback both undo this */
			node_stat_mod_folio(folio, NR_ISOLATED_ANON +
					    folio_is_file_lru(folio),
					    folio_nr_pages(folio));
			nr_isolated++;
		}
		folio_put(folio);
		if (nr_isolated == DAMON_PA_BATCH) {
			nr_moved += damon_pa_migrate_list(&isolated, nid);
			nr_isolated = 0;
			if (damos_quota_time_up(s))
				break;
		}
		cond_resched();
	}
	nr_moved += damon_pa_migrate_list(&isolated, nid);
	return nr_moved * PAGE_SIZE;
}

/*
 * DAMOS_STAT changes nothing; with per-folio filters it still finds out how
 * much of the region they let through, which is all it reports.
 */
static unsigned long damon_pa_stat(struct damon_region *r, struct damos *s,
				   unsigned long *sz_passed)
{
	unsigned long addr = r->ar.start;
	struct folio *folio;

	if (!damos_has_folio_filter(s, NR_DAMOS_FILTER_TYPES))
		return 0;
	while ((folio = damon_pa_next_folio(&addr, r))) {
		damon_pa_may_act(s, r, folio, sz_passed);
		folio_put(folio);
		cond_resched();
	}
	return 0;
}

static unsigned long damon_pa_apply_scheme(struct damon_ctx *ctx,
					   struct damon_target *t,
					   struct damon_region *r,
					   struct damos *s,
					   unsigned long *sz_filter_passed)
{
	switch (s->action) {
	case DAMOS_PAGEOUT:
		return damon_pa_pageout(r, s, sz_filter_passed);
	case DAMOS_LRU_PRIO:
		return damon_pa_lru_move(r, s, true, sz_filter_passed);
	case DAMOS_LRU_DEPRIO:
		return damon_pa_lru_move(r, s, false, sz_filter_passed);
	case DAMOS_MIGRATE_HOT:
	case DAMOS_MIGRATE_COLD:
		return damon_pa_migrate(r, s, sz_filter_passed);
	case DAMOS_STAT:
		return damon_pa_stat(r, s, sz_filter_passed);
	default:
		/* the madvise() actions of processes */
		return 0;
	}
}

static int damon_pa_scheme_score(struct damon_ctx *ctx,
				 struct damon_target *t, struct damon_region *r,
				 struct damos *s)
{
	return damon_scheme_score(ctx, r, s);
}

static int __init damon_pa_register(void)
{
	struct damon_operations ops = {
		.id = DAMON_OPS_PADDR,
		.prepare_access_checks = damon_pa_prepare_access_checks,
		.check_accesses = damon_pa_check_accesses,
		.get_scheme_score = damon_pa_scheme_score,
		.apply_scheme = damon_pa_apply_scheme,
		.target_valid = damon_pa_target_valid,
	};
	int err = damon_register_ops(&ops);

	if (err)
		pr_err("cannot register paddr operations: %d\n", err);
	return err;
}
subsys_initcall(damon_pa_register);
