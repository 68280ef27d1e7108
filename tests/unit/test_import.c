/* Tests of ledger import (CSV in UTF-8 and GBK, JSON) and export. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "duban/ledger_io.h"
#include "duban/util.h"
#include "tap.h"

static char tmpdir[] = "/tmp/duban-import-XXXXXX";
static int nstores;

static char *fixture(const char *name)
{
	const char *top = getenv("top_srcdir");
	return xasprintf("%s/tests/data/%s", top && *top ? top : ".", name);
}

static duban_store *new_store(void)
{
	char err[256] = "";
	char *path = xasprintf("%s/ledger%d.db", tmpdir, ++nstores);
	duban_store *st = duban_store_open(path, err, sizeof err);
	if (!st)
		diag("cannot open %s: %s", path, err);
	free(path);
	return st;
}

static char *tmpfile_with(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	fputs(text, f);
	fclose(f);
	return path;
}

static enum duban_err import(duban_store *st, const char *path, bool dry, const char *mapping,
			     struct duban_import_report *rep)
{
	struct duban_import_options opt = { dry, mapping, -1, NULL, NULL };
	enum duban_err err = duban_import_file(st, path, &opt, rep);
	for (int i = 0; i < rep->nerrors; i++)
		diag("error: %s", rep->errors[i]);
	for (int i = 0; i < rep->nnotes; i++)
		diag("%s", rep->notes[i]);
	return err;
}

static enum duban_err import_fixture(duban_store *st, const char *name, struct duban_import_report *rep)
{
	char *path = fixture(name);
	enum duban_err err = import(st, path, false, NULL, rep);
	free(path);
	return err;
}

static const char *date_str(duban_date d, char buf[11])
{
	return duban_date_format(d, buf);
}

/* ---------------------------------------------------------------- problems */

static void check_problem_items(duban_store *st)
{
	struct duban_item it;
	char buf[11];
	duban_item_init(&it);
	is_int(duban_item_get(st, "P-1", &it), DUBAN_OK, "P-1 from 序号 1");
	is_str(it.title, "部分县区大气污染防治工作推进不力，PM2.5浓度不降反升", "title from 反馈问题");
	is_str(it.county, "全市", "county from 县（市、区）");
	is_str(it.lead_unit, "市生态环境局", "lead unit");
	is_str(it.co_units, "市发展改革委、市工业和信息化局", "co units");
	is_str(it.leader, "副市长张某", "leader");
	is_str(it.goal, "确保完成省定空气质量改善目标", "goal");
	is_str(it.measures, "1.严格落实控尘、控煤、控排、控车、控油等措施；\n2.开展重点行业专项执法检查。",
	       "multi-line measures");
	is_str(date_str(it.deadline, buf), "2022-12-31", "2022年12月底");
	is_int(it.deadline_kind, DUBAN_DEADLINE_DATE, "a dated deadline");
	is_int(it.kind, DUBAN_KIND_PROBLEM, "a problem ledger");

	duban_item_get(st, "P-2", &it);
	is_int(it.deadline_kind, DUBAN_DEADLINE_IMMEDIATE, "立行立改，2022年6月底前: immediate");
	is_str(date_str(it.deadline, buf), "2022-06-30", "with its date");
	duban_item_get(st, "P-3", &it);
	is_int(it.deadline_kind, DUBAN_DEADLINE_IMMEDIATE, "立行立改 alone");
	is_int(it.deadline, DUBAN_DATE_NONE, "has no date");
	duban_item_get(st, "P-4", &it);
	is_int(it.deadline_kind, DUBAN_DEADLINE_ONGOING, "长期坚持: ongoing");
	duban_item_get(st, "P-5", &it);
	is_str(date_str(it.deadline, buf), "2023-06-30", "2023/6/30");
	duban_item_get(st, "P-6", &it);
	is_str(it.measures, "整改措施含\"引号\"和逗号,示例", "quotes and comma in a cell");
	is_str(date_str(it.deadline, buf), "2022-12-31", "2022年底前");
	is_str(it.co_units, "", "an empty cell");
	duban_item_free(&it);
}

