/* The supervision ladder: parsing and formatting `set ladder`, the steps
 * reached and taken on each day, the overdue list on a store, and template
 * rendering (placeholders, comments, errors naming file and line). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duban/date.h"
#include "duban/feedback.h"
#include "duban/ladder.h"
#include "duban/model.h"
#include "duban/settings.h"
#include "duban/store.h"
#include "duban/util.h"
#include "tap.h"

static duban_date D(const char *s)
{
	return duban_date_parse(s);
}

static void test_parse(void)
{
	struct duban_ladder l;
	char err[256] = "";
	ok(duban_ladder_parse(DUBAN_LADDER_DEFAULT, &l, err, sizeof err), "the default parses");
	is_int(l.n, 4, "four steps");
	is_int(l.steps[0].kind, DUBAN_ACTION_REMINDER, "提醒函 first");
	is_int(l.steps[3].day, 30, "约谈 on day 30");
	char *f = duban_ladder_format(&l);
	is_str(f, "提醒函:1 督办通知:7 通报:15 约谈:30", "format gives the parse's form back");
	free(f);

	ok(duban_ladder_parse("reminder:2, notice：10、accountability:40", &l, err, sizeof err),
	   "identifiers, a full-width colon and Chinese separators");
	is_int(l.n, 3, "three steps");
	is_int(l.steps[1].day, 10, "notice on day 10");
	is_int(l.steps[2].kind, DUBAN_ACTION_ACCOUNTABILITY, "accountability last");
	f = duban_ladder_format(&l);
	is_str(f, "提醒函:2 督办通知:10 问责:40", "formatted with Chinese names");
	free(f);

	struct duban_ladder keep = l;
	ok(!duban_ladder_parse("提醒函:7 督办通知:7", &l, err, sizeof err), "equal days refused");
	ok(strstr(err, "strictly increasing") != NULL, "the message says days must increase");
	ok(memcmp(&keep, &l, sizeof l) == 0, "a failed parse leaves the ladder alone");
	ok(!duban_ladder_parse("通报:15 提醒函:1", &l, err, sizeof err), "decreasing days refused");
	ok(!duban_ladder_parse("提醒函:1 提醒函:3", &l, err, sizeof err), "a step twice refused");
	ok(strstr(err, "appears twice") != NULL, "and said so");
	ok(!duban_ladder_parse("催办:3", &l, err, sizeof err), "an unknown kind refused");
	ok(strstr(err, "催办") != NULL, "the message names it");
	ok(!duban_ladder_parse("提醒函", &l, err, sizeof err), "a step without days refused");
	ok(!duban_ladder_parse("提醒函:0", &l, err, sizeof err), "day 0 refused (not yet overdue)");
	ok(!duban_ladder_parse("提醒函:x", &l, err, sizeof err), "days not a number refused");
	ok(!duban_ladder_parse("   ", &l, err, sizeof err), "no steps refused");

	/* The option: checked when set, default from the same text. */
	struct duban_settings s;
	duban_settings_load(&s, "/nonexistent/config");
	is_str(s.ladder, DUBAN_LADDER_DEFAULT, "the ladder option's default");
	ok(!duban_settings_set(&s, "ladder", "提醒函:3 通报:2", err, sizeof err), "set ladder checks the value");
	ok(duban_settings_set(&s, "ladder", "提醒函:3 通报:20", err, sizeof err), "set ladder takes a good one");
	is_str(s.ladder, "提醒函:3 通报:20", "and keeps it");
	duban_settings_free(&s);
}

