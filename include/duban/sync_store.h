/* The client side of sync inside the local ledger (no network): reading the
 * outbox for a push, storing the server's answer to each op, applying pulled
 * changes, the conflicts they leave for the user, and the sync state (cursor,
 * server, user).  The wire forms are those of doc/PROTOCOL.md.
 *
 * Every function that changes data runs in one savepoint, so it nests inside
 * an explicit duban_store_begin/commit: a sync engine applies a pulled page
 * and stores its cursor in one transaction. */
#ifndef DUBAN_SYNC_STORE_H
#define DUBAN_SYNC_STORE_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "duban/model.h"
#include "duban/policy.h"
#include "duban/store.h"

/* ---------------------------------------------------------------- outbox */

/* One queued change.  Strings are owned by the op; field, base, value, body
 * and reason are NULL when absent. */
struct duban_op {
	long long seq;      /* client sequence: increasing, never reused */
	char id[37];        /* UUID: the server answers each id once */
	char kind[24];      /* item.create item.set item.status item.delete note.add ... */
	char item_id[37];
	char *field, *base, *value;
	char *body;         /* JSON text */
	char created_at[25];
	char state[12];     /* "queued" or "rejected" */
	char *reason;       /* the server's message for a rejected op */
};
void duban_op_free(struct duban_op *op);        /* frees the strings, not the struct */
void duban_ops_free(struct duban_op *ops, int n); /* each op, then the array */

/* Up to n queued ops with seq > after_seq, in seq order, into ops[0..*got).
 * Rejected ops are skipped: they wait for the user (retry or drop).  The
 * caller frees each op with duban_op_free. */
enum duban_err duban_outbox_read(duban_store *st, long long after_seq, int n, struct duban_op *ops, int *got);
/* Every rejected op, oldest first, for the user to retry or drop (malloc'd
 * array, free with duban_ops_free). */
enum duban_err duban_outbox_rejected(duban_store *st, struct duban_op **ops, int *n);
long long duban_outbox_rejected_count(duban_store *st);

/* The op as a push sends it: id, client_seq, kind, item_id, field, base,
 * value (those three only when set), body (parsed back into JSON) and
 * created_at.  NULL when the stored body is not JSON. */
cJSON *duban_op_to_json(const struct duban_op *op);

/* Stores the server's answer to one pushed op ({"id", "result", ...}, one
 * element of a push answer's "results"), in one savepoint:
 *   applied, or duplicate with first "applied": the op is deleted;
 *   conflict (or duplicate/first conflict): the op is deleted and the
 *     conflict recorded (field, base, mine, theirs, version; kind "deleted"
 *     when the server's reason is "deleted", and the item, if still here, is
 *     flagged "deleted_on_server");
 *   rejected (or duplicate/first rejected): the op stays with state
 *     "rejected" and reason = the server's message.
 * An unknown result, or an answer for another op id, is DUBAN_ERR_PARSE and
 * changes nothing. */
enum duban_err duban_outbox_settle(duban_store *st, const struct duban_op *op, const cJSON *answer);
/* The user gives up a rejected op: it is deleted and the ledger goes back to
 * what the server holds: a field or status takes the server's current value
 * (already here when a pull followed the refusal; otherwise the item is
 * fetched again at the next sync, see duban_refetch_list), a refused new
 * item or record is removed, a refused deletion is downloaded again at the
 * next sync.  The dropped change's own events go from the history.
 * DUBAN_ERR_NOT_FOUND when no rejected op has this id. */
enum duban_err duban_outbox_drop(duban_store *st, const char *op_id);
/* Up to max item ids to fetch again (GET /api/v1/items?ids=…); -1 on error. */
int duban_refetch_list(duban_store *st, char ids[][37], int max);
/* Applies the server's answer {"items": [...], "missing": [ids]}: each item
 * as pulled (unsent edits kept), and the ids leave the list. */
enum duban_err duban_refetch_done(duban_store *st, const cJSON *answer);
/* Queues a rejected op again.  The server answers an op id once and for
 * all, so the op gets a new id and a new (last) sequence number. */
enum duban_err duban_outbox_retry(duban_store *st, const char *op_id);

/* ---------------------------------------------------------------- pulled changes */

/* Author and reason of the audit events written for pulled changes. */
#define DUBAN_SYNC_AUTHOR "server"
#define DUBAN_SYNC_REASON "sync"

/* A whole pull answer ({"changes": [...], "next": ..., ...}, not a reset)
 * in one savepoint: every change, then "next" as the cursor.  On any error
 * nothing of the page is kept and the message names the change that failed.
 * This is the fast path: the per-change functions below pay one savepoint
 * each.  *applied (may be NULL) receives the number of changes. */
