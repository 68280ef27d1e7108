/* The charts of the HTML bulletin: inline SVG drawn from the bulletin's own
 * figures, so the page stays one file with no script and nothing fetched,
 * and prints on A4 as it shows.  Each chart is a <figure> holding an <svg>
 * that is well-formed XML (no namespace: HTML gives inline SVG its own), so
 * tests can read it back.  Every bar is a <g class="bar"> with its label, its
 * <rect> and its figure; lines are <polyline class="series ..."> over ticks
 * labelled with the figures they stand for. */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/html.h"
#include "duban/util.h"
#include "report_chart.h"

/* The drawing is in viewBox units; the page scales it to the text width. */
#define VIEW_W 640
#define LABEL_W 150 /* bar labels, right-aligned before the bars */
#define BAR_W 400   /* a full-scale bar */
#define BAR_H 16
#define ROW_H 24
#define AXIS_H 24   /* the scale under the bars */
/* More groups than this (many lead units) make a chart taller than a page. */
#define MAX_BARS 30

const char duban_chart_css[] =
	"figure.chart { margin: 0.6em 0; page-break-inside: avoid; break-inside: avoid; }\n"
	"figure.chart svg { display: block; width: 100%; height: auto; max-width: 170mm; margin: 0 auto; }\n"
	"figure.chart figcaption { text-align: center; font-size: 10.5pt; }\n"
	"svg.chart text { font-family: 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Micro Hei', "
	"'Microsoft YaHei', 'SimHei', '黑体', sans-serif; font-size: 12px; fill: #000; }\n"
	"svg.chart .grid { stroke: #ccc; stroke-width: 1; }\n"
	"svg.chart .axis { stroke: #000; stroke-width: 1; }\n"
	"svg.chart .bar rect { fill: #4a6fa5; }\n"
	"svg.chart polyline { fill: none; stroke-width: 2; }\n"
	"svg.chart .completed { stroke: #2e7d32; fill: #2e7d32; }\n"
	"svg.chart .overdue { stroke: #c62828; fill: #c62828; }\n"
	"svg.chart polyline.completed, svg.chart polyline.overdue { fill: none; }\n"
	"@media print { svg.chart * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }\n";

/* The top of a scale: the smallest of 1 .. 6, 8, 10, and from there of 10,
 * 12, 15, 16, 20, 25, 30, 40, 50, 60, 80 times a power of ten, at or above
 * v, so the bars use most of the width and the ticks fall on round numbers. */
static long long nice_max(long long v)
{
	static const int steps[] = { 10, 12, 15, 16, 20, 25, 30, 40, 50, 60, 80 };
	if (v <= 6)
		return v < 1 ? 1 : v;
	if (v <= 10)
		return v <= 8 ? 8 : 10;
	for (long long p = 1;; p *= 10)
		for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
			if (v <= steps[i] * p)
				return steps[i] * p;
}

/* How many ticks divide top into whole steps: 5, 4, 6 or 3 when one does,
 * else top itself (small tops) or 2. */
static int tick_count(long long top)
{
	static const int counts[] = { 5, 4, 6, 3 };
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
		if (top >= counts[i] && top % counts[i] == 0)
			return counts[i];
	return top <= 6 ? (int)top : 2;
}

static void text_at(FILE *out, double x, double y, const char *anchor, const char *cls, const char *s)
{
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y, anchor);
	if (cls)
		fprintf(out, " class=\"%s\"", cls);
	fputc('>', out);
	duban_html_escape(out, s);
	fputs("</text>", out);
}

static void figure_begin(FILE *out, const char *id, int height)
{
	fprintf(out, "<figure class=\"chart\">\n<svg class=\"chart\" id=\"%s\" width=\"%d\" height=\"%d\""
		     " viewBox=\"0 0 %d %d\" role=\"img\">\n", id, VIEW_W, height, VIEW_W, height);
}

static void figure_end(FILE *out, const char *caption)
{
	fputs("</svg>\n<figcaption>", out);
	duban_html_escape(out, caption);
	fputs("</figcaption>\n</figure>\n", out);
}

/* A bar: its label, a rect of value / scale of BAR_W, and the figure shown. */
struct bar {
	const char *label;
	double value, scale;
	const char *shown;
};

static void bar_row(FILE *out, int i, const struct bar *b)
{
	double y = 8 + (double)i * ROW_H;
	double w = b->scale > 0 ? BAR_W * b->value / b->scale : 0;
	fputs("<g class=\"bar\">", out);
	text_at(out, LABEL_W - 6, y + BAR_H - 3, "end", "label", b->label);
	fprintf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%.2f\" height=\"%d\"/>", LABEL_W, y, w, BAR_H);
	text_at(out, LABEL_W + w + 4, y + BAR_H - 3, "start", "value", b->shown);
	fputs("</g>\n", out);
}

/* The scale under n bars: gridlines and labels at whole steps up to top. */
static void bar_scale(FILE *out, int n, long long top, const char *unit)
{
	double y0 = 4, y1 = 8 + (double)n * ROW_H;
	int nticks = tick_count(top);
	for (int k = 0; k <= nticks; k++) {
		double x = LABEL_W + (double)BAR_W * k / nticks;
		char label[32];
		fprintf(out, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
			k == 0 ? "axis" : "grid", x, y0, x, y1);
		snprintf(label, sizeof label, "%lld%s", top * k / nticks, unit);
		text_at(out, x, y1 + 16, "middle", "tick x", label);
	}
	fputc('\n', out);
}

