// SPDX-License-Identifier: GPL-2.0
/*
 * The deprecated DAMON debugfs interface, <debugfs>/damon/.
 *
 * It is there for the tools written before the sysfs interface.  Each
 * directory (<debugfs>/damon/ itself, and one per name written to
 * mk_contexts) stands for one DAMON context, which its files read and change
 * directly.  Writing "on" to monitor_on_DEPRECATED starts every context at
 * once, exclusively: nothing else may run DAMON while they run, and they do
 * not start while something else does.  Parameters change only while the
 * context is off; the schemes file also shows what each scheme did.
 *
 * As the interface always did, the targets of a virtual address context are
 * dropped once its kdamond stopped (by "off", or because every target
 * process exited); they go at the next access to the interface, which is
 * the first moment anyone could tell.
 *
 * Locking.  dbgfs_lock protects the list of contexts and everything the
 * files of a context change; the core's own locks nest in it.  It is never
 * held while waiting on a kdamond: "off" stops the kdamonds with the lock
 * released (meanwhile, a stop in progress refuses what could interfere),
 * and the schemes of a running context are read by its kdamond, through
 * damon_call(), with the lock released too.  The files of a context
 * directory point at its &struct dbgfs_context; debugfs_remove() waits for
 * the file operations under way, so the context is freed only after it.
 */

#define pr_fmt(fmt) "damon-dbgfs: " fmt

#include <linux/ctype.h>
#include <linux/damon.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* The content of the DEPRECATED file, also logged on first use. */
#define DBGFS_NOTICE_MOVE \
	"DAMON debugfs interface is deprecated, so users should move to DAMON_SYSFS."
#define DBGFS_NOTICE_TELL \
	" If you cannot, please report your usecase to"
#define DBGFS_NOTICE_WHERE \
	" damon@lists.linux.dev and linux-mm@kvack.org.\n"
static const char dbgfs_notice[] =
	DBGFS_NOTICE_MOVE DBGFS_NOTICE_TELL DBGFS_NOTICE_WHERE;

/* Most targets a context can have, and schemes. */
#define DBGFS_MAX_TARGETS	32
#define DBGFS_MAX_SCHEMES	256
/* Longest write accepted; valid inputs are far shorter. */
#define DBGFS_MAX_INPUT		(256 * 1024)
/* Room for one unsigned long in decimal, with a separator. */
#define DBGFS_NUM_LEN		21
/* The numbers of a line of the schemes file: as written, and as read. */
#define DBGFS_SCHEME_IN		18
#define DBGFS_SCHEME_OUT	(DBGFS_SCHEME_IN + 5)
/* What target_ids shows for the physical address space target. */
#define DBGFS_PADDR_ID		42

/* The initial regions written to init_regions, grouped by target index. */
struct dbgfs_regions {
	struct damon_addr_range *ranges;
	unsigned int nr[DBGFS_MAX_TARGETS];
	unsigned int total;
};

/**
 * struct dbgfs_context - One context directory.
 * @list:	Entry in dbgfs_contexts; the root's context comes first.
 * @ctx:	The DAMON context.
 * @dir:	The directory.
 * @name:	Its name, or NULL for the root's context.
 * @regions:	What init_regions holds; given to the targets at "on".
 * @started:	"on" started the kdamond, and its end was not handled yet.
 */
struct dbgfs_context {
	struct list_head list;
	struct damon_ctx *ctx;
	struct dentry *dir;
	char *name;
	struct dbgfs_regions regions;
	bool started;
};

/* Text made for a read. */
struct dbgfs_text {
	char *buf;
	size_t len;
};

static DEFINE_MUTEX(dbgfs_lock);
static LIST_HEAD(dbgfs_contexts);
static struct dentry *dbgfs_root;
/* "off" is stopping the kdamonds, without dbgfs_lock */
static bool dbgfs_stopping;

/* The files of a context directory, then those only the root has. */
static const char * const dbgfs_ctx_file_names[] = {
	"attrs", "schemes", "target_ids", "init_regions", "kdamond_pid",
};

static const char * const dbgfs_root_file_names[] = {
	"mk_contexts", "rm_contexts", "monitor_on_DEPRECATED", "DEPRECATED",
};

/*
 * Parsing.  Numbers are unsigned and decimal, one word each; a number too
 * big for its field is an error, never a wrap-around.
 */

static bool dbgfs_word_end(char c)
{
	return !c || isspace(c);
}

/* Skip the blanks of the current line. */
static const char *dbgfs_skip_blanks(const char *s)
{
	while (*s != '\n' && isspace(*s))
		s++;
	return s;
}

/*
 * Read the number that starts at *@pos and move *@pos past it.  Return 0,
 * -EINVAL if no number whole word starts there, or -ERANGE if it is above
 * @max.
 */
static int dbgfs_parse_number(const char **pos, unsigned long max,
			      unsigned long *val)
{
	const char *s = *pos;
	unsigned long v = 0;

	if (!isdigit(*s))
		return -EINVAL;
	for (; isdigit(*s); s++) {
		if (check_mul_overflow(v, 10UL, &v) ||
		    check_add_overflow(v, (unsigned long)(*s - '0'), &v))
			return -ERANGE;
	}
	if (!dbgfs_word_end(*s))
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*pos = s;
	*val = v;
	return 0;
}

