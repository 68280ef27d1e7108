/* Small shared helpers: ids, memory, strings, paths, translation. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "duban/util.h"

char *duban_exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	char *slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return xstrdup(buf);
}

/* An uninstalled build keeps its catalogues in locale/ next to the program
 * (the build directory): run from there, duban speaks the user's language
 * before anything is installed.  NULL for an installed program. */
static char *own_locale_dir(void)
{
	char *dir = duban_exe_dir();
	char *locale = dir ? xasprintf("%s/locale", dir) : NULL;
	struct stat sb;

	free(dir);
	if (locale && stat(locale, &sb) == 0 && S_ISDIR(sb.st_mode))
		return locale;
	free(locale);
	return NULL;
}

const char *duban_pgettext(const char *msg)
{
	const char *t = _(msg), *eot = strchr(msg, '\004');

	return t == msg && eot ? eot + 1 : t;
}

void duban_i18n_init(void)
{
	setlocale(LC_ALL, "");
#ifdef ENABLE_NLS
	/* Tests point at their own catalogue; uninstalled builds find theirs. */
	const char *dir = getenv("DUBAN_LOCALEDIR");
	char *own = dir && *dir ? NULL : own_locale_dir();

	bindtextdomain(PACKAGE, dir && *dir ? dir : own ? own : LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
	free(own);
#endif
}

/* ---------------------------------------------------------------- memory */

static void out_of_memory(void)
{
	fputs(_("duban: out of memory"), stderr);
	fputc('\n', stderr);
	abort();
}

void *xmalloc(size_t n)
{
	/* malloc(0) may legally return NULL; callers expect a pointer. */
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory();
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		out_of_memory();
	char *p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

/* ---------------------------------------------------------------- buf */

void duban_buf_init(struct duban_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

static void buf_reserve(struct duban_buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void duban_buf_add(struct duban_buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void duban_buf_puts(struct duban_buf *b, const char *s)
{
	duban_buf_add(b, s, strlen(s));
}

void duban_buf_putc(struct duban_buf *b, char c)
{
	duban_buf_add(b, &c, 1);
}

void duban_buf_printf(struct duban_buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		va_end(ap);
		return;
	}
	buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *duban_buf_steal(struct duban_buf *b)
{
	char *p = b->data ? b->data : xstrdup("");
	duban_buf_init(b);
	return p;
}

void duban_buf_free(struct duban_buf *b)
{
	free(b->data);
	duban_buf_init(b);
}

/* ---------------------------------------------------------------- uuid */

static int read_urandom(unsigned char *p, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(fd);
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	close(fd);
	return 0;
}

static void random_bytes(unsigned char *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(p + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got == n)
		return;
	/* Old kernels or seccomp filters may refuse getrandom(). */
	if (read_urandom(p + got, n - got) == 0)
		return;
	fputs(_("duban: no source of random numbers"), stderr);
	fputc('\n', stderr);
	abort();
}

void duban_uuid(char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	random_bytes(r, sizeof r);
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[r[i] >> 4];
		*o++ = hex[r[i] & 0x0f];
	}
	*o = '\0';
}

static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Accepts any lower-case 8-4-4-4-12 form: ids made by other clients need not
 * be version 4, they only need to be canonical so that equal ids compare
 * equal as text. */
bool duban_uuid_valid(const char *s)
{
	if (!s)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !is_lower_hex(s[i]))
			return false;
	}
	return s[36] == '\0';
}

/* ---------------------------------------------------------------- trim */

static size_t space_at(const char *s)
{
	if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
		return 1;
	if ((unsigned char)s[0] == 0xe3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
		return 3;
	return 0;
}

static size_t space_before(const char *s, size_t end)
{
	if (end >= 1 && space_at(s + end - 1) == 1)
		return 1;
	if (end >= 3 && space_at(s + end - 3) == 3)
		return 3;
	return 0;
}

char *duban_trim(char *s)
{
	if (!s)
		return s;
	size_t start = 0, n;
	while ((n = space_at(s + start)) > 0)
		start += n;
	size_t end = strlen(s);
	while (end > start && (n = space_before(s, end)) > 0 && end - n >= start)
		end -= n;
	memmove(s, s + start, end - start);
	s[end - start] = '\0';
	return s;
}

/* ---------------------------------------------------------------- paths */

static char *xdg_path(const char *var, const char *fallback, const char *leaf)
{
	const char *base = getenv(var);
	/* The XDG spec says relative values are invalid and must be ignored. */
	if (base && base[0] == '/')
		return xasprintf("%s/duban/%s", base, leaf);
	const char *home = getenv("HOME");
	if (!home || !home[0])
		home = ".";
	return xasprintf("%s/%s/duban/%s", home, fallback, leaf);
}

char *duban_default_db_path(void)
{
	return xdg_path("XDG_DATA_HOME", ".local/share", "ledger.db");
}

char *duban_config_path(void)
{
	return xdg_path("XDG_CONFIG_HOME", ".config", "config");
}

char *duban_state_path(const char *name)
{
	return xdg_path("XDG_STATE_HOME", ".local/state", name);
}

int duban_mkdir_parent(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		bool last = *p == '\0';
		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			int e = errno;
			free(dir);
			errno = e;
			return -1;
		}
		if (last)
			break;
		*p = '/';
	}
	/* mkdir reports EEXIST for a plain file too. */
	struct stat st;
	int rc = stat(dir, &st);
	if (rc == 0 && !S_ISDIR(st.st_mode)) {
		rc = -1;
		errno = ENOTDIR;
	}
	int e = errno;
	free(dir);
	errno = e;
	return rc;
}

/* ---------------------------------------------------------------- files */

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, data, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		data += w;
		len -= (size_t)w;
	}
	return 0;
}

