# SPDX-License-Identifier: GPL-2.0
#
# mm/damon/, linked in this order: the core; the operations sets, which
# register themselves with it; the user interfaces; the policy modules.
# An object two options need (ops-common.o, modules-common.o) is named by
# both; Kbuild links it once.

damon-ops-$(CONFIG_DAMON_VADDR)		+= ops-common.o vaddr.o
damon-ops-$(CONFIG_DAMON_PADDR)		+= ops-common.o paddr.o
damon-ui-$(CONFIG_DAMON_SYSFS)		+= sysfs-common.o sysfs-schemes.o sysfs.o
damon-ui-$(CONFIG_DAMON_DBGFS)		+= dbgfs.o
damon-policy-$(CONFIG_DAMON_RECLAIM)	+= modules-common.o reclaim.o
damon-policy-$(CONFIG_DAMON_LRU_SORT)	+= modules-common.o lru_sort.o

obj-y := core.o $(damon-ops-y) $(damon-ui-y) $(damon-policy-y)
