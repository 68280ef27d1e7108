#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "duban/util.h"
#include "store_internal.h"

/* A trigram index cannot find 2-character Chinese terms, and a LIKE scan is
 * far over the search budget (DESIGN §7), so CJK text is indexed as
 * overlapping bigrams with the unigram of each character at the same
 * position.  Terms of 2 or more characters then hit only the (rare) bigram
 * doclists, and 1-character terms still have something to match. */

enum char_class { CC_SEP, CC_ALNUM, CC_CJK };

/* Decodes one code point; an invalid or truncated sequence is taken as a
 * single separator byte so that offsets always stay inside the text. */
static int decode(const unsigned char *s, int len, uint32_t *cp)
{
	unsigned c = s[0];
	int n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		goto bad;
	}
	if (n > len)
		goto bad;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		goto bad;
	*cp = v;
	return n;
bad:
	*cp = 0xFFFD;
	return 1;
}

static bool is_cjk(uint32_t cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) ||
	       (cp >= 0x3400 && cp <= 0x4DBF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0x20000 && cp <= 0x323AF) ||
	       /* 々〆〇 are letters inside the punctuation block; 〇 writes
	        * years such as 二〇二一. */
	       (cp >= 0x3005 && cp <= 0x3007) ||
	       (cp >= 0x3041 && cp <= 0x30FA) ||
	       (cp >= 0x30FC && cp <= 0x30FF) ||
	       (cp >= 0x31F0 && cp <= 0x31FF) ||
	       (cp >= 0xAC00 && cp <= 0xD7A3);
}

static bool is_latin_alnum(uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
		       (cp >= 'A' && cp <= 'Z');
	if (cp >= 0xC0 && cp <= 0x24F)
		return cp != 0xD7 && cp != 0xF7;
	return (cp >= 0x370 && cp <= 0x3FF && cp != 0x37E && cp != 0x387) ||
	       (cp >= 0x400 && cp <= 0x52F) ||
	       (cp >= 0x1E00 && cp <= 0x1EFF) ||
	       (cp >= 0xFF10 && cp <= 0xFF19) ||
	       (cp >= 0xFF21 && cp <= 0xFF3A) ||
	       (cp >= 0xFF41 && cp <= 0xFF5A);
}

static enum char_class classify(uint32_t cp)
{
	if (is_latin_alnum(cp))
		return CC_ALNUM;
	if (cp >= 0x3400 && is_cjk(cp))
		return CC_CJK;
	return CC_SEP;
}

/* Folds so that "ZJ", "zj" and "ＺＪ" index alike. */
static uint32_t fold(uint32_t cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 0x20;
	if (cp >= 0xFF10 && cp <= 0xFF19)
		return cp - 0xFF10 + '0';
	if (cp >= 0xFF21 && cp <= 0xFF3A)
		return cp - 0xFF21 + 'a';
	if (cp >= 0xFF41 && cp <= 0xFF5A)
		return cp - 0xFF41 + 'a';
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		return cp + 0x20;
	return cp;
}

static int encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* The tokenizer keeps no state, but FTS5 wants a distinct non-NULL object. */
struct bigram_tokenizer {
	int unused;
};

static int bigram_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
	(void)ctx;
	(void)argv;
	(void)argc;
	struct bigram_tokenizer *t = calloc(1, sizeof *t);
	if (!t)
		return SQLITE_NOMEM;
	*out = (Fts5Tokenizer *)t;
	return SQLITE_OK;
}

static void bigram_delete(Fts5Tokenizer *t)
{
	free(t);
}

typedef int (*token_fn)(void *, int, const char *, int, int, int);

/* Emits a CJK run of n characters starting at byte offset `start`; off[i] is
 * the byte offset of character i and off[n] the end of the run. */
static int emit_cjk_run(const char *text, const int *off, int n, bool query,
			bool more_follows, void *ctx, token_fn tok)
{
	int rc;

	if (!query || n == 1) {
		for (int i = 0; i < n; i++) {
			rc = tok(ctx, 0, text + off[i], off[i + 1] - off[i], off[i], off[i + 1]);
			if (rc != SQLITE_OK)
				return rc;
			if (!query && i + 1 < n) {
				rc = tok(ctx, FTS5_TOKEN_COLOCATED, text + off[i],
					 off[i + 2] - off[i], off[i], off[i + 2]);
				if (rc != SQLITE_OK)
					return rc;
			}
		}
		return SQLITE_OK;
	}
	for (int i = 0; i + 1 < n; i++) {
		rc = tok(ctx, 0, text + off[i], off[i + 2] - off[i], off[i], off[i + 2]);
		if (rc != SQLITE_OK)
			return rc;
	}
	/* n characters take n positions in a document but only n-1 bigrams here;
	 * the last character's unigram restores the count so that a token after
	 * the run lines up.  It is only needed then: a lone term stays on the
	 * small bigram doclists. */
	if (more_follows)
		return tok(ctx, 0, text + off[n - 1], off[n] - off[n - 1],
			   off[n - 1], off[n]);
	return SQLITE_OK;
}

