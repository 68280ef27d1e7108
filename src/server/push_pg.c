/* The PostgreSQL backend's push primitives (store.h's srv_push_ops): one
 * READ COMMITTED transaction per batch on a pooled connection, the batch's
 * items locked FOR UPDATE in the order of their ids before anything is
 * read, exactly-once by INSERT … ON CONFLICT (op_id) DO NOTHING, and the
 * change log numbered by the sequencer as the last statements before the
 * commit.  The rules of a write (validation, the status machine's message,
 * which events a change makes) are model.c's and push.c's; here the rows. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "duban/closeout.h"
#include "duban/json.h"
#include "duban/sync_store.h"
#include "duban/util.h"
#include "server.h"
#include "store.h"
#include "store_pg.h"

int pg_blob_rule(struct pg_conn *c, const struct srv_user *u, const char *sha256);

struct srv_tx {
	struct srv_store *s;
	struct pg_conn *c;
	const struct srv_user *u;
	const char *device;
	char op_id[37], recorded_at[25];
	char msg[512];         /* a rule's message */
	bool rule_msg;
	bool allow_status;     /* an import sets the status as its sheet says */
	long long last;        /* after the commit: the last position given out */
	/* The ops whose stored answers carry versions relative to this
	 * transaction's first position: fixed at commit. */
	char **applied;
	int napplied;
};

static const char *const kind_names[] = {
	[SRV_NOTE] = "note", [SRV_INSPECTION] = "inspection", [SRV_ACTION] = "action", [SRV_ATTACHMENT] = "attachment",
	[SRV_NOTICE] = "notice", [SRV_LINK] = "link", [SRV_DISPATCH] = "dispatch",
};

static enum duban_err db_fail(struct srv_tx *tx)
{
	tx->rule_msg = false;
	return DUBAN_ERR_DB;
}

static enum duban_err rule(struct srv_tx *tx, enum duban_err err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum duban_err rule(struct srv_tx *tx, enum duban_err err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tx->msg, sizeof tx->msg, fmt, ap);
	va_end(ap);
	tx->rule_msg = true;
	return err;
}

/* A rule's error whose message is in tx->msg already. */
static enum duban_err ruled(struct srv_tx *tx, enum duban_err err)
{
	tx->rule_msg = true;
	return err;
}

static enum duban_err run(struct srv_tx *tx, const char *sql, int n, const char *const *params)
{
	return pg_run(tx->c, sql, n, params) ? DUBAN_OK : db_fail(tx);
}

/* ---------------------------------------------------------------- the transaction */

static struct srv_tx *p_begin(struct srv_store *s, const struct srv_user *u, const char *device,
			      const char *const *item_ids, int nids)
{
	struct srv_tx *tx = xcalloc(1, sizeof *tx);
	struct duban_buf b;
	char *arr;
	const char *params[1];
	bool ok;

	tx->s = s;
	tx->c = pg_get(s);
	tx->u = u;
	tx->device = device;
	/* '{id,id}': the ids are UUIDs (push.c checked), nothing to quote. */
	duban_buf_init(&b);
	duban_buf_putc(&b, '{');
	for (int i = 0; i < nids; i++)
		duban_buf_printf(&b, "%s%s", i ? "," : "", item_ids[i]);
	duban_buf_putc(&b, '}');
	arr = duban_buf_steal(&b);
	params[0] = arr;
	ok = pg_run(tx->c, "BEGIN ISOLATION LEVEL READ COMMITTED", 0, NULL) &&
	     pg_run(tx->c, "SELECT id FROM item_doc WHERE id = ANY ($1::text[]) ORDER BY id FOR UPDATE", 1, params);
	free(arr);
	if (ok)
		return tx;
	srv_log("push: beginning: %s", tx->c->err);
	pg_put(s, tx->c);
	free(tx);
	return NULL; /* push.c tries again */
}

static bool fix_answers(struct srv_tx *tx, long long base)
{
	struct duban_buf b;
	char bs[24], *arr;
	bool ok;

	if (tx->napplied == 0 || base == 0)
		return true;
	duban_buf_init(&b);
	duban_buf_putc(&b, '{');
	for (int i = 0; i < tx->napplied; i++)
		duban_buf_printf(&b, "%s%s", i ? "," : "", tx->applied[i]);
	duban_buf_putc(&b, '}');
	arr = duban_buf_steal(&b);
	snprintf(bs, sizeof bs, "%lld", base);
	const char *params[] = { bs, arr };
	ok = pg_run(tx->c, "UPDATE applied_op SET answer = jsonb_set(answer::jsonb, '{version}',"
			   " to_jsonb((answer::jsonb->>'version')::bigint + $1::bigint))::text"
			   " WHERE op_id = ANY ($2::text[])", 2, params);
	free(arr);
	return ok;
}

