/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DAMON sysfs interface: the directory machinery shared by its files.
 *
 * The admin tree is declared, not coded.  Every directory kind is a
 * &struct damon_sysfs_dir that lists the files it shows (&struct damon_sysfs_file: where
 * the value lives, how it is parsed and printed), the fixed directories it
 * contains, and, for the "nr_*" directories, the kind of the numbered
 * children that writing the count creates.  One generic show/store pair
 * serves every file and one resize routine serves every numbered list.
 */

#ifndef _DAMON_SYSFS_COMMON_H
#define _DAMON_SYSFS_COMMON_H

#include <linux/damon.h>
#include <linux/kobject.h>
#include <linux/sysfs.h>

struct damon_sysfs_node;

/**
 * enum damon_sysfs_kind - How a file turns its value into text and back.
 * @DAMON_SYSFS_ULONG:	An unsigned long in decimal (input in any kstrtoul() base).
 * @DAMON_SYSFS_UINT:	An unsigned int.
 * @DAMON_SYSFS_INT:	An int.
 * @DAMON_SYSFS_U64:	A u64.
 * @DAMON_SYSFS_BOOL:	A bool, read as Y or N, written as anything kstrtobool() takes.
 * @DAMON_SYSFS_WORD:	An int that indexes &damon_sysfs_file->words.
 * @DAMON_SYSFS_STR:	A kmalloc()ed string (char *), NULL when never written.
 * @DAMON_SYSFS_NR:	Number of numbered children; the directory's data is a
 *		&struct damon_sysfs_list.
 * @DAMON_SYSFS_CUSTOM:	Handled by &damon_sysfs_file->show and &damon_sysfs_file->store.
 */
enum damon_sysfs_kind {
	DAMON_SYSFS_ULONG,
	DAMON_SYSFS_UINT,
	DAMON_SYSFS_INT,
	DAMON_SYSFS_U64,
	DAMON_SYSFS_BOOL,
	DAMON_SYSFS_WORD,
	DAMON_SYSFS_STR,
	DAMON_SYSFS_NR,
	DAMON_SYSFS_CUSTOM,
};

/**
 * struct damon_sysfs_file - One file of a directory kind.
 * @kattr:	The sysfs attribute; name and mode are the file's.
 * @kind:	How the value is shown and stored.
 * @offset:	Where the value is, from the start of the directory's data.
 * @words:	Keywords of a %DAMON_SYSFS_WORD file, indexed by value.
 * @nr_words:	Number of @words.
 * @show:	Printer of a %DAMON_SYSFS_CUSTOM file: returns the length written.
 * @store:	Parser of a %DAMON_SYSFS_CUSTOM file: returns 0 or a negative errno.
 *
 * Both callbacks run with the admin tree lock held.
 */
struct damon_sysfs_file {
	struct kobj_attribute kattr;
	enum damon_sysfs_kind kind;
	size_t offset;
	const char * const *words;
	unsigned int nr_words;
	int (*show)(struct damon_sysfs_node *node, char *buf);
	int (*store)(struct damon_sysfs_node *node, const char *buf, size_t len);
};

#define DAMON_SYSFS_RO	0400
#define DAMON_SYSFS_RW	0600

/* A file of @kind whose value is the member @member of struct @type. */
#define DAMON_SYSFS_VAL(fname, mode, kind_, type, member) {			\
	.kattr = __ATTR(fname, mode, damon_sysfs_show, damon_sysfs_store),		\
	.kind = kind_,							\
	.offset = offsetof(type, member),				\
}

/* A file showing an int of struct @type as one of @nr @table keywords. */
#define DAMON_SYSFS_WORDS(fname, type, member, table, nr) {			\
	.kattr = __ATTR(fname, DAMON_SYSFS_RW, damon_sysfs_show, damon_sysfs_store),	\
	.kind = DAMON_SYSFS_WORD,						\
	.offset = offsetof(type, member),				\
	.words = table,							\
	.nr_words = nr,							\
}

/* The count file of a directory of numbered children. */
#define DAMON_SYSFS_COUNT(fname) {						\
	.kattr = __ATTR(fname, DAMON_SYSFS_RW, damon_sysfs_show, damon_sysfs_store),	\
	.kind = DAMON_SYSFS_NR,						\
}

/* A file with its own printer and parser (either may be NULL). */
#define DAMON_SYSFS_CALLS(fname, mode, show_fn, store_fn) {			\
	.kattr = __ATTR(fname, mode, damon_sysfs_show, damon_sysfs_store),		\
	.kind = DAMON_SYSFS_CUSTOM,						\
	.show = show_fn,						\
	.store = store_fn,						\
}

