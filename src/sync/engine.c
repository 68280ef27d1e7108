/* The sync engine (doc/PROTOCOL.md): blobs, push, pull, the sync log, and a
 * background job for the full-screen interface.
 *
 * Every push answer is stored before the next request is made: an op
 * leaves the outbox only in the transaction that records its answer.  A
 * pulled page and its cursor are committed together (the next page is
 * already on its way, but the cursor never passes what was applied).  A sync cut at any point (network,
 * SIGKILL, power) resumes from what was committed; the server's exactly-once
 * table makes re-sent ops harmless. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "duban/date.h"
#include "duban/sync.h"
#include "duban/sync_store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "store_internal.h"

#define BATCH_DEFAULT 200
#define BATCH_MAX 500   /* the server's --max-ops default */
#define PAGE_DEFAULT 2000
#define PAGE_MAX 2000   /* the server clamps larger pages */

static int env_int(const char *name, int def, int lo, int hi)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || *end || n < lo)
		return def;
	return n > hi ? hi : (int)n;
}

void duban_sync_options_defaults(struct duban_sync_options *o)
{
	memset(o, 0, sizeof *o);
	o->batch = env_int("DUBAN_SYNC_BATCH", BATCH_DEFAULT, 1, BATCH_MAX);
	o->page = env_int("DUBAN_SYNC_PAGE", PAGE_DEFAULT, 1, PAGE_MAX);
	o->push = true;
	o->pull = true;
}

/* ---------------------------------------------------------------- one sync */

struct engine {
	duban_store *st;
	const struct duban_account *a;
	struct duban_sync_options o;
	duban_sync_progress_fn progress;
	void *ctx;
	struct duban_sync_report *r;
	/* One connection for the whole sync: every request's handle takes it
	 * from (and leaves it in) this shared cache, with the TLS session. */
	CURLSH *share;
	atomic_int *cancel; /* the job's flag; NULL when run in the foreground */
	cJSON *who;         /* the account as the last pulled page described it */
};

static bool cancelled(const struct engine *e)
{
	return e->cancel && atomic_load(e->cancel);
}

static void report(struct engine *e)
{
	if (e->progress)
		e->progress(e->r, e->ctx);
}

static void set_error(struct duban_remote_error *err, enum duban_remote_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_error(struct duban_remote_error *err, enum duban_remote_kind kind, const char *fmt, ...)
{
	va_list ap;
	duban_remote_error_clear(err);
	err->kind = kind;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
}

static void cancel_error(struct duban_remote_error *err)
{
	set_error(err, DUBAN_REMOTE_LOCAL, "%s", _("the sync was cancelled (what was done so far is kept)"));
}

/* A local store error as a sync error. */
static int store_error(struct engine *e, const char *what)
{
	set_error(&e->r->error, DUBAN_REMOTE_LOCAL, "%s: %s", what, duban_store_errmsg(e->st));
	return -1;
}

/* One transfer's view of the sync: stop is a second reason to give up (the
 * pull's applier stopped), the byte counts go to the report afterwards. */
struct wire {
	const struct engine *e;
	atomic_int *stop; /* NULL when only the job's cancel counts */
	long long sent, received;
};

static bool wire_stopped(const struct wire *w)
{
	return cancelled(w->e) || (w->stop && atomic_load(w->stop));
}

static int on_xferinfo(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return wire_stopped(arg) ? 1 : 0;
}

/* Waits seconds, in slices, so that a cancel is noticed. */
static void pause_for(const struct wire *w, double seconds)
{
	struct duban_retry r;
	duban_transport_get_retry(&r);
	if (r.sleep) {
		r.sleep(seconds, r.hook_arg);
		return;
	}
	while (seconds > 0 && !wire_stopped(w)) {
		double slice = seconds > 0.1 ? 0.1 : seconds;
		struct timespec ts = { (time_t)slice, (long)((slice - (double)(time_t)slice) * 1e9) };
		nanosleep(&ts, NULL);
		seconds -= slice;
	}
}

/* The retry a request waits for, for the interface to show while it
 * waits: any thread may write it, the interface reads it when it draws.
 * One sync at a time, so one number is enough. */
static atomic_int retry_now;

static void retry_note(int retry)
{
	atomic_store(&retry_now, retry);
}

void duban_sync_retry_state(int *retry, int *retries_max)
{
	struct duban_retry r;
	duban_transport_get_retry(&r);
	*retry = atomic_load(&retry_now);
	*retries_max = r.max_attempts - 1;
}

/* Runs rq to its end with the transport's retries, on the shared
 * connection, counting the bytes in w.  0 on a 2xx answer, -1 with *err.
 * Touches nothing of the engine but the share, which only one thread uses
 * at a time. */
static int perform_wire(struct wire *w, duban_request *rq, struct duban_remote_error *err)
{
	for (;;) {
		if (wire_stopped(w)) {
			cancel_error(err);
			return -1;
		}
		CURL *h = duban_request_prepare(rq, err);
		if (!h)
			return -1;
		curl_easy_setopt(h, CURLOPT_SHARE, w->e->share);
		if (w->e->cancel || w->stop) {
			curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
			curl_easy_setopt(h, CURLOPT_XFERINFODATA, w);
			curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		}
		CURLcode rc = curl_easy_perform(h);
		long req_size = 0, hdr_size = 0;
		curl_off_t up = 0, down = 0;
		curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &req_size);
		curl_easy_getinfo(h, CURLINFO_HEADER_SIZE, &hdr_size);
		curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &up);
		curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &down);
		w->sent += req_size + (long long)up;
		w->received += hdr_size + (long long)down;
		double wait;
		enum duban_step step = duban_request_finish(rq, rc, &wait, err);
		if (wire_stopped(w)) {
			cancel_error(err);
			return -1;
		}
		switch (step) {
		case DUBAN_STEP_DONE:
			return 0;
		case DUBAN_STEP_FAILED:
			return -1;
		case DUBAN_STEP_RETRY:
			retry_note(err->attempts);
			pause_for(w, wait);
			retry_note(0);
			break;
		}
	}
}

static int perform(struct engine *e, duban_request *rq, struct duban_remote_error *err)
{
	struct wire w = { .e = e };
	int rc = perform_wire(&w, rq, err);
	e->r->bytes_sent += w.sent;
	e->r->bytes_received += w.received;
	return rc;
}

