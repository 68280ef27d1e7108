/* `duban show`: every field of an item, its warning light, and its history. */
#include <config.h>

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "duban/date.h"
#include "duban/dispatch.h"
#include "duban/feedback.h"
#include "duban/json.h"
#include "duban/ladder.h"
#include "duban/settings.h"
#include "duban/store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

static void show_help(void)
{
	fputs(_("Usage: duban show CODE|ID [--format text|json]\n"
		"Show every field of an item, its warning light and schedule lag, then its\n"
		"history (notes, inspections, actions, attachments, changes), newest first.\n\n"
		"Options:\n"
		"      --format FORMAT     text (default) or json\n"
		"  -h, --help              show this help\n"), stdout);
}

/* ---------------------------------------------------------------- text */

struct text_ctx {
	int width;
};


static char *note_text(const struct duban_note *n)
{
	return xasprintf(_("note: %s"), n->text);
}


static char *attachment_text(const struct duban_attachment *a)
{
	if (a->kind != DUBAN_EVIDENCE_OTHER)
		return xasprintf(_("attachment: %s (%s, %lld bytes; evidence: %s)"), a->name, a->mime, a->size,
				 duban_evidence_name(a->kind));
	return xasprintf(_("attachment: %s (%s, %lld bytes)"), a->name, a->mime, a->size);
}

static char *event_text(const struct duban_event *e)
{
	if (strcmp(e->field, "create") == 0)
		return xstrdup(_("created the item"));
	if (strcmp(e->field, "delete") == 0)
		return xstrdup(_("deleted the item"));
	const struct duban_field *f = duban_field_find(e->field);
	const char *name = f ? _(f->title) : e->field;
	char *old_v = f ? duban_value_display(f, e->old_value) : xstrdup(e->old_value);
	char *new_v = f ? duban_value_display(f, e->new_value) : xstrdup(e->new_value);
	char *s;
	if (e->reason && *e->reason) {
		char *why = duban_event_reason_display(e->reason);
		s = xasprintf(_("%s: %s → %s (%s)"), name, *old_v ? old_v : "—", *new_v ? new_v : "—", why);
		free(why);
	} else
		s = xasprintf(_("%s: %s → %s"), name, *old_v ? old_v : "—", *new_v ? new_v : "—");
	free(old_v);
	free(new_v);
	return s;
}

static int print_entry(const struct duban_history_entry *e, void *data)
{
	struct text_ctx *tc = data;
	const char *author, *at, *received;
	char *what;
	if (e->note) {
		author = e->note->author, at = e->note->created_at, what = note_text(e->note);
		received = e->note->received_at;
	} else if (e->inspection) {
		author = e->inspection->author, at = e->inspection->created_at;
		what = duban_inspection_text(e->inspection);
		received = e->inspection->received_at;
	} else if (e->action) {
		author = e->action->author, at = e->action->created_at, what = duban_action_summary(e->action);
		received = e->action->received_at;
	} else if (e->attachment) {
		author = e->attachment->author, at = e->attachment->created_at;
		what = attachment_text(e->attachment);
		received = e->attachment->received_at;
	} else if (e->event) {
		author = e->event->author, at = e->event->created_at, what = event_text(e->event);
		received = e->event->received_at;
	} else {
		return 0;
	}
	char when[32];
	char *got = duban_received_text(received);
	char *line = xasprintf("%s %s %s%s", author, duban_timestamp_local(at, false, when), what, got);
	free(got);
	free(what);
	cli_print_wrapped(stdout, "-", 2, line, tc->width);
	free(line);
	return 0;
}

/* Fields that would only repeat what another line says: a dated deadline's
 * kind, and the complaint-only enforcement counts of a problem. */
static bool hidden(const struct duban_field *f, const struct duban_item *item)
{
	size_t enf = offsetof(struct duban_item, enforcement);
	if (f->type == DUBAN_FT_DEADLINE_KIND)
		return item->deadline_kind == DUBAN_DEADLINE_DATE;
	if (item->kind == DUBAN_KIND_PROBLEM && f->offset >= enf &&
	    f->offset < enf + sizeof(struct duban_enforcement)) {
		char *v = duban_field_format(f, item);
		bool zero = strcmp(v, "0") == 0 || !*v;
		free(v);
		return zero;
	}
	return false;
}

