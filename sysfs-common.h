/* SPDX-License-Identifier: GPL-2.0 */
/*
 * DAMON sysfs interface: the directory machinery shared by its files.
 *
 * The admin tree is declared, not coded.  Every directory kind is a
 * &struct dadm_dir that lists the files it shows (&struct dadm_file: where
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

struct dadm_node;

/**
 * enum dadm_kind - How a file turns its value into text and back.
 * @DADM_ULONG:	An unsigned long in decimal (input in any kstrtoul() base).
 * @DADM_UINT:	An unsigned int.
 * @DADM_INT:	An int.
 * @DADM_U64:	A u64.
 * @DADM_BOOL:	A bool, read as Y or N, written as anything kstrtobool() takes.
 * @DADM_WORD:	An int that indexes &dadm_file->words.
 * @DADM_STR:	A kmalloc()ed string (char *), NULL when never written.
 * @DADM_NR:	Number of numbered children; the directory's data is a
 *		&struct dadm_list.
 * @DADM_CUSTOM:	Handled by &dadm_file->show and &dadm_file->store.
 */
enum dadm_kind {
	DADM_ULONG,
	DADM_UINT,
	DADM_INT,
	DADM_U64,
	DADM_BOOL,
	DADM_WORD,
	DADM_STR,
	DADM_NR,
	DADM_CUSTOM,
};

/**
 * struct dadm_file - One file of a directory kind.
 * @kattr:	The sysfs attribute; name and mode are the file's.
 * @kind:	How the value is shown and stored.
 * @offset:	Where the value is, from the start of the directory's data.
 * @words:	Keywords of a %DADM_WORD file, indexed by value.
 * @nr_words:	Number of @words.
 * @show:	Printer of a %DADM_CUSTOM file: returns the length written.
 * @store:	Parser of a %DADM_CUSTOM file: returns 0 or a negative errno.
 *
 * Both callbacks run with the admin tree lock held.
 */
struct dadm_file {
	struct kobj_attribute kattr;
	enum dadm_kind kind;
	size_t offset;
	const char * const *words;
	unsigned int nr_words;
	int (*show)(struct dadm_node *node, char *buf);
	int (*store)(struct dadm_node *node, const char *buf, size_t len);
};

#define DADM_RO	0400
#define DADM_RW	0600

/* A file of @kind whose value is the member @member of struct @type. */
#define DADM_VAL(fname, mode, kind_, type, member) {			\
	.kattr = __ATTR(fname, mode, dadm_show, dadm_store),		\
	.kind = kind_,							\
	.offset = offsetof(type, member),				\
}

/* A file showing an int of struct @type as one of @nr @table keywords. */
#define DADM_WORDS(fname, type, member, table, nr) {			\
	.kattr = __ATTR(fname, DADM_RW, dadm_show, dadm_store),	\
	.kind = DADM_WORD,						\
	.offset = offsetof(type, member),				\
	.words = table,							\
	.nr_words = nr,							\
}

/* The count file of a directory of numbered children. */
#define DADM_COUNT(fname) {						\
	.kattr = __ATTR(fname, DADM_RW, dadm_show, dadm_store),	\
	.kind = DADM_NR,						\
}

/* A file with its own printer and parser (either may be NULL). */
#define DADM_CALLS(fname, mode, show_fn, store_fn) {			\
	.kattr = __ATTR(fname, mode, dadm_show, dadm_store),		\
	.kind = DADM_CUSTOM,						\
	.show = show_fn,						\
	.store = store_fn,						\
}

/**
 * struct dadm_subdir - A fixed directory inside another one.
 * @name:	Its name.
 * @dir:	Its kind.
 * @offset:	Where its data starts, from the start of the parent's data.
 */
struct dadm_subdir {
	const char *name;
	const struct dadm_dir *dir;
	size_t offset;
};

/**
 * struct dadm_list - The numbered children of a directory.
 * @dir:	The directory holding them; set while it exists.
 * @elems:	The children, in order; child i is named after i.
 * @nr:		Number of @elems.
 *
 * A directory kind with &dadm_dir->elem set keeps this at the start of its
 * data.  Child i's own data is reached with dadm_elem().
 */
struct dadm_list {
	struct dadm_node *dir;
	struct dadm_node **elems;
	unsigned int nr;
};

/**
 * struct dadm_dir - A kind of directory.
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
struct dadm_dir {
	struct dadm_file *files;
	const struct dadm_subdir *subdirs;
	const struct dadm_dir *elem;
	unsigned int max_elems;
	int (*may_resize)(struct dadm_list *list);
	size_t data_size;
	void (*init)(void *data);
	void (*fini)(void *data);
};

/**
 * struct dadm_node - A directory of the admin tree.
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
struct dadm_node {
	struct kobject kobj;
	const struct dadm_dir *dir;
	void *data;
	struct dadm_node *owner;
	bool owns_data;
	bool dead;
	struct list_head children;
	struct list_head sibling;
};

/* The data of numbered child @i of @list. */
static inline void *dadm_elem(struct dadm_list *list, unsigned int i)
{
	return list->elems[i]->data;
}

/* A min/max pair, shown in a directory with "min" and "max" files. */
struct dadm_range {
	unsigned long min;
	unsigned long max;
};

extern const struct dadm_dir dadm_range_dir;

ssize_t dadm_show(struct kobject *kobj, struct kobj_attribute *attr,
		  char *buf);
ssize_t dadm_store(struct kobject *kobj, struct kobj_attribute *attr,
		   const char *buf, size_t count);

struct dadm_node *dadm_create_root(struct kobject *parent, const char *name,
				   const struct dadm_dir *dir, void *data);
int dadm_list_resize(struct dadm_list *list, unsigned int nr);
void dadm_unlock(void);
int dadm_relock(struct dadm_node *node);

/* Schemes: sysfs-schemes.c */

extern const struct dadm_dir dadm_scheme_dir;

int dadm_schemes_to_ctx(struct dadm_list *schemes, struct damon_ctx *ctx);
int dadm_schemes_sync(struct dadm_list *schemes, struct damon_ctx *ctx,
		      struct dadm_node *node, bool stats, bool quotas);
int dadm_schemes_push_goals(struct dadm_list *schemes, struct damon_ctx *ctx,
			    struct dadm_node *node);
int dadm_schemes_walk(struct dadm_list *schemes, struct damon_ctx *ctx,
		      struct dadm_node *node, bool bytes_only);
int dadm_schemes_clear_tried(struct dadm_list *schemes);

#endif /* _DAMON_SYSFS_COMMON_H */
