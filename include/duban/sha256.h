/* SHA-256 (FIPS 180-4): attachment contents are named by their hash, and the
 * server stores only the hash of a login token.  Portable C, no dependencies. */
#ifndef DUBAN_SHA256_H
#define DUBAN_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define DUBAN_SHA256_LEN 32
#define DUBAN_SHA256_HEX_LEN 64

struct duban_sha256 {
	uint32_t h[8];
	uint64_t bytes;        /* total message length so far */
	unsigned char buf[64]; /* partial block */
	size_t nbuf;
};

void duban_sha256_init(struct duban_sha256 *c);
void duban_sha256_update(struct duban_sha256 *c, const void *data, size_t len);
/* Writes the digest; c must be initialised again before reuse. */
void duban_sha256_final(struct duban_sha256 *c, unsigned char out[DUBAN_SHA256_LEN]);

/* Lower-case hex of a digest (65 bytes with the NUL). */
void duban_sha256_hex(const unsigned char digest[DUBAN_SHA256_LEN], char out[DUBAN_SHA256_HEX_LEN + 1]);
/* One-shot: hex digest of a buffer. */
void duban_sha256_data_hex(const void *data, size_t len, char out[DUBAN_SHA256_HEX_LEN + 1]);
/* Hex digest of a whole file, read in chunks; *size (may be NULL) receives
 * its length.  0 on success, -1 with errno set. */
int duban_sha256_file_hex(const char *path, char out[DUBAN_SHA256_HEX_LEN + 1], long long *size);

#endif
