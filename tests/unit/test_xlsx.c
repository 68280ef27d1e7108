/* The .xlsx reader and writer: serial dates, column letters, hand-made
 * workbooks (rich text, styles, merges, gaps, 1904), hostile files, and a
 * workbook written by the writer read back cell for cell. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zip.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "duban/xlsx.h"
#include "tap.h"

static char dir[] = "/tmp/duban-xlsx-XXXXXX";

static char *tmp_path(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static const char *fmt_date(duban_date d, char buf[11])
{
	return duban_date_format(d, buf);
}

/* ---------------------------------------------------------------- making zips */

struct part {
	const char *name, *text;
};

static void make_zip(const char *path, const struct part *parts, int n)
{
	int zerr;
	unlink(path);
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	for (int i = 0; i < n; i++) {
		zip_source_t *src = zip_source_buffer(z, parts[i].text, strlen(parts[i].text), 0);
		zip_file_add(z, parts[i].name, src, ZIP_FL_OVERWRITE);
	}
	if (zip_close(z) != 0)
		diag("zip_close: %s", zip_strerror(z));
}

static const char *const rels_xml =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"/xl/worksheets/other.xml\"/>"
	"<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/>"
	"<Relationship Id=\"rId4\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
	"</Relationships>";

static char *workbook_xml(bool date1904)
{
	return xasprintf("<?xml version=\"1.0\"?>"
			 "<x:workbook xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
			 "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
			 "<x:workbookPr%s/><x:sheets>"
			 "<x:sheet name=\"台账\" sheetId=\"1\" r:id=\"rId1\"/>"
			 "<x:sheet name=\"Other\" sheetId=\"2\" r:id=\"rId2\"/>"
			 "</x:sheets></x:workbook>",
			 date1904 ? " date1904=\"1\"" : "");
}

static const char *const styles_xml =
	"<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
	"<numFmts count=\"2\"><numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
	"<numFmt numFmtId=\"165\" formatCode=\"&quot;day&quot;0.00\"/></numFmts>"
	"<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
	"<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/><xf numFmtId=\"165\"/></cellXfs>"
	"</styleSheet>";

static const char *const sst_xml =
	"<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"5\" uniqueCount=\"5\">"
	"<si><t>大气污染问题整改台账</t></si>"
	"<si><t>受理编号</t></si>"
	"<si><r><rPr><b/></rPr><t>整改</t></r><r><t xml:space=\"preserve\">时限 </t></r>"
	"<rPh sb=\"0\" eb=\"2\"><t>ZHENGGAI</t></rPh></si>"
	"<si><t>第一行_x000D_\n第二行</t></si>"
	"<si><t/></si>"
	"</sst>";

/* Row 1: a title merged over A1:D1.  Rows 2-3: a header, 受理编号 merged
 * over A2:A3.  Row 5 (row 4 left out): cells with a gap, no r on the row.
 * Row 7: cells without r attributes. */
static const char *const sheet_xml =
	"<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
	"<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" s=\"1\"/></row>"
	"<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c><c r=\"B2\" t=\"s\"><v>2</v></c></row>"
	"<row r=\"3\"><c r=\"B3\" t=\"inlineStr\"><is><r><t>分</t></r><r><t>列</t></r></is></c></row>"
	"<row r=\"5\"><c r=\"A5\"><v>12</v></c><c r=\"D5\"><v>3.5</v></c><c r=\"E5\" t=\"b\"><v>1</v></c>"
	"<c r=\"F5\" s=\"1\"><v>46188</v></c><c r=\"G5\" s=\"2\"><v>46023.75</v></c><c r=\"H5\" s=\"3\"><v>7</v></c>"
	"<c r=\"I5\" t=\"str\"><f>A5&amp;\"x\"</f><v>12x</v></c><c r=\"J5\"><v>0.30000000000000004</v></c>"
	"<c r=\"K5\" t=\"s\"><v>3</v></c><c r=\"L5\" t=\"e\"><v>#N/A</v></c><c r=\"M5\" t=\"d\"><v>2026-01-02T00:00:00</v></c></row>"
	"<row><c t=\"inlineStr\"><is><t>甲</t></is></c><c/><c t=\"inlineStr\"><is><t>丙</t></is></c></row>"
	"</sheetData>"
	"<mergeCells count=\"3\"><mergeCell ref=\"A1:D1\"/><mergeCell ref=\"A2:A3\"/>"
	"<mergeCell ref=\"A10:XFD1048576\"/></mergeCells></worksheet>";

