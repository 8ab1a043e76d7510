/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_REPORT_H
#define VNL_REPORT_H

int cmd_report(int argc, char **argv);
int cmd_dump(int argc, char **argv);

#endif
