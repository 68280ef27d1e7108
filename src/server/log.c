/* duband's diagnostic log on standard error.  Its lines carry strings that
 * clients chose (device names, paths, codes inside store messages): every
 * control character, every C1 control and every byte that is not UTF-8 is
 * written as \xNN, so a client can neither forge a line nor send escape
 * sequences to the administrator's terminal.  The access log has its own
 * logfmt escaping (http.c). */
#include <config.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "duban/utf8.h"
#include "duban/util.h"
#include "server.h"

void srv_log_escape(struct duban_buf *b, const char *s)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			duban_buf_putc(b, (char)c);
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = c < 0x80 ? 1 : duban_utf8_decode(s + i, len - i, &cp);
		bool printable = c >= 0x80 && !(cp == 0xFFFD && n == 1) && !(cp >= 0x80 && cp < 0xA0);
		if (printable)
			duban_buf_printf(b, "%.*s", (int)n, s + i);
		else
			for (size_t k = 0; k < n; k++)
				duban_buf_printf(b, "\\x%02x", (unsigned char)s[i + k]);
		i += n;
	}
}

void srv_log(const char *fmt, ...)
{
	struct duban_buf b;
	char text[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	duban_buf_init(&b);
	duban_buf_puts(&b, "duband: ");
	srv_log_escape(&b, text);
	duban_buf_putc(&b, '\n');
	/* One write per line: lines of concurrent requests do not interleave. */
	fwrite(b.data, 1, b.len, stderr);
	fflush(stderr);
	duban_buf_free(&b);
}