struct history_probe {
	int events;
	char *old_value, *new_value, *reason;
};

static int probe_history(const struct duban_history_entry *e, void *ctx)
{
	struct history_probe *p = ctx;
	if (e->event && strcmp(e->event->field, "leader") == 0 && !p->events++) {
		p->old_value = xstrdup(e->event->old_value ? e->event->old_value : "");
		p->new_value = xstrdup(e->event->new_value ? e->event->new_value : "");
		p->reason = xstrdup(e->event->reason ? e->event->reason : "");
	}
	return 0;
}

static char *replace_once(const char *s, const char *from, const char *to)
{
	const char *hit = strstr(s, from);
	if (!hit)
		return xstrdup(s);
	return xasprintf("%.*s%s%s", (int)(hit - s), s, to, hit + strlen(from));
}

static void test_reimport_changed(duban_store *st)
{
	char *path = fixture("problems.csv");
	char *orig = duban_read_file(path, NULL);
	char *changed = replace_once(orig, "副市长张某", "副市长孙某");
	char *cpath = tmpfile_with("problems_changed.csv", changed);
	struct duban_import_report rep;

	is_int(import(st, cpath, true, NULL, &rep), DUBAN_OK, "dry run of a changed sheet");
	ok(rep.updated == 1 && rep.unchanged == 5 && rep.inserted == 0, "would update 1, leave 5");
	duban_import_report_free(&rep);

	is_int(import(st, cpath, false, NULL, &rep), DUBAN_OK, "import of the changed sheet");
	is_int(rep.updated, 1, "updated 1");
	is_int(rep.unchanged, 5, "unchanged 5");
	is_int(rep.inserted, 0, "inserted 0");
	duban_import_report_free(&rep);

	struct duban_item it;
	duban_item_init(&it);
	duban_item_get(st, "P-1", &it);
	is_str(it.leader, "副市长孙某", "the changed cell is stored");
	struct history_probe p = { 0, NULL, NULL, NULL };
	is_int(duban_history_each(st, it.id, probe_history, &p), DUBAN_OK, "history readable");
	is_int(p.events, 1, "one audit event for the leader");
	is_str(p.old_value, "副市长张某", "old value");
	is_str(p.new_value, "副市长孙某", "new value");
	{
		const char *base = strrchr(cpath, '/');
		char *want = xasprintf("import %s", base ? base + 1 : cpath);
		is_str(p.reason, want, "the event names the file it came from");
		free(want);
	}
	free(p.old_value);
	free(p.new_value);
	free(p.reason);
	duban_item_free(&it);
	free(cpath);
	free(changed);
	free(orig);
	free(path);
}

static void test_problems(void)
{
	duban_store *st = new_store();
	struct duban_import_report rep;
	is_int(import_fixture(st, "problems.csv", &rep), DUBAN_OK, "problems.csv imports");
	is_int(rep.rows, 6, "six data rows (title row skipped)");
	is_int(rep.inserted, 6, "six inserted");
	is_int(rep.bad, 0, "no bad row");
	is_str(rep.encoding, "UTF-8", "UTF-8");
	is_int(rep.nnotes, 0, "every column recognised");
	duban_import_report_free(&rep);
	is_int(duban_item_total(st), 6, "six items");
	check_problem_items(st);

	is_int(import_fixture(st, "problems.csv", &rep), DUBAN_OK, "the same file again");
	is_int(rep.inserted, 0, "inserts nothing");
	is_int(rep.unchanged, 6, "leaves all six unchanged");
	is_int(rep.updated, 0, "updates none");
	duban_import_report_free(&rep);
	is_int(duban_item_total(st), 6, "still six items");

	test_reimport_changed(st);
	duban_store_close(st);
}

/* ---------------------------------------------------------------- complaints */

