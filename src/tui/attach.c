/* Attachments from the TUI: attach a file as evidence (a path prompt with
 * Tab completion and ~, then the kind) and open one (fetched from the
 * server first when it is not in the local blob store).  Esc at any step
 * leaves everything as it was. */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "duban/model.h"
#include "duban/store.h"
#include "duban/sync.h"
#include "duban/util.h"
#include "tui.h"

#define KEY_ESC 27

/* ---------------------------------------------------------------- paths */

char *tui_expand_home(const char *path)
{
	const char *home = getenv("HOME");
	if (home && *home && path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

/* Length of the common prefix of a and b. */
static size_t common_prefix(const char *a, const char *b)
{
	size_t n = 0;
	while (a[n] && a[n] == b[n])
		n++;
	return n;
}

char *tui_complete_path(const char *text)
{
	char *full = tui_expand_home(text);
	char *slash = strrchr(full, '/');
	char *dir = slash ? xasprintf("%.*s", (int)(slash - full + 1), full) : xstrdup("");
	const char *base = slash ? slash + 1 : full;
	DIR *d = opendir(*dir ? dir : ".");
	char *best = NULL;
	int matches = 0;
	size_t blen = strlen(base);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (strncmp(e->d_name, base, blen) != 0 || strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		/* Hidden files only when asked for with a leading dot. */
		if (e->d_name[0] == '.' && base[0] != '.')
			continue;
		matches++;
		if (!best)
			best = xstrdup(e->d_name);
		else
			best[common_prefix(best, e->d_name)] = '\0';
	}
	if (d)
		closedir(d);
	char *out = NULL;
	if (best) {
		/* Keep the ~ the user typed: complete only the last part. */
		const char *tslash = strrchr(text, '/');
		size_t keep = tslash ? (size_t)(tslash - text + 1) : 0;
		out = xasprintf("%.*s%s", (int)keep, text, best);
		struct stat sb;
		char *path = xasprintf("%s%s", dir, best);
		if (matches == 1 && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			char *with = xasprintf("%s/", out);
			free(out);
			out = with;
		}
		free(path);
	}
	free(best);
	free(dir);
	free(full);
	return out;
}

static bool complete_key(struct tui *t, struct tui_lineedit *e, int key, void *ctx)
{
	(void)t, (void)ctx;
	if (key != '\t')
		return false;
	char *done = tui_complete_path(e->text);
	if (done)
		tui_lineedit_set(e, done);
	free(done);
	return true;
}

/* ---------------------------------------------------------------- attach */

static int choose_kind(struct tui *t)
{
	const char *names[DUBAN_EVIDENCE_COUNT];
	/* The kinds people attach most first: after, before, … other last. */
	static const enum duban_evidence_kind order[DUBAN_EVIDENCE_COUNT] = {
		DUBAN_EVIDENCE_AFTER, DUBAN_EVIDENCE_BEFORE, DUBAN_EVIDENCE_PENALTY, DUBAN_EVIDENCE_ACCEPTANCE,
		DUBAN_EVIDENCE_NOTICE, DUBAN_EVIDENCE_FEEDBACK, DUBAN_EVIDENCE_OTHER,
	};
	for (int i = 0; i < DUBAN_EVIDENCE_COUNT; i++)
		names[i] = duban_evidence_name(order[i]);
	int c = tui_choose(t, _("Kind of evidence"), names, DUBAN_EVIDENCE_COUNT, 0);
	return c < 0 ? -1 : (int)order[c];
}

int tui_attach(struct tui *t, const char *item_id)
{
	if (duban_store_role(t->st) == DUBAN_ROLE_VIEWER) {
		tui_message(t, true, "%s", _("your role (viewer) may read the ledger but not change it"));
		return TUI_REDRAW;
	}
	char *typed = tui_prompt_hook(t, _("Attach file (Tab completes): "), "", complete_key, NULL);
	if (!typed || !*typed) {
		free(typed);
		return TUI_REDRAW;
	}
	char *path = tui_expand_home(typed);
	free(typed);
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		tui_message(t, true, _("%s: no such file"), path);
		free(path);
		return TUI_REDRAW;
	}
	int kind = choose_kind(t);
	if (kind < 0) {
		free(path);
		return TUI_REDRAW;
	}
	struct duban_attachment a;
	char err[512] = "";
	memset(&a, 0, sizeof a);
	enum duban_err e = duban_attach_file(t->st, item_id, path, (enum duban_evidence_kind)kind, &a, err, sizeof err);
	if (e != DUBAN_OK)
		tui_message(t, true, "%s", *err ? err : duban_err_message(e));
	else
		tui_message(t, false, _("attached %s (%s), queued for the server"), a.name,
			    duban_evidence_name(a.kind));
	duban_attachment_free(&a);
	free(path);
	return e == DUBAN_OK ? TUI_RELOAD : TUI_REDRAW;
}

/* ---------------------------------------------------------------- open */

struct att_list {
	struct duban_attachment *a;
	int n;
};

static int collect(const struct duban_history_entry *e, void *data)
{
	struct att_list *l = data;
	if (!e->attachment)
		return 0;
	l->a = xrealloc(l->a, (size_t)(l->n + 1) * sizeof *l->a);
	struct duban_attachment *c = &l->a[l->n++];
	*c = *e->attachment;
	c->name = xstrdup(e->attachment->name ? e->attachment->name : "");
	c->mime = xstrdup(e->attachment->mime ? e->attachment->mime : "");
	c->author = xstrdup(e->attachment->author ? e->attachment->author : "");
	return 0;
}

/* The blob of a in the local store, downloaded when missing and logged
 * in.  Malloc'd path, or NULL with a message shown. */
static char *local_blob(struct tui *t, const struct duban_attachment *a)
{
	char *path = duban_blob_local_path(a->sha256);
	if (access(path, R_OK) == 0)
		return path;
	struct duban_account acc;
	char err[256] = "";
	char *apath = duban_account_path();
	int r = duban_account_load(apath, &acc, err, sizeof err);
	free(apath);
	if (r != 1) {
		duban_account_free(&acc);
		tui_message(t, true, _("%s is not on this device; log in (duban login) to download it"), a->name);
		free(path);
		return NULL;
	}
	tui_message(t, false, _("downloading %s…"), a->name);
	tui_draw_all(t);
	struct duban_remote_error rerr;
	duban_remote_error_clear(&rerr);
	int got = duban_blob_fetch(&acc, a->sha256, &rerr);
	duban_account_free(&acc);
	if (got != 0) {
		tui_message(t, true, _("%s could not be downloaded: %s"), a->name, rerr.message);
		free(path);
		return NULL;
	}
	return path;
}

/* Runs the viewer on path, detached from the terminal; false when it
 * could not be started. */
static bool run_viewer(const char *viewer, const char *path)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		/* A grandchild, so that no zombie waits for the TUI to reap it. */
		if (fork() != 0)
			_exit(0);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execlp(viewer, viewer, path, (char *)NULL);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	return true;
}