static const char *const other_xml =
	"<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>"
	"<row r=\"1\"><c r=\"A1\" s=\"1\"><v>0</v></c><c r=\"B1\" s=\"1\"><v>1</v></c></row>"
	"</sheetData></worksheet>";

static char *write_book(const char *name, bool date1904, const char *sheet1)
{
	char *path = tmp_path(name);
	char *wb = workbook_xml(date1904);
	struct part parts[] = {
		{ "[Content_Types].xml", "<Types/>" },
		{ "xl/workbook.xml", wb },
		{ "xl/_rels/workbook.xml.rels", rels_xml },
		{ "xl/styles.xml", styles_xml },
		{ "xl/sharedStrings.xml", sst_xml },
		{ "xl/worksheets/sheet1.xml", sheet1 },
		{ "xl/worksheets/other.xml", other_xml },
	};
	make_zip(path, parts, (int)(sizeof parts / sizeof parts[0]));
	free(wb);
	return path;
}

static const char *cell(const struct duban_xlsx_sheet *s, int line, int col)
{
	for (int i = 0; i < s->nrows; i++)
		if (s->rows[i].line == line)
			return col <= s->rows[i].ncells ? s->rows[i].cells[col - 1] : "";
	return NULL;
}

/* ---------------------------------------------------------------- tests */

static void test_serials(void)
{
	char b[11];
	is_str(fmt_date(duban_xlsx_serial_to_date(1, false), b), "1900-01-01", "serial 1 is 1900-01-01");
	is_str(fmt_date(duban_xlsx_serial_to_date(59, false), b), "1900-02-28", "serial 59 is 1900-02-28");
	is_str(fmt_date(duban_xlsx_serial_to_date(60, false), b), "1900-03-01", "serial 60 (Lotus's 29 Feb) reads as 1900-03-01");
	is_str(fmt_date(duban_xlsx_serial_to_date(61, false), b), "1900-03-01", "serial 61 is 1900-03-01");
	is_str(fmt_date(duban_xlsx_serial_to_date(46188, false), b), "2026-06-15", "serial 46188 is 2026-06-15");
	is_str(fmt_date(duban_xlsx_serial_to_date(46188.99, false), b), "2026-06-15", "the time of day is dropped");
	is_str(fmt_date(duban_xlsx_serial_to_date(0, true), b), "1904-01-01", "1904 system: serial 0 is 1904-01-01");
	is_str(fmt_date(duban_xlsx_serial_to_date(44726, true), b), "2026-06-15", "1904 system: 1462 days fewer");
	ok(duban_xlsx_serial_to_date(0, false) == DUBAN_DATE_NONE, "serial 0 is no date");
	ok(duban_xlsx_serial_to_date(-5, false) == DUBAN_DATE_NONE, "a negative serial is no date");
	ok(duban_xlsx_serial_to_date(3e6, false) == DUBAN_DATE_NONE, "a serial past 9999 is no date");
	is_int(duban_xlsx_date_to_serial(duban_date_from_ymd(2026, 6, 15)), 46188, "2026-06-15 is serial 46188");
	is_int(duban_xlsx_date_to_serial(duban_date_from_ymd(1900, 3, 1)), 61, "1900-03-01 is serial 61");
	is_int(duban_xlsx_date_to_serial(duban_date_from_ymd(1900, 2, 28)), 59, "1900-02-28 is serial 59");
	is_str(fmt_date(duban_xlsx_serial_text_date("46188"), b), "2026-06-15", "text 46188 reads as a date");
	is_str(fmt_date(duban_xlsx_serial_text_date("46188.5"), b), "2026-06-15", "text 46188.5 reads as a date");
	ok(duban_xlsx_serial_text_date("4618") == DUBAN_DATE_NONE, "four digits are no serial");
	ok(duban_xlsx_serial_text_date("99999") == DUBAN_DATE_NONE, "a serial past 2100 is not taken");
	ok(duban_xlsx_serial_text_date("20260615") == DUBAN_DATE_NONE, "20260615 is no serial");
	ok(duban_xlsx_serial_text_date("46188x") == DUBAN_DATE_NONE, "trailing text is no serial");
	ok(duban_xlsx_serial_text_date("46188.") == DUBAN_DATE_NONE, "a bare dot is no serial");
	ok(duban_xlsx_serial_text_date("36525") == DUBAN_DATE_NONE, "serial text 36525 (1999-12-31) is before 2000");
	is_str(fmt_date(duban_xlsx_serial_text_date("36526"), b), "2000-01-01", "serial text 36526 is 2000-01-01");
	is_str(fmt_date(duban_xlsx_serial_text_date("73415"), b), "2100-12-31", "serial text 73415 is 2100-12-31");
	ok(duban_xlsx_serial_text_date("73416") == DUBAN_DATE_NONE, "serial text 73416 (2101-01-01) is after 2100");
	ok(!duban_xlsx_date_plausible(duban_xlsx_serial_to_date(60, false)), "Lotus's 1900-02-29 is no ledger date");
	ok(!duban_xlsx_date_plausible(DUBAN_DATE_NONE), "NONE is not plausible");
	ok(duban_xlsx_date_plausible(duban_xlsx_serial_to_date(44726, true)), "a 1904-system date in range is");
}

