/* GET /api/v1/snapshot: a first download in one answer.  Everything a pull
 * from the start would give this user (doc/PROTOCOL.md), read in one read
 * transaction with the cursor it corresponds to, written as lines of JSON
 * while they are sent (gzip'd on the way): the answer is never whole in
 * memory.  Who sees what is pull's rule (srv_user_sees on the item's
 * county); the store gives every row with its county (store.h's snap_*). */
#include <config.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "duban/json.h"
#include "duban/policy.h"
#include "duban/util.h"
#include "server.h"
#include "store.h"

enum stage { ST_HEADER, ST_ROWS, ST_CAUSES, ST_POLICIES, ST_TRAILER, ST_FINISH, ST_DONE };

/* An item a pull from the start would send a tombstone for: gone, or (when
 * it still exists) in a county this user does not see. */
struct gone {
	char id[37];
	bool exists;
};

struct srv_snapshot {
	const struct srv_pull_ops *o;
	struct srv_rd *rd;
	struct srv_user u; /* a copy: the request may go before the answer */
	bool all;
	enum stage stage;
	enum srv_snap_part part;
	struct srv_snap_rows *rows;
	long long lines, items;
	/* SRV_SNAP_GONE: the entries of one item, then the items found. */
	char group[37];
	bool group_seen;
	char *group_now_copy;
	struct gone *gone;
	size_t ngone, gone_cap, next_cause;
	/* What is to be sent: out[sent..len). */
	bool gzip;
	z_stream z;
	struct duban_buf out;
	size_t sent;
	bool failed;
	/* The ids of the items sent: their records and events follow. */
	char (*sent_ids)[37];
	size_t sent_slots, nsent;
	char *print; /* put_change's line */
	size_t print_cap;
};

static atomic_int running;

/* ---------------------------------------------------------------- output */

static void put(struct srv_snapshot *sn, const char *data, size_t len, bool finish)
{
	if (!sn->gzip) {
		duban_buf_add(&sn->out, data, len);
		return;
	}
	sn->z.next_in = (Bytef *)data;
	sn->z.avail_in = (uInt)len;
	do {
		unsigned char chunk[16384];
		int rc;

		sn->z.next_out = chunk;
		sn->z.avail_out = sizeof chunk;
		rc = deflate(&sn->z, finish ? Z_FINISH : Z_NO_FLUSH);
		if (rc == Z_STREAM_ERROR) {
			sn->failed = true;
			return;
		}
		duban_buf_add(&sn->out, (const char *)chunk, sizeof chunk - sn->z.avail_out);
	} while (sn->z.avail_out == 0 || (finish && sn->z.avail_in > 0));
}

/* One line: {"type":TYPE,TYPE:JSON} (json taken), as a pull's change
 * without its seq.  The JSON is printed into one buffer kept for the whole
 * answer: a malloc and a copy of each line cost more than the rest. */
static void put_change(struct srv_snapshot *sn, const char *type, cJSON *json)
{
	size_t tlen = strlen(type), need = duban_json_size(json) + 2 * tlen + 32;
	char *p;

	if (need > sn->print_cap) {
		free(sn->print);
		sn->print_cap = need * 2;
		sn->print = xmalloc(sn->print_cap);
	}
	p = sn->print;
	memcpy(p, "{\"type\":\"", 9);
	p += 9;
	memcpy(p, type, tlen);
	p += tlen;
	memcpy(p, "\",\"", 3);
	p += 3;
	memcpy(p, type, tlen);
	p += tlen;
	memcpy(p, "\":", 2);
	p += 2;
	/* duban_json_size is exact but for numbers: 5 bytes of slack as
	 * cJSON asks. */
	if (!cJSON_PrintPreallocated(json, p, (int)(sn->print_cap - (size_t)(p - sn->print) - 8), false)) {
		cJSON_Delete(json);
		sn->failed = true;
		return;
	}
	cJSON_Delete(json);
	p += strlen(p);
	memcpy(p, "}\n", 2);
	p += 2;
	put(sn, sn->print, (size_t)(p - sn->print), false);
	sn->lines++;
}

