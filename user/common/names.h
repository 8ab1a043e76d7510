/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One table of the names every output uses for breakdown rows, directions and device roles,
 * so a report, an export and a metric never spell one thing two ways.
 */
#ifndef VNL_NAMES_H
#define VNL_NAMES_H

#include "hops.h"

/* Breakdown rows: direction to_guest, from_guest, then round trips by initiator. */
enum row_dir { ROW_TO_GUEST = 0, ROW_FROM_GUEST, ROW_RT_REMOTE, ROW_RT_GUEST, ROW_MAX };

struct row_names {
	const char *direction; /* "to_guest", "from_guest", "round_trip" */
	const char *initiator; /* round trips: "remote" or "guest"; "" for directions */
	const char *label;     /* in sentences: "round trips from the guest" */
	const char *tag;       /* one word: HDR log tags, diff's column */
	const char *title;     /* a heading: "to the guest" */
};

extern const struct row_names vnl_rows[ROW_MAX];

/* The row a journey of direction dir is counted in; round trips by their request's. */
int row_of_dir(enum vnl_dir dir);
int row_of_round_trip(enum vnl_dir request_dir);
const char *dir_name(enum vnl_dir dir);
const char *role_name(int role);
/* A PTP messageType (enum vnl_ptp_type) as 1588 spells it: "Sync", "Delay_Req", ... */
const char *ptp_type_name(unsigned int type);
/* A PTP port's state (IEEE 1588 portState, 1..9) as ptp4l prints it: "SLAVE". */
const char *ptp_state_name(unsigned int state);
/* A tc handle as tc prints it: "1:", "8001:2", "root", "0:" (buf: 16 bytes). */
const char *tc_handle_str(unsigned int handle, char buf[16]);

#endif
