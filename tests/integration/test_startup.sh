#!/bin/bash
# Starting: the recorder says when its first packet was recorded, and keeps the probe's answer
# per kernel in /var/cache/vnetlat (0600, ours), which the next start takes instead of probing;
# a cache file anyone else could have written, or a damaged one, is not trusted but replaced;
# another set of switches (--tracepoints-only) has an answer of its own.
. "$(dirname "$0")/lib.sh"
cache=/var/cache/vnetlat

topo up 0 >/dev/null || { not_ok "topology up"; finish; }
rm -f "$cache"/probe-*
ip netns exec "$remote" ping -q -i 0.01 198.18.0.2 >/dev/null 2>&1 &
bg_pids+=($!)
rec() { # rec LOG [OPTION...]: a recording of 1 s with -v into LOG
	local log=$1
	shift
	ip netns exec "$host" "$vnetlat" -v record -o "$work/s.vnl" --force -d 1s "$@" >"$log" 2>&1
}
from_cache() { grep -q "probe: the answer for this kernel from $cache/probe-" "$1"; }

rec "$work/1.log"
check "the first start probes (nothing cached)" bash -c "! grep -q 'probe: the answer' $work/1.log"
check "and says when its first packet was recorded" \
	grep -Eq "first packet recorded [0-9.]+ s after start" "$work/1.log"
grep -E "startup:|first packet" "$work/1.log" | sed 's/^/# /'
files=("$cache"/probe-*)
check "it kept the answer in one file, 0600, root's" \
	bash -c "[[ ${#files[@]} == 1 && \$(stat -c '%a %U' ${files[0]}) == '600 root' ]]"
rec "$work/2.log"
check "the next start takes it from the cache" from_cache "$work/2.log"
grep -E "startup:" "$work/2.log" | sed 's/^/# /'
cmp -s <(grep -o "recording [0-9]* interface" "$work/1.log") \
	<(grep -o "recording [0-9]* interface" "$work/2.log")
check "and records the same interfaces" test $? = 0
chmod 0666 "${files[0]}"
rec "$work/3.log"
check "a cache file others may write is not trusted" bash -c "! grep -q 'probe: the answer' $work/3.log"
check "and is replaced by one of ours" bash -c "[[ \$(stat -c %a ${files[0]}) == 600 ]]"
head -c 10 "${files[0]}" >"$work/short" && cat "$work/short" >"${files[0]}"
rec "$work/4.log"
check "a damaged cache file is not used" bash -c "! grep -q 'probe: the answer' $work/4.log"
rec "$work/5.log"
check "and the next start finds a whole one again" from_cache "$work/5.log"
rec "$work/6.log" --tracepoints-only
check "--tracepoints-only has an answer of its own" \
	bash -c "! grep -q 'probe: the answer' $work/6.log && [[ \$(ls $cache/probe-* | wc -l) == 2 ]]"
VNETLAT_NO_PROBE_CACHE=1 rec "$work/7.log"
check "VNETLAT_NO_PROBE_CACHE=1 probes afresh" bash -c "! grep -q 'probe: the answer' $work/7.log"
finish