void duban_chart_rates(FILE *out, const struct duban_report *r, const char *caption)
{
	int n = r->ngroups < MAX_BARS ? r->ngroups : MAX_BARS;
	if (n == 0)
		return;
	figure_begin(out, "chart-rate", 8 + n * ROW_H + AXIS_H);
	bar_scale(out, n, 100, "%");
	for (int i = 0; i < n; i++) {
		const struct duban_report_group *g = &r->groups[i];
		char shown[32];
		double pct = g->items ? 100.0 * (double)g->done / (double)g->items : 0;
		if (g->items)
			snprintf(shown, sizeof shown, "%.1f%%", pct);
		else
			snprintf(shown, sizeof shown, "—");
		struct bar b = { g->name, pct, 100, shown };
		bar_row(out, i, &b);
	}
	if (r->ngroups > n) {
		char *s = xasprintf("%s（前%d名）", caption, n);
		figure_end(out, s);
		free(s);
		return;
	}
	figure_end(out, caption);
}

void duban_chart_statuses(FILE *out, const struct duban_report *r, const char *caption)
{
	long long max = 0;
	for (int i = 0; i < DUBAN_STATUS_COUNT; i++)
		if (r->by_status[i] > max)
			max = r->by_status[i];
	long long top = nice_max(max);
	figure_begin(out, "chart-status", 8 + DUBAN_STATUS_COUNT * ROW_H + AXIS_H);
	bar_scale(out, DUBAN_STATUS_COUNT, top, "");
	for (int i = 0; i < DUBAN_STATUS_COUNT; i++) {
		char shown[32];
		snprintf(shown, sizeof shown, "%lld", r->by_status[i]);
		struct bar b = { duban_status_zh((enum duban_status)i), (double)r->by_status[i], (double)top, shown };
		bar_row(out, i, &b);
	}
	figure_end(out, caption);
}

/* The line chart's plot area. */
#define PLOT_X0 60
#define PLOT_X1 610
#define PLOT_Y0 36
#define PLOT_Y1 216
#define LINE_H 260

static double point_x(int i, int n)
{
	return n > 1 ? PLOT_X0 + (double)(PLOT_X1 - PLOT_X0) * i / (n - 1) : (PLOT_X0 + PLOT_X1) / 2.0;
}

static double point_y(long long v, long long top)
{
	return PLOT_Y1 - (double)(PLOT_Y1 - PLOT_Y0) * (double)v / (double)top;
}

static void series(FILE *out, const struct duban_report *r, long long top, bool overdue)
{
	const char *cls = overdue ? "overdue" : "completed";
	fprintf(out, "<polyline class=\"series %s\" points=\"", cls);
	for (int i = 0; i < r->nweeks; i++) {
		long long v = overdue ? r->weeks[i].overdue : r->weeks[i].completed;
		fprintf(out, "%s%.2f,%.2f", i ? " " : "", point_x(i, r->nweeks), point_y(v, top));
	}
	fputs("\"/>\n", out);
	for (int i = 0; i < r->nweeks; i++) {
		long long v = overdue ? r->weeks[i].overdue : r->weeks[i].completed;
		fprintf(out, "<circle class=\"%s\" cx=\"%.2f\" cy=\"%.2f\" r=\"3\"/>", cls, point_x(i, r->nweeks),
			point_y(v, top));
	}
	fputc('\n', out);
}

/* The legend above the plot: a stroke of each colour and its name. */
static void legend(FILE *out)
{
	static const char *const names[2][2] = { { "completed", "本周完成" }, { "overdue", "周末逾期未完成" } };
	for (int k = 0; k < 2; k++) {
		double x = PLOT_X0 + 200.0 * k;
		fprintf(out, "<line class=\"%s\" x1=\"%.1f\" y1=\"14\" x2=\"%.1f\" y2=\"14\" stroke-width=\"2\"/>",
			names[k][0], x, x + 24);
		text_at(out, x + 30, 18, "start", "legend", names[k][1]);
	}
	fputc('\n', out);
}

void duban_chart_weeks(FILE *out, const struct duban_report *r, const char *caption)
{
	long long max = 0;
	if (r->nweeks == 0)
		return;
	for (int i = 0; i < r->nweeks; i++) {
		if (r->weeks[i].completed > max)
			max = r->weeks[i].completed;
		if (r->weeks[i].overdue > max)
			max = r->weeks[i].overdue;
	}
	long long top = nice_max(max);
	int nticks = tick_count(top);
	figure_begin(out, "chart-weeks", LINE_H);
	legend(out);
	for (int k = 0; k <= nticks; k++) {
		long long v = top * k / nticks;
		double y = point_y(v, top);
		char label[32];
		fprintf(out, "<line class=\"%s\" x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\"/>", k ? "grid" : "axis",
			PLOT_X0, y, PLOT_X1, y);
		snprintf(label, sizeof label, "%lld", v);
		text_at(out, PLOT_X0 - 6, y + 4, "end", "tick y", label);
	}
	fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", PLOT_X0, PLOT_Y0 - 6, PLOT_X0,
		PLOT_Y1);
	/* One date under each point, every other one when they would crowd. */
	int step = r->nweeks > 14 ? (r->nweeks + 13) / 14 : 1;
	for (int i = 0; i < r->nweeks; i++) {
		char d[11];
		if (i % step && i != r->nweeks - 1)
			continue;
		duban_date_format(r->weeks[i].from, d);
		text_at(out, point_x(i, r->nweeks), PLOT_Y1 + 16, "middle", "tick x", d + 5);
	}
	text_at(out, (PLOT_X0 + PLOT_X1) / 2.0, PLOT_Y1 + 36, "middle", "axis-label", "周（起始日期）");
	text_at(out, PLOT_X0 - 6, PLOT_Y0 - 12, "end", "axis-label", "项");
	fputc('\n', out);
	series(out, r, top, false);
	series(out, r, top, true);
	figure_end(out, caption);
}