static void put_json_line(struct srv_snapshot *sn, cJSON *json)
{
	char *text = cJSON_PrintUnformatted(json);

	cJSON_Delete(json);
	if (!text) {
		sn->failed = true;
		return;
	}
	put(sn, text, strlen(text), false);
	put(sn, "\n", 1, false);
	cJSON_free(text);
}

/* ---------------------------------------------------------------- the items sent */

static size_t id_hash(const char *id)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *c = (const unsigned char *)id; *c; c++)
		h = (h ^ *c) * 16777619u;
	return h;
}

static size_t sent_slot(const struct srv_snapshot *sn, const char *id)
{
	size_t i = id_hash(id) & (sn->sent_slots - 1);

	while (sn->sent_ids[i][0] && strcmp(sn->sent_ids[i], id) != 0)
		i = (i + 1) & (sn->sent_slots - 1);
	return i;
}

static void sent_add(struct srv_snapshot *sn, const char *id)
{
	if ((sn->nsent + 1) * 2 > sn->sent_slots) {
		char (*old)[37] = sn->sent_ids;
		size_t n = sn->sent_slots;

		sn->sent_slots = n ? n * 2 : 1024;
		sn->sent_ids = xcalloc(sn->sent_slots, sizeof *sn->sent_ids);
		for (size_t i = 0; i < n; i++)
			if (old[i][0])
				memcpy(sn->sent_ids[sent_slot(sn, old[i])], old[i], 37);
		free(old);
	}
	size_t i = sent_slot(sn, id);
	if (!sn->sent_ids[i][0]) {
		snprintf(sn->sent_ids[i], sizeof sn->sent_ids[i], "%s", id);
		sn->nsent++;
	}
}

static bool sent_has(const struct srv_snapshot *sn, const char *id)
{
	return id && sn->sent_slots && sn->sent_ids[sent_slot(sn, id)][0];
}

/* ---------------------------------------------------------------- the lines */

static void count_items(void *ctx, const char *county, long long n)
{
	struct srv_snapshot *sn = ctx;

	if (srv_user_sees(&sn->u, county))
		sn->items += n;
}

/* {"snapshot":1,"server_seq":N,"cursor":"N-TOKEN","items":N,"account":{…}}:
 * the cursor is the log's last entry in this transaction, what the last
 * page of a pull from the start would give as next. */
static void header(struct srv_snapshot *sn)
{
	long long server_seq = sn->o->server_seq(sn->rd), last = 0;
	char token[13], cursor[40];
	cJSON *h;

	if (server_seq < 0 || sn->o->last_entry(sn->rd, &last, token) < 0 ||
	    !sn->o->county_counts(sn->rd, count_items, sn)) {
		sn->failed = true;
		return;
	}
	if (last > 0)
		snprintf(cursor, sizeof cursor, "%lld-%s", last, token);
	else
		snprintf(cursor, sizeof cursor, "0");
	h = cJSON_CreateObject();
	cJSON_AddNumberToObject(h, "snapshot", 1);
	cJSON_AddNumberToObject(h, "server_seq", (double)server_seq);
	cJSON_AddStringToObject(h, "cursor", cursor);
	cJSON_AddNumberToObject(h, "items", (double)sn->items);
	cJSON_AddItemToObject(h, "account", srv_account_json(&sn->u));
	put_json_line(sn, h);
}

/* The end of one item's entries in the log: a pull from the start sends a
 * tombstone (with the change that caused it) when one entry was in this
 * user's counties and the item is no longer there for them. */
