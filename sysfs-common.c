// SPDX-License-Identifier: GPL-2.0
/*
 * DAMON sysfs interface: the directory machinery shared by its files.
 *
 * Locking.  One mutex, dadm_lock, serialises every file operation of the
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
 * for the wait (dadm_unlock(), dadm_relock()), so that a kdamond with long
 * intervals, or a killed writer, never keeps the other files waiting.
 */

#include <linux/kernfs.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sysfs-common.h"

static DEFINE_MUTEX(dadm_lock);

static void dadm_release(struct kobject *kobj)
{
	struct dadm_node *node = container_of(kobj, struct dadm_node, kobj);

	if (node->owner)
		kobject_put(&node->owner->kobj);
	if (node->owns_data)
		kfree(node->data);
	kfree(node);
}

static const struct kobj_type dadm_ktype = {
	.release = dadm_release,
	.sysfs_ops = &kobj_sysfs_ops,
};

/*
 * Take the tree lock for an operation on file @f of @node.  On success the
 * caller must undo this with dadm_leave(), passing the kernfs node of the
 * file that *@knp is set to.
 */
static int dadm_enter(struct dadm_node *node, const struct dadm_file *f,
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

	if (mutex_lock_interruptible(&dadm_lock)) {
		err = -EINTR;
	} else if (node->dead) {
		mutex_unlock(&dadm_lock);
	} else {
		*knp = kn;
		return 0;
	}
	kernfs_unbreak_active_protection(kn);
	kernfs_put(kn);
	kobject_put(&node->kobj);
	return err;
}

static void dadm_leave(struct dadm_node *node, struct kernfs_node *kn)
{
	mutex_unlock(&dadm_lock);
	kernfs_unbreak_active_protection(kn);
	kernfs_put(kn);
	kobject_put(&node->kobj);
}

/**
 * dadm_unlock() - Let go of the tree lock to wait on a kdamond.
 *
 * A file operation that must wait for a kdamond (a commit, a statistics
 * update) drops the tree lock for the wait, so that other files, "off"
 * included, stay usable meanwhile, and takes it back with dadm_relock()
 * before it returns.  Its own directory stays allocated (the operation holds
 * a reference), but may be removed from the tree in between.
 */
void dadm_unlock(void)
{
	mutex_unlock(&dadm_lock);
}

/**
 * dadm_relock() - Take the tree lock back after dadm_unlock().
 * @node:	The directory of the file being operated on.
 *
 * The lock is taken unconditionally: its holders never wait on kdamonds,
 * so this wait is short.
 *
 * Return: 0, or -ENODEV if @node was removed from the tree meanwhile.
 */
int dadm_relock(struct dadm_node *node)
{
	mutex_lock(&dadm_lock);
	return node->dead ? -ENODEV : 0;
}

static int dadm_show_value(struct dadm_node *node, const struct dadm_file *f,
			   char *buf)
{
	void *val = node->data + f->offset;
	const char *str;
	int idx;

	switch (f->kind) {
	case DADM_ULONG:
		return sysfs_emit(buf, "%lu\n", *(unsigned long *)val);
	case DADM_UINT:
		return sysfs_emit(buf, "%u\n", *(unsigned int *)val);
	case DADM_INT:
		return sysfs_emit(buf, "%d\n", *(int *)val);
	case DADM_U64:
		return sysfs_emit(buf, "%llu\n", *(u64 *)val);
	case DADM_BOOL:
		return sysfs_emit(buf, "%c\n", *(bool *)val ? 'Y' : 'N');
	case DADM_WORD:
		idx = *(int *)val;
		if (idx < 0 || (unsigned int)idx >= f->nr_words)
			return -EINVAL;
		return sysfs_emit(buf, "%s\n", f->words[idx]);
	case DADM_STR:
		str = *(char **)val;
		return sysfs_emit(buf, "%s\n", str ? str : "");
	case DADM_NR:
		return sysfs_emit(buf, "%u\n", ((struct dadm_list *)val)->nr);
	case DADM_CUSTOM:
		return f->show ? f->show(node, buf) : -EPERM;
	}
	return -EINVAL;
}