/* "2026-06-15, 3 days overdue": the feedback due date and how it stands. */
static char *feedback_text(duban_date due, duban_date today)
{
	char d[11];
	long days = (long)due - (long)today;
	duban_date_format(due, d);
	if (days < 0)
		return xasprintf(ngettext("%s, %ld day overdue", "%s, %ld days overdue", (unsigned long)-days), d, -days);
	if (days == 0)
		return xasprintf(_("%s, due today"), d);
	return xasprintf(ngettext("%s, %ld day left", "%s, %ld days left", (unsigned long)days), d, days);
}

/* The feedback clock, its ladder step, the repeat count and the links. */
static void print_clock_and_links(duban_store *st, const struct duban_item *item, int label_cols, int width)
{
	duban_date today = duban_today();
	duban_date due = duban_item_feedback_due(item, duban_store_feedback_rules(st));
	if (due != DUBAN_DATE_NONE) {
		char *fb = feedback_text(due, today);
		cli_print_wrapped(stdout, _("Feedback due"), label_cols, fb, width);
		free(fb);
		struct duban_ladder l;
		struct duban_feedback_step step;
		struct duban_settings set;
		char err[256];
		duban_settings_load(&set, NULL);
		if (!duban_ladder_parse(set.ladder, &l, err, sizeof err))
			duban_ladder_default(&l);
		duban_settings_free(&set);
		if (duban_feedback_step_of(st, item, &l, today, &step) == DUBAN_OK && step.overdue) {
			char since[11], taken[11];
			char *t = step.due ? xasprintf(_("%s due since %s"), duban_action_kind_name(step.kind),
						       duban_date_format(step.since, since))
					   : xasprintf(_("%s sent %s"), duban_action_kind_name(step.kind),
						       duban_date_format(step.taken_on, taken));
			cli_print_wrapped(stdout, _("Feedback step"), label_cols, t, width);
			free(t);
		}
	}
	int repeats = duban_repeat_count(st, item->code);
	if (repeats > 0) {
		char *r = xasprintf("%d", repeats);
		cli_print_wrapped(stdout, _("Repeats"), label_cols, r, width);
		free(r);
	}
	struct duban_linked *v = NULL;
	int n = 0;
	if (duban_links_of(st, item->id, &v, &n) != DUBAN_OK)
		return;
	for (int i = 0; i < n; i++) {
		const char *how = v[i].kind != DUBAN_LINK_REPEAT ? _("linked")
				  : v[i].outgoing ? _("repeat of") : _("repeated by");
		char *line = *v[i].why ? xasprintf("%s %s %s — %s", how, *v[i].code ? v[i].code : v[i].other_id, v[i].title, v[i].why)
				       : xasprintf("%s %s %s", how, *v[i].code ? v[i].code : v[i].other_id, v[i].title);
		cli_print_wrapped(stdout, i == 0 ? _("Links") : "", label_cols, line, width);
		free(line);
	}
	duban_linked_free(v, n);
}

/* The 调度 rounds the item is a member of: nothing when none. */
static void print_dispatch(duban_store *st, const struct duban_item *item, int label_cols, int width)
{
	struct duban_dispatch_of_item *v;
	size_t n;
	char due[11], last[11];

	if (duban_dispatch_rounds_of(st, item->id, &v, &n) != DUBAN_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		const char *state = duban_dispatch_state_name(v[i].state);
		duban_date_format(v[i].due, due);
		char *line = v[i].progress < 0
				     ? xasprintf(_("%s, due %s: %s"), v[i].name, due, state)
				     : xasprintf(_("%s, due %s: %s, latest %s at %d%%"), v[i].name, due, state,
						 duban_date_format(v[i].last_on, last), v[i].progress);
		cli_print_wrapped(stdout, i == 0 ? _("Dispatch rounds") : "", label_cols, line, width);
		free(line);
	}
	duban_dispatch_of_item_free(v, n);
}