/**
 * struct damon_sysfs_subdir - A fixed directory inside another one.
 * @name:	Its name.
 * @dir:	Its kind.
 * @offset:	Where its data starts, from the start of the parent's data.
 */
struct damon_sysfs_subdir {
	const char *name;
	const struct damon_sysfs_dir *dir;
	size_t offset;
};

/**
 * struct damon_sysfs_list - The numbered children of a directory.
 * @dir:	The directory holding them; set while it exists.
 * @elems:	The children, in order; child i is named after i.
 * @nr:		Number of @elems.
 *
 * A directory kind with &damon_sysfs_dir->elem set keeps this at the start of its
 * data.  Child i's own data is reached with damon_sysfs_elem().
 */
struct damon_sysfs_list {
	struct damon_sysfs_node *dir;
	struct damon_sysfs_node **elems;
	unsigned int nr;
};

/**
 * struct damon_sysfs_dir - A kind of directory.
 * @files:	Its files, up to an entry without a name; NULL for none.
 * @subdirs:	Its fixed directories, up to an entry without a name; NULL
 *		for none.
 * @elem:	Kind of its numbered children, or NULL if it has none.
 * @max_elems:	Most numbered children allowed, or zero for no limit.
 * @may_resize:	Optional veto on writes to the count file: returns 0 or the
 *		errno to fail the write with.
 * @data_size:	For kinds of numbered children: size of the data each one
 *		owns, zero-initialised before @init.
 * @init:	Optional: set the default values of a new child's data.
 * @fini:	Optional: release what a child's data refers to, when the
 *		child is removed.
 */
struct damon_sysfs_dir {
	struct damon_sysfs_file *files;
	const struct damon_sysfs_subdir *subdirs;
	const struct damon_sysfs_dir *elem;
	unsigned int max_elems;
	int (*may_resize)(struct damon_sysfs_list *list);
	size_t data_size;
	void (*init)(void *data);
	void (*fini)(void *data);
};

/**
 * struct damon_sysfs_node - A directory of the admin tree.
 * @kobj:	Its kobject.
 * @dir:	Its kind.
 * @data:	The values its files show.
 * @owner:	The numbered child (or root) whose data @data is part of,
 *		pinned until this node is released; NULL for that node itself.
 * @owns_data:	Whether releasing this node frees @data.
 * @dead:	Removed from the tree; its files fail with -ENODEV from then.
 * @children:	Its fixed directories.
 * @sibling:	Entry in the parent's @children.
 */
struct damon_sysfs_node {
	struct kobject kobj;
	const struct damon_sysfs_dir *dir;
	void *data;
	struct damon_sysfs_node *owner;
	bool owns_data;
	bool dead;
	struct list_head children;
	struct list_head sibling;
};

/* The data of numbered child @i of @list. */
static inline void *damon_sysfs_elem(struct damon_sysfs_list *list, unsigned int i)
{
	return list->elems[i]->data;
}

/* A min/max pair, shown in a directory with "min" and "max" files. */
struct damon_sysfs_range {
	unsigned long min;
	unsigned long max;
};

extern const struct damon_sysfs_dir damon_sysfs_range_dir;

ssize_t damon_sysfs_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf);
ssize_t damon_sysfs_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count);

struct damon_sysfs_node *damon_sysfs_create_root(struct kobject *parent, const char *name,
						 const struct damon_sysfs_dir *dir, void *data);
int damon_sysfs_list_resize(struct damon_sysfs_list *list, unsigned int nr);
void damon_sysfs_unlock(void);
int damon_sysfs_relock(struct damon_sysfs_node *node);

/* Schemes: sysfs-schemes.c */

extern const struct damon_sysfs_dir damon_sysfs_scheme_dir;

int damon_sysfs_schemes_to_ctx(struct damon_sysfs_list *schemes, struct damon_ctx *ctx);
int damon_sysfs_schemes_sync(struct damon_sysfs_list *schemes, struct damon_ctx *ctx,
			     struct damon_sysfs_node *node, bool stats, bool quotas);
int damon_sysfs_schemes_push_goals(struct damon_sysfs_list *schemes, struct damon_ctx *ctx,
				   struct damon_sysfs_node *node);
int damon_sysfs_schemes_walk(struct damon_sysfs_list *schemes, struct damon_ctx *ctx,
			     struct damon_sysfs_node *node, bool bytes_only);
int damon_sysfs_schemes_clear_tried(struct damon_sysfs_list *schemes);

#endif /* _DAMON_SYSFS_COMMON_H */
