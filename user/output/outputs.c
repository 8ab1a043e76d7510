// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "outputs.h"

const struct export vnl_exports[] = {
    {"csv", "each window's percentiles per direction and segment, as CSV", write_csv},
    {"hdr-log", "the same as an HdrHistogram interval log (one tagged histogram each)",
     write_hdr_log},
    {"html", "one self-contained page: waterfall, CDFs, time series (SVG, no script)", write_html},
};

const size_t vnl_nexports = sizeof(vnl_exports) / sizeof(vnl_exports[0]);