/* attrs: sampling, aggregation and update intervals, min and max regions */
static int dbgfs_parse_attrs(const char *s, struct damon_attrs *attrs)
{
	unsigned long v[5];
	int i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		s = skip_spaces(s);
		if (dbgfs_parse_number(&s, ULONG_MAX, &v[i]))
			return -EINVAL;
	}
	if (*skip_spaces(s))
		return -EINVAL;
	attrs->sample_interval = v[0];
	attrs->aggr_interval = v[1];
	attrs->ops_update_interval = v[2];
	attrs->min_nr_regions = v[3];
	attrs->max_nr_regions = v[4];
	return 0;
}

/*
 * target_ids: "paddr", or process ids.  The list of ids ends quietly at the
 * first word that does not start with a number, or right after a number
 * that other characters follow: "1 2 abc 4" and "1 2abc 4" mean 1 and 2.
 * That is how the interface always read it, and its users count on it.
 *
 * Return: the number of ids put in @ids (zero to DBGFS_MAX_TARGETS; one,
 * with *@paddr set, for "paddr"), or -EINVAL for more ids than a context
 * may have or for an id that no process can have.
 */
static int dbgfs_parse_ids(const char *s, int *ids, bool *paddr)
{
	int nr = 0;

	s = skip_spaces(s);
	*paddr = !strncmp(s, "paddr", 5) && !*skip_spaces(s + 5);
	if (*paddr)
		return 1;
	for (;; s = skip_spaces(s)) {
		bool minus = *s == '-';
		unsigned long v = 0;

		if (!isdigit(s[minus]))
			break;
		for (s += minus; isdigit(*s); s++) {
			if (check_mul_overflow(v, 10UL, &v) ||
			    check_add_overflow(v, (unsigned long)(*s - '0'),
					       &v))
				return -EINVAL;
		}
		if (nr == DBGFS_MAX_TARGETS || minus || !v || v > INT_MAX)
			return -EINVAL;
		ids[nr++] = v;
		if (!dbgfs_word_end(*s))
			break;
	}
	return nr;
}

static void dbgfs_regions_free(struct dbgfs_regions *r)
{
	kvfree(r->ranges);
	memset(r, 0, sizeof(*r));
}

/* Parse the region "<target index> <start> <end>" at *@pos. */
static int dbgfs_parse_region(const char **pos, unsigned int *idx,
			      struct damon_addr_range *ar)
{
	unsigned long v;

	*pos = skip_spaces(*pos);
	if (dbgfs_parse_number(pos, DBGFS_MAX_TARGETS - 1, &v))
		return -EINVAL;
	*idx = v;
	*pos = skip_spaces(*pos);
	if (dbgfs_parse_number(pos, ULONG_MAX, &ar->start))
		return -EINVAL;
	*pos = skip_spaces(*pos);
	if (dbgfs_parse_number(pos, ULONG_MAX, &ar->end))
		return -EINVAL;
	return ar->start < ar->end ? 0 : -EINVAL;
}

/*
 * init_regions: any number of "<target index> <start> <end>" triples,
 * separated by blanks or newlines.  The regions of each target must come in
 * address order and must not overlap; the targets may take turns.  The
 * indexes are checked against the targets of the context by the caller.
 *
 * Return: 0 with the regions in @out, -EINVAL, or -ENOMEM.
 */
static int dbgfs_parse_regions(const char *s, struct dbgfs_regions *out)
{
	unsigned long last_end[DBGFS_MAX_TARGETS] = {};
	unsigned int first[DBGFS_MAX_TARGETS], placed[DBGFS_MAX_TARGETS] = {};
	struct dbgfs_regions r = {};
	struct damon_addr_range ar;
	const char *pos = s;
	unsigned int idx, i;

	/* check everything and count, then place each region in its group */
	while (*skip_spaces(pos)) {
		if (dbgfs_parse_region(&pos, &idx, &ar))
			return -EINVAL;
		if (r.nr[idx] && ar.start < last_end[idx])
			return -EINVAL;
		last_end[idx] = ar.end;
		r.nr[idx]++;
		r.total++;
	}
	if (r.total) {
		r.ranges = kvmalloc_array(r.total, sizeof(*r.ranges),
					  GFP_KERNEL | __GFP_NOWARN);
		if (!r.ranges)
			return -ENOMEM;
	}
	for (i = 0, idx = 0; idx < DBGFS_MAX_TARGETS; idx++) {
		first[idx] = i;
		i += r.nr[idx];
	}
	for (pos = s; *skip_spaces(pos);) {
		if (dbgfs_parse_region(&pos, &idx, &ar))
			break;	/* cannot happen: the same text passed above */
		r.ranges[first[idx] + placed[idx]++] = ar;
	}
	*out = r;
	return 0;
}

/* The largest target index @r uses, plus one. */
static unsigned int dbgfs_regions_nr_targets(const struct dbgfs_regions *r)
{
	unsigned int idx = DBGFS_MAX_TARGETS;

	while (idx && !r->nr[idx - 1])
		idx--;
	return idx;
}

static int dbgfs_text_alloc(struct dbgfs_text *text, size_t size)
{
	text->buf = kvmalloc(size, GFP_KERNEL | __GFP_NOWARN);
	text->len = 0;
	return text->buf ? 0 : -ENOMEM;
}

