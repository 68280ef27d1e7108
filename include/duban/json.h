/* The JSON codec for items and records, shared by client and server. */
#ifndef DUBAN_JSON_H
#define DUBAN_JSON_H

#include <cjson/cJSON.h>

#include "duban/model.h"

/* Every field of duban_fields under its name; dates as "YYYY-MM-DD" or null. */
cJSON *duban_item_to_json(const struct duban_item *item);
/* Reads the fields present in obj into item (absent fields unchanged).
 * On error returns DUBAN_ERR_INVALID and names the field in errbuf. */
enum duban_err duban_item_from_json(const cJSON *obj, struct duban_item *item, char *errbuf, size_t errlen);

cJSON *duban_note_to_json(const struct duban_note *n);
cJSON *duban_inspection_to_json(const struct duban_inspection *r);
cJSON *duban_action_to_json(const struct duban_action *a);
cJSON *duban_event_to_json(const struct duban_event *e);
/* id, item_id, inspection_id, sha256, name, mime, size, author, created_at;
 * every record and event also carries received_at once the server has it. */
cJSON *duban_attachment_to_json(const struct duban_attachment *a);

/* Records from JSON, as the _to_json functions write them.  id and item_id
 * must be UUIDs; created_at, when present, YYYY-MM-DDTHH:MM:SSZ (empty when
 * absent: the store fills it).  Required: a note's text, an inspection's date
 * and passed, an action's kind, an attachment's sha256, size and name.  String
 * members are replaced (never left NULL); free the record with its
 * duban_*_free even on error.  On error returns DUBAN_ERR_INVALID and names
 * the field in errbuf. */
enum duban_err duban_note_from_json(const cJSON *obj, struct duban_note *n, char *errbuf, size_t errlen);
enum duban_err duban_inspection_from_json(const cJSON *obj, struct duban_inspection *r, char *errbuf,
					  size_t errlen);
enum duban_err duban_action_from_json(const cJSON *obj, struct duban_action *a, char *errbuf, size_t errlen);
enum duban_err duban_attachment_from_json(const cJSON *obj, struct duban_attachment *a, char *errbuf,
					  size_t errlen);
/* An event as the server sends it in a pull: id (the server's number, kept
 * as origin), item_id, field, old_value and new_value (null for none),
 * reason, author, device, created_at (recorded at), received_at, op_id. */
enum duban_err duban_event_from_json(const cJSON *obj, struct duban_event *e, char *errbuf, size_t errlen);

#endif