static void check_complaints(duban_store *st)
{
	struct duban_item it;
	duban_item_init(&it);
	is_int(duban_item_get(st, "D2XX000123", &it), DUBAN_OK, "complaint by 受理编号");
	is_int(it.kind, DUBAN_KIND_COMPLAINT, "kind complaint from the headers");
	is_str(it.title, "X区某化工企业夜间偷排废气", "title: first clause of the description");
	is_str(it.county, "X区", "county from 行政区域");
	is_str(it.categories, "大气", "category from 污染类型");
	is_str(it.findings, "经核查，该企业废气处理设施运行不正常。", "findings");
	is_int(it.verdict, DUBAN_VERDICT_TRUE, "属实");
	is_str(it.handling, "责令企业停产整改，立案处罚。", "handling");
	is_int(it.status, DUBAN_STATUS_CLOSED, "已办结 -> closed");
	is_str(it.accountability, "无", "accountability text");
	ok(it.enforcement.rectify_orders == 1 && it.enforcement.fines == 5.5 &&
	   it.enforcement.penalty_cases == 1 && it.enforcement.summons == 2, "enforcement counts");

	duban_item_get(st, "D2XX000124", &it);
	is_str(it.title, "Y县某砂场在河道内非法采砂", "title stops at ；");
	is_int(it.status, DUBAN_STATUS_VERIFIED, "阶段性办结 -> verified");
	is_int(it.verdict, DUBAN_VERDICT_PARTLY, "部分属实");
	ok(it.enforcement.fines == 0, "/ in fines is zero");
	ok(it.enforcement.criminal_cases == 1 && it.enforcement.detentions == 2 &&
	   it.enforcement.summons == 3 && it.enforcement.accountability == 1,
	   "立案侦查, 拘留（人）, 约谈（人次）, 问责（人次）");
	is_str(it.categories, "生态、采砂", "two categories");

	duban_item_get(st, "D2XX000125", &it);
	is_str(it.title, "Z县某养殖场粪污未经处理直接排入附近河道导致河水发黑发臭严重", "title cut at 30 characters");
	is_int(it.verdict, DUBAN_VERDICT_FALSE, "不属实");

	duban_item_get(st, "D2XX000126", &it);
	is_str(it.title, "某工地施工噪声扰民", "title of a multi-line description");
	ok(strchr(it.description, '\n') != NULL, "description keeps its line break");
	is_int(it.status, DUBAN_STATUS_IN_PROGRESS, "正在办理 -> in_progress");
	is_int(it.verdict, DUBAN_VERDICT_MOSTLY, "基本属实");
	ok(it.enforcement.fines == 0.8, "fines 0.8");
	duban_item_free(&it);
}

static void test_complaints_gbk(void)
{
	duban_store *st = new_store();
	struct duban_import_report rep;
	is_int(import_fixture(st, "complaints_gbk.csv", &rep), DUBAN_OK, "GBK complaint list imports");
	is_str(rep.encoding, "GB18030", "detected as GB18030");
	is_int(rep.inserted, 4, "four complaints");
	duban_import_report_free(&rep);
	check_complaints(st);
	duban_store_close(st);
}

/* ---------------------------------------------------------------- bad rows */

static void test_dry_run_bad_rows(void)
{
	static const char *const want[] = {
		"line 3, 整改时限 (column C): cannot read '明年吧' as a date",
		"line 4, 整改状态 (column D): unknown status '未知状态'",
		"line 6, 整改进度 (column E): '150' is not a progress from 0 to 100",
		"line 7: code A-1 also on line 2",
		"line 8: no code and no row number (序号)",
		"line 11: unterminated quote",
	};
	duban_store *st = new_store();
	char *path = fixture("bad_rows.csv");
	struct duban_import_report rep;
	is_int(import(st, path, true, NULL, &rep), DUBAN_ERR_PARSE, "dry run of bad_rows.csv fails");
	is_int(rep.nerrors, 6, "six errors");
	for (int i = 0; i < 6 && i < rep.nerrors; i++)
		is_str(rep.errors[i], want[i], want[i]);
	ok(rep.nerrors == 0 || rep.errors[rep.nerrors] == NULL, "errors are NULL-terminated");
	is_int(rep.bad, 6, "six bad rows");
	is_int(rep.inserted, 2, "two rows would be inserted");
	is_int(duban_item_total(st), 0, "a dry run writes nothing");
	duban_import_report_free(&rep);

	is_int(import(st, path, false, NULL, &rep), DUBAN_ERR_PARSE, "the real import fails too");
	is_int(rep.inserted, 0, "and reports nothing inserted");
	is_int(duban_item_total(st), 0, "and writes nothing");
	duban_import_report_free(&rep);
	free(path);
	duban_store_close(st);
}

