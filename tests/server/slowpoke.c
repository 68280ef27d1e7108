/* A slow-client attacker for tests/server/t_slow_clients.sh.
 *
 *   slowpoke FROM PORT COUNT MODE SECONDS
 *
 * opens COUNT TCP connections from the loopback address FROM (127.0.0.2,
 * 127.0.0.3 … are all loopback on Linux) to 127.0.0.1:PORT and keeps them
 * for SECONDS:
 *
 *   idle   sends nothing (an unfinished TLS handshake, or no request at all)
 *   drip   sends the header of a TLS record announcing 255 bytes, then one
 *          byte of it every second: never idle, never a whole ClientHello
 *
 * It prints "opened N" once connected and, at the end, "closed K of N" with
 * how many the server closed and, when any, "last after S s".  Exit 0, or 1
 * on a usage or socket error. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONN 1024

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int open_one(const char *from, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	inet_pton(AF_INET, from, &src.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
	dst.sin_port = htons((unsigned short)port);
	if (bind(fd, (struct sockaddr *)&src, sizeof src) != 0 ||
	    connect(fd, (struct sockaddr *)&dst, sizeof dst) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the server closed fd (end of stream or an error). */
static int closed(int fd)
{
	char buf[512];
	ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n == 0)
		return 1;
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: slowpoke FROM PORT COUNT idle|drip SECONDS\n");
		return 1;
	}
	const char *from = argv[1];
	int port = atoi(argv[2]), count = atoi(argv[3]), seconds = atoi(argv[5]);
	int drip = strcmp(argv[4], "drip") == 0;
	if (count < 1 || count > MAX_CONN || port < 1 || seconds < 1) {
		fprintf(stderr, "slowpoke: bad arguments\n");
		return 1;
	}
	static int fd[MAX_CONN], gone[MAX_CONN];
	int n = 0;
	for (int i = 0; i < count; i++) {
		fd[n] = open_one(from, port);
		if (fd[n] >= 0)
			n++;
	}
	printf("opened %d\n", n);
	fflush(stdout);
	static const unsigned char record[] = { 0x16, 0x03, 0x01, 0x00, 0xff };
	double start = now_s(), last = 0;
	int k = 0, tick = 0;
	while (now_s() - start < seconds) {
		for (int i = 0; i < n; i++) {
			if (gone[i])
				continue;
			if (closed(fd[i])) {
				gone[i] = 1;
				k++;
				last = now_s() - start;
				continue;
			}
			if (drip) {
				unsigned char b = tick < (int)sizeof record ? record[tick] : 0;
				(void)send(fd[i], &b, 1, MSG_NOSIGNAL);
			}
		}
		tick++;
		poll(NULL, 0, 1000);
	}
	printf("closed %d of %d", k, n);
	if (k)
		printf(" last after %.1f s", last);
	printf("\n");
	for (int i = 0; i < n; i++)
		close(fd[i]);
	return 0;
}