static long long p_commit(struct srv_tx *tx)
{
	long long base = 0;

	if (PQtransactionStatus(tx->c->c) != PQTRANS_INTRANS)
		return -1;
	pg_test_delay();
	if (!pg_number_changes(tx->c, &base) || !fix_answers(tx, base))
		return -1;
	/* The server_seq of the answer, read here: asking the pool for a
	 * connection while this one is held could wait for ever. */
	PGresult *r = pg_exec(tx->c, "SELECT last FROM change_seq", 0, NULL);
	if (!r)
		return -1;
	tx->last = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!pg_run(tx->c, "COMMIT", 0, NULL))
		return -1;
	return base;
}

static void p_end(struct srv_tx *tx)
{
	pg_put(tx->s, tx->c); /* rolls back what is open */
	for (int i = 0; i < tx->napplied; i++)
		free(tx->applied[i]);
	free(tx->applied);
	free(tx);
}

static bool p_retryable(struct srv_tx *tx)
{
	return pg_retryable(tx->c);
}

static const char *p_errmsg(struct srv_tx *tx)
{
	return tx->rule_msg ? tx->msg : tx->c->err;
}

/* ---------------------------------------------------------------- exactly once */

static int p_op_claim(struct srv_tx *tx, const char *op_id, const char *kind, const long long *client_seq,
		      const char *now)
{
	char seq[24];
	const char *params[] = { op_id, tx->u->name, tx->device, client_seq ? seq : NULL, kind, now };
	PGresult *r;
	int fresh;

	if (client_seq)
		snprintf(seq, sizeof seq, "%lld", *client_seq);
	/* At READ COMMITTED a concurrent insert of the same op id makes this
	 * wait for that transaction: after its commit, nothing is inserted and
	 * its answer is read; after its rollback, this one inserts. */
	r = pg_exec(tx->c, "INSERT INTO applied_op (op_id, \"user\", device, client_seq, kind, answer, created_at)"
			   " VALUES ($1, $2, $3, $4::bigint, $5, '', $6) ON CONFLICT (op_id) DO NOTHING", 6, params);
	if (!r) {
		db_fail(tx);
		return -1;
	}
	fresh = pg_rows(r) > 0;
	PQclear(r);
	return fresh;
}

static enum duban_err p_op_answer(struct srv_tx *tx, const char *op_id, char **answer, char user[64])
{
	const char *params[] = { op_id };
	PGresult *r = pg_exec(tx->c, "SELECT answer, \"user\" FROM applied_op WHERE op_id = $1", 1, params);

	*answer = NULL;
	if (!r)
		return db_fail(tx);
	if (PQntuples(r) > 0) {
		*answer = xstrdup(PQgetvalue(r, 0, 0));
		snprintf(user, 64, "%s", PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return DUBAN_OK;
}

static enum duban_err p_op_save(struct srv_tx *tx, const char *op_id, const char *answer)
{
	const char *params[] = { answer, op_id };
	cJSON *a = cJSON_Parse(answer);
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(a, "result");

	if (cJSON_IsString(res) && strcmp(res->valuestring, "applied") == 0 &&
	    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(a, "version"))) {
		tx->applied = xrealloc(tx->applied, (size_t)(tx->napplied + 1) * sizeof *tx->applied);
		tx->applied[tx->napplied++] = xstrdup(op_id);
	}
	cJSON_Delete(a);
	return run(tx, "UPDATE applied_op SET answer = $1 WHERE op_id = $2", 2, params);
}

static enum duban_err p_seq_track(struct srv_tx *tx, long long seq, long long *last, bool *had)
{
	char s[24];
	const char *params[] = { tx->u->name, tx->device, s };
	PGresult *r;