static void group_end(struct srv_snapshot *sn)
{
	if (!sn->group[0])
		return;
	if (sn->group_seen && !(sn->group_now_copy && srv_user_sees(&sn->u, sn->group_now_copy))) {
		if (sn->ngone == sn->gone_cap) {
			sn->gone_cap = sn->gone_cap ? sn->gone_cap * 2 : 64;
			sn->gone = xrealloc(sn->gone, sn->gone_cap * sizeof *sn->gone);
		}
		snprintf(sn->gone[sn->ngone].id, sizeof sn->gone[sn->ngone].id, "%s", sn->group);
		sn->gone[sn->ngone++].exists = sn->group_now_copy != NULL;
	}
	sn->group[0] = '\0';
	sn->group_seen = false;
	free(sn->group_now_copy);
	sn->group_now_copy = NULL;
}

static void gone_row(struct srv_snapshot *sn, const struct srv_snap_row *row)
{
	if (!row->item_id)
		return;
	if (strcmp(sn->group, row->item_id) != 0) {
		group_end(sn);
		snprintf(sn->group, sizeof sn->group, "%s", row->item_id);
		sn->group_now_copy = row->now ? xstrdup(row->now) : NULL;
	}
	if (srv_user_sees(&sn->u, row->county) || srv_user_sees(&sn->u, row->old_county))
		sn->group_seen = true;
}

/* The next row of the current part: sent when this user sees its county. */
static void next_row(struct srv_snapshot *sn)
{
	struct srv_snap_row row;
	int rc;

	if (!sn->rows && !(sn->rows = sn->o->snap_open(sn->rd, sn->part, sn->all))) {
		sn->failed = true;
		return;
	}
	rc = sn->o->snap_next(sn->rows, &row);
	if (rc < 0) {
		cJSON_Delete(row.json);
		sn->failed = true;
		return;
	}
	if (rc == 0) {
		sn->o->snap_close(sn->rows);
		sn->rows = NULL;
		if (sn->part == SRV_SNAP_GONE)
			group_end(sn);
		if (++sn->part == SRV_SNAP_PARTS)
			sn->stage = ST_CAUSES;
		return;
	}
	if (sn->part == SRV_SNAP_GONE) {
		gone_row(sn, &row);
		return;
	}
	/* An item is sent when this user sees its county (pull's rule); a
	 * record or event when its item was sent. */
	if (sn->part == SRV_SNAP_ITEMS && row.json && srv_user_sees(&sn->u, row.county)) {
		sent_add(sn, row.item_id);
		put_change(sn, row.type, row.json);
	} else if (sn->part != SRV_SNAP_ITEMS && row.json && sent_has(sn, row.item_id)) {
		put_change(sn, row.type, row.json);
	} else {
		cJSON_Delete(row.json);
	}
}

/* The change that made an item a tombstone (its deletion, or its move to
 * a county this user does not see), as a pull's tombstone carries it. */
static void next_cause(struct srv_snapshot *sn)
{
	const struct gone *g;
	long long seq;
	char id[24];
	bool error = false;
	cJSON *e;

	if (sn->next_cause >= sn->ngone) {
		sn->stage = ST_POLICIES;
		return;
	}
	g = &sn->gone[sn->next_cause++];
	seq = sn->o->last_event(sn->rd, g->id, g->exists ? "county" : "delete");
	if (seq < 0) {
		sn->failed = true;
		return;
	}
	if (seq == 0)
		return;
	snprintf(id, sizeof id, "%lld", seq);
	e = sn->o->record_json(sn->rd, "event", id, &error);
	if (error)
		sn->failed = true;
	if (e)
		put_change(sn, "event", e);
}

/* The office's policies as they are now, one line each, as a pull sends
 * them (every user receives them, whatever the counties): the snapshot's
 * cursor is past their entries in the log. */
static void policies(struct srv_snapshot *sn)
{
	for (int k = 0; k < DUBAN_POLICY_COUNT && !sn->failed; k++) {
		bool error = false;
		cJSON *p = sn->o->record_json(sn->rd, "policy", duban_policy_key_name((enum duban_policy_key)k), &error);
		if (error)
			sn->failed = true;
		if (p)
			put_change(sn, "policy", p);
	}
}

