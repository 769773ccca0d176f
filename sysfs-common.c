// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: the directory machinery shared by its files.
 *
 * Locking.  One mutex, damon_sysfs_lock, serialises every file operation of the
 * admin tree, reads included, so that no file sees a half-done change and
 * every value read by DAMON on "on" or "commit" is consistent.  A file
 * operation that waits for the mutex could deadlock with an operation that
 * holds it while removing the waiter's directory (removal waits for the
 * operations in flight on the removed files), so every operation first steps
 * out of the kernfs active protection of its file, keeping the directory
 * alive by a kobject reference instead, and then finds out under the mutex
 * whether its directory was removed in between.  Kdamonds never take the
 * mutex, but its holders still never wait for them: an operation that has
 * to (commit, statistics and tried-regions updates, off) drops the mutex
 * for the wait (damon_sysfs_unlock(), damon_sysfs_relock()), so that a kdamond with long
 * intervals, or a killed writer, never keeps the other files waiting.
 */

#include <linux/kernfs.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sysfs-common.h"

static DEFINE_MUTEX(damon_sysfs_lock);

static void damon_sysfs_release(struct kobject *kobj)
{
	struct damon_sysfs_node *node = container_of(kobj, struct damon_sysfs_node, kobj);

	if (node->owner)
		kobject_put(&node->owner->kobj);
	if (node->owns_data)
		kfree(node->data);
	kfree(node);
}

