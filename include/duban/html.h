/* Self-contained HTML documents (bulletins, public lists, letters): one file
 * with its style inline, no scripts and nothing fetched, that prints on A4
 * and opens in a browser, Word and WPS. */
#ifndef DUBAN_HTML_H
#define DUBAN_HTML_H

#include <stdio.h>

/* Writes s with & < > " ' escaped; NULL writes nothing. */
void duban_html_escape(FILE *out, const char *s);
/* The same, with each line break turned into <br>. */
void duban_html_escape_lines(FILE *out, const char *s);
/* <!DOCTYPE html> … <body>: UTF-8, the title escaped, the shared print style
 * (A4 margins, Chinese serif body, tables with borders that do not break
 * rows across pages) plus extra_css when not NULL. */
void duban_html_begin(FILE *out, const char *title, const char *extra_css);
void duban_html_end(FILE *out);

#endif
