// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON operations for the virtual address spaces of processes.
 *
 * Two operations sets live here.  "vaddr" decides by itself what to watch in
 * a process, following its memory mappings as they come and go; "fvaddr"
 * watches exactly the ranges the user gave.  Both sample accesses the same
 * way: one address per region per sampling interval has its page table
 * entry made old, and is looked at again one interval later.
 */

#define pr_fmt(fmt) "damon-va: " fmt

#include <linux/hugetlb.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/page_idle.h>
#include <linux/pagewalk.h>
#include <linux/pid.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>

#include "ops-common.h"

/*
 * The monitoring target of a virtual address operations set is the process
 * &damon_target->pid names.  The address space is looked up on every use,
 * so that nothing pins the process's memory between two samples.
 */
static struct mm_struct *damon_va_get_mm(struct damon_target *t)
{
	struct task_struct *task = get_pid_task(t->pid, PIDTYPE_PID);
	struct mm_struct *mm = NULL;

	if (task) {
		mm = get_task_mm(task);
		put_task_struct(task);
	}
	return mm;
}

/*
 * Choosing what vaddr watches
 * ---------------------------
 *
 * A process's address space is mostly unmapped.  The program image and the
 * heap sit low, shared libraries and other mmap()ed areas high, and the
 * stack near the top, with gaps of up to many terabytes in between.  Regions
 * spent on the gaps would be wasted, as nothing there can be accessed, so
 * vaddr watches three areas: the mappings below the two biggest gaps, those
 * between them, and those above them.  Smaller holes (between libraries, for
 * instance) are kept inside the areas; the adaptive region adjustment of the
 * core copes with them.
 *
 * The mappings are fed one by one, in address order, to a small accumulator
 * that remembers only the two biggest gaps; no memory is allocated however
 * many mappings the process has, and the computation can be tested without
 * any process at all.
 */
struct damon_va_layout {
	unsigned long lowest;		/* start of the first mapping */
	unsigned long highest;		/* end of the last mapping */
	unsigned int nr_maps;
	bool broken;			/* an empty or unsorted mapping */
	struct damon_addr_range gap[2];	/* biggest gap first */
};

static unsigned long damon_va_range_sz(const struct damon_addr_range *r)
{
	return r->end - r->start;
}

/*
 * Rank the gap [@start, @end) against the two biggest seen so far.  Ties go
 * to the gap seen first, i.e. the lowest in address, which keeps the result
 * independent of anything but the layout.
 */
static void damon_va_layout_rank_gap(struct damon_va_layout *l,
				     unsigned long start, unsigned long end)
{
	struct damon_addr_range gap = { .start = start, .end = end };
	/* how many gaps came before this one */
	unsigned int nr_ranked = l->nr_maps - 1;
	unsigned long sz = damon_va_range_sz(&gap);

	if (!nr_ranked || sz > damon_va_range_sz(&l->gap[0])) {
		l->gap[1] = l->gap[0];
		l->gap[0] = gap;
	} else if (nr_ranked == 1 || sz > damon_va_range_sz(&l->gap[1])) {
		l->gap[1] = gap;
	}
}

/* Account the mapping [@start, @end), which must follow the previous ones. */
static void damon_va_layout_add(struct damon_va_layout *l,
				unsigned long start, unsigned long end)
{
	if (start >= end || (l->nr_maps && start < l->highest)) {
		l->broken = true;
		return;
	}
	if (l->nr_maps)
		damon_va_layout_rank_gap(l, l->highest, start);
	else
		l->lowest = start;
	l->highest = end;
	l->nr_maps++;
}

/*
 * Round @end up to the region granularity.  The very last page of the
 * address space cannot be covered that way, as its end would wrap to zero;
 * it is left out instead.
 */
static unsigned long damon_va_align_end(unsigned long end)
{
	unsigned long aligned = ALIGN(end, DAMON_MIN_REGION);

	return aligned < end ? ALIGN_DOWN(end, DAMON_MIN_REGION) : aligned;
}

/*
 * Turn the accumulated layout into the three areas to watch, aligned to
 * DAMON_MIN_REGION.  Returns -EINVAL when there are fewer than three
 * mappings (there would be fewer than two gaps to leave out), when the
 * mappings were not sorted, or when alignment would leave an area empty.
 */
