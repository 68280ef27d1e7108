/* GET /api/v1/pull: pages of the change log after a cursor, scoped to what
 * the user may see, each item in its current state.  The rules are here;
 * the store's pull primitives (store.h) read one snapshot. */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/json.h"
#include "duban/util.h"
#include "server.h"
#include "store.h"

#define PULL_DEFAULT 500
#define PULL_MAX 2000
/* How many log entries one page may examine per change it may hold. */
#define PULL_EXAMINE 8
/* A page stops before this many bytes of JSON (but holds at least one
 * change), so that no page outgrows the client's answer cap (128 MB) however
 * large the items are. */
#define PULL_MAX_BYTES (4 * 1024 * 1024)

struct pull {
	const struct srv_pull_ops *o;
	struct srv_rd *rd;
	const struct srv_user *u;
	bool db_error;
	/* Ids already sent in this page (open addressing, size a power of 2). */
	char (*seen)[37];
	size_t nseen_slots;
};

/* ---------------------------------------------------------------- the page's ids */

/* Adds id; false when it was there already. */
static bool seen_add(struct pull *p, const char *id)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (const unsigned char *c = (const unsigned char *)id; *c; c++)
		h = (h ^ *c) * 16777619u;
	for (i = h & (p->nseen_slots - 1); p->seen[i][0]; i = (i + 1) & (p->nseen_slots - 1)) {
		if (strcmp(p->seen[i], id) == 0)
			return false;
	}
	snprintf(p->seen[i], sizeof p->seen[i], "%s", id);
	return true;
}

/* ---------------------------------------------------------------- columns */

/* Whether the record's item exists and lies in the user's counties. */
static bool item_visible(struct pull *p, const char *item_id)
{
	char *county = NULL;
	int rc = p->o->item_county(p->rd, item_id, &county);
	bool visible = rc > 0 && srv_user_sees(p->u, county);

	if (rc < 0)
		p->db_error = true;
	free(county);
	return visible;
}

static cJSON *record_json(struct pull *p, const char *entity, const char *id)
{
	bool error = false;
	cJSON *o = p->o->record_json(p->rd, entity, id, &error);

	if (error)
		p->db_error = true;
	return o;
}

/* ---------------------------------------------------------------- one entry */

static cJSON *tombstone(long long seq, const char *item_id, const char *reason)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddNumberToObject(c, "seq", (double)seq);
	cJSON_AddStringToObject(c, "type", "tombstone");
	cJSON_AddStringToObject(c, "item_id", item_id);
	cJSON_AddStringToObject(c, "reason", reason);
	return c;
}

/* A tombstone names the change that caused it (the deletion, or the move
 * to another county) with its author, so the replica's history has it. */
static void add_cause(struct pull *p, cJSON *tomb, const char *item_id, const char *field)
{
	long long seq = p->o->last_event(p->rd, item_id, field);
	char id[24];
	cJSON *e;

	if (seq < 0)
		p->db_error = true;
	if (seq <= 0)
		return;
	snprintf(id, sizeof id, "%lld", seq);
	if ((e = record_json(p, "event", id)))
		cJSON_AddItemToObject(tomb, "event", e);
}

/* The item's JSON as text in the tree: printed as it is, without the
 * ~140 nodes of duban_item_to_json. */
static cJSON *item_raw(const struct duban_item *item)
{
	char *text = duban_item_to_json_text(item);
	cJSON *raw = cJSON_CreateRaw(text);

	free(text);
	return raw;
}

/* An item entry: the item as it is now, whatever this entry changed. */
static cJSON *item_change(struct pull *p, long long seq, const char *id)
{
	struct duban_item item;
	enum duban_err err;
	cJSON *c = NULL;

	duban_item_init(&item);
	err = p->o->item_get(p->rd, id, &item);
	if (err == DUBAN_OK && srv_user_sees(p->u, item.county)) {
		c = cJSON_CreateObject();
		cJSON_AddNumberToObject(c, "seq", (double)seq);
		cJSON_AddStringToObject(c, "type", "item");
		cJSON_AddItemToObject(c, "item", item_raw(&item));
	} else if (err == DUBAN_OK) {
		c = tombstone(seq, id, "scope");
		add_cause(p, c, id, "county");
	} else if (err == DUBAN_ERR_NOT_FOUND) {
		c = tombstone(seq, id, "deleted");
		add_cause(p, c, id, "delete");
	} else {
		p->db_error = true;
	}
	duban_item_free(&item);
	return c;
}

static cJSON *record_change(struct pull *p, long long seq, const char *entity, const char *id)
{
	cJSON *record, *c;

	if (!(record = record_json(p, entity, id)))
		return NULL;
	if (!item_visible(p, cJSON_GetObjectItemCaseSensitive(record, "item_id")->valuestring)) {
		cJSON_Delete(record);
		return NULL;
	}
	c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "seq", (double)seq);
	cJSON_AddStringToObject(c, "type", entity);
	cJSON_AddItemToObject(c, entity, record);
	return c;
}

