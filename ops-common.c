// SPDX-License-Identifier: GPL-2.0
/*
 * Code shared by the DAMON operations sets: getting hold of folios, clearing
 * and testing the accessed state of page table entries, and the priority
 * scores of regions for DAMON-based operation schemes.
 */

#include <linux/log2.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/overflow.h>
#include <linux/page_idle.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>

#include "../internal.h"
#include "ops-common.h"

/**
 * damon_get_folio() - Get a reference to the LRU folio holding a page frame.
 * @pfn:	The page frame number.
 *
 * DAMON acts on and reports about ordinary user memory only, which is what
 * sits on the LRU lists.  Offline memory, free pages, page tables, slab and
 * friends are of no interest and are answered with NULL.
 *
 * Return: the folio that @pfn belongs to, with a reference the caller must
 * drop with folio_put(), or NULL.
 */
struct folio *damon_get_folio(unsigned long pfn)
{
	struct page *page = pfn_to_online_page(pfn);
	struct folio *folio = page ? page_folio(page) : NULL;

	/*
	 * Pin first, look then: the flags of a folio nobody holds may change
	 * under us.  A speculative reference is what the page allocator and
	 * its callers are prepared for; it fails on a free folio.
	 */
	if (!folio || !folio_try_get(folio))
		return NULL;
	/*
	 * Before the reference was taken the folio could have been freed and
	 * reused, possibly as part of a folio of another size.  It is pinned
	 * now, so a second look tells whether @page still belongs to it and
	 * whether it is on an LRU list.
	 */
	if (unlikely(page_folio(page) != folio || !folio_test_lru(folio))) {
		folio_put(folio);
		return NULL;
	}
	return folio;
}

/*
 * Making an entry old and then testing whether it became young again is how
 * DAMON samples accesses.  Two other users look at the same bits and must not
 * be misled:
 *
 *  - idle page tracking considers a folio accessed when PG_young is set or
 *    PG_idle is clear; whoever clears an Accessed bit that was set therefore
 *    records that access in PG_young, so it is not lost to page_idle.
 *  - DAMON itself sets PG_idle so that accesses which do not go through a
 *    page table (read(2) of page cache, mark_page_accessed() in general)
 *    clear it and are seen too.
 *
 * The caller holds the page table lock of the entry.  @folio is the folio the
 * entry maps, or NULL when it maps none DAMON can track (the zero page, for
 * instance); the Accessed bit of such an entry is still handled, so that the
 * region around it is not reported accessed forever.
 */

/**
 * damon_ptep_mkold() - Clear the accessed state of a page table entry.
 * @pte:	The entry, locked by the caller.
 * @vma:	The VMA mapping it.
 * @addr:	The virtual address it maps.
 * @folio:	The folio it maps, or NULL.
 */
void damon_ptep_mkold(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr, struct folio *folio)
{
	bool was_young;

	/* Swap and migration entries share bits with the Accessed bit. */
	if (!pte_present(ptep_get(pte)))
		return;
	was_young = ptep_clear_young_notify(vma, addr, pte);
	if (!folio)
		return;
	if (was_young)
		folio_set_young(folio);
	folio_set_idle(folio);
}

/**
 * damon_ptep_young() - Test whether a page table entry was accessed.
 * @pte:	The entry, locked by the caller.
 * @vma:	The VMA mapping it.
 * @addr:	The virtual address it maps.
 * @folio:	The folio it maps, or NULL to look at the entry only.
 *
 * Return: whether the entry or its folio was accessed since the last
 * damon_ptep_mkold() on it, as seen by the CPU or by a secondary MMU.
 */