/* init_regions as read: one region a line, by target, in address order. */
static int dbgfs_regions_text(const struct dbgfs_regions *r,
			      struct dbgfs_text *text)
{
	size_t size = (size_t)r->total * 3 * DBGFS_NUM_LEN + 1;
	unsigned int idx, i, n = 0;

	if (dbgfs_text_alloc(text, size))
		return -ENOMEM;
	for (idx = 0; idx < DBGFS_MAX_TARGETS; idx++) {
		for (i = 0; i < r->nr[idx]; i++, n++)
			text->len += scnprintf(text->buf + text->len,
					       size - text->len, "%u %lu %lu\n",
					       idx, r->ranges[n].start,
					       r->ranges[n].end);
	}
	text->buf[text->len] = '\0';
	return 0;
}

/*
 * Schemes.  The action numbers of the interface, in order, and the most
 * each of the numbers of a line may be.
 */
static const enum damos_action dbgfs_actions[] = {
	DAMOS_WILLNEED, DAMOS_COLD, DAMOS_PAGEOUT, DAMOS_HUGEPAGE,
	DAMOS_NOHUGEPAGE, DAMOS_STAT,
};

static const unsigned long dbgfs_scheme_max[DBGFS_SCHEME_IN] = {
	ULONG_MAX, ULONG_MAX,		/* region size range */
	UINT_MAX, UINT_MAX,		/* nr_accesses range */
	UINT_MAX, UINT_MAX,		/* age range */
	ARRAY_SIZE(dbgfs_actions) - 1,	/* action */
	ULONG_MAX, ULONG_MAX, ULONG_MAX,	/* quota ms, bytes, interval */
	UINT_MAX, UINT_MAX, UINT_MAX,	/* weights */
	NR_DAMOS_WMARK_METRICS - 1,	/* watermarks metric */
	ULONG_MAX,			/* watermarks check interval */
	ULONG_MAX, ULONG_MAX, ULONG_MAX,	/* high, middle, low marks */
};

/* A new scheme from the numbers of a line, or an error pointer. */
static struct damos *dbgfs_new_scheme(const unsigned long *v)
{
	struct damos_access_pattern pattern = {
		.min_sz_region = v[0], .max_sz_region = v[1],
		.min_nr_accesses = v[2], .max_nr_accesses = v[3],
		.min_age_region = v[4], .max_age_region = v[5],
	};
	struct damos_quota quota = {
		.ms = v[7], .sz = v[8], .reset_interval = v[9],
		.weight_sz = v[10], .weight_nr_accesses = v[11],
		.weight_age = v[12],
	};
	struct damos_watermarks wmarks = {
		.metric = v[13], .interval = v[14],
		.high = v[15], .mid = v[16], .low = v[17],
	};
	struct damos *s;

	if (v[0] > v[1] || v[2] > v[3] || v[4] > v[5])
		return ERR_PTR(-EINVAL);
	if (wmarks.mid > wmarks.high || wmarks.low > wmarks.mid)
		return ERR_PTR(-EINVAL);
	s = damon_new_scheme(&pattern, dbgfs_actions[v[6]], 0, &quota,
			     &wmarks, NUMA_NO_NODE);
	return s ? s : ERR_PTR(-ENOMEM);
}

static void dbgfs_free_schemes(struct list_head *schemes)
{
	struct damos *s, *next;

	list_for_each_entry_safe(s, next, schemes, list)
		damon_destroy_scheme(s);
}

/*
 * schemes: one scheme a line, eighteen numbers: the access pattern (size,
 * nr_accesses and age ranges), the action, the quota (ms, bytes, reset
 * interval, three priority weights) and the watermarks (metric, interval,
 * high, middle and low marks).  Blank lines do not count; nothing at all
 * means no scheme.
 *
 * Return: 0 with the new schemes in @schemes, -EINVAL, or -ENOMEM.
 */
static int dbgfs_parse_schemes(const char *s, struct list_head *schemes)
{
	unsigned long v[DBGFS_SCHEME_IN];
	unsigned int nr = 0, i;
	struct damos *scheme;
	int err = -EINVAL;

	while (*(s = skip_spaces(s))) {
		for (i = 0; i < DBGFS_SCHEME_IN; i++) {
			s = dbgfs_skip_blanks(s);
			if (dbgfs_parse_number(&s, dbgfs_scheme_max[i], &v[i]))
				goto fail;
		}
		s = dbgfs_skip_blanks(s);
		if ((*s && *s != '\n') || nr == DBGFS_MAX_SCHEMES)
			goto fail;
		scheme = dbgfs_new_scheme(v);
		if (IS_ERR(scheme)) {
			err = PTR_ERR(scheme);
			goto fail;
		}
		list_add_tail(&scheme->list, schemes);
		nr++;
	}
	return 0;
fail:
	dbgfs_free_schemes(schemes);
	return err;
}

static unsigned long dbgfs_action_number(enum damos_action action)
{
	unsigned long i;

	for (i = 0; i < ARRAY_SIZE(dbgfs_actions); i++) {
		if (dbgfs_actions[i] == action)
			break;
	}
	return i;
}