static void test_all_or_nothing(void)
{
	duban_store *st = new_store();
	struct duban_import_report rep;
	is_int(import_fixture(st, "bad_line9.csv", &rep), DUBAN_ERR_PARSE, "one bad row fails the import");
	is_int(rep.nerrors, 1, "one error");
	is_str(rep.nerrors ? rep.errors[0] : NULL, "line 9, 整改时限 (column C): cannot read '2022-13-45' as a date",
	       "on line 9 (after a two-line record)");
	is_int(duban_item_total(st), 0, "nothing inserted, not even the rows before it");
	duban_import_report_free(&rep);

	import_fixture(st, "problems.csv", &rep);
	duban_import_report_free(&rep);
	is_int(import_fixture(st, "bad_line9.csv", &rep), DUBAN_ERR_PARSE, "into a filled ledger");
	is_int(duban_item_total(st), 6, "the ledger is as it was");
	duban_import_report_free(&rep);
	duban_store_close(st);
}

/* ---------------------------------------------------------------- mapping */

static void test_mapping(void)
{
	duban_store *st = new_store();
	char *csv = fixture("custom.csv"), *map = fixture("mapping.txt");
	struct duban_import_report rep;
	is_int(import(st, csv, false, NULL, &rep), DUBAN_ERR_PARSE, "unknown headers without a mapping");
	ok(rep.nerrors == 1 && strstr(rep.errors[0], "header"), "report a missing header row");
	duban_import_report_free(&rep);

	is_int(import(st, csv, false, map, &rep), DUBAN_OK, "with mapping.txt");
	is_int(rep.inserted, 2, "two inserted");
	ok(rep.nnotes == 1 && strcmp(rep.notes[0], "note: column '备注' ignored") == 0,
	   "the unmapped column is a note, not an error");
	is_int(rep.nerrors, 0, "no error");
	duban_import_report_free(&rep);
	struct duban_item it;
	char buf[11];
	duban_item_init(&it);
	is_int(duban_item_get(st, "T-002", &it), DUBAN_OK, "code from 任务代码");
	is_str(it.county, "Y县", "county from 所属县区");
	is_str(date_str(it.deadline, buf), "2022-06-30", "deadline 2022.6.30");
	duban_item_free(&it);

	struct duban_import_options opt = { false, map, DUBAN_KIND_COMPLAINT, NULL, NULL };
	is_int(duban_import_file(st, csv, &opt, &rep), DUBAN_OK, "again, with default kind complaint");
	is_int(rep.updated, 2, "updates both");
	duban_import_report_free(&rep);
	duban_item_get(st, "T-001", &it);
	is_int(it.kind, DUBAN_KIND_COMPLAINT, "the default kind applies");
	is_str(it.title, "某某任务", "a complaint keeps the title it has");
	duban_item_free(&it);

	char *bad = tmpfile_with("bad_mapping.txt", "# comment\n任务代码 = code\n任务名称 = nosuchfield\n");
	is_int(import(st, csv, false, bad, &rep), DUBAN_ERR_PARSE, "a mapping to an unknown field fails");
	ok(rep.nerrors == 1 && strstr(rep.errors[0], ":3: unknown field 'nosuchfield'"),
	   "naming the mapping line and the field");
	duban_import_report_free(&rep);
	free(bad);
	free(csv);
	free(map);
	duban_store_close(st);
}

/* ---------------------------------------------------------------- other forms */

