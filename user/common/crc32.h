/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef VNL_CRC32_H
#define VNL_CRC32_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC-32 of IEEE 802.3 (zlib's crc32: the same value, and crc the running value of the
 * bytes before, 0 to start), by carry-less multiplication where the CPU has it.
 */
uint32_t vnl_crc32(uint32_t crc, const void *buf, size_t len);

#endif