/* Whether any alnum or CJK character occurs in s[0..len). */
static bool has_token_char(const char *s, int len)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t cp;

	for (int i = 0; i < len;) {
		i += decode(u + i, len - i, &cp);
		if (classify(cp) != CC_SEP)
			return true;
	}
	return false;
}

static int bigram_tokenize(Fts5Tokenizer *t, void *ctx, int flags,
			   const char *text, int len, token_fn tok)
{
	(void)t;
	const unsigned char *u = (const unsigned char *)text;
	/* AUX (highlight, snippet) tokenizes stored documents, so it must see
	 * the same positions as the index. */
	bool query = (flags & FTS5_TOKENIZE_QUERY) != 0;
	char sbuf[256];
	char *buf = sbuf;
	int cap = (int)sizeof sbuf;
	int offs[64];
	int *off = offs;
	int offcap = (int)(sizeof offs / sizeof offs[0]);
	int rc = SQLITE_OK;
	int i = 0;
	uint32_t cp;

	if (!text || len <= 0)
		return SQLITE_OK;
	while (i < len && rc == SQLITE_OK) {
		int n = decode(u + i, len - i, &cp);
		enum char_class cc = classify(cp);

		if (cc == CC_SEP) {
			i += n;
		} else if (cc == CC_ALNUM) {
			int start = i, blen = 0;

			while (i < len) {
				n = decode(u + i, len - i, &cp);
				if (classify(cp) != CC_ALNUM)
					break;
				if (blen + 4 > cap) {
					int ncap = cap * 2;
					char *nb = buf == sbuf ? malloc((size_t)ncap) : realloc(buf, (size_t)ncap);
					if (!nb) {
						rc = SQLITE_NOMEM;
						goto out;
					}
					if (buf == sbuf)
						memcpy(nb, sbuf, (size_t)blen);
					buf = nb;
					cap = ncap;
				}
				blen += encode(fold(cp), buf + blen);
				i += n;
			}
			rc = tok(ctx, 0, buf, blen, start, i);
		} else {
			int cnt = 0;

			while (i < len) {
				n = decode(u + i, len - i, &cp);
				if (classify(cp) != CC_CJK)
					break;
				if (cnt + 2 > offcap) {
					int ncap = offcap * 2;
					int *no = off == offs ? malloc(sizeof *no * (size_t)ncap)
							      : realloc(off, sizeof *no * (size_t)ncap);
					if (!no) {
						rc = SQLITE_NOMEM;
						goto out;
					}
					if (off == offs)
						memcpy(no, offs, sizeof offs);
					off = no;
					offcap = ncap;
				}
				off[cnt++] = i;
				i += n;
			}
			off[cnt] = i;
			rc = emit_cjk_run(text, off, cnt, query,
					  query && has_token_char(text + i, len - i), ctx, tok);
		}
	}
out:
	if (buf != sbuf)
		free(buf);
	if (off != offs)
		free(off);
	return rc;
}

int duban_fts_register(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
	if (!api || api->iVersion < 2)
		return SQLITE_ERROR;

	fts5_tokenizer t = {
		.xCreate = bigram_create,
		.xDelete = bigram_delete,
		.xTokenize = bigram_tokenize,
	};
	return api->xCreateTokenizer(api, "duban_bigram", NULL, &t, NULL);
}

static bool is_space_at(const char *s, size_t *n)
{
	unsigned char c = (unsigned char)*s;

	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
		*n = 1;
		return true;
	}
	if (c == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80) {
		*n = 3;
		return true;
	}
	return false;
}

/* The next searchable term of what a user typed at *p (moved past it):
 * its bytes [*start, *start + *len) and whether it is a prefix; false at the
 * end.  duban_fts_match_expr and the scan (text_match) share it, so both
 * read a search alike. */
static bool next_term(const char **p, const char **start, int *len, bool *prefix)
{
	size_t sp;

	while (**p) {
		if (is_space_at(*p, &sp)) {
			*p += sp;
			continue;
		}
		const char *s = *p;
		while (**p && !is_space_at(*p, &sp))
			(*p)++;
		size_t tlen = (size_t)(*p - s);
		if (tlen > INT32_MAX / 2 || !has_token_char(s, (int)tlen))
			continue;

		/* The last code point decides whether the user is still typing a
		 * word (prefix) or has finished a CJK phrase. */
		const unsigned char *u = (const unsigned char *)s;
		size_t last = tlen - 1;
		while (last > 0 && (u[last] & 0xC0) == 0x80)
			last--;
		uint32_t cp;
		decode(u + last, (int)(tlen - last), &cp);
		*start = s;
		*len = (int)tlen;
		*prefix = classify(cp) == CC_ALNUM;
		return true;
	}
	return false;
}

