/* Self-contained HTML documents: escaping and the shared page style. */
#include <config.h>

#include "duban/html.h"

void duban_html_escape(FILE *out, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

void duban_html_escape_lines(FILE *out, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		if (*s == '\r')
			continue;
		if (*s == '\n') {
			fputs("<br>", out);
			continue;
		}
		char one[2] = { *s, '\0' };
		duban_html_escape(out, one);
	}
}

/* Word and WPS ignore most of CSS but honour fonts, borders and widths; the
 * @page rule is for browsers printing to A4. */
static const char page_style[] =
	"@page { size: A4; margin: 25mm 20mm; }\n"
	"body { font-family: 'FangSong', '仿宋', 'SimSun', '宋体', 'Noto Serif CJK SC', "
	"'WenQuanYi Micro Hei', serif; font-size: 12pt; line-height: 1.6; color: #000; "
	"max-width: 190mm; margin: 0 auto; }\n"
	"h1 { font-family: 'SimHei', '黑体', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif; "
	"font-size: 18pt; text-align: center; margin: 0.5em 0; }\n"
	"h2 { font-family: 'SimHei', '黑体', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif; "
	"font-size: 14pt; margin: 1em 0 0.4em; page-break-after: avoid; }\n"
	"p { margin: 0.3em 0; text-indent: 2em; }\n"
	"p.meta { text-align: center; text-indent: 0; }\n"
	"table { border-collapse: collapse; width: 100%; margin: 0.4em 0; font-size: 10.5pt; }\n"
	"th, td { border: 1px solid #000; padding: 2pt 4pt; vertical-align: top; }\n"
	"th { background: #e8e8e8; font-weight: bold; text-align: center; }\n"
	"td.num { text-align: right; white-space: nowrap; }\n"
	"tr { page-break-inside: avoid; }\n"
	"thead { display: table-header-group; }\n"
	"tr.overdue td { background: #fde2e2; }\n"
	"@media print { th { background: #e8e8e8 !important; -webkit-print-color-adjust: exact; "
	"print-color-adjust: exact; } }\n";

void duban_html_begin(FILE *out, const char *title, const char *extra_css)
{
	fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>", out);
	duban_html_escape(out, title);
	fputs("</title>\n<style>\n", out);
	fputs(page_style, out);
	if (extra_css)
		fputs(extra_css, out);
	fputs("</style>\n</head>\n<body>\n", out);
}

void duban_html_end(FILE *out)
{
	fputs("</body>\n</html>\n", out);
}
