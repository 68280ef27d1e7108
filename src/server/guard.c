/* Deadlines for slow clients.  libmicrohttpd's own timeout is an idle one:
 * a client that sends one byte every few seconds is never idle and held a
 * connection thread for ever.  Every connection is registered here (its
 * socket, its phase and when that began) and a watchdog thread cuts, with
 * shutdown(2), a connection that has not sent its whole request head within
 * head_timeout seconds of opening (or of its previous answer, on a kept-alive
 * connection), or whose body arrives slower than GUARD_MIN_RATE once
 * body_timeout seconds have passed.  When the connections come within the
 * reserve of the limit, heads get only GUARD_BUSY_HEAD seconds, so idle and
 * slow clients make room for new ones instead of locking them out.
 *
 * A registered socket is still open: libmicrohttpd reports a connection
 * closed before it closes the socket, and both happen under the lock. */
#include <config.h>

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "server.h"

#define GUARD_TICK_MS 200
#define GUARD_BUSY_HEAD 2     /* seconds for a head while the server is nearly full */
#define GUARD_MIN_RATE 8192   /* bytes a second a body must average after body_timeout */

struct guard_conn {
	struct guard_conn *prev, *next;
	MHD_socket fd;
	enum srv_guard_phase phase;
	struct timespec since;
	long long bytes; /* of the body, so far */
	bool cut;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool running, stop;
	int head_timeout, body_timeout, busy_at;
	struct guard_conn *head;
	int count;
} G = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static double since_s(const struct timespec *t, const struct timespec *now)
{
	return (double)(now->tv_sec - t->tv_sec) + (double)(now->tv_nsec - t->tv_nsec) / 1e9;
}

/* Under G.lock: whether gc has overstayed its phase. */
static bool overdue(const struct guard_conn *gc, const struct timespec *now, bool busy)
{
	double t = since_s(&gc->since, now);
	switch (gc->phase) {
	case SRV_GUARD_HEAD:
		return t > (busy ? GUARD_BUSY_HEAD : G.head_timeout);
	case SRV_GUARD_BODY:
		return t > G.body_timeout && (double)gc->bytes < GUARD_MIN_RATE * t;
	default:
		return false; /* the server is answering: MHD's idle timeout covers a stalled reader */
	}
}

static void *watchdog(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&G.lock);
	while (!G.stop) {
		struct timespec now, until;
		clock_gettime(CLOCK_MONOTONIC, &now);
		bool busy = G.count >= G.busy_at;
		for (struct guard_conn *gc = G.head; gc; gc = gc->next) {
			if (!gc->cut && overdue(gc, &now, busy)) {
				gc->cut = true;
				shutdown(gc->fd, SHUT_RDWR);
			}
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&G.wake, &G.lock, &until);
	}
	pthread_mutex_unlock(&G.lock);
	return NULL;
}

bool srv_guard_start(int head_timeout, int body_timeout, int max_connections)
{
	G.head_timeout = head_timeout;
	G.body_timeout = body_timeout;
	G.busy_at = max_connections - srv_guard_reserve(max_connections);
	G.stop = false;
	G.running = pthread_create(&G.thread, NULL, watchdog, NULL) == 0;
	return G.running;
}

void srv_guard_stop(void)
{
	if (!G.running)
		return;
	pthread_mutex_lock(&G.lock);
	G.stop = true;
	pthread_cond_signal(&G.wake);
	pthread_mutex_unlock(&G.lock);
	pthread_join(G.thread, NULL);
	G.running = false;
}

int srv_guard_reserve(int max_connections)
{
	int r = max_connections / 8;
	return r < 1 ? 1 : r;
}

void srv_guard_notify(struct MHD_Connection *c, void **socket_context, bool started)
{
	if (started) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct guard_conn *gc = ci ? calloc(1, sizeof *gc) : NULL;
		*socket_context = gc;
		if (!gc)
			return; /* not watched: MHD's idle timeout still applies */
		gc->fd = ci->connect_fd;
		gc->phase = SRV_GUARD_HEAD;
		clock_gettime(CLOCK_MONOTONIC, &gc->since);
		pthread_mutex_lock(&G.lock);
		gc->next = G.head;
		if (G.head)
			G.head->prev = gc;
		G.head = gc;
		G.count++;
		pthread_mutex_unlock(&G.lock);
		return;
	}
	struct guard_conn *gc = *socket_context;
	if (!gc)
		return;
	pthread_mutex_lock(&G.lock);
	if (gc->prev)
		gc->prev->next = gc->next;
	else
		G.head = gc->next;
	if (gc->next)
		gc->next->prev = gc->prev;
	G.count--;
	pthread_mutex_unlock(&G.lock);
	free(gc);
	*socket_context = NULL;
}

static struct guard_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

void srv_guard_phase(struct MHD_Connection *c, enum srv_guard_phase phase)
{
	struct guard_conn *gc = conn_of(c);
	if (!gc)
		return;
	pthread_mutex_lock(&G.lock);
	gc->phase = phase;
	gc->bytes = 0;
	clock_gettime(CLOCK_MONOTONIC, &gc->since);
	pthread_mutex_unlock(&G.lock);
}

void srv_guard_bytes(struct MHD_Connection *c, size_t n)
{
	struct guard_conn *gc = conn_of(c);
	if (!gc)
		return;
	pthread_mutex_lock(&G.lock);
	gc->bytes += (long long)n;
	pthread_mutex_unlock(&G.lock);
}
