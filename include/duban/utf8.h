/* UTF-8 text for the terminal: display width, truncation, wrapping and
 * sanitising.  The one place that decides how many columns text takes. */
#ifndef DUBAN_UTF8_H
#define DUBAN_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* East-Asian ambiguous characters (·, “”, ○, ①, …) count as 2 columns when
 * set; default 1 (what most terminals do). */
void duban_utf8_set_ambiguous_wide(bool wide);
bool duban_utf8_ambiguous_wide(void);

/* Decodes one code point at s (up to len bytes).  Stores it in *cp and returns
 * the bytes consumed (>= 1); invalid or truncated sequences give U+FFFD and
 * consume 1 byte. */
size_t duban_utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Whether s holds only well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF), by the same rules as duban_utf8_decode. */
bool duban_utf8_valid(const char *s, size_t len);
size_t duban_utf8_encode(uint32_t cp, char out[4]);

/* Columns of one code point: 0 for combining/zero-width, 2 for wide, -1 for
 * control characters. */
int duban_cp_width(uint32_t cp);
/* Columns of a string; control characters count 0. */
int duban_str_width(const char *s);

/* How many bytes of s fit in cols columns without splitting a character. */
size_t duban_utf8_fit(const char *s, int cols);

/* Copy of s truncated to at most cols columns; when it must cut, it ends in
 * "…" (which counts as 1 column, or 2 with ambiguous wide).  Malloc'd. */
char *duban_truncate(const char *s, int cols);
/* Like duban_truncate but pads with spaces to exactly cols columns
 * (left-aligned; right-aligned when right is true). */
char *duban_pad(const char *s, int cols, bool right);

/* Wraps s to lines of at most cols columns: breaks at spaces for Latin text,
 * anywhere between CJK characters, never inside a character; honours '\n';
 * does not start a line with CJK closing punctuation (，。、；：？！）」』) when it
 * can avoid it.  Returns a NULL-terminated malloc'd array of malloc'd lines;
 * free with duban_lines_free. */
char **duban_wrap(const char *s, int cols);
void duban_lines_free(char **lines);
/* Closing punctuation that must not start a line (，。；：）」 …), as
 * duban_wrap avoids it: for editors that wrap on their own. */
bool duban_no_line_start(uint32_t cp);

/* Copy of s safe to print on a terminal: invalid UTF-8 -> U+FFFD, escape
 * sequences (CSI, OSC, DCS, …) and C0/C1 control characters removed; tabs and
 * newlines become spaces unless keep_newlines is set (then '\n' stays).
 * Malloc'd. */
char *duban_sanitize(const char *s, bool keep_newlines);
/* True when duban_sanitize would return s unchanged (NULL: true), so a
 * caller can use s as it is without the copy. */
bool duban_is_clean(const char *s, bool keep_newlines);
/* In one pass: the display width of s when duban_is_clean(s, false), else
 * -1; *len gets strlen(s).  A listing asks both of every cell. */
int duban_clean_width(const char *s, size_t *len);

#endif