static void print_fields(duban_store *st, const struct duban_item *item, int width)
{
	int label_cols = 0;
	for (size_t i = 0; i < duban_field_count; i++) {
		int w = duban_str_width(_(duban_fields[i].title));
		if (w > label_cols)
			label_cols = w;
	}
	label_cols += 2;
	if (label_cols > width / 3)
		label_cols = width / 3;
	cli_print_wrapped(stdout, _("ID"), label_cols, item->id, width);
	for (size_t i = 0; i < duban_field_count; i++) {
		const struct duban_field *f = &duban_fields[i];
		if (hidden(f, item))
			continue;
		char *value = duban_field_display(f, item);
		if (*value)
			cli_print_wrapped(stdout, _(f->title), label_cols, value, width);
		free(value);
	}
	duban_date today = duban_today();
	enum duban_light light = duban_item_light(item, today, &duban_light_rules_default);
	char *lv = xasprintf("%s %s", duban_light_symbol(light), duban_light_name(light));
	cli_print_wrapped(stdout, _("Warning light"), label_cols, lv, width);
	free(lv);
	char *due = cli_due_text(item->deadline, item->status, today);
	if (*due)
		cli_print_wrapped(stdout, _("Due"), label_cols, due, width);
	free(due);
	if (item->start != DUBAN_DATE_NONE && item->deadline != DUBAN_DATE_NONE) {
		int lag = duban_schedule_lag(item->start, item->deadline, item->progress, today);
		char *s = lag > 0 ? xasprintf(ngettext("%d point behind schedule", "%d points behind schedule",
						       (unsigned long)lag), lag)
			: lag < 0 ? xasprintf(ngettext("%d point ahead of schedule", "%d points ahead of schedule",
						       (unsigned long)-lag), -lag)
			: xstrdup(_("on schedule"));
		cli_print_wrapped(stdout, _("Schedule lag"), label_cols, s, width);
		free(s);
	}
	print_clock_and_links(st, item, label_cols, width);
	print_dispatch(st, item, label_cols, width);
	char when[32];
	cli_print_wrapped(stdout, _("Created"), label_cols, duban_timestamp_local(item->created_at, false, when), width);
	cli_print_wrapped(stdout, _("Updated"), label_cols, duban_timestamp_local(item->updated_at, false, when), width);
}

static int show_text(struct cli_ctx *ctx, const struct duban_item *item)
{
	int width = cli_term_width();
	print_fields(ctx->st, item, width);
	cli_notice_print(ctx, item);
	printf("\n%s\n", _("History"));
	struct text_ctx tc = { .width = width };
	enum duban_err err = duban_history_each(ctx->st, item->id, print_entry, &tc);
	if (err != DUBAN_OK)
		return cli_store_error(ctx, err, _("cannot read the history"));
	return CLI_OK;
}

/* ---------------------------------------------------------------- json */

static cJSON *attachment_json(const struct duban_attachment *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", a->id);
	cJSON_AddStringToObject(o, "item_id", a->item_id);
	if (*a->inspection_id)
		cJSON_AddStringToObject(o, "inspection_id", a->inspection_id);
	cJSON_AddStringToObject(o, "sha256", a->sha256);
	cJSON_AddStringToObject(o, "name", a->name);
	cJSON_AddStringToObject(o, "mime", a->mime);
	cJSON_AddNumberToObject(o, "size", (double)a->size);
	cJSON_AddStringToObject(o, "kind", duban_evidence_id(a->kind));
	cJSON_AddStringToObject(o, "author", a->author);
	cJSON_AddStringToObject(o, "created_at", a->created_at);
	return o;
}

static int add_json_entry(const struct duban_history_entry *e, void *data)
{
	cJSON *arr = data;
	cJSON *o;
	const char *type;
	if (e->note)
		o = duban_note_to_json(e->note), type = "note";
	else if (e->inspection)
		o = duban_inspection_to_json(e->inspection), type = "inspection";
	else if (e->action)
		o = duban_action_to_json(e->action), type = "action";
	else if (e->attachment)
		o = attachment_json(e->attachment), type = "attachment";
	else if (e->event)
		o = duban_event_to_json(e->event), type = "event";
	else
		return 0;
	if (!o)
		return 0;
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddItemToArray(arr, o);
	return 0;
}

static void links_json(duban_store *st, cJSON *root, const char *item_id)
{
	struct duban_linked *v = NULL;
	int n = 0;
	cJSON *arr = cJSON_AddArrayToObject(root, "links");
	if (duban_links_of(st, item_id, &v, &n) != DUBAN_OK)
		return;
	for (int i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "other_id", v[i].other_id);
		cJSON_AddStringToObject(o, "code", v[i].code);
		cJSON_AddStringToObject(o, "title", v[i].title);
		cJSON_AddStringToObject(o, "kind", duban_link_kind_id(v[i].kind));
		cJSON_AddBoolToObject(o, "outgoing", v[i].outgoing);
		cJSON_AddStringToObject(o, "why", v[i].why);
		cJSON_AddStringToObject(o, "author", v[i].author);
		cJSON_AddStringToObject(o, "created_at", v[i].created_at);
		cJSON_AddItemToArray(arr, o);
	}
	duban_linked_free(v, n);
}

