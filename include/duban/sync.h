/* Sync with duband (doc/PROTOCOL.md): the account, the HTTPS transport and
 * the engine.
 *
 *   account.c    the server settings and token ($XDG_CONFIG_HOME/duban/account)
 *   transport.c  HTTPS requests on libcurl: verification, headers, gzip,
 *                retries with backoff, errors that say what to do
 *
 * Each module keeps to its own section below. */
#ifndef DUBAN_SYNC_H
#define DUBAN_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "duban/model.h"
#include "duban/store.h"

#define DUBAN_PROTOCOL_VERSION 1
#define DUBAN_SCHEMA_VERSION 1

/* ================================================================ account */

/* What `duban login` keeps.  Every string is malloc'd or NULL.  The password
 * is never part of it. */
struct duban_account {
	char *url;        /* "https://host[:port][/prefix]", no trailing slash */
	char *user;
	char *token;      /* NULL once logged out */
	char *expires_at; /* the token's expiry as the server said (UTC) */
	char *cacert;     /* absolute path of a CA file; NULL: the system's CAs */
	char *device;     /* this machine's name on the server */
	char *role;       /* the account's role as the server last said (login, each sync) */
	char *counties;   /* its counties joined by "," ("" for every county) */
	bool insecure_http; /* plain http:// to a loopback address was asked for */
	bool mode_fixed;  /* set by load: the file was readable by others, now 0600 */
};

/* $XDG_CONFIG_HOME/duban/account (~/.config/duban/account).  Malloc'd. */
char *duban_account_path(void);
/* Reads path into *a (zeroed first).  1: loaded; 0: no such file (*a stays
 * empty); -1: error, message in err.  A file readable by group or others is
 * chmod'ed to 0600 and a->mode_fixed is set; one owned by another user is
 * refused. */
int duban_account_load(const char *path, struct duban_account *a, char *err, size_t errlen);
/* Writes *a atomically with mode 0600 (making the directory, 0700).  0 on
 * success, -1 with a message in err. */
int duban_account_save(const char *path, const struct duban_account *a, char *err, size_t errlen);
/* The file's text (what save writes); malloc'd. */
char *duban_account_format(const struct duban_account *a);
/* Parses the file's text into *a (zeroed first): unknown keys are skipped.
 * 0, or -1 with a message in err (a line without '=', a bad value). */
int duban_account_parse(const char *text, struct duban_account *a, char *err, size_t errlen);
/* Removes the file; 0 when it is gone (or never was). */
int duban_account_delete(const char *path);
void duban_account_free(struct duban_account *a);
/* True when a has a server, a user and a token. */
bool duban_account_logged_in(const struct duban_account *a);
/* Takes the role and counties of a login, /me or pull answer ("role",
 * "counties") into a; true when they differ from what a had. */
bool duban_account_take_role(struct duban_account *a, const cJSON *who);
/* Local changes are made as the account: logged in, its user, device, role
 * and counties (what the server will accept is what is offered here);
 * otherwise $USER marked as local ("li@local") with local_role, the config's
 * `role` (office by default). */
void duban_account_act(duban_store *st, const struct duban_account *a, enum duban_role local_role);
#define DUBAN_LOCAL_MARK "@local"

/* The default device name: the host name, else "duban". Malloc'd. */
char *duban_account_default_device(void);

/* ================================================================ transport */

/* A server address taken apart.  Only scheme, host, port and a path prefix:
 * no user info, query or fragment. */
struct duban_url {
	bool https;
	char host[256];   /* IPv6 without its brackets */
	int port;         /* 0: the scheme's default */
	char prefix[256]; /* "" or "/duban" (no trailing slash) */
};
/* 0, or -1 with a translated message in err. */
int duban_url_parse(const char *url, struct duban_url *u, char *err, size_t errlen);
/* The canonical text of u: "https://host[:port][prefix]".  Malloc'd. */
char *duban_url_format(const struct duban_url *u);
/* localhost, 127.0.0.0/8 and ::1. */
bool duban_host_is_loopback(const char *host);
/* Plain http:// is allowed only to a loopback host and only with
 * insecure_http (DESIGN.md §5, invariant 7).  0, or -1 with the reason. */
int duban_url_check(const struct duban_url *u, bool insecure_http, char *err, size_t errlen);

/* What went wrong, by what the caller can do about it.  The sync command maps
 * these to exit codes (cli.h). */
