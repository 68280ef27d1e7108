/* Sync from the full-screen interface: one background job at a time, its
 * progress and outcome on the status line, automatic syncs every N minutes,
 * and the figures the status line shows (queued, rejected, conflicts). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "duban/date.h"
#include "duban/model.h"
#include "duban/policy.h"
#include "duban/store.h"
#include "duban/sync.h"
#include "duban/sync_store.h"
#include "duban/utf8.h"
#include "duban/util.h"
#include "tui.h"

#ifdef ENABLE_NLS
#define P_(one, many, n) ngettext(one, many, (unsigned long)(n))
#else
#define P_(one, many, n) ((n) == 1 ? (one) : (many))
#endif

/* What the last sync said about the server; the status line's first word. */
enum net_state {
	NET_UNKNOWN,  /* logged in, nothing tried yet */
	NET_ONLINE,   /* the last sync worked */
	NET_OFFLINE,  /* the last sync could not reach the server */
	NET_FAILED,   /* the server answered with an error */
	NET_NOLOGIN   /* no account, or its token is gone */
};

struct tui_sync {
	duban_sync_job *job;
	struct duban_account account; /* kept while the job may read it */
	struct duban_sync_report report;
	enum net_state net;
	enum duban_remote_kind cause; /* why the last sync failed (offline, failed) */
	time_t account_mtime; /* of the account file when last looked at, 0 none */
	char last[32];        /* the last full sync in local time, "" never */
	time_t last_attempt;  /* wall clock of the last sync started (or stored) */
	bool auto_paused;     /* a failure retrying cannot fix (login, TLS) */
	bool automatic;       /* the running job was started by auto-sync */
};

/* ---------------------------------------------------------------- state */

static void read_last(struct tui *t)
{
	struct tui_sync *s = t->sync;
	char *last = duban_sync_get(t->st, DUBAN_SYNC_LAST);
	s->last[0] = '\0';
	if (last && *last)
		duban_timestamp_local(last, false, s->last);
	free(last);
}