static int damon_va_layout_regions(const struct damon_va_layout *l,
				   struct damon_addr_range regions[3])
{
	const struct damon_addr_range *low = &l->gap[0], *high = &l->gap[1];
	int i;

	if (l->broken || l->nr_maps < 3)
		return -EINVAL;
	if (high->start < low->start)
		swap(low, high);

	regions[0].start = l->lowest;
	regions[0].end = low->start;
	regions[1].start = low->end;
	regions[1].end = high->start;
	regions[2].start = high->end;
	regions[2].end = l->highest;

	for (i = 0; i < 3; i++) {
		regions[i].start = ALIGN_DOWN(regions[i].start,
					      DAMON_MIN_REGION);
		regions[i].end = damon_va_align_end(regions[i].end);
		/* a gap smaller than the granularity vanishes when aligned */
		if (i && regions[i].start < regions[i - 1].end)
			regions[i].start = regions[i - 1].end;
		if (regions[i].start >= regions[i].end)
			return -EINVAL;
	}
	return 0;
}

/* Compute the three areas of @t's process from its current mappings. */
static int damon_va_three_regions(struct damon_target *t,
				  struct damon_addr_range regions[3])
{
	struct mm_struct *mm = damon_va_get_mm(t);
	struct damon_va_layout layout = {};
	struct vm_area_struct *vma;

	if (!mm)
		return -ESRCH;

	mmap_read_lock(mm);
	{
		VMA_ITERATOR(vmi, mm, 0);

		for_each_vma(vmi, vma)
			damon_va_layout_add(&layout, vma->vm_start,
					    vma->vm_end);
	}
	mmap_read_unlock(mm);
	mmput(mm);

	return damon_va_layout_regions(&layout, regions);
}

/*
 * The ->update of vaddr.  The core keeps the monitoring results of the
 * regions that stay covered, so following the mappings every update
 * interval costs no history.  A target whose areas cannot be computed (too
 * few mappings, process gone, no memory) keeps the regions it has.
 */
static void damon_va_update(struct damon_ctx *ctx)
{
	struct damon_addr_range regions[3];
	struct damon_target *t;

	damon_for_each_target(t, ctx) {
		if (damon_va_three_regions(t, regions))
			continue;
		damon_set_regions(t, regions, ARRAY_SIZE(regions));
	}
}

/*
 * The ->init of vaddr: targets the user gave regions to start with those;
 * the others start with their three areas.  Both follow the mappings from
 * the first update on.
 */
static void damon_va_init(struct damon_ctx *ctx)
{
	struct damon_addr_range regions[3];
	struct damon_target *t;

	damon_for_each_target(t, ctx) {
		if (damon_nr_regions(t) || damon_va_three_regions(t, regions))
			continue;
		damon_set_regions(t, regions, ARRAY_SIZE(regions));
	}
}

/*
 * Sampling accesses
 * -----------------
 *
 * One page table walk over [addr, addr + 1) reaches the entry that maps the
 * sampling address, whatever its level.  The same callbacks serve both
 * halves of a sample: making the entry old, and testing it later.
 *
 * When the entry is a huge one (a PMD-mapped THP or a hugetlb page), the
 * range it maps is remembered, and the sampling addresses of the following
 * regions that fall in it are served without another walk, in both halves:
 * the entry has a single Accessed bit for all of that range anyway.
 */
struct damon_va_walk {
	bool mkold;		/* make old rather than test */
	bool young;		/* result of the last test */
	/* virtual range the last huge entry mapped, empty when none */
	unsigned long huge_start;
	unsigned long huge_end;
};