	snprintf(s, sizeof s, "%lld", seq);
	*had = false;
	r = pg_exec(tx->c, "SELECT last_seq FROM device_seq WHERE \"user\" = $1 AND device = $2", 2, params);
	if (!r)
		return db_fail(tx);
	if (PQntuples(r) > 0) {
		*had = true;
		*last = atoll(PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	return run(tx, "INSERT INTO device_seq (\"user\", device, last_seq) VALUES ($1, $2, $3::bigint)"
		       " ON CONFLICT (\"user\", device) DO UPDATE SET last_seq = greatest(device_seq.last_seq,"
		       " excluded.last_seq)", 3, params);
}

static enum duban_err p_op_begin(struct srv_tx *tx)
{
	return run(tx, "SAVEPOINT op", 0, NULL);
}

static enum duban_err p_op_undo(struct srv_tx *tx)
{
	return run(tx, "ROLLBACK TO SAVEPOINT op", 0, NULL);
}

static enum duban_err p_op_end(struct srv_tx *tx)
{
	return run(tx, "RELEASE SAVEPOINT op", 0, NULL);
}

/* Relative: this transaction's positions are given at commit (after it,
 * the last position). */
static long long p_op_version(struct srv_tx *tx)
{
	if (tx->last > 0)
		return tx->last;
	PGresult *r = pg_exec(tx->c, "SELECT count(*) FROM change WHERE seq IS NULL", 0, NULL);
	long long n = r ? atoll(PQgetvalue(r, 0, 0)) : 0;

	PQclear(r);
	return n;
}

static void p_set_op(struct srv_tx *tx, const char *op_id, const char *recorded_at)
{
	snprintf(tx->op_id, sizeof tx->op_id, "%s", op_id ? op_id : "");
	snprintf(tx->recorded_at, sizeof tx->recorded_at, "%s", recorded_at ? recorded_at : "");
}

/* ---------------------------------------------------------------- reads */

static enum duban_err p_item_load(struct srv_tx *tx, const char *id, struct duban_item *item)
{
	const char *params[] = { id };
	PGresult *r = pg_exec(tx->c, "SELECT version, doc FROM item_doc WHERE id = $1", 1, params);
	enum duban_err err = DUBAN_ERR_NOT_FOUND;
	char why[256];
	cJSON *doc;

	if (!r)
		return db_fail(tx);
	if (PQntuples(r) > 0) {
		doc = cJSON_Parse(PQgetvalue(r, 0, 1));
		duban_item_free(item);
		duban_item_init(item);
		err = duban_item_from_json(doc, item, why, sizeof why);
		if (err != DUBAN_OK) {
			snprintf(tx->c->err, sizeof tx->c->err, "item %s: stored document unreadable: %s", id, why);
			err = db_fail(tx);
		}
		item->version = atoll(PQgetvalue(r, 0, 0));
		cJSON_Delete(doc);
	} else {
		rule(tx, err, _("no item with code or id '%s'"), id);
	}
	PQclear(r);
	return err;
}

static enum duban_err p_deleted_at(struct srv_tx *tx, const char *item_id, long long *seq, char **county)
{
	const char *params[] = { item_id };
	/* A deletion in this very transaction has no position yet: one past
	 * the last given out stands for it. */
	PGresult *r = pg_exec(tx->c, "SELECT coalesce(seq, (SELECT last + 1 FROM change_seq)), county FROM change"
				     " WHERE item_id = $1 AND deleted ORDER BY ord DESC LIMIT 1", 1, params);

	*seq = 0;
	*county = NULL;
	if (!r)
		return db_fail(tx);
	if (PQntuples(r) > 0) {
		*seq = atoll(PQgetvalue(r, 0, 0));
		*county = xstrdup(PQgetvalue(r, 0, 1));
	}
	PQclear(r);
	return DUBAN_OK;
}

static int p_holders(struct srv_tx *tx, const char *id, const char *code, bool (*cb)(void *ctx, const char *county),
		     void *ctx)
{
	const char *params[] = { id, code };
	PGresult *r = pg_exec(tx->c, "SELECT county FROM item_doc WHERE id = $1 OR code = $2"
				     " UNION ALL SELECT county FROM change WHERE item_id = $1 AND deleted", 2, params);
	bool hit = false;

	if (!r) {
		db_fail(tx);
		return -1;
	}
	for (int i = 0; !hit && i < PQntuples(r); i++)
		hit = cb(ctx, PQgetvalue(r, i, 0));
	PQclear(r);
	return hit;
}

static enum duban_err p_record_exists(struct srv_tx *tx, enum srv_record_kind kind, const char *id, bool *exists)
{
	const char *params[] = { kind_names[kind], id };
	PGresult *r = pg_exec(tx->c, "SELECT 1 FROM record WHERE kind = $1 AND id = $2", 2, params);

	if (!r)
		return db_fail(tx);
	*exists = PQntuples(r) > 0;
	PQclear(r);
	return DUBAN_OK;
}

static int p_blob_may_use(struct srv_tx *tx, const struct srv_user *u, const char *sha256)
{
	int may = pg_blob_rule(tx->c, u, sha256);

	if (may < 0)
		db_fail(tx);
	return may;
}

/* ---------------------------------------------------------------- writes */

static enum duban_err write_event(struct srv_tx *tx, const char *item_id, const char *field, const char *old_value,
				  const char *new_value, const char *reason, const char *now, bool logged)
{
	const char *params[] = { item_id, field, old_value, new_value, reason ? reason : "", tx->u->name, tx->device,
				 tx->recorded_at[0] ? tx->recorded_at : now, now, tx->op_id[0] ? tx->op_id : NULL };
	PGresult *r = pg_exec(tx->c, "INSERT INTO event (item_id, field, old_value, new_value, reason, author, device,"
				     " created_at, received_at, op_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
				     " RETURNING seq", 10, params);
	enum duban_err err = DUBAN_OK;

	if (!r)
		return db_fail(tx);
	/* Every event of a live item enters the log, as the SQLite trigger
	 * does; a deleted item's last event does not (the tombstone names it). */
	if (logged) {
		PGresult *c = NULL;
		const char *ip[] = { item_id };
		c = pg_exec(tx->c, "SELECT county FROM item_doc WHERE id = $1", 1, ip);
		if (!c)
			err = db_fail(tx);
		else if (PQntuples(c) > 0 && !pg_log_change(tx->c, "event", PQgetvalue(r, 0, 0), item_id,
							   PQgetvalue(c, 0, 0), PQgetvalue(c, 0, 0), false))
			err = db_fail(tx);
		PQclear(c);
	}
	PQclear(r);
	return err;
}

static enum duban_err code_taken(struct srv_tx *tx, const char *code, const char *except_id)
{
	const char *params[] = { code, except_id };
	PGresult *r = pg_exec(tx->c, "SELECT 1 FROM item_doc WHERE code = $1 AND id <> $2", 2, params);
	bool taken;

	if (!r)
		return db_fail(tx);
	taken = PQntuples(r) > 0;
	PQclear(r);
	return taken ? rule(tx, DUBAN_ERR_DUPLICATE, _("the code %s is already used by another item"), code) : DUBAN_OK;
}

/* Writes the item's row from the struct (insert when fresh). */
static enum duban_err put_item(struct srv_tx *tx, const struct duban_item *item, bool fresh)
{
	cJSON *j = duban_item_to_json(item);
	char *doc = cJSON_PrintUnformatted(j);
	const char *params[] = { item->id, item->code, item->county, doc };
	enum duban_err err;

	err = run(tx, fresh ? "INSERT INTO item_doc (id, code, county, version, doc) VALUES ($1, $2, $3, 0, $4)"
			    : "UPDATE item_doc SET code = $2, county = $3, doc = $4 WHERE id = $1", 4, params);
	free(doc);
	cJSON_Delete(j);
	return err;
}

/* An item moved into a county: its records and events enter the log again
 * under the new county, after the item, in the order they were made. */
static enum duban_err announce_again(struct srv_tx *tx, const struct duban_item *item)
{
	const char *params[] = { item->id, item->county };

	return run(tx, "INSERT INTO change (token, entity, entity_id, item_id, county, old_county, created_at)"
		       " SELECT substr(md5(random()::text || clock_timestamp()::text || r.id), 1, 12), r.entity, r.id,"
		       " $1, $2, $2, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM ("
		       "  SELECT kind AS entity, id, created_at, ord AS r, CASE kind WHEN 'note' THEN 0"
		       "   WHEN 'inspection' THEN 1 WHEN 'action' THEN 2 ELSE 3 END AS o FROM record WHERE item_id = $1"
		       "  UNION ALL SELECT 'event', seq::text, created_at, seq, 4 FROM event WHERE item_id = $1"
		       " ) AS r ORDER BY r.created_at, r.o, r.r", 2, params);
}

static enum duban_err p_item_insert(struct srv_tx *tx, struct duban_item *item)
{
	enum duban_err err;
	struct duban_item old;
	char now[25];

	if ((err = duban_item_check(item, tx->msg, sizeof tx->msg)) != DUBAN_OK)
		return ruled(tx, err);
	if (!item->id[0])
		duban_uuid(item->id);
	else if (!duban_uuid_valid(item->id))
		return rule(tx, DUBAN_ERR_INVALID, _("'%s' is not a valid item id"), item->id);
	duban_timestamp_now(now);
	if (!item->created_at[0])
		snprintf(item->created_at, sizeof item->created_at, "%s", now);
	snprintf(item->updated_at, sizeof item->updated_at, "%s", now);
	if ((err = code_taken(tx, item->code, item->id)) != DUBAN_OK)
		return err;
	duban_item_init(&old);
	err = p_item_load(tx, item->id, &old);
	duban_item_free(&old);
	if (err == DUBAN_OK)
		return rule(tx, DUBAN_ERR_DUPLICATE, _("the item id %s already exists"), item->id);
	if (err != DUBAN_ERR_NOT_FOUND)
		return err;
	if ((err = put_item(tx, item, true)) != DUBAN_OK)
		return err;
	if (!pg_log_change(tx->c, "item", item->id, item->id, item->county, item->county, false))
		return db_fail(tx);
	return write_event(tx, item->id, "create", NULL, item->code, "", now, true);
}

static enum duban_err p_item_update(struct srv_tx *tx, struct duban_item *item, const char *reason)
{
	struct duban_item old;
	enum duban_err err;
	int n = 0;
	char now[25];

	if ((err = duban_item_check(item, tx->msg, sizeof tx->msg)) != DUBAN_OK)
		return ruled(tx, err);
	duban_item_init(&old);
	err = p_item_load(tx, item->id, &old);
	if (!err && old.status != item->status && !tx->allow_status)
		err = rule(tx, DUBAN_ERR_INVALID, _("the status changes only through a status command"));
	if (!err && strcmp(old.code, item->code) != 0)
		err = code_taken(tx, item->code, item->id);
	duban_timestamp_now(now);
	/* One event per changed field, its old value as base (the store's
	 * record_field_changes, without the op it queues on a client). */
	for (size_t i = 0; i < duban_field_count && !err; i++) {
		const struct duban_field *f = &duban_fields[i];
		char *before, *after;

		if (duban_field_equal(f, &old, item))
			continue;
		before = duban_field_format(f, &old);
		after = duban_field_format(f, item);
		err = write_event(tx, item->id, f->name, before, after, reason, now, true);
		free(before);
		free(after);
		n++;
	}
	if (!err && n > 0) {
		snprintf(item->updated_at, sizeof item->updated_at, "%s", now);
		err = put_item(tx, item, false);
		if (!err && !pg_log_change(tx->c, "item", item->id, item->id, item->county, old.county, false))
			err = db_fail(tx);
		if (!err && strcmp(old.county, item->county) != 0)
			err = announce_again(tx, item);
	}
	duban_item_free(&old);
	return err;
}

static enum duban_err p_item_status(struct srv_tx *tx, const char *item_id, enum duban_status to, const char *reason)
{
	struct duban_item item;
	enum duban_status from;
	enum duban_err err;
	char now[25];

	if (!duban_text_within("reason", reason, DUBAN_MAX_TEXT_CHARS, tx->msg, sizeof tx->msg))
		return ruled(tx, DUBAN_ERR_INVALID);
	duban_item_init(&item);
	err = p_item_load(tx, item_id, &item);
	if (!err && (err = duban_status_move_check(&item, to, tx->u->role, reason, tx->msg, sizeof tx->msg)) != DUBAN_OK)
		err = ruled(tx, err);
	if (!err) {
		from = item.status;
		item.status = to;
		snprintf(item.updated_at, sizeof item.updated_at, "%s", duban_timestamp_now(now));
		err = put_item(tx, &item, false);
		if (!err && !pg_log_change(tx->c, "item", item.id, item.id, item.county, item.county, false))
			err = db_fail(tx);
		if (!err)
			err = write_event(tx, item.id, "status", duban_status_id(from), duban_status_id(to), reason, now,
					  true);
	}
	duban_item_free(&item);
	return err;
}

static enum duban_err p_item_delete(struct srv_tx *tx, const char *item_id)
{
	struct duban_item item;
	enum duban_err err;
	const char *params[] = { item_id };
	char now[25];

	duban_item_init(&item);
	err = p_item_load(tx, item_id, &item);
	if (!err)
		err = run(tx, "DELETE FROM item_doc WHERE id = $1", 1, params); /* its records cascade */
	if (!err && !pg_log_change(tx->c, "item", item.id, item.id, item.county, item.county, true))
		err = db_fail(tx);
	if (!err)
		err = write_event(tx, item.id, "delete", item.code, NULL, "", duban_timestamp_now(now), false);
	duban_item_free(&item);
	return err;
}

/* ---------------------------------------------------------------- records */

static enum duban_err record_check(struct srv_tx *tx, enum srv_record_kind kind, union srv_record *r)
{
	switch (kind) {
	case SRV_NOTE:
		return duban_note_check(&r->note, tx->msg, sizeof tx->msg);
	case SRV_INSPECTION:
		return duban_inspection_check(&r->inspection, tx->msg, sizeof tx->msg);
	case SRV_ACTION:
		return duban_action_check(&r->action, tx->msg, sizeof tx->msg);
	case SRV_NOTICE:
		return duban_notice_check(&r->notice, tx->msg, sizeof tx->msg);
	case SRV_LINK:
		return duban_link_check(&r->link, tx->msg, sizeof tx->msg);
	case SRV_DISPATCH:
		return duban_dispatch_rec_check(&r->dispatch, tx->msg, sizeof tx->msg);
	default:
		return duban_attachment_check(&r->attachment, tx->msg, sizeof tx->msg);
	}
}

/* The record's id, item, times, author and JSON, filled as the store does. */
static cJSON *record_fill(struct srv_tx *tx, enum srv_record_kind kind, union srv_record *r, const char *now,
			  char **id, char **created_at, const char **sha256)
{
	char *rid, *item_id, *created, *received, **author;

	switch (kind) {
	case SRV_NOTE:
		rid = r->note.id, item_id = r->note.item_id, created = r->note.created_at;
		received = r->note.received_at, author = &r->note.author;
		break;
	case SRV_INSPECTION:
		rid = r->inspection.id, item_id = r->inspection.item_id, created = r->inspection.created_at;
		received = r->inspection.received_at, author = &r->inspection.author;
		break;
	case SRV_ACTION:
		rid = r->action.id, item_id = r->action.item_id, created = r->action.created_at;
		received = r->action.received_at, author = &r->action.author;
		break;
	case SRV_NOTICE:
		rid = r->notice.id, item_id = r->notice.item_id, created = r->notice.created_at;
		received = r->notice.received_at, author = &r->notice.author;
		break;
	case SRV_LINK:
		rid = r->link.id, item_id = r->link.item_id, created = r->link.created_at;
		received = r->link.received_at, author = &r->link.author;
		break;
	case SRV_DISPATCH:
		rid = r->dispatch.id, item_id = r->dispatch.item_id, created = r->dispatch.created_at;
		received = r->dispatch.received_at, author = &r->dispatch.author;
		break;
	default:
		rid = r->attachment.id, item_id = r->attachment.item_id, created = r->attachment.created_at;
		received = r->attachment.received_at, author = &r->attachment.author;
		*sha256 = r->attachment.sha256;
	}
	(void)item_id;
	if (!rid[0])
		duban_uuid(rid);
	if (!created[0])
		snprintf(created, 25, "%s", now);
	snprintf(received, 25, "%s", now);
	if (!*author || !**author)
		duban_set_str(author, tx->u->name);
	*id = rid;
	*created_at = created;
	switch (kind) {
	case SRV_NOTE:
		return duban_note_to_json(&r->note);
	case SRV_INSPECTION:
		return duban_inspection_to_json(&r->inspection);
	case SRV_ACTION:
		return duban_action_to_json(&r->action);
	case SRV_NOTICE:
		return duban_notice_to_json(&r->notice);
	case SRV_LINK:
		return duban_link_to_json(&r->link);
	case SRV_DISPATCH:
		return duban_dispatch_rec_to_json(&r->dispatch);
	default:
		return duban_attachment_to_json(&r->attachment);
	}
}

static const char *record_item(enum srv_record_kind kind, const union srv_record *r)
{
	switch (kind) {
	case SRV_NOTE:
		return r->note.item_id;
	case SRV_INSPECTION:
		return r->inspection.item_id;
	case SRV_ACTION:
		return r->action.item_id;
	case SRV_NOTICE:
		return r->notice.item_id;
	case SRV_LINK:
		return r->link.item_id;
	case SRV_DISPATCH:
		return r->dispatch.item_id;
	default:
		return r->attachment.item_id;
	}
}

static enum duban_err p_dispatches(struct srv_tx *tx, const char *item_id, struct duban_dispatch_rec **out,
				   size_t *n)
{
	const char *params[] = { item_id };
	PGresult *r = pg_exec(tx->c, "SELECT doc FROM record WHERE kind = 'dispatch' AND item_id = $1"
				     " ORDER BY created_at, ord", 1, params);
	int rows;

	*out = NULL;
	*n = 0;
	if (!r)
		return db_fail(tx);
	rows = PQntuples(r);
	*out = xcalloc((size_t)rows + 1, sizeof **out);
	for (int i = 0; i < rows; i++) {
		cJSON *j = cJSON_Parse(PQgetvalue(r, i, 0));
		char why[256];
		if (duban_dispatch_rec_from_json(j, &(*out)[*n], why, sizeof why) == DUBAN_OK)
			(*n)++;
		else
			duban_dispatch_rec_free(&(*out)[*n]);
		cJSON_Delete(j);
	}
	PQclear(r);
	return DUBAN_OK;
}

static enum duban_err p_dispatch_round(struct srv_tx *tx, const char *name, char round_id[37], bool *found)
{
	const char *params[] = { name };
	PGresult *r = pg_exec(tx->c, "SELECT doc::jsonb->>'round_id' FROM record WHERE kind = 'dispatch'"
				     " AND doc::jsonb->>'name' = $1 AND doc::jsonb->>'kind' = 'open'"
				     " ORDER BY created_at, ord LIMIT 1", 1, params);

	*found = false;
	round_id[0] = '\0';
	if (!r)
		return db_fail(tx);
	if (PQntuples(r) > 0) {
		snprintf(round_id, 37, "%s", PQgetvalue(r, 0, 0));
		*found = true;
	}
	PQclear(r);
	return DUBAN_OK;
}

static enum duban_err p_attachment_item(struct srv_tx *tx, const char *id, char item_id[37], bool *found)
{
	const char *params[] = { id };
	PGresult *r = pg_exec(tx->c, "SELECT item_id FROM record WHERE kind = 'attachment' AND id = $1", 1, params);

	*found = false;
	item_id[0] = '\0';
	if (!r)
		return db_fail(tx);
	if (PQntuples(r) > 0) {
		snprintf(item_id, 37, "%s", PQgetvalue(r, 0, 0));
		*found = true;
	}
	PQclear(r);
	return DUBAN_OK;
}

static enum duban_err p_notices(struct srv_tx *tx, const char *item_id, struct duban_notice **out, size_t *n)
{
	const char *params[] = { item_id };
	PGresult *r = pg_exec(tx->c, "SELECT doc FROM record WHERE kind = 'notice' AND item_id = $1", 1, params);
	int rows;

	*out = NULL;
	*n = 0;
	if (!r)
		return db_fail(tx);
	rows = PQntuples(r);
	*out = xcalloc((size_t)rows + 1, sizeof **out);
	for (int i = 0; i < rows; i++) {
		cJSON *j = cJSON_Parse(PQgetvalue(r, i, 0));
		char why[256];
		if (duban_notice_from_json(j, &(*out)[*n], why, sizeof why) == DUBAN_OK)
			(*n)++;
		else
			duban_notice_free(&(*out)[*n]);
		cJSON_Delete(j);
	}
	PQclear(r);
	duban_notice_sort(*out, *n);
	return DUBAN_OK;
}

static enum duban_err p_record_add(struct srv_tx *tx, enum srv_record_kind kind, union srv_record *r)
{
	struct duban_item item;
	enum duban_err err;
	char now[25], *id, *created;
	const char *sha256 = NULL;
	cJSON *j;
	char *doc;

	if ((err = record_check(tx, kind, r)) != DUBAN_OK)
		return ruled(tx, err);
	duban_item_init(&item);
	if ((err = p_item_load(tx, record_item(kind, r), &item)) != DUBAN_OK) {
		duban_item_free(&item);
		return err;
	}
	j = record_fill(tx, kind, r, duban_timestamp_now(now), &id, &created, &sha256);
	doc = cJSON_PrintUnformatted(j);
	const char *params[] = { kind_names[kind], id, item.id, sha256, created, doc };
	PGresult *res = pg_exec(tx->c, "INSERT INTO record (kind, id, item_id, sha256, created_at, doc)"
				       " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING", 6, params);
	if (!res)
		err = db_fail(tx);
	else if (pg_rows(res) == 0)
		err = rule(tx, DUBAN_ERR_DUPLICATE, _("this record was already saved"));
	PQclear(res);
	/* A record touches its item (updated_at), which is no change of the
	 * item's own: no item entry, as with the SQLite trigger. */
	if (!err) {
		snprintf(item.updated_at, sizeof item.updated_at, "%s", now);
		err = put_item(tx, &item, false);
	}
	if (!err && !pg_log_change(tx->c, kind_names[kind], id, item.id, item.county, item.county, false))
		err = db_fail(tx);
	free(doc);
	cJSON_Delete(j);
	duban_item_free(&item);
	return err;
}

/* ---------------------------------------------------------------- close-out re-checks */

static enum duban_err p_policy_get(struct srv_tx *tx, const char *key, char **value)
{
	const char *params[] = { key };
	PGresult *r = pg_exec(tx->c, "SELECT value FROM policy WHERE key = $1", 1, params);

	*value = NULL;
	if (!r)
		return db_fail(tx);
	if (PQntuples(r) > 0)
		*value = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	return DUBAN_OK;
}

static enum duban_err p_signoffs(struct srv_tx *tx, const char *item_id, struct duban_signoff_ref **refs, size_t *n)
{
	/* The client's count (duban_acceptance_progress): since the latest
	 * request, by the time each was made. */
	const char *params[] = { item_id };
	PGresult *r = pg_exec(tx->c, "SELECT doc::jsonb->>'level', coalesce((doc::jsonb->>'passed')::boolean, false)"
				     " FROM record WHERE kind = 'inspection' AND item_id = $1"
				     " AND coalesce(doc::jsonb->>'level', '') <> ''"
				     " AND created_at >= coalesce((SELECT max(created_at) FROM event WHERE item_id = $1"
				     "  AND field = 'status' AND new_value = 'requested'), '')"
				     " ORDER BY created_at, ord", 1, params);

	*refs = NULL;
	*n = 0;
	if (!r)
		return db_fail(tx);
	*n = (size_t)PQntuples(r);
	*refs = xcalloc(*n ? *n : 1, sizeof **refs);
	for (size_t i = 0; i < *n; i++) {
		(*refs)[i].level = xstrdup(PQgetvalue(r, (int)i, 0));
		(*refs)[i].passed = strcmp(PQgetvalue(r, (int)i, 1), "t") == 0;
	}
	PQclear(r);
	return DUBAN_OK;
}

static enum duban_err p_evidence(struct srv_tx *tx, const char *item_id, unsigned *mask)
{
	const char *params[] = { item_id };
	PGresult *r = pg_exec(tx->c, "SELECT DISTINCT coalesce(doc::jsonb->>'kind', 'other') FROM record"
				     " WHERE kind = 'attachment' AND item_id = $1", 1, params);

	*mask = 0;
	if (!r)
		return db_fail(tx);
	for (int i = 0; i < PQntuples(r); i++) {
		int k = duban_evidence_parse(PQgetvalue(r, i, 0));
		*mask |= 1u << (k < 0 ? DUBAN_EVIDENCE_OTHER : k);
	}
	PQclear(r);
	return DUBAN_OK;
}

const struct srv_push_ops srv_pg_push_ops = {
	.begin = p_begin,
	.commit = p_commit,
	.end = p_end,
	.retryable = p_retryable,
	.errmsg = p_errmsg,
	.op_claim = p_op_claim,
	.op_answer = p_op_answer,
	.op_save = p_op_save,
	.seq_track = p_seq_track,
	.op_begin = p_op_begin,
	.op_undo = p_op_undo,
	.op_end = p_op_end,
	.op_version = p_op_version,
	.set_op = p_set_op,
	.item_load = p_item_load,
	.deleted_at = p_deleted_at,
	.holders = p_holders,
	.record_exists = p_record_exists,
	.blob_may_use = p_blob_may_use,
	.item_insert = p_item_insert,
	.item_update = p_item_update,
	.item_status = p_item_status,
	.item_delete = p_item_delete,
	.record_add = p_record_add,
	.notices = p_notices,
	.dispatches = p_dispatches,
	.dispatch_round = p_dispatch_round,
	.attachment_item = p_attachment_item,
	.policy_get = p_policy_get,
	.signoffs = p_signoffs,
	.evidence = p_evidence,
};

/* ---------------------------------------------------------------- import */

/* One op an import queued in the ledger's temporary copy, as the office. */
static enum duban_err replay_op(struct srv_tx *tx, const struct duban_op *op)
{
	cJSON *body = op->body ? cJSON_Parse(op->body) : NULL;
	const cJSON *why = cJSON_GetObjectItemCaseSensitive(body, "reason");
	struct duban_item item;
	enum duban_err err;
	char msg[256];

	duban_item_init(&item);
	if (strcmp(op->kind, "item.create") == 0) {
		err = duban_item_from_json(body, &item, msg, sizeof msg) == DUBAN_OK ? p_item_insert(tx, &item)
										     : rule(tx, DUBAN_ERR_INVALID, "%s", msg);
	} else if (strcmp(op->kind, "item.set") == 0) {
		const struct duban_field *f = op->field ? duban_field_find(op->field) : NULL;
		err = p_item_load(tx, op->item_id, &item);
		if (!err && (!f || duban_field_parse(f, &item, op->value ? op->value : "") != DUBAN_OK))
			err = rule(tx, DUBAN_ERR_INVALID, "%s: cannot read '%s'", op->field ? op->field : "?",
				   op->value ? op->value : "");
		tx->allow_status = true;
		if (!err)
			err = p_item_update(tx, &item, cJSON_IsString(why) ? why->valuestring : "");
		tx->allow_status = false;
	} else {
		err = rule(tx, DUBAN_ERR_INVALID, "an import does not make %s changes", op->kind);
	}
	duban_item_free(&item);
	cJSON_Delete(body);
	return err;
}

bool pg_replay(struct srv_store *s, const char *who, const struct duban_op *ops, int n)
{
	struct srv_user u = { .role = DUBAN_ROLE_OFFICE };
	enum duban_err err = DUBAN_ERR_DB;

	snprintf(u.name, sizeof u.name, "%s", who);
	for (int tries = 0; tries < 5 && err == DUBAN_ERR_DB; tries++) {
		struct srv_tx *tx = p_begin(s, &u, "duband import", NULL, 0);
		bool again = tx == NULL;

		err = tx ? DUBAN_OK : DUBAN_ERR_DB;
		for (int i = 0; tx && i < n && !err; i++)
			err = replay_op(tx, &ops[i]);
		if (tx && !err && p_commit(tx) < 0)
			err = DUBAN_ERR_DB;
		if (tx && err) {
			again = err == DUBAN_ERR_DB && pg_retryable(tx->c);
			if (!again)
				srv_log("import: %s", p_errmsg(tx));
		}
		if (tx)
			p_end(tx);
		if (err && !again)
			return false;
	}
	return err == DUBAN_OK;
}