/* A JSON call on the shared connection; *answer parsed (caller deletes). */
static int call(struct engine *e, const char *method, const char *path, const cJSON *body, cJSON **answer)
{
	*answer = NULL;
	duban_request *rq = duban_request_new_json(e->a, method, path, body);
	int rc = perform(e, rq, &e->r->error);
	if (rc == 0) {
		*answer = duban_request_answer(rq, &e->r->error);
		if (!*answer)
			rc = -1;
	}
	duban_request_free(rq);
	report(e);
	return rc;
}

/* ---------------------------------------------------------------- blobs */

/* A queued op is answered here instead of by the server: it becomes a
 * rejected op with message, for the user to retry or drop. */
static int reject_locally(struct engine *e, const struct duban_op *op, const char *message)
{
	cJSON *ans = cJSON_CreateObject();
	cJSON_AddStringToObject(ans, "id", op->id);
	cJSON_AddStringToObject(ans, "result", "rejected");
	cJSON_AddStringToObject(ans, "reason", "validation");
	cJSON_AddStringToObject(ans, "message", message);
	enum duban_err err = duban_outbox_settle(e->st, op, ans);
	cJSON_Delete(ans);
	if (err != DUBAN_OK)
		return store_error(e, _("saving a rejected attachment"));
	/* Answered, if not by the server: counted with the pushed ops. */
	e->r->pushed++;
	e->r->rejected++;
	return 0;
}

/* Makes sure the server has the contents of an attachment.add op.  1: the
 * server has it; 0: the op was rejected locally (too large, file gone);
 * -1: the sync stops (*error filled). */
static int upload_blob(struct engine *e, const struct duban_op *op)
{
	cJSON *body = op->body ? cJSON_Parse(op->body) : NULL;
	const cJSON *sha = cJSON_GetObjectItemCaseSensitive(body, "sha256");
	const cJSON *mime = cJSON_GetObjectItemCaseSensitive(body, "mime");
	const cJSON *jname = cJSON_GetObjectItemCaseSensitive(body, "name");
	char hash[65] = "", type[128] = "", name[256] = "";
	if (cJSON_IsString(jname))
		snprintf(name, sizeof name, "%s", jname->valuestring);
	if (cJSON_IsString(sha) && strlen(sha->valuestring) == 64)
		snprintf(hash, sizeof hash, "%s", sha->valuestring);
	if (cJSON_IsString(mime))
		snprintf(type, sizeof type, "%s", mime->valuestring);
	cJSON_Delete(body);
	if (!hash[0])
		return 1; /* nothing to upload: the server judges the op */

	enum duban_sync_phase was = e->r->phase;
	e->r->phase = DUBAN_SYNC_UPLOADING;
	char *path = xasprintf("/api/v1/blobs/%s", hash);
	int rc = -1;
	duban_request *rq = duban_request_new_json(e->a, "HEAD", path, NULL);
	struct duban_remote_error err;
	if (perform(e, rq, &err) == 0) {
		rc = 1; /* the server has it */
	} else if (err.kind == DUBAN_REMOTE_NOT_FOUND) {
		char *local = duban_blob_local_path(hash);
		if (access(local, R_OK) != 0) {
			char *msg = xasprintf(_("the attached file is no longer in the local blob store (%s): drop this change and attach the file again"),
					      local);
			rc = reject_locally(e, op, msg);
			free(msg);
		} else {
			duban_request *put = duban_request_new_upload(e->a, "PUT", path, local, type);
			if (perform(e, put, &err) == 0) {
				e->r->blobs_uploaded++;
				rc = 1;
			} else if (err.kind == DUBAN_REMOTE_TOO_LARGE) {
				char *msg = xasprintf("%s: %s", name[0] ? name : hash, err.message);
				rc = reject_locally(e, op, msg);
				free(msg);
			} else {
				e->r->error = err;
			}
			duban_request_free(put);
		}
		free(local);
	} else {
		e->r->error = err;
	}
	duban_request_free(rq);
	free(path);
	e->r->phase = was;
	report(e);
	return rc;
}

/* ---------------------------------------------------------------- push */

/* FULL is the ledger's setting for local edits; NORMAL (WAL: durable up to
 * the last checkpoint, never corrupt) where losing the last transactions to
 * a power cut only means asking the server again. */
static void set_synchronous(duban_store *st, bool full)
{
	sqlite3_exec(duban_store_db(st), full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", NULL,
		     NULL, NULL);
}


static int settle_answers(struct engine *e, const struct duban_op *ops, int n, const cJSON *answer)
{
	const cJSON *results = cJSON_GetObjectItemCaseSensitive(answer, "results");
	if (!cJSON_IsArray(results) || cJSON_GetArraySize(results) != n) {
		set_error(&e->r->error, DUBAN_REMOTE_PROTOCOL,
			  _("the server answered %d changes with %d results: is it a duband server of this version?"), n,
			  cJSON_IsArray(results) ? cJSON_GetArraySize(results) : 0);
		return -1;
	}
	int i = 0;
	const cJSON *res;
	cJSON_ArrayForEach(res, results) {
		/* Each answer in its own transaction: a cut here leaves the
		 * settled ops settled, the rest queued (sent again, answered
		 * "duplicate"). */
		if (duban_outbox_settle(e->st, &ops[i], res) != DUBAN_OK)
			return store_error(e, _("saving the server's answer"));
		const cJSON *jr = cJSON_GetObjectItemCaseSensitive(res, "result");
		const cJSON *jf = cJSON_GetObjectItemCaseSensitive(res, "first");
		const char *result = cJSON_IsString(jr) ? jr->valuestring : "";
		const char *first = cJSON_IsString(jf) ? jf->valuestring : result;
		e->r->pushed++;
		if (strcmp(result, "duplicate") == 0)
			e->r->duplicates++;
		if (strcmp(first, "applied") == 0) {
			if (strcmp(result, "applied") == 0)
				e->r->applied++;
		} else if (strcmp(first, "conflict") == 0) {
			e->r->conflicts++;
		} else if (strcmp(first, "rejected") == 0) {
			e->r->rejected++;
		}
		i++;
	}
	return 0;
}