static int dadm_store_word(const struct dadm_file *f, const char *buf,
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

static int dadm_store_str(const char *buf, size_t len, char **val)
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

static int dadm_store_count(struct dadm_node *node, const char *buf)
{
	const struct dadm_dir *dir = node->dir;
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
	return dadm_list_resize(node->data, nr);
}

static int dadm_store_value(struct dadm_node *node, const struct dadm_file *f,
			    const char *buf, size_t len)
{
	void *val = node->data + f->offset;

	switch (f->kind) {
	case DADM_ULONG:
		return kstrtoul(buf, 0, val);
	case DADM_UINT:
		return kstrtouint(buf, 0, val);
	case DADM_INT:
		return kstrtoint(buf, 0, val);
	case DADM_U64:
		return kstrtou64(buf, 0, val);
	case DADM_BOOL:
		return kstrtobool(buf, val);
	case DADM_WORD:
		return dadm_store_word(f, buf, val);
	case DADM_STR:
		return dadm_store_str(buf, len, val);
	case DADM_NR:
		return dadm_store_count(node, buf);
	case DADM_CUSTOM:
		return f->store ? f->store(node, buf, len) : -EPERM;
	}
	return -EINVAL;
}

/**
 * dadm_show() - The show callback of every admin tree file.
 * @kobj:	The kobject of the file's directory.
 * @attr:	The attribute of the file, in a &struct dadm_file.
 * @buf:	Where to print.
 *
 * Return: the length printed or a negative errno.
 */
ssize_t dadm_show(struct kobject *kobj, struct kobj_attribute *attr,
		  char *buf)
{
	struct dadm_node *node = container_of(kobj, struct dadm_node, kobj);
	struct dadm_file *f = container_of(attr, struct dadm_file, kattr);
	struct kernfs_node *kn;
	int ret;

	ret = dadm_enter(node, f, &kn);
	if (ret)
		return ret;
	ret = dadm_show_value(node, f, buf);
	dadm_leave(node, kn);
	return ret;
}

/**
 * dadm_store() - The store callback of every admin tree file.
 * @kobj:	The kobject of the file's directory.
 * @attr:	The attribute of the file, in a &struct dadm_file.
 * @buf:	The written text.
 * @count:	Its length.
 *
 * The stored value is left unchanged when the text is not valid.
 *
 * Return: @count or a negative errno.
 */
ssize_t dadm_store(struct kobject *kobj, struct kobj_attribute *attr,
		   const char *buf, size_t count)
{
	struct dadm_node *node = container_of(kobj, struct dadm_node, kobj);
	struct dadm_file *f = container_of(attr, struct dadm_file, kattr);
	struct kernfs_node *kn;
	int err;

	err = dadm_enter(node, f, &kn);
	if (err)
		return err;
	err = dadm_store_value(node, f, buf, count);
	dadm_leave(node, kn);
	return err ? err : count;
}

/*
 * Take @node out of the tree with everything below it.  Its data stays
 * until the last reference to it goes, but its files fail from now on.
 */
static void dadm_remove(struct dadm_node *node)
{
	struct dadm_node *child, *next;

	if (node->dir->elem)
		dadm_list_resize(node->data, 0);
	list_for_each_entry_safe(child, next, &node->children, sibling) {
		list_del(&child->sibling);
		dadm_remove(child);
	}
	if (node->dir->elem)
		((struct dadm_list *)node->data)->dir = NULL;
	if (node->owns_data && node->dir->fini)
		node->dir->fini(node->data);
	node->dead = true;
	if (node->kobj.state_in_sysfs)
		kobject_del(&node->kobj);
	kobject_put(&node->kobj);
}

static int dadm_add_files(struct dadm_node *node)
{
	struct dadm_file *f;
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
static struct dadm_node *dadm_create(struct kobject *parent, const char *name,
				     const struct dadm_dir *dir, void *data,
				     struct dadm_node *owner, bool owns)
{
	struct dadm_node *node, *child;
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
	kobject_init(&node->kobj, &dadm_ktype);
	if (owner) {
		kobject_get(&owner->kobj);
		node->owner = owner;
	}

	err = kobject_add(&node->kobj, parent, "%s", name);
	if (!err)
		err = dadm_add_files(node);
	for (i = 0; !err && dir->subdirs && dir->subdirs[i].name; i++) {
		const struct dadm_subdir *sub = &dir->subdirs[i];

		child = dadm_create(&node->kobj, sub->name, sub->dir,
				    data + sub->offset, owner ? owner : node,
				    false);
		if (IS_ERR(child))
			err = PTR_ERR(child);
		else
			list_add_tail(&child->sibling, &node->children);
	}
	if (err) {
		dadm_remove(node);
		return ERR_PTR(err);
	}
	if (dir->elem)
		((struct dadm_list *)data)->dir = node;
	return node;
}

/* Create numbered child @idx of the directory of @list. */
static struct dadm_node *dadm_create_elem(struct dadm_list *list,
					  unsigned int idx)
{
	const struct dadm_dir *kind = list->dir->dir->elem;
	char name[16];
	void *data;

	data = kzalloc(kind->data_size, GFP_KERNEL);
	if (!data)
		return ERR_PTR(-ENOMEM);
	if (kind->init)
		kind->init(data);
	snprintf(name, sizeof(name), "%u", idx);
	return dadm_create(&list->dir->kobj, name, kind, data, NULL, true);
}

/**
 * dadm_list_resize() - Set the number of numbered children of a directory.
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
int dadm_list_resize(struct dadm_list *list, unsigned int nr)
{
	struct dadm_node **elems;
	unsigned int i;

	if (nr <= list->nr) {
		while (list->nr > nr)
			dadm_remove(list->elems[--list->nr]);
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
		elems[i] = dadm_create_elem(list, i);
		if (IS_ERR(elems[i])) {
			int err = PTR_ERR(elems[i]);

			while (i > list->nr)
				dadm_remove(elems[--i]);
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
 * dadm_create_root() - Create the top directory of a tree.
 * @parent:	Where to create it.
 * @name:	Its name.
 * @dir:	Its kind.
 * @data:	Its data, static: it is never freed.
 *
 * Return: the directory, or an ERR_PTR().
 */
struct dadm_node *dadm_create_root(struct kobject *parent, const char *name,
				   const struct dadm_dir *dir, void *data)
{
	return dadm_create(parent, name, dir, data, NULL, false);
}

static struct dadm_file dadm_range_files[] = {
	DADM_VAL(min, DADM_RW, DADM_ULONG, struct dadm_range, min),
	DADM_VAL(max, DADM_RW, DADM_ULONG, struct dadm_range, max),
	{ }
};

/* A directory showing a &struct dadm_range. */
const struct dadm_dir dadm_range_dir = {
	.files = dadm_range_files,
};