static void test_forms(void)
{
	duban_store *st = new_store();
	struct duban_import_report rep;
	char *p = tmpfile_with("forms.csv",
			       "\xef\xbb\xbf" "编号 , 问题名称,整改 时限,时限类型,类型,整改进度,是否重点件\r\n"
			       "F-1,以前,2022年底以前,,complaint,80%,√\r\n"
			       "F-2,覆盖,2022-05-01,ongoing,,\r\n"
			       "F-3,打勾,,,,\r\n"
			       "合计,,,,,\r\n");
	is_int(import(st, p, false, NULL, &rep), DUBAN_OK, "BOM, spaced headers, kind and deadline kind columns");
	is_int(rep.inserted, 3, "a totals row is skipped");
	duban_import_report_free(&rep);
	struct duban_item it;
	char buf[11];
	duban_item_init(&it);
	duban_item_get(st, "F-1", &it);
	is_str(date_str(it.deadline, buf), "2022-12-31", "2022年底以前");
	is_int(it.kind, DUBAN_KIND_COMPLAINT, "the kind cell decides");
	is_int(it.progress, 80, "80%");
	ok(it.key_case, "a ticked flag is true");
	duban_item_get(st, "F-2", &it);
	is_int(it.deadline_kind, DUBAN_DEADLINE_ONGOING, "the deadline kind column wins over the date");
	is_str(date_str(it.deadline, buf), "2022-05-01", "and keeps the date");
	is_int(it.kind, DUBAN_KIND_PROBLEM, "no complaint headers: problem");
	duban_item_free(&it);
	free(p);

	p = tmpfile_with("json.json",
			 "  {\"items\": [\n"
			 "  {\"code\": \"J-1\", \"kind\": \"complaint\", \"description\": \"某村垃圾堆放。已清理\"},\n"
			 "  {\"code\": \"J-1\"}, {\"code\": \"J-2\", \"deadline\": \"bad\"}\n]}");
	is_int(import(st, p, true, NULL, &rep), DUBAN_ERR_PARSE, "JSON with a repeated code and a bad date");
	ok(rep.nerrors == 2 && strcmp(rep.errors[0], "item 2: code J-1 also in item 1") == 0,
	   "repeated code named by item");
	ok(rep.nerrors == 2 && strncmp(rep.errors[1], "item 3: deadline:", 17) == 0, "bad field named");
	duban_import_report_free(&rep);
	free(p);

	p = tmpfile_with("ok.json", "[{\"code\": \"J-1\", \"kind\": \"complaint\", \"description\": \"某村垃圾堆放。已清理\"}]");
	is_int(import(st, p, false, NULL, &rep), DUBAN_OK, "a JSON array imports");
	duban_import_report_free(&rep);
	duban_item_init(&it);
	duban_item_get(st, "J-1", &it);
	is_str(it.title, "某村垃圾堆放", "a JSON complaint gets a title too");
	duban_item_free(&it);
	free(p);

	p = tmpfile_with("broken.json", "[\n{\"code\": \"J-1\",\n oops}]");
	is_int(import(st, p, false, NULL, &rep), DUBAN_ERR_PARSE, "broken JSON");
	ok(rep.nerrors == 1 && strcmp(rep.errors[0], "line 3: invalid JSON") == 0, "with its line");
	duban_import_report_free(&rep);
	free(p);
	duban_store_close(st);
}

/* ---------------------------------------------------------------- round trip */

static char *export_text(duban_store *st, enum duban_export_format fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct duban_export_options opt = { .format = fmt, .bom = fmt == DUBAN_EXPORT_CSV };
	enum duban_err err = duban_export(st, f, &opt);
	fclose(f);
	if (err != DUBAN_OK)
		diag("export failed: %d", err);
	return buf;
}