static void test_eval(void)
{
	struct duban_ladder l;
	duban_ladder_default(&l);
	duban_date dl = D("2026-06-01");
	struct duban_ladder_state s;
	static const struct {
		int day, reached, next;
	} days[] = { { 0, 0, -1 }, { 1, 1, 0 }, { 6, 1, 0 }, { 7, 2, 0 }, { 15, 3, 0 }, { 30, 4, 0 }, { 31, 4, 0 } };
	for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
		char name[96];
		duban_ladder_eval(&l, dl, dl + days[i].day, NULL, NULL, 0, &s);
		snprintf(name, sizeof name, "day %d: %d steps reached", days[i].day, days[i].reached);
		is_int(s.reached, days[i].reached, name);
		snprintf(name, sizeof name, "day %d: next step %d", days[i].day, days[i].next);
		is_int(s.next, days[i].next, name);
		is_int(s.days, days[i].day, "days overdue");
	}
	duban_ladder_eval(&l, dl, dl + 1, NULL, NULL, 0, &s);
	is_int(s.next_since, dl + 1, "提醒函 due since the day after the deadline");

	/* A reminder sent before the deadline does not count. */
	enum duban_action_kind k1[] = { DUBAN_ACTION_REMINDER };
	duban_date d1[] = { dl - 3 };
	duban_ladder_eval(&l, dl, dl + 8, k1, d1, 1, &s);
	ok(!s.taken[0], "an action before the deadline is not taken");
	is_int(s.next, 0, "提醒函 still due");
	is_int(s.last, -1, "nothing taken");
	d1[0] = dl;
	duban_ladder_eval(&l, dl, dl + 8, k1, d1, 1, &s);
	ok(s.taken[0], "one on the deadline's day counts");
	is_int(s.taken_on[0], dl, "taken on that day");
	is_int(s.next, 1, "督办通知 due next (day 8)");
	is_int(s.next_since, dl + 7, "since day 7");
	is_int(s.last, 0, "the last taken is 提醒函");

	/* Steps passed over below the last one taken are no longer due. */
	enum duban_action_kind k2[] = { DUBAN_ACTION_CIRCULAR, DUBAN_ACTION_ACCOUNTABILITY };
	duban_date d2[] = { dl + 16, dl + 17 };
	duban_ladder_eval(&l, dl, dl + 20, k2, d2, 2, &s);
	is_int(s.last, 2, "通报 the last taken");
	is_int(s.next, -1, "约谈 not yet reached: nothing due");
	ok(!s.taken[0] && !s.taken[1], "the lower steps were not taken");
	duban_ladder_eval(&l, dl, dl + 30, k2, d2, 2, &s);
	is_int(s.next, 3, "day 30: 约谈 due");
	/* Every step taken: nothing due. */
	enum duban_action_kind k3[] = { DUBAN_ACTION_REMINDER, DUBAN_ACTION_NOTICE, DUBAN_ACTION_CIRCULAR,
					DUBAN_ACTION_SUMMONS };
	duban_date d3[] = { dl + 1, dl + 7, dl + 15, dl + 30 };
	duban_ladder_eval(&l, dl, dl + 60, k3, d3, 4, &s);
	is_int(s.next, -1, "all taken: nothing due");
	is_int(s.last, 3, "the last is 约谈");
}

static struct duban_item make_item(const char *code, const char *deadline, enum duban_status status)
{
	struct duban_item it;
	duban_item_init(&it);
	duban_set_str(&it.code, code);
	duban_set_str(&it.title, "城关区餐饮油烟扰民问题");
	duban_set_str(&it.county, "城关区");
	duban_set_str(&it.lead_unit, "城关区人民政府");
	duban_set_str(&it.leader, "张三");
	it.deadline = D(deadline);
	it.status = status;
	return it;
}

