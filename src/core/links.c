/* Links between items (举一反三): an item's current links and its repeat
 * count.  Links are append-only records (the link table); a pair's latest
 * record, whichever end it was made from, says whether it is linked. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/util.h"
#include "store_internal.h"
#include "store_private.h"

/* The latest record of each pair that touches ?1, when it is no unlink. */
#define CURRENT_LINKS \
	" FROM link AS l WHERE (l.item_id = ?1 OR l.other_id = ?1) AND l.kind <> 'unlink'" \
	" AND NOT EXISTS (SELECT 1 FROM link AS n WHERE" \
	"  ((n.item_id = l.item_id AND n.other_id = l.other_id) OR (n.item_id = l.other_id AND n.other_id = l.item_id))" \
	"  AND (n.created_at > l.created_at OR (n.created_at = l.created_at AND n.rowid > l.rowid)))"

static char *col_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return xstrdup(t ? (const char *)t : "");
}

static void read_linked(sqlite3_stmt *s, struct duban_linked *v)
{
	memset(v, 0, sizeof *v);
	snprintf(v->other_id, sizeof v->other_id, "%s", (const char *)sqlite3_column_text(s, 0));
	v->code = col_str(s, 1);
	v->title = col_str(s, 2);
	v->county = col_str(s, 3);
	v->kind = duban_link_kind_parse((const char *)sqlite3_column_text(s, 4)) == DUBAN_LINK_REPEAT
		  ? DUBAN_LINK_REPEAT : DUBAN_LINK_RELATED;
	v->outgoing = sqlite3_column_int(s, 5) != 0;
	v->why = col_str(s, 6);
	v->author = col_str(s, 7);
	snprintf(v->created_at, sizeof v->created_at, "%s", (const char *)sqlite3_column_text(s, 8));
}

enum duban_err duban_links_of(duban_store *st, const char *item_id, struct duban_linked **out, int *n)
{
	sqlite3_stmt *s = store_stmt_sql(st, "/* links */ SELECT o.id, o.code, o.title, o.county, l.kind,"
					 " l.item_id = ?1, l.why, l.author, l.created_at"
					 " FROM (SELECT l.*, l.rowid AS rid, CASE WHEN l.item_id = ?1 THEN l.other_id ELSE l.item_id END AS far"
					 CURRENT_LINKS ") AS l LEFT JOIN item AS o ON o.id = l.far"
					 " ORDER BY l.created_at, l.rid");
	int rc, cap = 0;

	*out = NULL;
	*n = 0;
	if (!s)
		return DUBAN_ERR_DB;
	sqlite3_bind_text(s, 1, item_id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 4;
			*out = xrealloc(*out, (size_t)cap * sizeof **out);
		}
		read_linked(s, &(*out)[(*n)++]);
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		duban_linked_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_db_fail(st, _("reading the links"));
	}
	return DUBAN_OK;
}

void duban_linked_free(struct duban_linked *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].code);
		free(v[i].title);
		free(v[i].county);
		free(v[i].why);
		free(v[i].author);
	}
	free(v);
}

bool duban_linked_now(duban_store *st, const char *a, const char *b)
{
	sqlite3_stmt *s = store_stmt_sql(st, "/* linked_now */ SELECT count(*)" CURRENT_LINKS
					 " AND (l.item_id = ?2 OR l.other_id = ?2)");
	bool linked = false;

	if (!s)
		return false;
	sqlite3_bind_text(s, 1, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, b, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		linked = sqlite3_column_int(s, 0) > 0;
	sqlite3_reset(s);
	return linked;
}

int duban_repeat_count(duban_store *st, const char *code)
{
	sqlite3_stmt *s = store_stmt_sql(st, "/* repeats */ SELECT count(*) FROM item"
					 " WHERE duplicate_of = ?1 AND duplicate_of <> ''");
	int n = 0;

	if (!s || !code || !*code)
		return 0;
	sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	return n;
}

/* ---------------------------------------------------------------- repeat counts */

void store_repeats_free(duban_store *st)
{
	for (int i = 0; i < st->nrepeats; i++)
		free(st->repeats[i].code);
	free(st->repeats);
	st->repeats = NULL;
	st->nrepeats = 0;
	st->repeats_valid = false;
}

/* One pass over the partial index item_duplicate_of: as many rows as there
 * are repeats, already in code order. */
void store_repeats_refresh(duban_store *st)
{
	long long version = duban_store_data_version(st), changes = sqlite3_total_changes64(st->db);
	if (st->repeats_valid && version == st->repeats_version && changes == st->repeats_changes)
		return;
	store_repeats_free(st);
	sqlite3_stmt *s = store_stmt_sql(st, "/* repeats_all */ SELECT duplicate_of, count(*) FROM item"
					 " WHERE duplicate_of <> '' GROUP BY duplicate_of ORDER BY duplicate_of");
	int cap = 0;
	if (!s)
		return;
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (st->nrepeats == cap) {
			cap = cap ? 2 * cap : 64;
			st->repeats = xrealloc(st->repeats, (size_t)cap * sizeof *st->repeats);
		}
		st->repeats[st->nrepeats].code = xstrdup((const char *)sqlite3_column_text(s, 0));
		st->repeats[st->nrepeats++].n = sqlite3_column_int(s, 1);
	}
	sqlite3_reset(s);
	st->repeats_version = version;
	st->repeats_changes = changes;
	st->repeats_valid = true;
}

static int by_code(const void *key, const void *elem)
{
	return strcmp(key, ((const struct store_repeat *)elem)->code);
}

int store_repeats_of(const duban_store *st, const char *code)
{
	if (!st->nrepeats || !code)
		return 0;
	const struct store_repeat *r = bsearch(code, st->repeats, (size_t)st->nrepeats, sizeof *st->repeats, by_code);
	return r ? r->n : 0;
}