static void test_columns(void)
{
	char b[4];
	const char *end;
	is_int(duban_xlsx_col_number("A1", &end), 1, "A is column 1");
	is_str(end, "1", "end is after the letters");
	is_int(duban_xlsx_col_number("Z", NULL), 26, "Z is 26");
	is_int(duban_xlsx_col_number("AA", NULL), 27, "AA is 27");
	is_int(duban_xlsx_col_number("az9", NULL), 52, "lower case az is 52");
	is_int(duban_xlsx_col_number("XFD1048576", NULL), 16384, "XFD is 16384");
	is_int(duban_xlsx_col_number("XFE1", NULL), 0, "XFE is past the last column");
	is_int(duban_xlsx_col_number("AAAA1", NULL), 0, "four letters are too many");
	is_int(duban_xlsx_col_number("12", NULL), 0, "no letters, no column");
	is_str(duban_xlsx_col_letters(1, b), "A", "1 is A");
	is_str(duban_xlsx_col_letters(26, b), "Z", "26 is Z");
	is_str(duban_xlsx_col_letters(27, b), "AA", "27 is AA");
	is_str(duban_xlsx_col_letters(702, b), "ZZ", "702 is ZZ");
	is_str(duban_xlsx_col_letters(703, b), "AAA", "703 is AAA");
	is_str(duban_xlsx_col_letters(16384, b), "XFD", "16384 is XFD");
	is_str(duban_xlsx_col_letters(16385, b), "", "16385 has no letters");
	is_str(duban_xlsx_col_letters(0, b), "", "0 has no letters");
}

static void test_reading(void)
{
	char err[512];
	char *path = write_book("hand.xlsx", false, sheet_xml);
	struct duban_xlsx_sheet s;
	is_int(duban_xlsx_read(path, NULL, &s, err, sizeof err), DUBAN_OK, "a hand-made workbook is read");
	is_str(s.name, "台账", "no sheet named: the first one");
	is_str(cell(&s, 1, 1), "大气污染问题整改台账", "the title is a shared string");
	is_str(cell(&s, 1, 4), "大气污染问题整改台账", "the merged title fills D1");
	is_str(cell(&s, 1, 2), "大气污染问题整改台账", "the merge covers a styled empty cell");
	is_str(cell(&s, 3, 1), "受理编号", "a header merged over two rows names both");
	is_str(cell(&s, 2, 2), "整改时限 ", "rich runs are joined, phonetic guides left out");
	is_str(cell(&s, 3, 2), "分列", "an inline string with runs");
	ok(cell(&s, 4, 1) == NULL, "an empty row is left out");
	is_str(cell(&s, 5, 1), "12", "a number in its short form");
	is_str(cell(&s, 5, 2), "", "a gap is an empty cell");
	is_str(cell(&s, 5, 4), "3.5", "the cell after the gap is in column D");
	is_str(cell(&s, 5, 5), "TRUE", "a boolean");
	is_str(cell(&s, 5, 6), "2026-06-15", "a built-in date format gives a date");
	is_str(cell(&s, 5, 7), "2026-01-01", "a custom 年月日 format gives a date");
	is_str(cell(&s, 5, 8), "7", "a custom format with quoted text is no date");
	is_str(cell(&s, 5, 9), "12x", "a formula by its cached value");
	is_str(cell(&s, 5, 10), "0.30000000000000004", "a number that needs 17 digits keeps them");
	is_str(cell(&s, 5, 11), "第一行\r\n第二行", "_x000D_ is a carriage return");
	is_str(cell(&s, 5, 12), "#N/A", "an error value as its text");
	is_str(cell(&s, 5, 13), "2026-01-02", "an ISO date cell");
	is_str(cell(&s, 6, 1), "甲", "a row without r follows the last");
	is_str(cell(&s, 6, 3), "丙", "cells without r follow each other");
	is_int(s.rows[s.nrows - 1].line, 6, "a merge over the rest of the sheet adds no rows");
	duban_xlsx_sheet_free(&s);

	is_int(duban_xlsx_read(path, "Other", &s, err, sizeof err), DUBAN_OK, "a sheet by name (absolute target)");
	is_str(cell(&s, 1, 1), "0", "serial 0 in a date cell stays a number");
	is_str(cell(&s, 1, 2), "1", "serial 1 in a date cell (1900-01-01) is no plausible date: a number");
	duban_xlsx_sheet_free(&s);
	is_int(duban_xlsx_read(path, "other", &s, err, sizeof err), DUBAN_OK, "a sheet name in another case");
	duban_xlsx_sheet_free(&s);
	is_int(duban_xlsx_read(path, "汇总", &s, err, sizeof err), DUBAN_ERR_NOT_FOUND, "an unknown sheet");
	ok(strstr(err, "\"台账\", \"Other\"") != NULL, "the message lists the sheets");
	diag("%s", err);
	char **names;
	duban_xlsx_sheet_names(path, &names, err, sizeof err);
	ok(names && strcmp(names[0], "台账") == 0 && strcmp(names[1], "Other") == 0 && !names[2],
	   "the sheet names in order");
	duban_lines_free(names);
	free(path);

	path = write_book("1904.xlsx", true, sheet_xml);
	is_int(duban_xlsx_read(path, NULL, &s, err, sizeof err), DUBAN_OK, "a 1904 workbook");
	is_str(cell(&s, 5, 6), "2030-06-16", "dates count from 1904");
	duban_xlsx_sheet_free(&s);
	free(path);
}