enum duban_err duban_apply_page(duban_store *st, const cJSON *page, int *applied);
/* The items of a page decoded ahead of duban_apply_decoded_page, on any
 * thread (no store is touched), so that the thread that writes the ledger
 * only writes.  An item that is not decoded here is decoded when applied. */
typedef struct duban_page_items duban_page_items;
duban_page_items *duban_page_items_decode(const cJSON *page);
void duban_page_items_free(duban_page_items *d);
/* duban_apply_page with the items d decoded from this same page (d may be
 * NULL); it uses a decoded item where the ledger has none of that id yet. */
enum duban_err duban_apply_decoded_page(duban_store *st, const cJSON *page, duban_page_items *d, int *applied);
/* One element of a pull page's "changes": dispatches on its "type" to the
 * functions below.  An unknown type is DUBAN_ERR_PARSE. */
enum duban_err duban_apply_change(duban_store *st, const cJSON *change);

/* Upserts an item from the server (its whole state, with version) without
 * queueing ops.  A new item is inserted with a "create" event; for an
 * existing one, every field where the server's value differs from the local
 * one is merged:
 *   - status is taken as it is (the server ran the machine);
 *   - a field with a queued item.set op (an unsent local edit) keeps the
 *     local value.  When the server's value is neither that op's base nor
 *     its value, both sides changed it: a conflict is recorded (base = the
 *     op's base, mine = local, theirs = server) and the field's queued ops
 *     are removed, as the server would only answer them with the same
 *     conflict; the user's value lives on in the conflict and the row;
 *   - a field with an unresolved conflict keeps the local value too (the
 *     conflict's theirs follows the server);
 *   - any other field takes the server's value, with an event (author
 *     "server", device "", reason "sync").
 * The item's version and its sync flag (cleared: the server sent it, so it
 * exists and is in scope) follow the server.  A code held locally by another
 * item is DUBAN_ERR_DUPLICATE, with a message naming both. */
enum duban_err duban_apply_remote_item(duban_store *st, const cJSON *item);
/* Inserts a record pulled from the server: type is "note", "inspection",
 * "action" or "attachment".  Idempotent by id; no op, no event, no status
 * side effect (the server already moved the item, which arrives on its
 * own).  DUBAN_ERR_NOT_FOUND when its item is not in the local ledger. */
enum duban_err duban_apply_remote_record(duban_store *st, const char *type, const cJSON *record);
/* The server deleted an item (reason "deleted") or it left the user's
 * counties ("scope").  Deleted locally with its records, and an event,
 * unless local work still needs it (queued or rejected ops, unresolved
 * conflicts): then it is kept, flagged "deleted_on_server" or
 * "out_of_scope", and a conflict of kind "deleted" / "scope" is recorded.
 * An item not in the local ledger is no error. */
enum duban_err duban_apply_tombstone(duban_store *st, const char *item_id, const char *reason);

/* ---------------------------------------------------------------- the first download
 * GET /api/v1/snapshot (doc/PROTOCOL.md): everything a pull from the start
 * would bring, as lines of JSON, loaded into an empty ledger in one bulk
 * transaction (duban_store_bulk_begin_in_place) with the cursor it comes
 * with; the indexes and the search index are built once at the end. */

/* Whether this ledger may take it: no cursor, and no row in any table a
 * download fills or local work leaves (items, records, history, ops,
 * conflicts).  Any other ledger pulls page by page. */
bool duban_snapshot_fits(duban_store *st);
/* After a server's reset (the cursor forgotten, what was queued sent): the
 * ledger is as good as empty when it holds nothing of its own, no queued
 * or refused change, no conflict, no item waiting to be fetched again and
 * no history not from the server. */
bool duban_snapshot_fits_reset(duban_store *st);
typedef struct duban_snapshot duban_snapshot;
duban_snapshot *duban_snapshot_new(duban_store *st);
/* The same into such a ledger, in place of what it holds, in the same
 * transaction; it is kept only when the answer holds every item and record
 * the ledger held (a server restored from an older backup may lack some:
 * then nothing changes, and a page-by-page pull keeps them).  The history
 * the answer lacks is kept, as such a pull keeps it. */
duban_snapshot *duban_snapshot_new_replacing(duban_store *st);
/* The answer's bytes as they arrive, in pieces of any size.  The header
 * line begins the transaction.  An error (the store's message says it)
 * fails the snapshot for good. */
