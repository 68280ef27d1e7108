/* The server under load: many concurrent HTTPS clients (one libcurl multi
 * handle, one easy handle and one kept-alive connection per client), each
 * looping requests as duban clients make them: pages of pull from the start
 * or from cursors seen earlier, and pushes of note.add or item.set on random
 * items.  Prints requests, errors by status, requests per second and
 * latency percentiles.
 *
 *   load --url https://127.0.0.1:PORT[,https://…] --cacert FILE --token T
 *        [--clients 100] [--seconds 20] [--push-ratio 0.2] [--limit 50]
 *        [--items-file ids.txt] [--sources N]
 *
 * With several URLs (instances of one duband on one database), client i
 * talks to URL i % n: the cursors one instance gives are good at the others.
 *
 * --sources N binds client i to the source address 127.0.0.(1 + i % N), so
 * that a loopback run looks like clients on several machines (duband allows
 * 64 connections per address).
 *
 * Lines starting with '@' are for bench_server.sh: "@key value". */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#define MAX_CURSORS 4096
#define MAX_STATUS 600

struct buf {
	char *data;
	size_t len, cap;
};

enum req_kind { REQ_PULL, REQ_PUSH_NOTE, REQ_PUSH_SET, REQ_KIND_COUNT };
static const char *const kind_names[REQ_KIND_COUNT] = { "pull", "push note.add", "push item.set" };

struct client {
	CURL *easy;
	struct buf resp;
	char *body;
	char url[512];
	enum req_kind kind;
	long long seq;
	char device[32];
	char source[32]; /* CURLOPT_INTERFACE, "" for the default */
	const char *base; /* the URL this client talks to */
};

static struct {
	const char *url, *cacert, *token, *items_file;
	int clients, seconds, limit, sources;
	double push_ratio;
} opt = { NULL, NULL, NULL, NULL, 100, 20, 50, 1, 0.2 };

#define MAX_URLS 16
static char *urls[MAX_URLS];
static int nurls;

static char **items;
static size_t nitems;
static char *cursors[MAX_CURSORS];
static size_t ncursors;
static uint64_t rng_state;

static double *lat;
static size_t nlat, caplat;
static long long status_count[MAX_STATUS];
static long long transport_errors;
static long long kind_count[REQ_KIND_COUNT];
static long long results[4]; /* applied, duplicate, conflict, rejected */
static long long resets;
static struct curl_slist *headers;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "load: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(2);
}

static void *xmalloc_or_die(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("%s", "out of memory");
	return p;
}

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static double rnd01(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

static void uuid4(char out[37])
{
	uint64_t a = rnd(), b = rnd();
	unsigned char x[16];
	for (int i = 0; i < 8; i++) {
		x[i] = (unsigned char)(a >> (8 * i));
		x[8 + i] = (unsigned char)(b >> (8 * i));
	}
	x[6] = (unsigned char)((x[6] & 0x0f) | 0x40);
	x[8] = (unsigned char)((x[8] & 0x3f) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11], x[12], x[13],
		 x[14], x[15]);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct buf *b = userdata;
	size_t n = size * nmemb;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (!p)
			return 0;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static void read_items(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("cannot open %s", path);
	size_t cap = 1024;
	items = xmalloc_or_die(cap * sizeof *items);
	char line[256];
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n \t")] = '\0';
		if (strlen(line) != 36)
			continue;
		if (nitems == cap) {
			cap *= 2;
			char **p = realloc(items, cap * sizeof *items);
			if (!p)
				die("%s", "out of memory");
			items = p;
		}
		items[nitems] = xmalloc_or_die(37);
		memcpy(items[nitems], line, 37);
		nitems++;
	}
	fclose(f);
	if (!nitems)
		die("no item ids in %s", path);
}

static void remember_cursor(const char *c)
{
	if (!c || !*c || strlen(c) > 64)
		return;
	size_t slot = ncursors < MAX_CURSORS ? ncursors++ : (size_t)(rnd() % MAX_CURSORS);
	free(cursors[slot]);
	size_t n = strlen(c) + 1;
	cursors[slot] = xmalloc_or_die(n);
	memcpy(cursors[slot], c, n);
}

