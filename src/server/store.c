/* Opening the store --store names: the SQLite backend for "sqlite:DIR" or
 * a plain directory, the PostgreSQL backend for a libpq URI or conninfo. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duban/util.h"
#include "server.h"
#include "store.h"

bool srv_store_is_pg(const char *url)
{
	if (!url)
		return false;
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return true;
	/* A key=value conninfo ("host=/run/postgresql dbname=duban"): a
	 * directory name has no '=' before its first '/'. */
	const char *eq = strchr(url, '='), *slash = strchr(url, '/');
	return strncmp(url, "sqlite:", 7) != 0 && eq && (!slash || eq < slash);
}

struct srv_store *srv_store_open(const char *url, const char *blob_dir, int readers, char *err, size_t errlen)
{
	struct srv_store *s;

	if (srv_store_is_pg(url)) {
#ifdef HAVE_POSTGRESQL
		s = srv_pg_open(url, readers, err, errlen);
#else
		snprintf(err, errlen, "this duband was built without PostgreSQL (configure found no libpq)");
		s = NULL;
#endif
	} else {
		s = srv_sqlite_open(strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url, readers, err, errlen);
	}
	if (s && blob_dir) {
		free(s->blob_dir);
		s->blob_dir = xstrdup(blob_dir);
	}
	return s;
}

void srv_store_close(struct srv_store *s)
{
	if (!s)
		return;
	s->ops->close(s);
	free(s->blob_dir);
	free(s->where);
	free(s);
}