static void test_list(void)
{
	char path[] = "/tmp/test_ladder_XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	char err[256];
	duban_store *st = duban_store_open(path, err, sizeof err);
	ok(st != NULL, "a store");
	if (!st)
		return;
	duban_store_set_actor(st, "tester", "host", DUBAN_ROLE_OFFICE);
	struct {
		const char *code, *deadline;
		enum duban_status status;
	} items[] = {
		{ "A-1", "2026-06-10", DUBAN_STATUS_IN_PROGRESS }, /* 5 days */
		{ "A-2", "2026-05-01", DUBAN_STATUS_NOT_STARTED }, /* 45 days */
		{ "A-3", "2026-06-20", DUBAN_STATUS_IN_PROGRESS }, /* not yet due */
		{ "A-4", "2026-05-01", DUBAN_STATUS_VERIFIED },    /* done */
		{ "A-5", "2026-06-14", DUBAN_STATUS_REQUESTED },   /* 1 day */
	};
	char ids[5][37];
	for (int i = 0; i < 5; i++) {
		struct duban_item it = make_item(items[i].code, items[i].deadline, DUBAN_STATUS_NOT_STARTED);
		duban_item_insert(st, &it);
		memcpy(ids[i], it.id, sizeof ids[i]);
		duban_item_free(&it);
	}
	/* Statuses through the store's machine (import-like direct moves are not
	 * needed: the office may set them). */
	duban_item_set_status(st, ids[0], DUBAN_STATUS_IN_PROGRESS, NULL);
	duban_item_set_status(st, ids[2], DUBAN_STATUS_IN_PROGRESS, NULL);
	duban_item_set_status(st, ids[3], DUBAN_STATUS_IN_PROGRESS, NULL);
	duban_item_set_status(st, ids[3], DUBAN_STATUS_REQUESTED, NULL);
	duban_item_set_status(st, ids[3], DUBAN_STATUS_VERIFIED, NULL);
	duban_item_set_status(st, ids[4], DUBAN_STATUS_IN_PROGRESS, NULL);
	duban_item_set_status(st, ids[4], DUBAN_STATUS_REQUESTED, NULL);
	struct duban_action a = { .kind = DUBAN_ACTION_REMINDER, .date = D("2026-05-03"), .due = DUBAN_DATE_NONE };
	memcpy(a.item_id, ids[1], sizeof a.item_id);
	a.text = xstrdup("提醒函");
	ok(duban_action_add(st, &a) == DUBAN_OK, "a reminder on A-2");
	duban_action_free(&a);

	struct duban_ladder l;
	duban_ladder_default(&l);
	struct duban_overdue *v;
	int n;
	ok(duban_overdue_list(st, NULL, &l, D("2026-06-15"), false, &v, &n) == DUBAN_OK, "the overdue list");
	is_int(n, 3, "three overdue (not the verified one, not the one still in time)");
	if (n == 3) {
		is_str(v[0].item.code, "A-2", "most days first");
		is_int(v[0].state.days, 45, "45 days");
		ok(v[0].state.taken[0], "A-2: 提醒函 taken");
		is_int(v[0].state.next, 1, "A-2: 督办通知 due next");
		is_str(v[1].item.code, "A-1", "then A-1");
		is_int(v[1].state.next, 0, "A-1: 提醒函 due");
		is_str(v[2].item.code, "A-5", "a requested item is still overdue");
	}
	duban_overdue_free(v, n);
	ok(duban_overdue_list(st, NULL, &l, D("2026-06-15"), true, &v, &n) == DUBAN_OK, "--due");
	is_int(n, 3, "all three have a step due");
	duban_overdue_free(v, n);
	struct duban_filter f;
	duban_filter_init(&f);
	f.text = "A-1";
	duban_overdue_list(st, &f, &l, D("2026-06-15"), false, &v, &n);
	is_int(n, 1, "a filter narrows the list");
	duban_overdue_free(v, n);
	duban_store_close(st);
	unlink(path);
}

/* The list a window at a time (the overdue view's reading) against the
 * whole list: the same entries in the same order for any window size, on
 * many items sharing a few deadlines with codes out of insertion order. */
static void test_window(void)
{
	char path[] = "/tmp/test_ladder_XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	char err[256];
	duban_store *st = duban_store_open(path, err, sizeof err);
	ok(st != NULL, "a store for the windows");
	if (!st)
		return;
	duban_store_set_actor(st, "tester", "host", DUBAN_ROLE_OFFICE);
	unsigned seed = 7;
	duban_store_begin(st);
	for (int i = 0; i < 700; i++) {
		char code[32], day[11];
		seed = seed * 1103515245u + 12345u;
		snprintf(code, sizeof code, "W-%05u", (seed >> 8) % 100000u);
		/* 12 deadlines, two of them not yet passed */
		duban_date_format(D("2026-06-05") + (int)((seed >> 4) % 12u), day);
		struct duban_item it = make_item(code, day, DUBAN_STATUS_NOT_STARTED);
		duban_item_insert(st, &it);
		if (i % 5 == 0) {
			struct duban_action a = { .kind = DUBAN_ACTION_REMINDER, .date = D("2026-06-14"),
						  .due = DUBAN_DATE_NONE };
			memcpy(a.item_id, it.id, sizeof a.item_id);
			a.text = xstrdup("提醒函");
			duban_action_add(st, &a);
			duban_action_free(&a);
		}
		duban_item_free(&it);
	}
	duban_store_commit(st);
	struct duban_ladder l;
	duban_ladder_default(&l);
	struct duban_overdue *all;
	int n;
	ok(duban_overdue_list(st, NULL, &l, D("2026-06-15"), false, &all, &n) == DUBAN_OK, "the whole list");
	ok(n > 400, "hundreds overdue");
	const int sizes[] = { 1, 7, 200, 1000 };
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		struct duban_overdue_cursor cur = { DUBAN_DATE_NONE, NULL, false };
		struct duban_overdue *v = NULL;
		int got = 0, cap = 0, calls = 0;
		enum duban_err e = DUBAN_OK;
		while (!cur.done && e == DUBAN_OK && calls++ < 2000)
			e = duban_overdue_window(st, NULL, &l, D("2026-06-15"), &cur, sizes[k], &v, &got, &cap);
		int same = got == n;
		for (int i = 0; same && i < n; i++)
			same = strcmp(v[i].item.code, all[i].item.code) == 0 && v[i].state.days == all[i].state.days &&
			       v[i].state.next == all[i].state.next && v[i].state.last == all[i].state.last &&
			       strcmp(v[i].latest_note, all[i].latest_note) == 0;
		char name[96];
		snprintf(name, sizeof name, "windows of %d: the list's %d entries in its order (got %d)", sizes[k], n, got);
		ok(e == DUBAN_OK && same, name);
		duban_overdue_free(v, got);
		duban_overdue_cursor_free(&cur);
	}
	duban_overdue_free(all, n);
	duban_store_close(st);
	unlink(path);
}