/* Remember the range a huge entry maps; a zero @size forgets it. */
static void damon_va_walk_cover(struct damon_va_walk *w, unsigned long start,
				unsigned long size)
{
	w->huge_start = start;
	w->huge_end = start + size;
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
/*
 * Handle @pmd if it is a huge one.  Returns false, with nothing done, if it
 * points to a page table instead.
 */
static bool damon_va_huge_pmd(pmd_t *pmd, unsigned long addr,
			      struct mm_walk *walk)
{
	struct damon_va_walk *w = walk->private;
	struct vm_area_struct *vma = walk->vma;
	struct folio *folio;
	spinlock_t *ptl;	/* lock of the huge entry */
	pmd_t entry;

	ptl = pmd_trans_huge_lock(pmd, vma);
	if (!ptl)
		return false;
	/* for sparse: the lock is taken out of line, conditionally */
	__acquire(ptl);
	entry = pmdp_get(pmd);
	/* migration entries and device mappings have nothing to sample */
	if (pmd_present(entry) && pmd_trans_huge(entry)) {
		folio = vm_normal_folio_pmd(vma, addr, entry);
		if (w->mkold)
			damon_pmdp_mkold(pmd, vma, addr, folio);
		else
			w->young = damon_pmdp_young(pmd, vma, addr, folio);
		damon_va_walk_cover(w, addr & HPAGE_PMD_MASK,
				    HPAGE_PMD_SIZE);
	}
	spin_unlock(ptl);
	return true;
}
#else
static bool damon_va_huge_pmd(pmd_t *pmd, unsigned long addr,
			      struct mm_walk *walk)
{
	return false;
}
#endif	/* CONFIG_TRANSPARENT_HUGEPAGE */

static int damon_va_pmd_entry(pmd_t *pmd, unsigned long addr,
			      unsigned long next, struct mm_walk *walk)
{
	struct damon_va_walk *w = walk->private;
	struct vm_area_struct *vma = walk->vma;
	struct folio *folio = NULL;
	spinlock_t *ptl;	/* lock of the page table */
	pte_t *pte;
	pte_t entry;

	if (damon_va_huge_pmd(pmd, addr, walk))
		return 0;

	pte = pte_offset_map_lock(walk->mm, pmd, addr, &ptl);
	if (!pte) {
		/* the page table went away or became huge meanwhile */
		walk->action = ACTION_AGAIN;
		return 0;
	}
	/*
	 * For sparse: the mapping also entered an RCU read-side section, out
	 * of line, which pte_unmap_unlock() leaves.
	 */
	__acquire(RCU);
	entry = ptep_get(pte);
	if (pte_present(entry))
		folio = vm_normal_folio(vma, addr, entry);
	if (w->mkold)
		damon_ptep_mkold(pte, vma, addr, folio);
	else
		w->young = damon_ptep_young(pte, vma, addr, folio);
	pte_unmap_unlock(pte, ptl);
	return 0;
}

#ifdef CONFIG_HUGETLB_PAGE
/* Clear the Accessed state of a present hugetlb entry; @ptl held. */
static void damon_va_hugetlb_mkold(struct vm_area_struct *vma, pte_t *pte,
				   pte_t entry, unsigned long start,
				   unsigned long size)
{
	struct folio *folio = pfn_folio(pte_pfn(entry));
	bool young;

	young = mmu_notifier_clear_young(vma->vm_mm, start, start + size);
	if (pte_young(entry)) {
		/*
		 * There is no generic test-and-clear for hugetlb entries, so
		 * the entry is rewritten.  A Dirty bit the CPU sets in the
		 * meantime could be lost, which does not matter here: hugetlb
		 * pages are never written back nor reclaimed.
		 */
		set_huge_pte_at(vma->vm_mm, start, pte, pte_mkold(entry), size);
		/* a cached huge TLB entry would hide later accesses */
		flush_hugetlb_tlb_range(vma, start, start + size);
		young = true;
	}
	folio_set_idle(folio);
	if (young)
		folio_set_young(folio);
}

/* One entry maps a whole hugetlb page: check or clear it as a unit. */
static int damon_va_hugetlb_entry(pte_t *pte,
				  unsigned long hmask, unsigned long addr,
				  unsigned long end, struct mm_walk *walk)
{
	struct damon_va_walk *w = walk->private;
	struct hstate *hs = hstate_vma(walk->vma);
	unsigned long start = addr & hmask, size = huge_page_size(hs);
	spinlock_t *ptl = huge_pte_lock(hs, walk->mm, pte);
	pte_t entry = huge_ptep_get(walk->mm, addr, pte);

	if (pte_present(entry)) {
		damon_va_walk_cover(w, start, size);
		if (w->mkold)
			damon_va_hugetlb_mkold(walk->vma, pte, entry, start, size);
		else
			w->young = pte_young(entry) ||
				!folio_test_idle(pfn_folio(pte_pfn(entry))) ||
				mmu_notifier_test_young(walk->mm, start);
	}
	spin_unlock(ptl);
	return 0;
}
#endif	/* CONFIG_HUGETLB_PAGE */

/* Page table walks under the mmap lock held for reading. */
static const struct mm_walk_ops damon_va_walk_ops = {
	.walk_lock = PGWALK_RDLOCK,
	.pmd_entry = damon_va_pmd_entry,
#ifdef CONFIG_HUGETLB_PAGE
	.hugetlb_entry = damon_va_hugetlb_entry,
#endif
};

/* Make old, or test, the entry mapping @addr in @mm, if there is one. */
static void damon_va_visit(struct mm_struct *mm, unsigned long addr,
			   struct damon_va_walk *w)
{
	if (addr >= w->huge_start && addr < w->huge_end)
		return;
	w->young = false;
	damon_va_walk_cover(w, 0, 0);
	walk_page_range(mm, addr, addr + 1, &damon_va_walk_ops, w);
}

/*
 * The mmap lock is taken once for all the regions of a target, which saves
 * a lock round trip per region, but a writer (mmap(), munmap(), mprotect()
 * of the monitored process) must not wait for hundreds of walks: let it in,
 * and let the scheduler run something else, whenever either is waiting.  The
 * remembered huge entry may be gone after that, so it is forgotten.
 */
static void damon_va_yield_mm(struct mm_struct *mm, struct damon_va_walk *w)
{
	if (!need_resched() && !mmap_lock_is_contended(mm))
		return;
	mmap_read_unlock(mm);
	cond_resched();
	mmap_read_lock(mm);
	damon_va_walk_cover(w, 0, 0);
}

/*
 * One half of a sample for every region of @t: with @prepare, pick new
 * sampling addresses and make their entries old; without, test the entries
 * and account the results.  Returns the highest nr_accesses of @t.
 *
 * The regions of a process that has exited (or that has no address space)
 * are still accounted, as not accessed.
 */
static unsigned int damon_va_sample_target(struct damon_ctx *ctx,
					   struct damon_target *t, bool prepare)
{
	struct damon_va_walk w = { .mkold = prepare };
	struct mm_struct *mm = damon_va_get_mm(t);
	unsigned int max_nr_accesses = 0;
	struct damon_region *r;

	if (mm)
		mmap_read_lock(mm);
	damon_for_each_region(r, t) {
		if (prepare)
			r->sampling_addr = damon_rand(r->ar.start, r->ar.end);
		if (mm) {
			damon_va_visit(mm, r->sampling_addr, &w);
			damon_va_yield_mm(mm, &w);
		}
		if (prepare)
			continue;
		damon_update_region_access_rate(r, w.young, &ctx->attrs);
		max_nr_accesses = max(max_nr_accesses, r->nr_accesses);
	}
	if (mm) {
		mmap_read_unlock(mm);
		mmput(mm);
	}
	return max_nr_accesses;
}

static void damon_va_prepare_access_checks(struct damon_ctx *ctx)
{
	struct damon_target *t;

	damon_for_each_target(t, ctx)
		damon_va_sample_target(ctx, t, true);
}

static unsigned int damon_va_check_accesses(struct damon_ctx *ctx)
{
	unsigned int max_nr_accesses = 0;
	struct damon_target *t;

	damon_for_each_target(t, ctx)
		max_nr_accesses = max(max_nr_accesses,
				      damon_va_sample_target(ctx, t, false));
	return max_nr_accesses;
}

static bool damon_va_target_valid(struct damon_target *t)
{
	/* A racy peek is enough: the answer may change right after anyway. */
	return t->pid && pid_has_task(t->pid, PIDTYPE_PID);
}

/*
 * Schemes
 * -------
 *
 * The actions vaddr knows are all madvise() behaviours, applied to the
 * target process's address space as process_madvise() would.
 */
static int damon_va_madv_behavior(enum damos_action action)
{
	switch (action) {
	case DAMOS_WILLNEED:
		return MADV_WILLNEED;
	case DAMOS_COLD:
		return MADV_COLD;
	case DAMOS_PAGEOUT:
		return MADV_PAGEOUT;
	case DAMOS_HUGEPAGE:
		return MADV_HUGEPAGE;
	case DAMOS_NOHUGEPAGE:
		return MADV_NOHUGEPAGE;
	default:
		return -EINVAL;
	}
}

/*
 * Advise the mapped part of [@start, @end) one VMA at a time and return the
 * bytes that took the advice.  A single madvise() over a whole region gives
 * up at the first VMA that refuses the behaviour, such as the VM_PFNMAP
 * [vvar] among the libraries or an mlock()ed buffer for pageout, leaving the
 * rest of the region unadvised and what was advised unaccounted.  Regions
 * overlap few VMAs, so the extra lookups are cheap.  Between VMAs it stops
 * when the time quota of @s has run out.
 */
static unsigned long damon_va_advise(struct mm_struct *mm, unsigned long start,
				     unsigned long end, int behavior,
				     struct damos *s)
{
	unsigned long applied = 0;

	while (start < end) {
		struct vm_area_struct *vma;
		unsigned long vend;

		mmap_read_lock(mm);
		vma = find_vma(mm, start);
		if (!vma || vma->vm_start >= end) {
			mmap_read_unlock(mm);
			break;
		}
		start = max(start, vma->vm_start);
		vend = min(end, vma->vm_end);
		mmap_read_unlock(mm);

		/* the VMA may change meanwhile; madvise() sees the new one */
		if (!do_madvise(mm, start, vend - start, behavior))
			applied += vend - start;
		start = vend;
		if (damos_quota_time_up(s))
			break;
		cond_resched();
	}
	return applied;
}

/*
 * The per-page filters (anon, memcg, young) are judged by paddr only, as a
 * madvise() call has no say about single pages: nothing is counted as having
 * passed them here.
 */
static unsigned long damon_va_apply_scheme(struct damon_ctx *ctx,
					   struct damon_target *t,
					   struct damon_region *r,
					   struct damos *s,
					   unsigned long *sz_filter_passed)
{
	int behavior = damon_va_madv_behavior(s->action);
	unsigned long applied;
	struct mm_struct *mm;

	/* DAMOS_STAT and the actions vaddr does not implement land here. */
	if (behavior < 0)
		return 0;
	mm = damon_va_get_mm(t);
	if (!mm)
		return 0;
	applied = damon_va_advise(mm, r->ar.start, r->ar.end, behavior, s);
	mmput(mm);
	return applied;
}

static int damon_va_scheme_score(struct damon_ctx *ctx,
				 struct damon_target *t, struct damon_region *r,
				 struct damos *s)
{
	return damon_scheme_score(ctx, r, s);
}

/* What vaddr and fvaddr share: all but how the regions are set up. */
#define DAMON_VA_ACCESS_OPS						\
	.prepare_access_checks = damon_va_prepare_access_checks,	\
	.check_accesses = damon_va_check_accesses,			\
	.get_scheme_score = damon_va_scheme_score,			\
	.apply_scheme = damon_va_apply_scheme,				\
	.target_valid = damon_va_target_valid

/* vaddr: the regions follow the mappings of the process. */
static struct damon_operations damon_va_ops = {
	.id = DAMON_OPS_VADDR,
	.init = damon_va_init,
	.update = damon_va_update,
	DAMON_VA_ACCESS_OPS,
};

/* fvaddr: the regions stay as the user set them. */
static struct damon_operations damon_fva_ops = {
	.id = DAMON_OPS_FVADDR,
	DAMON_VA_ACCESS_OPS,
};

static int __init damon_va_register(void)
{
	int err = damon_register_ops(&damon_va_ops);

	if (!err)
		err = damon_register_ops(&damon_fva_ops);
	if (err)
		pr_err("cannot register the virtual address operations: %d\n",
		       err);
	return err;
}
subsys_initcall(damon_va_register);

#ifdef CONFIG_DAMON_VADDR_KUNIT_TEST
#include "tests/vaddr-kunit.h"
#endif