enum duban_err duban_snapshot_feed(duban_snapshot *sn, const char *data, size_t len);
/* Items loaded so far; *total (may be NULL) the header's count. */
long long duban_snapshot_items(const duban_snapshot *sn, long long *total);
/* Changes loaded, as a pull counts them (the history not). */
long long duban_snapshot_changes(const duban_snapshot *sn);
/* The header's account (role and counties), NULL before it. */
const cJSON *duban_snapshot_account(const duban_snapshot *sn);
/* After the last byte: checks the end line came with every line, stores
 * the cursor, builds the indexes and commits.  On any error nothing of it
 * is kept. */
enum duban_err duban_snapshot_finish(duban_snapshot *sn);
/* Rolls back what was not finished. */
void duban_snapshot_free(duban_snapshot *sn);

/* The item's sync flag ("" when none) into out. */
enum duban_err duban_item_sync_flag(duban_store *st, const char *item_id, char out[24]);

/* ---------------------------------------------------------------- conflicts */

/* One unresolved conflict.  kind "field": field, base, mine and theirs are
 * text forms of the field (duban_field_format); theirs NULL when the server
 * has no value.  kind "deleted" / "scope": the item was deleted on the
 * server, or left the user's counties, while local work needed it. */
struct duban_conflict {
	long long id;
	char item_id[37];
	char *code, *title;          /* "" when the item is no longer here */
	char *field, *base, *mine, *theirs;
	char kind[12];
	long long version;           /* server version of theirs, 0 unknown */
	char created_at[25];
};
void duban_conflict_free(struct duban_conflict *c);

/* Unresolved conflicts, oldest first, of one item (item_id) or all (NULL).
 * Malloc'd array; free with duban_conflicts_free. */
enum duban_err duban_conflicts_list(duban_store *st, const char *item_id, struct duban_conflict **out, int *n);
void duban_conflicts_free(struct duban_conflict *c, int n);
long long duban_conflict_count(duban_store *st);
bool duban_item_has_conflict(duban_store *st, const char *item_id);

enum duban_resolution {
	DUBAN_RESOLVE_KEEP_MINE,   /* field: queue mine over theirs; deleted: create the item again */
	DUBAN_RESOLVE_TAKE_THEIRS, /* field: take theirs locally; deleted/scope: delete locally */
	DUBAN_RESOLVE_EDIT         /* field only: a new value, queued over theirs */
};
/* Resolves one conflict in one savepoint.  For a field:
 *   take theirs: the local field takes theirs (no op; event reason
 *     "conflict: took server value");
 *   keep mine: the local field keeps (or gets back) mine, and an item.set op
 *     is queued with base = theirs (the server's current value), value = mine;
 *   edit: the local field takes edited (checked like an edit) and an op is
 *     queued with base = theirs.
 * The field's older queued ops and other unresolved conflicts are settled
 * with it.  For "deleted"/"scope": take theirs deletes the item locally with
 * its unsent ops and conflicts; keep mine on "deleted" queues item.create
 * and every local record of the item again (the server keeps records
 * idempotent by id), on "scope" keeps the local copy as it is. */
enum duban_err duban_conflict_resolve(duban_store *st, long long conflict_id, enum duban_resolution how,
				      const char *edited_value);

/* ---------------------------------------------------------------- sync state */

/* Keys of the sync_state table the engine uses. */
#define DUBAN_SYNC_CURSOR "cursor"       /* "next" of the last applied page */
#define DUBAN_SYNC_SERVER "server"       /* base URL */
#define DUBAN_SYNC_USER "user"
#define DUBAN_SYNC_LAST "last_sync"      /* timestamp of the last full sync */
/* Set by `duban backup` in the copy: the device the original syncs as.  The
 * copy syncs only under another device name (then the key goes). */
#define DUBAN_SYNC_COPY_OF "copy_of_device"

/* The value (malloc'd) or NULL when unset. */
char *duban_sync_get(duban_store *st, const char *key);
/* Sets a value; NULL deletes the key. */
enum duban_err duban_sync_set(duban_store *st, const char *key, const char *value);
/* After a server "reset" answer: forgets the cursor so the next pull starts
 * from 0.  The outbox and the conflicts stay. */
enum duban_err duban_sync_reset(duban_store *st);

/* ---------------------------------------------------------------- the server's policies */

/* The ledger's copy of the server's policies (pulled as changes of type
 * "policy"): server[k] malloc'd, NULL for a key the server does not set. */
enum duban_err duban_policy_copy(duban_store *st, char *server[DUBAN_POLICY_COUNT]);
/* Whether the ledger syncs with a server (it has synced once). */
bool duban_store_attached(duban_store *st);

#endif
