/* Small shared helpers: ids, memory, strings, paths, translation. */
#ifndef DUBAN_UTIL_H
#define DUBAN_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) (s)
#endif
#define N_(s) (s)
/* A message with a context, for a word that means two things in English:
 * "missing" evidence (缺失) and a "missing" 调度 submission (未报送).
 * NC_ marks it in a table, duban_pgettext translates either form. */
#define NC_(ctx, s) (ctx "\004" s)
#define C_(ctx, s) duban_pgettext(NC_(ctx, s))
/* The translation of a message, with or without its context (ctx\004msgid);
 * untranslated, the message without its context. */
const char *duban_pgettext(const char *msg);

/* Sets the locale and the message catalogue; call first in main. */
void duban_i18n_init(void);
/* The directory of the running program (malloc'd), NULL when unknown: an
 * uninstalled build finds its data (themes, templates, translations) from it. */
char *duban_exe_dir(void);

/* Allocation that aborts with a message on failure (client side). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* A growable string. */
struct duban_buf {
	char *data;
	size_t len, cap;
};
void duban_buf_init(struct duban_buf *b);
void duban_buf_add(struct duban_buf *b, const char *s, size_t n);
void duban_buf_puts(struct duban_buf *b, const char *s);
void duban_buf_putc(struct duban_buf *b, char c);
void duban_buf_printf(struct duban_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *duban_buf_steal(struct duban_buf *b); /* returns data (never NULL), resets b */
void duban_buf_free(struct duban_buf *b);

/* A random UUIDv4 in lower-case text (37 bytes with the NUL). */
void duban_uuid(char out[37]);
bool duban_uuid_valid(const char *s);

/* Trims ASCII and full-width (U+3000) spaces at both ends, in place. */
char *duban_trim(char *s);

/* XDG paths: $XDG_DATA_HOME/duban/ledger.db (~/.local/share/duban/ledger.db),
 * $XDG_CONFIG_HOME/duban/config.  Malloc'd. */
char *duban_default_db_path(void);
char *duban_config_path(void);
/* $XDG_STATE_HOME/duban/NAME (~/.local/state/duban/NAME): what the
 * interface keeps between runs. */
char *duban_state_path(const char *name);
/* mkdir -p of the directory part of path (mode 0700). 0 on success. */
int duban_mkdir_parent(const char *path);

/* How an output file (-o PATH) is written.  Every writer of a user-named
 * file asks this first. */
enum duban_out_kind {
	DUBAN_OUT_REPLACE, /* a new or regular file: temp file beside it, then rename */
	DUBAN_OUT_DIRECT,  /* a character device or FIFO: opened and written as is */
};
/* Decides how path is written: DUBAN_OUT_REPLACE with *target the file to
 * replace (for a symbolic link, the file it names: the link stays), or
 * DUBAN_OUT_DIRECT (*target a copy of path).  -1 with errno for what is
 * refused: a directory (EISDIR), a block device or socket (ENOTSUP), a
 * symbolic link to nothing (ENOENT).  *target malloc'd, NULL on -1. */
int duban_output_target(const char *path, char **target);
/* Opens a DUBAN_OUT_DIRECT target for writing (no create, no truncate). */
int duban_open_direct(const char *path);

/* Writes data to path as duban_output_target says: a regular file is
 * replaced atomically (temp file, fsync, rename), a device or FIFO written
 * directly.  0 on success, -1 with errno. */
int duban_write_file_atomic(const char *path, const char *data, size_t len, int mode);
/* Reads a whole file; NULL (errno set) on failure. *len may be NULL. */
char *duban_read_file(const char *path, size_t *len);

/* The extension of the file name at the end of path (".html"), or NULL. */
const char *duban_path_ext(const char *path);

/* The compiler that built this program, for --version. */
#if defined(__GNUC__) && !defined(__clang__)
#define DUBAN_COMPILER "gcc " __VERSION__
#elif defined(__VERSION__)
#define DUBAN_COMPILER __VERSION__
#else
#define DUBAN_COMPILER "unknown"
#endif

#endif