static const struct kobj_type damon_sysfs_ktype = {
	.release = damon_sysfs_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

/*
 * Take the tree lock for an operation on file @f of @node.  On success the
 * caller must undo this with damon_sysfs_leave(), passing the kernfs node of the
 * file that *@knp is set to.
 */
static int damon_sysfs_enter(struct damon_sysfs_node *node, const struct damon_sysfs_file *f,
			     struct kernfs_node **knp)
{
	struct kernfs_node *dir = READ_ONCE(node->kobj.sd);
	struct kernfs_node *kn;
	int err = -ENODEV;

	/*
	 * The directory loses its kernfs node first thing on removal; it is
	 * there to look the file up in otherwise, and stays allocated for as
	 * long as the file, which is busy with us, anyway.
	 */
	if (!dir)
		return -ENODEV;
	kn = kernfs_find_and_get(dir, f->kattr.attr.name);
	if (!kn)
		return -ENODEV;
	kobject_get(&node->kobj);
	kernfs_break_active_protection(kn);

	if (mutex_lock_interruptible(&damon_sysfs_lock)) {
		err = -EINTR;
	} else if (node->dead) {
		mutex_unlock(&damon_sysfs_lock);
	} else {
		*knp = kn;
		return 0;
	}
	kernfs_unbreak_active_protection(kn);
	kernfs_put(kn);
	kobject_put(&node->kobj);
	return err;
}

static void damon_sysfs_leave(struct damon_sysfs_node *node, struct kernfs_node *kn)
{
	mutex_unlock(&damon_sysfs_lock);
	kernfs_unbreak_active_protection(kn);
	kernfs_put(kn);
	kobject_put(&node->kobj);
}

/**
 * damon_sysfs_unlock() - Let go of the tree lock to wait on a kdamond.
 *
 * A file operation that must wait for a kdamond (a commit, a statistics
 * update) drops the tree lock for the wait, so that other files, "off"
 * included, stay usable meanwhile, and takes it back with damon_sysfs_relock()
 * before it returns.  Its own directory stays allocated (the operation holds
 * a reference), but may be removed from the tree in between.
 */
void damon_sysfs_unlock(void)
{
	mutex_unlock(&damon_sysfs_lock);
}

/**
 * damon_sysfs_relock() - Take the tree lock back after damon_sysfs_unlock().
 * @node:	The directory of the file being operated on.
 *
 * The lock is taken unconditionally: its holders never wait on kdamonds,
 * so this wait is short.
 *
 * Return: 0, or -ENODEV if @node was removed from the tree meanwhile.
 */
int damon_sysfs_relock(struct damon_sysfs_node *node)
{
	mutex_lock(&damon_sysfs_lock);
	return node->dead ? -ENODEV : 0;
}

static int damon_sysfs_show_value(struct damon_sysfs_node *node, const struct damon_sysfs_file *f,
				  char *buf)
{
	void *val = node->data + f->offset;
	const char *str;
	int idx;

	switch (f->kind) {
	case DAMON_SYSFS_ULONG:
		return sysfs_emit(buf, "%lu\n", *(unsigned long *)val);
	case DAMON_SYSFS_UINT:
		return sysfs_emit(buf, "%u\n", *(unsigned int *)val);
	case DAMON_SYSFS_INT:
		return sysfs_emit(buf, "%d\n", *(int *)val);
	case DAMON_SYSFS_U64:
		return sysfs_emit(buf, "%llu\n", *(u64 *)val);
	case DAMON_SYSFS_BOOL:
		return sysfs_emit(buf, "%c\n", *(bool *)val ? 'Y' : 'N');
	case DAMON_SYSFS_WORD:
		idx = *(int *)val;
		if (idx < 0 || (unsigned int)idx >= f->nr_words)
			return -EINVAL;
		return sysfs_emit(buf, "%s\n", f->words[idx]);
	case DAMON_SYSFS_STR:
		str = *(char **)val;
		return sysfs_emit(buf, "%s\n", str ? str : "");
	case DAMON_SYSFS_NR:
		return sysfs_emit(buf, "%u\n", ((struct damon_sysfs_list *)val)->nr);
	case DAMON_SYSFS_CUSTOM:
		return f->show ? f->show(node, buf) : -EPERM;
	}
	return -EINVAL;
}

static int damon_sysfs_store_word(const struct damon_sysfs_file *f, const char *buf,
				  int *val)
{
	unsigned int i;

	for (i = 0; i < f->nr_words; i++) {
		if (sysfs_streq(buf, f->words[i])) {
			*val = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int damon_sysfs_store_str(const char *buf, size_t len, char **val)
{
	char *copy;

	if (len && buf[len - 1] == '\n')
		len--;
	copy = kmemdup_nul(buf, len, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	kfree(*val);
	*val = copy;
	return 0;
}

static int damon_sysfs_store_count(struct damon_sysfs_node *node, const char *buf)
{
	const struct damon_sysfs_dir *dir = node->dir;
	int nr, err;

	err = kstrtoint(buf, 0, &nr);
	if (err)
		return err;
	if (nr < 0 || (dir->max_elems && (unsigned int)nr > dir->max_elems))
		return -EINVAL;
	if (dir->may_resize) {
		err = dir->may_resize(node->data);
		if (err)
			return err;
	}
	return damon_sysfs_list_resize(node->data, nr);
}

static int damon_sysfs_store_value(struct damon_sysfs_node *node, const struct damon_sysfs_file *f,
				   const char *buf, size_t len)
{
	void *val = node->data + f->offset;

	switch (f->kind) {
	case DAMON_SYSFS_ULONG:
		return kstrtoul(buf, 0, val);
	case DAMON_SYSFS_UINT:
		return kstrtouint(buf, 0, val);
	case DAMON_SYSFS_INT:
		return kstrtoint(buf, 0, val);
	case DAMON_SYSFS_U64:
		return kstrtou64(buf, 0, val);
	case DAMON_SYSFS_BOOL:
		return kstrtobool(buf, val);
	case DAMON_SYSFS_WORD:
		return damon_sysfs_store_word(f, buf, val);
	case DAMON_SYSFS_STR:
		return damon_sysfs_store_str(buf, len, val);
	case DAMON_SYSFS_NR:
		return damon_sysfs_store_count(node, buf);
	case DAMON_SYSFS_CUSTOM:
		return f->store ? f->store(node, buf, len) : -EPERM;
	}
	return -EINVAL;
}

/**
 * damon_sysfs_show() - The show callback of every admin tree file.
 * @kobj:	The kobject of the file's directory.
 * @attr:	The attribute of the file, in a &struct damon_sysfs_file.
 * @buf:	Where to print.
 *
 * Return: the length printed or a negative errno.
 */
ssize_t damon_sysfs_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct damon_sysfs_node *node = container_of(kobj, struct damon_sysfs_node, kobj);
	struct damon_sysfs_file *f = container_of(attr, struct damon_sysfs_file, kattr);
	struct kernfs_node *kn;
	int ret;

	ret = damon_sysfs_enter(node, f, &kn);
	if (ret)
		return ret;
	ret = damon_sysfs_show_value(node, f, buf);
	damon_sysfs_leave(node, kn);
	return ret;
}

/**
 * damon_sysfs_store() - The store callback of every admin tree file.
 * @kobj:	The kobject of the file's directory.
 * @attr:	The attribute of the file, in a &struct damon_sysfs_file.
 * @buf:	The written text.
 * @count:	Its length.
 *
 * The stored value is left unchanged when the text is not valid.
 *
 * Return: @count or a negative errno.
 */
ssize_t damon_sysfs_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct damon_sysfs_node *node = container_of(kobj, struct damon_sysfs_node, kobj);
	struct damon_sysfs_file *f = container_of(attr, struct damon_sysfs_file, kattr);
	struct kernfs_node *kn;
	int err;

	err = damon_sysfs_enter(node, f, &kn);
	if (err)
		return err;
	err = damon_sysfs_store_value(node, f, buf, count);
	damon_sysfs_leave(node, kn);
	return err ? err : count;
}

/*
 * Take @node out of the tree with everything below it.  Its data stays
 * until the last reference to it goes, but its files fail from now on.
 */
static void damon_sysfs_remove(struct damon_sysfs_node *node)
{
	struct damon_sysfs_node *child, *next;

	if (node->dir->elem)
		damon_sysfs_list_resize(node->data, 0);
	list_for_each_entry_safe(child, next, &node->children, sibling) {
		list_del(&child->sibling);
		damon_sysfs_remove(child);
	}
	if (node->dir->elem)
		((struct damon_sysfs_list *)node->data)->dir = NULL;
	if (node->owns_data && node->dir->fini)
		node->dir->fini(node->data);
	node->dead = true;
	if (node->kobj.state_in_sysfs)
		kobject_del(&node->kobj);
	kobject_put(&node->kobj);
}

static int damon_sysfs_add_files(struct damon_sysfs_node *node)
{
	struct damon_sysfs_file *f;
	int err;

	for (f = node->dir->files; f && f->kattr.attr.name; f++) {
		err = sysfs_create_file(&node->kobj, &f->kattr.attr);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Create directory @name of kind @dir below @parent, showing @data, and
 * everything it contains.  @owner is the node whose data @data is part of;
 * with a NULL @owner, the new node owns @data if @owns is set, even when its
 * creation fails (then @data is finalised and freed at once).
 */
static struct damon_sysfs_node *damon_sysfs_create(struct kobject *parent, const char *name,
						   const struct damon_sysfs_dir *dir, void *data,
				     struct damon_sysfs_node *owner, bool owns)
{
	struct damon_sysfs_node *node, *child;
	unsigned int i;
	int err;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	if (!node) {
		if (owns) {
			if (dir->fini)
				dir->fini(data);
			kfree(data);
		}
		return ERR_PTR(-ENOMEM);
	}
	node->dir = dir;
	node->data = data;
	node->owns_data = owns;
	INIT_LIST_HEAD(&node->children);
	kobject_init(&node->kobj, &damon_sysfs_ktype);
	if (owner) {
		kobject_get(&owner->kobj);
		node->owner = owner;
	}

	err = kobject_add(&node->kobj, parent, "%s", name);
	if (!err)
		err = damon_sysfs_add_files(node);
	for (i = 0; !err && dir->subdirs && dir->subdirs[i].name; i++) {
		const struct damon_sysfs_subdir *sub = &dir->subdirs[i];

		child = damon_sysfs_create(&node->kobj, sub->name, sub->dir,
					   data + sub->offset, owner ? owner : node,
				    false);
		if (IS_ERR(child))
			err = PTR_ERR(child);
		else
			list_add_tail(&child->sibling, &node->children);
	}
	if (err) {
		damon_sysfs_remove(node);
		return ERR_PTR(err);
	}
	if (dir->elem)
		((struct damon_sysfs_list *)data)->dir = node;
	return node;
}

/* Create numbered child @idx of the directory of @list. */
static struct damon_sysfs_node *damon_sysfs_create_elem(struct damon_sysfs_list *list,
							unsigned int idx)
{
	const struct damon_sysfs_dir *kind = list->dir->dir->elem;
	char name[16];
	void *data;

	data = kzalloc(kind->data_size, GFP_KERNEL);
	if (!data)
		return ERR_PTR(-ENOMEM);
	if (kind->init)
		kind->init(data);
	snprintf(name, sizeof(name), "%u", idx);
	return damon_sysfs_create(&list->dir->kobj, name, kind, data, NULL, true);
}

/**
 * damon_sysfs_list_resize() - Set the number of numbered children of a directory.
 * @list:	The children.
 * @nr:		Their new number.
 *
 * Surplus children are removed, last first; missing ones are created with
 * default values.  Either every missing child is created or, on failure,
 * none is and the existing ones are left as they were.  The caller holds the
 * admin tree lock, or is setting the tree up.
 *
 * Return: 0 on success or a negative errno.
 */
int damon_sysfs_list_resize(struct damon_sysfs_list *list, unsigned int nr)
{
	struct damon_sysfs_node **elems;
	unsigned int i;

	if (nr <= list->nr) {
		while (list->nr > nr)
			damon_sysfs_remove(list->elems[--list->nr]);
		if (!nr) {
			kfree(list->elems);
			list->elems = NULL;
		}
		return 0;
	}
	if (!list->dir)
		return -ENODEV;

	elems = kmalloc_array(nr, sizeof(*elems), GFP_KERNEL | __GFP_NOWARN);
	if (!elems)
		return -ENOMEM;
	if (list->nr)
		memcpy(elems, list->elems, sizeof(*elems) * list->nr);
	for (i = list->nr; i < nr; i++) {
		elems[i] = damon_sysfs_create_elem(list, i);
		if (IS_ERR(elems[i])) {
			int err = PTR_ERR(elems[i]);

			while (i > list->nr)
				damon_sysfs_remove(elems[--i]);
			kfree(elems);
			return err;
		}
	}
	kfree(list->elems);
	list->elems = elems;
	list->nr = nr;
	return 0;
}

/**
 * damon_sysfs_create_root() - Create the top directory of a tree.
 * @parent:	Where to create it.
 * @name:	Its name.
 * @dir:	Its kind.
 * @data:	Its data, static: it is never freed.
 *
 * Return: the directory, or an ERR_PTR().
 */
struct damon_sysfs_node *damon_sysfs_create_root(struct kobject *parent, const char *name,
						 const struct damon_sysfs_dir *dir, void *data)
{
	return damon_sysfs_create(parent, name, dir, data, NULL, false);
}

static struct damon_sysfs_file damon_sysfs_range_files[] = {
	DAMON_SYSFS_VAL(min, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_range, min),
	DAMON_SYSFS_VAL(max, DAMON_SYSFS_RW, DAMON_SYSFS_ULONG, struct damon_sysfs_range, max),
	{ }
};

/* A directory showing a &struct damon_sysfs_range. */
const struct damon_sysfs_dir damon_sysfs_range_dir = {
	.files = damon_sysfs_range_files,
};
