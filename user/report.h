/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_REPORT_H
#define VNL_REPORT_H

#include <stdint.h>

struct group;

int cmd_report(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/* The whole-run breakdown of a recording (for diff); 0 or an exit code, the error said. */
int report_breakdown(const char *path, struct group **out, uint64_t *events);
void report_breakdown_free(struct group *g);

#endif
