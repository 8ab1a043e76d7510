/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The writers of a breakdown. Each reads it through a const pointer and writes one format to
 * f; 0 or a negative errno. Text and JSON go to standard output; the exports, to the file
 * their option names. A new export: one writer in its own file, one row in vnl_exports.
 */
#ifndef VNL_OUTPUTS_H
#define VNL_OUTPUTS_H

#include <stddef.h>
#include <stdio.h>

struct breakdown;

typedef int (*output_fn)(const struct breakdown *b, FILE *f);

int write_text(const struct breakdown *b, FILE *f);
int write_json(const struct breakdown *b, FILE *f);
int write_csv(const struct breakdown *b, FILE *f);
int write_hdr_log(const struct breakdown *b, FILE *f);
int write_html(const struct breakdown *b, FILE *f);

struct export
{
	const char *option; /* --OPTION FILE */
	const char *help;   /* one line for report --help */
	output_fn write;
};

extern const struct export vnl_exports[];
extern const size_t vnl_nexports;

#endif