static void test_templates(void)
{
	struct duban_item it = make_item("FK-001", "2026-06-10", DUBAN_STATUS_IN_PROGRESS);
	struct duban_letter_ctx c = {
		.item = &it, .step = DUBAN_ACTION_NOTICE, .today = D("2026-06-15"), .date = D("2026-06-16"),
		.reply_by = D("2026-06-23"), .days_overdue = 5, .latest_note = "已完成油烟净化器安装",
	};
	char err[256] = "";
	char *out = duban_template_render("# 说明：不进入函件\n#第二行说明\n{{ step }}：{{code}}{{title}}\n"
					  "{{lead_unit}}，{{deadline_zh}}，逾期{{days_overdue}}天，{{today_zh}}，"
					  "{{date}} {{reply_by_zh}} {{status}} {{kind}} {{key_case}}\n"
					  "# 不在顶部的 # 行保留\n{{latest_note}}\n",
					  "t.txt", &c, false, err, sizeof err);
	is_str(out, "督办通知：FK-001城关区餐饮油烟扰民问题\n"
		    "城关区人民政府，2026年6月10日，逾期5天，2026年6月15日，2026-06-16 2026年6月23日 整改中 反馈问题 否\n"
		    "# 不在顶部的 # 行保留\n已完成油烟净化器安装\n",
	       "placeholders filled, comments at the top dropped");
	free(out);

	out = duban_template_render("# note\n标题\n第二行\n正文{{ nonsense }}\n", "/x/reminder.txt", &c, false, err,
				    sizeof err);
	ok(out == NULL, "an unknown placeholder fails");
	is_str(err, "/x/reminder.txt:4: unknown placeholder {{nonsense}} (the names are in dubanrc(5))",
	       "the error names the file and line");
	out = duban_template_render("标题 {{code\n", "a.txt", &c, false, err, sizeof err);
	ok(out == NULL, "an unclosed placeholder fails");
	ok(strstr(err, "a.txt:1:") == err, "naming its line");

	duban_set_str(&it.title, "<b>&\"油烟\"");
	out = duban_template_render("{{title}}", "t.html", &c, true, err, sizeof err);
	is_str(out, "&lt;b&gt;&amp;&quot;油烟&quot;\n", "HTML values are escaped");
	free(out);
	duban_set_str(&it.title, "城关区餐饮油烟扰民问题");

	/* Every field of the table is a placeholder. */
	bool all = true;
	for (size_t i = 0; i < duban_field_count; i++) {
		char *t = xasprintf("{{%s}}", duban_fields[i].name);
		char *r = duban_template_render(t, "f.txt", &c, false, err, sizeof err);
		if (!r) {
			diag("%s", err);
			all = false;
		}
		free(r);
		free(t);
	}
	ok(all, "every field name is a placeholder");

	/* The shipped templates: found through DUBAN_TEMPLATEDIR, render, and
	 * give a title and a summary. */
	const char *src = getenv("top_srcdir");
	char *dir = xasprintf("%s/contrib/templates", src ? src : ".");
	setenv("DUBAN_TEMPLATEDIR", dir, 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	for (int k = 0; k < DUBAN_ACTION_KIND_COUNT; k++) {
		struct duban_letter l;
		c.step = (enum duban_action_kind)k;
		char name[80];
		snprintf(name, sizeof name, "the %s template renders", duban_template_name(c.step));
		bool made = duban_letter_make(&c, &l, err, sizeof err);
		ok(made, name);
		if (!made) {
			diag("%s", err);
			continue;
		}
		ok(strstr(l.title, duban_action_kind_zh(c.step)) != NULL || k == DUBAN_ACTION_ACCOUNTABILITY,
		   "the title names the step");
		ok(strchr(l.action_text, '\n') && strstr(l.action_text, "FK-001"), "the action text: title and summary");
		ok(strncmp(l.text, l.title, strlen(l.title)) == 0, "the letter starts with its title");
		ok(strchr(l.text, '#') == NULL, "no comment in the letter");
		char *html = duban_letter_html(&c, &l, err, sizeof err);
		ok(html && strstr(html, "<h1>") && strstr(html, "<p class=\"sign\">") && strstr(html, "</html>"),
		   "the HTML letter: title, signature, a whole page");
		free(html);
		duban_letter_free(&l);
	}
	free(dir);
	duban_item_free(&it);
}

/* The feedback clock's step (反馈催办): due from the day after the
 * feedback due date, taken by the ladder's first step sent from then on. */
static void test_feedback_step(void)
{
	struct duban_ladder l;
	struct duban_feedback_step st;
	char err[256];
	duban_ladder_default(&l);
	duban_date due = D("2026-02-28");
	duban_feedback_step_eval(&l, due, D("2026-02-28"), NULL, NULL, 0, &st);
	ok(!st.overdue && !st.due, "on the due day nothing is owed");
	duban_feedback_step_eval(&l, due, D("2026-03-01"), NULL, NULL, 0, &st);
	ok(st.overdue && st.due, "the day after, the step is due");
	is_int(st.days, 1, "one day past");
	is_int(st.since, D("2026-03-01"), "since 2026-03-01 (the day after 28 February of a common year)");
	is_int(st.kind, DUBAN_ACTION_REMINDER, "the ladder's first step: 提醒函");
	enum duban_action_kind kinds[] = { DUBAN_ACTION_REMINDER, DUBAN_ACTION_NOTICE, DUBAN_ACTION_REMINDER };
	duban_date dates[] = { D("2026-02-28"), D("2026-03-02"), D("2026-03-01") };
	duban_feedback_step_eval(&l, due, D("2026-03-10"), kinds, dates, 2, &st);
	ok(st.due, "a reminder on the due day and a notice after do not take the step");
	duban_feedback_step_eval(&l, due, D("2026-03-10"), kinds, dates, 3, &st);
	ok(!st.due && st.overdue, "a reminder after the due date takes it");
	is_int(st.taken_on, D("2026-03-01"), "... dated 2026-03-01");
	duban_feedback_step_eval(&l, DUBAN_DATE_NONE, D("2026-03-10"), NULL, NULL, 0, &st);
	ok(!st.overdue && !st.due, "no clock, no step");
	ok(duban_ladder_parse("督办通知:2 通报:9", &l, err, sizeof err), "a ladder starting with a notice");
	enum duban_action_kind reminders[] = { DUBAN_ACTION_REMINDER, DUBAN_ACTION_REMINDER };
	duban_date rdates[] = { D("2026-02-28"), D("2026-03-01") };
	duban_feedback_step_eval(&l, due, D("2026-03-10"), reminders, rdates, 2, &st);
	ok(st.due && st.kind == DUBAN_ACTION_NOTICE, "its first step is the feedback step: reminders do not count");
	duban_feedback_step_eval(&l, due, D("2026-03-10"), kinds, dates, 3, &st);
	ok(!st.due && st.taken_on == D("2026-03-02"), "the notice of 2026-03-02 does");

	struct duban_feedback_rules r;
	ok(duban_feedback_parse(DUBAN_FEEDBACK_DEFAULT, &r, err, sizeof err), "the default feedback-days parses");
	is_int(duban_feedback_days(&r, "第二轮中央生态环境保护督察"), 10, "central: 10 days");
	is_int(duban_feedback_days(&r, "省级督察"), 7, "provincial: 7 days");
	is_int(duban_feedback_days(&r, ""), 10, "no round: 10 days");
	ok(duban_feedback_parse("5 回头看：12, 省:3", &r, err, sizeof err), "full-width colon and commas");
	is_int(duban_feedback_days(&r, "回头看"), 12, "回头看 12");
	is_int(duban_feedback_days(&r, "第一轮"), 5, "the bare number is the default");
	ok(!duban_feedback_parse("省:0", &r, err, sizeof err), "0 days refused");
	ok(!duban_feedback_parse(":7", &r, err, sizeof err), "an empty round refused");
	ok(!duban_feedback_parse("十天", &r, err, sizeof err), "not a number refused");
	ok(strstr(err, "feedback-days") != NULL, "the message names the option");
	is_int(duban_feedback_due(&r, "回头看", D("2024-02-20")), D("2024-03-03"), "due across 29 February of a leap year");
}

int main(void)
{
	duban_i18n_init();
	test_parse();
	test_feedback_step();
	test_eval();
	test_list();
	test_window();
	test_templates();
	return done_testing();
}