static int push(struct engine *e)
{
	int batch = e->o.batch > 0 ? e->o.batch : BATCH_DEFAULT;
	struct duban_op *ops = xcalloc((size_t)batch, sizeof *ops);
	long long after = 0;
	int rc = 0;
	e->r->phase = DUBAN_SYNC_PUSHING;
	for (;;) {
		int got = 0;
		if (cancelled(e)) {
			cancel_error(&e->r->error);
			rc = -1;
			break;
		}
		if (duban_outbox_read(e->st, after, batch, ops, &got) != DUBAN_OK) {
			rc = store_error(e, _("reading the changes to send"));
			break;
		}
		if (got == 0)
			break;
		after = ops[got - 1].seq;
		/* Contents first: an attachment record never reaches the server
		 * before its bytes.  Ops rejected here leave the batch. */
		int keep = 0;
		for (int i = 0; i < got && rc == 0; i++) {
			int up = strcmp(ops[i].kind, "attachment.add") == 0 ? upload_blob(e, &ops[i]) : 1;
			if (up < 0) {
				rc = -1;
			} else if (up == 0) {
				duban_op_free(&ops[i]);
				memset(&ops[i], 0, sizeof ops[i]);
			} else {
				if (keep != i) {
					ops[keep] = ops[i];
					memset(&ops[i], 0, sizeof ops[i]);
				}
				keep++;
			}
		}
		if (rc == 0 && keep > 0) {
			cJSON *body = cJSON_CreateObject();
			cJSON_AddStringToObject(body, "device", e->a->device ? e->a->device : "");
			cJSON *arr = cJSON_AddArrayToObject(body, "ops");
			for (int i = 0; i < keep; i++) {
				cJSON *j = duban_op_to_json(&ops[i]);
				if (!j) {
					/* A stored body that is not JSON: the server could
					 * not read it either. */
					j = cJSON_CreateObject();
					cJSON_AddStringToObject(j, "id", ops[i].id);
					cJSON_AddNumberToObject(j, "client_seq", (double)ops[i].seq);
					cJSON_AddStringToObject(j, "kind", ops[i].kind);
					cJSON_AddStringToObject(j, "item_id", ops[i].item_id);
				}
				cJSON_AddItemToArray(arr, j);
			}
			cJSON *answer = NULL;
			rc = call(e, "POST", "/api/v1/push", body, &answer);
			cJSON_Delete(body);
			/* An answer lost to a power cut leaves its op queued: sent
			 * again, the server repeats the first answer.  So the
			 * settles need not wait for the disk one by one. */
			if (rc == 0) {
				set_synchronous(e->st, false);
				rc = settle_answers(e, ops, keep, answer);
				set_synchronous(e->st, true);
			}
			cJSON_Delete(answer);
			report(e);
		}
		for (int i = 0; i < got; i++)
			duban_op_free(&ops[i]);
		memset(ops, 0, (size_t)batch * sizeof *ops);
		if (rc != 0)
			break;
	}
	free(ops);
	return rc;
}

/* ---------------------------------------------------------------- pull */

/* Percent-encoding of a cursor for the query string (cursors are opaque). */
static char *query_escape(const char *s)
{
	struct duban_buf b;
	duban_buf_init(&b);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-' ||
		    *p == '_' || *p == '.' || *p == '~')
			duban_buf_putc(&b, (char)*p);
		else
			duban_buf_printf(&b, "%%%02X", *p);
	}
	return duban_buf_steal(&b);
}

/* Pages are fetched (request, gzip, JSON) on a thread of their own while
 * this one applies the previous page: the server, the wire and the parse
 * then cost hardly any time of their own.  Only parsed pages cross over;
 * the ledger is written here, on the sync's connection, one page with its
 * cursor per transaction, and no transaction waits for the network. */
#define PAGES_AHEAD 1 /* parsed pages waiting: bounds the memory */

struct fetched {
	cJSON *answer; /* NULL: the fetch failed with err */
	duban_page_items *items; /* the answer's items, decoded on the way */
	struct duban_remote_error err;
	long long sent, received;
};

struct fetcher {
	const struct engine *e;
	int limit;
	char *since; /* the next page's cursor, the fetching thread's own */
	bool threaded;
	pthread_t thread;
	pthread_mutex_t lock; /* guards queue, head, count, done */
	pthread_cond_t cond;
	struct fetched queue[PAGES_AHEAD];
	int head, count;
	/* Applied pages for the fetching thread to free: freeing a page's
	 * thousands of nodes is work the applier need not do. */
	struct fetched spent[2];
	int nspent;
	bool done;       /* nothing more will be queued */
	atomic_int stop; /* the applier gave up: fetch nothing more */
};

static bool page_more(const cJSON *answer)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(answer, "more"));
}

static bool page_reset(const cJSON *answer)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(answer, "reset"));
}

static long long cursor_seq(const char *c);

/* Whether next (the cursor of a page asked for with since) is after since,
 * or, on a last page, at least not before it. */
static bool cursor_advances(const char *since, const char *next, bool more)
{
	long long a = cursor_seq(since), b = cursor_seq(next);
	return a >= 0 && b >= 0 && (more ? b > a : b >= a);
}

/* Fetches the page after f->since into *out and moves f->since on.  True
 * when no page follows it (the last one, a reset, an error). */
static bool fetch_page(struct fetcher *f, struct fetched *out)
{
	char *since = query_escape(f->since);
	char *path = xasprintf("/api/v1/pull?since=%s&limit=%d", since, f->limit);
	duban_request *rq = duban_request_new_json(f->e->a, "GET", path, NULL);
	struct wire w = { .e = f->e, .stop = &f->stop };
	memset(out, 0, sizeof *out);
	duban_remote_error_clear(&out->err);
	if (perform_wire(&w, rq, &out->err) == 0)
		out->answer = duban_request_answer(rq, &out->err);
	out->sent = w.sent;
	out->received = w.received;
	duban_request_free(rq);
	free(path);
	free(since);
	if (out->answer && !page_reset(out->answer))
		out->items = duban_page_items_decode(out->answer);
	if (!out->answer || page_reset(out->answer) || !page_more(out->answer))
		return true;
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(out->answer, "next");
	if (!cJSON_IsString(next) || !cursor_advances(f->since, next->valuestring, true))
		return true; /* the applier refuses the page */
	free(f->since);
	f->since = xstrdup(next->valuestring);
	return false;
}

static void fetched_free(struct fetched *p)
{
	cJSON_Delete(p->answer);
	duban_page_items_free(p->items);
}