bool damon_ptep_young(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr, struct folio *folio)
{
	pte_t entry = ptep_get(pte);

	if (!pte_present(entry))
		return false;
	if (pte_young(entry) || (folio && !folio_test_idle(folio)))
		return true;
	return mmu_notifier_test_young(vma->vm_mm, addr);
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/**
 * damon_pmdp_mkold() - Clear the accessed state of a huge PMD entry.
 * @pmd:	The entry, locked by the caller and mapping a transparent
 *		huge page.
 * @vma:	The VMA mapping it.
 * @addr:	A virtual address inside the range it maps.
 * @folio:	The folio it maps, or NULL.
 */
void damon_pmdp_mkold(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr, struct folio *folio)
{
	unsigned long haddr = addr & HPAGE_PMD_MASK;
	bool was_young;

	if (!pmd_present(pmdp_get(pmd)))
		return;
	/*
	 * Unlike for a PTE, the TLB is flushed when the entry was young.  One
	 * TLB entry covers the whole huge page, and a process that keeps using
	 * it keeps the entry cached: the CPU would never walk the page table
	 * again to set the Accessed bit, and a hot THP would look idle (and be
	 * paged out by a DAMOS scheme).  Reclaim flushes for the same reason.
	 */
	was_young = pmdp_clear_flush_young_notify(vma, haddr, pmd);
	if (!folio)
		return;
	if (was_young)
		folio_set_young(folio);
	folio_set_idle(folio);
}

/**
 * damon_pmdp_young() - Test whether a huge PMD entry was accessed.
 * @pmd:	The entry, locked by the caller.
 * @vma:	The VMA mapping it.
 * @addr:	A virtual address inside the range it maps.
 * @folio:	The folio it maps, or NULL to look at the entry only.
 *
 * Return: whether the entry or its folio was accessed since the last
 * damon_pmdp_mkold() on it.
 */
bool damon_pmdp_young(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr, struct folio *folio)
{
	pmd_t entry = pmdp_get(pmd);

	if (!pmd_present(entry))
		return false;
	if (pmd_young(entry) || (folio && !folio_test_idle(folio)))
		return true;
	return mmu_notifier_test_young(vma->vm_mm, addr & HPAGE_PMD_MASK);
}
#endif	/* CONFIG_TRANSPARENT_HUGEPAGE */

/* What a reverse map walk over a folio does, and what it found. */
struct damon_rmap_visit {
	bool clear;	/* make every mapping old, instead of testing */
	bool young;	/* a mapping was found young (test mode) */
};

static bool damon_folio_rmap_one(struct folio *folio,
				 struct vm_area_struct *vma,
				 unsigned long addr, void *arg)
{
	struct damon_rmap_visit *visit = arg;
	DEFINE_FOLIO_VMA_WALK(pvmw, folio, vma, addr, 0);

	while (page_vma_mapped_walk(&pvmw)) {
		bool young;

		if (visit->clear) {
			if (pvmw.pte)
				damon_ptep_mkold(pvmw.pte, vma, pvmw.address,
						 folio);
			else
				damon_pmdp_mkold(pvmw.pmd, vma, pvmw.address,
						 folio);
			continue;
		}
		/*
		 * The idle flag was looked at once by the caller.  Once a
		 * young entry is found, the rest of this VMA is only stepped
		 * over, which lets page_vma_mapped_walk() drop its locks.
		 */
		if (visit->young)
			continue;
		if (pvmw.pte)
			young = damon_ptep_young(pvmw.pte, vma, pvmw.address,
						 NULL);
		else
			young = damon_pmdp_young(pvmw.pmd, vma, pvmw.address,
						 NULL);
		visit->young = young;
	}
	/* One young mapping answers the question: skip the other VMAs. */
	return visit->clear || !visit->young;
}

/*
 * Visit every mapping of @folio, which the caller holds a reference to.
 * Returns false when that could not be done without waiting: rmap_walk()
 * needs file and KSM folios locked, and sleeping on a folio lock held across
 * I/O would stall the sampling of every other region.
 */
static bool damon_folio_rmap_walk(struct folio *folio,
				  struct damon_rmap_visit *visit)
{
	struct rmap_walk_control rwc = {
		.rmap_one = damon_folio_rmap_one,
		.arg = visit,
		/* safe against the anon_vma going away: no lock held here */
		.anon_lock = folio_lock_anon_vma_read,
	};
	bool need_lock = !folio_test_anon(folio) || folio_test_ksm(folio);

	if (!folio_mapped(folio) || !folio_raw_mapping(folio))
		return true;
	if (need_lock && !folio_trylock(folio))
		return false;
	rmap_walk(folio, &rwc);
	if (need_lock)
		folio_unlock(folio);
	return true;
}

/**
 * damon_folio_mkold() - Clear the accessed state of a folio everywhere.
 * @folio:	The folio; the caller holds a reference to it.
 *
 * Makes every page table entry that maps @folio old, then marks @folio
 * idle (also when it is not mapped at all, as for page cache that is only
 * read and written through system calls), so that damon_folio_young() sees
 * the accesses made from now on.  When the mappings cannot be walked without
 * sleeping, nothing is changed.
 */
void damon_folio_mkold(struct folio *folio)
{
	struct damon_rmap_visit visit = { .clear = true };

	if (!damon_folio_rmap_walk(folio, &visit))
		return;
	folio_set_idle(folio);
}

/**
 * damon_folio_young() - Test whether a folio was accessed.
 * @folio:	The folio; the caller holds a reference to it.
 *
 * Return: whether @folio was accessed since the last damon_folio_mkold(),
 * through any of its mappings, a secondary MMU, or a system call that marks
 * it accessed.
 */
bool damon_folio_young(struct folio *folio)
{
	struct damon_rmap_visit visit = { .clear = false };

	/* Cheapest first: no rmap walk is needed when the flag says it all. */
	if (!folio_test_idle(folio))
		return true;
	if (!damon_folio_rmap_walk(folio, &visit))
		return false;
	return visit.young;
}

/*
 * Scores for prioritising the regions of a scheme under a quota.
 *
 * The hotness of a region is judged from two signals, both turned into
 * permil (0..1000) so that they can be mixed by the user's weights:
 *
 *  - frequency: nr_accesses relative to the highest value possible with the
 *    monitoring attributes;
 *  - persistence: how long the region has kept its access pattern (its age,
 *    as time), put on a logarithmic scale so that both a few seconds and a
 *    few hours of age count.  A long-lived access pattern confirms it: an
 *    accessed region that has stayed so gets hotter with age, an idle region
 *    that has stayed so gets colder.  A region of age zero is neutral (500).
 *
 *	hotness = (w_freq * frequency + w_age * persistence) / (w_freq + w_age)
 *	hot score = hotness * DAMOS_MAX_SCORE / 1000
 *	cold score = DAMOS_MAX_SCORE - hot score
 *
 * When both weights are zero the user expressed no preference: every region
 * gets the same score, so that the quota is spent in address order and,
 * window after window, goes round all the matching memory.  The size weight
 * of the quota is not used: size says nothing about how hot a region is,
 * and mixing it in would make hot and cold scores of a region stop being
 * complementary.  The frequency is the one schemes judge regions by, which
 * may be an estimate in the middle of an aggregation interval.
 */

/* Age levels: two per doubling of the age in milliseconds, up to 2^24 ms. */
#define DAMON_SCORE_AGE_LEVELS	48
#define DAMON_SCORE_PERMIL	1000

/*
 * Map an age in milliseconds on 0..DAMON_SCORE_AGE_LEVELS: level 2n - 1 for
 * ages in [2^(n-1), 1.5 * 2^(n-1)) and level 2n for the rest of the octave.
 */
static unsigned int damon_age_level(u64 ms)
{
	unsigned int top, level;

	if (!ms)
		return 0;
	top = fls64(ms);
	level = 2 * top - 1;
	if (top > 1 && (ms >> (top - 2)) & 1)
		level++;
	return min_t(unsigned int, level, DAMON_SCORE_AGE_LEVELS);
}

static unsigned int damon_freq_permil(struct damon_ctx *c,
				      struct damon_region *r)
{
	/* never zero, not even if the interval ratio overflowed an int */
	unsigned int max_nr = max(damon_max_nr_accesses(&c->attrs), 1U);
	unsigned int nr = min(damon_nr_accesses_now(c, r), max_nr);

	return div_u64((u64)nr * DAMON_SCORE_PERMIL, max_nr);
}

static unsigned int damon_persistence_permil(struct damon_ctx *c,
					     struct damon_region *r)
{
	unsigned int half_span;
	u64 age_us;

	if (check_mul_overflow((u64)r->age, (u64)c->attrs.aggr_interval,
			       &age_us))
		age_us = U64_MAX;
	half_span = damon_age_level(div_u64(age_us, USEC_PER_MSEC)) *
		(DAMON_SCORE_PERMIL / 2) / DAMON_SCORE_AGE_LEVELS;
	if (damon_nr_accesses_now(c, r))
		return DAMON_SCORE_PERMIL / 2 + half_span;
	return DAMON_SCORE_PERMIL / 2 - half_span;
}

/**
 * damon_hot_score() - How strongly a region deserves a hot-memory action.
 * @c:	The monitoring context of the region.
 * @r:	The region.
 * @s:	The scheme, whose quota weights are used.
 *
 * See the comment above for the formula.
 *
 * Return: a score in [0, %DAMOS_MAX_SCORE]; the hotter, the higher.
 */
int damon_hot_score(struct damon_ctx *c, struct damon_region *r,
		    struct damos *s)
{
	u64 w_freq = s->quota.weight_nr_accesses;
	u64 w_age = s->quota.weight_age;
	u64 hotness;

	if (!w_freq && !w_age)
		return DAMOS_MAX_SCORE / 2;
	hotness = div64_u64(w_freq * damon_freq_permil(c, r) +
			    w_age * damon_persistence_permil(c, r),
			    w_freq + w_age);
	hotness = min_t(u64, hotness, DAMON_SCORE_PERMIL);
	return (int)div_u64(hotness * DAMOS_MAX_SCORE, DAMON_SCORE_PERMIL);
}

/**
 * damon_cold_score() - How strongly a region deserves a cold-memory action.
 * @c:	The monitoring context of the region.
 * @r:	The region.
 * @s:	The scheme, whose quota weights are used.
 *
 * Return: %DAMOS_MAX_SCORE minus damon_hot_score(), so that the coldest
 * regions come first.
 */
int damon_cold_score(struct damon_ctx *c, struct damon_region *r,
		     struct damos *s)
{
	return DAMOS_MAX_SCORE - damon_hot_score(c, r, s);
}

/**
 * damon_scheme_score() - Priority of a region for the action of a scheme.
 * @c:	The monitoring context of the region.
 * @r:	The region.
 * @s:	The scheme.
 *
 * Actions that make memory cheaper to keep (page out, deprioritise, demote)
 * are best spent on cold regions, the others on hot regions.
 *
 * Return: a score in [0, %DAMOS_MAX_SCORE].
 */
int damon_scheme_score(struct damon_ctx *c, struct damon_region *r,
		       struct damos *s)
{
	switch (s->action) {
	case DAMOS_COLD:
	case DAMOS_PAGEOUT:
	case DAMOS_NOHUGEPAGE:
	case DAMOS_LRU_DEPRIO:
	case DAMOS_MIGRATE_COLD:
		return damon_cold_score(c, r, s);
	case DAMOS_WILLNEED:
	case DAMOS_HUGEPAGE:
	case DAMOS_LRU_PRIO:
	case DAMOS_MIGRATE_HOT:
		return damon_hot_score(c, r, s);
	default:
		/* Statistics have no preferred order: every region is first. */
		return DAMOS_MAX_SCORE;
	}
}

/**
 * damos_folio_filter_match() - Whether a folio has what a filter looks at.
 * @f:	The filter; one of the types judged per folio.
 * @folio:	The folio; the caller holds a reference to it.
 *
 * The filter's &damos_filter->matching is not applied here.  A folio found
 * young is made old again, so that the next look tells whether it was
 * accessed since this one, not since some time long ago.
 *
 * Return: whether @folio is anonymous, charged to the filter's memory cgroup
 * or young, as the type of @f asks; false for the types the core judges.
 */
bool damos_folio_filter_match(struct damos_filter *f, struct folio *folio)
{
	struct mem_cgroup *memcg;
	bool match;

	switch (f->type) {
	case DAMOS_FILTER_TYPE_ANON:
		return folio_test_anon(folio);
	case DAMOS_FILTER_TYPE_MEMCG:
		rcu_read_lock();
		memcg = folio_memcg_check(folio);
		match = memcg && mem_cgroup_id(memcg) == f->memcg_id;
		rcu_read_unlock();
		return match;
	case DAMOS_FILTER_TYPE_YOUNG:
		match = damon_folio_young(folio);
		if (match)
			damon_folio_mkold(folio);
		return match;
	default:
		return false;
	}
}

/**
 * damos_has_folio_filter() - Whether a scheme has filters judged per folio.
 * @s:		The scheme.
 * @type:	One of the types judged per folio, or %NR_DAMOS_FILTER_TYPES
 *		for any of them.
 *
 * Return: true if @s has a filter of @type.
 */
bool damos_has_folio_filter(struct damos *s, enum damos_filter_type type)
{
	struct damos_filter *f;

	damos_for_each_filter(f, s) {
		switch (f->type) {
		case DAMOS_FILTER_TYPE_ANON:
		case DAMOS_FILTER_TYPE_MEMCG:
		case DAMOS_FILTER_TYPE_YOUNG:
			if (type == NR_DAMOS_FILTER_TYPES || f->type == type)
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

/**
 * damos_folio_filtered_out() - Whether a scheme must leave a folio alone.
 * @s:		The scheme.
 * @folio:	The folio; the caller holds a reference to it.
 *
 * Only the filters judged per folio are looked at; the core has applied the
 * address and target filters before handing the region over.
 *
 * Return: true when a filter of @s excludes @folio.
 */
bool damos_folio_filtered_out(struct damos *s, struct folio *folio)
{
	struct damos_filter *f;

	damos_for_each_filter(f, s) {
		switch (f->type) {
		case DAMOS_FILTER_TYPE_ANON:
		case DAMOS_FILTER_TYPE_MEMCG:
		case DAMOS_FILTER_TYPE_YOUNG:
			if (damos_folio_filter_match(f, folio) == f->matching)
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

#ifdef CONFIG_DAMON_KUNIT_TEST
#include "tests/ops-common-kunit.h"
#endif
