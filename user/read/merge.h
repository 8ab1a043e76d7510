/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_MERGE_H
#define VNL_MERGE_H

int cmd_merge(int argc, char **argv);

#endif