/* Frees the applied pages handed over; called with f->lock held. */
static void free_spent(struct fetcher *f)
{
	struct fetched spent[2];
	int n = f->nspent;
	memcpy(spent, f->spent, sizeof spent);
	f->nspent = 0;
	pthread_mutex_unlock(&f->lock);
	for (int i = 0; i < n; i++)
		fetched_free(&spent[i]);
	pthread_mutex_lock(&f->lock);
}

static void *fetch_main(void *arg)
{
	struct fetcher *f = arg;
	bool last = false;
	while (!last) {
		pthread_mutex_lock(&f->lock);
		for (;;) {
			if (f->nspent > 0)
				free_spent(f);
			else if (f->count == PAGES_AHEAD && !atomic_load(&f->stop))
				pthread_cond_wait(&f->cond, &f->lock);
			else
				break;
		}
		pthread_mutex_unlock(&f->lock);
		if (atomic_load(&f->stop))
			break;
		struct fetched page;
		last = fetch_page(f, &page);
		pthread_mutex_lock(&f->lock);
		f->queue[(f->head + f->count) % PAGES_AHEAD] = page;
		f->count++;
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->lock);
	}
	pthread_mutex_lock(&f->lock);
	f->done = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* The next page in order; false when none will come (only after the
 * applier went on past a last page, which it does not). */