enum duban_remote_kind {
	DUBAN_REMOTE_OK = 0,
	DUBAN_REMOTE_OFFLINE,      /* no answer: name, refused, timeout, network */
	DUBAN_REMOTE_TLS,          /* the server's certificate cannot be verified */
	DUBAN_REMOTE_AUTH,         /* 401: not logged in, token expired or revoked */
	DUBAN_REMOTE_FORBIDDEN,    /* 403 */
	DUBAN_REMOTE_NOT_FOUND,    /* 404 */
	DUBAN_REMOTE_TOO_LARGE,    /* 413 */
	DUBAN_REMOTE_RATE_LIMITED, /* 429 after the retries (or a long Retry-After) */
	DUBAN_REMOTE_SERVER,       /* 5xx, or another error the server named */
	DUBAN_REMOTE_PROTOCOL,     /* an answer duban does not understand */
	DUBAN_REMOTE_LOCAL         /* the settings or a local file */
};

struct duban_remote_error {
	enum duban_remote_kind kind;
	long status;        /* HTTP status; 0 when there was no answer */
	int curl_code;      /* CURLcode of the last attempt; 0 when none */
	char code[48];      /* the server's "error" value, or "" */
	char message[768];  /* translated, one line, says what to do */
	double retry_after; /* seconds the server asked to wait, or -1 */
	int attempts;       /* attempts made */
};
void duban_remote_error_clear(struct duban_remote_error *e);

/* Retries: exponential backoff with full jitter on connection errors, 5xx
 * and 429 (whose Retry-After is honoured when it is at most cap). */
struct duban_retry {
	int max_attempts; /* 5 (1: never retry) */
	double base;      /* 0.5 s: the first delay is drawn from [0, base) */
	double factor;    /* 2 */
	double cap;       /* 30 s: no delay above; a longer Retry-After ends the retries */
	/* Hooks for tests: sleep (NULL: nanosleep) and a uniform draw in [0, 1)
	 * (NULL: random()). */
	void (*sleep)(double seconds, void *arg);
	double (*random)(void *arg);
	void *hook_arg;
};
/* The defaults above; from the environment, DUBAN_SYNC_RETRIES=N allows N
 * retries (max_attempts N + 1) and DUBAN_SYNC_BACKOFF_MS=MS sets base. */
void duban_retry_defaults(struct duban_retry *r);
/* The process's policy for every request (defaults until set). */
void duban_transport_set_retry(const struct duban_retry *r);
void duban_transport_get_retry(struct duban_retry *r);
/* The delay before attempt number attempt + 1 (attempt >= 1), given a draw u
 * in [0, 1): u * min(cap, base * factor^(attempt - 1)). */
double duban_backoff_delay(const struct duban_retry *r, int attempt, double u);
/* A Retry-After value, in seconds or as an HTTP-date relative to now.
 * Seconds from now (0 for a date in the past), or -1 when unreadable. */
double duban_parse_retry_after(const char *value, time_t now);

/* The error of a finished attempt, filled in *e with a translated message.
 * host names the server in messages; errbuf is CURLOPT_ERRORBUFFER's text;
 * cacert is the account's CA file or NULL; body is the answer (for the
 * server's {error, message}); retry_after is its Retry-After or -1. */
void duban_remote_error_from_curl(struct duban_remote_error *e, CURLcode rc, const char *host,
				  const char *errbuf, const char *cacert);
void duban_remote_error_from_http(struct duban_remote_error *e, long status, const char *host,
				  const char *body, size_t body_len, double retry_after);
/* Whether an attempt that ended so may be tried again. */
bool duban_remote_retryable(CURLcode rc, long status);

/* Process-wide libcurl setup; call once before any request and once at the
 * end (it frees what the TLS library holds). */
void duban_transport_init(void);
void duban_transport_cleanup(void);

/* One request.  It can be driven by duban_request_run (easy interface, with
 * the retries) or by a multi handle:
 *
 *   CURL *h = duban_request_prepare(rq, &err);    // a configured handle
 *   curl_multi_add_handle(m, h); ... CURLMSG_DONE with result rc ...
 *   curl_multi_remove_handle(m, h);
 *   double wait;
 *   switch (duban_request_finish(rq, rc, &wait, &err)) { ... }
 *
 * prepare may be called again after DUBAN_STEP_RETRY (when wait seconds have
 * passed): it rewinds the body and the download file.  The handle belongs to
 * the request. */
typedef struct duban_request duban_request;

enum duban_step { DUBAN_STEP_DONE, DUBAN_STEP_FAILED, DUBAN_STEP_RETRY };

/* A JSON request: body may be NULL (GET, HEAD, or a POST without body).
 * Bodies over 4 KB are sent gzip-compressed.  path starts with "/api/v1/". */
