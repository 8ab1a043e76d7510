// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * vnetlat live --prometheus: GET /metrics over HTTP, served by libmicrohttpd from its own
 * thread. The static build (for guests) has no HTTP server: VNL_NO_HTTP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "link.h"
#include "live.h"

#ifdef VNL_NO_HTTP
void *prom_start(struct live *l, const char *addr_port, char *err, size_t err_size)
{
	snprintf(err, err_size, "%s: this static build of vnetlat has no HTTP server", addr_port);
	return NULL;
}

void prom_stop(void *server)
{
}
#else
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

#define MAX_CONNECTIONS 16
#define TIMEOUT_S	10

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **con_cls)
{
	struct live *l = cls;
	struct MHD_Response *resp;
	char *body = NULL;
	size_t len = 0;
	enum MHD_Result ret;
	unsigned int status = MHD_HTTP_OK;
	FILE *f;

	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		body = strdup("only GET /metrics\n");
	} else if (strcmp(url, "/metrics")) {
		status = MHD_HTTP_NOT_FOUND;
		body = strdup("not found: the metrics are at /metrics\n");
	} else {
		f = open_memstream(&body, &len);
		if (f) {
			live_render_metrics(l, f);
			fclose(f);
		}
	}
	if (!body)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
				status == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8"
						      : "text/plain; charset=utf-8");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

void *prom_start(struct live *l, const char *addr_port, char *err, size_t err_size)
{
	struct sockaddr_storage ss;
	unsigned int len, port;
	struct MHD_Daemon *d;
	char msg[200];

	if (link_parse_addr(addr_port, &ss, &len, msg, sizeof(msg))) {
		snprintf(err, err_size, "%s", msg);
		return NULL;
	}
	port = ntohs(((struct sockaddr_in *)&ss)->sin_port); /* same offset in both families */
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				 (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     (uint16_t)port, NULL, NULL, answer, l, MHD_OPTION_SOCK_ADDR,
			     (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
			     (unsigned int)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
			     (unsigned int)TIMEOUT_S, MHD_OPTION_END);
	if (!d)
		snprintf(err, err_size, "%s: cannot listen there (%s)", addr_port, strerror(errno));
	return d;
}

void prom_stop(void *server)
{
	MHD_stop_daemon(server);
}
#endif
