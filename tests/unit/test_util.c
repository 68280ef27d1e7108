/* Tests of the small helpers: uuid, buffers, trim, paths, atomic files. */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "duban/util.h"
#include "tap.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_uuid(void)
{
	enum { N = 1000 };
	char **ids = xcalloc(N, sizeof *ids);
	int valid = 0, v4 = 0;
	for (int i = 0; i < N; i++) {
		char u[37];
		duban_uuid(u);
		valid += duban_uuid_valid(u) && strlen(u) == 36;
		v4 += u[14] == '4' && strchr("89ab", u[19]) != NULL;
		ids[i] = xstrdup(u);
	}
	is_int(valid, N, "1000 uuids are valid 8-4-4-4-12 lower-case");
	is_int(v4, N, "1000 uuids carry version 4 and the RFC 4122 variant");
	qsort(ids, N, sizeof *ids, cmp_str);
	int dups = 0;
	for (int i = 1; i < N; i++)
		dups += strcmp(ids[i - 1], ids[i]) == 0;
	is_int(dups, 0, "1000 uuids are unique");
	for (int i = 0; i < N; i++)
		free(ids[i]);
	free(ids);

	ok(duban_uuid_valid("123e4567-e89b-42d3-a456-426614174000"), "known uuid valid");
	ok(!duban_uuid_valid("123E4567-E89B-42D3-A456-426614174000"), "upper case rejected");
	ok(!duban_uuid_valid("123e4567e89b42d3a456426614174000"), "no dashes rejected");
	ok(!duban_uuid_valid("123e4567-e89b-42d3-a456-4266141740001"), "too long rejected");
	ok(!duban_uuid_valid("123e4567-e89b-42d3-a456-42661417400"), "too short rejected");
	ok(!duban_uuid_valid("123e4567-e89b-42d3-a456-42661417400g"), "non-hex rejected");
	ok(!duban_uuid_valid(""), "empty rejected");
	ok(!duban_uuid_valid(NULL), "NULL rejected");
}

static void test_alloc(void)
{
	char *s = xstrndup("abcdef", 3);
	is_str(s, "abc", "xstrndup cuts");
	free(s);
	s = xstrndup("ab", 10);
	is_str(s, "ab", "xstrndup stops at NUL");
	free(s);
	s = xasprintf("%s-%d-%s", "督办", 42, "x");
	is_str(s, "督办-42-x", "xasprintf");
	free(s);
	s = xasprintf("%s", "");
	is_str(s, "", "xasprintf empty");
	free(s);
	int *z = xcalloc(4, sizeof *z);
	ok(z[0] == 0 && z[3] == 0, "xcalloc zeroes");
	z = xrealloc(z, 100 * sizeof *z);
	ok(z[3] == 0, "xrealloc keeps contents");
	free(z);
	void *m = xmalloc(0);
	ok(m != NULL, "xmalloc(0) gives a pointer");
	free(m);
}

static void test_buf(void)
{
	struct duban_buf b;
	duban_buf_init(&b);
	char *s = duban_buf_steal(&b);
	is_str(s, "", "steal of an empty buf is \"\" not NULL");
	free(s);

	duban_buf_puts(&b, "整改");
	duban_buf_putc(&b, '-');
	duban_buf_add(&b, "abcdef", 3);
	duban_buf_printf(&b, "%03d%s", 7, "项");
	is_str(b.data, "整改-abc007项", "buf puts/putc/add/printf");
	is_int(b.len, strlen("整改-abc007项"), "buf len");
	duban_buf_add(&b, "", 0);
	is_int(b.len, strlen("整改-abc007项"), "adding nothing keeps len");

	for (int i = 0; i < 1000; i++)
		duban_buf_printf(&b, "%d,", i);
	ok(b.len < b.cap && b.data[b.len] == '\0', "buf grows and stays terminated");
	ok(strstr(b.data, "998,999,") != NULL, "buf keeps everything");
	size_t len = b.len;
	s = duban_buf_steal(&b);
	is_int(strlen(s), len, "steal returns the data");
	ok(b.data == NULL && b.len == 0 && b.cap == 0, "steal resets the buf");
	free(s);

	duban_buf_puts(&b, "x");
	duban_buf_free(&b);
	ok(b.data == NULL && b.len == 0, "free resets the buf");
	duban_buf_free(&b);
	ok(1, "double free of a buf is harmless");
}

static void check_trim(const char *in, const char *want, const char *name)
{
	char *s = xstrdup(in);
	is_str(duban_trim(s), want, name);
	free(s);
}