duban_request *duban_request_new_json(const struct duban_account *a, const char *method,
				      const char *path, const cJSON *body);
/* A raw body read from the file upload_path (blobs), with content_type. */
duban_request *duban_request_new_upload(const struct duban_account *a, const char *method,
					const char *path, const char *upload_path,
					const char *content_type);
/* A GET whose 2xx body is written to download_path (created or truncated,
 * mode 0600; removed again when the request fails); an error answer stays in
 * memory for the message. */
duban_request *duban_request_new_download(const struct duban_account *a, const char *path,
					  const char *download_path);
/* A GET whose 2xx body goes to sink as it arrives (after gzip decoding),
 * in pieces of any size: for answers too large to hold (the snapshot).
 * sink returns false to stop the transfer (the request then fails with a
 * local error naming why, set with duban_request_sink_error).  Made with
 * one attempt only: what a sink took cannot be taken back. */
typedef bool (*duban_sink_fn)(const char *data, size_t len, void *ctx);
duban_request *duban_request_new_stream(const struct duban_account *a, const char *path, duban_sink_fn sink,
					void *ctx);
void duban_request_free(duban_request *rq);

CURL *duban_request_prepare(duban_request *rq, struct duban_remote_error *err);
enum duban_step duban_request_finish(duban_request *rq, CURLcode rc, double *wait,
				     struct duban_remote_error *err);
/* Attempts until done, failed or out of attempts (sleeping between them). 0
 * on a 2xx answer, -1 with *err filled. */
int duban_request_run(duban_request *rq, struct duban_remote_error *err);

long duban_request_status(const duban_request *rq);
/* The answer's body held in memory (JSON requests; error answers). */
const char *duban_request_body(const duban_request *rq, size_t *len);
/* The answer parsed as JSON; NULL (and a protocol error in err) otherwise.
 * The caller owns the result. */
cJSON *duban_request_answer(const duban_request *rq, struct duban_remote_error *err);

/* The JSON helper: method on path with body (may be NULL); on a 2xx answer
 * returns 0 and, when answer is not NULL, the parsed answer (the caller
 * deletes it).  -1 with *err filled otherwise. */
int duban_remote_call(const struct duban_account *a, const char *method, const char *path,
		      const cJSON *body, cJSON **answer, struct duban_remote_error *err);
/* PUT the file's bytes to path.  0, or -1 with *err.  *status gets the
 * 2xx status (201 stored, 200 already there) when not NULL. */
int duban_remote_upload(const struct duban_account *a, const char *method, const char *path,
			const char *file, const char *content_type, long *status,
			struct duban_remote_error *err);
/* GET path into file (kept only on a 2xx answer).  0, or -1 with *err. */
int duban_remote_download(const struct duban_account *a, const char *path, const char *file,
			  struct duban_remote_error *err);

/* ================================================================ engine
 * One sync = upload the blobs of queued attachments (HEAD, then PUT if the
 * server lacks them), push the outbox in batches (each answer settled in
 * the store as it arrives), then pull pages from the stored cursor until
 * the server says there is no more.  A reset answer clears the cursor, pushes
 * what is still queued and downloads again from the start.  Every push
 * answer is committed before the next request; the next page is fetched
 * while one is applied, each page with its cursor in one transaction.  So a
 * sync cut at any point resumes. */

struct duban_sync_options {
	int batch;          /* ops per push (DUBAN_SYNC_BATCH, default 200) */
	int page;           /* pull limit (DUBAN_SYNC_PAGE, default 2000) */
	bool push, pull;    /* both by default */
};
void duban_sync_options_defaults(struct duban_sync_options *o); /* reads the environment */

enum duban_sync_phase {
	DUBAN_SYNC_IDLE,
	DUBAN_SYNC_CONNECTING,
	DUBAN_SYNC_UPLOADING,   /* attachment contents */
	DUBAN_SYNC_PUSHING,
	DUBAN_SYNC_PULLING,
	DUBAN_SYNC_DONE,
	DUBAN_SYNC_FAILED,
};

/* Figures of a sync in progress and, at the end, its summary. */
struct duban_sync_report {
	enum duban_sync_phase phase;
	long long to_push;              /* queued ops when the sync started */
	long long pushed, applied, duplicates, conflicts, rejected;
	long long blobs_uploaded;
	long long pulled, pages;        /* changes applied from pulls */
	long long pull_conflicts;       /* pulled changes on fields with unsent edits */
	long long bytes_sent, bytes_received;
	bool reset;                     /* the server asked for a full download */
	/* The first download of an empty ledger in one answer (a snapshot):
	 * items loaded of first_total (0: none), then the indexes built. */
	long long first_items, first_total;
	bool first_indexing;
	/* Why the first download in one answer was tried and not taken ("":
	 * taken, or not tried): the pull goes page by page instead. */
	char first_fallback[800];
	long long conflicts_waiting;    /* unresolved conflicts after the sync */
	long long rejected_waiting;     /* rejected ops kept for the user */
	char started_at[25], finished_at[25];
	struct duban_remote_error error; /* kind NONE when it worked */
};

