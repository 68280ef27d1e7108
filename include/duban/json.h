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

#endif