static void test_trim(void)
{
	check_trim("\u3000 x \u3000", "x", "trim U+3000 and spaces");
	check_trim("  abc  ", "abc", "trim ASCII spaces");
	check_trim("\t\r\n abc\n", "abc", "trim tabs and newlines");
	check_trim("", "", "trim empty");
	check_trim("   ", "", "trim all spaces");
	check_trim("\u3000\u3000", "", "trim all ideographic spaces");
	check_trim("\u3000 \u3000 \u3000", "", "trim mixed spaces only");
	check_trim("a b\u3000c", "a b\u3000c", "inner spaces kept");
	check_trim("整改　", "整改", "trailing ideographic space");
	check_trim("　整改", "整改", "leading ideographic space");
	check_trim("\xe3\x80", "\xe3\x80", "truncated U+3000 is not a space");
	check_trim("。", "。", "U+3002 is not a space");
	ok(duban_trim(NULL) == NULL, "trim NULL");
}

static void test_paths(void)
{
	setenv("HOME", "/home/inspector", 1);
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_CONFIG_HOME");
	char *p = duban_default_db_path();
	is_str(p, "/home/inspector/.local/share/duban/ledger.db", "db path from HOME");
	free(p);
	p = duban_config_path();
	is_str(p, "/home/inspector/.config/duban/config", "config path from HOME");
	free(p);

	setenv("XDG_DATA_HOME", "/srv/data", 1);
	setenv("XDG_CONFIG_HOME", "/srv/conf", 1);
	p = duban_default_db_path();
	is_str(p, "/srv/data/duban/ledger.db", "db path from XDG_DATA_HOME");
	free(p);
	p = duban_config_path();
	is_str(p, "/srv/conf/duban/config", "config path from XDG_CONFIG_HOME");
	free(p);

	setenv("XDG_DATA_HOME", "", 1);
	p = duban_default_db_path();
	is_str(p, "/home/inspector/.local/share/duban/ledger.db", "empty XDG_DATA_HOME ignored");
	free(p);
	setenv("XDG_CONFIG_HOME", "relative", 1);
	p = duban_config_path();
	is_str(p, "/home/inspector/.config/duban/config", "relative XDG_CONFIG_HOME ignored");
	free(p);
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_CONFIG_HOME");
}

static void test_files(void)
{
	char tmpl[] = "/tmp/duban-test-util-XXXXXX";
	char *dir = mkdtemp(tmpl);
	ok(dir != NULL, "mkdtemp");
	if (!dir)
		return;
	char *path = xasprintf("%s/a/b/c/ledger.db", dir);
	is_int(duban_mkdir_parent(path), 0, "mkdir_parent creates a/b/c");
	char *abc = xasprintf("%s/a/b/c", dir);
	struct stat st;
	ok(stat(abc, &st) == 0 && S_ISDIR(st.st_mode), "a/b/c is a directory");
	is_int(st.st_mode & 0777, 0700, "made with mode 0700");
	is_int(duban_mkdir_parent(path), 0, "mkdir_parent again is fine");
	is_int(duban_mkdir_parent("ledger.db"), 0, "no directory part is fine");

	const char *text = "督办台账\n第二行\n";
	is_int(duban_write_file_atomic(path, text, strlen(text), 0600), 0, "atomic write");
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "written with mode 0600");
	size_t len = 0;
	char *back = duban_read_file(path, &len);
	is_str(back, text, "read back");
	is_int(len, strlen(text), "read back length");
	free(back);

	is_int(duban_write_file_atomic(path, "x", 1, 0644), 0, "atomic overwrite");
	back = duban_read_file(path, NULL);
	is_str(back, "x", "overwrite read back with NULL len");
	free(back);

	is_int(duban_write_file_atomic(path, "", 0, 0600), 0, "atomic write of nothing");
	back = duban_read_file(path, &len);
	ok(back && len == 0 && back[0] == '\0', "empty file reads as \"\"");
	free(back);

	/* A larger body crosses the read chunk size. */
	size_t big = 100000;
	char *data = xmalloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)('a' + i % 26);
	is_int(duban_write_file_atomic(path, data, big, 0600), 0, "atomic write 100 kB");
	back = duban_read_file(path, &len);
	ok(back && len == big && memcmp(back, data, big) == 0, "100 kB read back intact");
	free(back);
	free(data);

	char *missing = xasprintf("%s/nope", dir);
	errno = 0;
	ok(duban_read_file(missing, NULL) == NULL && errno == ENOENT, "missing file: NULL, ENOENT");
	char *nodir = xasprintf("%s/nope/file", dir);
	ok(duban_write_file_atomic(nodir, "x", 1, 0600) != 0, "write into a missing dir fails");

	/* A plain file where a directory should be. */
	char *blocker = xasprintf("%s/a/b/c/ledger.db/x", dir);
	ok(duban_mkdir_parent(blocker) != 0, "mkdir_parent over a file fails");

	unlink(path);
	rmdir(abc);
	char *ab = xasprintf("%s/a/b", dir), *a = xasprintf("%s/a", dir);
	rmdir(ab);
	rmdir(a);
	ok(rmdir(dir) == 0, "no temp files left behind");
	free(path), free(abc), free(missing), free(nodir), free(blocker), free(ab), free(a);
}

int main(void)
{
	duban_i18n_init();
	test_uuid();
	test_alloc();
	test_buf();
	test_trim();
	test_paths();
	test_files();
	return done_testing();
}