/* Runs one sync on st (blocking).  progress (may be NULL) is called after
 * every request.  Returns 0 when the sync completed (conflicts may be
 * waiting), -1 with report->error filled otherwise; the report is complete
 * either way and is also appended to the sync log.  The caller has called
 * duban_transport_init.  All requests share one kept-alive connection.
 * Nothing queued: no push request; an attachment.add op whose contents the
 * server refuses as too large (413), or whose blob is gone from the local
 * store, is marked rejected here with the reason and the rest goes on. */
typedef void (*duban_sync_progress_fn)(const struct duban_sync_report *report, void *ctx);
int duban_sync_run(duban_store *st, const struct duban_account *a, const struct duban_sync_options *o,
		   duban_sync_progress_fn progress, void *ctx, struct duban_sync_report *report);

/* The same in a background thread with its own connection to the ledger at
 * db_path, for the full-screen interface: the screen never waits for the
 * network.  duban_sync_job_fd is readable whenever there is news (poll it
 * with the keyboard); duban_sync_job_poll copies the latest report and
 * returns true once the sync has finished.  Free a job only after it
 * finished, or cancel it first (the current request is abandoned; what was
 * committed stays). */
/* A cancelled job ends with kind DUBAN_REMOTE_LOCAL and a message saying
 * so.  duban_sync_start calls duban_transport_init itself (and
 * duban_sync_job_free the cleanup); NULL when no thread could be started. */
typedef struct duban_sync_job duban_sync_job;
/* While a request of the running sync waits to be tried again: the retry
 * coming (1 …) and how many there may be; *retry is 0 otherwise. */
void duban_sync_retry_state(int *retry, int *retries_max);
duban_sync_job *duban_sync_start(const char *db_path, const struct duban_account *a,
				 const struct duban_sync_options *o);
int duban_sync_job_fd(const duban_sync_job *job);
bool duban_sync_job_poll(duban_sync_job *job, struct duban_sync_report *report);
void duban_sync_job_cancel(duban_sync_job *job);
void duban_sync_job_free(duban_sync_job *job);

/* The sync log (local table sync_log): the latest n syncs, newest first,
 * into a malloc'd array (free() it; NULL when the log is empty).  The
 * report's phase is DONE or FAILED; blobs_uploaded, pull_conflicts and the
 * *_waiting counts are not kept in the log (0). */
enum duban_err duban_sync_log_read(duban_store *st, int n, struct duban_sync_report **reports, int *got);

/* Attachments: the file is hashed and copied into the local blob store
 * ($XDG_DATA_HOME/duban/blobs/ab/HASH) and an attachment record (queued
 * for the server) is added to the item's latest inspection, or to the item,
 * as evidence of kind. */
enum duban_err duban_attach_file(duban_store *st, const char *code_or_id, const char *file,
				 enum duban_evidence_kind kind, struct duban_attachment *out, char *err,
				 size_t errlen);
/* The same without adding the record: the file is in the blob store and
 * out is filled, for a caller that adds it in a transaction of its own (a
 * 调度 submission). */
enum duban_err duban_attach_prepare(duban_store *st, const char *code_or_id, const char *file,
				    enum duban_evidence_kind kind, struct duban_attachment *out, char *err,
				    size_t errlen);
/* Path of a blob in the local store (malloc'd), whether or not it is there. */
char *duban_blob_local_path(const char *sha256);
/* Copies the file src, whose SHA-256 is sha256, into the local store
 * (mode 0600, atomically, synced to disk, the copy's hash checked).  0, or
 * -1 with a message in err. */
int duban_blob_store_file(const char *src, const char *sha256, char *err, size_t errlen);
/* The SHA-256 of the attachment with this id (or unique id prefix of 8
 * characters or more).  DUBAN_ERR_NOT_FOUND when there is none. */
enum duban_err duban_attachment_sha256(duban_store *st, const char *id, char sha256[65]);
/* Downloads a blob from the server into the local store, checking its
 * hash.  0, or -1 with *err (kind PROTOCOL when the bytes do not match). */
int duban_blob_fetch(const struct duban_account *a, const char *sha256, struct duban_remote_error *err);

#endif
