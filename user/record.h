/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_RECORD_H
#define VNL_RECORD_H

int cmd_record(int argc, char **argv);

#endif