static enum duban_err read_err(const char *path, char *err, size_t len)
{
	struct duban_xlsx_sheet s;
	enum duban_err e = duban_xlsx_read(path, NULL, &s, err, len);
	ok(s.rows == NULL && s.nrows == 0, "nothing is left in the sheet after an error");
	duban_xlsx_sheet_free(&s);
	return e;
}

static void test_hostile(void)
{
	char err[512];
	char *path = tmp_path("none.xlsx");
	is_int(read_err(path, err, sizeof err), DUBAN_ERR_IO, "a missing file is an I/O error");
	free(path);

	path = tmp_path("text.xlsx");
	FILE *f = fopen(path, "w");
	fputs("受理编号,问题名称\n", f);
	fclose(f);
	is_int(read_err(path, err, sizeof err), DUBAN_ERR_PARSE, "a text file is no workbook");
	ok(strstr(err, "not an Excel workbook") != NULL, "and the message says so");
	free(path);

	char *good = write_book("good.xlsx", false, sheet_xml);
	size_t len;
	char *data = duban_read_file(good, &len);
	path = tmp_path("cut.xlsx");
	f = fopen(path, "w");
	fwrite(data, 1, len / 2, f);
	fclose(f);
	free(data);
	is_int(read_err(path, err, sizeof err), DUBAN_ERR_PARSE, "a truncated workbook is refused");
	diag("%s", err);
	free(path);
	free(good);

	path = tmp_path("plain.zip");
	struct part readme[] = { { "README.txt", "hello" } };
	make_zip(path, readme, 1);
	is_int(read_err(path, err, sizeof err), DUBAN_ERR_PARSE, "a zip that is no workbook is refused");
	ok(strstr(err, "xl/workbook.xml") != NULL, "the message names the missing part");
	free(path);

	path = write_book("badxml.xlsx", false, "<worksheet><sheetData><row><c><v>1</v></row></sheetData></worksheet>");
	is_int(read_err(path, err, sizeof err), DUBAN_ERR_PARSE, "bad XML in the sheet");
	ok(strstr(err, "bad XML") && strstr(err, "sheet1.xml"), "the message names the part");
	free(path);

	path = write_book("laughs.xlsx", false,
			  "<?xml version=\"1.0\"?><!DOCTYPE w [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]>"
			  "<worksheet><sheetData><row><c t=\"inlineStr\"><is><t>&b;</t></is></c></row></sheetData></worksheet>");
	is_int(read_err(path, err, sizeof err), DUBAN_ERR_PARSE, "entity declarations are refused");
	free(path);

	path = write_book("sst.xlsx", false,
			  "<worksheet><sheetData><row><c r=\"A1\" t=\"s\"><v>99</v></c></row></sheetData></worksheet>");
	is_int(read_err(path, err, sizeof err), DUBAN_ERR_PARSE, "a shared string index past the table");
	ok(strstr(err, "A1") != NULL, "the message names the cell");
	free(path);

	path = write_book("rows.xlsx", false,
			  "<worksheet><sheetData><row r=\"2000000\"><c><v>1</v></c></row></sheetData></worksheet>");
	is_int(read_err(path, err, sizeof err), DUBAN_ERR_PARSE, "a row number past Excel's last row");
	free(path);

	/* A part that unpacks to more than 200 MB: a zip bomb. */
	path = tmp_path("bomb.xlsx");
	size_t big = (size_t)201 << 20;
	char *zeros = xcalloc(1, big);
	int zerr;
	zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	char *wb = workbook_xml(false);
	zip_file_add(z, "xl/workbook.xml", zip_source_buffer(z, wb, strlen(wb), 0), 0);
	zip_file_add(z, "xl/_rels/workbook.xml.rels", zip_source_buffer(z, rels_xml, strlen(rels_xml), 0), 0);
	zip_int64_t i = zip_file_add(z, "xl/worksheets/sheet1.xml", zip_source_buffer(z, zeros, big, 0), 0);
	zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_DEFLATE, 1);
	zip_close(z);
	free(zeros);
	free(wb);
	is_int(read_err(path, err, sizeof err), DUBAN_ERR_PARSE, "a 201 MB part is refused");
	ok(strstr(err, "200 MB") != NULL, "the message gives the limit");
	diag("%s", err);
	free(path);
}