char *duban_fts_match_expr(const char *text)
{
	struct duban_buf b;
	const char *p = text, *start;
	int len;
	bool prefix, any = false;

	if (!text)
		return NULL;
	duban_buf_init(&b);
	while (next_term(&p, &start, &len, &prefix)) {
		if (any)
			duban_buf_puts(&b, " AND ");
		duban_buf_putc(&b, '"');
		for (const char *q = start; q < start + len; q++) {
			if (*q == '"')
				duban_buf_putc(&b, '"');
			duban_buf_putc(&b, *q);
		}
		duban_buf_putc(&b, '"');
		if (prefix)
			duban_buf_puts(&b, " *");
		any = true;
	}
	if (!any) {
		duban_buf_free(&b);
		return NULL;
	}
	return duban_buf_steal(&b);
}

/* ---------------------------------------------------------------- the scan */

/* The tokens the tokenizer gives a text, with FTS5's positions: a token
 * takes the next position unless it is colocated with the one before. */
struct toks {
	struct duban_buf bytes; /* every token's bytes, one after the other */
	struct tok {
		int pos, off, len;
	} *t;
	int n, cap, pos;
};

static int toks_add(void *ctx, int flags, const char *token, int len, int start, int end)
{
	struct toks *k = ctx;

	(void)start;
	(void)end;
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 64;
		k->t = xrealloc(k->t, (size_t)k->cap * sizeof *k->t);
	}
	if (!(flags & FTS5_TOKEN_COLOCATED) && k->n > 0)
		k->pos++;
	k->t[k->n].pos = k->pos;
	k->t[k->n].off = (int)k->bytes.len;
	k->t[k->n++].len = len;
	duban_buf_add(&k->bytes, token, (size_t)len);
	return SQLITE_OK;
}

static void toks_fill(struct toks *k, const char *text, int len, int flags)
{
	k->n = 0;
	k->pos = 0;
	k->bytes.len = 0;
	bigram_tokenize(NULL, k, flags, text, len, toks_add);
}

static void toks_free(struct toks *k)
{
	duban_buf_free(&k->bytes);
	free(k->t);
}

static bool tok_eq(const struct toks *d, int i, const struct toks *q, int j, bool prefix)
{
	const struct tok *a = &d->t[i], *b = &q->t[j];

	if (prefix ? a->len < b->len : a->len != b->len)
		return false;
	return memcmp(d->bytes.data + a->off, q->bytes.data + b->off, (size_t)b->len) == 0;
}

/* Whether doc token i's position is followed, position by position, by
 * the query's tokens (the last one a prefix when prefix): FTS5's phrase. */
static bool phrase_at(const struct toks *d, int i, const struct toks *q, bool prefix)
{
	int p = d->t[i].pos;

	for (int j = 1; j < q->n; j++) {
		bool found = false;
		/* Tokens come in position order: skip to position p + j. */
		while (i < d->n && d->t[i].pos < p + j)
			i++;
		for (int k = i; k < d->n && d->t[k].pos == p + j && !found; k++)
			found = tok_eq(d, k, q, j, prefix && j == q->n - 1);
		if (!found)
			return false;
	}
	return true;
}

static bool phrase_in(const struct toks *d, const struct toks *q, bool prefix)
{
	for (int i = 0; i < d->n; i++)
		if (tok_eq(d, i, q, 0, prefix && q->n == 1) && phrase_at(d, i, q, prefix))
			return true;
	return false;
}

#define SCAN_COLUMNS 5

/* duban_text_match(TEXT, code, title, description, units, measures): 1
 * when the row's columns hold every term of TEXT, as
 * `item_fts MATCH duban_fts_match_expr(TEXT)` finds it. */
static void text_match(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *text = (const char *)sqlite3_value_text(argv[0]);
	const char *p = text, *start;
	struct toks doc[SCAN_COLUMNS], q;
	bool filled[SCAN_COLUMNS] = { false }, all = text != NULL, any = false;
	bool prefix;
	int len;

	memset(doc, 0, sizeof doc);
	memset(&q, 0, sizeof q);
	while (all && next_term(&p, &start, &len, &prefix)) {
		bool found = false;

		any = true;
		toks_fill(&q, start, len, FTS5_TOKENIZE_QUERY | (prefix ? FTS5_TOKENIZE_PREFIX : 0));
		for (int c = 0; c < SCAN_COLUMNS && c + 1 < argc && !found && q.n > 0; c++) {
			if (!filled[c]) {
				toks_fill(&doc[c], (const char *)sqlite3_value_text(argv[c + 1]),
					  sqlite3_value_bytes(argv[c + 1]), FTS5_TOKENIZE_DOCUMENT);
				filled[c] = true;
			}
			found = phrase_in(&doc[c], &q, prefix);
		}
		all = found;
	}
	for (int c = 0; c < SCAN_COLUMNS; c++)
		toks_free(&doc[c]);
	toks_free(&q);
	sqlite3_result_int(ctx, all && any);
}

int duban_fts_scan_register(sqlite3 *db)
{
	return sqlite3_create_function(db, "duban_text_match", 1 + SCAN_COLUMNS,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, text_match, NULL,
				       NULL);
}