static bool has_display(void)
{
	const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
	return (x && *x) || (w && *w);
}

static int open_one(struct tui *t, const struct duban_attachment *a)
{
	char *path = local_blob(t, a);
	if (!path)
		return TUI_REDRAW;
	const char *viewer = getenv("DUBAN_OPEN");
	if (!viewer || !*viewer)
		viewer = has_display() ? "xdg-open" : NULL;
	if (viewer && run_viewer(viewer, path))
		tui_message(t, false, _("opened %s with %s"), a->name, viewer);
	else
		tui_message(t, false, _("%s is at %s"), a->name, path);
	free(path);
	return TUI_REDRAW;
}

int tui_open_attachment(struct tui *t, const char *item_id)
{
	struct att_list l = { NULL, 0 };
	duban_history_each(t->st, item_id, collect, &l);
	int pick = -1;
	if (l.n == 0) {
		tui_message(t, true, "%s", _("this item has no attachments"));
	} else if (l.n == 1) {
		pick = 0;
	} else {
		char **names = xcalloc((size_t)l.n, sizeof *names);
		for (int i = 0; i < l.n; i++)
			names[i] = xasprintf("%s (%s)", l.a[i].name, duban_evidence_name(l.a[i].kind));
		pick = tui_choose(t, _("Open attachment"), (const char *const *)names, l.n, 0);
		for (int i = 0; i < l.n; i++)
			free(names[i]);
		free(names);
	}
	int r = pick >= 0 ? open_one(t, &l.a[pick]) : TUI_REDRAW;
	for (int i = 0; i < l.n; i++)
		duban_attachment_free(&l.a[i]);
	free(l.a);
	return r;
}