/* ---------------------------------------------------------------- writer */

static char *zip_part(const char *path, const char *name)
{
	int zerr;
	zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
	if (!z)
		return NULL;
	zip_stat_t st;
	char *text = NULL;
	zip_file_t *zf = zip_stat(z, name, 0, &st) == 0 ? zip_fopen(z, name, 0) : NULL;
	if (zf) {
		text = xcalloc(1, st.size + 1);
		zip_fread(zf, text, st.size);
		zip_fclose(zf);
	}
	zip_discard(z);
	return text;
}

/* The width of column col in a sheet's <cols>, or -1. */
static double col_width(const char *xml, int col)
{
	char *want = xasprintf("<col min=\"%d\" max=\"%d\" width=\"", col, col);
	const char *p = strstr(xml, want);
	double w = p ? strtod(p + strlen(want), NULL) : -1;
	free(want);
	return w;
}

/* The s attribute of the cell at ref. */
static int cell_style(const char *xml, const char *ref)
{
	char *want = xasprintf("<c r=\"%s\" s=\"", ref);
	const char *p = strstr(xml, want);
	int s = p ? atoi(p + strlen(want)) : -1;
	free(want);
	return s;
}

static void test_writer(void)
{
	char err[512];
	char *path = tmp_path("out.xlsx");
	static const struct duban_xlsx_column cols[] = {
		{ "code", DUBAN_XLSX_TEXT, 0 },
		{ "问题名称", DUBAN_XLSX_TEXT, 30 },
		{ "整改时限", DUBAN_XLSX_DATE, 0 },
		{ "罚款(万元)", DUBAN_XLSX_NUMBER, 0 },
		{ "note", DUBAN_XLSX_TEXT, 0 },
	};
	const char *rows[][5] = {
		{ "FK-001", "城关区餐饮油烟扰民问题", "2026-06-10", "12.5", "" },
		{ "FK-002", "北岭县砖瓦窑无组织排放问题突出，群众反映强烈，长期未解决", "2026年底", "—", NULL },
		{ "X", "", "", "0", "line one\nline two" },
	};
	duban_xlsx_book *b = duban_xlsx_create(path, err, sizeof err);
	ok(b != NULL, "a workbook is started");
	is_int(duban_xlsx_add_sheet(b, "反馈问题", cols, 5), DUBAN_OK, "a sheet is added");
	for (int i = 0; i < 3; i++)
		duban_xlsx_add_row(b, rows[i], i == 0 ? DUBAN_XLSX_ROW_HIGHLIGHT : 0);
	is_int(duban_xlsx_add_sheet(b, "a/b:c[d]*?", cols, 2), DUBAN_OK, "a sheet with forbidden characters");
	is_int(duban_xlsx_add_sheet(b, "生态环境保护督察反馈问题整改落实情况台账（第二轮第一批次）汇总表", cols, 1), DUBAN_OK,
	       "a sheet with a long name");
	is_int(duban_xlsx_add_sheet(b, "反馈问题", cols, 1), DUBAN_OK, "a sheet with a name already used");
	ok(access(path, F_OK) != 0, "nothing is at the path before close");
	is_int(duban_xlsx_close(b, err, sizeof err), DUBAN_OK, "the workbook is written");

	struct duban_xlsx_sheet s;
	is_int(duban_xlsx_read(path, NULL, &s, err, sizeof err), DUBAN_OK, "the reader reads the writer's workbook");
	is_str(s.name, "反馈问题", "the first sheet's name");
	int same = 1;
	for (int c = 0; c < 5; c++)
		same &= strcmp(cell(&s, 1, c + 1), cols[c].header) == 0;
	ok(same, "the header row reads back");
	static const char *const want[][5] = {
		{ "FK-001", "城关区餐饮油烟扰民问题", "2026-06-10", "12.5", "" },
		{ "FK-002", "北岭县砖瓦窑无组织排放问题突出，群众反映强烈，长期未解决", "2026年底", "—", "" },
		{ "X", "", "", "0", "line one\nline two" },
	};
	for (int r = 0; r < 3; r++)
		for (int c = 0; c < 5; c++) {
			char *name = xasprintf("row %d cell %d reads back", r + 2, c + 1);
			is_str(cell(&s, r + 2, c + 1), want[r][c], name);
			free(name);
		}
	duban_xlsx_sheet_free(&s);
	char **names;
	duban_xlsx_sheet_names(path, &names, err, sizeof err);
	ok(names != NULL, "the sheet names are read");
	if (names) {
		is_str(names[1], "a_b_c_d___", "forbidden characters become _");
		is_str(names[2], "生态环境保护督察反馈问题整改落实情况台账（第二轮第一批次）汇总", "a long name is cut to 31 characters");
		is_str(names[3], "反馈问题 (2)", "a name used twice gets a number");
	}
	duban_lines_free(names);

	char *xml = zip_part(path, "xl/worksheets/sheet1.xml");
	ok(xml && strstr(xml, "state=\"frozen\"") && strstr(xml, "ySplit=\"1\""), "the header row is frozen");
	ok(xml && strstr(xml, "<autoFilter ref=\"A1:E4\""), "an autofilter covers the table");
	double wcode = xml ? col_width(xml, 1) : -1, wtitle = xml ? col_width(xml, 2) : -1;
	ok(wtitle > wcode, "the Chinese column is wider than the code column");
	ok(wtitle >= 32 && wtitle <= 33, "a long Chinese title is capped at its column's width");
	diag("widths: code %.2f, title %.2f", wcode, wtitle);
	ok(xml && cell_style(xml, "A2") != cell_style(xml, "A3"), "the highlighted row has its own style");
	ok(xml && cell_style(xml, "E2") >= 0, "an empty cell of a highlighted row is filled too");
	ok(xml && strstr(xml, "<c r=\"C2\" s=\"") && !strstr(xml, "<c r=\"C2\" s=\"0\" t="), "a date is a number cell");
	free(xml);
	char *styles = zip_part(path, "xl/styles.xml");
	ok(styles && strstr(styles, "FFC7CE"), "the highlight fill is in the styles");
	ok(styles && strstr(styles, "formatCode=\"yyyy-mm-dd\""), "dates have a date format");
	free(styles);
	unlink(path);
	free(path);

	path = tmp_path("no/such/dir/out.xlsx");
	b = duban_xlsx_create(path, err, sizeof err);
	ok(b == NULL && strstr(err, "cannot write"), "a workbook in a missing directory is refused");
	free(path);

	path = tmp_path("abandoned.xlsx");
	b = duban_xlsx_create(path, err, sizeof err);
	duban_xlsx_add_sheet(b, "x", cols, 1);
	duban_xlsx_abandon(b);
	ok(access(path, F_OK) != 0, "an abandoned workbook leaves nothing");
	char *cmd = xasprintf("ls -A %s | grep -c abandoned", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p && fscanf(p, "%d", &n) == 1)
		pclose(p);
	is_int(n, 0, "nor a temporary file");
	free(cmd);
	free(path);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 99;
	}
	test_serials();
	test_columns();
	test_reading();
	test_hostile();
	test_writer();
	char *cmd = xasprintf("rm -rf %s", dir);
	if (system(cmd) != 0)
		diag("cannot remove %s", dir);
	free(cmd);
	return done_testing();
}