/* Sets up the client's next request. */
static void next_request(struct client *c)
{
	free(c->body);
	c->body = NULL;
	c->resp.len = 0;
	curl_easy_reset(c->easy);
	curl_easy_setopt(c->easy, CURLOPT_CAINFO, opt.cacert);
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, &c->resp);
	curl_easy_setopt(c->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
	if (c->source[0])
		curl_easy_setopt(c->easy, CURLOPT_INTERFACE, c->source);

	bool push = nitems > 0 && rnd01() < opt.push_ratio;
	if (!push) {
		c->kind = REQ_PULL;
		const char *since = "0";
		if (ncursors && rnd01() < 0.8)
			since = cursors[rnd() % ncursors];
		snprintf(c->url, sizeof c->url, "%s/api/v1/pull?since=%s&limit=%d", c->base, since, opt.limit);
		curl_easy_setopt(c->easy, CURLOPT_URL, c->url);
		return;
	}
	char op_id[37], rec_id[37];
	uuid4(op_id);
	uuid4(rec_id);
	const char *item = items[rnd() % nitems];
	size_t cap = 1024;
	c->body = xmalloc_or_die(cap);
	c->seq++;
	if (rnd01() < 0.5) {
		c->kind = REQ_PUSH_NOTE;
		/* No author: the server credits the token's user, and refuses a
		 * note that names anyone else. */
		snprintf(c->body, cap,
			 "{\"device\":\"%s\",\"ops\":[{\"id\":\"%s\",\"client_seq\":%lld,\"kind\":\"note.add\","
			 "\"item_id\":\"%s\",\"created_at\":\"2026-06-15T08:00:00Z\",\"body\":{\"id\":\"%s\","
			 "\"item_id\":\"%s\",\"text\":\"压力测试备注 %s\","
			 "\"created_at\":\"2026-06-15T08:00:00Z\"}}]}",
			 c->device, op_id, c->seq, item, rec_id, item, rec_id);
	} else {
		c->kind = REQ_PUSH_SET;
		/* A random base: applied when it matches, a conflict otherwise;
		 * both are ordinary answers the server must compute. */
		snprintf(c->body, cap,
			 "{\"device\":\"%s\",\"ops\":[{\"id\":\"%s\",\"client_seq\":%lld,\"kind\":\"item.set\","
			 "\"item_id\":\"%s\",\"field\":\"progress\",\"base\":\"%d\",\"value\":\"%d\","
			 "\"created_at\":\"2026-06-15T08:00:00Z\"}]}",
			 c->device, op_id, c->seq, item, (int)(rnd() % 101), (int)(rnd() % 101));
	}
	snprintf(c->url, sizeof c->url, "%s/api/v1/push", c->base);
	curl_easy_setopt(c->easy, CURLOPT_URL, c->url);
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, c->body);
}

static void record(struct client *c, CURLcode rc)
{
	kind_count[c->kind]++;
	if (rc != CURLE_OK) {
		transport_errors++;
		if (transport_errors <= 5)
			fprintf(stderr, "load: %s: %s\n", kind_names[c->kind], curl_easy_strerror(rc));
		return;
	}
	long status = 0;
	curl_off_t us = 0;
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c->easy, CURLINFO_TOTAL_TIME_T, &us);
	if (status >= 0 && status < MAX_STATUS)
		status_count[status]++;
	if (nlat == caplat) {
		caplat = caplat ? caplat * 2 : 65536;
		double *p = realloc(lat, caplat * sizeof *lat);
		if (!p)
			die("%s", "out of memory");
		lat = p;
	}
	lat[nlat++] = (double)us / 1000.0;
	if (status != 200 || !c->resp.data)
		return;
	cJSON *j = cJSON_ParseWithLength(c->resp.data, c->resp.len);
	if (!j)
		return;
	if (c->kind == REQ_PULL) {
		const cJSON *next = cJSON_GetObjectItemCaseSensitive(j, "next");
		if (cJSON_IsString(next))
			remember_cursor(next->valuestring);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "reset")))
			resets++;
	} else {
		const cJSON *res = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "results"), 0);
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(res, "result");
		if (cJSON_IsString(r)) {
			static const char *const names[4] = { "applied", "duplicate", "conflict", "rejected" };
			for (int i = 0; i < 4; i++)
				if (strcmp(r->valuestring, names[i]) == 0)
					results[i]++;
		}
	}
	cJSON_Delete(j);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double pct(double p)
{
	if (!nlat)
		return 0;
	size_t i = (size_t)(p * (double)(nlat - 1) + 0.5);
	return lat[i];
}

static void usage(void)
{
	fprintf(stderr, "usage: load --url https://HOST:PORT[,URL...] --cacert FILE --token T [--clients N] [--seconds S]\n"
			"            [--push-ratio R] [--limit N] [--items-file FILE] [--sources N]\n"
			"--sources N spreads the clients over the source addresses 127.0.0.1..N\n"
			"(the server allows 64 connections per address).\n");
	exit(2);
}