/* "dispatch": the rounds the item is a member of, present only when any. */
static void dispatch_json(duban_store *st, cJSON *root, const char *item_id)
{
	struct duban_dispatch_of_item *v;
	size_t n;
	char buf[11];

	if (duban_dispatch_rounds_of(st, item_id, &v, &n) != DUBAN_OK || n == 0) {
		duban_dispatch_of_item_free(v, n);
		return;
	}
	cJSON *arr = cJSON_AddArrayToObject(root, "dispatch");
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", v[i].name);
		if (v[i].due != DUBAN_DATE_NONE)
			cJSON_AddStringToObject(o, "due", duban_date_format(v[i].due, buf));
		cJSON_AddBoolToObject(o, "closed", v[i].closed);
		cJSON_AddStringToObject(o, "state", duban_dispatch_state_id(v[i].state));
		if (v[i].progress >= 0) {
			cJSON_AddStringToObject(o, "last_on", duban_date_format(v[i].last_on, buf));
			cJSON_AddNumberToObject(o, "progress", v[i].progress);
		}
		cJSON_AddItemToArray(arr, o);
	}
	duban_dispatch_of_item_free(v, n);
}

static int show_json(struct cli_ctx *ctx, const struct duban_item *item)
{
	duban_date today = duban_today();
	cJSON *root = cJSON_CreateObject();
	cJSON_AddItemToObject(root, "item", duban_item_to_json(item));
	enum duban_light light = duban_item_light(item, today, &duban_light_rules_default);
	cJSON_AddStringToObject(root, "light", duban_light_id(light));
	cJSON_AddNumberToObject(root, "schedule_lag",
				duban_schedule_lag(item->start, item->deadline, item->progress, today));
	struct duban_notice *nr;
	size_t nn;
	if (duban_notice_list(ctx->st, item->id, &nr, &nn) == DUBAN_OK) {
		cJSON *notice = cJSON_AddArrayToObject(root, "notice");
		for (size_t i = 0; i < nn; i++)
			cJSON_AddItemToArray(notice, duban_notice_to_json(&nr[i]));
		duban_notices_free(nr, nn);
	}
	duban_date due = duban_item_feedback_due(item, duban_store_feedback_rules(ctx->st));
	char buf[11];
	if (due != DUBAN_DATE_NONE) {
		cJSON_AddStringToObject(root, "feedback_due", duban_date_format(due, buf));
		cJSON_AddBoolToObject(root, "feedback_overdue", due < today);
	}
	cJSON_AddNumberToObject(root, "repeats", duban_repeat_count(ctx->st, item->code));
	links_json(ctx->st, root, item->id);
	dispatch_json(ctx->st, root, item->id);
	cJSON *hist = cJSON_AddArrayToObject(root, "history");
	enum duban_err err = duban_history_each(ctx->st, item->id, add_json_entry, hist);
	if (err != DUBAN_OK) {
		cJSON_Delete(root);
		return cli_store_error(ctx, err, _("cannot read the history"));
	}
	char *text = duban_json_print(root, true);
	puts(text ? text : "null");
	free(text);
	cJSON_Delete(root);
	return CLI_OK;
}

int cmd_show(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int c, rc;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			show_help();
			return CLI_OK;
		case 'f':
			if (strcmp(optarg, "json") == 0) {
				json = true;
			} else if (strcmp(optarg, "text") == 0 || strcmp(optarg, "table") == 0) {
				json = false;
			} else {
				cli_error(_("--format: unknown format '%s' (text or json)"), optarg);
				return CLI_USAGE;
			}
			break;
		default:
			return cli_bad_option(ctx, c, argv);
		}
	}
	if (argc - optind != 1) {
		cli_error(_("show needs one item code or id (see `duban show --help`)"));
		return CLI_USAGE;
	}
	if (!cli_store(ctx, &rc))
		return rc;
	struct duban_item item;
	duban_item_init(&item);
	rc = cli_get_item(ctx, argv[optind], &item);
	if (rc == CLI_OK)
		rc = json ? show_json(ctx, &item) : show_text(ctx, &item);
	duban_item_free(&item);
	return rc;
}