static void fsync_dir_of(const char *path)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Best effort: some file systems refuse fsync on directories. */
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

static int replace_file(const char *path, const char *data, size_t len, int mode);

int duban_output_target(const char *path, char **target)
{
	*target = NULL;
	struct stat sb;
	if (lstat(path, &sb) != 0) {
		if (errno != ENOENT)
			return -1;
		*target = xstrdup(path);
		return DUBAN_OUT_REPLACE;
	}
	char *real = NULL;
	/* A symbolic link is written through: the file it names is replaced,
	 * the link stays.  One that names nothing is refused (ENOENT). */
	if (S_ISLNK(sb.st_mode)) {
		real = realpath(path, NULL);
		if (!real || stat(real, &sb) != 0) {
			int e = errno;
			free(real);
			errno = e;
			return -1;
		}
	}
	if (S_ISREG(sb.st_mode)) {
		*target = real ? real : xstrdup(path);
		return DUBAN_OUT_REPLACE;
	}
	free(real);
	/* A terminal, /dev/null or a named pipe is written to as the shell's >
	 * would: renaming a file over it would destroy the device node. */
	if (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode)) {
		*target = xstrdup(path);
		return DUBAN_OUT_DIRECT;
	}
	errno = S_ISDIR(sb.st_mode) ? EISDIR : ENOTSUP;
	return -1;
}

int duban_open_direct(const char *path)
{
	/* No O_CREAT: the file exists; no O_TRUNC: a device or pipe has no
	 * length, and O_TRUNC is not meant for them. */
	return open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

static int write_direct(const char *path, const char *data, size_t len)
{
	int fd = duban_open_direct(path);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, len) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return close(fd);
}

int duban_write_file_atomic(const char *path, const char *data, size_t len, int mode)
{
	char *real = NULL;
	int kind = duban_output_target(path, &real);
	if (kind < 0)
		return -1;
	if (kind == DUBAN_OUT_DIRECT) {
		free(real);
		return write_direct(path, data, len);
	}
	int rc = replace_file(real, data, len, mode);
	int e = errno;
	free(real);
	errno = e;
	return rc;
}

/* Writes data to path through a temporary file beside it, fsync, rename. */
static int replace_file(const char *path, const char *data, size_t len, int mode)
{
	char *tmp = xasprintf("%s.tmp.XXXXXX", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		errno = e;
		return -1;
	}
	if (fchmod(fd, (mode_t)mode) != 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		errno = e;
		return -1;
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		free(tmp);
		errno = e;
		return -1;
	}
	free(tmp);
	fsync_dir_of(path);
	return 0;
}

char *duban_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct duban_buf b;
	duban_buf_init(&b);
	char chunk[8192];
	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			duban_buf_free(&b);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		duban_buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	if (len)
		*len = b.len;
	return duban_buf_steal(&b);
}

const char *duban_path_ext(const char *path)
{
	const char *slash = strrchr(path, '/');
	return strrchr(slash ? slash + 1 : path, '.');
}