/* A stored UTC timestamp as a time_t; 0 when it is not one. */
static time_t parse_utc(const char *ts)
{
	struct tm tm = { 0 };
	if (!ts || sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			  &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t when = timegm(&tm);
	return when == (time_t)-1 ? 0 : when;
}

static enum net_state state_of(const struct duban_remote_error *e)
{
	switch (e->kind) {
	case DUBAN_REMOTE_OK: return NET_ONLINE;
	case DUBAN_REMOTE_OFFLINE: return NET_OFFLINE;
	case DUBAN_REMOTE_AUTH: return NET_NOLOGIN;
	default: return NET_FAILED;
	}
}

/* 1: logged in (account loaded into *a); 0: not; -1: the file is bad
 * (message in err). */
static int load_account(struct duban_account *a, char *err, size_t errlen)
{
	char *path = duban_account_path();
	int r = duban_account_load(path, a, err, errlen);
	free(path);
	if (r == 1 && (!a->token || !*a->token || !a->url)) {
		duban_account_free(a);
		return 0;
	}
	return r;
}

void tui_sync_counts(struct tui *t)
{
	long long all = duban_outbox_count(t->st);
	t->rejected = duban_outbox_rejected_count(t->st);
	if (t->rejected < 0)
		t->rejected = 0;
	t->queued = all > t->rejected ? all - t->rejected : 0;
	t->conflicts = duban_conflict_count(t->st);
	if (t->conflicts < 0)
		t->conflicts = 0;
}

/* The account file's modification time; 0 when there is none. */
static time_t account_mtime(void)
{
	char *path = duban_account_path();
	struct stat sb;
	time_t m = path && stat(path, &sb) == 0 ? sb.st_mtime : 0;
	free(path);
	return m;
}

bool tui_sync_account_changed(struct tui *t)
{
	struct tui_sync *s = t->sync;
	if (!s || s->job)
		return false;
	time_t m = account_mtime();
	if (m == s->account_mtime)
		return false;
	s->account_mtime = m;
	struct duban_account a;
	char err[256];
	/* Written anew: a login (or whoami) has just reached the server. */
	if (load_account(&a, err, sizeof err) == 1) {
		duban_account_free(&a);
		s->net = NET_ONLINE;
		s->auto_paused = false;
	} else {
		s->net = NET_NOLOGIN;
	}
	return true;
}

void tui_sync_init(struct tui *t)
{
	struct tui_sync *s = xcalloc(1, sizeof *s);
	struct duban_account a;
	char err[256];

	t->sync = s;
	read_last(t);
	char *last = duban_sync_get(t->st, DUBAN_SYNC_LAST);
	s->last_attempt = parse_utc(last);
	free(last);
	if (load_account(&a, err, sizeof err) != 1) {
		s->net = NET_NOLOGIN;
	} else {
		duban_account_free(&a);
		/* The last sync's outcome says online or offline until the
		 * next one: no request at start-up. */
		struct duban_sync_report *logs = NULL;
		int got = 0;
		if (duban_sync_log_read(t->st, 1, &logs, &got) == DUBAN_OK && got > 0) {
			s->net = state_of(&logs[0].error);
			s->cause = logs[0].error.kind;
		}
		/* Logged in since the last sync (or never synced): the
		 * login reached the server. */
		time_t started = got > 0 ? parse_utc(logs[0].started_at) : 0;
		if (account_mtime() > started)
			s->net = NET_ONLINE;
		free(logs);
	}
	s->account_mtime = account_mtime();
	tui_sync_counts(t);
}

void tui_sync_free(struct tui *t)
{
	struct tui_sync *s = t->sync;
	if (!s)
		return;
	if (s->job) {
		/* Quitting mid-sync: what was committed stays, the rest
		 * is sent next time. */
		duban_sync_job_cancel(s->job);
		duban_sync_job_free(s->job);
	}
	duban_account_free(&s->account);
	free(s);
	t->sync = NULL;
}

bool tui_sync_running(const struct tui *t)
{
	return t->sync && t->sync->job;
}

int tui_sync_fd(const struct tui *t)
{
	return tui_sync_running(t) ? duban_sync_job_fd(t->sync->job) : -1;
}

/* ---------------------------------------------------------------- starting */

int tui_sync_start(struct tui *t, bool automatic)
{
	struct tui_sync *s = t->sync;
	char err[256];

	if (s->job) {
		if (!automatic)
			tui_message(t, false, "%s", _("a sync is already running"));
		return TUI_REDRAW;
	}
	/* Every attempt counts for auto-sync's interval, the failed ones too. */
	s->last_attempt = time(NULL);
	duban_account_free(&s->account);
	int r = load_account(&s->account, err, sizeof err);
	if (r != 1) {
		s->net = NET_NOLOGIN;
		if (automatic)
			return TUI_REDRAW;
		if (r < 0)
			tui_message(t, true, "%s", err);
		else
			tui_message(t, true, "%s", _("not logged in: run duban login URL USER"));
		return TUI_REDRAW;
	}
	/* A guess (DUBAN_DB, the default) could sync another ledger than the
	 * one on screen. */
	if (!t->db_path || !*t->db_path) {
		if (!automatic)
			tui_message(t, true, "%s", _("cannot sync from here: the ledger's file is unknown; run duban sync"));
		duban_account_free(&s->account);
		return TUI_REDRAW;
	}
	struct duban_sync_options o;
	duban_sync_options_defaults(&o);
	s->job = duban_sync_start(t->db_path, &s->account, &o);
	if (!s->job) {
		duban_account_free(&s->account);
		tui_message(t, true, "%s", _("cannot start a sync (out of threads or file descriptors?)"));
		return TUI_REDRAW;
	}
	/* A sync asked for by hand is also a fresh start for auto-sync. */
	if (!automatic)
		s->auto_paused = false;
	s->automatic = automatic;
	memset(&s->report, 0, sizeof s->report);
	s->report.phase = DUBAN_SYNC_CONNECTING;
	return TUI_REDRAW;
}

/* ---------------------------------------------------------------- news */

static char *summary(const struct duban_sync_report *r)
{
	struct duban_buf b;
	duban_buf_init(&b);
	if (r->pushed == 0 && r->pulled == 0 && r->blobs_uploaded == 0)
		duban_buf_puts(&b, _("synced: up to date"));
	else
		duban_buf_printf(&b, _("synced: sent %lld, received %lld"), r->pushed, r->pulled);
	if (r->conflicts_waiting > 0)
		duban_buf_printf(&b, P_(" · %lld conflict to resolve", " · %lld conflicts to resolve",
					r->conflicts_waiting), r->conflicts_waiting);
	if (r->rejected_waiting > 0)
		duban_buf_printf(&b, P_(" · %lld change rejected", " · %lld changes rejected", r->rejected_waiting),
				 r->rejected_waiting);
	return duban_buf_steal(&b);
}

static int finished(struct tui *t)
{
	struct tui_sync *s = t->sync;
	const struct duban_sync_report *r = &s->report;

	duban_sync_job_free(s->job);
	s->job = NULL;
	/* A first download leaves the search index to a process of its own
	 * (searches scan meanwhile). */
	if (t->db_path && duban_search_index_pending(t->st))
		duban_search_index_build_in_background(t->db_path);
	duban_account_free(&s->account);
	s->net = state_of(&r->error);
	s->cause = r->error.kind;
	s->account_mtime = account_mtime(); /* the sync may write the role */
	/* The sync brought the account's role and counties as the server has
	 * them now: what this screen offers follows at once. */
	char *path = duban_account_path();
	struct duban_account a;
	char err[256];
	if (duban_account_load(path, &a, err, sizeof err) > 0)
		duban_account_act(t->st, &a, duban_store_role(t->st));
	duban_account_free(&a);
	free(path);
	/* And the office's policies it may have brought (duban_policy_load). */
	duban_policy_load(t->st, &t->settings);
	/* Auto-sync speaks only when there is news: the status line already
	 * says offline, every N minutes. */
	bool quiet = s->automatic && (r->error.kind == DUBAN_REMOTE_OFFLINE ||
				      (r->error.kind == DUBAN_REMOTE_OK && r->pushed == 0 && r->pulled == 0 &&
				       r->conflicts_waiting == 0 && r->rejected_waiting == 0));
	if (quiet) {
		/* nothing to say */
	} else if (r->error.kind == DUBAN_REMOTE_OK) {
		char *msg = summary(r);
		bool attention = r->conflicts_waiting > 0 || r->rejected_waiting > 0;
		tui_message(t, attention, "%s", msg);
		free(msg);
	} else {
		/* The engine's message already says what to do; "offline"
		 * first, as the status line will say. */
		const char *msg = r->error.message[0] ? r->error.message : _("the sync failed");
		if (r->error.kind == DUBAN_REMOTE_OFFLINE && strncmp(msg, _("offline"), strlen(_("offline"))) != 0)
			tui_message(t, true, _("offline: %s"), msg);
		else
			tui_message(t, true, "%s", msg);
		enum duban_remote_kind k = r->error.kind;
		s->auto_paused = k == DUBAN_REMOTE_AUTH || k == DUBAN_REMOTE_TLS || k == DUBAN_REMOTE_FORBIDDEN ||
			k == DUBAN_REMOTE_LOCAL;
	}
	read_last(t);
	tui_sync_counts(t);
	return TUI_REDRAW | TUI_RELOAD;
}

int tui_sync_wait_ms(struct tui *t)
{
	struct tui_sync *s = t->sync;
	int minutes = t->settings.auto_sync_minutes;
	/* Not logged in: the account is looked at again every N minutes,
	 * so a `duban login` elsewhere starts the syncs. */
	if (!s || s->job || minutes <= 0 || s->auto_paused)
		return -1;
	time_t due = s->last_attempt + (time_t)minutes * 60;
	time_t now = time(NULL);
	if (due <= now)
		return 0;
	/* Look again within a minute: the clock may jump, options change. */
	long long ms = (long long)(due - now) * 1000;
	return ms > 60000 ? 60000 : (int)ms;
}

int tui_sync_event(struct tui *t)
{
	struct tui_sync *s = t->sync;
	if (s->job) {
		if (duban_sync_job_poll(s->job, &s->report))
			return finished(t);
		return TUI_REDRAW;
	}
	if (tui_sync_wait_ms(t) == 0)
		return tui_sync_start(t, true);
	return 0;
}

/* ---------------------------------------------------------------- status */

static char *progress_phase(const struct duban_sync_report *r)
{
	switch (r->phase) {
	case DUBAN_SYNC_CONNECTING:
		return xstrdup(_("syncing… connecting"));
	case DUBAN_SYNC_UPLOADING:
		return xasprintf(_("syncing… attachments %lld"), r->blobs_uploaded);
	case DUBAN_SYNC_PUSHING:
		return xasprintf(_("syncing… pushed %lld/%lld"), r->pushed, r->to_push);
	case DUBAN_SYNC_PULLING:
		return xasprintf(P_("syncing… pulled %lld (%lld page)", "syncing… pulled %lld (%lld pages)", r->pages),
				 r->pulled, r->pages);
	default:
		return xstrdup(_("syncing…"));
	}
}

/* The phase, and the retry a request waits for ("retry 2 of 4"). */
static char *progress(const struct duban_sync_report *r)
{
	char *phase = progress_phase(r);
	int retry, retries_max;
	duban_sync_retry_state(&retry, &retries_max);
	if (retry <= 0)
		return phase;
	char *s = xasprintf(_("%s (retry %d of %d)"), phase, retry, retries_max);
	free(phase);
	return s;
}

/* Why the last sync failed, in a few words for the status line. */
static const char *cause_word(enum duban_remote_kind k)
{
	switch (k) {
	case DUBAN_REMOTE_OFFLINE: return _("server unreachable");
	case DUBAN_REMOTE_TLS: return _("certificate not trusted");
	case DUBAN_REMOTE_FORBIDDEN: return _("access refused");
	case DUBAN_REMOTE_NOT_FOUND: return _("no duban server at that address");
	case DUBAN_REMOTE_TOO_LARGE: return _("too large for the server");
	case DUBAN_REMOTE_RATE_LIMITED: return _("server busy");
	case DUBAN_REMOTE_SERVER: return _("server error");
	case DUBAN_REMOTE_PROTOCOL: return _("unexpected answer");
	case DUBAN_REMOTE_LOCAL: return _("stopped here");
	default: return "";
	}
}

enum tui_element tui_sync_element(const struct tui *t)
{
	const struct tui_sync *s = t->sync;
	if (!s)
		return TUI_EL_STATUS_OFFLINE;
	switch (s->net) {
	case NET_ONLINE: return TUI_EL_STATUS_ONLINE;
	case NET_FAILED: return TUI_EL_STATUS_ERROR;
	default: return TUI_EL_STATUS_OFFLINE;
	}
}

static const char *net_word(struct tui *t, const struct tui_sync *s)
{
	switch (s->net) {
	case NET_ONLINE: return _("online");
	case NET_FAILED: return _("sync failed");
	case NET_NOLOGIN:
		/* The local role shows when it restricts what can be done. */
		if (duban_store_role(t->st) == DUBAN_ROLE_VIEWER)
			return _("offline (not logged in, viewer)");
		if (duban_store_role(t->st) == DUBAN_ROLE_INSPECTOR)
			return _("offline (not logged in, inspector)");
		return _("offline (not logged in)");
	default: return _("offline");
	}
}

char *tui_first_key(struct tui *t, const char *view, enum tui_action a)
{
	char *keys = tui_keys_for(t, view, a);
	char *comma = strstr(keys, ", ");
	if (comma)
		*comma = '\0';
	return keys;
}

char *tui_sync_status(struct tui *t, bool brief)
{
	struct tui_sync *s = t->sync;
	struct duban_buf b;

	duban_buf_init(&b);
	duban_buf_putc(&b, ' ');
	if (s && s->job) {
		char *p = progress(&s->report);
		duban_buf_puts(&b, p);
		free(p);
	} else if (brief && s && s->net == NET_NOLOGIN) {
		duban_buf_puts(&b, _("offline"));
	} else {
		duban_buf_puts(&b, s ? net_word(t, s) : _("offline"));
		/* A failed sync says why until the next one works. */
		const char *why = s && (s->net == NET_OFFLINE || s->net == NET_FAILED) ? cause_word(s->cause) : "";
		if (!brief && *why)
			duban_buf_printf(&b, _(" (%s)"), why);
	}
	/* "never" says nothing new next to "not logged in". */
	if (!brief && s && s->last[0])
		duban_buf_printf(&b, _(" · last sync: %s"), s->last);
	else if (!brief && !(s && s->net == NET_NOLOGIN && !s->job))
		duban_buf_printf(&b, " · %s", _("last sync: never"));
	duban_buf_printf(&b, " · ");
	duban_buf_printf(&b, P_("%lld queued", "%lld queued", t->queued), t->queued);
	if (t->rejected > 0) {
		duban_buf_printf(&b, " · ");
		duban_buf_printf(&b, P_("%lld rejected", "%lld rejected", t->rejected), t->rejected);
	}
	duban_buf_printf(&b, " · ");
	duban_buf_printf(&b, P_("%lld conflict", "%lld conflicts", t->conflicts), t->conflicts);
	if (!brief && (t->conflicts > 0 || t->rejected > 0)) {
		char *key = tui_first_key(t, "generic", TUI_ACT_VIEW_CONFLICTS);
		if (*key)
			duban_buf_printf(&b, _(" (%s to resolve)"), key);
		free(key);
	}
	return duban_buf_steal(&b);
}

/* ---------------------------------------------------------------- values */

const char *tui_field_title(const char *field)
{
	const struct duban_field *f = field ? duban_field_find(field) : NULL;
	return f ? _(f->title) : field ? field : "";
}

char *tui_conflict_value(const char *field, const char *value)
{
	if (!value)
		return xstrdup(_("(none)"));
	if (!*value)
		return xstrdup(_("(empty)"));
	const struct duban_field *f = field ? duban_field_find(field) : NULL;
	char *shown = f ? duban_value_display(f, value) : xstrdup(value);
	char *clean = duban_sanitize(shown, true);
	free(shown);
	return clean;
}