/* Produces the next piece of the answer into sn->out. */
static void produce(struct srv_snapshot *sn)
{
	cJSON *end;

	switch (sn->stage) {
	case ST_HEADER:
		header(sn);
		sn->stage = ST_ROWS;
		break;
	case ST_ROWS:
		next_row(sn);
		break;
	case ST_CAUSES:
		next_cause(sn);
		break;
	case ST_POLICIES:
		policies(sn);
		sn->stage = ST_TRAILER;
		break;
	case ST_TRAILER:
		/* The end line: an answer without it was cut short. */
		end = cJSON_CreateObject();
		cJSON_AddBoolToObject(end, "end", true);
		cJSON_AddNumberToObject(end, "lines", (double)sn->lines);
		put_json_line(sn, end);
		sn->stage = ST_FINISH;
		break;
	case ST_FINISH:
		put(sn, "", 0, true);
		sn->stage = ST_DONE;
		/* Done reading: the read transaction ends now, not when the
		 * last bytes have gone. */
		sn->o->end(sn->rd);
		sn->rd = NULL;
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- the answer */

static void user_copy(struct srv_user *to, const struct srv_user *from)
{
	*to = *from;
	to->counties = from->ncounties ? xcalloc((size_t)from->ncounties, sizeof *to->counties) : NULL;
	for (int i = 0; i < from->ncounties; i++)
		to->counties[i] = xstrdup(from->counties[i]);
}

/* Each snapshot holds a reader for as long as it is sent: half the pool at
 * most (at least one), so pulls and pushes keep the other half. */
int srv_snapshots_max(int readers)
{
	return readers / 2 > 1 ? readers / 2 : 1;
}

struct srv_snapshot *srv_snapshot_open(struct srv_store *s, const struct srv_user *u, int readers, bool gzip,
				       int *status, cJSON **error)
{
	struct srv_snapshot *sn;

	*error = NULL;
	if (atomic_fetch_add(&running, 1) >= srv_snapshots_max(readers)) {
		atomic_fetch_sub(&running, 1);
		*status = 503;
		*error = srv_error("busy", "too many snapshots at once: pull page by page");
		return NULL;
	}
	sn = xcalloc(1, sizeof *sn);
	sn->o = s->ops->pull;
	user_copy(&sn->u, u);
	sn->all = srv_user_all_counties(u);
	sn->gzip = gzip;
	duban_buf_init(&sn->out);
	if (gzip && deflateInit2(&sn->z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		sn->gzip = false;
	if (!(sn->rd = sn->o->begin(s))) {
		srv_snapshot_close(sn);
		*status = 500;
		*error = srv_error("internal", "the snapshot could not be read");
		return NULL;
	}
	*status = 200;
	return sn;
}

long srv_snapshot_read(struct srv_snapshot *sn, char *buf, size_t max)
{
	size_t n;

	while (sn->out.len - sn->sent < max && sn->stage != ST_DONE && !sn->failed)
		produce(sn);
	if (sn->failed)
		return -1;
	n = sn->out.len - sn->sent;
	if (n > max)
		n = max;
	memcpy(buf, sn->out.data + sn->sent, n);
	sn->sent += n;
	if (sn->sent == sn->out.len) {
		sn->out.len = 0;
		sn->sent = 0;
	}
	return (long)n;
}

void srv_snapshot_close(struct srv_snapshot *sn)
{
	if (!sn)
		return;
	if (sn->rows)
		sn->o->snap_close(sn->rows);
	if (sn->rd)
		sn->o->end(sn->rd);
	if (sn->gzip)
		deflateEnd(&sn->z);
	duban_buf_free(&sn->out);
	free(sn->print);
	free(sn->sent_ids);
	free(sn->gone);
	free(sn->group_now_copy);
	srv_user_free(&sn->u);
	free(sn);
	atomic_fetch_sub(&running, 1);
}