static bool next_page(struct fetcher *f, struct fetched *out)
{
	if (!f->threaded) {
		if (f->done)
			return false;
		f->done = fetch_page(f, out);
		return true;
	}
	pthread_mutex_lock(&f->lock);
	while (f->count == 0 && !f->done)
		pthread_cond_wait(&f->cond, &f->lock);
	bool got = f->count > 0;
	if (got) {
		*out = f->queue[f->head];
		f->head = (f->head + 1) % PAGES_AHEAD;
		f->count--;
		pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	return got;
}

/* Hands an applied page to the fetching thread to free, or frees it. */
static void fetcher_recycle(struct fetcher *f, struct fetched *p)
{
	if (f->threaded) {
		pthread_mutex_lock(&f->lock);
		bool kept = !f->done && f->nspent < 2;
		if (kept) {
			f->spent[f->nspent++] = *p;
			pthread_cond_broadcast(&f->cond);
		}
		pthread_mutex_unlock(&f->lock);
		if (kept)
			return;
	}
	fetched_free(p);
}

static void fetcher_start(struct fetcher *f, const struct engine *e, int limit, char *since)
{
	memset(f, 0, sizeof *f);
	f->e = e;
	f->limit = limit;
	f->since = since;
	atomic_init(&f->stop, 0);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	/* Without a thread the pages come one after the other, as before. */
	f->threaded = pthread_create(&f->thread, NULL, fetch_main, f) == 0;
}

static void fetcher_stop(struct fetcher *f)
{
	if (f->threaded) {
		pthread_mutex_lock(&f->lock);
		atomic_store(&f->stop, 1);
		pthread_cond_broadcast(&f->cond);
		pthread_mutex_unlock(&f->lock);
		pthread_join(f->thread, NULL);
	}
	for (; f->count > 0; f->count--, f->head = (f->head + 1) % PAGES_AHEAD)
		fetched_free(&f->queue[f->head]);
	for (int i = 0; i < f->nspent; i++)
		fetched_free(&f->spent[i]);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	free(f->since);
}

/* Applies one fetched page with its cursor.  1: the server asked for a
 * reset; 0: applied, *more when a page follows; -1: error. */
static int apply_fetched(struct engine *e, struct fetched *p, bool *more)
{
	e->r->bytes_sent += p->sent;
	e->r->bytes_received += p->received;
	if (!p->answer) {
		e->r->error = p->err;
		report(e);
		return -1;
	}
	report(e);
	if (page_reset(p->answer))
		return 1;
	/* A page lost to a power cut is pulled again (its cursor goes
	 * with it): no need to wait for the disk on each one. */
	set_synchronous(e->st, false);
	int applied = 0;
	enum duban_err err = duban_apply_decoded_page(e->st, p->answer, p->items, &applied);
	set_synchronous(e->st, true);
	*more = page_more(p->answer);
	if (err != DUBAN_OK)
		return store_error(e, _("applying the server's changes"));
	e->r->pulled += applied;
	e->r->pages++;
	const cJSON *who = cJSON_GetObjectItemCaseSensitive(p->answer, "account");
	if (cJSON_IsObject(who)) {
		cJSON_Delete(e->who);
		e->who = cJSON_Duplicate(who, true);
	}
	report(e);
	return 0;
}

static long long pragma_get(duban_store *st, const char *sql)
{
	sqlite3_stmt *s = NULL;
	long long v = 0;
	if (sqlite3_prepare_v2(duban_store_db(st), sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void pragma_set(duban_store *st, const char *name, long long v)
{
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA %s = %lld", name, v);
	sqlite3_exec(duban_store_db(st), sql, NULL, NULL, NULL);
}

/* A download writes the same index pages of the ledger over and over, page
 * after page: a cache that holds them (the default 2 MB spills and reads
 * back) and a WAL copied back to the ledger less often save most of the
 * reads and writes.  The cache only grows as far as the pull needs it. */
#define PULL_CACHE_KB 32768
#define PULL_CHECKPOINT_PAGES 8000

struct pull_pragmas {
	long long cache, checkpoint;
};

static void pull_pragmas_set(duban_store *st, struct pull_pragmas *was)
{
	was->cache = pragma_get(st, "PRAGMA cache_size");
	was->checkpoint = pragma_get(st, "PRAGMA wal_autocheckpoint");
	pragma_set(st, "cache_size", -PULL_CACHE_KB);
	if (was->checkpoint > 0)
		pragma_set(st, "wal_autocheckpoint", PULL_CHECKPOINT_PAGES);
}

static void pull_pragmas_restore(duban_store *st, const struct pull_pragmas *was)
{
	pragma_set(st, "cache_size", was->cache);
	pragma_set(st, "wal_autocheckpoint", was->checkpoint);
}

/* ---------------------------------------------------------------- cursors */

/* A sync applies at most this many pages (DUBAN_SYNC_MAX_PAGES), then stops;
 * each page's cursor is kept with it, so the next sync goes on from there. */
#define PULL_PAGES_DEFAULT 10000

/* The sequence number of a cursor "SEQ-TOKEN" ("0" for the start); -1 when
 * it is not one. */
static long long cursor_seq(const char *c)
{
	if (!c || *c < '0' || *c > '9')
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(c, &end, 10);
	return errno || (*end && *end != '-') ? -1 : v;
}

static int pull_fail(struct engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int pull_fail(struct engine *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	duban_remote_error_clear(&e->r->error);
	e->r->error.kind = DUBAN_REMOTE_PROTOCOL;
	vsnprintf(e->r->error.message, sizeof e->r->error.message, fmt, ap);
	va_end(ap);
	report(e);
	return -1;
}

static int pull_pages_max(void)
{
	return env_int("DUBAN_SYNC_MAX_PAGES", PULL_PAGES_DEFAULT, 1, INT_MAX);
}

/* *prev becomes the cursor of the page just applied. */
static void next_cursor(char **prev, const struct fetched *p)
{
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(p->answer, "next");
	if (!cJSON_IsString(next))
		return;
	free(*prev);
	*prev = xstrdup(next->valuestring);
}

/* A page must move the cursor on (strictly, when more follow), or a server
 * could keep a sync asking forever, or send it back over what it has.
 * -1 (the page not applied, the cursor kept) when it does not.  The
 * fetching thread applies the same rule (cursor_advances). */
static int check_page_cursor(struct engine *e, const struct fetched *p, const char *prev)
{
	if (!p->answer || page_reset(p->answer))
		return 0; /* apply_fetched reports these */
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(p->answer, "next");
	if (!cJSON_IsString(next))
		return 0; /* the store refuses a page without a cursor */
	if (cursor_advances(prev, next->valuestring, page_more(p->answer)))
		return 0;
	char *clean = duban_sanitize(next->valuestring, false), *was = duban_sanitize(prev, false);
	pull_fail(e, _("%s sent a cursor that does not move on (%s after %s): the sync stopped and keeps the last "
		       "good cursor; tell the server's administrator"), e->a->url, clean, was);
	free(clean);
	free(was);
	return -1;
}

/* 1: the server asked for a reset; 0: caught up; -1: error. */
static int pull(struct engine *e)
{
	int page = e->o.page > 0 ? e->o.page : PAGE_DEFAULT;
	e->r->phase = DUBAN_SYNC_PULLING;
	if (cancelled(e)) {
		cancel_error(&e->r->error);
		return -1;
	}
	char *cursor = duban_sync_get(e->st, DUBAN_SYNC_CURSOR);
	struct pull_pragmas was;
	pull_pragmas_set(e->st, &was);
	struct fetcher f;
	char *prev = xstrdup(cursor ? cursor : "0");
	fetcher_start(&f, e, page, cursor ? cursor : xstrdup("0"));
	int rc = 0, pages = 0, max_pages = pull_pages_max();
	bool more = true;
	while (rc == 0 && more) {
		struct fetched p;
		if (!next_page(&f, &p))
			break;
		rc = check_page_cursor(e, &p, prev);
		if (rc == 0)
			rc = apply_fetched(e, &p, &more);
		if (rc == 0)
			next_cursor(&prev, &p);
		fetcher_recycle(&f, &p);
		if (rc == 0 && more && ++pages >= max_pages)
			rc = pull_fail(e, _("stopped after %d pages of changes (DUBAN_SYNC_MAX_PAGES); what arrived is "
					    "kept: run duban sync again to go on"), pages);
		if (rc == 0 && more && cancelled(e)) {
			cancel_error(&e->r->error);
			rc = -1;
		}
	}
	fetcher_stop(&f);
	free(prev);
	pull_pragmas_restore(e->st, &was);
	return rc;
}

/* ---------------------------------------------------------------- the first download */

/* An empty ledger takes everything in one answer (GET /api/v1/snapshot),
 * loaded as it arrives in one bulk transaction; the pull that follows
 * brings what changed since.  A ledger with anything in it (unsent work
 * above all) never does: it pulls page by page. */
struct first {
	struct engine *e;
	duban_snapshot *sn;
	long long shown; /* items at the last report */
	char why[512];   /* the store's message when loading failed */
};

#define FIRST_REPORT_EVERY 1000 /* items between two reports */

static bool first_sink(const char *data, size_t len, void *ctx)
{
	struct first *f = ctx;
	if (duban_snapshot_feed(f->sn, data, len) != DUBAN_OK) {
		/* The transfer stops with an error of its own: this one says why. */
		snprintf(f->why, sizeof f->why, "%s", duban_store_errmsg(f->e->st));
		return false;
	}
	long long total, items = duban_snapshot_items(f->sn, &total);
	if (items - f->shown >= FIRST_REPORT_EVERY) {
		f->shown = items;
		f->e->r->first_items = items;
		f->e->r->first_total = total;
		report(f->e);
	}
	return !cancelled(f->e);
}

/* Whether to try: DUBAN_SYNC_SNAPSHOT=0 turns it off (page by page always).
 * replace: after a server's reset, in place of what the ledger holds. */
static bool first_wanted(struct engine *e, bool replace)
{
	if (!e->o.pull || env_int("DUBAN_SYNC_SNAPSHOT", 1, 0, 1) == 0)
		return false;
	return replace ? duban_snapshot_fits_reset(e->st) : duban_snapshot_fits(e->st);
}

/* Says why the snapshot was not taken: a page-by-page pull of a large
 * ledger takes many times longer, and the user should know why. */
static void first_fallback(struct engine *e, const struct duban_remote_error *err, const char *loading)
{
	/* The pull fails the same way at once and says so itself. */
	if (err->kind == DUBAN_REMOTE_AUTH || err->kind == DUBAN_REMOTE_TLS)
		return;
	const char *why = loading[0] ? loading
			  : err->kind != DUBAN_REMOTE_OK && err->message[0] ? err->message : duban_store_errmsg(e->st);
	snprintf(e->r->first_fallback, sizeof e->r->first_fallback, "%s", why && *why ? why : _("no reason given"));
	report(e);
}

/* 1: loaded; 0: not taken or failed without harm (the pull follows, and
 * says what is wrong if the server cannot be reached); -1: cancelled.
 * replace: after a server's reset (duban_snapshot_new_replacing). */
static int first_download(struct engine *e, bool replace)
{
	if (!first_wanted(e, replace))
		return 0;
	e->r->phase = DUBAN_SYNC_PULLING;
	struct first f = { .e = e, .sn = replace ? duban_snapshot_new_replacing(e->st) : duban_snapshot_new(e->st) };
	duban_request *rq = duban_request_new_stream(e->a, "/api/v1/snapshot", first_sink, &f);
	struct duban_remote_error err;
	duban_remote_error_clear(&err);
	int rc = perform(e, rq, &err);
	duban_request_free(rq);
	long long total, items = duban_snapshot_items(f.sn, &total);
	e->r->first_items = items;
	e->r->first_total = total;
	if (rc == 0 && !cancelled(e)) {
		e->r->first_indexing = true;
		report(e);
		rc = duban_snapshot_finish(f.sn) == DUBAN_OK ? 0 : -1;
		e->r->first_indexing = false;
	}
	if (rc == 0) {
		/* Not a page: the pull that follows counts its own. */
		e->r->pulled += duban_snapshot_changes(f.sn);
		const cJSON *who = duban_snapshot_account(f.sn);
		if (who) {
			cJSON_Delete(e->who);
			e->who = cJSON_Duplicate(who, true);
		}
	}
	duban_snapshot_free(f.sn); /* rolls back what was not finished */
	e->r->first_total = 0;
	report(e);
	if (cancelled(e)) {
		cancel_error(&e->r->error);
		return -1;
	}
	if (rc != 0)
		first_fallback(e, &err, f.why);
	return rc == 0 ? 1 : 0;
}

/* ---------------------------------------------------------------- the log */

static const char *const phase_names[] = {
	[DUBAN_SYNC_IDLE] = "idle",       [DUBAN_SYNC_CONNECTING] = "connecting",
	[DUBAN_SYNC_UPLOADING] = "uploading", [DUBAN_SYNC_PUSHING] = "pushing",
	[DUBAN_SYNC_PULLING] = "pulling", [DUBAN_SYNC_DONE] = "done",
	[DUBAN_SYNC_FAILED] = "failed",
};

static const char *const kind_names[] = {
	[DUBAN_REMOTE_OK] = "ok",
	[DUBAN_REMOTE_OFFLINE] = "offline",
	[DUBAN_REMOTE_TLS] = "tls",
	[DUBAN_REMOTE_AUTH] = "auth",
	[DUBAN_REMOTE_FORBIDDEN] = "forbidden",
	[DUBAN_REMOTE_NOT_FOUND] = "not_found",
	[DUBAN_REMOTE_TOO_LARGE] = "too_large",
	[DUBAN_REMOTE_RATE_LIMITED] = "rate_limited",
	[DUBAN_REMOTE_SERVER] = "server",
	[DUBAN_REMOTE_PROTOCOL] = "protocol",
	[DUBAN_REMOTE_LOCAL] = "local",
};

#define LOG_COLUMNS \
	"started_at, finished_at, phase, to_push, pushed, applied, duplicates, conflicts, rejected," \
	" pulled, pages, bytes_sent, bytes_received, reset, error"

/* The error column holds "KIND: message" so that the log can say what
 * kind of failure it was. */
static void log_append(duban_store *st, const struct duban_sync_report *r)
{
	sqlite3_stmt *s = store_stmt_sql(st, "/* engine */ INSERT INTO sync_log (" LOG_COLUMNS ")"
					     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
	if (!s)
		return;
	long long v[] = { r->to_push, r->pushed, r->applied, r->duplicates, r->conflicts, r->rejected,
			  r->pulled, r->pages, r->bytes_sent, r->bytes_received, r->reset };
	sqlite3_bind_text(s, 1, r->started_at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, r->finished_at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 3, phase_names[r->phase], -1, SQLITE_STATIC);
	for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++)
		sqlite3_bind_int64(s, 4 + i, v[i]);
	if (r->error.kind != DUBAN_REMOTE_OK) {
		char *text = xasprintf("%s: %s", kind_names[r->error.kind], r->error.message);
		sqlite3_bind_text(s, 15, text, -1, SQLITE_TRANSIENT);
		free(text);
	} else {
		sqlite3_bind_null(s, 15);
	}
	sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

enum duban_err duban_sync_log_read(duban_store *st, int n, struct duban_sync_report **reports, int *got)
{
	*reports = NULL;
	*got = 0;
	if (n <= 0)
		return DUBAN_OK;
	sqlite3_stmt *s = store_stmt_sql(st, "/* engine */ SELECT " LOG_COLUMNS " FROM sync_log"
					     " ORDER BY id DESC LIMIT ?1");
	if (!s)
		return DUBAN_ERR_DB;
	sqlite3_bind_int(s, 1, n);
	struct duban_sync_report *out = xcalloc((size_t)n, sizeof *out);
	int k = 0, rc;
	while (k < n && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct duban_sync_report *r = &out[k++];
		const char *t;
		if ((t = (const char *)sqlite3_column_text(s, 0)))
			snprintf(r->started_at, sizeof r->started_at, "%s", t);
		if ((t = (const char *)sqlite3_column_text(s, 1)))
			snprintf(r->finished_at, sizeof r->finished_at, "%s", t);
		t = (const char *)sqlite3_column_text(s, 2);
		r->phase = DUBAN_SYNC_FAILED;
		for (int i = 0; t && i < (int)(sizeof phase_names / sizeof phase_names[0]); i++)
			if (strcmp(t, phase_names[i]) == 0)
				r->phase = (enum duban_sync_phase)i;
		long long *v[] = { &r->to_push, &r->pushed, &r->applied, &r->duplicates, &r->conflicts, &r->rejected,
				   &r->pulled, &r->pages, &r->bytes_sent, &r->bytes_received };
		for (int i = 0; i < (int)(sizeof v / sizeof v[0]); i++)
			*v[i] = sqlite3_column_int64(s, 3 + i);
		r->reset = sqlite3_column_int(s, 13) != 0;
		duban_remote_error_clear(&r->error);
		r->error.retry_after = -1;
		if ((t = (const char *)sqlite3_column_text(s, 14))) {
			const char *colon = strstr(t, ": ");
			r->error.kind = DUBAN_REMOTE_SERVER;
			for (int i = 1; colon && i < (int)(sizeof kind_names / sizeof kind_names[0]); i++)
				if (strlen(kind_names[i]) == (size_t)(colon - t) &&
				    strncmp(t, kind_names[i], (size_t)(colon - t)) == 0) {
					r->error.kind = (enum duban_remote_kind)i;
					t = colon + 2;
					break;
				}
			snprintf(r->error.message, sizeof r->error.message, "%s", t);
		}
	}
	sqlite3_reset(s);
	if (k == 0) {
		free(out);
		out = NULL;
	}
	*reports = out;
	*got = k;
	return DUBAN_OK;
}

/* ---------------------------------------------------------------- run */

#define REFETCH_BATCH 100

/* Items whose refused change the user dropped take the server's value as
 * it is now (a pull brings only what changed since the cursor). */
static int refetch(struct engine *e)
{
	char ids[REFETCH_BATCH][37];
	int n, rounds = 0;

	while ((n = duban_refetch_list(e->st, ids, REFETCH_BATCH)) > 0 && rounds++ < 1000) {
		struct duban_buf b;
		cJSON *answer = NULL;
		duban_buf_init(&b);
		duban_buf_puts(&b, "/api/v1/items?ids=");
		for (int i = 0; i < n; i++)
			duban_buf_printf(&b, "%s%s", i ? "," : "", ids[i]);
		char *path = duban_buf_steal(&b);
		int rc = call(e, "GET", path, NULL, &answer);
		free(path);
		if (rc != 0)
			return -1;
		enum duban_err err = duban_refetch_done(e->st, answer);
		cJSON_Delete(answer);
		if (err != DUBAN_OK)
			return store_error(e, _("taking the server's values"));
	}
	return n < 0 ? store_error(e, _("reading the items to fetch again")) : 0;
}

/* The role and counties the server gave with the pull: a change made on
 * the server (another role, a county more or less) is kept in the account
 * file and governs what this ledger offers from now on. */
static void refresh_role(struct engine *e)
{
	char *path = duban_account_path();
	struct duban_account file;
	char err[256];

	if (duban_account_load(path, &file, err, sizeof err) == 1 && file.user && e->a->user &&
	    strcmp(file.user, e->a->user) == 0 && file.url && e->a->url && strcmp(file.url, e->a->url) == 0) {
		if (duban_account_take_role(&file, e->who) && duban_account_save(path, &file, err, sizeof err) != 0)
			fprintf(stderr, "duban: %s\n", err);
	}
	duban_account_free(&file);
	free(path);
	struct duban_account now = *e->a;
	now.role = NULL;
	now.counties = NULL;
	duban_account_take_role(&now, e->who);
	duban_account_act(e->st, &now, duban_store_role(e->st));
	free(now.role);
	free(now.counties);
}

/* The cursor belongs to one server and one user (their scope): another
 * one's changes start from the beginning. */
static int check_origin(struct engine *e)
{
	char *server = duban_sync_get(e->st, DUBAN_SYNC_SERVER);
	char *user = duban_sync_get(e->st, DUBAN_SYNC_USER);
	bool same = server && user && strcmp(server, e->a->url) == 0 && strcmp(user, e->a->user) == 0;
	int rc = 0;
	if (!same) {
		if ((server || user) && duban_sync_reset(e->st) != DUBAN_OK)
			rc = store_error(e, _("forgetting the other server's cursor"));
		else if (duban_sync_set(e->st, DUBAN_SYNC_SERVER, e->a->url) != DUBAN_OK ||
			 duban_sync_set(e->st, DUBAN_SYNC_USER, e->a->user) != DUBAN_OK)
			rc = store_error(e, _("saving the sync state"));
	}
	free(server);
	free(user);
	return rc;
}

/* A copy made by `duban backup` must not sync as the device it was taken
 * from: both would send the same queued ops and interleave their op numbers
 * under one name.  Under another device name it is a device of its own. */
static int check_copy(struct engine *e)
{
	char *of = duban_sync_get(e->st, DUBAN_SYNC_COPY_OF);
	if (!of)
		return 0;
	int rc = 0;
	if (strcmp(of, e->a->device ? e->a->device : "") == 0) {
		set_error(&e->r->error, DUBAN_REMOTE_LOCAL,
			  _("this ledger is a copy (duban backup) of the ledger of device %s and does not sync as that "
			    "device: to use it in place of the original, log in under another device name "
			    "(duban --db FILE login URL USER --device NAME)"), of);
		rc = -1;
	} else if (duban_sync_set(e->st, DUBAN_SYNC_COPY_OF, NULL) != DUBAN_OK) {
		rc = store_error(e, _("saving the sync state"));
	}
	free(of);
	return rc;
}

static int run_phases(struct engine *e)
{
	if (!e->a || !e->a->url || !e->a->token || !e->a->user) {
		set_error(&e->r->error, DUBAN_REMOTE_AUTH, "%s", _("not logged in: run duban login URL USER"));
		return -1;
	}
	if (check_copy(e) != 0 || check_origin(e) != 0)
		return -1;
	long long queued = duban_outbox_count(e->st) - duban_outbox_rejected_count(e->st);
	e->r->to_push = queued > 0 ? queued : 0;
	report(e);
	/* Nothing queued: no push request at all (a sync with nothing new is
	 * the pull alone). */
	if (e->o.push && e->r->to_push > 0 && push(e) != 0)
		return -1;
	if (!e->o.pull)
		return 0;
	long long before = duban_conflict_count(e->st);
	if (first_download(e, false) < 0)
		return -1;
	int rc = pull(e);
	if (rc == 1) {
		/* The server cannot serve the cursor (restored from a backup,
		 * or the change was pruned): what is still queued goes first,
		 * then everything is downloaded again. */
		e->r->reset = true;
		if (duban_sync_reset(e->st) != DUBAN_OK)
			return store_error(e, _("forgetting the cursor"));
		long long left = duban_outbox_count(e->st) - duban_outbox_rejected_count(e->st);
		if (e->o.push && left > 0) {
			e->r->to_push += left;
			if (push(e) != 0)
				return -1;
		}
		/* Nothing of its own left: the whole ledger in one answer, as
		 * a first download, when it brings back all the ledger had. */
		if (first_download(e, true) < 0)
			return -1;
		rc = pull(e);
		if (rc == 1) {
			set_error(&e->r->error, DUBAN_REMOTE_PROTOCOL, "%s",
				  _("the server asked for a full download twice in a row: try again later, or tell its administrator"));
			return -1;
		}
	}
	long long after = duban_conflict_count(e->st);
	if (after > before)
		e->r->pull_conflicts = after - before;
	if (rc == 0 && e->who)
		refresh_role(e);
	if (rc == 0)
		rc = refetch(e);
	return rc;
}

static int run_cancellable(duban_store *st, const struct duban_account *a, const struct duban_sync_options *o,
			       duban_sync_progress_fn progress, void *ctx, struct duban_sync_report *r,
			       atomic_int *cancel)
{
	struct engine e = { .st = st, .a = a, .progress = progress, .ctx = ctx, .r = r, .cancel = cancel };
	if (o)
		e.o = *o;
	else
		duban_sync_options_defaults(&e.o);
	memset(r, 0, sizeof *r);
	duban_remote_error_clear(&r->error);
	r->error.retry_after = -1;
	duban_timestamp_now(r->started_at);
	r->phase = DUBAN_SYNC_CONNECTING;
	e.share = curl_share_init();
	if (e.share) {
		curl_share_setopt(e.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
		curl_share_setopt(e.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
		curl_share_setopt(e.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	}

	int rc = run_phases(&e);
	cJSON_Delete(e.who);

	if (e.share)
		curl_share_cleanup(e.share);
	duban_timestamp_now(r->finished_at);
	r->conflicts_waiting = duban_conflict_count(st);
	r->rejected_waiting = duban_outbox_rejected_count(st);
	if (rc == 0) {
		r->phase = DUBAN_SYNC_DONE;
		r->error.kind = DUBAN_REMOTE_OK;
		r->error.message[0] = '\0';
		duban_sync_set(st, DUBAN_SYNC_LAST, r->finished_at);
	} else {
		r->phase = DUBAN_SYNC_FAILED;
		if (r->error.kind == DUBAN_REMOTE_OK)
			set_error(&r->error, DUBAN_REMOTE_LOCAL, "%s", _("the sync stopped"));
	}
	log_append(st, r);
	if (progress)
		progress(r, ctx);
	return rc == 0 ? 0 : -1;
}

int duban_sync_run(duban_store *st, const struct duban_account *a, const struct duban_sync_options *o,
		   duban_sync_progress_fn progress, void *ctx, struct duban_sync_report *report_out)
{
	return run_cancellable(st, a, o, progress, ctx, report_out, NULL);
}

/* ---------------------------------------------------------------- background job */

struct duban_sync_job {
	pthread_t thread;
	bool started;
	char *db_path;
	struct duban_account a; /* a copy: the caller may free its own */
	struct duban_sync_options o;
	int pipe_rd, pipe_wr;
	atomic_int cancel;
	pthread_mutex_t lock; /* guards latest and finished */
	struct duban_sync_report latest;
	bool finished;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void job_progress(const struct duban_sync_report *r, void *ctx)
{
	struct duban_sync_job *job = ctx;
	pthread_mutex_lock(&job->lock);
	job->latest = *r;
	pthread_mutex_unlock(&job->lock);
	/* One byte wakes the interface's poll; a full pipe already will. */
	char b = 1;
	ssize_t w = write(job->pipe_wr, &b, 1);
	(void)w;
}

static void *job_main(void *arg)
{
	struct duban_sync_job *job = arg;
	struct duban_sync_report r;
	char err[512] = "";
	duban_store *st = duban_store_open(job->db_path, err, sizeof err);
	if (!st) {
		memset(&r, 0, sizeof r);
		duban_remote_error_clear(&r.error);
		r.phase = DUBAN_SYNC_FAILED;
		set_error(&r.error, DUBAN_REMOTE_LOCAL, "%s", err);
		duban_timestamp_now(r.started_at);
		duban_timestamp_now(r.finished_at);
	} else {
		run_cancellable(st, &job->a, &job->o, job_progress, job, &r, &job->cancel);
		duban_store_close(st);
	}
	pthread_mutex_lock(&job->lock);
	job->latest = r;
	job->finished = true;
	pthread_mutex_unlock(&job->lock);
	char b = 2;
	ssize_t w = write(job->pipe_wr, &b, 1);
	(void)w;
	return NULL;
}

duban_sync_job *duban_sync_start(const char *db_path, const struct duban_account *a,
				 const struct duban_sync_options *o)
{
	struct duban_sync_job *job = xcalloc(1, sizeof *job);
	int fds[2];
	if (pipe(fds) != 0) {
		free(job);
		return NULL;
	}
	job->pipe_rd = fds[0];
	job->pipe_wr = fds[1];
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	job->db_path = xstrdup(db_path);
	job->a.url = dup_or_null(a->url);
	job->a.user = dup_or_null(a->user);
	job->a.token = dup_or_null(a->token);
	job->a.expires_at = dup_or_null(a->expires_at);
	job->a.cacert = dup_or_null(a->cacert);
	job->a.device = dup_or_null(a->device);
	job->a.insecure_http = a->insecure_http;
	if (o)
		job->o = *o;
	else
		duban_sync_options_defaults(&job->o);
	atomic_init(&job->cancel, 0);
	pthread_mutex_init(&job->lock, NULL);
	duban_remote_error_clear(&job->latest.error);
	job->latest.phase = DUBAN_SYNC_CONNECTING;
	duban_transport_init();
	if (pthread_create(&job->thread, NULL, job_main, job) != 0) {
		job->started = false;
		duban_sync_job_free(job);
		return NULL;
	}
	job->started = true;
	return job;
}

int duban_sync_job_fd(const duban_sync_job *job)
{
	return job->pipe_rd;
}

bool duban_sync_job_poll(duban_sync_job *job, struct duban_sync_report *report_out)
{
	char buf[64];
	while (read(job->pipe_rd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&job->lock);
	bool done = job->finished;
	if (report_out)
		*report_out = job->latest;
	pthread_mutex_unlock(&job->lock);
	return done;
}

void duban_sync_job_cancel(duban_sync_job *job)
{
	atomic_store(&job->cancel, 1);
}

void duban_sync_job_free(duban_sync_job *job)
{
	if (!job)
		return;
	if (job->started) {
		/* Freeing a running job cancels it: the transfer is aborted at
		 * its next progress call and what was committed stays. */
		atomic_store(&job->cancel, 1);
		pthread_join(job->thread, NULL);
	}
	duban_transport_cleanup();
	close(job->pipe_rd);
	close(job->pipe_wr);
	pthread_mutex_destroy(&job->lock);
	duban_account_free(&job->a);
	free(job->db_path);
	free(job);
}