/* The schemes file as read: each scheme as written, then its statistics. */
static int dbgfs_schemes_text(struct damon_ctx *ctx, struct dbgfs_text *text)
{
	size_t line = DBGFS_SCHEME_OUT * DBGFS_NUM_LEN, size = 1;
	unsigned long v[DBGFS_SCHEME_OUT];
	struct damos *s;
	int i;

	damon_for_each_scheme(s, ctx)
		size += line;
	if (dbgfs_text_alloc(text, size))
		return -ENOMEM;
	damon_for_each_scheme(s, ctx) {
		v[0] = s->pattern.min_sz_region;
		v[1] = s->pattern.max_sz_region;
		v[2] = s->pattern.min_nr_accesses;
		v[3] = s->pattern.max_nr_accesses;
		v[4] = s->pattern.min_age_region;
		v[5] = s->pattern.max_age_region;
		v[6] = dbgfs_action_number(s->action);
		v[7] = s->quota.ms;
		v[8] = s->quota.sz;
		v[9] = s->quota.reset_interval;
		v[10] = s->quota.weight_sz;
		v[11] = s->quota.weight_nr_accesses;
		v[12] = s->quota.weight_age;
		v[13] = s->wmarks.metric;
		v[14] = s->wmarks.interval;
		v[15] = s->wmarks.high;
		v[16] = s->wmarks.mid;
		v[17] = s->wmarks.low;
		v[18] = s->stat.nr_tried;
		v[19] = s->stat.sz_tried;
		v[20] = s->stat.nr_applied;
		v[21] = s->stat.sz_applied;
		v[22] = s->stat.qt_exceeds;
		for (i = 0; i < DBGFS_SCHEME_OUT; i++)
			text->len += scnprintf(text->buf + text->len,
					       size - text->len, "%lu%c", v[i],
					       i + 1 < DBGFS_SCHEME_OUT ?
					       ' ' : '\n');
	}
	text->buf[text->len] = '\0';
	return 0;
}

/*
 * Targets
 */

static bool dbgfs_has_pids(struct damon_ctx *ctx)
{
	return ctx->ops.id == DAMON_OPS_VADDR ||
		ctx->ops.id == DAMON_OPS_FVADDR;
}

static void dbgfs_free_targets(struct list_head *targets)
{
	struct damon_target *t, *next;

	/* this puts the pid references the targets hold */
	list_for_each_entry_safe(t, next, targets, list)
		damon_destroy_target(t);
}

/*
 * Make in @targets one target per process of @ids, holding a reference to
 * its pid, or one target of no process when @ids is NULL.
 *
 * Return: 0, -EINVAL if there is no process of some id, or -ENOMEM; on
 * failure @targets is left empty.
 */
static int dbgfs_new_targets(const int *ids, int nr, struct list_head *targets)
{
	struct damon_target *t;
	int i;

	for (i = 0; i < nr; i++) {
		t = damon_new_target();
		if (!t)
			goto fail_nomem;
		list_add_tail(&t->list, targets);
		if (!ids)
			continue;
		t->pid = find_get_pid(ids[i]);
		if (!t->pid) {
			dbgfs_free_targets(targets);
			return -EINVAL;
		}
	}
	return 0;
fail_nomem:
	dbgfs_free_targets(targets);
	return -ENOMEM;
}

/* target_ids as read: pids as seen by the reader, or 42 for paddr. */
static int dbgfs_ids_text(struct damon_ctx *ctx, struct dbgfs_text *text)
{
	size_t size = 2;
	struct damon_target *t;

	damon_for_each_target(t, ctx)
		size += DBGFS_NUM_LEN;
	if (dbgfs_text_alloc(text, size))
		return -ENOMEM;
	damon_for_each_target(t, ctx) {
		int id = dbgfs_has_pids(ctx) ? pid_vnr(t->pid) : DBGFS_PADDR_ID;

		text->len += scnprintf(text->buf + text->len, size - text->len,
				       "%s%d", text->len ? " " : "", id);
	}
	text->len += scnprintf(text->buf + text->len, size - text->len, "\n");
	return 0;
}

/*
 * Contexts
 */

/*
 * Handle the end of a kdamond started by "on": the interface drops the
 * targets of a virtual address context then, with their pids.
 */
static void dbgfs_settle(struct dbgfs_context *c)
{
	struct damon_target *t, *next;

	lockdep_assert_held(&dbgfs_lock);
	if (!c->started || damon_is_running(c->ctx))
		return;
	c->started = false;
	if (!dbgfs_has_pids(c->ctx))
		return;
	damon_for_each_target_safe(t, next, c->ctx)
		damon_destroy_target(t);
	dbgfs_regions_free(&c->regions);
}

/* Settle @c and tell whether its parameters may change now. */
static int dbgfs_idle(struct dbgfs_context *c)
{
	dbgfs_settle(c);
	return damon_is_running(c->ctx) ? -EBUSY : 0;
}

static struct dbgfs_context *dbgfs_new_context(const char *name)
{
	struct dbgfs_context *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return NULL;
	INIT_LIST_HEAD(&c->list);
	if (name) {
		c->name = kstrdup(name, GFP_KERNEL);
		if (!c->name)
			goto fail;
	}
	c->ctx = damon_new_ctx();
	if (!c->ctx)
		goto fail;
	/* pids are the usual targets; paddr if vaddr is somehow missing */
	if (damon_select_ops(c->ctx, DAMON_OPS_VADDR) &&
	    damon_select_ops(c->ctx, DAMON_OPS_PADDR))
		goto fail;
	return c;
fail:
	if (c->ctx)
		damon_destroy_ctx(c->ctx);
	kfree(c->name);
	kfree(c);
	return NULL;
}