/* --url A,B,...: one entry per instance. */
static void split_urls(const char *list)
{
	const char *p = list;
	while (*p && nurls < MAX_URLS) {
		size_t n = strcspn(p, ",");
		if (n > 0) {
			urls[nurls] = xmalloc_or_die(n + 1);
			memcpy(urls[nurls], p, n);
			urls[nurls][n] = '\0';
			nurls++;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	if (nurls == 0)
		usage();
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (strcmp(a, "--url") == 0)
			opt.url = v;
		else if (strcmp(a, "--cacert") == 0)
			opt.cacert = v;
		else if (strcmp(a, "--token") == 0)
			opt.token = v;
		else if (strcmp(a, "--items-file") == 0)
			opt.items_file = v;
		else if (strcmp(a, "--clients") == 0)
			opt.clients = atoi(v);
		else if (strcmp(a, "--seconds") == 0)
			opt.seconds = atoi(v);
		else if (strcmp(a, "--limit") == 0)
			opt.limit = atoi(v);
		else if (strcmp(a, "--sources") == 0)
			opt.sources = atoi(v);
		else if (strcmp(a, "--push-ratio") == 0)
			opt.push_ratio = strtod(v, NULL);
		else
			usage();
	}
	if (!opt.url || !opt.token || opt.clients < 1 || opt.seconds < 1 || opt.limit < 1 || opt.sources < 1 || opt.sources > 250 ||
	    opt.push_ratio < 0 || opt.push_ratio > 1)
		usage();
	split_urls(opt.url);
}

int main(int argc, char **argv)
{
	parse_args(argc, argv);
	rng_state = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ 0x9E3779B97F4A7C15ULL;
	if (opt.items_file)
		read_items(opt.items_file);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		die("%s", "curl_global_init failed");

	char auth[600];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", opt.token);
	headers = curl_slist_append(headers, auth);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "X-Duban-Protocol: 1");
	headers = curl_slist_append(headers, "X-Duban-Schema: 1");

	CURLM *multi = curl_multi_init();
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)opt.clients + 16);
	struct client *cl = calloc((size_t)opt.clients, sizeof *cl);
	if (!cl || !multi)
		die("%s", "out of memory");
	for (int i = 0; i < opt.clients; i++) {
		cl[i].easy = curl_easy_init();
		if (!cl[i].easy)
			die("%s", "curl_easy_init failed");
		snprintf(cl[i].device, sizeof cl[i].device, "load-%d", i);
		cl[i].base = urls[i % nurls];
		if (opt.sources > 1)
			snprintf(cl[i].source, sizeof cl[i].source, "host!127.0.0.%d", 1 + i % opt.sources);
		next_request(&cl[i]);
		curl_multi_add_handle(multi, cl[i].easy);
	}

	double start = now_s(), end = start + opt.seconds;
	int running = opt.clients;
	bool stopping = false;
	while (running > 0) {
		CURLMcode mc = curl_multi_perform(multi, &running);
		if (mc != CURLM_OK)
			die("curl_multi_perform: %s", curl_multi_strerror(mc));
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(multi, &left))) {
			if (m->msg != CURLMSG_DONE)
				continue;
			CURL *e = m->easy_handle;
			CURLcode rc = m->data.result;
			struct client *c = NULL;
			curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&c);
			curl_multi_remove_handle(multi, e);
			record(c, rc);
			if (!stopping && now_s() < end) {
				next_request(c);
				curl_multi_add_handle(multi, e);
				running++;
			}
		}
		if (now_s() >= end)
			stopping = true;
		if (running > 0)
			curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	double elapsed = now_s() - start;

	long long total = 0, errors = transport_errors;
	for (int s = 0; s < MAX_STATUS; s++) {
		total += status_count[s];
		if (s != 200 && status_count[s])
			errors += status_count[s];
	}
	total += transport_errors;
	qsort(lat, nlat, sizeof *lat, cmp_double);
	printf("clients %d, %.1f s, push ratio %.2f, pull limit %d\n", opt.clients, elapsed, opt.push_ratio,
	       opt.limit);
	printf("requests %lld (pull %lld, push note.add %lld, push item.set %lld)\n", total, kind_count[REQ_PULL],
	       kind_count[REQ_PUSH_NOTE], kind_count[REQ_PUSH_SET]);
	printf("errors %lld (transport %lld)\n", errors, transport_errors);
	for (int s = 0; s < MAX_STATUS; s++)
		if (status_count[s])
			printf("  HTTP %d: %lld\n", s, status_count[s]);
	printf("push results: applied %lld, duplicate %lld, conflict %lld, rejected %lld; pull resets %lld\n",
	       results[0], results[1], results[2], results[3], resets);
	printf("req/s %.1f\n", elapsed > 0 ? (double)total / elapsed : 0.0);
	printf("latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", pct(0.50), pct(0.90), pct(0.99),
	       nlat ? lat[nlat - 1] : 0.0);
	printf("@requests %lld\n@errors %lld\n@rps %.1f\n@p50 %.2f\n@p90 %.2f\n@p99 %.2f\n", total, errors,
	       elapsed > 0 ? (double)total / elapsed : 0.0, pct(0.50), pct(0.90), pct(0.99));

	for (int i = 0; i < opt.clients; i++) {
		curl_easy_cleanup(cl[i].easy);
		free(cl[i].body);
		free(cl[i].resp.data);
	}
	free(cl);
	curl_multi_cleanup(multi);
	curl_slist_free_all(headers);
	curl_global_cleanup();
	for (size_t i = 0; i < nitems; i++)
		free(items[i]);
	free(items);
	for (size_t i = 0; i < ncursors; i++)
		free(cursors[i]);
	free(lat);
	for (int i = 0; i < nurls; i++)
		free(urls[i]);
	return errors ? 1 : 0;
}
