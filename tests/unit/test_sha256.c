/* Tests of SHA-256: the FIPS 180-4 example vectors, chunked updates, files. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duban/sha256.h"
#include "tap.h"

static void test_vectors(void)
{
	char hex[65];
	duban_sha256_data_hex("", 0, hex);
	is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty message");
	duban_sha256_data_hex("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "\"abc\"");
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	duban_sha256_data_hex(m448, strlen(m448), hex);
	is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "448-bit message");
	const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			   "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	duban_sha256_data_hex(m896, strlen(m896), hex);
	is_str(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1", "896-bit message");

	char *million = malloc(1000000);
	memset(million, 'a', 1000000);
	duban_sha256_data_hex(million, 1000000, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "one million 'a'");

	/* The same million fed in uneven pieces crosses every block boundary case. */
	struct duban_sha256 c;
	unsigned char d[32];
	duban_sha256_init(&c);
	size_t off = 0, step = 1;
	while (off < 1000000) {
		size_t n = step < 1000000 - off ? step : 1000000 - off;
		duban_sha256_update(&c, million + off, n);
		off += n;
		step = step * 7 % 193 + 1;
	}
	duban_sha256_final(&c, d);
	duban_sha256_hex(d, hex);
	is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "one million 'a' in chunks");
	free(million);
}

/* Lengths around the padding boundary (55, 56, 63, 64, 65 bytes): byte by
 * byte must equal one shot. */
static void test_chunked(void)
{
	unsigned char msg[200];
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)(i * 31 + 7);
	int same = 0, tried = 0;
	for (size_t len = 0; len <= sizeof msg; len++) {
		char one[65], bytes[65];
		duban_sha256_data_hex(msg, len, one);
		struct duban_sha256 c;
		unsigned char d[32];
		duban_sha256_init(&c);
		for (size_t i = 0; i < len; i++)
			duban_sha256_update(&c, msg + i, 1);
		duban_sha256_update(&c, msg, 0);
		duban_sha256_final(&c, d);
		duban_sha256_hex(d, bytes);
		same += strcmp(one, bytes) == 0;
		tried++;
	}
	is_int(same, tried, "byte-by-byte updates equal one shot for lengths 0..200");

	char a[65], b[65];
	duban_sha256_data_hex("abd", 3, a);
	duban_sha256_data_hex("abc", 3, b);
	ok(strcmp(a, b) != 0, "one changed byte changes the digest");
}

static void test_file(void)
{
	char path[] = "/tmp/duban-sha256-XXXXXX";
	int fd = mkstemp(path);
	ok(fd >= 0, "temp file");
	if (fd < 0)
		return;
	/* 200,000 bytes: more than one read chunk. */
	size_t n = 200000;
	char *data = malloc(n);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	ok(write(fd, data, n) == (ssize_t)n, "temp file written");
	close(fd);
	char want[65], got[65];
	long long size = -1;
	duban_sha256_data_hex(data, n, want);
	is_int(duban_sha256_file_hex(path, got, &size), 0, "file hashed");
	is_str(got, want, "file digest equals buffer digest");
	is_int(size, (long long)n, "file size reported");
	free(data);

	FILE *f = fopen(path, "w");
	fclose(f);
	is_int(duban_sha256_file_hex(path, got, NULL), 0, "empty file hashed");
	is_str(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty file digest");
	unlink(path);
	is_int(duban_sha256_file_hex(path, got, NULL), -1, "missing file fails");
}

int main(void)
{
	test_vectors();
	test_chunked();
	test_file();
	return done_testing();
}