/* Free @c, which nobody can reach any more; stops a kdamond left over. */
static void dbgfs_free_context(struct dbgfs_context *c)
{
	damon_destroy_ctx(c->ctx);
	dbgfs_regions_free(&c->regions);
	kfree(c->name);
	kfree(c);
}

static struct dbgfs_context *dbgfs_find_context(const char *name)
{
	struct dbgfs_context *c;

	list_for_each_entry(c, &dbgfs_contexts, list) {
		if (c->name && !strcmp(c->name, name))
			return c;
	}
	return NULL;
}

static bool dbgfs_is_root_file(const char *name)
{
	return match_string(dbgfs_ctx_file_names,
			    ARRAY_SIZE(dbgfs_ctx_file_names), name) >= 0 ||
		match_string(dbgfs_root_file_names,
			     ARRAY_SIZE(dbgfs_root_file_names), name) >= 0;
}

/* Give the targets of @c the regions written to init_regions. */
static int dbgfs_apply_regions(struct dbgfs_context *c)
{
	struct damon_addr_range *ranges = c->regions.ranges;
	struct damon_target *t;
	unsigned int idx = 0;
	int err;

	damon_for_each_target(t, c->ctx) {
		unsigned int nr = idx < DBGFS_MAX_TARGETS ?
			c->regions.nr[idx] : 0;

		err = damon_set_regions(t, ranges, nr);
		if (err)
			return err;
		ranges += nr;
		idx++;
	}
	return 0;
}

/*
 * File operations
 */

/*
 * Take what a write() brought, NUL-terminated: the input ends at its first
 * NUL.  An input must come in one write() from the start of the file.
 */
static char *dbgfs_user_input(const char __user *ubuf, size_t count,
			      loff_t *ppos)
{
	char *buf;

	if (*ppos || count > DBGFS_MAX_INPUT)
		return ERR_PTR(-EINVAL);
	buf = kvmalloc(count + 1, GFP_KERNEL | __GFP_NOWARN);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(buf, ubuf, count)) {
		kvfree(buf);
		return ERR_PTR(-EFAULT);
	}
	buf[count] = '\0';
	*ppos += count;
	return buf;
}

/* The single word of @s, trimmed, or NULL if it has none or several. */
static char *dbgfs_one_word(char *s)
{
	char *word = strim(s), *p;

	if (!*word)
		return NULL;
	for (p = word; *p; p++) {
		if (isspace(*p))
			return NULL;
	}
	return word;
}

static ssize_t dbgfs_read_text(char __user *ubuf, size_t count, loff_t *ppos,
			       struct dbgfs_text *text, int err)
{
	ssize_t ret = err;

	if (!err)
		ret = simple_read_from_buffer(ubuf, count, ppos, text->buf,
					      text->len);
	kvfree(text->buf);
	return ret;
}

static void dbgfs_warn_deprecated(void)
{
	pr_warn_once("%s", dbgfs_notice);
}

static int dbgfs_open(struct inode *inode, struct file *file)
{
	dbgfs_warn_deprecated();
	file->private_data = inode->i_private;
	return nonseekable_open(inode, file);
}

static ssize_t dbgfs_attrs_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct dbgfs_context *c = file->private_data;
	char buf[5 * DBGFS_NUM_LEN + 1];
	struct damon_attrs a;
	int len;

	mutex_lock(&dbgfs_lock);
	a = c->ctx->attrs;
	mutex_unlock(&dbgfs_lock);
	len = scnprintf(buf, sizeof(buf), "%lu %lu %lu %lu %lu\n",
			a.sample_interval, a.aggr_interval,
			a.ops_update_interval, a.min_nr_regions,
			a.max_nr_regions);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t dbgfs_attrs_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	struct dbgfs_context *c = file->private_data;
	struct damon_attrs attrs;
	char *in;
	int err;

	in = dbgfs_user_input(ubuf, count, ppos);
	if (IS_ERR(in))
		return PTR_ERR(in);
	err = dbgfs_parse_attrs(in, &attrs);
	kvfree(in);
	if (err)
		return err;
	mutex_lock(&dbgfs_lock);
	err = dbgfs_idle(c);
	if (!err)
		err = damon_set_attrs(c->ctx, &attrs);
	mutex_unlock(&dbgfs_lock);
	return err ? err : count;
}

/* A request for the schemes text, served by the kdamond. */
struct dbgfs_schemes_call {
	struct damon_ctx *ctx;
	struct dbgfs_text text;
};

static int dbgfs_schemes_text_fn(void *data)
{
	struct dbgfs_schemes_call *call = data;

	return dbgfs_schemes_text(call->ctx, &call->text);
}

static ssize_t dbgfs_schemes_read(struct file *file, char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	struct dbgfs_context *c = file->private_data;
	struct dbgfs_schemes_call call = { .ctx = c->ctx };
	struct damon_call_control control = {
		.fn = dbgfs_schemes_text_fn,
		.data = &call,
	};
	int tries, err = -EBUSY;

	/*
	 * The statistics of a running context are its kdamond's: it makes the
	 * text.  A kdamond that stops first cancels the call; then the text
	 * is made here, unless the contexts were started again meanwhile.
	 */
	for (tries = 0; tries < 3; tries++) {
		bool running;

		mutex_lock(&dbgfs_lock);
		dbgfs_settle(c);
		running = damon_is_running(c->ctx);
		if (!running)
			err = dbgfs_schemes_text(c->ctx, &call.text);
		mutex_unlock(&dbgfs_lock);
		if (!running)
			break;
		err = damon_call(c->ctx, &control);
		if (!err)
			err = control.return_code;
		if (err != -EINVAL && err != -ECANCELED)
			break;
		err = -EBUSY;
	}
	return dbgfs_read_text(ubuf, count, ppos, &call.text, err);
}

