/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The commands of main.c's table: each takes its own argv and returns an exit code. */
#ifndef VNL_COMMANDS_H
#define VNL_COMMANDS_H

int cmd_record(int argc, char **argv);
int cmd_agent(int argc, char **argv);
int cmd_live(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_probe(int argc, char **argv);

#endif
