// Reads an HdrHistogram interval log with hdr-histogram-js (an implementation independent of
// vnetlat's encoder) and prints, per tag, the histograms' total count, max and p50 as JSON.
import { readFileSync } from "node:fs";
import * as hdr from "hdr-histogram-js";

const reader = new hdr.HistogramLogReader(readFileSync(process.argv[2], "utf8"));
const tags = {};
let h;
while ((h = reader.nextIntervalHistogram()) !== null) {
  const t = (tags[h.tag] ??= { count: 0, max: 0, intervals: 0, p50: [] });
  t.count += h.totalCount;
  t.max = Math.max(t.max, h.maxValue);
  t.intervals += 1;
  t.p50.push(h.getValueAtPercentile(50));
}
console.log(JSON.stringify(tags));