static ssize_t dbgfs_schemes_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct dbgfs_context *c = file->private_data;
	LIST_HEAD(schemes);
	struct damos *s, *next;
	char *in;
	int err;

	in = dbgfs_user_input(ubuf, count, ppos);
	if (IS_ERR(in))
		return PTR_ERR(in);
	err = dbgfs_parse_schemes(in, &schemes);
	kvfree(in);
	if (err)
		return err;
	mutex_lock(&dbgfs_lock);
	err = dbgfs_idle(c);
	if (!err) {
		damon_set_schemes(c->ctx, NULL, 0);
		list_for_each_entry_safe(s, next, &schemes, list) {
			list_del_init(&s->list);
			damon_add_scheme(c->ctx, s);
		}
	}
	mutex_unlock(&dbgfs_lock);
	dbgfs_free_schemes(&schemes);
	return err ? err : count;
}

static ssize_t dbgfs_target_ids_read(struct file *file, char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	struct dbgfs_context *c = file->private_data;
	struct dbgfs_text text = {};
	int err;

	/* the targets only change under the lock, and only while off */
	mutex_lock(&dbgfs_lock);
	dbgfs_settle(c);
	err = dbgfs_ids_text(c->ctx, &text);
	mutex_unlock(&dbgfs_lock);
	return dbgfs_read_text(ubuf, count, ppos, &text, err);
}

static ssize_t dbgfs_target_ids_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	struct dbgfs_context *c = file->private_data;
	int ids[DBGFS_MAX_TARGETS];
	struct dbgfs_regions old = {};
	struct damon_target *t, *next;
	LIST_HEAD(targets);
	bool paddr;
	char *in;
	int nr, err;

	in = dbgfs_user_input(ubuf, count, ppos);
	if (IS_ERR(in))
		return PTR_ERR(in);
	nr = dbgfs_parse_ids(in, ids, &paddr);
	kvfree(in);
	if (nr < 0)
		return nr;
	err = dbgfs_new_targets(paddr ? NULL : ids, nr, &targets);
	if (err)
		return err;

	mutex_lock(&dbgfs_lock);
	err = dbgfs_idle(c);
	if (!err && nr)
		err = damon_select_ops(c->ctx, paddr ? DAMON_OPS_PADDR :
				       DAMON_OPS_VADDR);
	if (!err) {
		damon_for_each_target_safe(t, next, c->ctx)
			damon_destroy_target(t);
		list_for_each_entry_safe(t, next, &targets, list) {
			list_del_init(&t->list);
			damon_add_target(c->ctx, t);
		}
		/* the regions were those of the former targets */
		old = c->regions;
		memset(&c->regions, 0, sizeof(c->regions));
	}
	mutex_unlock(&dbgfs_lock);
	if (!err)
		dbgfs_regions_free(&old);
	dbgfs_free_targets(&targets);
	return err ? err : count;
}

static ssize_t dbgfs_init_regions_read(struct file *file, char __user *ubuf,
				       size_t count, loff_t *ppos)
{
	struct dbgfs_context *c = file->private_data;
	struct dbgfs_text text = {};
	int err;

	mutex_lock(&dbgfs_lock);
	err = dbgfs_idle(c);
	if (!err)
		err = dbgfs_regions_text(&c->regions, &text);
	mutex_unlock(&dbgfs_lock);
	return dbgfs_read_text(ubuf, count, ppos, &text, err);
}

static ssize_t dbgfs_init_regions_write(struct file *file,
					const char __user *ubuf, size_t count,
					loff_t *ppos)
{
	struct dbgfs_context *c = file->private_data;
	struct dbgfs_regions regions, old = {};
	struct damon_target *t;
	unsigned int nr_targets = 0;
	char *in;
	int err;

	in = dbgfs_user_input(ubuf, count, ppos);
	if (IS_ERR(in))
		return PTR_ERR(in);
	err = dbgfs_parse_regions(in, &regions);
	kvfree(in);
	if (err)
		return err;
	mutex_lock(&dbgfs_lock);
	err = dbgfs_idle(c);
	damon_for_each_target(t, c->ctx)
		nr_targets++;
	if (!err && dbgfs_regions_nr_targets(&regions) > nr_targets)
		err = -EINVAL;
	if (!err) {
		old = c->regions;
		c->regions = regions;
	}
	mutex_unlock(&dbgfs_lock);
	dbgfs_regions_free(err ? &regions : &old);
	return err ? err : count;
}

