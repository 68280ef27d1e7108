/* Text for the terminal: width of the screen, sanitised and aligned cells,
 * wrapped values, and the wording of deadlines, enums and dates. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "duban/date.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "cli.h"

#define DEFAULT_WIDTH 120
#define MIN_WIDTH 20

int cli_term_width(void)
{
	const char *env = getenv("COLUMNS");
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);
		if (*end == '\0' && v > 0 && v < 10000)
			return v < MIN_WIDTH ? MIN_WIDTH : (int)v;
	}
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col < MIN_WIDTH ? MIN_WIDTH : ws.ws_col;
	return DEFAULT_WIDTH;
}

char *cli_cell(const char *s, int cols, bool right)
{
	char *clean = duban_sanitize(s ? s : "", false);
	char *cell = duban_pad(clean, cols, right);
	free(clean);
	return cell;
}

void cli_put(FILE *out, const char *s, bool keep_newlines)
{
	char *clean = duban_sanitize(s ? s : "", keep_newlines);
	fputs(clean, out);
	free(clean);
}

const char *cli_deadline_text(duban_date deadline, enum duban_deadline_kind dk, char buf[11])
{
	if (deadline != DUBAN_DATE_NONE)
		return duban_date_format(deadline, buf);
	if (dk == DUBAN_DEADLINE_DATE)
		return "";
	return duban_deadline_kind_name(dk);
}

char *cli_due_text(duban_date deadline, enum duban_status status, duban_date today)
{
	/* Once verified the deadline has been met: counting on would mislead. */
	if (deadline == DUBAN_DATE_NONE || status >= DUBAN_STATUS_VERIFIED)
		return xstrdup("");
	long days = (long)deadline - (long)today;
	if (days == 0)
		return xstrdup(_("due today"));
	if (days < 0)
		return xasprintf(ngettext("overdue %ld day", "overdue %ld days", (unsigned long)-days), -days);
	return xasprintf(ngettext("%ld day left", "%ld days left", (unsigned long)days), days);
}

char *cli_status_choices(enum duban_status from, enum duban_role role)
{
	enum duban_status to[DUBAN_STATUS_COUNT];
	int n = duban_status_next(from, role, to);
	if (n <= 0)
		return xstrdup(_("none"));
	struct duban_buf b;
	duban_buf_init(&b);
	for (int i = 0; i < n; i++) {
		if (i)
			duban_buf_puts(&b, _(", "));
		duban_buf_puts(&b, duban_status_name(to[i]));
	}
	return duban_buf_steal(&b);
}

void cli_print_wrapped(FILE *out, const char *label, int label_cols, const char *value, int width)
{
	int cols = width - label_cols;
	if (cols < 10)
		cols = 10;
	char *clean = duban_sanitize(value ? value : "", true);
	char **lines = duban_wrap(clean, cols);
	free(clean);
	char *head = cli_cell(label, label_cols, false);
	fputs(head, out);
	free(head);
	for (size_t i = 0; lines && lines[i]; i++) {
		if (i)
			fprintf(out, "%*s", label_cols, "");
		fprintf(out, "%s\n", lines[i]);
	}
	if (!lines || !lines[0])
		fputc('\n', out);
	duban_lines_free(lines);
}

/* ---- Tables: columns of fixed width, one flexible column takes the rest ---- */

void cli_table_layout(struct cli_column *cols, int n, int flex, int total)
{
	for (int i = 0; i < n; i++)
		cols[i].shown = true;
	for (;;) {
		int used = 0, shown = 0;
		for (int i = 0; i < n; i++) {
			if (!cols[i].shown)
				continue;
			shown++;
			if (i != flex)
				used += cols[i].width;
		}
		int rest = total - used - (shown - 1);
		/* Drop the least important column until the flexible one has room. */
		int drop = -1;
		for (int i = 0; i < n; i++)
			if (cols[i].shown && cols[i].drop_rank > 0 &&
			    (drop < 0 || cols[i].drop_rank > cols[drop].drop_rank))
				drop = i;
		if (rest >= cols[flex].min || drop < 0) {
			cols[flex].width = rest > cols[flex].min ? rest : cols[flex].min;
			return;
		}
		cols[drop].shown = false;
	}
}

static void put_spaces(FILE *out, int n)
{
	static const char blanks[] = "                                ";
	for (; n > 0; n -= (int)sizeof blanks - 1)
		fwrite(blanks, 1, n < (int)sizeof blanks - 1 ? (size_t)n : sizeof blanks - 1, out);
}

/* What cli_cell makes, written straight out: a listing calls this for every
 * cell, and a clean cell that fits (nearly all) needs no copy and one pass
 * for its cleanliness, width and length together. */
static void put_cell(FILE *out, const char *s, int cols, bool right)
{
	char *owned = NULL;
	size_t len;
	int w = duban_clean_width(s, &len);
	if (!s)
		s = "";
	if (w < 0) {
		s = owned = duban_sanitize(s, false);
		w = duban_str_width(s);
		len = strlen(s);
	}
	if (w > cols) {
		char *cut = duban_truncate(s, cols);
		free(owned);
		s = owned = cut;
		w = duban_str_width(s);
		len = strlen(s);
	}
	if (right)
		put_spaces(out, cols - w);
	fwrite(s, 1, len, out);
	if (!right)
		put_spaces(out, cols - w);
	free(owned);
}

void cli_table_row(FILE *out, const struct cli_column *cols, int n, const char *const cells[])
{
	bool first = true;
	for (int i = 0; i < n; i++) {
		if (!cols[i].shown)
			continue;
		if (!first)
			fputc(' ', out);
		first = false;
		put_cell(out, cells[i], cols[i].width, cols[i].right);
	}
	fputc('\n', out);
}

void cli_column_fit(struct cli_column *col, const char *s)
{
	char *clean = duban_sanitize(s ? s : "", false);
	int w = duban_str_width(clean);
	free(clean);
	if (w > col->max)
		w = col->max;
	if (w > col->width)
		col->width = w;
}