/* A policy entry: the policy as it is now, its value null once unset.  Its
 * key is checked against the page's ids with a prefix no item or record id
 * has. */
static cJSON *policy_change(struct pull *p, long long seq, const char *key)
{
	char *tag = xasprintf("policy:%s", key);
	bool fresh = seen_add(p, tag);
	cJSON *policy, *c;

	free(tag);
	if (!fresh)
		return NULL;
	policy = record_json(p, "policy", key);
	if (p->db_error)
		return NULL;
	if (!policy) {
		policy = cJSON_CreateObject();
		cJSON_AddStringToObject(policy, "key", key);
		cJSON_AddNullToObject(policy, "value");
	}
	c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "seq", (double)seq);
	cJSON_AddStringToObject(c, "type", "policy");
	cJSON_AddItemToObject(c, "policy", policy);
	return c;
}

/* ---------------------------------------------------------------- cursor */

/* "SEQ-TOKEN" (12 hex digits), or "0" for the start. */
static bool parse_cursor(const char *since, long long *seq, char token[13])
{
	const char *p = since;
	long long n = 0;
	int digits = 0;

	token[0] = '\0';
	*seq = 0;
	if (!since || !*since)
		return true;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (++digits > 18)
			return false;
		n = n * 10 + (*p - '0');
	}
	if (!digits)
		return false;
	*seq = n;
	if (!*p)
		return n == 0;
	if (*p++ != '-' || strlen(p) != 12)
		return false;
	for (int i = 0; i < 12; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	}
	memcpy(token, p, 13);
	return true;
}

/* NULL when the cursor can be served, else the reset reason. */
static const char *cursor_check(struct pull *p, long long seq, const char *token, long long server_seq)
{
	char have[13] = "";
	long long pruned;
	int rc;
	bool found, same;

	if (seq == 0)
		return NULL;
	if (seq > server_seq)
		return "cursor_unknown";
	rc = p->o->token_at(p->rd, seq, have);
	if (rc < 0) {
		p->db_error = true;
		return NULL;
	}
	found = rc > 0;
	same = found && strcmp(have, token) == 0;
	if (found && !same)
		return "cursor_unknown";
	/* Entries after the cursor were pruned: the client missed them. */
	pruned = p->o->pruned(p->rd);
	if (pruned < 0) {
		p->db_error = true;
		return NULL;
	}
	if (seq < pruned)
		return "cursor_expired";
	/* The entry itself may have been the last one pruned; otherwise a
	 * missing entry is one this server never wrote. */
	if (!found && seq > pruned)
		return "cursor_unknown";
	return NULL;
}

/* ---------------------------------------------------------------- the page */

/* Whether change c would take the page past PULL_MAX_BYTES; counts it in
 * *bytes when not.  The first change of a page always fits. */
static bool page_full(size_t *bytes, const cJSON *c, int count)
{
	size_t size = duban_json_size(c) + 1;
	if (count > 0 && *bytes + size > PULL_MAX_BYTES)
		return true;
	*bytes += size;
	return false;
}

struct page {
	struct pull *p;
	cJSON *changes;
	int limit, count;
	long long last, examined;
	char last_token[13];
	size_t bytes;
};

static bool page_row(void *ctx, const struct srv_change_row *row)
{
	struct page *g = ctx;
	struct pull *p = g->p;
	long long prev_last = g->last;
	char prev_token[13];
	cJSON *c;

	if (g->count >= g->limit)
		return false;
	memcpy(prev_token, g->last_token, sizeof prev_token);
	g->examined++;
	g->last = row->seq;
	memcpy(g->last_token, row->token, sizeof g->last_token);
	/* The office's policies bind every county: everyone pulls them. */
	if (strcmp(row->entity, "policy") == 0) {
		c = policy_change(p, row->seq, row->entity_id);
		goto add;
	}
	if (!srv_user_sees(p->u, row->county) && !srv_user_sees(p->u, row->old_county))
		return true;
	/* Each item and record once a page; an item is sent as it is now,
	 * so its later entries add nothing. */
	if (!seen_add(p, row->entity_id))
		return true;
	if (strcmp(row->entity, "item") == 0)
		c = item_change(p, row->seq, row->entity_id);
	else
		c = record_change(p, row->seq, row->entity, row->entity_id);
add:
	if (p->db_error) {
		cJSON_Delete(c);
		return false;
	}
	if (c && page_full(&g->bytes, c, g->count)) {
		/* Not in this page: the next one starts with it. */
		cJSON_Delete(c);
		g->last = prev_last;
		memcpy(g->last_token, prev_token, sizeof g->last_token);
		return false;
	}
	if (c) {
		cJSON_AddItemToArray(g->changes, c);
		g->count++;
	}
	return true;
}

