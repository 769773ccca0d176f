/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the DAMON operations sets (vaddr, fvaddr and paddr).
 *
 * The page table helpers below keep the Accessed bits and the page idle
 * flags in a state that stays meaningful for the other users of those bits:
 * reclaim, which reads the Accessed bits, and idle page tracking
 * (/sys/kernel/mm/page_idle), which reads the young and idle folio flags.
 */

#ifndef _DAMON_OPS_COMMON_H
#define _DAMON_OPS_COMMON_H

#include <linux/damon.h>
#include <linux/mm_types.h>

struct folio *damon_get_folio(unsigned long pfn);

void damon_ptep_mkold(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr, struct folio *folio);
bool damon_ptep_young(pte_t *pte, struct vm_area_struct *vma,
		      unsigned long addr, struct folio *folio);

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
void damon_pmdp_mkold(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr, struct folio *folio);
bool damon_pmdp_young(pmd_t *pmd, struct vm_area_struct *vma,
		      unsigned long addr, struct folio *folio);
#else
/* Without THP no PMD maps a page, so nobody can ask about one. */
static inline void damon_pmdp_mkold(pmd_t *pmd, struct vm_area_struct *vma,
				    unsigned long addr, struct folio *folio)
{
}

static inline bool damon_pmdp_young(pmd_t *pmd, struct vm_area_struct *vma,
				    unsigned long addr, struct folio *folio)
{
	return false;
}
#endif

void damon_folio_mkold(struct folio *folio);
bool damon_folio_young(struct folio *folio);

int damon_hot_score(struct damon_ctx *c, struct damon_region *r,
		    struct damos *s);
int damon_cold_score(struct damon_ctx *c, struct damon_region *r,
		     struct damos *s);
int damon_scheme_score(struct damon_ctx *c, struct damon_region *r,
		       struct damos *s);

bool damos_folio_filter_match(struct damos_filter *f, struct folio *folio);
bool damos_has_folio_filter(struct damos *s, enum damos_filter_type type);
bool damos_folio_filtered_out(struct damos *s, struct folio *folio);

#endif	/* _DAMON_OPS_COMMON_H */
