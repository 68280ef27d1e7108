/* The PostgreSQL backend (being written): refuses to open for now. */
#include <config.h>

#include <stdio.h>

#include "store.h"

struct srv_store *srv_pg_open(const char *conninfo, int conns, char *err, size_t errlen)
{
	(void)conninfo;
	(void)conns;
	snprintf(err, errlen, "the PostgreSQL store is not finished in this build");
	return NULL;
}