static void round_trip(duban_store *full, enum duban_export_format fmt, const char *name)
{
	char *first = export_text(full, fmt);
	char *path = tmpfile_with(name, first);
	duban_store *st = new_store();
	struct duban_import_report rep;
	is_int(import(st, path, false, NULL, &rep), DUBAN_OK, name);
	is_int(rep.inserted, 10, "every item inserted into the empty ledger");
	duban_import_report_free(&rep);
	char *second = export_text(st, fmt);
	ok(first && second && strcmp(first, second) == 0, "the second export is byte-identical");
	if (first && second && strcmp(first, second) != 0) {
		size_t i = 0;
		while (first[i] == second[i])
			i++;
		diag("differ at %zu: '%.60s' vs '%.60s'", i, first + i, second + i);
	}
	is_int(import(st, path, false, NULL, &rep), DUBAN_OK, "importing it again");
	is_int(rep.unchanged, 10, "leaves everything unchanged");
	duban_import_report_free(&rep);
	free(second);
	free(first);
	free(path);
	duban_store_close(st);
}

static void test_export_round_trip(void)
{
	duban_store *st = new_store();
	struct duban_import_report rep;
	import_fixture(st, "problems.csv", &rep);
	duban_import_report_free(&rep);
	import_fixture(st, "complaints_gbk.csv", &rep);
	duban_import_report_free(&rep);

	char *csv = export_text(st, DUBAN_EXPORT_CSV);
	ok(strncmp(csv, "\xef\xbb\xbfid,类型,受理编号,", 26) == 0, "CSV starts with a BOM, id and Chinese labels");
	ok(strstr(csv, "\r\n") && !strstr(csv, ",\n"), "records end in CRLF");
	const char *d = strstr(csv, "D2XX000123");
	const char *p1 = strstr(csv, "P-1");
	ok(d && p1 && d < p1, "rows in code order");
	free(csv);

	char *json = export_text(st, DUBAN_EXPORT_JSON);
	ok(json && json[0] == '[' && strstr(json, "\"created_at\"") && strstr(json, "部分县区"),
	   "JSON is an array with timestamps and unescaped Chinese");
	cJSON *parsed = cJSON_Parse(json);
	is_int(cJSON_GetArraySize(parsed), 10, "of ten items");
	cJSON_Delete(parsed);
	free(json);

	round_trip(st, DUBAN_EXPORT_CSV, "export.csv");
	round_trip(st, DUBAN_EXPORT_JSON, "export.json");

	struct duban_filter f;
	duban_filter_init(&f);
	f.kind = DUBAN_KIND_COMPLAINT;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct duban_export_options opt = { .format = DUBAN_EXPORT_CSV, .filter = &f };
	is_int(duban_export(st, out, &opt), DUBAN_OK, "export with a filter");
	fclose(out);
	int lines = 0;
	for (const char *q = buf; (q = strstr(q, "\r\n")); q += 2)
		lines++;
	is_int(lines, 5, "header and the four complaints (CRLF ends records, LF stays in cells)");
	free(buf);
	duban_store_close(st);
}

static void cleanup(void)
{
	for (int i = 1; i <= nstores; i++) {
		char *db = xasprintf("%s/ledger%d.db", tmpdir, i);
		unlink(db);
		free(db);
		static const char *const ext[] = { "-wal", "-shm", "-journal" };
		for (size_t k = 0; k < 3; k++) {
			char *aux = xasprintf("%s/ledger%d.db%s", tmpdir, i, ext[k]);
			unlink(aux);
			free(aux);
		}
	}
	static const char *const files[] = { "problems_changed.csv", "bad_mapping.txt", "forms.csv",
					     "json.json", "ok.json", "broken.json", "export.csv", "export.json" };
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *p = xasprintf("%s/%s", tmpdir, files[i]);
		unlink(p);
		free(p);
	}
	rmdir(tmpdir);
}

int main(void)
{
	setenv("DUBAN_NOW", "2026-06-15T08:00:00Z", 1);
	setenv("DUBAN_TODAY", "2026-06-15", 1);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_problems();
	test_complaints_gbk();
	test_dry_run_bad_rows();
	test_all_or_nothing();
	test_mapping();
	test_forms();
	test_export_round_trip();
	cleanup();
	return done_testing();
}