static ssize_t dbgfs_kdamond_pid_read(struct file *file, char __user *ubuf,
				      size_t count, loff_t *ppos)
{
	struct dbgfs_context *c = file->private_data;
	int pid = damon_kdamond_pid(c->ctx);
	char buf[DBGFS_NUM_LEN + 1];
	int len;

	if (pid < 0)
		len = scnprintf(buf, sizeof(buf), "none\n");
	else
		len = scnprintf(buf, sizeof(buf), "%d\n", pid);
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations dbgfs_attrs_fops = {
	.open = dbgfs_open,
	.read = dbgfs_attrs_read,
	.write = dbgfs_attrs_write,
};

static const struct file_operations dbgfs_schemes_fops = {
	.open = dbgfs_open,
	.read = dbgfs_schemes_read,
	.write = dbgfs_schemes_write,
};

static const struct file_operations dbgfs_target_ids_fops = {
	.open = dbgfs_open,
	.read = dbgfs_target_ids_read,
	.write = dbgfs_target_ids_write,
};

static const struct file_operations dbgfs_init_regions_fops = {
	.open = dbgfs_open,
	.read = dbgfs_init_regions_read,
	.write = dbgfs_init_regions_write,
};

static const struct file_operations dbgfs_kdamond_pid_fops = {
	.open = dbgfs_open,
	.read = dbgfs_kdamond_pid_read,
};

/* In the order of dbgfs_ctx_file_names. */
static const struct file_operations * const dbgfs_ctx_fops[] = {
	&dbgfs_attrs_fops, &dbgfs_schemes_fops, &dbgfs_target_ids_fops,
	&dbgfs_init_regions_fops, &dbgfs_kdamond_pid_fops,
};

static_assert(ARRAY_SIZE(dbgfs_ctx_fops) == ARRAY_SIZE(dbgfs_ctx_file_names));

static void dbgfs_fill_dir(struct dentry *dir, struct dbgfs_context *c)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(dbgfs_ctx_fops); i++)
		debugfs_create_file(dbgfs_ctx_file_names[i], 0600, dir, c,
				    dbgfs_ctx_fops[i]);
}

/*
 * The files of the root directory
 */

/* "on": start every context, exclusively, with its initial regions. */
static int dbgfs_turn_on(void)
{
	struct damon_ctx **ctxs = NULL;
	struct dbgfs_context *c;
	int nr = 0, err = 0;

	mutex_lock(&dbgfs_lock);
	if (dbgfs_stopping)
		err = -EBUSY;
	list_for_each_entry(c, &dbgfs_contexts, list) {
		if (err)
			break;
		dbgfs_settle(c);
		if (damon_is_running(c->ctx))
			err = -EBUSY;
		else if (damon_targets_empty(c->ctx))
			err = -EINVAL;
		nr++;
	}
	if (!err) {
		ctxs = kmalloc_array(nr, sizeof(*ctxs),
				     GFP_KERNEL | __GFP_NOWARN);
		if (!ctxs)
			err = -ENOMEM;
	}
	nr = 0;
	list_for_each_entry(c, &dbgfs_contexts, list) {
		if (err)
			break;
		err = dbgfs_apply_regions(c);
		ctxs[nr++] = c->ctx;
	}
	if (!err) {
		err = damon_start(ctxs, nr, true);
		/* those started before a failure keep running */
		list_for_each_entry(c, &dbgfs_contexts, list)
			c->started = !err || damon_is_running(c->ctx);
	}
	mutex_unlock(&dbgfs_lock);
	kfree(ctxs);
	return err;
}

/* "off": stop every context, without the lock while waiting. */
static int dbgfs_turn_off(void)
{
	struct damon_ctx **ctxs;
	struct dbgfs_context *c;
	int nr = 0, err;

	mutex_lock(&dbgfs_lock);
	if (dbgfs_stopping) {
		mutex_unlock(&dbgfs_lock);
		return -EBUSY;
	}
	list_for_each_entry(c, &dbgfs_contexts, list)
		nr++;
	ctxs = kmalloc_array(nr, sizeof(*ctxs), GFP_KERNEL | __GFP_NOWARN);
	if (!ctxs) {
		mutex_unlock(&dbgfs_lock);
		return -ENOMEM;
	}
	nr = 0;
	list_for_each_entry(c, &dbgfs_contexts, list)
		ctxs[nr++] = c->ctx;
	/* no context comes or goes until the stop is over */
	dbgfs_stopping = true;
	mutex_unlock(&dbgfs_lock);

	err = damon_stop(ctxs, nr);

	mutex_lock(&dbgfs_lock);
	dbgfs_stopping = false;
	list_for_each_entry(c, &dbgfs_contexts, list)
		dbgfs_settle(c);
	mutex_unlock(&dbgfs_lock);
	kfree(ctxs);
	return err;
}

static ssize_t dbgfs_monitor_on_read(struct file *file, char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	const char *state = damon_nr_running_ctxs() ? "on\n" : "off\n";

	return simple_read_from_buffer(ubuf, count, ppos, state,
				       strlen(state));
}

static ssize_t dbgfs_monitor_on_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	char *in, *word;
	int err = -EINVAL;

	in = dbgfs_user_input(ubuf, count, ppos);
	if (IS_ERR(in))
		return PTR_ERR(in);
	word = dbgfs_one_word(in);
	if (word && !strcmp(word, "on"))
		err = dbgfs_turn_on();
	else if (word && !strcmp(word, "off"))
		err = dbgfs_turn_off();
	kvfree(in);
	return err ? err : count;
}

/* The name written to mk_contexts or rm_contexts, or NULL if invalid. */
static char *dbgfs_context_name(char *in)
{
	char *name = dbgfs_one_word(in);

	if (!name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, "..") || strlen(name) > NAME_MAX)
		return NULL;
	return name;
}

