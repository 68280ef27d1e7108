/* The JSON codec for items and records, shared by client and server. */
#ifndef DUBAN_JSON_H
#define DUBAN_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "duban/model.h"

/* Whether the JSON text would hold a NUL character once parsed: a NUL byte,
 * or the escape \u0000 inside a string (escapes read whole).  cJSON decodes
 * \u0000 into a C string, which silently ends there. */
bool duban_json_has_nul(const char *text, size_t len);
/* The one way duban reads JSON it did not write itself (server bodies, server
 * answers, imported files): NULL with *has_nul set when the text holds a NUL
 * character (refused: no string may hold one), NULL when it does not parse. */
cJSON *duban_json_parse(const char *text, size_t len, bool *has_nul);

/* cJSON_Print (formatted) or cJSON_PrintUnformatted of j, with what a
 * terminal would act on escaped as \uXXXX: DEL, C1 controls (U+009B is
 * CSI), bidi overrides and isolates, U+2028/U+2029.  The value is the same
 * JSON; every JSON duban prints for people or scripts goes through it.
 * Malloc'd; NULL when out of memory. */
char *duban_json_print(const cJSON *j, bool formatted);

/* An upper bound of the bytes cJSON_PrintUnformatted(j) would write (exact
 * but for numbers), without printing. */
size_t duban_json_size(const cJSON *j);

/* Whether the item keeps to the limits of model.h (texts, and its size as
 * JSON); when not, err names the field or the size and the limit.  The
 * store checks it on every write; an importer may ask first. */
bool duban_item_within_limits(const struct duban_item *item, char *err, size_t errlen);

/* Every field of duban_fields under its name; dates as "YYYY-MM-DD" or null. */
cJSON *duban_item_to_json(const struct duban_item *item);
/* The same item as the text cJSON_PrintUnformatted would make of it, byte
 * for byte, without building the tree (for cJSON_CreateRaw).  Malloc'd. */
char *duban_item_to_json_text(const struct duban_item *item);
/* Reads the fields present in obj into item (absent fields unchanged).
 * On error returns DUBAN_ERR_INVALID and names the field in errbuf. */
enum duban_err duban_item_from_json(const cJSON *obj, struct duban_item *item, char *errbuf, size_t errlen);

cJSON *duban_note_to_json(const struct duban_note *n);
cJSON *duban_link_to_json(const struct duban_link *l);
cJSON *duban_inspection_to_json(const struct duban_inspection *r);
cJSON *duban_action_to_json(const struct duban_action *a);
cJSON *duban_event_to_json(const struct duban_event *e);
/* id, item_id, kind (open, objection, resolution), date, end, place,
 * contact, from, text, objection_id, upheld, author, created_at. */
cJSON *duban_notice_to_json(const struct duban_notice *r);
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
/* A link: other_id a UUID, kind link, repeat or unlink, why optional. */
enum duban_err duban_link_from_json(const cJSON *obj, struct duban_link *l, char *errbuf, size_t errlen);
enum duban_err duban_inspection_from_json(const cJSON *obj, struct duban_inspection *r, char *errbuf,
					  size_t errlen);
enum duban_err duban_action_from_json(const cJSON *obj, struct duban_action *a, char *errbuf, size_t errlen);
enum duban_err duban_notice_from_json(const cJSON *obj, struct duban_notice *r, char *errbuf, size_t errlen);
enum duban_err duban_attachment_from_json(const cJSON *obj, struct duban_attachment *a, char *errbuf,
					  size_t errlen);
/* An event as the server sends it in a pull: id (the server's number, kept
 * as origin), item_id, field, old_value and new_value (null for none),
 * reason, author, device, created_at (recorded at), received_at, op_id. */
enum duban_err duban_event_from_json(const cJSON *obj, struct duban_event *e, char *errbuf, size_t errlen);

#endif
