/* The inline SVG charts of the HTML bulletin (report_chart.c). */
#ifndef DUBAN_REPORT_CHART_H
#define DUBAN_REPORT_CHART_H

#include <stdio.h>

#include "duban/report.h"

/* The charts' part of the page style. */
extern const char duban_chart_css[];
/* Completion rate of the ranked groups (counties or lead units), a bar each
 * in rank order, the first 30 when there are more. */
void duban_chart_rates(FILE *out, const struct duban_report *r, const char *caption);
/* Items per status as of the bulletin's day, a bar each. */
void duban_chart_statuses(FILE *out, const struct duban_report *r, const char *caption);
/* Items completed within each week and overdue at its end: two lines. */
void duban_chart_weeks(FILE *out, const struct duban_report *r, const char *caption);

#endif
