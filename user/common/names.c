// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include "names.h"

const struct row_names vnl_rows[ROW_MAX] = {
    [ROW_TO_GUEST] = {"to_guest", "", "to_guest", "to_guest", "to the guest"},
    [ROW_FROM_GUEST] = {"from_guest", "", "from_guest", "from_guest", "from the guest"},
    [ROW_RT_REMOTE] = {"round_trip", "remote", "round trips from the remote side",
		       "round_trip_remote", "round trips from the remote side"},
    [ROW_RT_GUEST] = {"round_trip", "guest", "round trips from the guest", "round_trip_guest",
		      "round trips from the guest"},
};

int row_of_dir(enum vnl_dir dir)
{
	return dir == VNL_DIR_FROM_GUEST ? ROW_FROM_GUEST : ROW_TO_GUEST;
}

int row_of_round_trip(enum vnl_dir request_dir)
{
	return request_dir == VNL_DIR_TO_GUEST ? ROW_RT_REMOTE : ROW_RT_GUEST;
}

const char *dir_name(enum vnl_dir dir)
{
	static const char *const names[] = {"to_guest", "from_guest", "any"};

	return dir < VNL_DIR_MAX ? names[dir] : "unknown";
}

const char *role_name(int role)
{
	static const char *const names[VNL_ROLE_MAX] = {
	    [VNL_ROLE_NONE] = "none",
	    [VNL_ROLE_UPLINK] = "uplink",
	    [VNL_ROLE_TAP] = "tap",
	    [VNL_ROLE_GUEST] = "guest",
	};

	return role >= 0 && role < VNL_ROLE_MAX ? names[role] : "unknown";
}

const char *ptp_type_name(unsigned int type)
{
	static const char *const names[16] = {
	    [VNL_PTP_SYNC] = "Sync",
	    [VNL_PTP_DELAY_REQ] = "Delay_Req",
	    [VNL_PTP_PDELAY_REQ] = "Pdelay_Req",
	    [VNL_PTP_PDELAY_RESP] = "Pdelay_Resp",
	    [VNL_PTP_FOLLOW_UP] = "Follow_Up",
	    [VNL_PTP_DELAY_RESP] = "Delay_Resp",
	    [VNL_PTP_PDELAY_RESP_FOLLOW_UP] = "Pdelay_Resp_Follow_Up",
	    [VNL_PTP_ANNOUNCE] = "Announce",
	    [VNL_PTP_SIGNALING] = "Signaling",
	    [VNL_PTP_MANAGEMENT] = "Management",
	};

	return type < 16 && names[type] ? names[type] : "reserved";
}

const char *ptp_state_name(unsigned int state)
{
	static const char *const names[] = {
	    "?",	  "INITIALIZING", "FAULTY",  "DISABLED",     "LISTENING",
	    "PRE_MASTER", "MASTER",	  "PASSIVE", "UNCALIBRATED", "SLAVE"};

	return state < sizeof(names) / sizeof(names[0]) ? names[state] : "?";
}

const char *tc_handle_str(unsigned int handle, char buf[16])
{
	if (handle == 0xffffffffU)
		return "root";
	if (handle & 0xffff)
		snprintf(buf, 16, "%x:%x", handle >> 16, handle & 0xffff);
	else
		snprintf(buf, 16, "%x:", handle >> 16);
	return buf;
}