static cJSON *page(struct pull *p, long long since, const char *since_text, int limit, long long server_seq)
{
	struct page g = { .p = p, .limit = limit, .last = since };
	long long cap = (long long)limit * PULL_EXAMINE;
	char next[40];
	cJSON *answer;
	int more;

	for (p->nseen_slots = 16; p->nseen_slots < (size_t)cap * 2; p->nseen_slots *= 2)
		;
	p->seen = xcalloc(p->nseen_slots, sizeof *p->seen);
	g.changes = cJSON_CreateArray();
	if (!p->o->changes(p->rd, since, cap, page_row, &g))
		p->db_error = true;
	free(p->seen);
	p->seen = NULL;
	more = p->db_error ? 0 : p->o->more(p->rd, g.last);
	if (p->db_error || more < 0) {
		cJSON_Delete(g.changes);
		return NULL;
	}
	if (g.examined)
		snprintf(next, sizeof next, "%lld-%s", g.last, g.last_token);
	else
		snprintf(next, sizeof next, "%s", since ? since_text : "0");
	answer = cJSON_CreateObject();
	cJSON_AddNumberToObject(answer, "server_seq", (double)server_seq);
	cJSON_AddStringToObject(answer, "next", next);
	cJSON_AddBoolToObject(answer, "more", more != 0);
	cJSON_AddItemToObject(answer, "changes", g.changes);
	cJSON_AddItemToObject(answer, "account", srv_account_json(p->u));
	return answer;
}

int srv_pull(struct srv_store *s, const struct srv_user *u, const char *since, int limit, cJSON **response)
{
	struct pull p = { .o = s->ops->pull, .u = u };
	long long seq, server_seq;
	char token[13];
	const char *reset;
	int status = 200;

	*response = NULL;
	if (!parse_cursor(since, &seq, token)) {
		*response = srv_error("bad_cursor", "'%s' is not a cursor this server gives out", since);
		return 400;
	}
	if (limit <= 0)
		limit = PULL_DEFAULT;
	if (limit > PULL_MAX)
		limit = PULL_MAX;

	/* One snapshot for the whole page: the cursor check, the log and the
	 * rows it points to agree. */
	if (!(p.rd = p.o->begin(s))) {
		p.db_error = true;
		goto out;
	}
	if ((server_seq = p.o->server_seq(p.rd)) < 0) {
		p.db_error = true;
		goto out;
	}
	reset = cursor_check(&p, seq, token, server_seq);
	if (p.db_error)
		goto out;
	if (reset) {
		*response = cJSON_CreateObject();
		cJSON_AddBoolToObject(*response, "reset", true);
		cJSON_AddStringToObject(*response, "reason", reset);
		cJSON_AddStringToObject(*response, "message",
					strcmp(reset, "cursor_expired") == 0
					? "the changes after this cursor were pruned: download everything again"
					: "this server never gave out this cursor (restored from a backup?):"
					  " download everything again");
		cJSON_AddNumberToObject(*response, "server_seq", (double)server_seq);
		goto out;
	}
	*response = page(&p, seq, since, limit, server_seq);
out:
	if (p.rd)
		p.o->end(p.rd);
	if (p.db_error || !*response) {
		cJSON_Delete(*response);
		*response = srv_error("internal", "the changes could not be read");
		status = 500;
	}
	return status;
}

/* ---------------------------------------------------------------- items by id */

#define ITEMS_MAX 200

int srv_items(struct srv_store *s, const struct srv_user *u, const char *ids, cJSON **response)
{
	struct pull p = { .o = s->ops->pull, .u = u };
	cJSON *items, *missing;
	char *list = xstrdup(ids ? ids : ""), *save = NULL;
	int n = 0;

	*response = NULL;
	items = cJSON_CreateArray();
	missing = cJSON_CreateArray();
	if (!(p.rd = p.o->begin(s)))
		p.db_error = true;
	for (char *id = strtok_r(list, ",", &save); id && !p.db_error; id = strtok_r(NULL, ",", &save)) {
		struct duban_item item;
		enum duban_err err;

		if (!duban_uuid_valid(id) || ++n > ITEMS_MAX) {
			*response = srv_error("bad_request", "ids is a list of at most %d item ids", ITEMS_MAX);
			break;
		}
		duban_item_init(&item);
		err = p.o->item_get(p.rd, id, &item);
		/* An item this user may not see is answered like one that does
		 * not exist: the answer reveals nothing of other counties. */
		if (err == DUBAN_OK && srv_user_sees(u, item.county))
			cJSON_AddItemToArray(items, item_raw(&item));
		else if (err == DUBAN_OK || err == DUBAN_ERR_NOT_FOUND)
			cJSON_AddItemToArray(missing, cJSON_CreateString(id));
		else
			p.db_error = true;
		duban_item_free(&item);
	}
	if (p.rd)
		p.o->end(p.rd);
	free(list);
	if (*response || p.db_error) {
		cJSON_Delete(items);
		cJSON_Delete(missing);
		if (*response)
			return 400;
		*response = srv_error("internal", "the items could not be read");
		return 500;
	}
	if (n == 0) {
		cJSON_Delete(items);
		cJSON_Delete(missing);
		*response = srv_error("bad_request", "ids is a list of at most %d item ids", ITEMS_MAX);
		return 400;
	}
	*response = cJSON_CreateObject();
	cJSON_AddItemToObject(*response, "items", items);
	cJSON_AddItemToObject(*response, "missing", missing);
	return 200;
}