static int dbgfs_mk_context(const char *name)
{
	struct dbgfs_context *c;
	struct dentry *dir;

	lockdep_assert_held(&dbgfs_lock);
	if (dbgfs_stopping || damon_nr_running_ctxs())
		return -EBUSY;
	if (dbgfs_find_context(name) || dbgfs_is_root_file(name))
		return -EEXIST;
	c = dbgfs_new_context(name);
	if (!c)
		return -ENOMEM;
	dir = debugfs_create_dir(name, dbgfs_root);
	if (IS_ERR(dir)) {
		dbgfs_free_context(c);
		return PTR_ERR(dir);
	}
	c->dir = dir;
	dbgfs_fill_dir(dir, c);
	list_add_tail(&c->list, &dbgfs_contexts);
	return 0;
}

static ssize_t dbgfs_mk_contexts_write(struct file *file,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	char *in, *name;
	int err = -EINVAL;

	in = dbgfs_user_input(ubuf, count, ppos);
	if (IS_ERR(in))
		return PTR_ERR(in);
	name = dbgfs_context_name(in);
	if (name) {
		mutex_lock(&dbgfs_lock);
		err = dbgfs_mk_context(name);
		mutex_unlock(&dbgfs_lock);
	}
	kvfree(in);
	return err ? err : count;
}

static ssize_t dbgfs_rm_contexts_write(struct file *file,
				       const char __user *ubuf, size_t count,
				       loff_t *ppos)
{
	struct dbgfs_context *c = NULL;
	char *in, *name;
	int err = -EINVAL;

	in = dbgfs_user_input(ubuf, count, ppos);
	if (IS_ERR(in))
		return PTR_ERR(in);
	name = dbgfs_context_name(in);
	if (name) {
		mutex_lock(&dbgfs_lock);
		if (dbgfs_stopping || damon_nr_running_ctxs()) {
			err = -EBUSY;
		} else {
			c = dbgfs_find_context(name);
			if (c)
				list_del_init(&c->list);
			/* a file of the root is no context */
			err = c ? 0 : dbgfs_is_root_file(name) ? -EINVAL :
				-ENOENT;
		}
		mutex_unlock(&dbgfs_lock);
	}
	kvfree(in);
	if (c) {
		/* waits for the operations on its files under way */
		debugfs_remove(c->dir);
		dbgfs_free_context(c);
	}
	return err ? err : count;
}

/*
 * The notice is read-only, and like a read-only sysfs file it cannot even be
 * opened for writing.  Reading it is no use of the interface: no warning.
 */
static int dbgfs_deprecated_open(struct inode *inode, struct file *file)
{
	return file->f_mode & FMODE_WRITE ? -EACCES : 0;
}

static ssize_t dbgfs_deprecated_read(struct file *file, char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	return simple_read_from_buffer(ubuf, count, ppos, dbgfs_notice,
				       strlen(dbgfs_notice));
}

static const struct file_operations dbgfs_mk_contexts_fops = {
	.open = dbgfs_open,
	.write = dbgfs_mk_contexts_write,
};

static const struct file_operations dbgfs_rm_contexts_fops = {
	.open = dbgfs_open,
	.write = dbgfs_rm_contexts_write,
};

static const struct file_operations dbgfs_monitor_on_fops = {
	.open = dbgfs_open,
	.read = dbgfs_monitor_on_read,
	.write = dbgfs_monitor_on_write,
};

static const struct file_operations dbgfs_deprecated_fops = {
	.open = dbgfs_deprecated_open,
	.read = dbgfs_deprecated_read,
};

/* In the order of dbgfs_root_file_names. */
static const struct file_operations * const dbgfs_root_fops[] = {
	&dbgfs_mk_contexts_fops, &dbgfs_rm_contexts_fops,
	&dbgfs_monitor_on_fops, &dbgfs_deprecated_fops,
};

static_assert(ARRAY_SIZE(dbgfs_root_fops) ==
	      ARRAY_SIZE(dbgfs_root_file_names));

static int __init dbgfs_init(void)
{
	struct dbgfs_context *c;
	int i;

	c = dbgfs_new_context(NULL);
	if (!c)
		return -ENOMEM;
	dbgfs_root = debugfs_create_dir("damon", NULL);
	if (IS_ERR(dbgfs_root)) {
		pr_err("cannot create the debugfs directory: %ld\n",
		       PTR_ERR(dbgfs_root));
		dbgfs_free_context(c);
		return PTR_ERR(dbgfs_root);
	}
	c->dir = dbgfs_root;
	mutex_lock(&dbgfs_lock);
	list_add(&c->list, &dbgfs_contexts);
	mutex_unlock(&dbgfs_lock);
	for (i = 0; i < ARRAY_SIZE(dbgfs_root_fops); i++)
		debugfs_create_file(dbgfs_root_file_names[i],
				    dbgfs_root_fops[i]->write ? 0600 : 0400,
				    dbgfs_root, NULL, dbgfs_root_fops[i]);
	dbgfs_fill_dir(dbgfs_root, c);
	return 0;
}
module_init(dbgfs_init);

#ifdef CONFIG_DAMON_DBGFS_KUNIT_TEST
#include "tests/dbgfs-kunit.h"
#endif
